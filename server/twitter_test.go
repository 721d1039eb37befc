package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/twitter/twittertest"
	"github.com/switchboard/switchboard/server"
)

// twitterWrongSecret has the shape of an access token secret, but not the
// account's: every OAuth signature made with it fails.
const twitterWrongSecret = "Qa1Ws2Ed3Rf4Tg5Yh6Uj7Ik8Ol9Pz0Xc1Vb2Nm3Lk4Jh"

// twitterServer is a test server whose X provider calls fake, and whose
// fake's challenge-response checks (CRC) reach the server's public URL.
func twitterServer(t *testing.T, fake *twittertest.Server) (*testServer, *callbackClient) {
	t.Helper()
	ts := newTestServer(t, func(c *server.Config) {
		c.ProviderAPIURLs = map[string]string{"twitter": fake.URL}
		c.RetryBase = 10 * time.Millisecond
	})
	checks := ts.callbackClient()
	fake.SetCRC(twittertest.DeliverCRC(checks.Client, twittertest.ConsumerSecret))
	return ts, checks
}

func newTwitterFake(t *testing.T) *twittertest.Server {
	t.Helper()
	fake := twittertest.New()
	t.Cleanup(fake.Close)
	return fake
}

// createTwitter adds an X account through the API: the fake's app and
// account, with tokenSecret as its access token secret.
func createTwitter(t *testing.T, ts *testServer, name, tokenSecret string) client.AccountFields {
	t.Helper()
	a, err := client.CreateIntegrationAccount(context.Background(), ts.admin, client.CreateIntegrationAccountInput{
		Name: name, Settings: client.IntegrationSettingsInput{Twitter: &client.TwitterSettingsInput{
			ConsumerKey: ptr(twittertest.ConsumerKey), ConsumerSecret: ptr(twittertest.ConsumerSecret),
			AccessToken: ptr(twittertest.AccessToken), AccessTokenSecret: ptr(tokenSecret),
		}}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if a.CreateIntegrationAccount.Type != client.IntegrationAccountTypeTwitter {
		t.Fatalf("created a %s account", a.CreateIntegrationAccount.Type)
	}
	return a.CreateIntegrationAccount.AccountFields
}

// twitterCalls returns the calls the fake received with method on path, in order.
func twitterCalls(fake *twittertest.Server, method, path string) []twittertest.Request {
	var out []twittertest.Request
	for _, r := range fake.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// twitterSecrets are the values no result or setting may show.
var twitterSecrets = []string{twittertest.ConsumerKey, twittertest.ConsumerSecret, twittertest.AccessToken,
	twittertest.AccessTokenSecret, twittertest.BearerToken, twitterWrongSecret}

func TestTwitterConnectionAndWebhook(t *testing.T) {
	fake := newTwitterFake(t)
	ts, checks := twitterServer(t, fake)
	ctx := context.Background()
	good := createTwitter(t, ts, "x support", twittertest.AccessTokenSecret)

	t.Run("test connection", func(t *testing.T) {
		cases := []struct {
			name        string
			tokenSecret string
			wantOK      bool
			wantMessage []string
			wantDetails map[string]string
		}{
			{
				name: "credentials X accepts", tokenSecret: twittertest.AccessTokenSecret, wantOK: true,
				wantMessage: []string{"Connected to X account @" + twittertest.Username + " (" + twittertest.Name + ")"},
				wantDetails: map[string]string{"userId": twittertest.UserID, "username": twittertest.Username, "name": twittertest.Name},
			},
			{
				name: "credentials X refuses", tokenSecret: twitterWrongSecret, wantOK: false,
				wantMessage: []string{"X does not accept these credentials", "consumer key and secret and the access token and secret"},
				wantDetails: map[string]string{"status": "401"},
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := good
				if tc.tokenSecret != twittertest.AccessTokenSecret {
					a = createTwitter(t, ts, tc.name, tc.tokenSecret)
				}
				before := len(twitterCalls(fake, http.MethodGet, "/2/users/me"))
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
				// Asked with an OAuth 1.0a signature in the user's context.
				calls := twitterCalls(fake, http.MethodGet, "/2/users/me")
				wantStatus := http.StatusOK
				if !tc.wantOK {
					wantStatus = http.StatusUnauthorized
				}
				if len(calls) != before+1 || calls[len(calls)-1].Auth != "oauth1" || calls[len(calls)-1].Status != wantStatus {
					t.Errorf("GET /2/users/me calls %+v, want one more signed with OAuth 1.0a, answered %d", calls[before:], wantStatus)
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
				mustNotContain(t, "the result", string(js)+settingsJSON(t, got.AccountFields), twitterSecrets...)
			})
		}
	})

	want := "https://switchboard.example.com/webhooks/" + good.AccountId
	setWebhook := func(t *testing.T) (client.ResultFields, map[string]string) {
		t.Helper()
		resp, err := client.SetWebhook(ctx, ts.admin, good.Id)
		if err != nil {
			t.Fatal(err)
		}
		res := resp.SetWebhook.ResultFields
		if !res.Ok || !strings.Contains(res.Message, want) || !strings.Contains(res.Message, "@"+twittertest.Username) {
			t.Fatalf("setWebhook = %+v, want @%s's direct messages sent to %s", res, twittertest.Username, want)
		}
		js, _ := json.Marshal(resp)
		mustNotContain(t, "the result", string(js), twitterSecrets...)
		return res, resultDetails(res)
	}
	// crcs are X's challenge-response checks of the webhook URL so far.
	crcs := func() []callback {
		var out []callback
		for _, c := range checks.received() {
			if c.Path == "/webhooks/"+good.AccountId {
				out = append(out, c)
			}
		}
		return out
	}

	t.Run("set webhook", func(t *testing.T) {
		_, d := setWebhook(t)
		hooks := fake.Webhooks(twittertest.ConsumerKey)
		if len(hooks) != 1 || hooks[0].URL != want || good.WebhookUrl != want || !hooks[0].Valid {
			t.Fatalf("the app's webhooks %+v, want one valid at %s (the account's webhookUrl %s)", hooks, want, good.WebhookUrl)
		}
		if len(hooks[0].Subscribed) != 1 || hooks[0].Subscribed[0] != twittertest.UserID {
			t.Errorf("subscribed to the webhook: %v, want the account's user %s", hooks[0].Subscribed, twittertest.UserID)
		}
		if d["webhookId"] != hooks[0].ID || d["webhook"] != "created" || d["subscription"] != "created" || d["userId"] != twittertest.UserID || d["webhookUrl"] != want {
			t.Errorf("details = %v", d)
		}
		// X checked the URL before creating the webhook: its CRC reached the
		// server and was answered right.
		if got := crcs(); len(got) != 1 || got[0].Status != http.StatusOK {
			t.Fatalf("CRCs %+v, want one answered 200", got)
		}
		// Webhooks are managed with the app-only token that the consumer key
		// and secret got; the subscription is made as the account's user.
		for _, c := range []struct{ method, path, auth string }{
			{http.MethodPost, "/oauth2/token", "basic"},
			{http.MethodGet, "/2/webhooks", "bearer"},
			{http.MethodPost, "/2/webhooks", "bearer"},
			{http.MethodPost, "/2/account_activity/webhooks/" + hooks[0].ID + "/subscriptions/all", "oauth1"},
		} {
			calls := twitterCalls(fake, c.method, c.path)
			if len(calls) != 1 || calls[0].Auth != c.auth || calls[0].Status != http.StatusOK {
				t.Errorf("%s %s calls %+v, want one with %s authentication, answered 200", c.method, c.path, calls, c.auth)
			}
		}
		ts.nothingStored(t, "the CRC")
	})

	t.Run("set webhook again", func(t *testing.T) {
		// The webhook and subscription exist: nothing is created twice.
		if _, d := setWebhook(t); d["webhook"] != "existing" || d["subscription"] != "existing" {
			t.Errorf("details = %v, want the existing webhook and subscription", d)
		}
		// X disabled the webhook after failed checks: it is checked again.
		hooks := fake.Webhooks(twittertest.ConsumerKey)
		fake.SetWebhookValid(hooks[0].ID, false)
		before := len(crcs())
		if _, d := setWebhook(t); d["webhook"] != "revalidated" || d["webhookValid"] != "true" {
			t.Errorf("details = %v, want the webhook revalidated", d)
		}
		if got := crcs(); len(got) != before+1 || got[len(got)-1].Status != http.StatusOK {
			t.Errorf("CRCs %+v, want one more answered 200", got)
		}
		if hooks := fake.Webhooks(twittertest.ConsumerKey); len(hooks) != 1 || !hooks[0].Valid {
			t.Errorf("the app's webhooks %+v, want the one, valid again", hooks)
		}
	})

	t.Run("handshake", func(t *testing.T) {
		hook := ts.local(t, good.WebhookUrl)
		crc := func(token string) *http.Request {
			t.Helper()
			req, err := twittertest.NewCRCRequest(ctx, hook, token)
			if err != nil {
				t.Fatal(err)
			}
			return req
		}
		token := twittertest.NewCRCToken()
		status, ct, body := webhookAnswer(t, crc(token))
		if err := twittertest.CheckCRCResponse(twittertest.ConsumerSecret, token, status, []byte(body)); err != nil || !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("CRC answered %d %q %q: %v", status, ct, body, err)
		}
		// A token that could be a JSON body would have the server sign a
		// forgery: refused.
		if status, _, body := webhookAnswer(t, crc(`{"for_user_id":"1"}`)); status != http.StatusUnauthorized || strings.Contains(body, "response_token") {
			t.Errorf("CRC of a JSON-shaped token: %d %q, want 401", status, body)
		}
		plain, err := http.NewRequestWithContext(ctx, http.MethodGet, hook, nil)
		if err != nil {
			t.Fatal(err)
		}
		if status := deliverWebhook(t, plain); status != http.StatusMethodNotAllowed {
			t.Errorf("GET without crc_token: %d, want 405", status)
		}
		ts.nothingStored(t, "CRCs")
	})
}

// twitterSetup is a server with an X account that passed Test Connection
// and is subscribed to the app's webhook, and an agent.
type twitterSetup struct {
	*testServer
	fake  *twittertest.Server
	acct  client.AccountFields
	hook  string // the local webhook URL
	agent *client.Client
}

func newTwitterSetup(t *testing.T) *twitterSetup {
	t.Helper()
	fake := newTwitterFake(t)
	ts, _ := twitterServer(t, fake)
	ctx := context.Background()
	acct := createTwitter(t, ts, "x support", twittertest.AccessTokenSecret)
	if r, err := client.TestConnection(ctx, ts.admin, acct.Id); err != nil || !r.TestConnection.Ok {
		t.Fatalf("testConnection: %v %+v", err, r)
	}
	if r, err := client.SetWebhook(ctx, ts.admin, acct.Id); err != nil || !r.SetWebhook.Ok {
		t.Fatalf("setWebhook: %v %+v", err, r)
	}
	return &twitterSetup{testServer: ts, fake: fake, acct: acct, hook: ts.local(t, acct.WebhookUrl),
		agent: ts.as(ts.userToken(t, "agent ann", client.UserRoleAgent))}
}

// webhook is a POST of body to the account's webhook, signed with secret as X
// signs its Account Activity deliveries.
func (s *twitterSetup) webhook(t *testing.T, secret string, body []byte) *http.Request {
	t.Helper()
	req, err := twittertest.NewWebhookRequest(context.Background(), s.hook, secret, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// deliver POSTs body signed with the consumer secret and fails unless it is
// taken.
func (s *twitterSetup) deliver(t *testing.T, body []byte) {
	t.Helper()
	if got := deliverWebhook(t, s.webhook(t, twittertest.ConsumerSecret, body)); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
}

// twitterDM is an Account Activity delivery of one direct message from the
// customer.
func twitterDM(id, text string, at time.Time) []byte {
	return twittertest.DMBody(twittertest.UserID, []twittertest.Person{twittertest.Customer, twittertest.Owner},
		twittertest.TextDM(id, twittertest.CustomerID, twittertest.UserID, text, at))
}

// reply sends an agent's reply and waits until X accepted it as one direct
// message.
func (s *twitterSetup) reply(t *testing.T, events <-chan client.InboxEventsWsResponse, in client.SendMessageInput) (client.MessageFields, twittertest.DM) {
	t.Helper()
	before := len(s.fake.DMs())
	sent, err := client.SendMessage(context.Background(), s.agent, in)
	if err != nil {
		t.Fatal(err)
	}
	if sent.SendMessage.Status != client.MessageStatusQueued {
		t.Fatalf("status %s, want QUEUED", sent.SendMessage.Status)
	}
	m := nextMessageUpdate(t, events, sent.SendMessage.Id, client.MessageStatusSent)
	out := s.fake.DMs()[before:]
	if len(out) != 1 {
		t.Fatalf("X accepted %d direct messages for one reply, want 1: %+v", len(out), out)
	}
	if m.ProviderMessageID == nil || *m.ProviderMessageID != out[0].EventID {
		t.Fatalf("providerMessageID = %v, want the dm_event_id %s", deref(m.ProviderMessageID), out[0].EventID)
	}
	if out[0].SenderID != twittertest.UserID || out[0].RecipientID != twittertest.CustomerID {
		t.Errorf("X accepted %+v, want a direct message from @%s to %s", out[0], twittertest.Username, twittertest.CustomerID)
	}
	return m, out[0]
}

func TestTwitterMessagePathEndToEnd(t *testing.T) {
	s := newTwitterSetup(t)
	ctx := context.Background()
	events := s.subscribeInbox(t, s.agent)
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	hello := twitterDM("1582838803100405764", "Hi! Order #42 & my <b>refund</b>?", at)

	// Only deliveries signed with the consumer secret are taken.
	unsigned := s.webhook(t, twittertest.ConsumerSecret, hello)
	unsigned.Header.Del("X-Twitter-Webhooks-Signature")
	altered := s.webhook(t, twittertest.ConsumerSecret, hello)
	changed := bytes.Replace(hello, []byte("Order #42"), []byte("Order #43"), 1)
	altered.Body, altered.ContentLength = io.NopCloser(bytes.NewReader(changed)), int64(len(changed))
	for name, req := range map[string]*http.Request{
		"signed with another secret": s.webhook(t, twitterWrongSecret, hello),
		"unsigned":                   unsigned,
		"body changed after signing": altered,
	} {
		if got := deliverWebhook(t, req); got != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, got)
		}
	}
	s.nothingStored(t, "unauthentic deliveries")

	// The customer writes; the agent sees it live, named as the users map
	// of the delivery names them, the text unescaped.
	s.deliver(t, hello)
	created := nextInbox(t, events, client.ConversationEventKindConversationCreated)
	msg := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message
	if msg == nil || msg.Text != "Hi! Order #42 & my <b>refund</b>?" || msg.Direction != client.MessageDirectionInbound ||
		deref(msg.ProviderMessageID) != "1582838803100405764" || msg.ProviderTime == nil || !msg.ProviderTime.Equal(at) {
		t.Fatalf("message event: %+v", msg)
	}
	conv := created.Conversation
	if conv.Contact.ProviderUserID != twittertest.CustomerID || conv.Contact.DisplayName != twittertest.CustomerName ||
		conv.IntegrationAccount.Type != client.IntegrationAccountTypeTwitter {
		t.Fatalf("conversation: %+v", conv)
	}

	t.Run("contact picture from the profile", func(t *testing.T) {
		// Deliveries name the sender but carry no usable picture: the X user
		// lookup, asked in the background, gives it.
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
			return c != nil && c.Contact.AvatarURL != ""
		})
		if contact.DisplayName != twittertest.CustomerName || contact.AvatarURL != twittertest.CustomerPicture {
			t.Errorf("contact %+v, want %s with the profile picture", contact, twittertest.CustomerName)
		}
		asked := twitterCalls(s.fake, http.MethodGet, "/2/users/"+twittertest.CustomerID)
		if len(asked) != 1 || asked[0].Auth != "oauth1" || asked[0].Query != "user.fields=profile_image_url" || asked[0].Status != http.StatusOK {
			t.Errorf("user lookups %+v, want one signed in the user context", asked)
		}
	})

	// X resends a delivery it got no 200 for: concurrent copies are stored
	// once. The next message event is the next message, not a copy.
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := twittertest.NewWebhookRequest(ctx, s.hook, twittertest.ConsumerSecret, hello)
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
	// Typing is not a message.
	s.deliver(t, twittertest.TypingBody(twittertest.UserID, twittertest.Customer, twittertest.Owner, at.Add(time.Second)))
	s.deliver(t, twitterDM("1582838803100405765", "second", at.Add(2*time.Second)))
	if next := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message; next.Text != "second" {
		t.Fatalf("after redeliveries the next message event is %q, want \"second\"", next.Text)
	}
	if n := len(s.messages(t, s.admin, conv.Id)); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}

	// The agent takes the conversation and replies.
	if _, err := client.TakeConversation(ctx, s.agent, conv.Id); err != nil {
		t.Fatal(err)
	}
	text, out := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Refund sent & confirmed."), ClientMessageId: ptr("x-1")})
	if out.Text != "Refund sent & confirmed." {
		t.Errorf("X received %q", out.Text)
	}
	sends := twitterCalls(s.fake, http.MethodPost, "/2/dm_conversations/with/"+twittertest.CustomerID+"/messages")
	if len(sends) != 1 || sends[0].Auth != "oauth1" || sends[0].Status != http.StatusCreated || !strings.HasPrefix(sends[0].Header.Get("Content-Type"), "application/json") {
		t.Fatalf("send calls %+v, want one JSON POST signed in the user context, answered 201", sends)
	}
	var body map[string]any
	if err := json.Unmarshal(sends[0].Body, &body); err != nil || !jsonEqual(body, map[string]any{"text": "Refund sent & confirmed."}) {
		t.Errorf("send body %s, want {\"text\": ...}", sends[0].Body)
	}

	// X echoes every direct message the account sends: never a customer's.
	s.deliver(t, twittertest.EchoBody(out))
	// X reports reading, not delivery: a read receipt names the last event
	// read.
	s.deliver(t, twittertest.ReadBody(twittertest.UserID, twittertest.Customer, twittertest.Owner, out.EventID, time.Now()))
	nextMessageUpdate(t, events, text.Id, client.MessageStatusRead)
	var inbound int
	for _, m := range s.messages(t, s.admin, conv.Id) {
		if m.Direction == client.MessageDirectionInbound {
			inbound++
		}
	}
	if inbound != 2 {
		t.Errorf("%d inbound messages, want 2: the echo was stored as one", inbound)
	}
	// The account reading the customer's messages is no receipt of ours.
	s.deliver(t, twittertest.ReadBody(twittertest.UserID, twittertest.Owner, twittertest.Customer, "1582838803100405765", time.Now()))

	t.Run("read covers earlier replies", func(t *testing.T) {
		first, _ := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("One more thing")})
		last, lastOut := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("and another")})
		s.deliver(t, twittertest.ReadBody(twittertest.UserID, twittertest.Customer, twittertest.Owner, lastOut.EventID, time.Now()))
		nextMessageUpdates(t, events, client.MessageStatusRead, first.Id, last.Id)
	})

	t.Run("a refusal reaches the agent", func(t *testing.T) {
		// The customer stopped accepting direct messages from the account.
		s.fake.RefuseDMs(twittertest.CustomerID, "")
		sent, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Are you still there?")})
		if err != nil {
			t.Fatal(err)
		}
		m := nextMessageUpdate(t, events, sent.SendMessage.Id, client.MessageStatusFailed)
		if !strings.Contains(m.Error, "You are not permitted to send Direct Messages to this user") {
			t.Errorf("error shown to the agent: %q, want X's reason", m.Error)
		}
	})
}

func TestTwitterContactNamedByProfile(t *testing.T) {
	// A delivery whose users map does not name the sender: the X user
	// lookup gives the name and picture.
	s := newTwitterSetup(t)
	const id, name, picture = "2244994945", "Dana Reyes", "https://pbs.twimg.com/profile_images/2244994945/dR_normal.jpg"
	s.fake.AddUser(twittertest.User{ID: id, Name: name, Username: "danareyes", ProfileImageURL: picture})
	s.deliver(t, twittertest.DMBody(twittertest.UserID, []twittertest.Person{twittertest.Owner},
		twittertest.TextDM("1582838803100409999", id, twittertest.UserID, "hello?", time.Now())))
	list, err := client.Conversations(context.Background(), s.admin, ptr(10), nil, nil, nil)
	if err != nil || list.Conversations.TotalCount != 1 {
		t.Fatalf("conversations: %v %+v", err, list)
	}
	convID := list.Conversations.Edges[0].Node.Id
	var contact client.ConversationFieldsContact
	eventually(t, "the contact's profile", func() bool {
		r, err := client.Conversation(context.Background(), s.admin, convID, ptr(1))
		if err != nil || r.Node == nil {
			t.Fatalf("conversation: %v", err)
		}
		c, _ := (*r.Node).(*client.ConversationNodeConversation)
		if c != nil {
			contact = c.Contact
		}
		return c != nil && c.Contact.DisplayName != ""
	})
	if contact.ProviderUserID != id || contact.DisplayName != name || contact.AvatarURL != picture {
		t.Errorf("contact %+v, want %s named %s with the profile picture", contact, id, name)
	}
}

func TestTwitterInboundMediaIsFetched(t *testing.T) {
	s := newTwitterSetup(t)
	const eventID = "1582838803100407777"
	mediaURL := s.fake.SetMedia("/1.1/ton/data/dm/"+eventID+"/1221092866912550912/aB3dE5fG.jpg", "image/jpeg", fakeJPEG)
	s.deliver(t, twittertest.DMBody(twittertest.UserID, []twittertest.Person{twittertest.Customer, twittertest.Owner},
		twittertest.PhotoDM(eventID, twittertest.CustomerID, twittertest.UserID, "the broken part", mediaURL, time.Now())))
	list, err := client.Conversations(context.Background(), s.admin, ptr(10), nil, nil, nil)
	if err != nil || list.Conversations.TotalCount != 1 {
		t.Fatalf("conversations: %v %+v", err, list)
	}
	convID := list.Conversations.Edges[0].Node.Id
	msgs := s.messages(t, s.admin, convID)
	// The photo's t.co link is not part of the text.
	if len(msgs) != 1 || msgs[0].Text != "the broken part" {
		t.Fatalf("messages %+v", msgs)
	}
	att := s.waitAttachment(t, convID, msgs[0].Id)
	if att.Status != client.MediaStatusReady || att.Type != client.AttachmentTypeImage || deref(att.MimeType) != "image/jpeg" {
		t.Fatalf("attachment %+v (error %s)", att, deref(att.Error))
	}
	// X serves direct message media only to requests signed as the account.
	gets := twitterCalls(s.fake, http.MethodGet, "/1.1/ton/data/dm/"+eventID+"/1221092866912550912/aB3dE5fG.jpg")
	if len(gets) != 1 || gets[0].Auth != "oauth1" || gets[0].Status != http.StatusOK {
		t.Fatalf("media requests %+v, want one signed with OAuth 1.0a", gets)
	}
	status, ct, b := s.download(t, s.adminToken, att.DownloadUrl)
	if status != http.StatusOK || ct != "image/jpeg" || !bytes.Equal(b, fakeJPEG) {
		t.Fatalf("download: %d %q %q", status, ct, b)
	}
	if status, _, _ := s.download(t, "", att.DownloadUrl); status != http.StatusUnauthorized {
		t.Errorf("anonymous download: %d", status)
	}
}
