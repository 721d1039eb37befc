package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/line/linetest"
	"github.com/switchboard/switchboard/server"
)

const (
	// lineRefusedToken looks like a channel access token, but the fake knows no
	// channel with it.
	lineRefusedToken = "Zx9Qw2Er5Ty8Ui1Op4As7Df0Gh3Jk6Lz9Xc2Vb5Nm8Qw1Er4Ty7Ui0Op3As6Df9Gh2Jk5Lz8Xc1Vb4Nm7Qw0Er3Ty6Ui9Op2As5Df8Gh1Jk4Lz7=="
	// lineWrongSecret is a channel secret, but not the channel's.
	lineWrongSecret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	// lineUser is the customer of the LINE tests (a user ID: U and 32 hex digits).
	lineUser = "U4af4980629a1b2c3d4e5f60718293a4b"
)

// lineServer is a test server whose LINE provider calls fake's two hosts, and
// whose fake sends its test webhooks, signed with secret, to the server's
// public URL.
func lineServer(t *testing.T, fake *linetest.Server) (*testServer, *callbackClient) {
	t.Helper()
	ts := newTestServer(t, func(c *server.Config) {
		c.ProviderAPIURLs = map[string]string{"line": fake.URL, "lineData": fake.DataURL}
		c.RetryBase = 10 * time.Millisecond
	})
	checks := ts.callbackClient()
	fake.SetWebhookTest(linetest.Deliver(checks.Client, linetest.Secret))
	return ts, checks
}

func newLineFake(t *testing.T) *linetest.Server {
	t.Helper()
	fake := linetest.New()
	t.Cleanup(fake.Close)
	return fake
}

// createLine adds a LINE account through the API.
func createLine(t *testing.T, ts *testServer, name, token, secret string) client.AccountFields {
	t.Helper()
	a, err := client.CreateIntegrationAccount(context.Background(), ts.admin, client.CreateIntegrationAccountInput{
		Name: name, Settings: client.IntegrationSettingsInput{Line: &client.LineSettingsInput{ChannelAccessToken: ptr(token), ChannelSecret: ptr(secret)}}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if a.CreateIntegrationAccount.Type != client.IntegrationAccountTypeLine {
		t.Fatalf("created a %s account", a.CreateIntegrationAccount.Type)
	}
	return a.CreateIntegrationAccount.AccountFields
}

// lineRequests returns the requests the fake received on path.
func lineRequests(fake *linetest.Server, method, path string) []linetest.Request {
	var out []linetest.Request
	for _, r := range fake.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func TestLineConnectionAndWebhook(t *testing.T) {
	fake := newLineFake(t)
	ts, checks := lineServer(t, fake)
	ctx := context.Background()
	good := createLine(t, ts, "line support", linetest.Token, linetest.Secret)

	t.Run("test connection", func(t *testing.T) {
		cases := []struct {
			name        string
			token       string
			wantOK      bool
			wantMessage []string
			wantDetails map[string]string
		}{
			{
				name: "token LINE accepts", token: linetest.Token, wantOK: true,
				wantMessage: []string{linetest.BotName + " (" + linetest.BotBasicID + ")"},
				wantDetails: map[string]string{"userId": linetest.BotUserID, "basicId": linetest.BotBasicID, "displayName": linetest.BotName,
					"pictureUrl": linetest.BotPicture, "chatMode": "bot", "markAsReadMode": "auto", "webhookEndpoint": ""},
			},
			{
				name: "token LINE refuses", token: lineRefusedToken, wantOK: false,
				wantMessage: []string{"LINE does not accept this channel access token", "invalid token"},
				wantDetails: map[string]string{"status": "401"},
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := good
				if tc.token != linetest.Token {
					a = createLine(t, ts, tc.name, tc.token, linetest.Secret)
				}
				resp, err := client.TestConnection(ctx, ts.admin, a.Id)
				if err != nil {
					t.Fatalf("testConnection: %v", err)
				}
				res := resp.TestConnection.ResultFields
				if res.Ok != tc.wantOK {
					t.Fatalf("ok = %v, want %v: %s", res.Ok, tc.wantOK, res.Message)
				}
				for _, w := range tc.wantMessage {
					if !strings.Contains(res.Message, w) {
						t.Errorf("message %q lacks %q", res.Message, w)
					}
				}
				details := resultDetails(res)
				for k, v := range tc.wantDetails {
					if got, ok := details[k]; !ok || got != v {
						t.Errorf("details[%s] = %q, want %q (all: %v)", k, got, v, details)
					}
				}
				calls := lineRequests(fake, http.MethodGet, "/v2/bot/info")
				if last := calls[len(calls)-1]; last.Header.Get("Authorization") != "Bearer "+tc.token {
					t.Errorf("bot info asked without the account's token")
				}

				got := fetchAccount(t, ts, a.Id)
				last := got.LastTest
				if last == nil || last.Ok != res.Ok || last.Message != res.Message || !last.At.Equal(res.At) {
					t.Fatalf("lastTest = %+v, want the result %+v", last, res)
				}
				if d := resultDetails(last.ResultFields); d["userId"] != details["userId"] || d["status"] != details["status"] || len(d) != len(details) {
					t.Errorf("lastTest details = %v, want %v", d, details)
				}
				if verified := got.VerifiedAt != nil; verified != res.Ok || verified && !got.VerifiedAt.Equal(res.At) {
					t.Errorf("verifiedAt = %v after a check with ok %v at %v", got.VerifiedAt, res.Ok, res.At)
				}
				js, _ := json.Marshal(resp)
				mustNotContain(t, "the result", string(js)+settingsJSON(t, got.AccountFields), linetest.Token, lineRefusedToken, linetest.Secret)
			})
		}
	})

	t.Run("set webhook", func(t *testing.T) {
		resp, err := client.SetWebhook(ctx, ts.admin, good.Id)
		if err != nil {
			t.Fatal(err)
		}
		res := resp.SetWebhook.ResultFields
		if !res.Ok || !strings.Contains(res.Message, good.WebhookUrl) || !strings.Contains(res.Message, "test webhook reached it") {
			t.Fatalf("setWebhook = %+v", res)
		}
		want := "https://switchboard.example.com/webhooks/" + good.AccountId
		if d := resultDetails(res); d["webhookEndpoint"] != want || d["testSuccess"] != "true" || d["testStatusCode"] != "200" || d["webhookActive"] != "true" {
			t.Errorf("details = %v", d)
		}
		if ch, _ := fake.Channel(linetest.Token); ch.WebhookEndpoint != want || good.WebhookUrl != want {
			t.Errorf("endpoint %q, want %q (the account's webhookUrl %q)", ch.WebhookEndpoint, want, good.WebhookUrl)
		}
		puts := lineRequests(fake, http.MethodPut, "/v2/bot/channel/webhook/endpoint")
		if len(puts) != 1 || puts[0].Status != http.StatusOK || puts[0].Header.Get("Authorization") != "Bearer "+linetest.Token ||
			!strings.HasPrefix(puts[0].Header.Get("Content-Type"), "application/json") {
			t.Fatalf("endpoint set with %+v", puts)
		}
		var body map[string]string
		if err := json.Unmarshal(puts[0].Body, &body); err != nil || body["endpoint"] != want {
			t.Errorf("endpoint body %s", puts[0].Body)
		}
		// LINE's test webhook is a signed body without events: a handshake the
		// server answers 200, storing nothing.
		got := checks.received()
		if len(got) != 1 || got[0].Path != "/webhooks/"+good.AccountId || got[0].Status != http.StatusOK || got[0].Header.Get("X-Line-Signature") == "" {
			t.Fatalf("test webhooks %+v, want one signed, answered 200", got)
		}
		ts.nothingStored(t, "LINE's test webhook")

		tested, err := client.TestConnection(ctx, ts.admin, good.Id)
		if err != nil || !tested.TestConnection.Ok {
			t.Fatalf("testConnection: %v %+v", err, tested)
		}
		if d := resultDetails(tested.TestConnection.ResultFields); d["webhookEndpoint"] != want || d["webhookActive"] != "true" {
			t.Errorf("details after setting the webhook: %v", d)
		}
	})

	t.Run("wrong channel secret", func(t *testing.T) {
		// LINE has no call that checks the secret: the test webhook, signed
		// with the channel's real secret, is refused by the server, and the
		// admin is told so.
		a := createLine(t, ts, "wrong secret", linetest.Token, lineWrongSecret)
		resp, err := client.SetWebhook(ctx, ts.admin, a.Id)
		if err != nil {
			t.Fatal(err)
		}
		res := resp.SetWebhook.ResultFields
		if res.Ok || !strings.Contains(res.Message, "test webhook failed") || !strings.Contains(res.Message, "ERROR_STATUS_CODE (401)") {
			t.Errorf("setWebhook = %+v, want the failed test webhook's 401", res)
		}
		if d := resultDetails(res); d["testSuccess"] != "false" || d["testStatusCode"] != "401" {
			t.Errorf("details = %v", d)
		}
		if got := checks.received(); got[len(got)-1].Status != http.StatusUnauthorized {
			t.Errorf("the test webhook was answered %d, want 401", got[len(got)-1].Status)
		}
		ts.nothingStored(t, "a test webhook the account cannot verify")
	})

	t.Run("use webhook off", func(t *testing.T) {
		fake.UpdateChannel(linetest.Token, func(c *linetest.Channel) { c.WebhookActive = false })
		defer fake.UpdateChannel(linetest.Token, func(c *linetest.Channel) { c.WebhookActive = true })
		resp, err := client.SetWebhook(ctx, ts.admin, good.Id)
		if err != nil {
			t.Fatal(err)
		}
		if res := resp.SetWebhook.ResultFields; !res.Ok || !strings.Contains(res.Message, `turn on "Use webhook"`) {
			t.Errorf("setWebhook = %+v, want ok with a hint to turn on \"Use webhook\"", res)
		}
	})
}

// lineSetup is a server with a LINE account that passed Test Connection and
// has its webhook set against the fake, and an agent.
type lineSetup struct {
	*testServer
	fake  *linetest.Server
	acct  client.AccountFields
	hook  string // the local webhook URL
	agent *client.Client
}

func newLineSetup(t *testing.T) *lineSetup {
	t.Helper()
	fake := newLineFake(t)
	ts, _ := lineServer(t, fake)
	ctx := context.Background()
	acct := createLine(t, ts, "line support", linetest.Token, linetest.Secret)
	if r, err := client.TestConnection(ctx, ts.admin, acct.Id); err != nil || !r.TestConnection.Ok {
		t.Fatalf("testConnection: %v %+v", err, r)
	}
	if r, err := client.SetWebhook(ctx, ts.admin, acct.Id); err != nil || !r.SetWebhook.Ok {
		t.Fatalf("setWebhook: %v %+v", err, r)
	}
	return &lineSetup{testServer: ts, fake: fake, acct: acct, hook: ts.local(t, acct.WebhookUrl),
		agent: ts.as(ts.userToken(t, "agent ann", client.UserRoleAgent))}
}

// webhook is a POST of body to the account's webhook, signed with secret as
// LINE signs its webhooks.
func (s *lineSetup) webhook(t *testing.T, secret string, body []byte) *http.Request {
	t.Helper()
	req, err := linetest.NewWebhookRequest(context.Background(), s.hook, secret, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// deliver POSTs events as LINE does and returns the status.
func (s *lineSetup) deliver(t *testing.T, events ...json.RawMessage) int {
	t.Helper()
	return deliverWebhook(t, s.webhook(t, linetest.Secret, linetest.Body(events...)))
}

// reply sends an agent's reply and waits until LINE accepted it in one push.
func (s *lineSetup) reply(t *testing.T, events <-chan client.InboxEventsWsResponse, in client.SendMessageInput) (client.MessageFields, linetest.Push) {
	t.Helper()
	before := len(s.fake.Pushes())
	sent, err := client.SendMessage(context.Background(), s.agent, in)
	if err != nil {
		t.Fatal(err)
	}
	if sent.SendMessage.Status != client.MessageStatusQueued {
		t.Fatalf("status %s, want QUEUED", sent.SendMessage.Status)
	}
	m := nextMessageUpdate(t, events, sent.SendMessage.Id, client.MessageStatusSent)
	pushes := s.fake.Pushes()
	if len(pushes) != before+1 {
		t.Fatalf("LINE accepted %d pushes for one reply, want 1: %+v", len(pushes)-before, pushes[before:])
	}
	p := pushes[before]
	if m.ProviderMessageID == nil || len(p.SentIDs) == 0 || *m.ProviderMessageID != p.SentIDs[0] {
		t.Fatalf("providerMessageID = %v, want LINE's first sent message ID of %v", deref(m.ProviderMessageID), p.SentIDs)
	}
	return m, p
}

// redelivered is an event as LINE sends it again after our answer did not
// reach it: the same webhookEventId, flagged as a redelivery.
func redelivered(t *testing.T, ev json.RawMessage) json.RawMessage {
	t.Helper()
	out := bytes.Replace(ev, []byte(`"isRedelivery":false`), []byte(`"isRedelivery":true`), 1)
	if bytes.Equal(out, ev) {
		t.Fatalf("event without deliveryContext.isRedelivery: %s", ev)
	}
	return out
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestLineMessagePathEndToEnd(t *testing.T) {
	s := newLineSetup(t)
	ctx := context.Background()
	events := s.subscribeInbox(t, s.agent)
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	hello := linetest.TextEvent("01JDQ4Z9A1B2C3D4E5F6G7H8J9", lineUser, "468789577898262530", "Hello from LINE", at)
	s.fake.AddProfile(linetest.Profile{UserID: lineUser, DisplayName: "Brown", Language: "ja"})

	// Only webhooks signed with the channel secret are taken.
	body := linetest.Body(hello)
	unsigned := s.webhook(t, linetest.Secret, body)
	unsigned.Header.Del("X-Line-Signature")
	altered := s.webhook(t, linetest.Secret, body)
	changed := bytes.Replace(body, []byte("Hello from LINE"), []byte("Hello from Mars"), 1)
	altered.Body, altered.ContentLength = io.NopCloser(bytes.NewReader(changed)), int64(len(changed))
	for name, req := range map[string]*http.Request{
		"signed with another secret": s.webhook(t, lineWrongSecret, body),
		"unsigned":                   unsigned,
		"body changed after signing": altered,
	} {
		if got := deliverWebhook(t, req); got != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, got)
		}
	}
	s.nothingStored(t, "unauthentic webhooks")

	// The customer writes; the agent sees it live.
	if got := s.deliver(t, hello); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	created := nextInbox(t, events, client.ConversationEventKindConversationCreated)
	msg := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message
	if msg == nil || msg.Text != "Hello from LINE" || msg.Direction != client.MessageDirectionInbound ||
		deref(msg.ProviderMessageID) != "468789577898262530" || msg.ProviderTime == nil || !msg.ProviderTime.Equal(at) {
		t.Fatalf("message event: %+v", msg)
	}
	conv := created.Conversation
	if conv.Contact.ProviderUserID != lineUser || conv.IntegrationAccount.Type != client.IntegrationAccountTypeLine {
		t.Fatalf("conversation: %+v", conv)
	}

	// A batch lands in order; LINE's redeliveries (same webhookEventId, a
	// different body) and a repeated batch are stored once, so the next message
	// event is the next new message.
	second := linetest.TextEvent("01JDQ4Z9A1B2C3D4E5F6G7H8JA", lineUser, "468789577898262531", "second", at.Add(time.Second))
	third := linetest.TextEvent("01JDQ4Z9A1B2C3D4E5F6G7H8JB", lineUser, "468789577898262532", "third", at.Add(2*time.Second))
	if got := s.deliver(t, second, third); got != http.StatusOK {
		t.Fatalf("batch: %d", got)
	}
	for _, want := range []string{"second", "third"} {
		if got := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message.Text; got != want {
			t.Fatalf("message %q, want %q", got, want)
		}
	}
	for name, evs := range map[string][]json.RawMessage{
		"redelivery":        {redelivered(t, hello)},
		"redelivered batch": {redelivered(t, second), redelivered(t, third)},
		"repeated batch":    {second, third},
	} {
		if got := s.deliver(t, evs...); got != http.StatusOK {
			t.Fatalf("%s: %d", name, got)
		}
	}
	s.deliver(t, linetest.TextEvent("01JDQ4Z9A1B2C3D4E5F6G7H8JC", lineUser, "468789577898262533", "fourth", at.Add(3*time.Second)))
	if next := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message; next.Text != "fourth" {
		t.Fatalf("after redeliveries the next message event is %q, want \"fourth\"", next.Text)
	}
	if n := len(s.messages(t, s.admin, conv.Id)); n != 4 {
		t.Fatalf("%d messages, want 4", n)
	}

	t.Run("contact name and picture", func(t *testing.T) {
		// LINE's webhooks carry only the user ID; the name is in the profile,
		// which Switchboard asks for in the background.
		eventually(t, "the contact's profile", func() bool {
			r, err := client.Conversation(ctx, s.admin, conv.Id, ptr(1))
			if err != nil || r.Node == nil {
				t.Fatalf("conversation: %v", err)
			}
			c, _ := (*r.Node).(*client.ConversationNodeConversation)
			return c != nil && c.Contact.DisplayName == "Brown"
		})
	})

	// The agent takes the conversation and replies: text, then text with a
	// picture by URL, each reply one push with a retry key.
	if _, err := client.TakeConversation(ctx, s.agent, conv.Id); err != nil {
		t.Fatal(err)
	}
	text, textPush := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("How can I help?"), ClientMessageId: ptr("line-1")})
	if textPush.To != lineUser || textPush.Channel != linetest.BotUserID || len(textPush.Messages) != 1 ||
		textPush.Messages[0].Type != "text" || textPush.Messages[0].Text != "How can I help?" || !uuidPattern.MatchString(textPush.RetryKey) {
		t.Errorf("LINE received %+v", textPush)
	}
	const photoURL = "https://cdn.example.com/receipts/42.jpg"
	photo, photoPush := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Here is your receipt"),
		Attachments: []client.AttachmentInput{{Type: client.AttachmentTypeImage, Url: photoURL}}})
	if m := photoPush.Messages; photoPush.To != lineUser || len(m) != 2 || m[0].Type != "text" || m[0].Text != "Here is your receipt" ||
		m[1].Type != "image" || m[1].OriginalContentURL != photoURL || m[1].PreviewImageURL != photoURL ||
		!uuidPattern.MatchString(photoPush.RetryKey) || photoPush.RetryKey == textPush.RetryKey {
		t.Errorf("LINE received %+v, want the text then an image of %s", photoPush, photoURL)
	}
	for _, r := range lineRequests(s.fake, http.MethodPost, "/v2/bot/message/push") {
		if r.Header.Get("Authorization") != "Bearer "+linetest.Token {
			t.Errorf("push without the channel access token")
		}
	}
	// LINE reports neither delivery nor reading to bots: replies stay SENT.
	for _, id := range []string{text.Id, photo.Id} {
		if st := s.message(t, conv.Id, id).Status; st != client.MessageStatusSent {
			t.Errorf("reply %s is %s, want SENT", id, st)
		}
	}

	t.Run("retry after an answer that was lost", func(t *testing.T) {
		// LINE accepts the push but the answer is a 500: the dispatcher tries
		// again with the same retry key, LINE answers 409 with the IDs it sent,
		// and the customer gets the reply once.
		s.fake.FailNext(linetest.EndpointPush, linetest.Fault{Status: http.StatusInternalServerError, Body: `{"message":"Internal server error"}`, Accept: true})
		before := len(lineRequests(s.fake, http.MethodPost, "/v2/bot/message/push"))
		m, p := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Are you still there?")})
		if got := s.fake.Texts(lineUser); got[len(got)-1] != "Are you still there?" || strings.Count(strings.Join(got, "\n"), "Are you still there?") != 1 {
			t.Errorf("texts LINE delivered: %q", got)
		}
		calls := lineRequests(s.fake, http.MethodPost, "/v2/bot/message/push")[before:]
		if len(calls) != 2 || calls[0].Status != http.StatusInternalServerError || calls[1].Status != http.StatusConflict ||
			calls[0].Header.Get("X-Line-Retry-Key") != p.RetryKey || calls[1].Header.Get("X-Line-Retry-Key") != p.RetryKey {
			t.Errorf("push attempts %+v, want a 500 then a 409 with the retry key %s", calls, p.RetryKey)
		}
		if m.Error != "" {
			t.Errorf("sent reply keeps the error %q", m.Error)
		}
	})
}

func TestLineInboundImageIsFetched(t *testing.T) {
	s := newLineSetup(t)
	const messageID = "468789577898262600"
	s.fake.SetContent(messageID, "image/jpeg", fakeJPEG)
	if got := s.deliver(t, linetest.ImageEvent("01JDQ4Z9A1B2C3D4E5F6G7H8K0", lineUser, messageID, time.Now())); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	list, err := client.Conversations(context.Background(), s.admin, ptr(10), nil, nil, nil)
	if err != nil || list.Conversations.TotalCount != 1 {
		t.Fatalf("conversations: %v %+v", err, list)
	}
	convID := list.Conversations.Edges[0].Node.Id
	msgs := s.messages(t, s.admin, convID)
	if len(msgs) != 1 {
		t.Fatalf("messages %+v", msgs)
	}
	att := s.waitAttachment(t, convID, msgs[0].Id)
	if att.Status != client.MediaStatusReady || att.Type != client.AttachmentTypeImage || deref(att.FileId) != messageID || deref(att.MimeType) != "image/jpeg" {
		t.Fatalf("attachment %+v (error %s)", att, deref(att.Error))
	}
	// Fetched from the data host, with the channel access token.
	gets := lineRequests(s.fake, http.MethodGet, "/v2/bot/message/"+messageID+"/content")
	if len(gets) == 0 || gets[0].Host != "api-data" || gets[0].Header.Get("Authorization") != "Bearer "+linetest.Token {
		t.Fatalf("content requests %+v", gets)
	}
	status, ct, b := s.download(t, s.adminToken, att.DownloadUrl)
	if status != http.StatusOK || ct != "image/jpeg" || !bytes.Equal(b, fakeJPEG) {
		t.Fatalf("download: %d %q %q", status, ct, b)
	}
	// The copy is served after LINE let the content expire.
	s.fake.SetGone(messageID)
	if status, _, b := s.download(t, s.adminToken, att.DownloadUrl); status != http.StatusOK || !bytes.Equal(b, fakeJPEG) {
		t.Errorf("download after the content expired: %d %q", status, b)
	}
}
