package nexmo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/nexmo/nexmotest"
)

// sentBodies are the JSON bodies of the /v1/messages calls the fake received,
// each checked for Basic authentication and content type.
func sentBodies(t testing.TB, srv *nexmotest.Server) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range srv.Requests() {
		if r.Endpoint != nexmotest.EndpointMessages {
			continue
		}
		if !r.Authorized || r.Method != http.MethodPost || r.ContentType != "application/json" || r.Path != "/v1/messages" {
			t.Errorf("request %s %s authorized %v, Content-Type %q", r.Method, r.Path, r.Authorized, r.ContentType)
		}
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatalf("body %q: %v", r.Body, err)
		}
		out = append(out, m)
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
		{" https://api.nexmo.com/ ", "https://api.nexmo.com", false},
		{"https://api-eu.vonage.com", "https://api-eu.vonage.com", false},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080", false},
		{"https://proxy.example/vonage", "https://proxy.example/vonage", false},
		{"ftp://api.nexmo.com", "", true},
		{"api.nexmo.com", "", true},
		{"https://key:secret@api.nexmo.com", "", true},
		{"https://api.nexmo.com?x=1", "", true},
	}
	for _, tt := range tests {
		got, err := apiBase(tt.setting)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("apiBase(%q) = %q, %v", tt.setting, got, err)
		}
	}
	if DefaultAPIURL != "https://api.nexmo.com" {
		t.Errorf("DefaultAPIURL = %s", DefaultAPIURL)
	}
	// The account's apiUrl is where calls go: a path prefix is kept.
	srv, acct, env := newFake(t)
	acct.Settings["apiUrl"] = srv.URL + "/prefix/"
	_, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "447700900001", Text: "hi"})
	if reqs := srv.Requests(); err == nil || len(reqs) != 1 || reqs[0].Path != "/prefix/v1/messages" {
		t.Errorf("err %v, requests %+v", err, reqs)
	}
}

func TestMSISDN(t *testing.T) {
	tests := map[string]string{
		"447700900001": "447700900001", "+447700900001": "447700900001", "0044 7700 900001": "447700900001",
		" +44 (7700) 900-001 ": "447700900001", "whatsapp:+447700900001": "447700900001",
		"": "", "+": "", "44770090000a": "", "447700900001@c.us": "", strings.Repeat("1", 21): "",
	}
	for in, want := range tests {
		if got := msisdn(in); got != want {
			t.Errorf("msisdn(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSendText(t *testing.T) {
	srv, acct, env := newFake(t)
	res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "+447700900001", Text: "Hello <Jane> & co 🙂", ID: "42"})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if want := []string{nexmotest.NewUUID(1)}; !reflect.DeepEqual(res.MessageIDs, want) {
		t.Errorf("MessageIDs = %v, want %v", res.MessageIDs, want)
	}
	want := map[string]any{
		"message_type": "text", "channel": "whatsapp", "to": "447700900001", "from": testNumber,
		"text": "Hello <Jane> & co 🙂", "client_ref": "42", "webhook_url": testWebhookURL, "webhook_version": "v1",
	}
	if got := sentBodies(t, srv); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("bodies\n got %v\nwant %v", got, want)
	}
	if r := srv.Requests(); len(r) != 1 || r[0].User != testKey {
		t.Errorf("requests %+v", r)
	}
}

func TestSendOptionalFields(t *testing.T) {
	srv, acct, env := newFake(t)
	acct.WebhookURL = ""
	long := strings.Repeat("x", maxClientRef+1)
	if _, err := (Provider{}).Send(context.Background(), env, acct, providers.OutboundMessage{To: "447700900001", Text: "hi", ID: long}); err != nil {
		t.Fatal(err)
	}
	b := sentBodies(t, srv)
	if len(b) != 1 || b[0]["webhook_url"] != nil || b[0]["webhook_version"] != nil || b[0]["client_ref"] != nil {
		t.Errorf("bodies %v: no webhook_url without a webhook URL, no client_ref beyond 40 characters", b)
	}
}

func units(s string) int { return len(utf16.Encode([]rune(s))) }

func TestSendSplitsLongText(t *testing.T) {
	words := strings.Repeat("ünïcödé wörds 🙂 ", 700)
	lines := strings.Repeat(strings.Repeat("x", 99)+"\n", 90)
	tests := []struct {
		name      string
		text      string
		wantParts int
	}{
		{"exactly 4096", strings.Repeat("a", 4096), 1},
		{"4097", strings.Repeat("a", 4097), 2},
		{"emoji count twice", strings.Repeat("🙂", 2049), 2},
		{"words", words, 3},
		{"lines", lines, 3},
		{"blank tail", strings.Repeat("a", 4096) + "   \n ", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "447700900001", Text: tt.text})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != tt.wantParts || len(res.MessageIDs) != tt.wantParts {
				t.Fatalf("%d parts (%d IDs), want %d", len(msgs), len(res.MessageIDs), tt.wantParts)
			}
			var joined strings.Builder
			for i, m := range msgs {
				if units(m.Text) > maxTextLen || strings.TrimSpace(m.Text) == "" {
					t.Errorf("part %d has %d units", i, units(m.Text))
				}
				if m.UUID != res.MessageIDs[i] {
					t.Errorf("part %d is %s, ID %s: out of order", i, m.UUID, res.MessageIDs[i])
				}
				joined.WriteString(m.Text)
			}
			squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if squash(joined.String()) != squash(tt.text) {
				t.Errorf("the parts do not add up to the text")
			}
		})
	}
}

func TestSendMedia(t *testing.T) {
	const img, pdf, ogg, mp4 = "https://cdn.example/a.jpg", "https://cdn.example/invoice.pdf", "https://cdn.example/v.ogg", "https://cdn.example/v.mp4"
	type sent struct{ typ, text, url, caption, name string }
	tests := []struct {
		name string
		msg  providers.OutboundMessage
		want []sent
	}{
		{"image with a caption", providers.OutboundMessage{Text: "Your photo", Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentImage, URL: img}}},
			[]sent{{"image", "", img, "Your photo", ""}}},
		{"file with its name", providers.OutboundMessage{Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentFile, URL: pdf, FileName: "Invoice 123.pdf"}}},
			[]sent{{"file", "", pdf, "", "Invoice 123.pdf"}}},
		{"voice as audio, text first", providers.OutboundMessage{Text: "Listen", Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentVoice, URL: ogg}}},
			[]sent{{"text", "Listen", "", "", ""}, {"audio", "", ogg, "", ""}}},
		{"caption too long", providers.OutboundMessage{Text: strings.Repeat("w ", 600), Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentVideo, URL: mp4}}},
			[]sent{{"text", strings.Repeat("w ", 600), "", "", ""}, {"video", "", mp4, "", ""}}},
		{"two media, the first captioned", providers.OutboundMessage{Text: "Both", Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentVideo, URL: mp4}, {Type: providers.AttachmentImage, URL: img}}},
			[]sent{{"video", "", mp4, "Both", ""}, {"image", "", img, "", ""}}},
		{"WebP sticker", providers.OutboundMessage{Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentSticker, URL: "https://cdn.example/s", MimeType: "image/webp"}}},
			[]sent{{"sticker", "", "https://cdn.example/s", "", ""}}},
		{"PNG sticker as image", providers.OutboundMessage{Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentSticker, URL: "https://cdn.example/s.png"}}},
			[]sent{{"image", "", "https://cdn.example/s.png", "", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			msg := tt.msg
			msg.To = "447700900001"
			res, err := Provider{}.Send(context.Background(), env, acct, msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			var got []sent
			for _, m := range srv.Messages() {
				got = append(got, sent{m.MessageType, m.Text, m.MediaURL, m.Caption, m.Name})
			}
			if !reflect.DeepEqual(got, tt.want) || len(res.MessageIDs) != len(tt.want) {
				t.Errorf("sent\n got %+v\nwant %+v (IDs %v)", got, tt.want, res.MessageIDs)
			}
		})
	}
}

func TestSendRefusedBeforeSending(t *testing.T) {
	tests := []struct {
		name   string
		acct   func(a providers.Account) providers.Account
		msg    providers.OutboundMessage
		reason string
	}{
		{"JWT authentication", func(a providers.Account) providers.Account { return withSettings(a, "authentication", "JWT") },
			providers.OutboundMessage{To: "1555", Text: "hi"}, "authentication JWT needs the Vonage application's private key"},
		{"unknown authentication", func(a providers.Account) providers.Account { return withSettings(a, "authentication", "OAUTH") },
			providers.OutboundMessage{To: "1555", Text: "hi"}, "must be BASIC or JWT"},
		{"no API key", func(a providers.Account) providers.Account { return withSettings(a, "apiKey", " ") },
			providers.OutboundMessage{To: "1555", Text: "hi"}, "no Vonage API key"},
		{"no API secret", func(a providers.Account) providers.Account { return withSettings(a, "apiSecret", "") },
			providers.OutboundMessage{To: "1555", Text: "hi"}, "no Vonage API secret"},
		{"no number", func(a providers.Account) providers.Account { return withSettings(a, "whatsappNumber", "") },
			providers.OutboundMessage{To: "1555", Text: "hi"}, "no WhatsApp number"},
		{"bad apiUrl", func(a providers.Account) providers.Account { return withSettings(a, "apiUrl", "mailto:x@example.com") },
			providers.OutboundMessage{To: "1555", Text: "hi"}, "apiUrl"},
		{"no recipient", func(a providers.Account) providers.Account { return a },
			providers.OutboundMessage{To: "someone", Text: "hi"}, "no recipient"},
		{"nothing to send", func(a providers.Account) providers.Account { return a },
			providers.OutboundMessage{To: "1555", Text: " \n"}, "nothing to send"},
		{"bytes without URL", func(a providers.Account) providers.Account { return a },
			providers.OutboundMessage{To: "1555", Text: "hi", Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentImage, Data: []byte("x")}}}, "attachment 1: Vonage takes media only from a public URL"},
		{"relative URL", func(a providers.Account) providers.Account { return a },
			providers.OutboundMessage{To: "1555", Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentImage, URL: "https://x/a.jpg"}, {Type: providers.AttachmentFile, URL: "/a.pdf"}}}, "attachment 2: the attachment URL is not an absolute"},
		{"empty attachment", func(a providers.Account) providers.Account { return a },
			providers.OutboundMessage{To: "1555", Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentFile}}}, "neither a URL nor data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			_, err := Provider{}.Send(context.Background(), env, tt.acct(acct), tt.msg)
			se := asSendError(t, err)
			if se.Retryable || !strings.Contains(se.Reason, tt.reason) || !strings.HasPrefix(err.Error(), "send: nexmo: send: ") {
				t.Errorf("error %v (retryable %v), want a permanent %q", err, se.Retryable, tt.reason)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests", n)
			}
		})
	}
	t.Run("JWT without a private key is ErrNoPrivateKey", func(t *testing.T) {
		srv, acct, env := newFake(t)
		_, err := Provider{}.Send(context.Background(), env, withSettings(acct, "authentication", "jwt"), providers.OutboundMessage{To: "1555", Text: "hi"})
		if se := asSendError(t, err); !errors.Is(err, ErrNoPrivateKey) || !se.Credentials || se.Retryable || len(srv.Requests()) != 0 {
			t.Errorf("err = %v (%+v), %d requests", err, se, len(srv.Requests()))
		}
	})
}

func TestSendErrors(t *testing.T) {
	outsideWindow := nexmotest.Problem(http.StatusUnprocessableEntity, "https://developer.nexmo.com/api-errors/messages-olympus#1020",
		"Invalid params", "The message type is not allowed for this channel outside the customer care window.")
	tests := []struct {
		name       string
		setup      func(srv *nexmotest.Server, acct *providers.Account)
		retryable  bool
		retryAfter time.Duration
		reason     []string
	}{
		{"wrong secret", func(_ *nexmotest.Server, a *providers.Account) { a.Secrets["apiSecret"] = "0000000000000000" },
			false, 0, []string{"Invalid credentials supplied: You did not provide correct credentials.", "[Vonage error unauthorized", "API Settings"}},
		{"not our number", func(_ *nexmotest.Server, a *providers.Account) { a.Settings["whatsappNumber"] = "447700900999" },
			false, 0, []string{"Invalid sender: The `from` parameter is invalid for the given channel.", "[Vonage error 1120: the whatsappNumber is not a WhatsApp sender"}},
		{"outside the window (422)", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.FailNext(nexmotest.EndpointMessages, outsideWindow)
		},
			false, 0, []string{"Invalid params: The message type is not allowed for this channel outside the customer care window.", "[Vonage error 1020"}},
		{"invalid parameter", func(srv *nexmotest.Server, _ *providers.Account) {
			r := nexmotest.Problem(422, "https://developer.nexmo.com/api-errors/messages-olympus#1020", "Invalid params", "The value of one or more parameters is invalid.")
			r.InvalidParams = []nexmotest.InvalidParam{{Name: "to", Reason: "Invalid number"}}
			srv.FailNext(nexmotest.EndpointMessages, r)
		}, false, 0, []string{"(to: Invalid number)"}},
		{"rate limited", func(srv *nexmotest.Server, _ *providers.Account) {
			r := nexmotest.TooManyRequests
			r.Header = http.Header{"Retry-After": {"3"}}
			srv.FailNext(nexmotest.EndpointMessages, r)
		}, true, 3 * time.Second, []string{"Rate Limit Hit: Please wait, then retry your request"}},
		{"Vonage's failure", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.FailNext(nexmotest.EndpointMessages, nexmotest.InternalError)
		},
			true, 0, []string{"Internal error"}},
		{"a proxy's page", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.FailNext(nexmotest.EndpointMessages, nexmotest.BadGateway)
		},
			true, 0, []string{"Vonage answered HTTP 502"}},
		{"a 4xx page", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.FailNext(nexmotest.EndpointMessages, nexmotest.Reply{HTTPStatus: 403, Body: "<html>Forbidden</html>"})
		}, false, 0, []string{"Vonage answered HTTP 403"}},
		{"accepted, unreadable answer", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.FailNext(nexmotest.EndpointMessages, nexmotest.Reply{HTTPStatus: 202, Body: "{"})
		}, false, 0, []string{"decode answer"}},
		{"a secret echoed by a proxy", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.FailNext(nexmotest.EndpointMessages, nexmotest.Problem(400, "", "Bad", "credentials "+testSecret+" refused"))
		}, false, 0, []string{"credentials <api secret> refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			tt.setup(srv, &acct)
			_, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "447700900001", Text: "hi"})
			se := asSendError(t, err)
			if se.Retryable != tt.retryable || se.RetryAfter != tt.retryAfter {
				t.Errorf("retryable %v after %v, want %v after %v", se.Retryable, se.RetryAfter, tt.retryable, tt.retryAfter)
			}
			for _, r := range tt.reason {
				if !strings.Contains(se.Reason, r) {
					t.Errorf("reason %q lacks %q", se.Reason, r)
				}
			}
			if !strings.HasPrefix(se.Err.Error(), "nexmo: send: ") {
				t.Errorf("cause %q lacks context", se.Err)
			}
		})
	}
}

// TestSendCredentials checks which refusals are about the API key and secret
// (the account's health turns failing) and which about one message or
// recipient: the fake's own answers, and Vonage's documented ones.
func TestSendCredentials(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(srv *nexmotest.Server, acct *providers.Account)
		credentials bool
	}{
		{"wrong secret", func(_ *nexmotest.Server, a *providers.Account) { a.Secrets["apiSecret"] = "0000000000000000" }, true},
		{"no secret", func(_ *nexmotest.Server, a *providers.Account) { delete(a.Secrets, "apiSecret") }, true},
		{"JWT authentication", func(_ *nexmotest.Server, a *providers.Account) { a.Settings["authentication"] = AuthJWT }, true},
		{"invalid recipient", func(srv *nexmotest.Server, _ *providers.Account) {
			r := nexmotest.Problem(422, "https://developer.nexmo.com/api-errors/messages-olympus#1020", "Invalid params", "The value of one or more parameters is invalid.")
			r.InvalidParams = []nexmotest.InvalidParam{{Name: "to", Reason: "Invalid number"}}
			srv.FailNext(nexmotest.EndpointMessages, r)
		}, false},
		{"outside the window", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.FailNext(nexmotest.EndpointMessages, nexmotest.Problem(http.StatusUnprocessableEntity, "https://developer.nexmo.com/api-errors/messages-olympus#1020",
				"Invalid params", "The message type is not allowed for this channel outside the customer care window."))
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			tt.setup(srv, &acct)
			_, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "447700900001", Text: "hi"})
			se := asSendError(t, err)
			if se.Credentials != tt.credentials || se.Retryable {
				t.Errorf("credentials %v retryable %v (%s), want credentials %v, permanent", se.Credentials, se.Retryable, se.Reason, tt.credentials)
			}
		})
	}
}

// TestSendPartialFailure: when a later part fails, the parts already accepted
// are reported.
func TestSendPartialFailure(t *testing.T) {
	srv, acct, env := newFake(t)
	calls := 0
	srv.SetHook(func(r nexmotest.Request) *nexmotest.Reply {
		if r.Endpoint != nexmotest.EndpointMessages {
			return nil
		}
		calls++
		if calls == 2 {
			return &nexmotest.InternalError
		}
		return nil
	})
	res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "447700900001", Text: "see this",
		Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentAudio, URL: "https://x/a.mp3"}}})
	if se := asSendError(t, err); !se.Retryable {
		t.Errorf("err %v", err)
	}
	if len(res.MessageIDs) != 1 || res.MessageIDs[0] != srv.Messages()[0].UUID {
		t.Errorf("MessageIDs %v", res.MessageIDs)
	}
}

func TestSendUnreachable(t *testing.T) {
	srv, acct, env := newFake(t)
	srv.Close()
	_, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "447700900001", Text: "hi"})
	se := asSendError(t, err)
	if !se.Retryable || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("err = %v (retryable %v)", err, se.Retryable)
	}
}

func TestSendTimeout(t *testing.T) {
	srv, acct, env := newFake(t)
	srv.FailNext(nexmotest.EndpointMessages, nexmotest.Reply{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Provider{}.Send(ctx, env, acct, providers.OutboundMessage{To: "447700900001", Text: "hi"})
	if se := asSendError(t, err); !se.Retryable || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
}
