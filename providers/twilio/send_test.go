package twilio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/twilio/twiliotest"
)

// newFake starts the shared fake and returns it with an account pointed at it
// and the env to call it with.
func newFake(t testing.TB) (*twiliotest.Server, providers.Account, providers.Env) {
	t.Helper()
	srv := twiliotest.NewServer("", "")
	t.Cleanup(srv.Close)
	return srv, fakeAccount(srv), providers.Env{HTTP: srv.Client(), Now: time.Now}
}

// fakeAccount is testAccount with its apiUrl on srv.
func fakeAccount(srv *twiliotest.Server) providers.Account {
	acct := testAccount
	acct.Settings = map[string]string{}
	for k, v := range testAccount.Settings {
		acct.Settings[k] = v
	}
	acct.Settings["apiUrl"] = srv.URL
	return acct
}

// checkNoToken fails when err, or anything it wraps, shows the Auth Token.
func checkNoToken(t testing.TB, err error) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), testToken) || strings.Contains(fmt.Sprintf("%+v %#v", e, e), testToken) {
			t.Errorf("error shows the auth token: %v", e)
		}
	}
}

// sendError asserts err is a *providers.SendError and returns it.
func asSendError(t testing.TB, err error) *providers.SendError {
	t.Helper()
	var se *providers.SendError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
	}
	checkNoToken(t, err)
	return se
}

// sentForms are the forms of the Messages.json calls the fake received, each
// checked for Twilio's authentication.
func sentForms(t testing.TB, srv *twiliotest.Server) []map[string][]string {
	t.Helper()
	var out []map[string][]string
	for _, r := range srv.Requests() {
		if r.Endpoint != twiliotest.EndpointMessages {
			continue
		}
		if !r.Authorized || r.Method != http.MethodPost || r.ContentType != "application/x-www-form-urlencoded" ||
			r.Path != "/2010-04-01/Accounts/"+twiliotest.DefaultAccountSID+"/Messages.json" {
			t.Errorf("request %s %s authorized %v, Content-Type %q", r.Method, r.Path, r.Authorized, r.ContentType)
		}
		out = append(out, r.Form)
	}
	return out
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		setting string
		want    string
		err     bool
	}{
		{"", DefaultAPIURL, false},
		{" https://api.twilio.com/ ", "https://api.twilio.com", false},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080", false},
		{"https://proxy.example/twilio", "https://proxy.example/twilio", false},
		{"ftp://api.twilio.com", "", true},
		{"api.twilio.com", "", true},
		{"https://user:pass@api.twilio.com", "", true},
		{"https://api.twilio.com?x=1", "", true},
	}
	for _, tt := range tests {
		got, err := apiBase(tt.setting)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("apiBase(%q) = %q, %v", tt.setting, got, err)
		}
	}
	if DefaultAPIURL != "https://api.twilio.com" {
		t.Errorf("DefaultAPIURL = %s", DefaultAPIURL)
	}
}

func TestSendText(t *testing.T) {
	srv, acct, env := newFake(t)
	res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "+14155551234", Text: "Hello <John> & co 🙂", ID: "42"})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if want := []string{twiliotest.NewSID("SM", 1)}; !reflect.DeepEqual(res.MessageIDs, want) {
		t.Errorf("MessageIDs = %v, want %v", res.MessageIDs, want)
	}
	want := map[string][]string{
		"From":           {"whatsapp:" + twiliotest.SandboxNumber},
		"To":             {"whatsapp:+14155551234"},
		"Body":           {"Hello <John> & co 🙂"},
		"StatusCallback": {testWebhookURL},
	}
	if got := sentForms(t, srv); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("forms\n got %v\nwant %v", got, want)
	}
}

func TestSendAddresses(t *testing.T) {
	tests := []struct {
		name, number, to string
	}{
		{"as ParseWebhook gives it", "+14155238886", "+14155551234"},
		{"digits only", "14155238886", "14155551234"},
		{"with the channel prefix", "whatsapp:+14155238886", "whatsapp:+14155551234"},
		{"with blanks", " +1 415 523 8886 ", " +1 (415) 555-1234 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			acct.Settings["whatsappNumber"] = tt.number
			if _, err := (Provider{}).Send(context.Background(), env, acct, providers.OutboundMessage{To: tt.to, Text: "hi"}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			m := srv.Messages()
			if len(m) != 1 || m[0].From != "whatsapp:+14155238886" || m[0].To != "whatsapp:+14155551234" {
				t.Errorf("messages %+v", m)
			}
		})
	}
}

func TestSendWithoutWebhookURL(t *testing.T) {
	srv, acct, env := newFake(t)
	acct.WebhookURL = ""
	if _, err := (Provider{}).Send(context.Background(), env, acct, providers.OutboundMessage{To: "+14155551234", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if f := sentForms(t, srv); len(f) != 1 || f[0]["StatusCallback"] != nil {
		t.Errorf("forms %v: no StatusCallback without a webhook URL", f)
	}
}

func units(s string) int { return len(utf16.Encode([]rune(s))) }

func TestSendSplitsLongText(t *testing.T) {
	words := strings.Repeat("ünïcödé wörds 🙂 ", 300)
	lines := strings.Repeat(strings.Repeat("x", 99)+"\n", 40)
	tests := []struct {
		name      string
		text      string
		wantParts int
	}{
		{"exactly 1600", strings.Repeat("a", 1600), 1},
		{"1601", strings.Repeat("a", 1601), 2},
		{"emoji count twice", strings.Repeat("🙂", 801), 2},
		{"words", words, 4},
		{"lines", lines, 3},
		{"blank tail", strings.Repeat("a", 1600) + "   \n ", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "+14155551234", Text: tt.text})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != tt.wantParts || len(res.MessageIDs) != tt.wantParts {
				t.Fatalf("%d parts (%d IDs), want %d", len(msgs), len(res.MessageIDs), tt.wantParts)
			}
			var joined strings.Builder
			for i, m := range msgs {
				if units(m.Body) > maxBodyLen || strings.TrimSpace(m.Body) == "" {
					t.Errorf("part %d has %d units", i, units(m.Body))
				}
				if m.SID != res.MessageIDs[i] {
					t.Errorf("part %d is %s, ID %s: out of order", i, m.SID, res.MessageIDs[i])
				}
				joined.WriteString(m.Body)
			}
			// Only the whitespace cut at is lost.
			squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if squash(joined.String()) != squash(tt.text) {
				t.Errorf("the parts do not add up to the text")
			}
		})
	}
}

func TestSplitTextPrefersBreaks(t *testing.T) {
	text := strings.Repeat("a", 1000) + "\n" + strings.Repeat("b", 500) + " " + strings.Repeat("c", 500)
	got := splitText(text, maxBodyLen)
	if len(got) != 2 || got[0] != strings.Repeat("a", 1000) || !strings.HasPrefix(got[1], "bbb") {
		t.Errorf("cut at %v", lens(got))
	}
	text = strings.Repeat("a", 1200) + " " + strings.Repeat("b", 1000)
	if got := splitText(text, maxBodyLen); len(got) != 2 || got[0] != strings.Repeat("a", 1200) {
		t.Errorf("space: cut at %v", lens(got))
	}
	// No break in the second half of the window: a hard cut.
	text = "a " + strings.Repeat("b", 2000)
	if got := splitText(text, maxBodyLen); len(got) != 2 || units(got[0]) != maxBodyLen {
		t.Errorf("hard: cut at %v", lens(got))
	}
	if got := splitText(" \n\t", maxBodyLen); len(got) != 0 {
		t.Errorf("blank text gave %q", got)
	}
}

func lens(parts []string) []int {
	out := make([]int, len(parts))
	for i, p := range parts {
		out[i] = units(p)
	}
	return out
}

func TestSendMedia(t *testing.T) {
	srv, acct, env := newFake(t)
	msg := providers.OutboundMessage{To: "+14155551234", Text: "Your invoice and a photo", Attachments: []providers.OutboundAttachment{
		{Type: providers.AttachmentFile, URL: "https://files.example/invoice.pdf", FileName: "invoice.pdf", MimeType: "application/pdf"},
		{Type: providers.AttachmentImage, URL: "https://files.example/photo.jpg", Data: []byte("also held locally")},
	}}
	res, err := Provider{}.Send(context.Background(), env, acct, msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	want := []string{twiliotest.NewSID("SM", 1), twiliotest.NewSID("MM", 2), twiliotest.NewSID("MM", 3)}
	if !reflect.DeepEqual(res.MessageIDs, want) {
		t.Errorf("MessageIDs = %v, want %v", res.MessageIDs, want)
	}
	forms := sentForms(t, srv)
	if len(forms) != 3 {
		t.Fatalf("%d messages, want text then one per attachment", len(forms))
	}
	if forms[0]["Body"][0] != "Your invoice and a photo" || forms[0]["MediaUrl"] != nil {
		t.Errorf("text first: %v", forms[0])
	}
	for i, u := range []string{"https://files.example/invoice.pdf", "https://files.example/photo.jpg"} {
		f := forms[i+1]
		if !reflect.DeepEqual(f["MediaUrl"], []string{u}) || f["Body"] != nil || f["StatusCallback"][0] != testWebhookURL {
			t.Errorf("attachment %d: %v", i+1, f)
		}
	}
}

func TestSendMediaOnly(t *testing.T) {
	srv, acct, env := newFake(t)
	res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "+14155551234", Text: " ",
		Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentImage, URL: "https://files.example/a.png"}}})
	if err != nil || len(res.MessageIDs) != 1 {
		t.Fatalf("Send: %v %v", res, err)
	}
	if f := sentForms(t, srv); len(f) != 1 || f[0]["Body"] != nil {
		t.Errorf("forms %v", f)
	}
}

// TestSendRefusedBeforeSending: what Twilio cannot take fails the whole message
// permanently, before anything is sent.
func TestSendRefusedBeforeSending(t *testing.T) {
	good := providers.OutboundAttachment{Type: providers.AttachmentImage, URL: "https://files.example/a.png"}
	noAcct := func(mod func(a *providers.Account)) providers.Account {
		a := testAccount
		a.Settings, a.Secrets = map[string]string{}, map[string]string{}
		for k, v := range testAccount.Settings {
			a.Settings[k] = v
		}
		for k, v := range testAccount.Secrets {
			a.Secrets[k] = v
		}
		mod(&a)
		return a
	}
	tests := []struct {
		name   string
		acct   func(srvURL string) providers.Account
		msg    providers.OutboundMessage
		reason string
	}{
		{"upload only", nil, providers.OutboundMessage{To: "+14155551234", Text: "x", Attachments: []providers.OutboundAttachment{
			good, {Type: providers.AttachmentFile, Data: []byte("%PDF"), FileName: "a.pdf"}}}, "attachment 2: Twilio takes media only from a public URL"},
		{"neither URL nor data", nil, providers.OutboundMessage{To: "+14155551234", Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentFile}}},
			"attachment 1: the attachment has neither a URL nor data"},
		{"relative URL", nil, providers.OutboundMessage{To: "+14155551234", Attachments: []providers.OutboundAttachment{{URL: "/files/a.png"}}},
			"not an absolute http(s) URL"},
		{"nothing to send", nil, providers.OutboundMessage{To: "+14155551234", Text: " \n"}, "nothing to send"},
		{"no recipient", nil, providers.OutboundMessage{Text: "hi"}, "no recipient"},
		{"no account SID", func(u string) providers.Account {
			return noAcct(func(a *providers.Account) { a.Settings["apiUrl"] = u; delete(a.Settings, "accountSid") })
		}, providers.OutboundMessage{To: "+1", Text: "hi"}, "no Twilio Account SID"},
		{"API key SID instead", func(u string) providers.Account {
			return noAcct(func(a *providers.Account) { a.Settings["apiUrl"] = u; a.Settings["accountSid"] = "SK0123" })
		}, providers.OutboundMessage{To: "+1", Text: "hi"}, `starting with "AC"`},
		{"SID that would change the path", func(u string) providers.Account {
			return noAcct(func(a *providers.Account) { a.Settings["apiUrl"] = u; a.Settings["accountSid"] = "AC../../x" })
		}, providers.OutboundMessage{To: "+1", Text: "hi"}, `starting with "AC"`},
		{"no auth token", func(u string) providers.Account {
			return noAcct(func(a *providers.Account) { a.Settings["apiUrl"] = u; a.Secrets = nil })
		}, providers.OutboundMessage{To: "+1", Text: "hi"}, "no Twilio Auth Token"},
		{"no number", func(u string) providers.Account {
			return noAcct(func(a *providers.Account) { a.Settings["apiUrl"] = u; a.Settings["whatsappNumber"] = "" })
		}, providers.OutboundMessage{To: "+1", Text: "hi"}, "no WhatsApp number"},
		{"bad apiUrl", func(string) providers.Account {
			return noAcct(func(a *providers.Account) { a.Settings["apiUrl"] = "api.twilio.com" })
		}, providers.OutboundMessage{To: "+1", Text: "hi"}, "apiUrl is not an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			if tt.acct != nil {
				acct = tt.acct(srv.URL)
			}
			res, err := Provider{}.Send(context.Background(), env, acct, tt.msg)
			se := asSendError(t, err)
			if se.Retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("SendError %+v, want permanent %q", se, tt.reason)
			}
			if len(res.MessageIDs) != 0 || len(srv.Requests()) != 0 {
				t.Errorf("sent %v in %d requests", res.MessageIDs, len(srv.Requests()))
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		reply      twiliotest.Reply
		retryable  bool
		retryAfter time.Duration
		reason     string
	}{
		{"rate limit", twiliotest.TooManyRequests, true, 2 * time.Second, "Too Many Requests (Twilio error 20429"},
		{"unavailable", twiliotest.ServiceUnavailable, true, 0, "Service unavailable (Twilio error 20503)"},
		{"bad gateway page", twiliotest.BadGateway, true, 0, "Twilio answered HTTP 502"},
		{"429 without a body", twiliotest.Reply{HTTPStatus: 429, Body: "slow down", Header: http.Header{"Retry-After": {"7"}}}, true, 7 * time.Second, "HTTP 429"},
		{"channel rate limit", twiliotest.ErrorReply(400, 63018, "Rate limit exceeded for Channel"), true, 0, "WhatsApp's rate limit"},
		{"bad credentials", twiliotest.ErrorReply(401, 20003, "Authenticate"), false, 0, "Authenticate (Twilio error 20003: Twilio does not accept the Account SID and Auth Token)"},
		{"invalid number", twiliotest.ErrorReply(400, 21211, "Invalid 'To' Phone Number"), false, 0, "Invalid 'To' Phone Number (Twilio error 21211"},
		{"not mobile", twiliotest.ErrorReply(400, 21614, "'To' number is not a valid mobile number"), false, 0, "not a valid mobile number"},
		{"outside the window", twiliotest.OutsideWindow, false, 0, "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template. (Twilio error 63016: the customer last wrote more than 24 hours ago"},
		{"unsubscribed", twiliotest.ErrorReply(400, 21610, "Attempt to send to unsubscribed recipient"), false, 0, "unsubscribed"},
		{"unknown code", twiliotest.ErrorReply(400, 99999, "Something new"), false, 0, "Something new (Twilio error 99999)"},
		{"answer not JSON", twiliotest.Reply{HTTPStatus: 201, Body: "<html>created</html>"}, false, 0, "decode answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			srv.FailNext(twiliotest.EndpointMessages, tt.reply)
			_, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "+14155551234", Text: "hi"})
			se := asSendError(t, err)
			if se.Retryable != tt.retryable || se.RetryAfter != tt.retryAfter || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("SendError{Retryable: %v, RetryAfter: %v, Reason: %q}, want %v %v %q", se.Retryable, se.RetryAfter, se.Reason, tt.retryable, tt.retryAfter, tt.reason)
			}
			var apiErr *APIError
			if tt.reply.Code != 0 && (!errors.As(err, &apiErr) || apiErr.Code != tt.reply.Code) {
				t.Errorf("err %v does not expose Twilio's code %d", err, tt.reply.Code)
			}
		})
	}
}

// TestSendFakeRefusals: the fake's own checks, as Twilio's, reach the agent as
// permanent failures with Twilio's words.
func TestSendFakeRefusals(t *testing.T) {
	t.Run("wrong auth token", func(t *testing.T) {
		_, acct, env := newFake(t)
		acct.Secrets = map[string]string{"authToken": strings.Repeat("0", 32)}
		se := asSendError(t, sendHi(env, acct))
		if se.Retryable || !strings.Contains(se.Reason, "20003") {
			t.Errorf("%+v", se)
		}
	})
	t.Run("not a WhatsApp sender", func(t *testing.T) {
		_, acct, env := newFake(t)
		acct.Settings["whatsappNumber"] = "+15550001111"
		se := asSendError(t, sendHi(env, acct))
		if se.Retryable || !strings.Contains(se.Reason, "63007") || !strings.Contains(se.Reason, "not an approved WhatsApp sender") {
			t.Errorf("%+v", se)
		}
	})
	t.Run("closed window is accepted, then fails", func(t *testing.T) {
		srv, acct, env := newFake(t)
		srv.CloseWindow("+14155551234")
		if err := sendHi(env, acct); err != nil {
			t.Errorf("Twilio accepts the message and reports the failure later: %v", err)
		}
		if m := srv.Messages(); len(m) != 1 || m[0].ErrorCode != 63016 {
			t.Errorf("messages %+v", m)
		}
	})
}

// TestSendCredentials checks which refusals are about the account's
// credentials (its health turns failing) and which about one message or
// recipient: the fake's own answers, and Twilio's documented codes.
func TestSendCredentials(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(srv *twiliotest.Server, acct *providers.Account)
		credentials bool
	}{
		{"wrong auth token", func(_ *twiliotest.Server, acct *providers.Account) {
			acct.Secrets = map[string]string{"authToken": strings.Repeat("0", 32)}
		}, true},
		{"no auth token", func(_ *twiliotest.Server, acct *providers.Account) { acct.Secrets = nil }, true},
		{"an API key SID for the Account SID", func(_ *twiliotest.Server, acct *providers.Account) {
			acct.Settings["accountSid"] = "SK" + twiliotest.DefaultAccountSID[2:]
		}, true},
		{"account not active", func(srv *twiliotest.Server, _ *providers.Account) {
			srv.FailNext(twiliotest.EndpointMessages, twiliotest.ErrorReply(http.StatusForbidden, 20005, "Account not active"))
		}, true},
		{"invalid number", func(srv *twiliotest.Server, _ *providers.Account) {
			srv.FailNext(twiliotest.EndpointMessages, twiliotest.ErrorReply(400, 21211, "Invalid 'To' Phone Number"))
		}, false},
		{"unsubscribed", func(srv *twiliotest.Server, _ *providers.Account) {
			srv.FailNext(twiliotest.EndpointMessages, twiliotest.ErrorReply(400, 21610, "Attempt to send to unsubscribed recipient"))
		}, false},
		{"outside the window", func(srv *twiliotest.Server, _ *providers.Account) {
			srv.FailNext(twiliotest.EndpointMessages, twiliotest.OutsideWindow)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			tt.setup(srv, &acct)
			se := asSendError(t, sendHi(env, acct))
			if se.Credentials != tt.credentials || se.Retryable {
				t.Errorf("credentials %v retryable %v (%s), want credentials %v, permanent", se.Credentials, se.Retryable, se.Reason, tt.credentials)
			}
		})
	}
}

func sendHi(env providers.Env, acct providers.Account) error {
	_, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "+14155551234", Text: "hi"})
	return err
}

func TestSendPartialFailure(t *testing.T) {
	srv, acct, env := newFake(t)
	srv.SetHook(func(r twiliotest.Request) *twiliotest.Reply {
		if strings.HasPrefix(r.Form.Get("Body"), "b") {
			return &twiliotest.ServiceUnavailable
		}
		return nil
	})
	text := strings.Repeat("a", 1600) + strings.Repeat("b", 10)
	res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "+14155551234", Text: text})
	if se := asSendError(t, err); !se.Retryable {
		t.Errorf("%+v", se)
	}
	if !reflect.DeepEqual(res.MessageIDs, []string{twiliotest.NewSID("SM", 1)}) {
		t.Errorf("MessageIDs = %v, want the part already accepted", res.MessageIDs)
	}
}

func TestSendTransportErrors(t *testing.T) {
	t.Run("server gone", func(t *testing.T) {
		srv, acct, env := newFake(t)
		srv.Close()
		se := asSendError(t, sendHi(env, acct))
		if !se.Retryable || strings.Contains(se.Reason, srv.URL) {
			t.Errorf("%+v", se)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		srv, acct, env := newFake(t)
		srv.FailNext(twiliotest.EndpointMessages, twiliotest.Reply{Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := Provider{}.Send(ctx, env, acct, providers.OutboundMessage{To: "+14155551234", Text: "hi"})
		if se := asSendError(t, err); !se.Retryable || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%+v (%v)", se, err)
		}
	})
}

// TestReceiptsRoundTrip: the IDs Send returns are the ones the status callbacks
// name, and a callback posted to the account's webhook verifies and parses.
func TestReceiptsRoundTrip(t *testing.T) {
	srv, acct, env := newFake(t)
	res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "+14155551234", Text: "hi"})
	if err != nil || len(res.MessageIDs) != 1 {
		t.Fatalf("Send: %v %v", res, err)
	}
	sid := res.MessageIDs[0]
	for _, tt := range []struct {
		status string
		kind   providers.EventKind
	}{{"sent", ""}, {"delivered", providers.EventDelivered}, {"read", providers.EventRead}} {
		hreq, err := srv.StatusCallback(context.Background(), sid, tt.status)
		if err != nil {
			t.Fatal(err)
		}
		req := fromHTTP(t, hreq, acct.WebhookURL)
		if _, _, err := (Provider{}).VerifyWebhook(acct, req); err != nil {
			t.Fatalf("%s: verify: %v", tt.status, err)
		}
		events, _, err := Provider{}.ParseWebhook(acct, req)
		if err != nil {
			t.Fatalf("%s: parse: %v", tt.status, err)
		}
		if tt.kind == "" {
			if len(events) != 0 {
				t.Errorf("%s: %+v", tt.status, events)
			}
			continue
		}
		if len(events) != 1 || events[0].Kind != tt.kind || !reflect.DeepEqual(events[0].RefMessageIDs, []string{sid}) || events[0].SenderID != "+14155551234" {
			t.Errorf("%s: %+v", tt.status, events)
		}
	}
}

// fromHTTP is the providers.WebhookRequest the ingest handler builds from req,
// with the public URL it knows.
func fromHTTP(t testing.TB, req *http.Request, publicURL string) *providers.WebhookRequest {
	t.Helper()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &providers.WebhookRequest{Method: req.Method, URL: req.URL, PublicURL: publicURL, Header: req.Header,
		Body: body, Received: received}
}
