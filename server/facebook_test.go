package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/facebook/facebooktest"
	"github.com/switchboard/switchboard/providers/meta/metatest"
	"github.com/switchboard/switchboard/server"
)

const (
	// facebookRefusedToken looks like a Page access token, but the fake does
	// not know it.
	facebookRefusedToken = "EAAGm0PX4ZCpsBAFakeRefusedZBtokenZCZAnotZBknownZBZAq7WZDZD"
	// facebookWrongSecret is an app secret, but not the app's.
	facebookWrongSecret = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	// facebookPSID is the customer of the Messenger tests: their page-scoped ID.
	facebookPSID = "6543210987654321"
)

// facebookUser is the customer as the User Profile API describes them.
var facebookUser = facebooktest.User{PSID: facebookPSID, FirstName: "Jane", LastName: "Doe",
	ProfilePic: "https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=" + facebookPSID}

// facebookServer is a test server whose Messenger provider calls fake's Graph API.
func facebookServer(t *testing.T, fake *facebooktest.Server) *testServer {
	t.Helper()
	return newTestServer(t, func(c *server.Config) {
		c.ProviderAPIURLs = map[string]string{"facebook": fake.URL}
		c.RetryBase = 10 * time.Millisecond
	})
}

func newFacebookFake(t *testing.T) *facebooktest.Server {
	t.Helper()
	fake := facebooktest.NewServer()
	t.Cleanup(fake.Close)
	return fake
}

// createFacebook adds a Messenger account for the fake's default Page through
// the API; the verify token is generated.
func createFacebook(t *testing.T, ts *testServer, name, token, secret string) client.AccountFields {
	t.Helper()
	a, err := client.CreateIntegrationAccount(context.Background(), ts.admin, client.CreateIntegrationAccountInput{
		Name: name, Settings: client.IntegrationSettingsInput{Facebook: &client.FacebookSettingsInput{
			PageUsername: ptr("placeholder_page"), PageId: ptr(facebooktest.DefaultPageID),
			PageAccessToken: ptr(token), AppSecret: ptr(secret),
		}}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if a.CreateIntegrationAccount.Type != client.IntegrationAccountTypeFacebook {
		t.Fatalf("created a %s account", a.CreateIntegrationAccount.Type)
	}
	return a.CreateIntegrationAccount.AccountFields
}

// TestFacebookPageUsernameOptional: an account is created without the Page's
// username (many Pages have none); Test Connection fills in the one Graph
// reports.
func TestFacebookPageUsernameOptional(t *testing.T) {
	fake := newFacebookFake(t)
	ts := facebookServer(t, fake)
	ctx := context.Background()
	a, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{
		Name: "no username", Settings: client.IntegrationSettingsInput{Facebook: &client.FacebookSettingsInput{
			PageId: ptr(facebooktest.DefaultPageID), PageAccessToken: ptr(facebooktest.DefaultToken), AppSecret: ptr(facebooktest.DefaultAppSecret),
		}}})
	if err != nil {
		t.Fatalf("create without pageUsername: %v", err)
	}
	if u := facebookPageUsername(t, a.CreateIntegrationAccount.AccountFields); u != "" {
		t.Errorf("pageUsername = %q before Test Connection", u)
	}
	r, err := client.TestConnection(ctx, ts.admin, a.CreateIntegrationAccount.Id)
	if err != nil || !r.TestConnection.Ok {
		t.Fatalf("testConnection: %v %+v", err, r)
	}
	if u := facebookPageUsername(t, fetchAccount(t, ts, a.CreateIntegrationAccount.Id).AccountFields); u != facebooktest.DefaultPageUsername {
		t.Errorf("pageUsername = %q after Test Connection, want %q as Graph reports it", u, facebooktest.DefaultPageUsername)
	}
}

func facebookPageUsername(t *testing.T, a client.AccountFields) string {
	t.Helper()
	s, ok := a.Settings.(*client.AccountFieldsSettingsFacebookSettings)
	if !ok {
		t.Fatalf("settings %T, want FacebookSettings", a.Settings)
	}
	return s.PageUsername
}

// graphCalls returns the Graph API calls a Meta fake received with method on
// path (after the version), in order.
func graphCalls(g *metatest.Graph, method, path string) []metatest.Request {
	var out []metatest.Request
	for _, r := range g.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// metaHandshakes checks Meta's GET subscription handshake against a local
// webhook URL: the account's verify token is answered with the challenge, any
// other token 403, and nothing is stored.
func metaHandshakes(t *testing.T, ts *testServer, hook, token string) {
	t.Helper()
	ctx := context.Background()
	const challenge = "1158201444"
	cases := []struct {
		name       string
		token      string
		wantStatus int
	}{
		{"the account's verify token", token, http.StatusOK},
		{"another verify token", token + "x", http.StatusForbidden},
		{"no verify token", "", http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := metatest.NewHandshakeRequest(ctx, hook, tc.token, challenge)
			if err != nil {
				t.Fatal(err)
			}
			if tc.token == "" {
				q := req.URL.Query()
				q.Del("hub.verify_token")
				req.URL.RawQuery = q.Encode()
			}
			status, ct, body := webhookAnswer(t, req)
			if status != tc.wantStatus {
				t.Fatalf("handshake: %d %q, want %d", status, body, tc.wantStatus)
			}
			if status == http.StatusOK && (body != challenge || !strings.HasPrefix(ct, "text/plain")) {
				t.Errorf("handshake answered %q (%s), want the challenge %q as text", body, ct, challenge)
			}
			if status != http.StatusOK && strings.Contains(body, challenge) {
				t.Errorf("a refused handshake echoed the challenge: %q", body)
			}
		})
	}
	ts.nothingStored(t, "handshakes")
}

func TestFacebookConnectionAndWebhook(t *testing.T) {
	fake := newFacebookFake(t)
	ts := facebookServer(t, fake)
	ctx := context.Background()
	good := createFacebook(t, ts, "messenger support", facebooktest.DefaultToken, facebooktest.DefaultAppSecret)

	// A token of another Page the same person manages: Meta accepts it, but
	// it cannot speak for the account's Page.
	other := facebooktest.Page{ID: "100200300400500", Name: "Acme Careers", Username: "acmecareers",
		Token: "EAAGm0PX4ZCpsBAOtherZBpageZBtokenZCZAforZBtestsZBZAr2KZDZD"}
	fake.AddPage(other)

	t.Run("test connection", func(t *testing.T) {
		cases := []struct {
			name         string
			token        string
			wantOK       bool
			wantMessage  []string
			wantDetails  map[string]string
			wantUsername string
		}{
			{
				name: "token Meta accepts", token: facebooktest.DefaultToken, wantOK: true,
				wantMessage: []string{`"Acme Support" (@acmesupport, ID 106728097004746)`},
				wantDetails: map[string]string{"id": facebooktest.DefaultPageID, "name": facebooktest.DefaultPageName,
					"username": facebooktest.DefaultPageUsername},
				// The Page's @username is learned.
				wantUsername: facebooktest.DefaultPageUsername,
			},
			{
				name: "token Meta refuses", token: facebookRefusedToken, wantOK: false,
				wantMessage:  []string{"Meta does not accept the Page access token", "Invalid OAuth access token"},
				wantDetails:  map[string]string{"code": "190"},
				wantUsername: "placeholder_page",
			},
			{
				name: "token of another Page", token: other.Token, wantOK: false,
				wantMessage:  []string{`belongs to "Acme Careers" (ID 100200300400500), not to the Page ` + facebooktest.DefaultPageID},
				wantDetails:  map[string]string{"tokenOwnerId": other.ID, "pageId": facebooktest.DefaultPageID},
				wantUsername: "placeholder_page",
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := good
				if tc.token != facebooktest.DefaultToken {
					a = createFacebook(t, ts, tc.name, tc.token, facebooktest.DefaultAppSecret)
				}
				before := len(graphCalls(fake.Graph, http.MethodGet, "me"))
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
				calls := graphCalls(fake.Graph, http.MethodGet, "me")
				if len(calls) != before+1 || calls[len(calls)-1].Token != tc.token || calls[len(calls)-1].Version != facebooktest.Version {
					t.Errorf("GET /me calls %+v, want one more with the account's token on %s", calls[before:], facebooktest.Version)
				}

				got := fetchAccount(t, ts, a.Id)
				if u := facebookPageUsername(t, got.AccountFields); u != tc.wantUsername {
					t.Errorf("pageUsername = %q, want %q", u, tc.wantUsername)
				}
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
					facebooktest.DefaultToken, facebookRefusedToken, other.Token, facebooktest.DefaultAppSecret)
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
		// Meta has no API for the callback URL: the admin is told what to
		// paste in the App Dashboard.
		if !res.Ok || !strings.Contains(res.Message, want) || !strings.Contains(res.Message, `"`+token+`"`) || !strings.Contains(res.Message, "App Dashboard") {
			t.Fatalf("setWebhook = %+v, want the callback URL %s and the verify token to paste", res, want)
		}
		wantFields := "messages,messaging_postbacks,message_deliveries,message_reads,message_echoes,message_edits"
		if d := resultDetails(res); d["callbackUrl"] != want || d["verifyToken"] != token || d["subscribedFields"] != wantFields || good.WebhookUrl != want {
			t.Errorf("details = %v, want callbackUrl %s (the account's webhookUrl %s) and its verify token", d, want, good.WebhookUrl)
		}
		// The Page is subscribed to the app, with every field the provider reads.
		if got := fake.Subscription(facebooktest.DefaultPageID); !slices.Equal(got, strings.Split(wantFields, ",")) {
			t.Errorf("the Page is subscribed to %v", got)
		}
		calls := graphCalls(fake.Graph, http.MethodPost, facebooktest.DefaultPageID+"/subscribed_apps")
		if len(calls) != 1 || calls[0].Status != http.StatusOK || calls[0].Token != facebooktest.DefaultToken {
			t.Fatalf("subscribed_apps calls %+v, want one with the Page token", calls)
		}
		if form, err := url.ParseQuery(string(calls[0].Body)); err != nil || form.Get("subscribed_fields") != wantFields {
			t.Errorf("subscribed_apps body %q", calls[0].Body)
		}
		mustNotContain(t, "the result", res.Message, facebooktest.DefaultToken, facebooktest.DefaultAppSecret)
	})

	t.Run("set webhook with a refused token", func(t *testing.T) {
		a := createFacebook(t, ts, "refused for webhook", facebookRefusedToken, facebooktest.DefaultAppSecret)
		resp, err := client.SetWebhook(ctx, ts.admin, a.Id)
		if err != nil {
			t.Fatal(err)
		}
		if res := resp.SetWebhook.ResultFields; res.Ok || !strings.Contains(res.Message, "Meta does not accept the Page access token") {
			t.Errorf("setWebhook = %+v, want a refusal explaining the token", res)
		}
	})

	t.Run("handshake", func(t *testing.T) {
		metaHandshakes(t, ts, ts.local(t, good.WebhookUrl), verifyToken(t, good))
	})
}

// facebookSetup is a server with a Messenger account that passed Test
// Connection and has its Page subscribed, and an agent.
type facebookSetup struct {
	*testServer
	fake  *facebooktest.Server
	acct  client.AccountFields
	hook  string // the local webhook URL
	agent *client.Client
}

func newFacebookSetup(t *testing.T) *facebookSetup {
	t.Helper()
	fake := newFacebookFake(t)
	ts := facebookServer(t, fake)
	ctx := context.Background()
	acct := createFacebook(t, ts, "messenger support", facebooktest.DefaultToken, facebooktest.DefaultAppSecret)
	if r, err := client.TestConnection(ctx, ts.admin, acct.Id); err != nil || !r.TestConnection.Ok {
		t.Fatalf("testConnection: %v %+v", err, r)
	}
	if r, err := client.SetWebhook(ctx, ts.admin, acct.Id); err != nil || !r.SetWebhook.Ok {
		t.Fatalf("setWebhook: %v %+v", err, r)
	}
	return &facebookSetup{testServer: ts, fake: fake, acct: acct, hook: ts.local(t, acct.WebhookUrl),
		agent: ts.as(ts.userToken(t, "agent ann", client.UserRoleAgent))}
}

// webhook is a POST of body to the account's webhook, signed with secret as
// Meta signs its webhooks.
func (s *facebookSetup) webhook(t *testing.T, secret string, body []byte) *http.Request {
	t.Helper()
	req, err := facebooktest.NewWebhookRequest(context.Background(), s.hook, secret, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// deliver POSTs body signed with the app secret and returns the status.
func (s *facebookSetup) deliver(t *testing.T, body []byte) int {
	t.Helper()
	return deliverWebhook(t, s.webhook(t, facebooktest.DefaultAppSecret, body))
}

// receipt delivers a receipt and fails unless it is taken.
func (s *facebookSetup) receipt(t *testing.T, body []byte) {
	t.Helper()
	if got := s.deliver(t, body); got != http.StatusOK {
		t.Fatalf("receipt: %d", got)
	}
}

// reply sends an agent's reply and waits until Messenger accepted it as parts
// Send API messages.
func (s *facebookSetup) reply(t *testing.T, events <-chan client.InboxEventsWsResponse, parts int, in client.SendMessageInput) (client.MessageFields, []facebooktest.Message) {
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
		t.Fatalf("Messenger accepted %d messages for one reply, want %d: %+v", len(out), parts, out)
	}
	if m.ProviderMessageID == nil || *m.ProviderMessageID != out[0].ID {
		t.Fatalf("providerMessageID = %v, want the first message_id %s", deref(m.ProviderMessageID), out[0].ID)
	}
	for _, o := range out {
		if o.PageID != facebooktest.DefaultPageID || o.Recipient != facebookPSID || o.MessagingType != "RESPONSE" {
			t.Errorf("Messenger accepted %+v, want a RESPONSE from the Page to %s", o, facebookPSID)
		}
	}
	return m, out
}

func TestFacebookMessagePathEndToEnd(t *testing.T) {
	s := newFacebookSetup(t)
	ctx := context.Background()
	s.fake.AddUser(facebookUser)
	events := s.subscribeInbox(t, s.agent)
	page := facebooktest.DefaultPageID
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	hello := facebooktest.TextMessage(page, facebookPSID, "m_hello1", "Hello, my order is late", at)

	// Only webhooks signed with the app secret are taken.
	unsigned := s.webhook(t, facebooktest.DefaultAppSecret, hello)
	unsigned.Header.Del(facebooktest.SignatureHeader)
	altered := s.webhook(t, facebooktest.DefaultAppSecret, hello)
	changed := bytes.Replace(hello, []byte("my order is late"), []byte("refund me twice!"), 1)
	altered.Body, altered.ContentLength = io.NopCloser(bytes.NewReader(changed)), int64(len(changed))
	for name, req := range map[string]*http.Request{
		"signed with another secret": s.webhook(t, facebookWrongSecret, hello),
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
	if msg == nil || msg.Text != "Hello, my order is late" || msg.Direction != client.MessageDirectionInbound ||
		deref(msg.ProviderMessageID) != "m_hello1" || msg.ProviderTime == nil || !msg.ProviderTime.Equal(at) {
		t.Fatalf("message event: %+v", msg)
	}
	conv := created.Conversation
	if conv.Contact.ProviderUserID != facebookPSID || conv.IntegrationAccount.Type != client.IntegrationAccountTypeFacebook {
		t.Fatalf("conversation: %+v", conv)
	}

	t.Run("contact name from the profile", func(t *testing.T) {
		// Messenger's webhooks carry only the PSID: the name and picture come
		// from the User Profile API, asked in the background.
		var contact client.ConversationFieldsContact
		eventually(t, "the contact's profile", func() bool {
			r, err := client.Conversation(ctx, s.admin, conv.Id, ptr(1))
			if err != nil || r.Node == nil {
				t.Fatalf("conversation: %v", err)
			}
			c, _ := (*r.Node).(*client.ConversationNodeConversation)
			if c != nil {
				contact = c.Contact
			}
			return c != nil && c.Contact.DisplayName != ""
		})
		if contact.DisplayName != "Jane Doe" || contact.AvatarURL != facebookUser.ProfilePic {
			t.Errorf("contact %+v, want Jane Doe with the profile picture", contact)
		}
		asked := graphCalls(s.fake.Graph, http.MethodGet, facebookPSID)
		if len(asked) == 0 || asked[0].Token != facebooktest.DefaultToken || asked[0].Query.Get("fields") != "first_name,last_name,profile_pic" {
			t.Errorf("profile calls %+v", asked)
		}
	})

	// Meta retries a webhook it got no 200 for: concurrent copies are stored
	// once. The next message event is the next message, not a copy.
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := facebooktest.NewWebhookRequest(ctx, s.hook, facebooktest.DefaultAppSecret, hello)
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
	s.deliver(t, facebooktest.TextMessage(page, facebookPSID, "m_hello2", "second", at.Add(time.Second)))
	if next := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message; next.Text != "second" {
		t.Fatalf("after redeliveries the next message event is %q, want \"second\"", next.Text)
	}
	if n := len(s.messages(t, s.admin, conv.Id)); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}

	// The agent takes the conversation and replies: text, then text with a
	// picture by URL, which Messenger takes as two messages.
	if _, err := client.TakeConversation(ctx, s.agent, conv.Id); err != nil {
		t.Fatal(err)
	}
	text, textOut := s.reply(t, events, 1, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Let me check."), ClientMessageId: ptr("fb-1")})
	if textOut[0].Text != "Let me check." || textOut[0].AttachmentType != "" {
		t.Errorf("Messenger received %+v, want the text", textOut[0])
	}
	const photoURL = "https://cdn.example.com/receipts/42.jpg"
	photo, photoOut := s.reply(t, events, 2, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Here is your receipt"),
		Attachments: []client.AttachmentInput{{Type: client.AttachmentTypeImage, Url: photoURL}}})
	if photoOut[0].Text != "Here is your receipt" || photoOut[1].AttachmentType != "image" || photoOut[1].AttachmentURL != photoURL ||
		photoOut[1].Text != "" || photoOut[1].IsReusable {
		t.Errorf("Messenger received %+v, want the text, then the image %s by URL", photoOut, photoURL)
	}
	for _, r := range graphCalls(s.fake.Graph, http.MethodPost, page+"/messages") {
		if r.Token != facebooktest.DefaultToken || r.Version != facebooktest.Version || r.Status != http.StatusOK {
			t.Errorf("Send API call %s %s with %s token, answered %d", r.Method, r.Path, r.TokenVia, r.Status)
		}
	}

	// Meta echoes what the Page sent: an echo is never a customer message.
	s.receipt(t, facebooktest.Echo(page, facebookPSID, textOut[0].ID, textOut[0].Text, textOut[0].At))

	// Receipts: a delivery names mids; a read names only a watermark, and
	// covers every reply sent before it.
	now := time.Now()
	s.receipt(t, facebooktest.DeliveryEvent(page, facebookPSID, []string{textOut[0].ID}, now))
	nextMessageUpdate(t, events, text.Id, client.MessageStatusDelivered)
	// One delivery names both messages of the split reply.
	s.receipt(t, facebooktest.DeliveryEvent(page, facebookPSID, []string{photoOut[0].ID, photoOut[1].ID}, now.Add(time.Second)))
	nextMessageUpdate(t, events, photo.Id, client.MessageStatusDelivered)
	s.receipt(t, facebooktest.ReadEvent(page, facebookPSID, now.Add(2*time.Second)))
	nextMessageUpdates(t, events, client.MessageStatusRead, text.Id, photo.Id)
	// A delivery arriving after the read (another device) does not move a
	// reply back. The 200 comes after the commit, so the state is final.
	s.receipt(t, facebooktest.DeliveryEvent(page, facebookPSID, []string{textOut[0].ID}, now.Add(3*time.Second)))
	if st := s.message(t, conv.Id, text.Id).Status; st != client.MessageStatusRead {
		t.Errorf("a late delivery moved a READ reply to %s", st)
	}
	var inbound int
	for _, m := range s.messages(t, s.admin, conv.Id) {
		if m.Direction == client.MessageDirectionInbound {
			inbound++
		}
	}
	if inbound != 2 {
		t.Errorf("%d inbound messages, want 2: the echo was stored as one", inbound)
	}

	t.Run("read watermark", func(t *testing.T) {
		// A watermark covers the replies sent before it, delivered or not,
		// and none sent after it.
		first, _ := s.reply(t, events, 1, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("One more thing")})
		second, _ := s.reply(t, events, 1, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("and another")})
		watermark := time.Now()
		later, _ := s.reply(t, events, 1, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("sent after the watermark")})
		s.receipt(t, facebooktest.ReadEvent(page, facebookPSID, watermark))
		for _, id := range []string{first.Id, second.Id} {
			if st := s.message(t, conv.Id, id).Status; st != client.MessageStatusRead {
				t.Errorf("reply %s is %s after a read watermark after it, want READ", id, st)
			}
		}
		if st := s.message(t, conv.Id, later.Id).Status; st != client.MessageStatusSent {
			t.Errorf("a reply sent after the watermark is %s, want SENT", st)
		}
		// A delivery watermark without mids moves the later reply.
		s.receipt(t, facebooktest.DeliveryEvent(page, facebookPSID, nil, time.Now()))
		if st := s.message(t, conv.Id, later.Id).Status; st != client.MessageStatusDelivered {
			t.Errorf("a reply before a delivery watermark is %s, want DELIVERED", st)
		}
	})
}

// TestFacebookSharedWebhook: one Facebook app serving two Pages sends both
// Pages' events to one callback URL, /webhooks/facebook; each reaches its own
// account, and the handshake is answered for the Page whose token it carries.
func TestFacebookSharedWebhook(t *testing.T) {
	fake := newFacebookFake(t)
	ts := facebookServer(t, fake)
	ctx := context.Background()
	const secret = "shared-app-secret-0123456789abcdef"
	pages := map[string]client.AccountFields{}
	for _, page := range []string{"1111111111111111", "2222222222222222"} {
		a, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{
			Name: "page " + page, Settings: client.IntegrationSettingsInput{Facebook: &client.FacebookSettingsInput{
				PageUsername: ptr("page" + page[:4]), PageId: ptr(page),
				PageAccessToken: ptr("EAAB" + page + "token"), AppSecret: ptr(secret),
			}}})
		if err != nil {
			t.Fatal(err)
		}
		pages[page] = a.CreateIntegrationAccount.AccountFields
	}
	shared := ts.http.URL + "/webhooks/facebook"
	at := time.Now().Add(-time.Minute)

	// Handshake: Meta calls the shared URL with the verify token pasted in
	// the app's settings, which is one of the accounts'.
	hs, err := facebooktest.NewHandshakeRequest(ctx, shared, verifyToken(t, pages["2222222222222222"]), "challenge-42")
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body := webhookAnswer(t, hs); status != http.StatusOK || body != "challenge-42" {
		t.Fatalf("handshake: %d %q", status, body)
	}
	wrong, _ := facebooktest.NewHandshakeRequest(ctx, shared, "not-a-verify-token", "challenge-42")
	if status, _, _ := webhookAnswer(t, wrong); status != http.StatusForbidden {
		t.Fatalf("handshake with a wrong token: %d, want 403", status)
	}

	// One body with an entry for each Page.
	var merged map[string]any
	json.Unmarshal(facebooktest.TextMessage("1111111111111111", "psid-a", "m_a1", "hello page one", at), &merged)
	var second map[string]any
	json.Unmarshal(facebooktest.TextMessage("2222222222222222", "psid-b", "m_b1", "hello page two", at), &second)
	merged["entry"] = append(merged["entry"].([]any), second["entry"].([]any)...)
	body, _ := json.Marshal(merged)

	forged, _ := facebooktest.NewWebhookRequest(ctx, shared, "another-secret", body)
	if got := deliverWebhook(t, forged); got != http.StatusUnauthorized {
		t.Fatalf("forged shared webhook: %d, want 401", got)
	}
	req, _ := facebooktest.NewWebhookRequest(ctx, shared, secret, body)
	if got := deliverWebhook(t, req); got != http.StatusOK {
		t.Fatalf("shared webhook: %d", got)
	}
	list, err := client.Conversations(ctx, ts.admin, ptr(10), nil, nil, nil)
	if err != nil || list.Conversations.TotalCount != 2 {
		t.Fatalf("conversations: %v %+v", err, list)
	}
	for _, e := range list.Conversations.Edges {
		c := e.Node
		want := map[string]string{"psid-a": "page 1111111111111111", "psid-b": "page 2222222222222222"}[c.Contact.ProviderUserID]
		if c.IntegrationAccount.Name != want {
			t.Errorf("%s's message went to %q, want %q", c.Contact.ProviderUserID, c.IntegrationAccount.Name, want)
		}
	}
	// A Page no account serves (still subscribed to the app after its
	// account went): acknowledged so that Meta neither retries it for 36
	// hours nor disables the app's webhook, and nothing is stored. Signed
	// with a secret no account has, it is refused like any forgery.
	unknown := facebooktest.TextMessage("3333333333333333", "psid-c", "m_c1", "hi", at)
	other, _ := facebooktest.NewWebhookRequest(ctx, shared, secret, unknown)
	if got := deliverWebhook(t, other); got != http.StatusOK {
		t.Fatalf("a Page without an account: %d, want 200", got)
	}
	forgedOther, _ := facebooktest.NewWebhookRequest(ctx, shared, "another-secret", unknown)
	if got := deliverWebhook(t, forgedOther); got != http.StatusUnauthorized {
		t.Fatalf("a Page without an account, forged: %d, want 401", got)
	}
	if list, err := client.Conversations(ctx, ts.admin, ptr(10), nil, nil, nil); err != nil || list.Conversations.TotalCount != 2 {
		t.Fatalf("conversations after a Page without an account: %v %+v", err, list)
	}
	// A body about a served Page and an unknown one: the served Page's
	// entry is stored, the other acknowledged with it.
	var mixed map[string]any
	json.Unmarshal(facebooktest.TextMessage("1111111111111111", "psid-d", "m_a2", "hello again", at), &mixed)
	var stranger map[string]any
	json.Unmarshal(unknown, &stranger)
	mixed["entry"] = append(mixed["entry"].([]any), stranger["entry"].([]any)...)
	mixedBody, _ := json.Marshal(mixed)
	both, _ := facebooktest.NewWebhookRequest(ctx, shared, secret, mixedBody)
	if got := deliverWebhook(t, both); got != http.StatusOK {
		t.Fatalf("a served and an unknown Page: %d, want 200", got)
	}
	if list, err := client.Conversations(ctx, ts.admin, ptr(10), nil, nil, nil); err != nil || list.Conversations.TotalCount != 3 {
		t.Fatalf("conversations after a served and an unknown Page: %v %+v", err, list)
	}
	if failed, err := client.FailedWebhookEvents(ctx, ts.admin, ptr(10), nil); err != nil || failed.FailedWebhookEvents.TotalCount != 0 {
		t.Errorf("failed webhook events: %v %+v, want none", err, failed)
	}
}
