package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/providers/whatsappcloud/whatsappcloudtest"
	"github.com/switchboard/switchboard/server"
)

const (
	// whatsappRefusedToken looks like a System User token, but the fake does
	// not know it.
	whatsappRefusedToken = "EAAJB5zfakeREFUSEDuserTOKENforWhatsAppCloudTESTS9zYxWvUtSrQpOnZD"
	// whatsappWrongSecret is an app secret, but not the app's.
	whatsappWrongSecret = "f9e8d7c6b5a4938271605f4e3d2c1b0a"
	// whatsappCustomer is the customer of the WhatsApp tests (their wa_id)
	// and whatsappName their profile name.
	whatsappCustomer = "16505551234"
	whatsappName     = "Kerry Fisher"
)

// whatsappCloudServer is a test server whose WhatsApp Cloud provider calls
// fake's Graph API.
func whatsappCloudServer(t *testing.T, fake *whatsappcloudtest.Server) *testServer {
	t.Helper()
	return newTestServer(t, func(c *server.Config) {
		c.ProviderAPIURLs = map[string]string{"whatsappCloud": fake.URL}
		c.RetryBase = 10 * time.Millisecond
	})
}

func newWhatsappCloudFake(t *testing.T) *whatsappcloudtest.Server {
	t.Helper()
	fake := whatsappcloudtest.NewServer("")
	t.Cleanup(fake.Close)
	return fake
}

// createWhatsappCloud adds a WhatsApp Cloud API account for the fake's
// default number through the API; the verify token is generated.
func createWhatsappCloud(t *testing.T, ts *testServer, name, waba, token, secret string) client.AccountFields {
	t.Helper()
	a, err := client.CreateIntegrationAccount(context.Background(), ts.admin, client.CreateIntegrationAccountInput{
		Name: name, Settings: client.IntegrationSettingsInput{WhatsappCloud: &client.WhatsappCloudSettingsInput{
			PhoneNumberId: ptr(whatsappcloudtest.DefaultPhoneNumberID), BusinessAccountId: ptr(waba),
			AccessToken: ptr(token), AppSecret: ptr(secret),
		}}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if a.CreateIntegrationAccount.Type != client.IntegrationAccountTypeWhatsapp {
		t.Fatalf("created a %s account", a.CreateIntegrationAccount.Type)
	}
	return a.CreateIntegrationAccount.AccountFields
}

func TestWhatsappCloudConnectionAndWebhook(t *testing.T) {
	fake := newWhatsappCloudFake(t)
	ts := whatsappCloudServer(t, fake)
	ctx := context.Background()
	good := createWhatsappCloud(t, ts, "whatsapp support", whatsappcloudtest.DefaultWABAID, whatsappcloudtest.DefaultToken, whatsappcloudtest.DefaultAppSecret)

	// Another business account of the same token, without the number.
	const otherWABA = "102290129340399"
	fake.AddNumber(whatsappcloudtest.Number{ID: "106540352242923", WABAID: otherWABA, DisplayPhoneNumber: "+1 555-096-7853",
		VerifiedName: "Acme Sales", QualityRating: "GREEN", CodeVerificationStatus: "VERIFIED"})

	t.Run("test connection", func(t *testing.T) {
		cases := []struct {
			name        string
			token       string
			waba        string
			wantOK      bool
			wantMessage []string
			wantDetails map[string]string
		}{
			{
				name: "token Meta accepts", token: whatsappcloudtest.DefaultToken, waba: whatsappcloudtest.DefaultWABAID, wantOK: true,
				wantMessage: []string{`Connected to the WhatsApp number +1 555-096-7852 ("Acme Support", quality GREEN)`},
				wantDetails: map[string]string{"id": whatsappcloudtest.DefaultPhoneNumberID, "displayPhoneNumber": whatsappcloudtest.DefaultDisplayPhoneNumber,
					"verifiedName": whatsappcloudtest.DefaultVerifiedName, "qualityRating": "GREEN", "codeVerificationStatus": "VERIFIED"},
			},
			{
				name: "token Meta refuses", token: whatsappRefusedToken, waba: whatsappcloudtest.DefaultWABAID, wantOK: false,
				wantMessage: []string{"Meta does not accept the access token", "Invalid OAuth access token"},
				wantDetails: map[string]string{"code": "190"},
			},
			{
				name: "number of another business account", token: whatsappcloudtest.DefaultToken, waba: otherWABA, wantOK: false,
				wantMessage: []string{"is not in the WhatsApp Business Account " + otherWABA},
				wantDetails: map[string]string{"id": whatsappcloudtest.DefaultPhoneNumberID, "businessAccountId": otherWABA},
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := good
				if tc.token != whatsappcloudtest.DefaultToken || tc.waba != whatsappcloudtest.DefaultWABAID {
					a = createWhatsappCloud(t, ts, tc.name, tc.waba, tc.token, whatsappcloudtest.DefaultAppSecret)
				}
				before := len(graphCalls(fake.Graph, http.MethodGet, whatsappcloudtest.DefaultPhoneNumberID))
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
				calls := graphCalls(fake.Graph, http.MethodGet, whatsappcloudtest.DefaultPhoneNumberID)
				if len(calls) != before+1 || calls[len(calls)-1].Token != tc.token || calls[len(calls)-1].Version != whatsappcloudtest.Version {
					t.Errorf("number reads %+v, want one more with the account's token", calls[before:])
				}

				got := fetchAccount(t, ts, a.Id)
				last := got.LastTest
				if last == nil || last.Ok != res.Ok || last.Message != res.Message || !last.At.Equal(res.At) {
					t.Fatalf("lastTest = %+v, want the result %+v", last, res)
				}
				if d := resultDetails(last.ResultFields); d["id"] != details["id"] || d["code"] != details["code"] || len(d) != len(details) {
					t.Errorf("lastTest details = %v, want %v", d, details)
				}
				if verified := got.VerifiedAt != nil; verified != res.Ok || verified && !got.VerifiedAt.Equal(res.At) {
					t.Errorf("verifiedAt = %v after a check with ok %v at %v", got.VerifiedAt, res.Ok, res.At)
				}
				js, _ := json.Marshal(resp)
				mustNotContain(t, "the result", string(js)+settingsJSON(t, got.AccountFields),
					whatsappcloudtest.DefaultToken, whatsappRefusedToken, whatsappcloudtest.DefaultAppSecret)
			})
		}
	})

	t.Run("set webhook", func(t *testing.T) {
		resp, err := client.SetWebhook(ctx, ts.admin, good.Id)
		if err != nil {
			t.Fatal(err)
		}
		res := resp.SetWebhook.ResultFields
		token := verifyToken(t, good)
		want := "https://switchboard.example.com/webhooks/" + good.AccountId
		if !res.Ok || !strings.Contains(res.Message, want) || !strings.Contains(res.Message, `"`+token+`"`) || !strings.Contains(res.Message, "App Dashboard") {
			t.Fatalf("setWebhook = %+v, want the callback URL %s and the verify token to paste", res, want)
		}
		if d := resultDetails(res); d["callbackUrl"] != want || d["verifyToken"] != token || d["subscribedFields"] != "messages" || good.WebhookUrl != want {
			t.Errorf("details = %v, want callbackUrl %s (the account's webhookUrl %s) and its verify token", d, want, good.WebhookUrl)
		}
		// The app is subscribed to the business account.
		if !fake.Subscribed(whatsappcloudtest.DefaultWABAID) {
			t.Errorf("the app is not subscribed to the WhatsApp Business Account")
		}
		calls := graphCalls(fake.Graph, http.MethodPost, whatsappcloudtest.DefaultWABAID+"/subscribed_apps")
		if len(calls) != 1 || calls[0].Status != http.StatusOK || calls[0].Token != whatsappcloudtest.DefaultToken {
			t.Fatalf("subscribed_apps calls %+v, want one with the account's token", calls)
		}
		// Meta sends the number's messages to the account's URL, with the
		// account's verify token for its check.
		if cb, ok := fake.NumberCallback(whatsappcloudtest.DefaultPhoneNumberID); !ok || cb.URI != want || cb.VerifyToken != token {
			t.Errorf("the number's callback = %+v (set: %v), want %s with the verify token %q", cb, ok, want, token)
		}
		if calls := graphCalls(fake.Graph, http.MethodPost, whatsappcloudtest.DefaultPhoneNumberID); len(calls) != 1 || calls[0].Token != whatsappcloudtest.DefaultToken {
			t.Errorf("calls to the number %+v, want one with the account's token", calls)
		}
		mustNotContain(t, "the result", res.Message, whatsappcloudtest.DefaultToken, whatsappcloudtest.DefaultAppSecret)
	})

	t.Run("set webhook with a refused token", func(t *testing.T) {
		a := createWhatsappCloud(t, ts, "refused for webhook", whatsappcloudtest.DefaultWABAID, whatsappRefusedToken, whatsappcloudtest.DefaultAppSecret)
		resp, err := client.SetWebhook(ctx, ts.admin, a.Id)
		if err != nil {
			t.Fatal(err)
		}
		if res := resp.SetWebhook.ResultFields; res.Ok || !strings.Contains(res.Message, "Meta does not accept the access token") {
			t.Errorf("setWebhook = %+v, want a refusal explaining the token", res)
		}
	})

	t.Run("handshake", func(t *testing.T) {
		metaHandshakes(t, ts, ts.local(t, good.WebhookUrl), verifyToken(t, good))
	})
}

// whatsappCloudSetup is a server with a WhatsApp Cloud API account that passed
// Test Connection and has the app subscribed, and an agent.
type whatsappCloudSetup struct {
	*testServer
	fake  *whatsappcloudtest.Server
	acct  client.AccountFields
	hook  string // the local webhook URL
	agent *client.Client
}

func newWhatsappCloudSetup(t *testing.T) *whatsappCloudSetup {
	t.Helper()
	fake := newWhatsappCloudFake(t)
	ts := whatsappCloudServer(t, fake)
	ctx := context.Background()
	acct := createWhatsappCloud(t, ts, "whatsapp support", whatsappcloudtest.DefaultWABAID, whatsappcloudtest.DefaultToken, whatsappcloudtest.DefaultAppSecret)
	if r, err := client.TestConnection(ctx, ts.admin, acct.Id); err != nil || !r.TestConnection.Ok {
		t.Fatalf("testConnection: %v %+v", err, r)
	}
	if r, err := client.SetWebhook(ctx, ts.admin, acct.Id); err != nil || !r.SetWebhook.Ok {
		t.Fatalf("setWebhook: %v %+v", err, r)
	}
	return &whatsappCloudSetup{testServer: ts, fake: fake, acct: acct, hook: ts.local(t, acct.WebhookUrl),
		agent: ts.as(ts.userToken(t, "agent ann", client.UserRoleAgent))}
}

// webhook is a POST of body to the account's webhook, signed with secret as
// Meta signs its webhooks.
func (s *whatsappCloudSetup) webhook(t *testing.T, secret string, body []byte) *http.Request {
	t.Helper()
	req, err := whatsappcloudtest.NewWebhookRequest(context.Background(), s.hook, secret, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// deliver POSTs body signed with the app secret and returns the status.
func (s *whatsappCloudSetup) deliver(t *testing.T, body []byte) int {
	t.Helper()
	return deliverWebhook(t, s.webhook(t, whatsappcloudtest.DefaultAppSecret, body))
}

// status delivers a status of the business's message id and fails unless it
// is taken.
func (s *whatsappCloudSetup) status(t *testing.T, id, status string, at time.Time) {
	t.Helper()
	if got := s.deliver(t, whatsappcloudtest.StatusUpdate(whatsappcloudtest.DefaultPhoneNumberID, id, whatsappCustomer, status, at)); got != http.StatusOK {
		t.Fatalf("%s status: %d", status, got)
	}
}

// reply sends an agent's reply and waits until WhatsApp accepted it as parts
// messages.
func (s *whatsappCloudSetup) reply(t *testing.T, events <-chan client.InboxEventsWsResponse, parts int, in client.SendMessageInput) (client.MessageFields, []whatsappcloudtest.Message) {
	t.Helper()
	before := len(s.fake.Messages())
	sent, err := client.SendMessage(context.Background(), s.agent, in)
	if err != nil {
		t.Fatal(err)
	}
	if sent.SendMessage.Status != client.MessageStatusQueued {
		t.Fatalf("status %s, want QUEUED", sent.SendMessage.Status)
	}
	m := nextMessageUpdate(t, events, sent.SendMessage.Id, client.MessageStatusSent)
	out := s.fake.Messages()[before:]
	if len(out) != parts {
		t.Fatalf("WhatsApp accepted %d messages for one reply, want %d: %+v", len(out), parts, out)
	}
	if m.ProviderMessageID == nil || *m.ProviderMessageID != out[0].ID {
		t.Fatalf("providerMessageID = %v, want the first wamid %s", deref(m.ProviderMessageID), out[0].ID)
	}
	for _, o := range out {
		if o.PhoneNumberID != whatsappcloudtest.DefaultPhoneNumberID || o.To != whatsappCustomer {
			t.Errorf("WhatsApp accepted %+v, want a message from the number to %s", o, whatsappCustomer)
		}
	}
	return m, out
}

func TestWhatsappCloudMessagePathEndToEnd(t *testing.T) {
	s := newWhatsappCloudSetup(t)
	ctx := context.Background()
	events := s.subscribeInbox(t, s.agent)
	number := whatsappcloudtest.DefaultPhoneNumberID
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	const helloID = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdGNjk5QzM1MDE4NjZBMkQ5OQA="
	hello := whatsappcloudtest.TextMessage(number, whatsappCustomer, whatsappName, helloID, "Hi, is my order shipped?", at)

	// Only webhooks signed with the app secret are taken.
	unsigned := s.webhook(t, whatsappcloudtest.DefaultAppSecret, hello)
	unsigned.Header.Del(whatsappcloudtest.SignatureHeader)
	altered := s.webhook(t, whatsappcloudtest.DefaultAppSecret, hello)
	changed := bytes.Replace(hello, []byte("is my order shipped?"), []byte("cancel all my orders"), 1)
	altered.Body, altered.ContentLength = io.NopCloser(bytes.NewReader(changed)), int64(len(changed))
	for name, req := range map[string]*http.Request{
		"signed with another secret": s.webhook(t, whatsappWrongSecret, hello),
		"unsigned":                   unsigned,
		"body changed after signing": altered,
	} {
		if got := deliverWebhook(t, req); got != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, got)
		}
	}
	s.nothingStored(t, "unauthentic webhooks")

	// The customer writes; the agent sees it live, named as WhatsApp's
	// contacts entry names them.
	if got := s.deliver(t, hello); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	created := nextInbox(t, events, client.ConversationEventKindConversationCreated)
	msg := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message
	if msg == nil || msg.Text != "Hi, is my order shipped?" || msg.Direction != client.MessageDirectionInbound ||
		deref(msg.ProviderMessageID) != helloID || msg.ProviderTime == nil || !msg.ProviderTime.Equal(at) {
		t.Fatalf("message event: %+v", msg)
	}
	conv := created.Conversation
	if conv.Contact.ProviderUserID != whatsappCustomer || conv.Contact.DisplayName != whatsappName ||
		conv.IntegrationAccount.Type != client.IntegrationAccountTypeWhatsapp {
		t.Fatalf("conversation: %+v", conv)
	}

	// Meta retries a webhook it got no 200 for: concurrent copies are stored
	// once. The next message event is the next message, not a copy.
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := whatsappcloudtest.NewWebhookRequest(ctx, s.hook, whatsappcloudtest.DefaultAppSecret, hello)
			if err != nil {
				t.Error(err) // not Fatal: this is not the test's goroutine
				return
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("redelivery: %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	s.deliver(t, whatsappcloudtest.TextMessage(number, whatsappCustomer, whatsappName, helloID+"2", "second", at.Add(time.Second)))
	if next := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message; next.Text != "second" {
		t.Fatalf("after redeliveries the next message event is %q, want \"second\"", next.Text)
	}
	if n := len(s.messages(t, s.admin, conv.Id)); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}

	// The agent takes the conversation and replies: text, then a picture by
	// URL with the text as its caption, each one WhatsApp message.
	if _, err := client.TakeConversation(ctx, s.agent, conv.Id); err != nil {
		t.Fatal(err)
	}
	text, textOut := s.reply(t, events, 1, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("It left the warehouse today."), ClientMessageId: ptr("wa-1")})
	if o := textOut[0]; o.Type != "text" || o.Text != "It left the warehouse today." {
		t.Errorf("WhatsApp received %+v, want the text", o)
	}
	const photoURL = "https://cdn.example.com/receipts/42.jpg"
	photo, photoOut := s.reply(t, events, 1, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Here is your receipt"),
		Attachments: []client.AttachmentInput{{Type: client.AttachmentTypeImage, Url: photoURL}}})
	if o := photoOut[0]; o.Type != "image" || o.Link != photoURL || o.Caption != "Here is your receipt" || o.MediaID != "" {
		t.Errorf("WhatsApp received %+v, want an image of %s by link, captioned", o, photoURL)
	}
	for _, r := range graphCalls(s.fake.Graph, http.MethodPost, number+"/messages") {
		if r.Token != whatsappcloudtest.DefaultToken || r.TokenVia != "header" || r.Version != whatsappcloudtest.Version || r.Status != http.StatusOK {
			t.Errorf("messages call with the token via %q on %s, answered %d", r.TokenVia, r.Version, r.Status)
		}
	}

	// Statuses: delivered and read move each reply forward; sent changes
	// nothing.
	now := time.Now()
	s.status(t, textOut[0].ID, "sent", now)
	if st := s.message(t, conv.Id, text.Id).Status; st != client.MessageStatusSent {
		t.Errorf("a sent status moved the reply to %s", st)
	}
	s.status(t, textOut[0].ID, "delivered", now)
	nextMessageUpdate(t, events, text.Id, client.MessageStatusDelivered)
	s.status(t, textOut[0].ID, "read", now.Add(time.Second))
	nextMessageUpdate(t, events, text.Id, client.MessageStatusRead)
	s.status(t, photoOut[0].ID, "delivered", now.Add(2*time.Second))
	nextMessageUpdate(t, events, photo.Id, client.MessageStatusDelivered)
	s.status(t, photoOut[0].ID, "read", now.Add(3*time.Second))
	nextMessageUpdate(t, events, photo.Id, client.MessageStatusRead)
	// A delivered status arriving after read does not move a reply back.
	s.status(t, textOut[0].ID, "delivered", now.Add(4*time.Second))
	if st := s.message(t, conv.Id, text.Id).Status; st != client.MessageStatusRead {
		t.Errorf("a late delivered moved a READ reply to %s", st)
	}

	t.Run("statuses of a reply sent as two WhatsApp messages", func(t *testing.T) {
		// A caption is at most 1024 characters: a longer text goes as a text
		// message before the picture, and WhatsApp reports each.
		long := strings.TrimSpace(strings.Repeat("Your order is on its way. ", 50))
		sent, out := s.reply(t, events, 2, client.SendMessageInput{ConversationId: conv.Id, Text: &long,
			Attachments: []client.AttachmentInput{{Type: client.AttachmentTypeImage, Url: photoURL}}})
		if out[0].Type != "text" || out[0].Text != long || out[1].Type != "image" || out[1].Link != photoURL || out[1].Caption != "" {
			t.Fatalf("WhatsApp received %+v, want the text, then the picture", out)
		}
		s.status(t, out[0].ID, "delivered", now.Add(5*time.Second))
		nextMessageUpdate(t, events, sent.Id, client.MessageStatusDelivered)
		s.status(t, out[1].ID, "delivered", now.Add(6*time.Second))
		s.status(t, out[1].ID, "read", now.Add(7*time.Second))
		nextMessageUpdate(t, events, sent.Id, client.MessageStatusRead)
	})

	t.Run("read covers earlier replies", func(t *testing.T) {
		first, _ := s.reply(t, events, 1, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("One more thing")})
		last, lastOut := s.reply(t, events, 1, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("and another")})
		s.status(t, lastOut[0].ID, "read", now.Add(8*time.Second))
		nextMessageUpdates(t, events, client.MessageStatusRead, first.Id, last.Id)
	})

	t.Run("a late failure reaches the agent", func(t *testing.T) {
		// WhatsApp accepts the reply, then reports it failed (here: the
		// customer's 24-hour window had closed): the agent sees FAILED and why.
		sent, out := s.reply(t, events, 1, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Are you still there?")})
		failed := whatsappcloudtest.FailedStatus(whatsappcloudtest.DefaultPhoneNumberID, out[0].ID, whatsappCustomer, 131047,
			"Re-engagement message", "more than 24 hours have passed", now.Add(10*time.Second))
		if got := s.deliver(t, failed); got != http.StatusOK {
			t.Fatalf("webhook: %d", got)
		}
		m := nextMessageUpdate(t, events, sent.Id, client.MessageStatusFailed)
		if !strings.Contains(m.Error, "131047") || !strings.Contains(m.Error, "24 hours") {
			t.Fatalf("error shown to the agent: %v", m.Error)
		}
	})
}

func TestWhatsappCloudInboundImageIsFetched(t *testing.T) {
	s := newWhatsappCloudSetup(t)
	mediaID := s.fake.AddMedia(fakeJPEG, "image/jpeg", "")
	// The first download URL has expired by the time it is used: asking for
	// the media again gives a new one.
	s.fake.FailNextDownload(http.StatusUnauthorized)
	body := whatsappcloudtest.MediaMessage(whatsappcloudtest.DefaultPhoneNumberID, whatsappCustomer, whatsappName,
		"wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUI4RTlDMjBGMkFEMzQ1NjdGMQA=", "image", mediaID, "image/jpeg", "the broken part", time.Now())
	if got := s.deliver(t, body); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	list, err := client.Conversations(context.Background(), s.admin, ptr(10), nil, nil, nil)
	if err != nil || list.Conversations.TotalCount != 1 {
		t.Fatalf("conversations: %v %+v", err, list)
	}
	convID := list.Conversations.Edges[0].Node.Id
	msgs := s.messages(t, s.admin, convID)
	if len(msgs) != 1 || msgs[0].Text != "the broken part" {
		t.Fatalf("messages %+v", msgs)
	}
	att := s.waitAttachment(t, convID, msgs[0].Id)
	if att.Status != client.MediaStatusReady || att.Type != client.AttachmentTypeImage || deref(att.FileId) != mediaID || deref(att.MimeType) != "image/jpeg" {
		t.Fatalf("attachment %+v (error %s)", att, deref(att.Error))
	}
	// Resolved through the Graph API with the token and the number, twice.
	gets := graphCalls(s.fake.Graph, http.MethodGet, mediaID)
	if len(gets) != 2 {
		t.Fatalf("media reads %+v, want two: the first download URL expired", gets)
	}
	for _, g := range gets {
		if g.Token != whatsappcloudtest.DefaultToken || g.Query.Get("phone_number_id") != whatsappcloudtest.DefaultPhoneNumberID {
			t.Errorf("media read with token %q and phone_number_id %q", g.Token, g.Query.Get("phone_number_id"))
		}
	}
	status, ct, b := s.download(t, s.adminToken, att.DownloadUrl)
	if status != http.StatusOK || ct != "image/jpeg" || !bytes.Equal(b, fakeJPEG) {
		t.Fatalf("download: %d %q %q", status, ct, b)
	}
	if status, _, _ := s.download(t, "", att.DownloadUrl); status != http.StatusUnauthorized {
		t.Errorf("anonymous download: %d", status)
	}
}

// TestWhatsappReplyWindow: a conversation shows when WhatsApp stops taking
// free-form replies (24 hours after the customer last wrote), and a reply
// after that fails at once with REPLY_WINDOW_CLOSED instead of later at
// WhatsApp.
func TestWhatsappReplyWindow(t *testing.T) {
	s := newWhatsappCloudSetup(t)
	ctx := context.Background()
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	if got := s.deliver(t, whatsappcloudtest.TextMessage(whatsappcloudtest.DefaultPhoneNumberID, whatsappCustomer, whatsappName,
		"wamid.window-1", "Hello?", at)); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	list, err := client.Conversations(ctx, s.admin, ptr(1), nil, nil, nil)
	if err != nil || list.Conversations.TotalCount != 1 {
		t.Fatalf("conversations: %v", err)
	}
	conv := list.Conversations.Edges[0].Node
	closes := conv.ReplyWindowClosesAt
	if closes == nil || !closes.Equal(at.Add(24*time.Hour)) {
		t.Fatalf("replyWindowClosesAt = %v, want 24 hours after the customer wrote (%v, by WhatsApp's timestamp)", closes, at)
	}
	if _, err := client.TakeConversation(ctx, s.agent, conv.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Yes!")}); err != nil {
		t.Fatalf("a reply inside the window: %v", err)
	}

	// A day passes without a word from the customer.
	id, _ := strconv.Atoi(conv.Contact.Id)
	if err := s.srv.Client().Conversation.Update().Where(conversation.ContactID(id)).SetLastInboundAt(time.Now().Add(-25 * time.Hour)).
		Exec(core.SystemContext(ctx)); err != nil {
		t.Fatal(err)
	}
	sentBefore := len(s.fake.Messages())
	_, err = client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Still there?")})
	wantCode(t, err, "REPLY_WINDOW_CLOSED")
	eventually(t, "the reply inside the window to reach WhatsApp", func() bool { return len(s.fake.Messages()) >= 1 })
	if got := len(s.fake.Messages()); got != 1 || sentBefore > 1 {
		t.Fatalf("WhatsApp received %d messages; want only the reply inside the window", got)
	}
}

// TestWhatsappSharedWebhook: one app's WhatsApp webhook at /webhooks/whatsapp
// reaches the account of the phone number it is about.
func TestWhatsappSharedWebhook(t *testing.T) {
	fake := newWhatsappCloudFake(t)
	ts := whatsappCloudServer(t, fake)
	ctx := context.Background()
	const secret = "shared-app-secret-0123456789abcdef"
	for _, number := range []string{"111111111111111", "222222222222222"} {
		if _, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{
			Name: "number " + number, Settings: client.IntegrationSettingsInput{WhatsappCloud: &client.WhatsappCloudSettingsInput{
				PhoneNumberId: ptr(number), BusinessAccountId: ptr(whatsappcloudtest.DefaultWABAID),
				AccessToken: ptr("EAAG" + number), AppSecret: ptr(secret),
			}}}); err != nil {
			t.Fatal(err)
		}
	}
	body := whatsappcloudtest.TextMessage("222222222222222", whatsappCustomer, whatsappName, "wamid.shared-1", "to the second number", time.Now().Add(-time.Minute))
	req, err := whatsappcloudtest.NewWebhookRequest(ctx, ts.http.URL+"/webhooks/whatsapp", secret, body)
	if err != nil {
		t.Fatal(err)
	}
	if got := deliverWebhook(t, req); got != http.StatusOK {
		t.Fatalf("shared webhook: %d", got)
	}
	list, err := client.Conversations(ctx, ts.admin, ptr(10), nil, nil, nil)
	if err != nil || list.Conversations.TotalCount != 1 || list.Conversations.Edges[0].Node.IntegrationAccount.Name != "number 222222222222222" {
		t.Fatalf("conversations: %v %+v", err, list)
	}

	// A number of the app that no account has: acknowledged (Meta would
	// retry anything else for 36 hours, then disable the app's webhook) and
	// nothing stored; signed with another app's secret, refused.
	unknown := whatsappcloudtest.TextMessage("333333333333333", whatsappCustomer, whatsappName, "wamid.shared-2", "to a number nobody serves", time.Now().Add(-time.Minute))
	for _, tc := range []struct {
		secret string
		want   int
	}{{secret, http.StatusOK}, {"another-app-secret", http.StatusUnauthorized}} {
		req, err := whatsappcloudtest.NewWebhookRequest(ctx, ts.http.URL+"/webhooks/whatsapp", tc.secret, unknown)
		if err != nil {
			t.Fatal(err)
		}
		if got := deliverWebhook(t, req); got != tc.want {
			t.Errorf("a number without an account, signed with %q: %d, want %d", tc.secret, got, tc.want)
		}
	}
	if list, err := client.Conversations(ctx, ts.admin, ptr(10), nil, nil, nil); err != nil || list.Conversations.TotalCount != 1 {
		t.Fatalf("conversations after a number without an account: %v %+v", err, list)
	}
	if failed, err := client.FailedWebhookEvents(ctx, ts.admin, ptr(10), nil); err != nil || failed.FailedWebhookEvents.TotalCount != 0 {
		t.Errorf("failed webhook events: %v %+v, want none", err, failed)
	}
}
