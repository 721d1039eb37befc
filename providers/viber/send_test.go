package viber

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/viber/vibertest"
)

// newFake starts the shared fake with testToken and returns it with the provider
// pointed at it and the env to call it with.
func newFake(t testing.TB) (*vibertest.Server, *Provider, providers.Env) {
	t.Helper()
	srv := vibertest.NewServer(testToken)
	t.Cleanup(srv.Close)
	return srv, New(srv.URL), providers.Env{HTTP: srv.Client(), Now: time.Now}
}

// newFiles starts a media host for outbound attachments.
func newFiles(t testing.TB) *vibertest.FileServer {
	t.Helper()
	f := vibertest.NewFileServer()
	t.Cleanup(f.Close)
	return f
}

// checkNoToken fails when err, or anything it wraps, shows the token.
func checkNoToken(t testing.TB, err error) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), testToken) || strings.Contains(fmt.Sprintf("%+v %#v", e, e), testToken) {
			t.Errorf("error shows the token: %v", e)
		}
	}
}

// token is the ID the fake gave its n-th accepted message (from 0).
func token(n int) string { return strconv.FormatInt(5741311803571721087+int64(n), 10) }

// sentBodies decodes the send_message bodies the fake received.
func sentBodies(t testing.TB, srv *vibertest.Server) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range srv.Requests() {
		if r.Endpoint != "send_message" {
			continue
		}
		if r.Token != testToken || r.Method != http.MethodPost || r.ContentType != "application/json" {
			t.Errorf("request %s %s with token %q, Content-Type %q", r.Method, r.Endpoint, r.Token, r.ContentType)
		}
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatalf("body %s: %v", r.Body, err)
		}
		out = append(out, m)
	}
	return out
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		p    Provider
		want string
	}{
		{Provider{}, DefaultAPIURL},
		{*New(""), DefaultAPIURL},
		{*New("http://127.0.0.1:8080/"), "http://127.0.0.1:8080"},
	}
	for _, tt := range tests {
		if got := tt.p.base(); got != tt.want {
			t.Errorf("base() = %q, want %q", got, tt.want)
		}
	}
	if DefaultAPIURL != "https://chatapi.viber.com" {
		t.Errorf("DefaultAPIURL = %s", DefaultAPIURL)
	}
}

func TestSendText(t *testing.T) {
	srv, p, env := newFake(t)
	res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: "01234567890A=", Text: "Hello <John> & co", ID: "42"})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	// The token is above 2^53: a float64 on the way would have changed it.
	if want := []string{"5741311803571721087"}; !reflect.DeepEqual(res.MessageIDs, want) {
		t.Errorf("MessageIDs = %v, want %v", res.MessageIDs, want)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].Body), "<John> & co") {
		t.Errorf("body %s: HTML characters must stay unescaped", reqs[0].Body)
	}
	want := map[string]any{"receiver": "01234567890A=", "sender": map[string]any{"name": "acmeviber"}, "type": "text", "text": "Hello <John> & co"}
	if got := sentBodies(t, srv); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("bodies\n got %v\nwant %v", got, want)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].Receiver != "01234567890A=" || m[0].SenderName != "acmeviber" {
		t.Errorf("delivered %+v", m)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	words := strings.Fields(strings.Repeat("ünïcödé wörds 🙂 ", 1000))
	tests := []struct {
		name      string
		text      string
		wantParts int
	}{
		{"exactly 7000", strings.Repeat("a", 7000), 1},
		{"7001", strings.Repeat("a", 7001), 2},
		{"15000 runes without spaces", strings.Repeat("ж", 15000), 3},
		{"words", strings.Join(words, " "), 3},
		{"lines", strings.Repeat(strings.Repeat("x", 99)+"\n", 150), 3},
		// An emoji is two UTF-16 code units: 3500 fit in one message.
		{"3500 emoji", strings.Repeat("🙂", 3500), 1},
		{"3501 emoji", strings.Repeat("🙂", 3501), 2},
		// Escaped in JSON, 7000 control characters would pass 30 KB.
		{"control characters", strings.Repeat("\x01", 7000), 2},
		{"angle brackets are one byte each", strings.Repeat("<", 7000), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: "u=", Text: tt.text})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != tt.wantParts || len(res.MessageIDs) != tt.wantParts {
				t.Fatalf("%d messages, %d IDs, want %d", len(msgs), len(res.MessageIDs), tt.wantParts)
			}
			var joined strings.Builder
			for i, m := range msgs {
				if m.Type != "text" || m.Receiver != "u=" {
					t.Errorf("part %d: %s to %s", i, m.Type, m.Receiver)
				}
				if !utf8.ValidString(m.Text) || m.Text == "" {
					t.Errorf("part %d is empty or not valid UTF-8", i)
				}
				joined.WriteString(m.Text)
				if res.MessageIDs[i] != token(i) {
					t.Errorf("MessageIDs[%d] = %s, want %s", i, res.MessageIDs[i], token(i))
				}
			}
			// The parts, in order, are the text less the whitespace cut at.
			if strip(joined.String()) != strip(tt.text) {
				t.Errorf("parts do not add up to the text")
			}
			if joined.Len() < len(tt.text)-tt.wantParts {
				t.Errorf("more than one character lost per cut")
			}
		})
	}
}

func strip(s string) string { return strings.Join(strings.Fields(s), "") }

func TestSplitText(t *testing.T) {
	para := strings.Repeat("word ", 1000) // 5000 units
	parts := splitText(para+"\n"+para, maxTextLen, maxTextBytes)
	if len(parts) != 2 || parts[0] != para || parts[1] != para {
		t.Errorf("split at %d runes, want at the line break", utf8.RuneCountInString(parts[0]))
	}
	if got := splitText("   \n  ", maxTextLen, maxTextBytes); got != nil {
		t.Errorf("blank text gave parts %q", got)
	}
	// A surrogate pair is never cut.
	for _, p := range splitText(strings.Repeat("a🙂", 10), 4, 1000) {
		if !utf8.ValidString(p) {
			t.Errorf("part %q is not valid UTF-8", p)
		}
	}
	if got := truncate("ab🙂c", 3); got != "ab" {
		t.Errorf("truncate = %q", got)
	}
}

func TestSendMedia(t *testing.T) {
	files := newFiles(t)
	video := files.Add("clip.mp4", make([]byte, 12345), "video/mp4")
	pdf := files.Add("docs/Invoice March.pdf", make([]byte, 777), "application/pdf")
	song := files.Add("song.mp3", make([]byte, 321), "audio/mpeg")
	longText := strings.Repeat("long caption ", 50) // 650: over the 512 picture description limit
	str := func(s string) *string { return &s }
	type body struct {
		Type     string  `json:"type"`
		Text     *string `json:"text"`
		Media    string  `json:"media"`
		Size     float64 `json:"size"`
		FileName string  `json:"file_name"`
	}
	tests := []struct {
		name  string
		msg   providers.OutboundMessage
		want  []body
		heads int
	}{
		{
			name: "picture with description",
			msg: providers.OutboundMessage{Text: " Your receipt ", Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentImage, URL: "https://cdn.example.com/r.jpg"},
			}},
			want: []body{{Type: "picture", Text: str("Your receipt"), Media: "https://cdn.example.com/r.jpg"}},
		},
		{
			name: "picture without text still has a description",
			msg: providers.OutboundMessage{Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentSticker, URL: "https://cdn.example.com/s.png"},
			}},
			want: []body{{Type: "picture", Text: str(""), Media: "https://cdn.example.com/s.png"}},
		},
		{
			name: "text too long for a description goes first",
			msg: providers.OutboundMessage{Text: longText, Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentImage, URL: "https://cdn.example.com/r.jpg"},
			}},
			want: []body{
				{Type: "text", Text: str(longText)},
				{Type: "picture", Text: str(""), Media: "https://cdn.example.com/r.jpg"},
			},
		},
		{
			name: "video and files sized by HEAD, text first",
			msg: providers.OutboundMessage{Text: "files", Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentVideo, URL: video},
				{Type: providers.AttachmentFile, URL: pdf},
				{Type: providers.AttachmentVoice, URL: song, FileName: "voice note.mp3"},
			}},
			want: []body{
				{Type: "text", Text: str("files")},
				{Type: "video", Media: video, Size: 12345},
				{Type: "file", Media: pdf, Size: 777, FileName: "Invoice March.pdf"},
				{Type: "file", Media: song, Size: 321, FileName: "voice note.mp3"},
			},
			heads: 3,
		},
		{
			name: "data beside the URL gives the size",
			msg: providers.OutboundMessage{Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentFile, URL: "https://cdn.example.com/x", Data: []byte("%PDF-1.7"), MimeType: "application/pdf"},
			}},
			want: []body{{Type: "file", Media: "https://cdn.example.com/x", Size: 8, FileName: "x"}},
		},
		{
			name: "a file without a name gets one from its type",
			msg: providers.OutboundMessage{Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentFile, URL: "https://cdn.example.com/", Data: []byte("%PDF-1.7"), MimeType: "application/pdf"},
			}},
			want: []body{{Type: "file", Media: "https://cdn.example.com/", Size: 8, FileName: "file.pdf"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			heads := files.Heads()
			tt.msg.To = "u="
			res, err := p.Send(context.Background(), env, testAccount, tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			var got []body
			for _, r := range srv.Requests() {
				var b body
				if err := json.Unmarshal(r.Body, &b); err != nil {
					t.Fatal(err)
				}
				got = append(got, b)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("bodies\n got %s\nwant %s", show(got), show(tt.want))
			}
			if len(res.MessageIDs) != len(tt.want) {
				t.Errorf("MessageIDs %v", res.MessageIDs)
			}
			if n := files.Heads() - heads; n != tt.heads {
				t.Errorf("%d HEAD requests, want %d", n, tt.heads)
			}
		})
	}
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSendMediaRefused: an attachment Viber cannot take fails the message whole
// and before anything is sent.
func TestSendMediaRefused(t *testing.T) {
	files := newFiles(t)
	noLength := files.AddWithoutLength("stream.mp4", make([]byte, 100), "video/mp4")
	broken := httpStatusServer(t, http.StatusServiceUnavailable)
	tests := []struct {
		name      string
		att       providers.OutboundAttachment
		retryable bool
		reason    string
	}{
		{"upload without URL", providers.OutboundAttachment{Type: providers.AttachmentImage, Data: []byte{0xff, 0xd8}}, false, "only by URL"},
		{"nothing", providers.OutboundAttachment{Type: providers.AttachmentFile}, false, "neither a URL nor data"},
		{"relative URL", providers.OutboundAttachment{Type: providers.AttachmentImage, URL: "/media/1"}, false, "absolute"},
		{"file not found", providers.OutboundAttachment{Type: providers.AttachmentVideo, URL: files.URL + "/missing.mp4"}, false, "answered 404"},
		{"no Content-Length", providers.OutboundAttachment{Type: providers.AttachmentVideo, URL: noLength}, false, "Content-Length"},
		{"file server down", providers.OutboundAttachment{Type: providers.AttachmentFile, URL: broken + "/f.pdf"}, true, "answered 503"},
		{"file server unreachable", providers.OutboundAttachment{Type: providers.AttachmentFile, URL: "http://127.0.0.1:1/f.pdf"}, true, "could not ask"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			msg := providers.OutboundMessage{To: "u=", Text: "see attached", Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentImage, URL: "https://cdn.example.com/ok.jpg"}, tt.att,
			}}
			res, err := p.Send(context.Background(), env, testAccount, msg)
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable != tt.retryable || !strings.Contains(se.Reason, tt.reason) || !strings.HasPrefix(se.Reason, "attachment 2: ") {
				t.Fatalf("err = %#v, want retryable=%v about %q in attachment 2", err, tt.retryable, tt.reason)
			}
			if len(srv.Requests()) != 0 || len(res.MessageIDs) != 0 {
				t.Errorf("something was sent: %d requests, IDs %v", len(srv.Requests()), res.MessageIDs)
			}
			checkNoToken(t, err)
		})
	}
}

// httpStatusServer answers every request with code.
func httpStatusServer(t testing.TB, code int) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }))
	t.Cleanup(s.Close)
	return s.URL
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		reply     vibertest.Reply
		retryable bool
		reason    string
		after     time.Duration
	}{
		{"receiver not subscribed", vibertest.StatusReply(6), false, "receiverNotSubscribed: the customer has not subscribed", 0},
		{"receiver not registered", vibertest.StatusReply(5), false, "receiverNotRegistered", 0},
		{"bad token", vibertest.StatusReply(2), false, "invalidAuthToken: Viber does not accept", 0},
		{"bad data", vibertest.StatusReply(3), false, "badData", 0},
		{"account blocked", vibertest.StatusReply(7), false, "publicAccountBlocked", 0},
		{"no webhook", vibertest.StatusReply(10), false, "set the webhook first", 0},
		{"rate limit", vibertest.TooManyRequests, true, "Too many requests: Viber's rate limit", 0},
		{"general error", vibertest.GeneralError, true, "General error", 0},
		{"Viber's own words kept", vibertest.Reply{Status: 6, StatusMessage: "receiverNotSubscribed"}, false, "receiverNotSubscribed:", 0},
		{"bad gateway page", vibertest.BadGateway, true, "HTTP 502", 0},
		{"429 with Retry-After", vibertest.Reply{HTTPStatus: 429, Body: "slow down", Header: http.Header{"Retry-After": {"7"}}}, true, "HTTP 429", 7 * time.Second},
		{"500 with a Viber body", vibertest.Reply{HTTPStatus: 500, Status: 3, StatusMessage: "badData"}, true, "badData", 0},
		{"404 page", vibertest.Reply{HTTPStatus: 404, Body: "not found"}, false, "HTTP 404", 0},
		{"ok without status", vibertest.Reply{Body: `{"message_token":1}`}, false, "without status", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			srv.FailNext("send_message", tt.reply)
			_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: "u=", Text: "hi"})
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Retryable != tt.retryable || !strings.Contains(se.Reason, tt.reason) || se.RetryAfter != tt.after {
				t.Errorf("SendError{Retryable: %v, RetryAfter: %v, Reason: %q}, want %v, %v, %q", se.Retryable, se.RetryAfter, se.Reason, tt.retryable, tt.after, tt.reason)
			}
			checkNoToken(t, err)
		})
	}
}

// TestSendCredentials checks which refusals are about the bot's token (its
// health turns failing) and which about one receiver: the fake's own answers to
// a wrong token and to receivers who left, and the documented statuses about
// the bot itself.
func TestSendCredentials(t *testing.T) {
	withToken := func(token string) providers.Account {
		a := testAccount
		a.Secrets = map[string]string{"token": token}
		return a
	}
	tests := []struct {
		name        string
		acct        providers.Account
		to          string
		reply       *vibertest.Reply
		credentials bool
	}{
		{"wrong token", withToken("445da6az1s345z78-revoked"), "u=", nil, true},
		{"no token", withToken(""), "u=", nil, true},
		{"bot blocked", testAccount, "u=", &vibertest.Reply{Status: 7, StatusMessage: "publicAccountBlocked"}, true},
		{"bot suspended", testAccount, "u=", &vibertest.Reply{Status: 9, StatusMessage: "publicAccountSuspended"}, true},
		{"bot not authorized", testAccount, "u=", &vibertest.Reply{Status: 15, StatusMessage: "publicAccountNotAuthorized"}, true},
		{"receiver not subscribed", testAccount, "left=", nil, false},
		{"receiver not registered", testAccount, "gone=", nil, false},
		{"no webhook", testAccount, "u=", &vibertest.Reply{Status: 10, StatusMessage: "webhookNotSet"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			srv.Unsubscribe("left=")
			srv.Unregister("gone=")
			if tt.reply != nil {
				srv.FailNext("send_message", *tt.reply)
			}
			_, err := p.Send(context.Background(), env, tt.acct, providers.OutboundMessage{To: tt.to, Text: "hi"})
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Credentials != tt.credentials || se.Retryable {
				t.Errorf("SendError{Credentials: %v, Retryable: %v, Reason: %q}, want Credentials %v, permanent",
					se.Credentials, se.Retryable, se.Reason, tt.credentials)
			}
		})
	}
}

func TestSendTransportErrors(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.FailNext("send_message", vibertest.Reply{Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := p.Send(ctx, env, testAccount, providers.OutboundMessage{To: "u=", Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
		checkNoToken(t, err)
	})
	t.Run("connection refused", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.Close()
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: "u=", Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable || !strings.Contains(se.Reason, "viber: send_message:") {
			t.Errorf("err = %v", err)
		}
		checkNoToken(t, err)
	})
	t.Run("the real token check", func(t *testing.T) {
		_, p, env := newFake(t)
		acct := testAccount
		acct.Secrets = map[string]string{"token": "445da6az1s345z78-dazcczb2542zv51a-wrongtoken0000"}
		_, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: "u=", Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "invalidAuthToken") {
			t.Errorf("err = %v", err)
		}
		if strings.Contains(err.Error(), "wrongtoken") {
			t.Errorf("error shows the token: %v", err)
		}
	})
	t.Run("unsubscribed receiver", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.Unsubscribe("gone=")
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: "gone=", Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.HasPrefix(se.Reason, "receiverNotSubscribed") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestSendPartialFailure: when a later part fails, the parts already delivered
// are reported.
func TestSendPartialFailure(t *testing.T) {
	srv, p, env := newFake(t)
	srv.SetHook(func(r vibertest.Request) *vibertest.Reply {
		if len(srv.Messages()) == 1 {
			return &vibertest.GeneralError
		}
		return nil
	})
	res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: "u=", Text: strings.Repeat("a", 7001)})
	var se *providers.SendError
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("err = %v", err)
	}
	if want := []string{token(0)}; !reflect.DeepEqual(res.MessageIDs, want) {
		t.Errorf("MessageIDs = %v, want %v", res.MessageIDs, want)
	}
}

func TestSendPreconditions(t *testing.T) {
	noName := testAccount
	noName.Settings = map[string]string{}
	noToken := testAccount
	noToken.Secrets = map[string]string{"token": "  "}
	tests := []struct {
		name   string
		acct   providers.Account
		msg    providers.OutboundMessage
		reason string
	}{
		{"no token", noToken, providers.OutboundMessage{To: "u=", Text: "hi"}, "no token"},
		{"no sender name", noName, providers.OutboundMessage{To: "u=", Text: "hi"}, "botUsername"},
		{"no recipient", testAccount, providers.OutboundMessage{Text: "hi"}, "no recipient"},
		{"nothing to send", testAccount, providers.OutboundMessage{To: "u=", Text: " \n"}, "nothing to send"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			_, err := p.Send(context.Background(), env, tt.acct, tt.msg)
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("err = %v, want a permanent failure about %q", err, tt.reason)
			}
			if len(srv.Requests()) != 0 {
				t.Errorf("the API was called")
			}
		})
	}
}

func TestSenderNameTruncated(t *testing.T) {
	srv, p, env := newFake(t)
	acct := testAccount
	acct.Settings = map[string]string{"botUsername": strings.Repeat("n", 27) + "🙂"}
	if _, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: "u=", Text: "hi"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].SenderName != strings.Repeat("n", 27) {
		t.Errorf("sender name %q", m[0].SenderName)
	}
}

// TestSenderNameIsTheBotsName: once Test Connection learned the bot's
// display name, customers see it as the sender, not the URI.
func TestSenderNameIsTheBotsName(t *testing.T) {
	srv, p, env := newFake(t)
	res, err := p.TestConnection(context.Background(), env, testAccount)
	if err != nil || !res.OK {
		t.Fatalf("TestConnection: %+v %v", res, err)
	}
	acct := testAccount
	acct.Settings = maps.Clone(testAccount.Settings)
	maps.Copy(acct.Settings, res.Settings)
	if _, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: "u=", Text: "hi"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].SenderName != vibertest.DefaultAccount.Name {
		t.Errorf("messages %+v, want the sender named %q", m, vibertest.DefaultAccount.Name)
	}
}

// TestSendConcurrently: one provider and one fake serve many sends at once.
func TestSendConcurrently(t *testing.T) {
	srv, p, env := newFake(t)
	const n = 30
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: fmt.Sprintf("u%d=", i), Text: "hi"})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := len(srv.Messages()); got != n {
		t.Errorf("%d messages, want %d", got, n)
	}
}
