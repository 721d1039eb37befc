package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/infobip/infobiptest"
	"github.com/switchboard/switchboard/server"
)

const (
	// infobipWrongKey has the shape of an Infobip API key, but not the
	// account's.
	infobipWrongKey = "0a1b2c3d4e5f60718293a4b5c6d7e8f9-1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809"
	// infobipCustomer is the customer of the Infobip tests, digits as
	// Infobip writes them, and infobipName their WhatsApp profile name.
	infobipCustomer = "385919998888"
	infobipName     = "Ana Kovač"
)

// infobipServer is a test server, and the fake's webhooks (inbound messages,
// reports) for its public URL reach it at its local address.
func infobipServer(t *testing.T, fake *infobiptest.Server) *testServer {
	t.Helper()
	ts := newTestServer(t, func(c *server.Config) { c.RetryBase = 10 * time.Millisecond })
	fake.ForwardWebhooks(ts.cfg.PublicURL, ts.http.URL)
	return ts
}

func newInfobipFake(t *testing.T) *infobiptest.Server {
	t.Helper()
	fake := infobiptest.NewServer("")
	t.Cleanup(fake.Close)
	return fake
}

// createInfobip adds a WhatsApp-via-Infobip account on the fake's sender
// through the API, whose apiUrl is the fake.
func createInfobip(t *testing.T, ts *testServer, fake *infobiptest.Server, name, key string) client.AccountFields {
	t.Helper()
	a, err := client.CreateIntegrationAccount(context.Background(), ts.admin, client.CreateIntegrationAccountInput{
		Name: name, Settings: client.IntegrationSettingsInput{WhatsappInfobip: &client.WhatsappInfobipSettingsInput{
			ApiUrl: ptr(fake.URL), ApiKey: ptr(key), WhatsappNumber: ptr("+" + infobiptest.DefaultSender),
		}}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if a.CreateIntegrationAccount.Type != client.IntegrationAccountTypeWhatsapp {
		t.Fatalf("created a %s account", a.CreateIntegrationAccount.Type)
	}
	return a.CreateIntegrationAccount.AccountFields
}

// infobipRequests returns the calls the fake received on endpoint, in order.
func infobipRequests(fake *infobiptest.Server, endpoint string) []infobiptest.Request {
	var out []infobiptest.Request
	for _, r := range fake.Requests() {
		if r.Endpoint == endpoint {
			out = append(out, r)
		}
	}
	return out
}

func TestInfobipConnectionAndWebhook(t *testing.T) {
	fake := newInfobipFake(t)
	ts := infobipServer(t, fake)
	ctx := context.Background()
	good := createInfobip(t, ts, fake, "infobip support", fake.APIKey())

	t.Run("test connection", func(t *testing.T) {
		cases := []struct {
			name        string
			key         string
			wantOK      bool
			wantMessage []string
			wantDetails map[string]string
		}{
			{
				name: "API key Infobip accepts", key: fake.APIKey(), wantOK: true,
				wantMessage: []string{"it accepts the API key", "The account balance is 47.79134 EUR", "WhatsApp sender +" + infobiptest.DefaultSender,
					`Customers see it as "` + infobiptest.DefaultDisplayName + `"`},
				wantDetails: map[string]string{"apiUrl": fake.URL, "whatsappNumber": "+" + infobiptest.DefaultSender, "balance": "47.79134", "currency": "EUR",
					"sender": "a WhatsApp sender of this account", "displayName": infobiptest.DefaultDisplayName},
			},
			{
				name: "API key Infobip refuses", key: infobipWrongKey, wantOK: false,
				wantMessage: []string{"Infobip does not accept this API key", "Invalid login details"},
				wantDetails: map[string]string{"httpStatus": "401", "code": "UNAUTHORIZED"},
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := good
				if tc.key != fake.APIKey() {
					a = createInfobip(t, ts, fake, tc.name, tc.key)
				}
				before := len(infobipRequests(fake, infobiptest.EndpointBalance))
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
				calls := infobipRequests(fake, infobiptest.EndpointBalance)
				if len(calls) != before+1 || calls[len(calls)-1].Scheme != "App" || calls[len(calls)-1].Authorized != tc.wantOK {
					t.Errorf("balance calls %+v, want one more with the account's key", calls[before:])
				}

				got := fetchAccount(t, ts, a.Id)
				last := got.LastTest
				if last == nil || last.Ok != res.Ok || last.Message != res.Message || !last.At.Equal(res.At) {
					t.Fatalf("lastTest = %+v, want the result %+v", last, res)
				}
				if d := resultDetails(last.ResultFields); d["balance"] != details["balance"] || d["code"] != details["code"] || len(d) != len(details) {
					t.Errorf("lastTest details = %v, want %v", d, details)
				}
				if verified := got.VerifiedAt != nil; verified != res.Ok || verified && !got.VerifiedAt.Equal(res.At) {
					t.Errorf("verifiedAt = %v after a check with ok %v at %v", got.VerifiedAt, res.Ok, res.At)
				}
				js, _ := json.Marshal(resp)
				mustNotContain(t, "the result", string(js)+settingsJSON(t, got.AccountFields), fake.APIKey(), infobipWrongKey)
			})
		}
	})

	want := "https://switchboard.example.com/webhooks/" + good.AccountId
	setWebhook := func(t *testing.T) infobiptest.Subscription {
		t.Helper()
		resp, err := client.SetWebhook(ctx, ts.admin, good.Id)
		if err != nil {
			t.Fatal(err)
		}
		res := resp.SetWebhook.ResultFields
		if !res.Ok || !strings.Contains(res.Message, want+"?token=") || !strings.Contains(res.Message, "HTTP Basic authentication") {
			t.Fatalf("setWebhook = %+v, want a subscription posting to %s with Basic authentication", res, want)
		}
		subs := fake.Subscriptions()
		if len(subs) != 1 {
			t.Fatalf("subscriptions %+v, want one", subs)
		}
		sub := subs[0]
		d := resultDetails(res)
		// Infobip is given the webhook URL with the account's token.
		if !strings.HasPrefix(d["webhookUrl"], want+"?token=") || d["webhookUrl"] != sub.NotifyURL || fetchAccount(t, ts, good.Id).WebhookUrl != sub.NotifyURL || d["subscriptionId"] != sub.ID || d["events"] != "INBOUND_MESSAGE,DELIVERY,SEEN" ||
			d["authentication"] != "HTTP Basic, user switchboard" {
			t.Errorf("details = %v, want the subscription to %s (the account's webhookUrl %s)", d, want, good.WebhookUrl)
		}
		js, _ := json.Marshal(resp)
		mustNotContain(t, "the result", string(js)+settingsJSON(t, fetchAccount(t, ts, good.Id).AccountFields), fake.APIKey(), sub.Password)
		return sub
	}

	t.Run("set webhook", func(t *testing.T) {
		sub := setWebhook(t)
		if sub.Channel != "WHATSAPP" || strings.Join(sub.Events, ",") != "INBOUND_MESSAGE,DELIVERY,SEEN" ||
			len(sub.Resources) != 1 || sub.Resources[0] != infobiptest.DefaultSender || !strings.HasPrefix(sub.NotifyURL, want+"?token=") || sub.ContentType != "application/json" {
			t.Errorf("subscription %+v, want the sender's messages and reports posted as JSON to %s", sub, want)
		}
		// Infobip sends every webhook of the subscription with Basic
		// credentials that only Switchboard and Infobip know: derived from
		// the API key, never the key itself.
		if sub.AuthType != "BASIC" || sub.Username != "switchboard" || len(sub.Password) < 32 || strings.Contains(sub.Password, fake.APIKey()) {
			t.Errorf("subscription security %s %q, want BASIC as switchboard with a derived password", sub.AuthType, sub.Username)
		}
		for _, r := range infobipRequests(fake, infobiptest.EndpointSubscription) {
			if r.Scheme != "App" || !r.Authorized {
				t.Errorf("subscription call %s %s without the account's key", r.Method, r.Path)
			}
		}

		// Running it again replaces the subscription, with the same
		// credentials while the key is the same.
		again := setWebhook(t)
		if again.ID != sub.ID || again.Password != sub.Password {
			t.Errorf("the second Set Webhook made %+v, want %+v again", again, sub)
		}
	})

	t.Run("set webhook with a refused key", func(t *testing.T) {
		a := createInfobip(t, ts, fake, "refused for webhook", infobipWrongKey)
		resp, err := client.SetWebhook(ctx, ts.admin, a.Id)
		if err != nil {
			t.Fatal(err)
		}
		if res := resp.SetWebhook.ResultFields; res.Ok || !strings.Contains(res.Message, "Infobip does not accept this API key") {
			t.Errorf("setWebhook = %+v, want a refusal explaining the key", res)
		}
	})
}

// infobipSetup is a server with an Infobip account that passed Test
// Connection and has its subscription set, and an agent.
type infobipSetup struct {
	*testServer
	fake  *infobiptest.Server
	acct  client.AccountFields
	sub   infobiptest.Subscription
	agent *client.Client
}

func newInfobipSetup(t *testing.T) *infobipSetup {
	t.Helper()
	fake := newInfobipFake(t)
	ts := infobipServer(t, fake)
	ctx := context.Background()
	acct := createInfobip(t, ts, fake, "infobip support", fake.APIKey())
	if r, err := client.TestConnection(ctx, ts.admin, acct.Id); err != nil || !r.TestConnection.Ok {
		t.Fatalf("testConnection: %v %+v", err, r)
	}
	if r, err := client.SetWebhook(ctx, ts.admin, acct.Id); err != nil || !r.SetWebhook.Ok {
		t.Fatalf("setWebhook: %v %+v", err, r)
	}
	subs := fake.Subscriptions()
	if len(subs) != 1 {
		t.Fatalf("subscriptions %+v", subs)
	}
	return &infobipSetup{testServer: ts, fake: fake, acct: acct, sub: subs[0], agent: ts.as(ts.userToken(t, "agent ann", client.UserRoleAgent))}
}

// inbound is the webhook Infobip posts for m through the subscription (to
// its URL with the account's token), with its Basic credentials.
func (s *infobipSetup) inbound(t *testing.T, m infobiptest.Inbound) *http.Request {
	t.Helper()
	req, err := s.fake.Inbound(context.Background(), s.sub.NotifyURL, m)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// report delivers a delivery or seen report built by the fake and fails
// unless it is taken.
func (s *infobipSetup) report(t *testing.T, req *http.Request, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	// Reports go to each message's notifyUrl, which carries no credentials:
	// only the token in the URL.
	if req.Header.Get("Authorization") != "" {
		t.Errorf("a notifyUrl report carries Authorization")
	}
	if got := deliverWebhook(t, req); got != http.StatusOK {
		t.Fatalf("report: %d", got)
	}
}

func (s *infobipSetup) delivered(t *testing.T, id, group string) {
	t.Helper()
	req, err := s.fake.DeliveryReport(context.Background(), id, group)
	s.report(t, req, err)
}

func (s *infobipSetup) seen(t *testing.T, id string) {
	t.Helper()
	req, err := s.fake.SeenReport(context.Background(), id)
	s.report(t, req, err)
}

// reply sends an agent's reply and waits until Infobip accepted it as one
// text message.
func (s *infobipSetup) reply(t *testing.T, events <-chan client.InboxEventsWsResponse, in client.SendMessageInput) (client.MessageFields, infobiptest.Message) {
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
		t.Fatalf("Infobip accepted %d messages for one reply, want 1: %+v", len(out), out)
	}
	o := out[0]
	if m.ProviderMessageID == nil || *m.ProviderMessageID != o.MessageID {
		t.Fatalf("providerMessageID = %v, want the messageId %s", deref(m.ProviderMessageID), o.MessageID)
	}
	// Reports come back to the account's webhook URL, with its token.
	if o.Kind != infobiptest.EndpointText || o.From != infobiptest.DefaultSender || o.To != infobipCustomer || o.NotifyURL != s.sub.NotifyURL || o.Status != "PENDING" {
		t.Errorf("Infobip accepted %+v, want a text from the sender to %s with the notifyUrl %s", o, infobipCustomer, s.sub.NotifyURL)
	}
	return m, o
}

func TestInfobipMessagePathEndToEnd(t *testing.T) {
	s := newInfobipSetup(t)
	ctx := context.Background()
	events := s.subscribeInbox(t, s.agent)
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	const helloID = "ABEGOFl3VCQoAhBalbc6rTQT5ncdgMK2AWh6"
	hello := infobiptest.Inbound{MessageID: helloID, From: infobipCustomer, ReceivedAt: at, ContactName: infobipName,
		Message: infobiptest.Text("Dobar dan! Where is my parcel?")}

	// Infobip signs nothing; the subscription's Basic credentials or the
	// token in the URL are checked, and a request with neither, or with any
	// other Authorization, is refused.
	body := infobiptest.InboundBody(hello)
	// The account's webhookUrl, which an admin pastes, is the tokened one.
	if s.acct.WebhookUrl != s.sub.NotifyURL {
		t.Fatalf("the account's webhookUrl %s, want the URL Infobip is given, %s", s.acct.WebhookUrl, s.sub.NotifyURL)
	}
	local, _, _ := strings.Cut(s.local(t, s.acct.WebhookUrl), "?")
	tokened := s.local(t, s.sub.NotifyURL)
	token := strings.TrimPrefix(tokened, local+"?token=")
	at2 := func(target string, auth ...string) *http.Request {
		t.Helper()
		req, err := infobiptest.NewWebhookRequest(ctx, target, body, "", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range auth {
			req.Header.Add("Authorization", a)
		}
		return req
	}
	with := func(auth ...string) *http.Request { t.Helper(); return at2(local, auth...) }
	wrongPassword, err := infobiptest.NewWebhookRequest(ctx, local, body, s.sub.Username, "not-the-password")
	if err != nil {
		t.Fatal(err)
	}
	good := s.inbound(t, hello)
	for name, req := range map[string]*http.Request{
		"no credentials":               with(),
		"a wrong token":                at2(local + "?token=" + strings.Repeat("A", len(token))),
		"the token twice":              at2(tokened + "&token=" + token),
		"the token with wrong Basic":   at2(tokened, "Basic "+base64.StdEncoding.EncodeToString([]byte("switchboard:guess"))),
		"Basic with a wrong password":  wrongPassword,
		"the API key as Authorization": with("App " + s.fake.APIKey()),
		"a bearer token":               with("Bearer " + s.sub.Password),
		"the right credentials, twice": with(good.Header.Get("Authorization"), good.Header.Get("Authorization")),
	} {
		if got := deliverWebhook(t, req); got != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, got)
		}
	}
	s.nothingStored(t, "unauthentic webhooks")

	// The customer writes; the webhook comes through the subscription with
	// its credentials. The agent sees it live, named as their WhatsApp
	// profile.
	if user, pass, ok := good.BasicAuth(); !ok || user != s.sub.Username || pass != s.sub.Password {
		t.Fatalf("the subscription's webhook carries Authorization %q, want its Basic credentials", good.Header.Get("Authorization"))
	}
	if got := deliverWebhook(t, good); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	created := nextInbox(t, events, client.ConversationEventKindConversationCreated)
	msg := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message
	if msg == nil || msg.Text != "Dobar dan! Where is my parcel?" || msg.Direction != client.MessageDirectionInbound ||
		deref(msg.ProviderMessageID) != helloID || msg.ProviderTime == nil || !msg.ProviderTime.Equal(at) {
		t.Fatalf("message event: %+v", msg)
	}
	conv := created.Conversation
	if conv.Contact.ProviderUserID != infobipCustomer || conv.Contact.DisplayName != infobipName ||
		conv.IntegrationAccount.Type != client.IntegrationAccountTypeWhatsapp {
		t.Fatalf("conversation: %+v", conv)
	}

	// Infobip retries a webhook that failed: concurrent copies are stored
	// once.
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := s.fake.Inbound(ctx, s.sub.NotifyURL, hello)
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
	// A webhook without Authorization is taken by the token in its URL:
	// that is how a number's inbound configuration pasted by hand in the
	// portal posts (and every notifyUrl report).
	second := infobiptest.InboundBody(infobiptest.Inbound{MessageID: "ABEGOFl3VCQoAhBalbc6rTQT5ncdgMK2AWh7", From: infobipCustomer,
		To: infobiptest.DefaultSender, ReceivedAt: at.Add(time.Second), ContactName: infobipName, Message: infobiptest.Text("second")})
	plain, err := infobiptest.NewWebhookRequest(ctx, tokened, second, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := deliverWebhook(t, plain); got != http.StatusOK {
		t.Fatalf("webhook without Authorization, with the token: %d, want 200", got)
	}
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
	text, out := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("It is at the depot."), ClientMessageId: ptr("ib-1")})
	if out.Text != "It is at the depot." {
		t.Errorf("Infobip received %q", out.Text)
	}
	sends := infobipRequests(s.fake, infobiptest.EndpointText)
	if len(sends) != 1 || sends[0].Method != http.MethodPost || sends[0].Scheme != "App" || !sends[0].Authorized ||
		!strings.HasPrefix(sends[0].ContentType, "application/json") || sends[0].HTTPStatus != http.StatusOK {
		t.Fatalf("text calls %+v, want one authorized JSON POST answered 200", sends)
	}
	var sentBody map[string]any
	if err := json.Unmarshal(sends[0].Body, &sentBody); err != nil || !jsonEqual(sentBody, map[string]any{
		"from": infobiptest.DefaultSender, "to": infobipCustomer, "messageId": out.MessageID,
		"content": map[string]any{"text": "It is at the depot."}, "notifyUrl": s.sub.NotifyURL,
	}) {
		t.Errorf("text body %s", sends[0].Body)
	}

	// Reports: delivered, then seen; a delivery report arriving after the
	// seen one does not move the reply back.
	s.delivered(t, out.MessageID, "DELIVERED")
	nextMessageUpdate(t, events, text.Id, client.MessageStatusDelivered)
	s.seen(t, out.MessageID)
	nextMessageUpdate(t, events, text.Id, client.MessageStatusRead)
	s.delivered(t, out.MessageID, "DELIVERED")
	if st := s.message(t, conv.Id, text.Id).Status; st != client.MessageStatusRead {
		t.Errorf("a late delivery report moved a READ reply to %s", st)
	}
	// A pending report changes nothing.
	pending, _ := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Anything else?")})
	s.delivered(t, deref(pending.ProviderMessageID), "PENDING")
	if st := s.message(t, conv.Id, pending.Id).Status; st != client.MessageStatusSent {
		t.Errorf("a PENDING report moved the reply to %s", st)
	}

	t.Run("seen covers earlier replies", func(t *testing.T) {
		first, _ := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("One more thing")})
		last, lastOut := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("and another")})
		s.seen(t, lastOut.MessageID)
		nextMessageUpdates(t, events, client.MessageStatusRead, pending.Id, first.Id, last.Id)
	})

	t.Run("late failures reach the agent", func(t *testing.T) {
		// Infobip accepts a reply, then reports it could not be delivered:
		// the agent sees FAILED and Infobip's reason.
		for _, tc := range []struct{ group, reason string }{
			{"UNDELIVERABLE", "Infobip: undeliverable: Message sent not delivered"},
			{"EXPIRED", "Infobip: expired: Message expired"},
			{"REJECTED", "Infobip: rejected: Invalid Source address"},
		} {
			sent, out := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Are you still there? " + tc.group)})
			s.delivered(t, out.MessageID, tc.group)
			m := nextMessageUpdate(t, events, sent.Id, client.MessageStatusFailed)
			if !strings.Contains(m.Error, tc.reason) {
				t.Errorf("%s: error shown to the agent %q, want %q", tc.group, m.Error, tc.reason)
			}
		}
	})
}

func TestInfobipInboundMediaIsFetched(t *testing.T) {
	s := newInfobipSetup(t)
	mediaURL := s.fake.AddMedia("", fakeJPEG, "image/jpeg", "part.jpg")
	req := s.inbound(t, infobiptest.Inbound{From: infobipCustomer, ContactName: infobipName,
		Message: infobiptest.Media("IMAGE", mediaURL, "the broken part")})
	if got := deliverWebhook(t, req); got != http.StatusOK {
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
	// Infobip hands inbound media out only for the API key.
	gets := infobipRequests(s.fake, infobiptest.EndpointMedia)
	if len(gets) != 1 || gets[0].Scheme != "App" || !gets[0].Authorized || gets[0].HTTPStatus != http.StatusOK {
		t.Fatalf("media requests %+v, want one with the account's key", gets)
	}
	status, ct, b := s.download(t, s.adminToken, att.DownloadUrl)
	if status != http.StatusOK || ct != "image/jpeg" || !bytes.Equal(b, fakeJPEG) {
		t.Fatalf("download: %d %q %q", status, ct, b)
	}
	if status, _, _ := s.download(t, "", att.DownloadUrl); status != http.StatusUnauthorized {
		t.Errorf("anonymous download: %d", status)
	}
}
