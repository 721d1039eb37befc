package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/twilio/twiliotest"
	"github.com/switchboard/switchboard/server"
)

const (
	// twilioWrongToken is an Auth Token, but not the account's.
	twilioWrongToken = "0d9c8b7a6f5e4d3c2b1a09f8e7d6c5b4"
	// twilioCustomer is the customer of the Twilio tests (E.164) and
	// twilioName their WhatsApp profile name.
	twilioCustomer = "+5511987654321"
	twilioName     = "Maria Silva"
)

// twilioServer is a test server, and fake's webhooks (inbound messages, status
// callbacks) reach it: signed over the server's public URL, as Twilio signs
// the URL configured in its Console, and sent to the local address.
func twilioServer(t *testing.T, fake *twiliotest.Server) *testServer {
	t.Helper()
	ts := newTestServer(t, func(c *server.Config) { c.RetryBase = 10 * time.Millisecond })
	fake.ForwardWebhooks(ts.cfg.PublicURL, ts.http.URL)
	return ts
}

func newTwilioFake(t *testing.T) *twiliotest.Server {
	t.Helper()
	fake := twiliotest.NewServer("", "")
	t.Cleanup(fake.Close)
	return fake
}

// createTwilio adds a WhatsApp-via-Twilio account on the Sandbox number
// through the API, whose apiUrl is the fake.
func createTwilio(t *testing.T, ts *testServer, fake *twiliotest.Server, name, authToken string) client.AccountFields {
	t.Helper()
	a, err := client.CreateIntegrationAccount(context.Background(), ts.admin, client.CreateIntegrationAccountInput{
		Name: name, Settings: client.IntegrationSettingsInput{WhatsappTwilio: &client.WhatsappTwilioSettingsInput{
			ApiUrl: ptr(fake.URL), AccountSid: ptr(fake.AccountSID()), AuthToken: ptr(authToken),
			WhatsappNumber: ptr(twiliotest.SandboxNumber),
		}}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if a.CreateIntegrationAccount.Type != client.IntegrationAccountTypeWhatsapp {
		t.Fatalf("created a %s account", a.CreateIntegrationAccount.Type)
	}
	return a.CreateIntegrationAccount.AccountFields
}

// twilioRequests returns the calls the fake received on endpoint, in order.
func twilioRequests(fake *twiliotest.Server, endpoint string) []twiliotest.Request {
	var out []twiliotest.Request
	for _, r := range fake.Requests() {
		if r.Endpoint == endpoint {
			out = append(out, r)
		}
	}
	return out
}

func TestTwilioConnectionAndWebhook(t *testing.T) {
	fake := newTwilioFake(t)
	ts := twilioServer(t, fake)
	ctx := context.Background()
	good := createTwilio(t, ts, fake, "twilio support", fake.AuthToken())

	t.Run("test connection", func(t *testing.T) {
		cases := []struct {
			name        string
			token       string
			wantOK      bool
			wantMessage []string
			wantDetails map[string]string
		}{
			{
				name: "credentials Twilio accepts", token: fake.AuthToken(), wantOK: true,
				wantMessage: []string{`Connected to the Twilio account "My first Twilio account" (` + fake.AccountSID() + ")",
					"whatsapp:" + twiliotest.SandboxNumber},
				wantDetails: map[string]string{"accountSid": fake.AccountSID(), "friendlyName": "My first Twilio account",
					"status": "active", "type": "Full", "whatsappNumber": "whatsapp:" + twiliotest.SandboxNumber},
			},
			{
				name: "credentials Twilio refuses", token: twilioWrongToken, wantOK: false,
				wantMessage: []string{"Twilio does not accept this Account SID and Auth Token (error 20003)"},
				wantDetails: map[string]string{"httpStatus": "401", "code": "20003"},
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := good
				if tc.token != fake.AuthToken() {
					a = createTwilio(t, ts, fake, tc.name, tc.token)
				}
				before := len(twilioRequests(fake, twiliotest.EndpointAccount))
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
				calls := twilioRequests(fake, twiliotest.EndpointAccount)
				if len(calls) != before+1 || calls[len(calls)-1].User != fake.AccountSID() || calls[len(calls)-1].Authorized != tc.wantOK {
					t.Errorf("Account calls %+v, want one more with the account's SID", calls[before:])
				}

				got := fetchAccount(t, ts, a.Id)
				last := got.LastTest
				if last == nil || last.Ok != res.Ok || last.Message != res.Message || !last.At.Equal(res.At) {
					t.Fatalf("lastTest = %+v, want the result %+v", last, res)
				}
				if d := resultDetails(last.ResultFields); d["accountSid"] != details["accountSid"] || d["code"] != details["code"] || len(d) != len(details) {
					t.Errorf("lastTest details = %v, want %v", d, details)
				}
				if verified := got.VerifiedAt != nil; verified != res.Ok || verified && !got.VerifiedAt.Equal(res.At) {
					t.Errorf("verifiedAt = %v after a check with ok %v at %v", got.VerifiedAt, res.Ok, res.At)
				}
				js, _ := json.Marshal(resp)
				mustNotContain(t, "the result", string(js)+settingsJSON(t, got.AccountFields), fake.AuthToken(), twilioWrongToken)
			})
		}
	})

	t.Run("test connection finds the number", func(t *testing.T) {
		// A WhatsApp sender on a number of the account: Test Connection
		// looks it up and reports the number as Twilio names it.
		const own = "+14155550100"
		fake.AddPhoneNumber(own, "(415) 555-0100")
		a, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{
			Name: "own number", Settings: client.IntegrationSettingsInput{WhatsappTwilio: &client.WhatsappTwilioSettingsInput{
				ApiUrl: ptr(fake.URL), AccountSid: ptr(fake.AccountSID()), AuthToken: ptr(fake.AuthToken()), WhatsappNumber: ptr(own),
			}}})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.TestConnection(ctx, ts.admin, a.CreateIntegrationAccount.Id)
		if err != nil {
			t.Fatal(err)
		}
		res := resp.TestConnection.ResultFields
		d := resultDetails(res)
		if !res.Ok || d["numberCheck"] != "a phone number of this account" || d["numberFriendlyName"] != "(415) 555-0100" ||
			!strings.Contains(res.Message, own+` is a phone number of this account`) {
			t.Errorf("testConnection = %+v (details %v), want the number found", res, d)
		}
		lookups := twilioRequests(fake, twiliotest.EndpointPhoneNumbers)
		if n := len(lookups); n == 0 || lookups[n-1].Form.Get("PhoneNumber") != own || !lookups[n-1].Authorized {
			t.Errorf("IncomingPhoneNumbers calls %+v, want one for %s with the account's credentials", lookups, own)
		}
		if js := settingsJSON(t, fetchAccount(t, ts, a.CreateIntegrationAccount.Id).AccountFields); !strings.Contains(js, own) {
			t.Errorf("settings %s lack the number", js)
		}
	})

	t.Run("set webhook", func(t *testing.T) {
		// Twilio has no API for a WhatsApp sender's webhook: the result is
		// not OK, by design, and says where to paste the URL.
		before := len(fake.Requests())
		resp, err := client.SetWebhook(ctx, ts.admin, good.Id)
		if err != nil {
			t.Fatal(err)
		}
		res := resp.SetWebhook.ResultFields
		want := "https://switchboard.example.com/webhooks/" + good.AccountId
		if res.Ok || !strings.Contains(res.Message, want) || !strings.Contains(res.Message, "WhatsApp Sandbox") || !strings.Contains(res.Message, "POST") {
			t.Fatalf("setWebhook = %+v, want instructions to paste %s in the Sandbox settings", res, want)
		}
		if d := resultDetails(res); d["webhookUrl"] != want || d["webhookMethod"] != "POST" || good.WebhookUrl != want {
			t.Errorf("details = %v, want webhookUrl %s (the account's webhookUrl %s)", d, want, good.WebhookUrl)
		}
		if n := len(fake.Requests()) - before; n != 0 {
			t.Errorf("Set Webhook called Twilio %d times", n)
		}
		mustNotContain(t, "the result", res.Message, fake.AuthToken())
	})
}

// twilioSetup is a server with a Twilio account that passed Test Connection,
// and an agent.
type twilioSetup struct {
	*testServer
	fake  *twiliotest.Server
	acct  client.AccountFields
	agent *client.Client
}

func newTwilioSetup(t *testing.T) *twilioSetup {
	t.Helper()
	fake := newTwilioFake(t)
	ts := twilioServer(t, fake)
	acct := createTwilio(t, ts, fake, "twilio support", fake.AuthToken())
	if r, err := client.TestConnection(context.Background(), ts.admin, acct.Id); err != nil || !r.TestConnection.Ok {
		t.Fatalf("testConnection: %v %+v", err, r)
	}
	return &twilioSetup{testServer: ts, fake: fake, acct: acct, agent: ts.as(ts.userToken(t, "agent ann", client.UserRoleAgent))}
}

// inbound is the webhook Twilio posts for m to the account's webhook URL.
func (s *twilioSetup) inbound(t *testing.T, m twiliotest.Inbound) *http.Request {
	t.Helper()
	req, err := s.fake.Inbound(context.Background(), s.acct.WebhookUrl, m)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// status delivers the status callback Twilio posts when the sent message sid
// reaches status, and fails unless it is taken.
func (s *twilioSetup) status(t *testing.T, sid, status string) {
	t.Helper()
	req, err := s.fake.StatusCallback(context.Background(), sid, status)
	if err != nil {
		t.Fatal(err)
	}
	if got := deliverWebhook(t, req); got != http.StatusOK {
		t.Fatalf("%s status callback: %d", status, got)
	}
}

// reply sends an agent's reply and waits until Twilio accepted it as parts
// messages.
func (s *twilioSetup) reply(t *testing.T, events <-chan client.InboxEventsWsResponse, parts int, in client.SendMessageInput) (client.MessageFields, []twiliotest.Message) {
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
		t.Fatalf("Twilio accepted %d messages for one reply, want %d: %+v", len(out), parts, out)
	}
	if m.ProviderMessageID == nil || *m.ProviderMessageID != out[0].SID {
		t.Fatalf("providerMessageID = %v, want the first message SID %s", deref(m.ProviderMessageID), out[0].SID)
	}
	for _, o := range out {
		// Status callbacks come back to the account's webhook URL.
		if o.From != "whatsapp:"+twiliotest.SandboxNumber || o.To != "whatsapp:"+twilioCustomer || o.StatusCallback != s.acct.WebhookUrl {
			t.Errorf("Twilio accepted %+v, want a WhatsApp message from the sender to %s with the status callback %s", o, twilioCustomer, s.acct.WebhookUrl)
		}
	}
	return m, out
}

func TestTwilioMessagePathEndToEnd(t *testing.T) {
	s := newTwilioSetup(t)
	ctx := context.Background()
	events := s.subscribeInbox(t, s.agent)
	helloSID := twiliotest.NewSID("SM", 1001)
	hello := twiliotest.Inbound{AccountSID: s.fake.AccountSID(), MessageSID: helloSID, From: twilioCustomer,
		To: twiliotest.SandboxNumber, Body: "Oi! Where is my parcel?", ProfileName: twilioName}

	// Only webhooks signed with the Auth Token over the public URL, the one
	// pasted in the Twilio Console, are taken.
	local := s.local(t, s.acct.WebhookUrl)
	via := func(signedURL, token string, form url.Values) *http.Request {
		t.Helper()
		req, err := twiliotest.NewWebhookRequestVia(ctx, local, signedURL, token, form)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	unsigned := s.inbound(t, hello)
	unsigned.Header.Del(twiliotest.SignatureHeader)
	altered := s.inbound(t, hello)
	changedForm := hello.Form()
	changedForm.Set("Body", "Send the parcel to my new address")
	changed := []byte(changedForm.Encode())
	altered.Body, altered.ContentLength = io.NopCloser(bytes.NewReader(changed)), int64(len(changed))
	for name, req := range map[string]*http.Request{
		"signed with another Auth Token": via(s.acct.WebhookUrl, twilioWrongToken, hello.Form()),
		"signed over the local URL":      via(local, s.fake.AuthToken(), hello.Form()),
		"unsigned":                       unsigned,
		"body changed after signing":     altered,
	} {
		if got := deliverWebhook(t, req); got != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, got)
		}
	}
	s.nothingStored(t, "unauthentic webhooks")

	// The customer writes; the agent sees it live, named as their WhatsApp
	// profile. Twilio gets empty TwiML back.
	before := time.Now()
	status, ct, body := webhookAnswer(t, s.inbound(t, hello))
	if status != http.StatusOK || !strings.HasPrefix(ct, "text/xml") || !strings.Contains(body, "<Response/>") {
		t.Fatalf("webhook answered %d %q %q, want empty TwiML", status, ct, body)
	}
	created := nextInbox(t, events, client.ConversationEventKindConversationCreated)
	msg := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message
	// Twilio's webhooks carry no time: the message has the time it arrived.
	if msg == nil || msg.Text != "Oi! Where is my parcel?" || msg.Direction != client.MessageDirectionInbound ||
		deref(msg.ProviderMessageID) != helloSID || msg.ProviderTime == nil || msg.ProviderTime.Before(before.Truncate(time.Millisecond)) ||
		msg.ProviderTime.After(time.Now()) {
		t.Fatalf("message event: %+v", msg)
	}
	conv := created.Conversation
	if conv.Contact.ProviderUserID != twilioCustomer || conv.Contact.DisplayName != twilioName ||
		conv.IntegrationAccount.Type != client.IntegrationAccountTypeWhatsapp {
		t.Fatalf("conversation: %+v", conv)
	}

	// Twilio retries a webhook that failed: concurrent copies are stored
	// once. The next message event is the next message, not a copy.
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := s.fake.Inbound(ctx, s.acct.WebhookUrl, hello)
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
	deliverWebhook(t, s.inbound(t, twiliotest.Inbound{From: twilioCustomer, Body: "second", ProfileName: twilioName}))
	if next := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message; next.Text != "second" {
		t.Fatalf("after redeliveries the next message event is %q, want \"second\"", next.Text)
	}
	if n := len(s.messages(t, s.admin, conv.Id)); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}

	// The agent takes the conversation and replies: text, then text with a
	// picture by URL, which WhatsApp takes as two messages.
	if _, err := client.TakeConversation(ctx, s.agent, conv.Id); err != nil {
		t.Fatal(err)
	}
	text, textOut := s.reply(t, events, 1, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("It is at the depot."), ClientMessageId: ptr("tw-1")})
	if o := textOut[0]; o.Body != "It is at the depot." || len(o.MediaURLs) != 0 {
		t.Errorf("Twilio received %+v, want the text", o)
	}
	const photoURL = "https://cdn.example.com/receipts/42.jpg"
	photo, photoOut := s.reply(t, events, 2, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Here is your receipt"),
		Attachments: []client.AttachmentInput{{Type: client.AttachmentTypeImage, Url: photoURL}}})
	if photoOut[0].Body != "Here is your receipt" || len(photoOut[0].MediaURLs) != 0 ||
		photoOut[1].Body != "" || len(photoOut[1].MediaURLs) != 1 || photoOut[1].MediaURLs[0] != photoURL {
		t.Errorf("Twilio received %+v, want the text, then the picture %s", photoOut, photoURL)
	}
	for _, r := range twilioRequests(s.fake, twiliotest.EndpointMessages) {
		if r.User != s.fake.AccountSID() || !r.Authorized || r.Method != http.MethodPost ||
			!strings.HasPrefix(r.ContentType, "application/x-www-form-urlencoded") || r.HTTPStatus != http.StatusCreated {
			t.Errorf("Messages call %+v, want an authorized form POST answered 201", r)
		}
	}

	// Status callbacks: delivered and read move each reply forward; sent
	// changes nothing.
	s.status(t, textOut[0].SID, "sent")
	if st := s.message(t, conv.Id, text.Id).Status; st != client.MessageStatusSent {
		t.Errorf("a sent callback moved the reply to %s", st)
	}
	s.status(t, textOut[0].SID, "delivered")
	nextMessageUpdate(t, events, text.Id, client.MessageStatusDelivered)
	s.status(t, textOut[0].SID, "read")
	nextMessageUpdate(t, events, text.Id, client.MessageStatusRead)
	// The split reply: each part has its own callbacks.
	s.status(t, photoOut[0].SID, "delivered")
	nextMessageUpdate(t, events, photo.Id, client.MessageStatusDelivered)
	s.status(t, photoOut[1].SID, "delivered")
	s.status(t, photoOut[1].SID, "read")
	nextMessageUpdate(t, events, photo.Id, client.MessageStatusRead)
	// A delivered callback arriving after read does not move a reply back.
	s.status(t, textOut[0].SID, "delivered")
	if st := s.message(t, conv.Id, text.Id).Status; st != client.MessageStatusRead {
		t.Errorf("a late delivered moved a READ reply to %s", st)
	}

	t.Run("read covers earlier replies", func(t *testing.T) {
		first, _ := s.reply(t, events, 1, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("One more thing")})
		last, lastOut := s.reply(t, events, 1, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("and another")})
		s.status(t, lastOut[0].SID, "read")
		nextMessageUpdates(t, events, client.MessageStatusRead, first.Id, last.Id)
	})
}

func TestTwilioInboundMediaIsFetched(t *testing.T) {
	s := newTwilioSetup(t)
	mediaURL := s.fake.AddMedia(fakeJPEG, "image/jpeg")
	req := s.inbound(t, twiliotest.Inbound{From: twilioCustomer, ProfileName: twilioName, Body: "the broken part",
		Media: []twiliotest.Media{{URL: mediaURL, ContentType: "image/jpeg"}}})
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
	// The media URL was asked with the account's credentials and redirected
	// to the CDN, which was asked without them (it refuses any).
	media, cdn := twilioRequests(s.fake, twiliotest.EndpointMedia), twilioRequests(s.fake, twiliotest.EndpointCDN)
	if len(media) != 1 || media[0].User != s.fake.AccountSID() || !media[0].Authorized || media[0].HTTPStatus != http.StatusTemporaryRedirect {
		t.Fatalf("media requests %+v, want one with the account's credentials, redirected", media)
	}
	if len(cdn) != 1 || cdn[0].User != "" || cdn[0].HTTPStatus != http.StatusOK {
		t.Fatalf("CDN requests %+v, want one without credentials", cdn)
	}
	status, ct, b := s.download(t, s.adminToken, att.DownloadUrl)
	if status != http.StatusOK || ct != "image/jpeg" || !bytes.Equal(b, fakeJPEG) {
		t.Fatalf("download: %d %q %q", status, ct, b)
	}
	if status, _, _ := s.download(t, "", att.DownloadUrl); status != http.StatusUnauthorized {
		t.Errorf("anonymous download: %d", status)
	}
}
