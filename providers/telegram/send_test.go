package telegram

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
)

func TestSendText(t *testing.T) {
	fake := newFakeAPI(t)
	res, err := New(fake.URL).Send(context.Background(), fake.env(), testAccount, providers.OutboundMessage{To: "3527065", Text: "Hello Nic"})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if want := []string{"3527065:1000"}; !reflect.DeepEqual(res.MessageIDs, want) {
		t.Errorf("MessageIDs = %v, want %v", res.MessageIDs, want)
	}
	calls := fake.Calls()
	want := []apiCall{{Method: "sendMessage", ContentType: "application/json", Params: map[string]string{"chat_id": "3527065", "text": "Hello Nic"}}}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("calls\n got %+v\nwant %+v", calls, want)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	words := strings.Fields(strings.Repeat("ünïcödé wörds 🙂 ", 700))
	tests := []struct {
		name      string
		text      string
		wantParts int
	}{
		{"9000 runes without spaces", strings.Repeat("ж", 9000), 3},
		{"exactly 4096", strings.Repeat("a", 4096), 1},
		{"4097", strings.Repeat("a", 4097), 2},
		{"words", strings.Join(words, " "), 3},
		{"lines", strings.Repeat(strings.Repeat("x", 99)+"\n", 90), 3},
		{"emoji", strings.Repeat("🙂", 8200), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			res, err := New(fake.URL).Send(context.Background(), fake.env(), testAccount, providers.OutboundMessage{To: "42", Text: tt.text})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			calls := fake.Calls()
			if len(calls) != tt.wantParts || len(res.MessageIDs) != tt.wantParts {
				t.Fatalf("%d calls, %d IDs, want %d", len(calls), len(res.MessageIDs), tt.wantParts)
			}
			var joined []string
			for i, c := range calls {
				part := c.Params["text"]
				if c.Method != "sendMessage" || c.Params["chat_id"] != "42" {
					t.Errorf("call %d: %s %v", i, c.Method, c.Params["chat_id"])
				}
				if n := utf8.RuneCountInString(part); n > maxTextLen || n == 0 {
					t.Errorf("part %d has %d runes", i, n)
				}
				if !utf8.ValidString(part) {
					t.Errorf("part %d is not valid UTF-8", i)
				}
				joined = append(joined, part)
				if want := "42:" + itoa(1000+i); res.MessageIDs[i] != want {
					t.Errorf("MessageIDs[%d] = %s, want %s", i, res.MessageIDs[i], want)
				}
			}
			// The parts, in order, are the text less the whitespace cut at.
			if strip(strings.Join(joined, "")) != strip(tt.text) {
				t.Errorf("parts do not add up to the text")
			}
			if len(strings.Join(joined, "")) < len(tt.text)-tt.wantParts {
				t.Errorf("more than one character lost per cut")
			}
		})
	}
}

func strip(s string) string { return strings.Join(strings.Fields(s), "") }

func TestSplitTextPrefersLineBreaks(t *testing.T) {
	para := strings.Repeat("word ", 600) // 3000 runes
	parts := splitText(para+"\n"+para, 4096)
	if len(parts) != 2 || parts[0] != para || parts[1] != para {
		t.Errorf("split at %d runes, want at the line break", utf8.RuneCountInString(parts[0]))
	}
	if got := splitText("   \n  ", 4096); got != nil {
		t.Errorf("blank text gave parts %q", got)
	}
}

func TestSendMedia(t *testing.T) {
	longText := strings.Repeat("long caption ", 100) // 1300 runes: over the 1024 caption limit
	tests := []struct {
		name  string
		msg   providers.OutboundMessage
		calls []apiCall
	}{
		{
			name: "photo by URL with caption",
			msg: providers.OutboundMessage{To: "42", Text: "Your receipt", Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentImage, URL: "https://cdn.example.com/r.jpg"},
			}},
			calls: []apiCall{{Method: "sendPhoto", ContentType: "application/json",
				Params: map[string]string{"chat_id": "42", "photo": "https://cdn.example.com/r.jpg", "caption": "Your receipt"}}},
		},
		{
			name: "text too long for a caption goes first",
			msg: providers.OutboundMessage{To: "42", Text: longText, Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentImage, URL: "https://cdn.example.com/r.jpg"},
			}},
			calls: []apiCall{
				{Method: "sendMessage", ContentType: "application/json", Params: map[string]string{"chat_id": "42", "text": longText}},
				{Method: "sendPhoto", ContentType: "application/json", Params: map[string]string{"chat_id": "42", "photo": "https://cdn.example.com/r.jpg"}},
			},
		},
		{
			name: "kinds by URL, caption on the first",
			msg: providers.OutboundMessage{To: "42", Text: "files", Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentVideo, URL: "https://cdn.example.com/v.mp4"},
				{Type: providers.AttachmentAudio, URL: "https://cdn.example.com/a.mp3"},
				{Type: providers.AttachmentVoice, URL: "https://cdn.example.com/n.ogg"},
				{Type: providers.AttachmentFile, URL: "https://cdn.example.com/f.pdf"},
				{Type: providers.AttachmentSticker, URL: "https://cdn.example.com/s.webp"},
			}},
			calls: []apiCall{
				{Method: "sendVideo", ContentType: "application/json", Params: map[string]string{"chat_id": "42", "video": "https://cdn.example.com/v.mp4", "caption": "files"}},
				{Method: "sendAudio", ContentType: "application/json", Params: map[string]string{"chat_id": "42", "audio": "https://cdn.example.com/a.mp3"}},
				{Method: "sendVoice", ContentType: "application/json", Params: map[string]string{"chat_id": "42", "voice": "https://cdn.example.com/n.ogg"}},
				{Method: "sendDocument", ContentType: "application/json", Params: map[string]string{"chat_id": "42", "document": "https://cdn.example.com/f.pdf"}},
				{Method: "sendDocument", ContentType: "application/json", Params: map[string]string{"chat_id": "42", "document": "https://cdn.example.com/s.webp"}},
			},
		},
		{
			name: "document upload",
			msg: providers.OutboundMessage{To: "42", Text: "the invoice", Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentFile, Data: []byte("%PDF-1.7 ..."), FileName: `invoice "March".pdf`, MimeType: "application/pdf"},
			}},
			calls: []apiCall{{Method: "sendDocument", Params: map[string]string{"chat_id": "42", "caption": "the invoice"},
				File: &upload{Field: "document", FileName: `invoice "March".pdf`, MimeType: "application/pdf", Data: []byte("%PDF-1.7 ...")}}},
		},
		{
			name: "photo upload without a name",
			msg: providers.OutboundMessage{To: "42", Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentImage, Data: []byte{0xff, 0xd8, 0xff, 0xe0}, MimeType: "image/jpeg"},
			}},
			calls: []apiCall{{Method: "sendPhoto", Params: map[string]string{"chat_id": "42"},
				File: &upload{Field: "photo", FileName: "photo.jpg", MimeType: "image/jpeg", Data: []byte{0xff, 0xd8, 0xff, 0xe0}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			res, err := New(fake.URL).Send(context.Background(), fake.env(), testAccount, tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			calls := fake.Calls()
			for i := range calls {
				if calls[i].File != nil {
					if !strings.HasPrefix(calls[i].ContentType, "multipart/form-data; boundary=") {
						t.Errorf("upload Content-Type %q", calls[i].ContentType)
					}
					calls[i].ContentType = ""
				}
			}
			if !reflect.DeepEqual(calls, tt.calls) {
				t.Errorf("calls\n got %+v\nwant %+v", calls, tt.calls)
			}
			if len(res.MessageIDs) != len(tt.calls) {
				t.Errorf("MessageIDs = %v, want %d", res.MessageIDs, len(tt.calls))
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	hello := providers.OutboundMessage{To: "42", Text: "hello"}
	tests := []struct {
		name       string
		answer     telegramtest.Reply
		msg        providers.OutboundMessage
		acct       providers.Account
		retryable  bool
		retryAfter time.Duration
		reason     string
		wantCalls  int
	}{
		{"flood limit", telegramtest.TooManyRequests, hello, testAccount, true, 5 * time.Second, "Too Many Requests: retry after 5", 1},
		{"bot blocked", telegramtest.Blocked, hello, testAccount, false, 0, "Forbidden: bot was blocked by the user", 1},
		{"chat not found", telegramtest.ChatNotFound, hello, testAccount, false, 0, "Bad Request: chat not found", 1},
		{"bad token", telegramtest.Unauthorized, hello, testAccount, false, 0, "Unauthorized", 1},
		{"internal error", telegramtest.InternalError, hello, testAccount, true, 0, "Internal Server Error", 1},
		{"proxy error page", telegramtest.BadGateway, hello, testAccount, true, 0, "telegram: sendMessage: HTTP 502 with an unreadable body", 1},
		{"429 without body", telegramtest.Reply{HTTPStatus: 429, Body: "slow down", Header: http.Header{"Retry-After": {"7"}}}, hello, testAccount, true, 7 * time.Second, "telegram: sendMessage: HTTP 429 with an unreadable body", 1},
		{"upload too large", telegramtest.Reply{HTTPStatus: 413, Body: "<html>413 Request Entity Too Large</html>"},
			providers.OutboundMessage{To: "42", Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentVideo, Data: []byte("big")}}},
			testAccount, false, 0, "telegram: sendVideo: HTTP 413 with an unreadable body", 1},
		{"no recipient", telegramtest.Reply{}, providers.OutboundMessage{Text: "x"}, testAccount, false, 0, "telegram: the message has no recipient chat", 0},
		{"nothing to send", telegramtest.Reply{}, providers.OutboundMessage{To: "42", Text: " \n"}, testAccount, false, 0, "telegram: nothing to send: Telegram refuses empty messages", 0},
		{"no token", telegramtest.Reply{}, hello, providers.Account{Secrets: map[string]string{}}, false, 0, "telegram: the account has no bot token", 0},
		{"attachment without data", telegramtest.Reply{}, providers.OutboundMessage{To: "42", Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentImage}}},
			testAccount, false, 0, "telegram: sendPhoto: attachment has neither data nor URL", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			fake.reply(tt.answer)
			res, err := New(fake.URL).Send(context.Background(), fake.env(), tt.acct, tt.msg)
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Retryable != tt.retryable || se.RetryAfter != tt.retryAfter || se.Reason != tt.reason {
				t.Errorf("got retryable %v after %v reason %q, want %v after %v %q", se.Retryable, se.RetryAfter, se.Reason, tt.retryable, tt.retryAfter, tt.reason)
			}
			if len(res.MessageIDs) != 0 {
				t.Errorf("MessageIDs = %v after a failure", res.MessageIDs)
			}
			if n := len(fake.Calls()); n != tt.wantCalls {
				t.Errorf("%d calls, want %d", n, tt.wantCalls)
			}
			checkNoToken(t, err)
		})
	}
}

// TestSendCredentials checks which refusals are about the account's bot token
// (its health turns failing) and which about one chat, with the fake's own
// answers to a revoked or malformed token.
func TestSendCredentials(t *testing.T) {
	withToken := func(token string) providers.Account {
		return providers.Account{ID: "acc1", Secrets: map[string]string{"botToken": token}}
	}
	tests := []struct {
		name        string
		acct        providers.Account
		to          string
		credentials bool
		reason      string
	}{
		{"revoked token", withToken("123456:AAHrevokedRevokedRevokedRevoked"), "42", true, "Unauthorized"},
		{"malformed token", withToken("not-a-bot-token"), "42", true, "Not Found"},
		{"no token", withToken(""), "42", true, "telegram: the account has no bot token"},
		{"bot blocked", testAccount, "43", false, "Forbidden: bot was blocked by the user"},
		{"chat not found", testAccount, "-1", false, "Bad Request: chat not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := telegramtest.NewServer(testToken)
			t.Cleanup(fake.Close)
			fake.Block(43)
			if tt.to == "-1" {
				fake.FailNext("sendMessage", telegramtest.ChatNotFound)
			}
			_, err := New(fake.URL).Send(context.Background(), providers.Env{HTTP: fake.Client()}, tt.acct,
				providers.OutboundMessage{To: tt.to, Text: "hello"})
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Credentials != tt.credentials || se.Retryable || se.Reason != tt.reason {
				t.Errorf("credentials %v retryable %v reason %q, want credentials %v, permanent, %q",
					se.Credentials, se.Retryable, se.Reason, tt.credentials, tt.reason)
			}
		})
	}
}

func TestSendAPIErrorIsReachable(t *testing.T) {
	fake := newFakeAPI(t)
	fake.reply(telegramtest.Blocked)
	_, err := New(fake.URL).Send(context.Background(), fake.env(), testAccount, providers.OutboundMessage{To: "42", Text: "hi"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 403 {
		t.Fatalf("err = %v, want to unwrap to the 403 APIError", err)
	}
	if got, want := apiErr.Error(), "telegram: sendMessage: 403 Forbidden: bot was blocked by the user"; got != want {
		t.Errorf("APIError = %q, want %q", got, want)
	}
	if !strings.Contains(err.Error(), "bot was blocked by the user") {
		t.Errorf("err = %q", err)
	}
}

func TestSendFailsMidway(t *testing.T) {
	fake := newFakeAPI(t)
	var n atomic.Int32
	fake.SetHook(func(telegramtest.Request) *telegramtest.Reply {
		if n.Add(1) == 2 {
			return &telegramtest.TooManyRequests
		}
		return nil
	})
	res, err := New(fake.URL).Send(context.Background(), fake.env(), testAccount, providers.OutboundMessage{To: "42", Text: strings.Repeat("a", 9000)})
	var se *providers.SendError
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("err = %v, want a retryable SendError", err)
	}
	if want := []string{"42:1000"}; !reflect.DeepEqual(res.MessageIDs, want) {
		t.Errorf("MessageIDs = %v, want the part already delivered %v", res.MessageIDs, want)
	}
	if n := len(fake.Calls()); n != 2 {
		t.Errorf("%d calls: the third part must not be sent after a failure", n)
	}
}

func TestSendTransportErrors(t *testing.T) {
	t.Run("server gone", func(t *testing.T) {
		fake := newFakeAPI(t)
		p, env := New(fake.URL), fake.env()
		fake.Close()
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: "42", Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable {
			t.Fatalf("err = %v, want a retryable SendError", err)
		}
		if !strings.HasPrefix(se.Reason, "telegram: sendMessage: ") {
			t.Errorf("Reason = %q, want the method as context", se.Reason)
		}
		checkNoToken(t, err)
	})
	t.Run("timeout", func(t *testing.T) {
		fake := newFakeAPI(t)
		// Held until the client gives up.
		fake.reply(telegramtest.Reply{Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := New(fake.URL).Send(ctx, fake.env(), testAccount, providers.OutboundMessage{To: "42", Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentFile, Data: bytes.Repeat([]byte("x"), 1000), FileName: "a.txt"},
		}})
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a retryable SendError from the deadline", err)
		}
		checkNoToken(t, err)
	})
	t.Run("client timeout", func(t *testing.T) {
		fake := newFakeAPI(t)
		fake.reply(telegramtest.Reply{Delay: time.Minute})
		env := fake.env()
		env.HTTP.Timeout = 50 * time.Millisecond
		_, err := New(fake.URL).Send(context.Background(), env, testAccount, providers.OutboundMessage{To: "42", Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable {
			t.Fatalf("err = %v, want a retryable SendError", err)
		}
		checkNoToken(t, err)
	})
}

func TestStripURLRedactsToken(t *testing.T) {
	err := stripURL(errors.New("dial https://api.telegram.org/bot"+testToken+"/getMe: refused"), testToken)
	checkNoToken(t, err)
	if !strings.Contains(err.Error(), "<token>") {
		t.Errorf("err = %q", err)
	}
	if err := stripURL(errors.New("refused"), ""); err.Error() != "refused" {
		t.Errorf("empty token changed the message: %q", err)
	}
}

// An {"ok":true} answer we cannot read means Telegram took the message:
// retrying could deliver it twice, so the failure is permanent.
func TestSendUnreadableSuccess(t *testing.T) {
	fake := newFakeAPI(t)
	fake.reply(telegramtest.Reply{Body: `{"ok":true,"result":true}`})
	_, err := New(fake.URL).Send(context.Background(), fake.env(), testAccount, providers.OutboundMessage{To: "42", Text: "hi"})
	var se *providers.SendError
	if !errors.As(err, &se) || se.Retryable || !strings.HasPrefix(se.Reason, "telegram: sendMessage: decode result: ") {
		t.Fatalf("err = %v, want a permanent SendError about the result", err)
	}
}
