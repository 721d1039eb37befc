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
	"github.com/switchboard/switchboard/providers/wechat/wechattest"
	"github.com/switchboard/switchboard/server"
)

const (
	// wechatWrongSecret looks like an AppSecret, but not the account's.
	wechatWrongSecret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	// wechatWrongToken is a server token, but not the account's.
	wechatWrongToken = "NotTheServerTokenX9"
)

// wechatServer is a test server whose WeChat provider calls the fake's China
// and International hosts.
func wechatServer(t *testing.T, fake *wechattest.Server) *testServer {
	t.Helper()
	return newTestServer(t, func(c *server.Config) {
		c.ProviderAPIURLs = map[string]string{"wechat": fake.URL, "wechatInternational": fake.InternationalURL}
		c.RetryBase = 10 * time.Millisecond
	})
}

func newWechatFake(t *testing.T) *wechattest.Server {
	t.Helper()
	fake := wechattest.New()
	t.Cleanup(fake.Close)
	return fake
}

// createWechat adds an Official Account through the API: the default account
// of the fake with secret, registered as typ, in safe mode when aesKey is set.
func createWechat(t *testing.T, ts *testServer, name, secret string, typ client.WechatType, aesKey string) client.AccountFields {
	t.Helper()
	in := &client.WechatSettingsInput{AppId: ptr(wechattest.AppID), AppSecret: ptr(secret), WechatId: ptr(wechattest.OriginalID),
		WechatType: &typ, ServerToken: ptr(wechattest.ServerToken)}
	if aesKey != "" {
		in.EncodingAesKey = ptr(aesKey)
	}
	a, err := client.CreateIntegrationAccount(context.Background(), ts.admin, client.CreateIntegrationAccountInput{
		Name: name, Settings: client.IntegrationSettingsInput{Wechat: in}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if a.CreateIntegrationAccount.Type != client.IntegrationAccountTypeWechat {
		t.Fatalf("created a %s account", a.CreateIntegrationAccount.Type)
	}
	return a.CreateIntegrationAccount.AccountFields
}

// wechatCalls returns the calls the fake received on host at path, in order.
func wechatCalls(fake *wechattest.Server, host, path string) []wechattest.Request {
	var out []wechattest.Request
	for _, r := range fake.Requests() {
		if r.Host == host && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// wechatSecrets are the values no result or setting may show.
var wechatSecrets = []string{wechattest.AppSecret, wechatWrongSecret, wechattest.ServerToken, wechattest.AESKey}

func TestWechatConnectionAndWebhook(t *testing.T) {
	fake := newWechatFake(t)
	ts := wechatServer(t, fake)
	ctx := context.Background()
	good := createWechat(t, ts, "wechat support", wechattest.AppSecret, client.WechatTypeChina, "")

	t.Run("test connection", func(t *testing.T) {
		cases := []struct {
			name        string
			secret      string
			typ         client.WechatType
			host        string
			wantOK      bool
			wantMessage []string
			wantDetails map[string]string
		}{
			{
				name: "China account", secret: wechattest.AppSecret, typ: client.WechatTypeChina, host: wechattest.HostChina, wantOK: true,
				wantMessage: []string{"Connected to WeChat Official Account " + wechattest.OriginalID + " (China)"},
				wantDetails: map[string]string{"appId": wechattest.AppID, "wechatId": wechattest.OriginalID, "wechatType": "CHINA",
					"apiHost": fake.URL, "webhookMode": "plaintext mode", "accessTokenExpiresIn": "7200", "apiDomainIPs": "4"},
			},
			{
				name: "International account", secret: wechattest.AppSecret, typ: client.WechatTypeInternational, host: wechattest.HostInternational, wantOK: true,
				wantMessage: []string{"Connected to WeChat Official Account " + wechattest.OriginalID + " (International)"},
				wantDetails: map[string]string{"appId": wechattest.AppID, "wechatType": "INTERNATIONAL", "apiHost": fake.InternationalURL},
			},
			{
				name: "AppSecret WeChat refuses", secret: wechatWrongSecret, typ: client.WechatTypeChina, host: wechattest.HostChina, wantOK: false,
				wantMessage: []string{"WeChat does not accept this AppSecret for the AppID", "40125"},
				wantDetails: map[string]string{"appId": wechattest.AppID, "errcode": "40125", "apiHost": fake.URL},
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := good
				if tc.secret != wechattest.AppSecret || tc.typ != client.WechatTypeChina {
					a = createWechat(t, ts, tc.name, tc.secret, tc.typ, "")
				}
				before := len(wechatCalls(fake, tc.host, "/cgi-bin/stable_token"))
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
				// The token request went to the account's host, with its AppID.
				calls := wechatCalls(fake, tc.host, "/cgi-bin/stable_token")
				if len(calls) != before+1 {
					t.Fatalf("%d stable_token calls on the %s host, want one more", len(calls)-before, tc.host)
				}
				var asked struct {
					AppID  string `json:"appid"`
					Secret string `json:"secret"`
				}
				if err := json.Unmarshal(calls[len(calls)-1].Body, &asked); err != nil || asked.AppID != wechattest.AppID || asked.Secret != tc.secret {
					t.Errorf("stable_token body %s, want the account's AppID and AppSecret", calls[len(calls)-1].Body)
				}
				if ips := wechatCalls(fake, tc.host, "/cgi-bin/get_api_domain_ip"); tc.wantOK && (len(ips) == 0 || ips[len(ips)-1].Errcode != 0) {
					t.Errorf("get_api_domain_ip calls %+v, want the token proved by one", ips)
				}

				got := fetchAccount(t, ts, a.Id)
				last := got.LastTest
				if last == nil || last.Ok != res.Ok || last.Message != res.Message || !last.At.Equal(res.At) {
					t.Fatalf("lastTest = %+v, want the result %+v", last, res)
				}
				if d := resultDetails(last.ResultFields); d["appId"] != details["appId"] || d["errcode"] != details["errcode"] || len(d) != len(details) {
					t.Errorf("lastTest details = %v, want %v", d, details)
				}
				if verified := got.VerifiedAt != nil; verified != res.Ok || verified && !got.VerifiedAt.Equal(res.At) {
					t.Errorf("verifiedAt = %v after a check with ok %v at %v", got.VerifiedAt, res.Ok, res.At)
				}
				js, _ := json.Marshal(resp)
				mustNotContain(t, "the result", string(js)+settingsJSON(t, got.AccountFields), wechatSecrets...)
			})
		}
	})

	t.Run("set webhook", func(t *testing.T) {
		// WeChat has no API for the server URL: the result is not OK, by
		// design, and says what to paste in the console.
		safe := createWechat(t, ts, "wechat safe mode", wechattest.AppSecret, client.WechatTypeChina, wechattest.AESKey)
		for _, tc := range []struct {
			acct client.AccountFields
			mode string
		}{{good, "Plaintext mode"}, {safe, "Safe mode"}} {
			before := len(fake.Requests())
			resp, err := client.SetWebhook(ctx, ts.admin, tc.acct.Id)
			if err != nil {
				t.Fatal(err)
			}
			res := resp.SetWebhook.ResultFields
			want := "https://switchboard.example.com/webhooks/" + tc.acct.AccountId
			if res.Ok || !containsAll(res.Message, "URL: "+want, "Token: the server token saved on this account", "Message encryption: "+tc.mode, "Data format: XML") {
				t.Fatalf("setWebhook = %+v, want instructions to paste %s in %s", res, want, tc.mode)
			}
			d := resultDetails(res)
			if d["serverUrl"] != want || tc.acct.WebhookUrl != want || d["encryptionMode"] != tc.mode || d["consoleSetupOnly"] != "true" {
				t.Errorf("details = %v, want serverUrl %s (the account's webhookUrl %s) in %s", d, want, tc.acct.WebhookUrl, tc.mode)
			}
			if _, named := d["encodingAesKey"]; named != (tc.mode == "Safe mode") {
				t.Errorf("details = %v: the EncodingAESKey is referred to only in safe mode", d)
			}
			if n := len(fake.Requests()) - before; n != 0 {
				t.Errorf("Set Webhook called WeChat %d times", n)
			}
			js, _ := json.Marshal(resp)
			mustNotContain(t, "the result", string(js), wechatSecrets...)
		}
	})

	t.Run("handshake", func(t *testing.T) {
		// Saving the server URL in the console makes WeChat GET it with a
		// signature over the server token: only the right one is echoed.
		hook := ts.local(t, good.WebhookUrl)
		handshake := func(token string) *http.Request {
			t.Helper()
			req, err := wechattest.NewHandshakeRequest(ctx, hook, token, "7364219938160412377", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return req
		}
		status, ct, body := webhookAnswer(t, handshake(wechattest.ServerToken))
		if status != http.StatusOK || !strings.HasPrefix(ct, "text/plain") || body != "7364219938160412377" {
			t.Fatalf("handshake answered %d %q %q, want the echostr", status, ct, body)
		}
		unsigned := handshake(wechattest.ServerToken)
		q := unsigned.URL.Query()
		q.Del("signature")
		unsigned.URL.RawQuery = q.Encode()
		for name, req := range map[string]*http.Request{
			"signed with another token": handshake(wechatWrongToken),
			"unsigned":                  unsigned,
		} {
			if status, _, body := webhookAnswer(t, req); status != http.StatusForbidden || strings.Contains(body, "7364219938160412377") {
				t.Errorf("%s: %d %q, want 403 without the echostr", name, status, body)
			}
		}
		ts.nothingStored(t, "handshakes")
	})
}

// wechatSetup is a server with an Official Account that passed Test
// Connection, in plaintext or safe mode, and an agent.
type wechatSetup struct {
	*testServer
	fake  *wechattest.Server
	acct  client.AccountFields
	push  wechattest.Push // the console's configuration of the account
	hook  string          // the local webhook URL
	agent *client.Client
}

func newWechatSetup(t *testing.T, push wechattest.Push) *wechatSetup {
	t.Helper()
	fake := newWechatFake(t)
	ts := wechatServer(t, fake)
	acct := createWechat(t, ts, "wechat support", wechattest.AppSecret, client.WechatTypeChina, push.AESKey)
	if r, err := client.TestConnection(context.Background(), ts.admin, acct.Id); err != nil || !r.TestConnection.Ok {
		t.Fatalf("testConnection: %v %+v", err, r)
	}
	return &wechatSetup{testServer: ts, fake: fake, acct: acct, push: push, hook: ts.local(t, acct.WebhookUrl),
		agent: ts.as(ts.userToken(t, "agent ann", client.UserRoleAgent))}
}

// webhook is the POST WeChat makes to the account's server URL to push
// message XML, signed (and in safe mode encrypted) as push says.
func (s *wechatSetup) webhook(t *testing.T, push wechattest.Push, xmlBody []byte) *http.Request {
	t.Helper()
	req, err := wechattest.NewWebhookRequest(context.Background(), s.hook, push, xmlBody, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// deliver pushes message XML as WeChat does for the account, which opens the
// sender's reply window, and fails unless it is answered "success".
func (s *wechatSetup) deliver(t *testing.T, xmlBody []byte) {
	t.Helper()
	resp, err := s.fake.Deliver(context.Background(), http.DefaultClient, s.hook, s.push, xmlBody)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(b) != "success" {
		t.Fatalf("push answered %d %q, want 200 \"success\"", resp.StatusCode, b)
	}
}

// reply sends an agent's reply and waits until WeChat accepted it as one
// customer service message.
func (s *wechatSetup) reply(t *testing.T, events <-chan client.InboxEventsWsResponse, in client.SendMessageInput) (client.MessageFields, wechattest.Message) {
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
		t.Fatalf("WeChat accepted %d messages for one reply, want 1: %+v", len(out), out)
	}
	// WeChat answers a customer service message with no ID: Switchboard's
	// is synthetic, one per part.
	if id := deref(m.ProviderMessageID); !strings.HasPrefix(id, "sb:") || !strings.HasSuffix(id, ":0") {
		t.Fatalf("providerMessageID = %q, want Switchboard's sb:<id>:0", id)
	}
	return m, out[0]
}

func TestWechatMessagePathEndToEnd(t *testing.T) {
	for _, mode := range []struct {
		name string
		push wechattest.Push
	}{
		{"plaintext mode", wechattest.DefaultPush},
		{"safe mode", wechattest.SafePush},
	} {
		t.Run(mode.name, func(t *testing.T) {
			s := newWechatSetup(t, mode.push)
			ctx := context.Background()
			events := s.subscribeInbox(t, s.agent)
			at := time.Now().Add(-time.Minute).Truncate(time.Second)
			const helloID = 23807520469470101
			hello := wechattest.TextXML(wechattest.OriginalID, wechattest.OpenID, at, helloID, "你好, where is my order?")

			// Only pushes signed with the server token (and, in safe mode,
			// encrypted and signed over the ciphertext) are taken.
			wrongToken := s.push
			wrongToken.Token = wechatWrongToken
			unsigned := s.webhook(t, s.push, hello)
			q := unsigned.URL.Query()
			q.Del("signature")
			unsigned.URL.RawQuery = q.Encode()
			forged := map[string]*http.Request{
				"signed with another token": s.webhook(t, wrongToken, hello),
				"unsigned":                  unsigned,
			}
			if s.push.AESKey != "" {
				// A plaintext push to an account in safe mode, even signed
				// right: its signature does not cover the body.
				forged["plaintext in safe mode"] = s.webhook(t, wechattest.DefaultPush, hello)
				// The ciphertext of another message under the query signed
				// for this one: msg_signature no longer matches.
				swapped := s.webhook(t, s.push, hello)
				_, other, err := wechattest.SignedWebhook(s.push, wechattest.TextXML(wechattest.OriginalID, wechattest.OpenID, at, helloID, "refund me twice"), at)
				if err != nil {
					t.Fatal(err)
				}
				swapped.Body, swapped.ContentLength = io.NopCloser(bytes.NewReader(other)), int64(len(other))
				forged["ciphertext swapped after signing"] = swapped
				noMsgSig := s.webhook(t, s.push, hello)
				q := noMsgSig.URL.Query()
				q.Del("msg_signature")
				noMsgSig.URL.RawQuery = q.Encode()
				forged["without msg_signature"] = noMsgSig
			}
			for name, req := range forged {
				if got := deliverWebhook(t, req); got != http.StatusUnauthorized {
					t.Errorf("%s: %d, want 401", name, got)
				}
			}
			s.nothingStored(t, "unauthentic pushes")

			// The customer writes; the agent sees it live.
			s.deliver(t, hello)
			created := nextInbox(t, events, client.ConversationEventKindConversationCreated)
			msg := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message
			if msg == nil || msg.Text != "你好, where is my order?" || msg.Direction != client.MessageDirectionInbound ||
				deref(msg.ProviderMessageID) != strconv.Itoa(helloID) || msg.ProviderTime == nil || !msg.ProviderTime.Equal(at) {
				t.Fatalf("message event: %+v", msg)
			}
			conv := created.Conversation
			if conv.Contact.ProviderUserID != wechattest.OpenID || conv.IntegrationAccount.Type != client.IntegrationAccountTypeWechat {
				t.Fatalf("conversation: %+v", conv)
			}

			// WeChat retries a push three times when it gets no answer in
			// five seconds, each signed anew (and in safe mode encrypted
			// anew): concurrent copies are stored once, by MsgId. The next
			// message event is the next message, not a copy.
			var wg sync.WaitGroup
			for range 5 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, err := wechattest.NewWebhookRequest(ctx, s.hook, s.push, hello, time.Now())
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
			s.deliver(t, wechattest.TextXML(wechattest.OriginalID, wechattest.OpenID, at.Add(time.Second), helloID+1, "second"))
			if next := nextInbox(t, events, client.ConversationEventKindMessageCreated).Message; next.Text != "second" {
				t.Fatalf("after redeliveries the next message event is %q, want \"second\"", next.Text)
			}
			if n := len(s.messages(t, s.admin, conv.Id)); n != 2 {
				t.Fatalf("%d messages, want 2", n)
			}

			// The agent takes the conversation and replies: a customer
			// service message to the follower, within the 48-hour window
			// their message opened, authenticated by an access token.
			if _, err := client.TakeConversation(ctx, s.agent, conv.Id); err != nil {
				t.Fatal(err)
			}
			text, out := s.reply(t, events, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("It left the warehouse today <3"), ClientMessageId: ptr("wx-1")})
			if out.AppID != wechattest.AppID || out.ToUser != wechattest.OpenID || out.MsgType != "text" || out.Text != "It left the warehouse today <3" {
				t.Errorf("WeChat accepted %+v, want the text to %s", out, wechattest.OpenID)
			}
			var shape map[string]any
			if err := json.Unmarshal(out.Raw, &shape); err != nil {
				t.Fatal(err)
			}
			if want := map[string]any{"touser": wechattest.OpenID, "msgtype": "text", "text": map[string]any{"content": "It left the warehouse today <3"}}; !jsonEqual(shape, want) {
				t.Errorf("custom/send body %s, want %v", out.Raw, want)
			}
			for _, r := range wechatCalls(s.fake, wechattest.HostChina, "/cgi-bin/message/custom/send") {
				if r.Method != http.MethodPost || r.Query.Get("access_token") == "" || r.Errcode != 0 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
					t.Errorf("custom/send call %s %v answered errcode %d, want a JSON POST with an access token, accepted", r.Method, r.Query, r.Errcode)
				}
			}
			// WeChat reports neither delivery nor reading of customer service
			// messages: the reply stays SENT.
			if st := s.message(t, conv.Id, text.Id).Status; st != client.MessageStatusSent {
				t.Errorf("reply is %s, want SENT", st)
			}

			t.Run("a refusal reaches the agent", func(t *testing.T) {
				// More than 48 hours after the customer's last message (or
				// after they unfollowed) WeChat refuses: FAILED, with why.
				s.fake.FailNext(wechattest.EndpointCustomSend, wechattest.ReplyWindowClosed)
				sent, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Are you still there?")})
				if err != nil {
					t.Fatal(err)
				}
				m := nextMessageUpdate(t, events, sent.SendMessage.Id, client.MessageStatusFailed)
				if !strings.Contains(m.Error, "45015") || !strings.Contains(m.Error, "response out of time limit") {
					t.Errorf("error shown to the agent: %q, want WeChat's 45015 and its words", m.Error)
				}
			})
		})
	}
}

// contact polls a conversation until cond holds for its contact, and
// returns the contact.
func (s *wechatSetup) contact(t *testing.T, what, convID string, cond func(client.ConversationFieldsContact) bool) client.ConversationFieldsContact {
	t.Helper()
	var ct client.ConversationFieldsContact
	eventually(t, what, func() bool {
		r, err := client.Conversation(context.Background(), s.admin, convID, ptr(1))
		if err != nil || r.Node == nil {
			t.Fatalf("conversation: %v", err)
		}
		c, _ := (*r.Node).(*client.ConversationNodeConversation)
		if c != nil {
			ct = c.Contact
		}
		return c != nil && cond(ct)
	})
	return ct
}

// conversationOf returns the conversation of the contact with OpenID.
func (s *wechatSetup) conversationOf(t *testing.T, openID string) string {
	t.Helper()
	list, err := client.Conversations(context.Background(), s.admin, ptr(10), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list.Conversations.Edges {
		if e.Node.Contact.ProviderUserID == openID {
			return e.Node.Id
		}
	}
	t.Fatalf("no conversation of %s", openID)
	return ""
}

func TestWechatContactNames(t *testing.T) {
	// Pushes carry only the follower's OpenID. The name comes from the user
	// info API, asked in the background; since December 2021 WeChat gives no
	// nickname or picture there, only the remark the account's staff set.
	s := newWechatSetup(t, wechattest.DefaultPush)
	const anonymous, remarked = "oUpF8uN6KzQ1aB2cD3eF4gH5iJ6k", "oUpF8uP7LmR8sT9uV0wX1yZ2aB3c"
	s.fake.AddUser(wechattest.User{OpenID: anonymous, SubscribeTime: time.Now().Add(-time.Hour)})
	s.fake.AddUser(wechattest.User{OpenID: remarked, Remark: "Wang Fang (VIP)", SubscribeTime: time.Now().Add(-time.Hour)})
	at := time.Now().Truncate(time.Second)
	// One after the other: profiles are looked up in the order asked.
	s.deliver(t, wechattest.TextXML(wechattest.OriginalID, anonymous, at, 5001, "hello"))
	s.deliver(t, wechattest.TextXML(wechattest.OriginalID, remarked, at, 5002, "hello again"))

	named := s.contact(t, "the remarked follower's name", s.conversationOf(t, remarked),
		func(c client.ConversationFieldsContact) bool { return c.DisplayName != "" })
	if named.DisplayName != "Wang Fang (VIP)" || named.AvatarURL != "" {
		t.Errorf("contact %+v, want the staff's remark and no picture", named)
	}
	// The follower without a remark was looked up first, and has no name.
	if c := s.contact(t, "the anonymous follower", s.conversationOf(t, anonymous),
		func(client.ConversationFieldsContact) bool { return true }); c.DisplayName != "" || c.AvatarURL != "" {
		t.Errorf("contact %+v, want no name: WeChat gives none", c)
	}
	asked := map[string]bool{}
	for _, r := range wechatCalls(s.fake, wechattest.HostChina, "/cgi-bin/user/info") {
		if r.Query.Get("access_token") == "" || r.Query.Get("lang") != "en" || r.Errcode != 0 {
			t.Errorf("user/info call %v answered errcode %d", r.Query, r.Errcode)
		}
		asked[r.Query.Get("openid")] = true
	}
	if !asked[anonymous] || !asked[remarked] {
		t.Errorf("user/info asked about %v, want both followers", asked)
	}
}

// TestWechatRefusedTokenMarksAccountFailing: WeChat refusing an access token
// it has just issued is retried, and meanwhile the account's health says
// failing, with WeChat's reason: every reply fails alike. A customer's closed
// 48-hour window fails only that reply. The reply accepted once WeChat takes
// the token again clears failing.
func TestWechatRefusedTokenMarksAccountFailing(t *testing.T) {
	s := newWechatSetup(t, wechattest.DefaultPush)
	ctx := context.Background()
	s.deliver(t, wechattest.TextXML(wechattest.OriginalID, wechattest.OpenID, time.Now().Truncate(time.Second), 7001, "hello"))
	var conv string
	eventually(t, "the conversation", func() bool {
		list, err := client.Conversations(ctx, s.admin, ptr(10), nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Conversations.Edges) == 1 {
			conv = list.Conversations.Edges[0].Node.Id
		}
		return conv != ""
	})
	if _, err := client.TakeConversation(ctx, s.agent, conv); err != nil {
		t.Fatal(err)
	}
	reply := func(text string) string {
		t.Helper()
		r, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: conv, Text: ptr(text)})
		if err != nil {
			t.Fatal(err)
		}
		return r.SendMessage.Id
	}
	health := func() client.AccountFieldsHealthAccountHealth {
		t.Helper()
		return fetchAccount(t, s.testServer, s.acct.Id).Health
	}
	status := func(id string, want client.MessageStatus) client.MessageFields {
		t.Helper()
		var m client.MessageFields
		eventually(t, "reply "+id+" to be "+string(want), func() bool {
			m = s.message(t, conv, id)
			return m.Status == want
		})
		return m
	}

	s.fake.FailNext(wechattest.EndpointCustomSend, wechattest.ReplyWindowClosed)
	if m := status(reply("are you there?"), client.MessageStatusFailed); !strings.Contains(m.Error, "45015") {
		t.Fatalf("failure reason %q", m.Error)
	}
	if h := health(); h.Failing || h.LastSendError != nil {
		t.Fatalf("health after a closed window: %+v", h)
	}

	s.fake.SetFailing(wechattest.EndpointCustomSend, wechattest.Fault{Errcode: 40001, Errmsg: "invalid credential, access_token is invalid or not latest"})
	id := reply("it left the warehouse today")
	var h client.AccountFieldsHealthAccountHealth
	eventually(t, "the account to be failing", func() bool {
		h = health()
		return h.Failing
	})
	if h.LastSendError == nil || !strings.Contains(*h.LastSendError, "refused a fresh access token") || !strings.Contains(*h.LastSendError, "40001") || h.LastSendErrorAt == nil {
		t.Fatalf("health while WeChat refuses the token: %+v", h)
	}
	if m := s.message(t, conv, id); m.Status != client.MessageStatusQueued {
		t.Fatalf("reply is %s while retried, want QUEUED", m.Status)
	}

	s.fake.ClearFailing(wechattest.EndpointCustomSend)
	status(id, client.MessageStatusSent)
	if h := health(); h.Failing {
		t.Fatalf("health after an accepted reply: %+v", h)
	}
}

func TestWechatInboundMediaIsFetched(t *testing.T) {
	s := newWechatSetup(t, wechattest.SafePush)
	mediaID := s.fake.AddMedia(wechattest.Media{Type: "image", FileName: "part.jpg", ContentType: "image/jpeg", Data: fakeJPEG})
	const picURL = "http://mmbiz.qpic.cn/mmbiz_jpg/part/0"
	s.deliver(t, wechattest.ImageXML(wechattest.OriginalID, wechattest.OpenID, time.Now(), 6001, picURL, mediaID))

	convID := s.conversationOf(t, wechattest.OpenID)
	msgs := s.messages(t, s.admin, convID)
	if len(msgs) != 1 || deref(msgs[0].ProviderMessageID) != "6001" {
		t.Fatalf("messages %+v", msgs)
	}
	att := s.waitAttachment(t, convID, msgs[0].Id)
	if att.Status != client.MediaStatusReady || att.Type != client.AttachmentTypeImage || deref(att.FileId) != mediaID || deref(att.MimeType) != "image/jpeg" {
		t.Fatalf("attachment %+v (error %s)", att, deref(att.Error))
	}
	// Downloaded by its MediaId with the account's access token; the picture
	// URL is only the fallback once WeChat has dropped the file.
	gets := wechatCalls(s.fake, wechattest.HostChina, "/cgi-bin/media/get")
	if len(gets) != 1 || gets[0].Query.Get("media_id") != mediaID || gets[0].Query.Get("access_token") == "" || gets[0].Status != http.StatusOK {
		t.Fatalf("media/get calls %+v, want one of %s with a token", gets, mediaID)
	}
	status, ct, b := s.download(t, s.adminToken, att.DownloadUrl)
	if status != http.StatusOK || ct != "image/jpeg" || !bytes.Equal(b, fakeJPEG) {
		t.Fatalf("download: %d %q %q", status, ct, b)
	}
	if status, _, _ := s.download(t, "", att.DownloadUrl); status != http.StatusUnauthorized {
		t.Errorf("anonymous download: %d", status)
	}

	t.Run("voice with speech recognition", func(t *testing.T) {
		voice := []byte("#!AMR\n a short voice note")
		id := s.fake.AddMedia(wechattest.Media{Type: "voice", FileName: "note.amr", ContentType: "audio/amr", Data: voice})
		s.deliver(t, wechattest.VoiceXML(wechattest.OriginalID, wechattest.OpenID, time.Now(), 6002, id, "amr", "Is it shipped yet?"))
		var m client.MessageFields
		for _, x := range s.messages(t, s.admin, convID) {
			if deref(x.ProviderMessageID) == "6002" {
				m = x
			}
		}
		if m.Text != "Is it shipped yet?" {
			t.Fatalf("voice message %+v, want WeChat's recognition as text", m)
		}
		att := s.waitAttachment(t, convID, m.Id)
		if att.Status != client.MediaStatusReady || att.Type != client.AttachmentTypeVoice || deref(att.MimeType) != "audio/amr" {
			t.Fatalf("attachment %+v (error %s)", att, deref(att.Error))
		}
		if status, _, b := s.download(t, s.adminToken, att.DownloadUrl); status != http.StatusOK || !bytes.Equal(b, voice) {
			t.Fatalf("download: %d %q", status, b)
		}
	})
}
