package server_test

// Helpers shared by the end-to-end tests of messengers whose API is faked by
// their provider's own fake (telegram_test.go and messages_test.go with
// telegramtest, custom_test.go with customtest, viber_test.go with vibertest,
// line_test.go with linetest, facebook_test.go, whatsappcloud_test.go,
// twilio_test.go, wechat_test.go, twitter_test.go, infobip_test.go and
// nexmo_test.go with theirs): the server, the generated client and the fake,
// nothing mocked in between.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/client"
)

// callback is one request a fake messenger made to Switchboard's public URL,
// with what the test server answered.
type callback struct {
	Path   string
	Header http.Header
	Status int
}

// callbackClient is the HTTP client a fake messenger uses to call Switchboard
// while setting a webhook (Viber's signed check, LINE's test webhook). Whatever
// public URL it is given, the request goes to the test server at the same path,
// as it would reach a deployed server behind https://switchboard.example.com;
// tamper, when set, changes each request first (a forger in the middle). Every
// call is recorded.
type callbackClient struct {
	*http.Client
	mu     sync.Mutex
	calls  []callback
	tamper func(*http.Request)
}

func (ts *testServer) callbackClient() *callbackClient {
	cc := &callbackClient{}
	target := ts.http.Listener.Addr().String()
	cc.Client = &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		out := req.Clone(req.Context())
		out.URL.Scheme, out.URL.Host = "http", target
		cc.mu.Lock()
		tamper := cc.tamper
		cc.mu.Unlock()
		if tamper != nil {
			tamper(out)
		}
		resp, err := http.DefaultTransport.RoundTrip(out)
		call := callback{Path: req.URL.Path, Header: out.Header.Clone(), Status: -1}
		if err == nil {
			call.Status = resp.StatusCode
		}
		cc.mu.Lock()
		cc.calls = append(cc.calls, call)
		cc.mu.Unlock()
		return resp, err
	})}
	return cc
}

func (cc *callbackClient) setTamper(f func(*http.Request)) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.tamper = f
}

func (cc *callbackClient) received() []callback {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return append([]callback(nil), cc.calls...)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// local is the test server's address of a public URL (a webhook or download URL).
func (ts *testServer) local(t *testing.T, public string) string {
	t.Helper()
	path, ok := strings.CutPrefix(public, ts.cfg.PublicURL)
	if !ok {
		t.Fatalf("%q is not below the public URL %q", public, ts.cfg.PublicURL)
	}
	return ts.http.URL + path
}

// deliverWebhook sends a webhook request built by a fake's helper and returns
// the status.
func deliverWebhook(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// webhookAnswer sends a webhook request built by a fake's helper and returns
// the whole answer: status, Content-Type and body (a handshake's challenge,
// Twilio's TwiML).
func webhookAnswer(t *testing.T, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// subscribeInbox opens c's live inbox and waits until the server has
// registered it, so that nothing published afterwards is missed.
func (ts *testServer) subscribeInbox(t *testing.T, c *client.Client) <-chan client.InboxEventsWsResponse {
	t.Helper()
	before := ts.srv.Subscribers()
	ws, err := c.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	events, _, err := client.InboxEvents(context.Background(), ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the inbox subscription", func() bool { return ts.srv.Subscribers() > before })
	return events
}

// nextMessageUpdate waits for the MESSAGE_UPDATED event that shows message id
// with status.
func nextMessageUpdate(t *testing.T, events <-chan client.InboxEventsWsResponse, id string, status client.MessageStatus) client.MessageFields {
	t.Helper()
	for {
		ev := nextInbox(t, events, client.ConversationEventKindMessageUpdated)
		if ev.Message != nil && ev.Message.Id == id && ev.Message.Status == status {
			return ev.Message.MessageFields
		}
	}
}

// nextMessageUpdates waits for MESSAGE_UPDATED events showing every message of
// ids with status, in whatever order one receipt moved them.
func nextMessageUpdates(t *testing.T, events <-chan client.InboxEventsWsResponse, status client.MessageStatus, ids ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for len(want) > 0 {
		ev := nextInbox(t, events, client.ConversationEventKindMessageUpdated)
		if ev.Message != nil && ev.Message.Status == status {
			delete(want, ev.Message.Id)
		}
	}
}

// messages returns a conversation's messages, oldest first, as c sees them.
func (ts *testServer) messages(t *testing.T, c *client.Client, convID string) []client.MessageFields {
	t.Helper()
	r, err := client.Conversation(context.Background(), c, convID, ptr(100))
	if err != nil {
		t.Fatal(err)
	}
	if r.Node == nil || *r.Node == nil {
		t.Fatalf("conversation %s not found", convID)
	}
	conv, ok := (*r.Node).(*client.ConversationNodeConversation)
	if !ok {
		t.Fatalf("node %s is a %T", convID, *r.Node)
	}
	out := make([]client.MessageFields, 0, len(conv.Messages.Edges))
	for _, e := range conv.Messages.Edges {
		out = append(out, e.Node.MessageFields)
	}
	return out
}

// message returns one message of a conversation.
func (ts *testServer) message(t *testing.T, convID, id string) client.MessageFields {
	t.Helper()
	for _, m := range ts.messages(t, ts.admin, convID) {
		if m.Id == id {
			return m
		}
	}
	t.Fatalf("message %s is not in conversation %s", id, convID)
	return client.MessageFields{}
}

// nothingStored fails when any conversation or failed webhook event exists.
func (ts *testServer) nothingStored(t *testing.T, after string) {
	t.Helper()
	ctx := context.Background()
	convs, err := client.Conversations(ctx, ts.admin, ptr(10), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	failed, err := client.FailedWebhookEvents(ctx, ts.admin, ptr(10), nil)
	if err != nil {
		t.Fatal(err)
	}
	if convs.Conversations.TotalCount != 0 || failed.FailedWebhookEvents.TotalCount != 0 {
		t.Fatalf("after %s: %d conversations and %d failed webhook events, want none",
			after, convs.Conversations.TotalCount, failed.FailedWebhookEvents.TotalCount)
	}
}

// download GETs an attachment's downloadUrl with token and returns the status,
// Content-Type and body.
func (ts *testServer) download(t *testing.T, token, downloadURL string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.local(t, downloadURL), nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// waitAttachment polls message id until its first attachment settles (READY or
// FAILED) and returns it.
func (ts *testServer) waitAttachment(t *testing.T, convID, id string) client.MessageFieldsAttachmentsAttachment {
	t.Helper()
	var att client.MessageFieldsAttachmentsAttachment
	eventually(t, "attachment of message "+id+" to settle", func() bool {
		m := ts.message(t, convID, id)
		if len(m.Attachments) == 0 {
			t.Fatalf("message %s has no attachment", id)
		}
		att = m.Attachments[0]
		return att.Status != client.MediaStatusPending
	})
	return att
}

// jsonEqual reports whether got, a request body a fake recorded and the test
// decoded, is the JSON want: the shape a messenger's API receives.
func jsonEqual(got, want any) bool {
	a, err1 := json.Marshal(got)
	b, err2 := json.Marshal(want)
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

// fakeJPEG stands for a photo's bytes.
var fakeJPEG = []byte("\xff\xd8\xff\xe0 a small jpeg")
