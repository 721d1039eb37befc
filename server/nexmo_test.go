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
	"github.com/switchboard/switchboard/providers/nexmo/nexmotest"
	"github.com/switchboard/switchboard/server"
)

const (
	// nexmoWrongSecret has the shape of a Vonage secret, but not the
	// account's (API secret or signature secret).
	nexmoWrongSecret = "Qw3eR5tY7uI9oP1a"
	// nexmoCustomer is the customer of the Vonage tests, digits as Vonage
	// writes them, and nexmoName their WhatsApp profile name.
	nexmoCustomer = "5511987654321"
	nexmoName     = "Maria Silva"
)

// nexmoServer is a test server, and the fake's webhooks (inbound messages,
// statuses) for its public URL reach it at its local address.
func nexmoServer(t *testing.T, fake *nexmotest.Server) *testServer {
	t.Helper()
	ts := newTestServer(t, func(c *server.Config) { c.RetryBase = 10 * time.Millisecond })
	fake.ForwardWebhooks(ts.cfg.PublicURL, ts.http.URL)
	return ts
}

func newNexmoFake(t *testing.T) *nexmotest.Server {
	t.Helper()
	fake := nexmotest.NewServer(nexmotest.Config{})
	t.Cleanup(fake.Close)
	return fake
}

// createNexmo adds a WhatsApp-via-Vonage account on the fake's application
// and number through the API, whose apiUrl is the fake.
func createNexmo(t *testing.T, ts *testServer, fake *nexmotest.Server, name, apiSecret string, auth client.NexmoAuthentication) client.AccountFields {
	t.Helper()
	a, err := client.CreateIntegrationAccount(context.Background(), ts.admin, client.CreateIntegrationAccountInput{
		Name: name, Settings: client.IntegrationSettingsInput{WhatsappNexmo: &client.WhatsappNexmoSettingsInput{
			ApiUrl: ptr(fake.URL), Authentication: &auth, ApiKey: ptr(fake.APIKey()), ApiSecret: ptr(apiSecret),
			WhatsappNumber: ptr("+" + fake.Number()), ApplicationId: ptr(fake.ApplicationID()), SignatureSecret: ptr(fake.SignatureSecret()),
		}}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if a.CreateIntegrationAccount.Type != client.IntegrationAccountTypeWhatsapp {
		t.Fatalf("created a %s account", a.CreateIntegrationAccount.Type)
	}
	return a.CreateIntegrationAccount.AccountFields
}

// createNexmoJWT adds a WhatsApp-via-Vonage account with authentication JWT
// and privateKey ("" for none), pasted as the key file holds it.
func createNexmoJWT(t *testing.T, ts *testServer, fake *nexmotest.Server, name, privateKey string) client.AccountFields {
	t.Helper()
	auth := client.NexmoAuthenticationJwt
	in := &client.WhatsappNexmoSettingsInput{
		ApiUrl: ptr(fake.URL), Authentication: &auth, ApiKey: ptr(fake.APIKey()), ApiSecret: ptr(fake.APISecret()),
		WhatsappNumber: ptr("+" + fake.Number()), ApplicationId: ptr(fake.ApplicationID()), SignatureSecret: ptr(fake.SignatureSecret()),
	}
	if privateKey != "" {
		in.PrivateKey = ptr(privateKey)
	}
	a, err := client.CreateIntegrationAccount(context.Background(), ts.admin, client.CreateIntegrationAccountInput{
		Name: name, Settings: client.IntegrationSettingsInput{WhatsappNexmo: in}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return a.CreateIntegrationAccount.AccountFields
}

// pemLines are the base64 lines of a PEM key, which no answer may show.
func pemLines(key string) []string {
	var out []string
	for _, l := range strings.Split(key, "\n") {
		if len(l) >= 16 && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}

// nexmoRequests returns the calls the fake received on endpoint with method,
// in order.
func nexmoRequests(fake *nexmotest.Server, endpoint, method string) []nexmotest.Request {
	var out []nexmotest.Request
	for _, r := range fake.Requests() {
		if r.Endpoint == endpoint && r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

func TestNexmoConnectionAndWebhook(t *testing.T) {
	fake := newNexmoFake(t)
	ts := nexmoServer(t, fake)
	ctx := context.Background()
	good := createNexmo(t, ts, fake, "vonage support", fake.APISecret(), client.NexmoAuthenticationBasic)
	secrets := append([]string{fake.APISecret(), fake.SignatureSecret(), nexmoWrongSecret, nexmotest.DefaultPublicKey}, pemLines(nexmotest.DefaultPrivateKey)...)

	t.Run("test connection", func(t *testing.T) {
		cases := []struct {
			name        string
			secret      string
			auth        client.NexmoAuthentication
			privateKey  string
			wantOK      bool
			wantMessage []string
			wantDetails map[string]string
		}{
			{
				name: "credentials Vonage accepts", secret: fake.APISecret(), auth: client.NexmoAuthenticationBasic, wantOK: true,
				wantMessage: []string{`Connected to the Vonage application "Switchboard WhatsApp" (` + fake.ApplicationID() + ")",
					"WhatsApp number +" + fake.Number(),
					// Before Set Webhook the application sends elsewhere.
					"Its Messages webhooks differ from this account's webhook URL", "run Set Webhook"},
				wantDetails: map[string]string{"applicationId": fake.ApplicationID(), "applicationName": "Switchboard WhatsApp",
					"authentication": "BASIC", "whatsappNumber": "+" + fake.Number(), "webhookUrl": good.WebhookUrl,
					"inboundUrl": "", "statusUrl": "", "webhookVersion": "v1", "secureInboundMedia": "false"},
			},
			{
				name: "credentials Vonage refuses", secret: nexmoWrongSecret, auth: client.NexmoAuthenticationBasic, wantOK: false,
				wantMessage: []string{"Vonage does not accept this API key and secret (HTTP 401", "Dashboard (API Settings)"},
				wantDetails: map[string]string{"httpStatus": "401", "title": "Invalid credentials supplied"},
			},
			{
				// The application is reachable, but nothing could be sent
				// without its private key.
				name: "authentication JWT without a private key", secret: fake.APISecret(), auth: client.NexmoAuthenticationJwt, wantOK: false,
				wantMessage: []string{"But nothing can be sent", "authentication JWT needs the Vonage application's private key, and the account's privateKey is not set"},
				wantDetails: map[string]string{"applicationId": fake.ApplicationID(), "authentication": "JWT", "privateKey": "not set"},
			},
			{
				// The Application API is read with the API key and secret;
				// the key is checked against the application's public key.
				name: "authentication JWT", secret: fake.APISecret(), auth: client.NexmoAuthenticationJwt, privateKey: nexmotest.DefaultPrivateKey, wantOK: true,
				wantMessage: []string{"with the API key and secret, which the Application API takes", "privateKey matches the application's public key"},
				wantDetails: map[string]string{"applicationId": fake.ApplicationID(), "authentication": "JWT", "privateKey": "matches the application's public key"},
			},
			{
				name: "authentication JWT with a broken key", secret: fake.APISecret(), auth: client.NexmoAuthenticationJwt,
				privateKey: nexmotest.DefaultPrivateKey[:400], wantOK: false,
				wantMessage: []string{"But nothing can be sent: the account's privateKey is a damaged PEM private key"},
				wantDetails: map[string]string{"privateKey": "unusable"},
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := good
				switch {
				case tc.auth == client.NexmoAuthenticationJwt:
					a = createNexmoJWT(t, ts, fake, tc.name, tc.privateKey)
				case tc.secret != fake.APISecret():
					a = createNexmo(t, ts, fake, tc.name, tc.secret, tc.auth)
				}
				before := len(nexmoRequests(fake, nexmotest.EndpointApplication, http.MethodGet))
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
				// The application was read with the API key and secret as
				// Basic authentication.
				calls := nexmoRequests(fake, nexmotest.EndpointApplication, http.MethodGet)
				if len(calls) != before+1 || calls[len(calls)-1].User != fake.APIKey() || calls[len(calls)-1].Authorized != (tc.secret == fake.APISecret()) {
					t.Errorf("application reads %+v, want one more with the account's API key", calls[before:])
				}

				got := fetchAccount(t, ts, a.Id)
				last := got.LastTest
				if last == nil || last.Ok != res.Ok || last.Message != res.Message || !last.At.Equal(res.At) {
					t.Fatalf("lastTest = %+v, want the result %+v", last, res)
				}
				if d := resultDetails(last.ResultFields); d["applicationId"] != details["applicationId"] || d["httpStatus"] != details["httpStatus"] || len(d) != len(details) {
					t.Errorf("lastTest details = %v, want %v", d, details)
				}
				if verified := got.VerifiedAt != nil; verified != res.Ok || verified && !got.VerifiedAt.Equal(res.At) {
					t.Errorf("verifiedAt = %v after a check with ok %v at %v", got.VerifiedAt, res.Ok, res.At)
				}
				js, _ := json.Marshal(resp)
				mustNotContain(t, "the result", string(js)+settingsJSON(t, got.AccountFields), secrets...)
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
		if !res.Ok || !strings.Contains(res.Message, want) {
			t.Fatalf("setWebhook = %+v, want the application's webhooks at %s", res, want)
		}
		js, _ := json.Marshal(resp)
		mustNotContain(t, "the result", string(js), secrets...)
		return res, resultDetails(res)
	}

	t.Run("set webhook", func(t *testing.T) {
		res, d := setWebhook(t)
		if !strings.Contains(res.Message, "by POST in webhook format v1") {
			t.Errorf("message %q", res.Message)
		}
		if d["inboundUrl"] != want || d["statusUrl"] != want || good.WebhookUrl != want || d["webhookVersion"] != "v1" ||
			d["previousInboundUrl"] != "" || d["previousStatusUrl"] != "" {
			t.Errorf("details = %v, want both webhooks at %s (the account's webhookUrl %s)", d, want, good.WebhookUrl)
		}
		// What Vonage now has: both Messages webhooks at the account's URL,
		// and the rest of the application as it was (its public key kept, so
		// no new key pair; its Voice capability).
		if in, st := fake.MessagesWebhooks(); in != want || st != want {
			t.Errorf("the application's Messages webhooks are %q and %q, want %s", in, st, want)
		}
		app := fake.Application()
		caps, _ := app["capabilities"].(map[string]any)
		keys, _ := app["keys"].(map[string]any)
		if caps["voice"] == nil || keys["public_key"] != nexmotest.DefaultPublicKey || app["name"] != "Switchboard WhatsApp" || fake.KeyRegenerations() != 0 {
			t.Errorf("application after the update %v (%d key regenerations), want the rest kept", app, fake.KeyRegenerations())
		}
		puts := nexmoRequests(fake, nexmotest.EndpointApplication, http.MethodPut)
		if len(puts) != 1 || puts[0].User != fake.APIKey() || !puts[0].Authorized || puts[0].HTTPStatus != http.StatusOK {
			t.Fatalf("application updates %+v, want one with the API key and secret", puts)
		}

		// Again: already set, nothing written.
		if res, d := setWebhook(t); !strings.Contains(res.Message, "nothing was changed") || d["previousInboundUrl"] != want {
			t.Errorf("second setWebhook = %+v", res)
		}
		if n := len(nexmoRequests(fake, nexmotest.EndpointApplication, http.MethodPut)); n != 1 {
			t.Errorf("%d application updates after setting the same webhooks again, want 1", n)
		}
		// Test Connection no longer sees a difference.
		tested, err := client.TestConnection(ctx, ts.admin, good.Id)
		if err != nil || !tested.TestConnection.Ok || strings.Contains(tested.TestConnection.Message, "differ") {
			t.Fatalf("testConnection after Set Webhook: %v %+v", err, tested)
		}
		if d := resultDetails(tested.TestConnection.ResultFields); d["inboundUrl"] != want || d["statusUrl"] != want {
			t.Errorf("details after setting the webhooks: %v", d)
		}
	})

	t.Run("set webhook with refused credentials", func(t *testing.T) {
		a := createNexmo(t, ts, fake, "refused for webhook", nexmoWrongSecret, client.NexmoAuthenticationBasic)
		resp, err := client.SetWebhook(ctx, ts.admin, a.Id)
		if err != nil {
			t.Fatal(err)
		}
		if res := resp.SetWebhook.ResultFields; res.Ok || !strings.Contains(res.Message, "Vonage does not accept this API key and secret") {
			t.Errorf("setWebhook = %+v, want a refusal explaining the credentials", res)
		}
	})
}

// nexmoSetup is a server with a Vonage account that passed Test Connection
// and has its application's webhooks set, and an agent.
type nexmoSetup struct {
	*testServer
	fake  *nexmotest.Server
	acct  client.AccountFields
	hook  string // the local webhook URL
	agent *client.Client
}

func newNexmoSetup(t *testing.T) *nexmoSetup {
	t.Helper()
	fake := newNexmoFake(t)
	ts := nexmoServer(t, fake)
	ctx := context.Background()
	acct := createNexmo(t, ts, fake, "vonage support", fake.APISecret(), client.NexmoAuthenticationBasic)
	if r, err := client.TestConnection(ctx, ts.admin, acct.Id); err != nil || !r.TestConnection.Ok {
		t.Fatalf("testConnection: %v %+v", err, r)
	}
	if r, err := client.SetWebhook(ctx, ts.admin, acct.Id); err != nil || !r.SetWebhook.Ok {
		t.Fatalf("setWebhook: %v %+v", err, r)
	}
	return &nexmoSetup{testServer: ts, fake: fake, acct: acct, hook: ts.local(t, acct.WebhookUrl),
		agent: ts.as(ts.userToken(t, "agent ann", client.UserRoleAgent))}
}

// inbound is the signed webhook Vonage posts for m to the application's
// inbound URL.
func (s *nexmoSetup) inbound(t *testing.T, m nexmotest.Inbound) *http.Request {
	t.Helper()
	req, err := s.fake.Inbound(context.Background(), "", m)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// signed is a POST of body to the account's webhook with token as its JWT.
func (s *nexmoSetup) signed(t *testing.T, body []byte, token string) *http.Request {
	t.Helper()
	req, err := nexmotest.NewWebhookRequest(context.Background(), s.hook, body, token)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// status delivers the signed status webhook Vonage posts when the sent
// message uuid reaches status, and fails unless it is taken.
func (s *nexmoSetup) status(t *testing.T, uuid, status string, why *nexmotest.Reply) {
	t.Helper()
	req, err := s.fake.StatusWebhook(context.Background(), uuid, status, why)
	if err != nil {
		t.Fatal(err)
	}
	if got := deliverWebhook(t, req); got != http.StatusOK {
		t.Fatalf("%s status: %d", status, got)
	}
}

// reply sends an agent's reply and waits until Vonage accepted it as one
// text message.
func (s *nexmoSetup) reply(t *testing.T, events <-chan client.InboxEventsWsResponse, in client.SendMessageInput) (client.MessageFields, nexmotest.Message) {
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
	if len(out) != 1 {
		t.Fatalf("Vonage accepted %d messages for one reply, want 1: %+v", len(out), out)
	}
	o := out[0]
	if m.ProviderMessageID == nil || *m.ProviderMessageID != o.UUID {
		t.Fatalf("providerMessageID = %v, want the message_uuid %s", deref(m.ProviderMessageID), o.UUID)
	}
	// Statuses come back to the account's webhook URL, in format v1.
	if o.MessageType != "text" || o.From != s.fake.Number() || o.To != nexmoCustomer || o.ClientRef == "" ||
		o.WebhookURL != s.acct.WebhookUrl || o.WebhookVersion != "v1" {
		t.Errorf("Vonage accepted %+v, want a text from the number to %s with the webhook_url %s", o, nexmoCustomer, s.acct.WebhookUrl)
	}
	return m, o
}

func TestNexmoMessagePathEndToEnd(t *testing.T) {
	s := newNexmoSetup(t)
	ctx := context.Background()
	events := s.subscribeInbox(t, s.agent)
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	const helloID = "aaaaaaaa-bbbb-4ccc-8ddd-000000000101"
	hello := nexmotest.Inbound{MessageUUID: helloID, From: nexmoCustomer, ProfileName: nexmoName, Timestamp: at, Text: "Oi! Where is my parcel?"}

	// Only webhooks whose JWT is signed with the signature secret, names
	// the account and hashes this body are taken.
	body := hello.Body()
	claims := func(apiKey string, iat time.Time) map[string]any {
		return nexmotest.Claims(apiKey, s.fake.ApplicationID(), body, iat)
	}
	altered := s.inbound(t, hello)
	changed := bytes.Replace(body, []byte("Where is my parcel?"), []byte("Cancel my order now"), 1)
	altered.Body, altered.ContentLength = io.NopCloser(bytes.NewReader(changed)), int64(len(changed))
	for name, req := range map[string]*http.Request{
		"signed with another secret": s.signed(t, body, nexmotest.Token(nexmoWrongSecret, claims(s.fake.APIKey(), time.Now()))),
		"signed for another API key": s.signed(t, body, nexmotest.Token(s.fake.SignatureSecret(), claims("f9e8d7c6", time.Now()))),
		"signed 26 hours ago":        s.signed(t, body, nexmotest.Token(s.fake.SignatureSecret(), claims(s.fake.APIKey(), time.Now().Add(-26*time.Hour)))),
		// Vonage may send a webhook unsigned on an internal error.
		"unsigned":                   s.signed(t, body, ""),
		"body changed after signing": altered,
	} {
		if got := deliverWebhook(t, req); got != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, got)
		}
	}
	s.nothingStored(t, "unauthentic webhooks")

	// The customer writes; the agent sees it live, named as their WhatsApp
	// profile.
	if got := deliverWebhook(t, s.inbound(t, hello)); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	created := nextInbox(t, events, client.ConversationEventKindConversationCreated)
	msg := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message
	if msg == nil || msg.Text != "Oi! Where is my parcel?" || msg.Direction != client.MessageDirectionInbound ||
		deref(msg.ProviderMessageID) != helloID || msg.ProviderTime == nil || !msg.ProviderTime.Equal(at) {
		t.Fatalf("message event: %+v", msg)
	}
	conv := created.Conversation
	if conv.Contact.ProviderUserID != nexmoCustomer || conv.Contact.DisplayName != nexmoName ||
		conv.IntegrationAccount.Type != client.IntegrationAccountTypeWhatsapp {
		t.Fatalf("conversation: %+v", conv)
	}

	// Vonage retries a webhook answered 429 or 5xx, signed anew: concurrent
	// copies are stored once. The next message event is the next message.
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := s.fake.Inbound(ctx, "", hello)
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
	deliverWebhook(t, s.inbound(t, nexmotest.Inbound{From: nexmoCustomer, ProfileName: nexmoName, Text: "second"}))
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
	text, out := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("It is at the depot."), ClientMessageId: ptr("vg-1")})
	if out.Text != "It is at the depot." {
		t.Errorf("Vonage received %q", out.Text)
	}
	sends := nexmoRequests(s.fake, nexmotest.EndpointMessages, http.MethodPost)
	if len(sends) != 1 || sends[0].User != s.fake.APIKey() || !sends[0].Authorized ||
		!strings.HasPrefix(sends[0].ContentType, "application/json") || sends[0].HTTPStatus != http.StatusAccepted {
		t.Fatalf("Messages calls %+v, want one JSON POST with the API key and secret, answered 202", sends)
	}
	var sentBody map[string]any
	if err := json.Unmarshal(sends[0].Body, &sentBody); err != nil || !jsonEqual(sentBody, map[string]any{
		"channel": "whatsapp", "message_type": "text", "from": s.fake.Number(), "to": nexmoCustomer, "text": "It is at the depot.",
		"client_ref": out.ClientRef, "webhook_url": s.acct.WebhookUrl, "webhook_version": "v1",
	}) {
		t.Errorf("Messages body %s", sends[0].Body)
	}

	// Statuses: submitted changes nothing; delivered and read move the reply
	// forward; a delivered arriving after read does not move it back.
	s.status(t, out.UUID, "submitted", nil)
	if st := s.message(t, conv.Id, text.Id).Status; st != client.MessageStatusSent {
		t.Errorf("a submitted status moved the reply to %s", st)
	}
	s.status(t, out.UUID, "delivered", nil)
	nextMessageUpdate(t, events, text.Id, client.MessageStatusDelivered)
	s.status(t, out.UUID, "read", nil)
	nextMessageUpdate(t, events, text.Id, client.MessageStatusRead)
	s.status(t, out.UUID, "delivered", nil)
	if st := s.message(t, conv.Id, text.Id).Status; st != client.MessageStatusRead {
		t.Errorf("a late delivered moved a READ reply to %s", st)
	}

	t.Run("read covers earlier replies", func(t *testing.T) {
		first, _ := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("One more thing")})
		last, lastOut := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("and another")})
		s.status(t, lastOut.UUID, "read", nil)
		nextMessageUpdates(t, events, client.MessageStatusRead, first.Id, last.Id)
	})

	t.Run("late failures reach the agent", func(t *testing.T) {
		// Vonage accepts a reply, then reports WhatsApp refused it: the agent
		// sees FAILED and Vonage's reason.
		outsideWindow := nexmotest.Reply{Type: "https://developer.nexmo.com/api-errors/messages-olympus#1340",
			Title: "1340", Detail: "Outside the allowed window"}
		for _, tc := range []struct {
			status string
			why    *nexmotest.Reply
			reason string
		}{
			{"rejected", nil, "Vonage: rejected, 1300: Not part of the provider network"},
			{"undeliverable", &outsideWindow, "Vonage: undeliverable, 1340: Outside the allowed window"},
		} {
			sent, out := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Are you still there? " + tc.status)})
			s.status(t, out.UUID, tc.status, tc.why)
			m := nextMessageUpdate(t, events, sent.Id, client.MessageStatusFailed)
			if !strings.Contains(m.Error, tc.reason) {
				t.Errorf("%s: error shown to the agent %q, want %q", tc.status, m.Error, tc.reason)
			}
		}
	})
}

func TestNexmoInboundMediaIsFetched(t *testing.T) {
	s := newNexmoSetup(t)
	mediaURL := s.fake.AddMedia(fakeJPEG, "image/jpeg")
	if got := deliverWebhook(t, s.inbound(t, nexmotest.Inbound{From: nexmoCustomer, ProfileName: nexmoName,
		MediaURL: mediaURL, Caption: "the broken part"})); got != http.StatusOK {
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
	if att.Status != client.MediaStatusReady || att.Type != client.AttachmentTypeImage || deref(att.MimeType) != "image/jpeg" {
		t.Fatalf("attachment %+v (error %s)", att, deref(att.Error))
	}
	// Vonage's media URLs need no credentials, and the API key and secret
	// are never sent to a URL a webhook named.
	gets := nexmoRequests(s.fake, nexmotest.EndpointMedia, http.MethodGet)
	if len(gets) != 1 || gets[0].Authorization || gets[0].HTTPStatus != http.StatusOK {
		t.Fatalf("media requests %+v, want one without credentials", gets)
	}
	status, ct, b := s.download(t, s.adminToken, att.DownloadUrl)
	if status != http.StatusOK || ct != "image/jpeg" || !bytes.Equal(b, fakeJPEG) {
		t.Fatalf("download: %d %q %q", status, ct, b)
	}
	if status, _, _ := s.download(t, "", att.DownloadUrl); status != http.StatusUnauthorized {
		t.Errorf("anonymous download: %d", status)
	}

	t.Run("secure inbound media", func(t *testing.T) {
		// With Secure Inbound Media on, Vonage wants a JWT signed with the
		// application's private key, which this account has not set: the
		// attachment fails and says what to change.
		s.fake.SetSecureInboundMedia(true)
		u := s.fake.AddMedia(fakeJPEG, "image/jpeg")
		if got := deliverWebhook(t, s.inbound(t, nexmotest.Inbound{From: nexmoCustomer, ProfileName: nexmoName, MediaURL: u})); got != http.StatusOK {
			t.Fatalf("webhook: %d", got)
		}
		msgs := s.messages(t, s.admin, convID)
		att := s.waitAttachment(t, convID, msgs[len(msgs)-1].Id)
		if att.Status != client.MediaStatusFailed || !strings.Contains(deref(att.Error), "turn Secure Inbound Media off") {
			t.Errorf("attachment %+v (error %s), want FAILED saying to turn Secure Inbound Media off", att, deref(att.Error))
		}
	})
}

// TestNexmoJWTEndToEnd: an account with authentication JWT takes its
// application's private key through the API (line breaks and all, shown only
// as set), passes Test Connection, downloads Secure Inbound Media and sends
// replies with one cached JWT. When the application's keys are regenerated,
// Vonage refuses the JWT: the reply fails and the account's health turns
// failing, until the admin pastes the new private key.
func TestNexmoJWTEndToEnd(t *testing.T) {
	fake := newNexmoFake(t)
	fake.SetSecureInboundMedia(true)
	ts := nexmoServer(t, fake)
	ctx := context.Background()
	acct := createNexmoJWT(t, ts, fake, "vonage jwt", nexmotest.DefaultPrivateKey)
	if js := settingsJSON(t, acct); !strings.Contains(js, `"privateKey":{"isSet":true`) {
		t.Errorf("settings %s, want the private key shown as set", js)
	}
	secrets := append(pemLines(nexmotest.DefaultPrivateKey), fake.APISecret())
	mustNotContain(t, "the settings", settingsJSON(t, acct), secrets...)
	tc, err := client.TestConnection(ctx, ts.admin, acct.Id)
	if err != nil || !tc.TestConnection.Ok || !strings.Contains(tc.TestConnection.Message, "Secure Inbound Media is on: customers' media are downloaded with JWTs") {
		t.Fatalf("testConnection: %v %+v", err, tc)
	}
	if r, err := client.SetWebhook(ctx, ts.admin, acct.Id); err != nil || !r.SetWebhook.Ok {
		t.Fatalf("setWebhook: %v %+v", err, r)
	}
	s := &nexmoSetup{testServer: ts, fake: fake, acct: acct, hook: ts.local(t, acct.WebhookUrl),
		agent: ts.as(ts.userToken(t, "agent ann", client.UserRoleAgent))}
	events := s.subscribeInbox(t, s.agent)

	// A customer's photo, which only the application's JWT downloads.
	if got := deliverWebhook(t, s.inbound(t, nexmotest.Inbound{From: nexmoCustomer, ProfileName: nexmoName,
		MediaURL: fake.AddMedia(fakeJPEG, "image/jpeg"), Caption: "the broken part"})); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	conv := nextInbox(t, events, client.ConversationEventKindConversationCreated).Conversation.Id
	msgs := s.messages(t, s.admin, conv)
	if att := s.waitAttachment(t, conv, msgs[0].Id); att.Status != client.MediaStatusReady {
		t.Fatalf("attachment %+v (error %s)", att, deref(att.Error))
	}
	gets := nexmoRequests(fake, nexmotest.EndpointMedia, http.MethodGet)
	if len(gets) != 1 || gets[0].Token == "" || !gets[0].Authorized || gets[0].User != "" {
		t.Fatalf("media requests %+v, want one with the account's JWT", gets)
	}

	// Two replies go out with the same JWT, the one the download used.
	if _, err := client.TakeConversation(ctx, s.agent, conv); err != nil {
		t.Fatal(err)
	}
	s.reply(t, events, client.SendMessageInput{ConversationId: conv, Text: ptr("Thanks, we see it.")})
	s.reply(t, events, client.SendMessageInput{ConversationId: conv, Text: ptr("A new part is on its way.")})
	sends := nexmoRequests(fake, nexmotest.EndpointMessages, http.MethodPost)
	if len(sends) != 2 || sends[0].Token != gets[0].Token || sends[1].Token != gets[0].Token || sends[0].User != "" || !sends[1].Authorized {
		t.Fatalf("Messages calls %+v, want two with the download's JWT and no API key", sends)
	}

	// The application's keys are regenerated in the Dashboard.
	newPriv, newPub := nexmotest.GenerateKeyPair()
	fake.SetPublicKey(newPub)
	before := time.Now().Add(-time.Second)
	sent, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: conv, Text: ptr("Anything else?")})
	if err != nil {
		t.Fatal(err)
	}
	failed := nextMessageUpdate(t, events, sent.SendMessage.Id, client.MessageStatusFailed)
	if !strings.Contains(failed.Error, "Vonage refused the JWT") {
		t.Errorf("failure shown to the agent %q", failed.Error)
	}
	h := fetchAccount(t, ts, acct.Id).Health
	if !h.Failing || h.LastSendError == nil || !strings.Contains(*h.LastSendError, "privateKey") || h.LastSendErrorAt == nil || h.LastSendErrorAt.Before(before) {
		t.Fatalf("health after Vonage refused the JWT: %+v", h)
	}
	mustNotContain(t, "the failure", failed.Error+*h.LastSendError, append(secrets, sends[0].Token)...)

	// The admin pastes the new private key: the next reply goes out, signed
	// with it, and the account is healthy again.
	if _, err := client.UpdateIntegrationAccount(ctx, ts.admin, acct.Id, client.UpdateIntegrationAccountInput{
		Settings: &client.IntegrationSettingsInput{WhatsappNexmo: &client.WhatsappNexmoSettingsInput{PrivateKey: ptr(newPriv)}}}); err != nil {
		t.Fatal(err)
	}
	s.reply(t, events, client.SendMessageInput{ConversationId: conv, Text: ptr("Anything else?")})
	sends = nexmoRequests(fake, nexmotest.EndpointMessages, http.MethodPost)
	if last := sends[len(sends)-1]; !last.Authorized || last.Token == gets[0].Token {
		t.Errorf("the reply after the new key: %+v", last)
	}
	if h := fetchAccount(t, ts, acct.Id).Health; h.Failing {
		t.Errorf("health after an accepted reply: %+v", h)
	}
}
