package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/viber/vibertest"
	"github.com/switchboard/switchboard/server"
)

// viberRefusedToken looks like a Viber token, but the fake does not know it.
const viberRefusedToken = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"

// viberUser is the customer of the Viber tests, as Viber's callbacks describe them.
var viberUser = vibertest.User{ID: "01234567890A=", Name: "John McClane", Country: "US", Language: "en", APIVersion: 10}

// viberServer is a test server whose Viber provider calls fake, and whose fake
// reaches the server's public URL with its set_webhook check.
func viberServer(t *testing.T, fake *vibertest.Server, configure ...func(*server.Config)) (*testServer, *callbackClient) {
	t.Helper()
	ts := newTestServer(t, append([]func(*server.Config){func(c *server.Config) {
		c.ProviderAPIURLs = map[string]string{"viber": fake.URL}
		c.RetryBase = 10 * time.Millisecond
	}}, configure...)...)
	checks := ts.callbackClient()
	fake.SetWebhookClient(checks.Client)
	return ts, checks
}

func newViberFake(t *testing.T) *vibertest.Server {
	t.Helper()
	fake := vibertest.NewServer("")
	t.Cleanup(fake.Close)
	return fake
}

// createViber adds a Viber account with token through the API.
func createViber(t *testing.T, ts *testServer, name, token string) client.AccountFields {
	t.Helper()
	a, err := client.CreateIntegrationAccount(context.Background(), ts.admin, client.CreateIntegrationAccountInput{
		Name: name, Settings: client.IntegrationSettingsInput{Viber: &client.ViberSettingsInput{BotUsername: ptr("placeholder_bot"), Token: ptr(token)}}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if a.CreateIntegrationAccount.Type != client.IntegrationAccountTypeViber {
		t.Fatalf("created a %s account", a.CreateIntegrationAccount.Type)
	}
	return a.CreateIntegrationAccount.AccountFields
}

func viberBotUsername(t *testing.T, a client.AccountFields) string {
	t.Helper()
	s, ok := a.Settings.(*client.AccountFieldsSettingsViberSettings)
	if !ok {
		t.Fatalf("settings %T, want ViberSettings", a.Settings)
	}
	return s.BotUsername
}

// viberCalls returns the calls the fake received on endpoint, in order.
func viberCalls(fake *vibertest.Server, endpoint string) []vibertest.Request {
	var out []vibertest.Request
	for _, r := range fake.Requests() {
		if r.Endpoint == endpoint {
			out = append(out, r)
		}
	}
	return out
}

func TestViberConnectionAndWebhook(t *testing.T) {
	fake := newViberFake(t)
	ts, checks := viberServer(t, fake)
	ctx := context.Background()
	good := createViber(t, ts, "viber support", vibertest.DefaultToken)

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
				name: "token Viber accepts", token: vibertest.DefaultToken, wantOK: true,
				wantMessage: []string{`"account name" (accountUri)`, "No webhook is set"},
				wantDetails: map[string]string{"id": "pa:75346594275468546724", "name": "account name", "uri": "accountUri",
					"subscribersCount": "35", "webhook": ""},
				// get_account_info's uri is the bot's username, learned.
				wantUsername: "accountUri",
			},
			{
				name: "token Viber refuses", token: viberRefusedToken, wantOK: false,
				wantMessage:  []string{"Viber does not accept this token", "invalidAuthToken"},
				wantDetails:  map[string]string{"status": "2", "statusMessage": "invalidAuthToken"},
				wantUsername: "placeholder_bot",
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := good
				if tc.token != vibertest.DefaultToken {
					a = createViber(t, ts, tc.name, tc.token)
				}
				before := len(viberCalls(fake, "get_account_info"))
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
				calls := viberCalls(fake, "get_account_info")
				if len(calls) != before+1 || calls[len(calls)-1].Token != tc.token || calls[len(calls)-1].Method != http.MethodPost {
					t.Errorf("get_account_info calls %+v, want one more with the account's token", calls)
				}

				got := fetchAccount(t, ts, a.Id)
				if u := viberBotUsername(t, got.AccountFields); u != tc.wantUsername {
					t.Errorf("botUsername = %q, want %q", u, tc.wantUsername)
				}
				last := got.LastTest
				if last == nil || last.Ok != res.Ok || last.Message != res.Message || !last.At.Equal(res.At) {
					t.Fatalf("lastTest = %+v, want the result %+v", last, res)
				}
				if d := resultDetails(last.ResultFields); d["id"] != details["id"] || d["status"] != details["status"] || len(d) != len(details) {
					t.Errorf("lastTest details = %v, want %v", d, details)
				}
				if verified := got.VerifiedAt != nil; verified != res.Ok || verified && !got.VerifiedAt.Equal(res.At) {
					t.Errorf("verifiedAt = %v after a check with ok %v at %v", got.VerifiedAt, res.Ok, res.At)
				}
				js, _ := json.Marshal(resp)
				mustNotContain(t, "the result", string(js)+settingsJSON(t, got.AccountFields), vibertest.DefaultToken, viberRefusedToken)
			})
		}
	})

	t.Run("set webhook", func(t *testing.T) {
		resp, err := client.SetWebhook(ctx, ts.admin, good.Id)
		if err != nil {
			t.Fatal(err)
		}
		res := resp.SetWebhook.ResultFields
		if !res.Ok || !strings.Contains(res.Message, good.WebhookUrl) {
			t.Fatalf("setWebhook = %+v", res)
		}
		if d := resultDetails(res); d["webhookUrl"] != good.WebhookUrl || d["eventTypes"] != strings.Join(vibertest.EventTypes, ",") {
			t.Errorf("details = %v", d)
		}
		// What Viber was asked: the account's https URL, every callback, names and photos.
		want := "https://switchboard.example.com/webhooks/" + good.AccountId
		hook := fake.Webhook()
		if hook.URL != want || good.WebhookUrl != want {
			t.Errorf("webhook set to %q, want %q (the account's webhookUrl %q)", hook.URL, want, good.WebhookUrl)
		}
		if !slices.Equal(hook.EventTypes, vibertest.EventTypes) || !hook.SendName || !hook.SendPhoto {
			t.Errorf("webhook config %+v, want every event type, send_name and send_photo", hook)
		}
		if calls := viberCalls(fake, "set_webhook"); len(calls) != 1 || calls[0].Token != vibertest.DefaultToken || calls[0].Status != 0 {
			t.Errorf("set_webhook calls %+v", calls)
		}
		// Viber checked the URL with a signed callback, which the server
		// answered 200 as a handshake: nothing is stored.
		got := checks.received()
		if len(got) != 1 || got[0].Path != "/webhooks/"+good.AccountId || got[0].Status != http.StatusOK || got[0].Header.Get(vibertest.SignatureHeader) == "" {
			t.Fatalf("webhook checks %+v, want one signed check answered 200", got)
		}
		ts.nothingStored(t, "the webhook check")

		// Test Connection now sees the webhook is this account's.
		tested, err := client.TestConnection(ctx, ts.admin, good.Id)
		if err != nil || !tested.TestConnection.Ok {
			t.Fatalf("testConnection: %v %+v", err, tested)
		}
		if d := resultDetails(tested.TestConnection.ResultFields); d["webhook"] != want || d["webhookMatches"] != "true" {
			t.Errorf("details after setting the webhook: %v", d)
		}
	})

	t.Run("forged webhook check", func(t *testing.T) {
		// Someone in the middle re-signs Viber's check: the server refuses it,
		// so Viber refuses the URL and the admin is told why.
		checks.setTamper(func(r *http.Request) {
			r.Header.Set(vibertest.SignatureHeader, vibertest.Sign("not the token", []byte("{}")))
		})
		defer checks.setTamper(nil)
		resp, err := client.SetWebhook(ctx, ts.admin, good.Id)
		if err != nil {
			t.Fatal(err)
		}
		res := resp.SetWebhook.ResultFields
		if res.Ok || !strings.Contains(res.Message, "Viber refused the webhook URL") || !strings.Contains(res.Message, "401") {
			t.Errorf("setWebhook = %+v, want a refusal naming the check's 401", res)
		}
		if d := resultDetails(res); d["status"] != "1" {
			t.Errorf("details = %v, want Viber's status 1 (invalidUrl)", d)
		}
		if got := checks.received(); got[len(got)-1].Status != http.StatusUnauthorized {
			t.Errorf("the forged check was answered %d, want 401", got[len(got)-1].Status)
		}
		ts.nothingStored(t, "a forged webhook check")
	})

	t.Run("public URL without https", func(t *testing.T) {
		plain, _ := viberServer(t, fake, func(c *server.Config) { c.PublicURL = "http://switchboard.example.com" })
		a := createViber(t, plain, "plain", vibertest.DefaultToken)
		before := len(viberCalls(fake, "set_webhook"))
		resp, err := client.SetWebhook(ctx, plain.admin, a.Id)
		if err != nil {
			t.Fatal(err)
		}
		if res := resp.SetWebhook.ResultFields; res.Ok || !strings.Contains(res.Message, "only https webhook URLs") {
			t.Errorf("setWebhook = %+v, want a refusal explaining that Viber needs https", res)
		}
		if n := len(viberCalls(fake, "set_webhook")); n != before {
			t.Errorf("Viber was asked to set an http webhook (%d calls)", n-before)
		}
	})
}

// viberSetup is a server with a Viber account that passed Test Connection and
// has its webhook set against the fake, and an agent.
type viberSetup struct {
	*testServer
	fake  *vibertest.Server
	acct  client.AccountFields
	hook  string // the local webhook URL
	agent *client.Client
}

func newViberSetup(t *testing.T) *viberSetup {
	t.Helper()
	fake := newViberFake(t)
	ts, _ := viberServer(t, fake)
	ctx := context.Background()
	acct := createViber(t, ts, "viber support", vibertest.DefaultToken)
	if r, err := client.TestConnection(ctx, ts.admin, acct.Id); err != nil || !r.TestConnection.Ok {
		t.Fatalf("testConnection: %v %+v", err, r)
	}
	if r, err := client.SetWebhook(ctx, ts.admin, acct.Id); err != nil || !r.SetWebhook.Ok {
		t.Fatalf("setWebhook: %v %+v", err, r)
	}
	return &viberSetup{testServer: ts, fake: fake, acct: acct, hook: ts.local(t, acct.WebhookUrl),
		agent: ts.as(ts.userToken(t, "agent ann", client.UserRoleAgent))}
}

// callback is a POST of body to the account's webhook, signed with token as
// Viber signs its callbacks.
func (s *viberSetup) callback(t *testing.T, token string, body []byte) *http.Request {
	t.Helper()
	req, err := vibertest.NewCallbackRequest(context.Background(), s.hook, token, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// deliver POSTs a callback signed as Viber signs it and returns the status.
func (s *viberSetup) deliver(t *testing.T, body []byte) int {
	t.Helper()
	return deliverWebhook(t, s.callback(t, vibertest.DefaultToken, body))
}

// reply sends an agent's reply and waits until Viber accepted it.
func (s *viberSetup) reply(t *testing.T, events <-chan client.InboxEventsWsResponse, in client.SendMessageInput) (client.MessageFields, vibertest.Message) {
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
	out := s.fake.Messages()
	if len(out) != before+1 {
		t.Fatalf("Viber accepted %d messages for one reply, want 1: %+v", len(out)-before, out[before:])
	}
	v := out[before]
	if m.ProviderMessageID == nil || *m.ProviderMessageID != strconv.FormatInt(v.Token, 10) {
		t.Fatalf("providerMessageID = %v, want Viber's message_token %d", deref(m.ProviderMessageID), v.Token)
	}
	return m, v
}

func TestViberMessagePathEndToEnd(t *testing.T) {
	s := newViberSetup(t)
	ctx := context.Background()
	events := s.subscribeInbox(t, s.agent)
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	hello := vibertest.TextMessage(4912661846655238145, at, viberUser, "Hello, I need help")

	// Only callbacks signed with the account's token are taken.
	unsigned := s.callback(t, vibertest.DefaultToken, hello)
	unsigned.Header.Del(vibertest.SignatureHeader)
	altered := s.callback(t, vibertest.DefaultToken, hello)
	changed := bytes.Replace(hello, []byte("I need help"), []byte("I need cash"), 1)
	altered.Body, altered.ContentLength = io.NopCloser(bytes.NewReader(changed)), int64(len(changed))
	for name, req := range map[string]*http.Request{
		"signed with another token":  s.callback(t, viberRefusedToken, hello),
		"unsigned":                   unsigned,
		"body changed after signing": altered,
	} {
		if got := deliverWebhook(t, req); got != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, got)
		}
	}
	s.nothingStored(t, "unauthentic callbacks")

	// The customer writes; the agent sees it live.
	if got := s.deliver(t, hello); got != http.StatusOK {
		t.Fatalf("callback: %d", got)
	}
	created := nextInbox(t, events, client.ConversationEventKindConversationCreated)
	msg := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message
	if msg == nil || msg.Text != "Hello, I need help" || msg.Direction != client.MessageDirectionInbound ||
		deref(msg.ProviderMessageID) != "4912661846655238145" || msg.ProviderTime == nil || !msg.ProviderTime.Equal(at) {
		t.Fatalf("message event: %+v", msg)
	}
	conv := created.Conversation
	if conv.Contact.DisplayName != viberUser.Name || conv.Contact.ProviderUserID != viberUser.ID || conv.IntegrationAccount.Type != client.IntegrationAccountTypeViber {
		t.Fatalf("conversation: %+v", conv)
	}

	// Viber redelivers a callback it got no 200 for: concurrent copies are
	// stored once. The next message event is the next message, not a copy.
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := vibertest.NewCallbackRequest(ctx, s.hook, vibertest.DefaultToken, hello)
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
	s.deliver(t, vibertest.TextMessage(4912661846655238146, at.Add(time.Second), viberUser, "second"))
	if next := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message; next.Text != "second" {
		t.Fatalf("after redeliveries the next message event is %q, want \"second\"", next.Text)
	}
	if n := len(s.messages(t, s.admin, conv.Id)); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}

	// The agent takes the conversation and replies: text, then a picture by URL
	// with a caption, each one Viber message signed with the bot's name.
	if _, err := client.TakeConversation(ctx, s.agent, conv.Id); err != nil {
		t.Fatal(err)
	}
	text, textOut := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("How can I help?"), ClientMessageId: ptr("viber-1")})
	if textOut.Receiver != viberUser.ID || textOut.Type != "text" || textOut.Text != "How can I help?" || textOut.SenderName != vibertest.DefaultAccount.Name {
		t.Errorf("Viber received %+v, want text to %s from %q (the bot's name Test Connection learned)", textOut, viberUser.ID, vibertest.DefaultAccount.Name)
	}
	const photoURL = "https://cdn.example.com/receipts/42.jpg"
	photo, photoOut := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Here is your receipt"),
		Attachments: []client.AttachmentInput{{Type: client.AttachmentTypeImage, Url: photoURL}}})
	if photoOut.Receiver != viberUser.ID || photoOut.Type != "picture" || photoOut.Media != photoURL || photoOut.Text != "Here is your receipt" || photoOut.SenderName != vibertest.DefaultAccount.Name {
		t.Errorf("Viber received %+v, want a picture of %s with the text as its description", photoOut, photoURL)
	}
	for _, r := range viberCalls(s.fake, "send_message") {
		if r.Token != vibertest.DefaultToken || !strings.HasPrefix(r.ContentType, "application/json") {
			t.Errorf("send_message with token %q, Content-Type %q", r.Token, r.ContentType)
		}
	}

	// Receipts: delivered and seen callbacks move each reply forward.
	receipt := func(event string, token int64, at time.Time) {
		t.Helper()
		if got := s.deliver(t, vibertest.Receipt(event, token, at, viberUser.ID)); got != http.StatusOK {
			t.Fatalf("%s callback: %d", event, got)
		}
	}
	now := time.Now()
	receipt("delivered", textOut.Token, now)
	nextMessageUpdate(t, events, text.Id, client.MessageStatusDelivered)
	receipt("seen", textOut.Token, now.Add(time.Second))
	nextMessageUpdate(t, events, text.Id, client.MessageStatusRead)
	receipt("delivered", photoOut.Token, now.Add(2*time.Second))
	nextMessageUpdate(t, events, photo.Id, client.MessageStatusDelivered)
	receipt("seen", photoOut.Token, now.Add(3*time.Second))
	nextMessageUpdate(t, events, photo.Id, client.MessageStatusRead)
	// A delivered callback arriving after seen (another device) does not move
	// a reply back. The 200 comes after the commit, so the state is final.
	receipt("delivered", textOut.Token, now.Add(4*time.Second))
	if st := s.message(t, conv.Id, text.Id).Status; st != client.MessageStatusRead {
		t.Errorf("a late delivered moved a READ reply to %s", st)
	}

	t.Run("receipts of a reply sent as two Viber messages", func(t *testing.T) {
		// A caption is at most 512 characters: a longer text goes as a text
		// message before the picture, and Viber names each in its receipts.
		long := strings.TrimSpace(strings.Repeat("Your order is on its way. ", 25))
		before := len(s.fake.Messages())
		sent, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: conv.Id, Text: &long,
			Attachments: []client.AttachmentInput{{Type: client.AttachmentTypeImage, Url: photoURL}}})
		if err != nil {
			t.Fatal(err)
		}
		m := nextMessageUpdate(t, events, sent.SendMessage.Id, client.MessageStatusSent)
		out := s.fake.Messages()[before:]
		if len(out) != 2 || out[0].Type != "text" || out[0].Text != long || out[1].Type != "picture" || out[1].Media != photoURL {
			t.Fatalf("Viber received %+v, want the text, then the picture", out)
		}
		if deref(m.ProviderMessageID) != strconv.FormatInt(out[0].Token, 10) {
			t.Fatalf("providerMessageID %s, want the first part's token %d", deref(m.ProviderMessageID), out[0].Token)
		}
		// The customer's phone got both, and they read them: Viber sends one
		// seen, for the last.
		receipt("delivered", out[0].Token, now.Add(5*time.Second))
		nextMessageUpdate(t, events, sent.SendMessage.Id, client.MessageStatusDelivered)
		receipt("delivered", out[1].Token, now.Add(6*time.Second))
		receipt("seen", out[1].Token, now.Add(7*time.Second))
		if st := s.message(t, conv.Id, sent.SendMessage.Id).Status; st != client.MessageStatusRead {
			t.Fatalf("the reply stays %s after Viber's seen for its second part", st)
		}
	})

	t.Run("seen covers earlier replies", func(t *testing.T) {
		// Viber: "The seen callback will be sent only once when the user reads
		// the unread messages, regardless of the number of messages sent to
		// them"; the provider documents that its READ covers earlier replies.
		first, firstOut := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("One more thing")})
		last, lastOut := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("and another")})
		receipt("delivered", firstOut.Token, now.Add(8*time.Second))
		nextMessageUpdate(t, events, first.Id, client.MessageStatusDelivered)
		receipt("seen", lastOut.Token, now.Add(9*time.Second))
		nextMessageUpdate(t, events, last.Id, client.MessageStatusRead)
		if st := s.message(t, conv.Id, first.Id).Status; st != client.MessageStatusRead {
			t.Fatalf("the earlier reply stays %s after Viber's one seen callback for the later one", st)
		}
	})
}

func TestViberInboundPictureIsCopied(t *testing.T) {
	s := newViberSetup(t)
	files := vibertest.NewFileServer()
	t.Cleanup(files.Close)
	picture := files.Add("photo 1.jpg", fakeJPEG, "image/jpeg")
	body := vibertest.MessageCallback(4912661846655238200, time.Now(), viberUser, vibertest.InMessage{
		Type: "picture", Text: "the broken part", Media: picture, Thumbnail: picture, FileName: "photo 1.jpg", FileSize: int64(len(fakeJPEG)),
	})
	if got := s.deliver(t, body); got != http.StatusOK {
		t.Fatalf("callback: %d", got)
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
	if att.Status != client.MediaStatusReady || att.Type != client.AttachmentTypeImage || deref(att.Url) != picture ||
		deref(att.FileName) != "photo 1.jpg" || deref(att.MimeType) != "image/jpeg" {
		t.Fatalf("attachment %+v (error %s)", att, deref(att.Error))
	}
	// Viber's media URLs expire: the copy is what agents download.
	files.Close()
	status, ct, b := s.download(t, s.adminToken, att.DownloadUrl)
	if status != http.StatusOK || ct != "image/jpeg" || !bytes.Equal(b, fakeJPEG) {
		t.Fatalf("download: %d %q %q", status, ct, b)
	}
	if status, _, _ := s.download(t, "", att.DownloadUrl); status != http.StatusUnauthorized {
		t.Errorf("anonymous download: %d", status)
	}
}

func TestViberContactNameAndPicture(t *testing.T) {
	// Viber's callbacks name the customer; get_user_details gives the
	// picture, asked once for a new contact, not with every message.
	s := newViberSetup(t)
	customer := viberUser
	customer.Avatar = "https://media-direct.cdn.viber.com/download_photo?dlid=0123abcd&fltp=jpg&imsz=0000"
	s.fake.AddUser(customer)
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	if got := s.deliver(t, vibertest.TextMessage(4912661846655238301, at, viberUser, "Hello")); got != http.StatusOK {
		t.Fatalf("callback: %d", got)
	}
	list, err := client.Conversations(context.Background(), s.admin, ptr(10), nil, nil, nil)
	if err != nil || list.Conversations.TotalCount != 1 {
		t.Fatalf("conversations: %v %+v", err, list)
	}
	convID := list.Conversations.Edges[0].Node.Id
	var contact client.ConversationFieldsContact
	eventually(t, "the contact's picture", func() bool {
		r, err := client.Conversation(context.Background(), s.admin, convID, ptr(1))
		if err != nil || r.Node == nil {
			t.Fatalf("conversation: %v", err)
		}
		c, _ := (*r.Node).(*client.ConversationNodeConversation)
		if c != nil {
			contact = c.Contact
		}
		return c != nil && c.Contact.AvatarURL != ""
	})
	if contact.ProviderUserID != viberUser.ID || contact.DisplayName != viberUser.Name || contact.AvatarURL != customer.Avatar {
		t.Errorf("contact %+v, want %s named %q with the picture Viber gave", contact, viberUser.ID, viberUser.Name)
	}
	calls := viberCalls(s.fake, "get_user_details")
	if len(calls) != 1 || calls[0].Token != vibertest.DefaultToken || !strings.Contains(string(calls[0].Body), `"id":"`+viberUser.ID+`"`) {
		t.Fatalf("get_user_details calls %+v, want one about %s", calls, viberUser.ID)
	}

	// The customer writes again: the contact is current, Viber (which allows
	// about two lookups per user in twelve hours) is not asked again.
	if got := s.deliver(t, vibertest.TextMessage(4912661846655238302, at.Add(time.Second), viberUser, "Anyone there?")); got != http.StatusOK {
		t.Fatalf("callback: %d", got)
	}
	eventually(t, "the second message", func() bool { return len(s.messages(t, s.admin, convID)) == 2 })
	if n := len(viberCalls(s.fake, "get_user_details")); n != 1 {
		t.Errorf("get_user_details called %d times for two messages, want once", n)
	}
}
