package whatsappcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta"
	"github.com/switchboard/switchboard/providers/meta/metatest"
	"github.com/switchboard/switchboard/providers/whatsappcloud/whatsappcloudtest"
)

// sentBodies decodes the messages bodies the fake received, checking how each
// call was made.
func sentBodies(t testing.TB, srv *whatsappcloudtest.Server) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range srv.Requests() {
		if r.Path != testNumber+"/messages" {
			continue
		}
		if r.Method != http.MethodPost || r.Version != meta.APIVersion || r.Token != testToken || r.TokenVia != "header" || r.ContentType != "application/json" {
			t.Errorf("request %s %s %s via %s, %s", r.Method, r.Version, r.Path, r.TokenVia, r.ContentType)
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
	for _, tt := range []struct {
		p    Provider
		want string
	}{
		{Provider{}, "https://graph.facebook.com/" + meta.APIVersion + "/x"},
		{*New(""), "https://graph.facebook.com/" + meta.APIVersion + "/x"},
		{*New("http://127.0.0.1:8080/"), "http://127.0.0.1:8080/" + meta.APIVersion + "/x"},
	} {
		if got := tt.p.graph.URL("x"); got != tt.want {
			t.Errorf("URL = %s, want %s", got, tt.want)
		}
	}
}

func TestSendText(t *testing.T) {
	srv, p, env := newFake(t)
	res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testCustomer, Text: "Hello <Kerry> & co", ID: "42"})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !reflect.DeepEqual(res.MessageIDs, []string{msgs[0].ID}) || !strings.HasPrefix(msgs[0].ID, "wamid.") {
		t.Fatalf("MessageIDs %v, messages %+v", res.MessageIDs, msgs)
	}
	want := map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": testCustomer, "type": "text",
		"text": map[string]any{"body": "Hello <Kerry> & co"}}
	if got := sentBodies(t, srv); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("bodies\n got %v\nwant %v", got, want)
	}
}

func TestSendToUserID(t *testing.T) {
	srv, p, env := newFake(t)
	if _, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: "US.13491208655302741918", Text: "see https://example.com/x"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	body := sentBodies(t, srv)[0]
	if body["recipient"] != "US.13491208655302741918" || body["to"] != nil || fmt.Sprint(body["text"]) != "map[body:see https://example.com/x preview_url:true]" {
		t.Errorf("body %v", body)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	for _, tt := range []struct {
		name  string
		text  string
		parts int
	}{
		{"exactly 4096", strings.Repeat("a", 4096), 1},
		{"4097", strings.Repeat("a", 4097), 2},
		{"paragraphs", strings.Repeat(strings.Repeat("x", 999)+"\n", 9), 3},
		{"emoji", strings.Repeat("🙂", 2049), 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testCustomer, Text: tt.text})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != tt.parts || len(res.MessageIDs) != tt.parts {
				t.Fatalf("%d messages, %d IDs, want %d", len(msgs), len(res.MessageIDs), tt.parts)
			}
			var joined strings.Builder
			for i, m := range msgs {
				if res.MessageIDs[i] != m.ID {
					t.Errorf("MessageIDs[%d] = %s, want %s", i, res.MessageIDs[i], m.ID)
				}
				joined.WriteString(m.Text)
			}
			strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if strip(joined.String()) != strip(tt.text) {
				t.Errorf("the parts, in order, are not the text")
			}
		})
	}
}

func TestSendMedia(t *testing.T) {
	long := strings.Repeat("long caption ", 100) // 1300: over the 1024 caption limit
	tests := []struct {
		name string
		msg  providers.OutboundMessage
		want []string // type:link-or-id|caption|filename
	}{
		{"caption on the first image", providers.OutboundMessage{Text: " Your receipt ", Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentImage, URL: "https://cdn.example.com/r.jpg"},
			{Type: providers.AttachmentVideo, URL: "https://cdn.example.com/v.mp4"},
		}}, []string{"image:https://cdn.example.com/r.jpg|Your receipt|", "video:https://cdn.example.com/v.mp4||"}},
		{"text first when too long for a caption", providers.OutboundMessage{Text: long, Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentImage, URL: "https://cdn.example.com/r.jpg"},
		}}, []string{"text:" + strings.TrimSpace(long), "image:https://cdn.example.com/r.jpg||"}},
		{"text first before audio", providers.OutboundMessage{Text: "listen", Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentVoice, URL: "https://cdn.example.com/n.ogg"},
		}}, []string{"text:listen", "audio:https://cdn.example.com/n.ogg||"}},
		{"documents with names, stickers by type", providers.OutboundMessage{Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentFile, URL: "https://cdn.example.com/docs/Invoice%20March.pdf"},
			{Type: providers.AttachmentFile, URL: "https://cdn.example.com/x", FileName: "report.xlsx"},
			{Type: providers.AttachmentSticker, URL: "https://cdn.example.com/s.webp", MimeType: "image/webp"},
			{Type: providers.AttachmentSticker, URL: "https://cdn.example.com/s.png", MimeType: "image/png"},
		}}, []string{"document:https://cdn.example.com/docs/Invoice%20March.pdf||Invoice March.pdf", "document:https://cdn.example.com/x||report.xlsx",
			"sticker:https://cdn.example.com/s.webp||", "image:https://cdn.example.com/s.png||"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			tt.msg.To = testCustomer
			res, err := p.Send(context.Background(), env, testAccount, tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			var got []string
			for _, m := range srv.Messages() {
				if m.Type == "text" {
					got = append(got, "text:"+m.Text)
					continue
				}
				got = append(got, m.Type+":"+m.Link+m.MediaID+"|"+m.Caption+"|"+m.Filename)
			}
			if !reflect.DeepEqual(got, tt.want) || len(res.MessageIDs) != len(tt.want) {
				t.Errorf("sent\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSendUploads(t *testing.T) {
	srv, p, env := newFake(t)
	pdf := []byte("%PDF-1.7\n fake invoice")
	res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testCustomer, Text: "your invoice", Attachments: []providers.OutboundAttachment{
		{Type: providers.AttachmentFile, Data: pdf, FileName: "invoice.pdf"},
		{Type: providers.AttachmentImage, Data: []byte("\x89PNG\r\n\x1a\n0000")},
	}})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 || len(res.MessageIDs) != 2 {
		t.Fatalf("messages %+v", msgs)
	}
	doc, ok := srv.Media(msgs[0].MediaID)
	if !ok || msgs[0].Type != "document" || msgs[0].Caption != "your invoice" || msgs[0].Filename != "invoice.pdf" ||
		string(doc.Data) != string(pdf) || doc.MimeType != "application/pdf" || doc.FileName != "invoice.pdf" {
		t.Errorf("document %+v, held %+v", msgs[0], doc)
	}
	if img, ok := srv.Media(msgs[1].MediaID); !ok || msgs[1].Type != "image" || img.MimeType != "image/png" {
		t.Errorf("image %+v, held %+v", msgs[1], img)
	}
	uploads := 0
	for _, r := range srv.Requests() {
		if r.Path == testNumber+"/media" {
			uploads++
			if !strings.HasPrefix(r.ContentType, "multipart/form-data; boundary=") || r.TokenVia != "header" {
				t.Errorf("upload %+v", r)
			}
		}
	}
	if uploads != 2 {
		t.Errorf("%d uploads", uploads)
	}
}

// TestSendRefusedBeforeSending: an attachment WhatsApp cannot take, a failed
// upload, or a reply without what it needs, fails whole and before any message
// is sent.
func TestSendRefusedBeforeSending(t *testing.T) {
	noToken := testAccount
	noToken.Secrets = map[string]string{"appSecret": testSecret}
	noNumber := testAccount
	noNumber.Settings = map[string]string{}
	tests := []struct {
		name      string
		acct      providers.Account
		msg       providers.OutboundMessage
		upload    *metatest.Reply
		retryable bool
		reason    string
	}{
		{"nothing in the attachment", testAccount, providers.OutboundMessage{To: testCustomer, Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentFile}}},
			nil, false, "attachment 1: the attachment has neither a URL nor data"},
		{"relative URL", testAccount, providers.OutboundMessage{To: testCustomer, Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentImage, URL: "/m/1"}}},
			nil, false, "absolute http(s) URL"},
		{"upload refused", testAccount, providers.OutboundMessage{To: testCustomer, Text: "x", Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentImage, URL: "https://cdn.example.com/ok.jpg"}, {Type: providers.AttachmentFile, Data: []byte("data")}}},
			&metatest.Reply{Error: &metatest.GraphError{Message: "(#131053) Media upload error", Code: 131053, Details: "Unsupported file type."}},
			true, "attachment 2: (#131053) Media upload error (code 131053): Unsupported file type."},
		{"upload without an ID", testAccount, providers.OutboundMessage{To: testCustomer, Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentFile, Data: []byte("d")}}},
			&metatest.Reply{Body: `{}`}, false, "gave no media ID"},
		{"no token", noToken, providers.OutboundMessage{To: testCustomer, Text: "hi"}, nil, false, "no access token"},
		{"no number", noNumber, providers.OutboundMessage{To: testCustomer, Text: "hi"}, nil, false, "no phone number ID"},
		{"no recipient", testAccount, providers.OutboundMessage{Text: "hi"}, nil, false, "no recipient"},
		{"nothing to send", testAccount, providers.OutboundMessage{To: testCustomer, Text: "\n "}, nil, false, "nothing to send"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			if tt.upload != nil {
				srv.FailNext("{phone-number-id}/media", *tt.upload)
			}
			res, err := p.Send(context.Background(), env, tt.acct, tt.msg)
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable != tt.retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Fatalf("err = %v, want retryable=%v about %q", err, tt.retryable, tt.reason)
			}
			if len(srv.Messages()) != 0 || len(res.MessageIDs) != 0 {
				t.Errorf("something was sent")
			}
			checkNoSecret(t, err)
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		reply     metatest.Reply
		retryable bool
		reason    string
		after     time.Duration
	}{
		{"throughput", metatest.GraphError{Message: "(#130429) Rate limit hit", Code: 130429, Details: "Cloud API message throughput has been reached."}.Reply(), true, "throughput", 0},
		{"pair rate limit", metatest.GraphError{Message: "(#131056) (Business Account, Consumer Account) pair rate limit hit", Code: 131056}.Reply(), true, "pair rate limit", 0},
		{"WABA rate limit", metatest.GraphError{Message: "(#80007) Rate limit issues", Code: 80007}.Reply(), true, "code 80007", 0},
		{"spam rate limit", metatest.GraphError{Message: "(#131048) Spam rate limit hit", Code: 131048}.Reply(), true, "code 131048", 0},
		{"something went wrong", metatest.GraphError{HTTPStatus: 500, Message: "(#131000) Something went wrong", Code: 131000}.Reply(), true, "code 131000", 0},
		{"service unavailable", metatest.GraphError{HTTPStatus: 503, Message: "(#131016) Service unavailable", Code: 131016}.Reply(), true, "code 131016", 0},
		{"app rate limit", metatest.ErrAppRateLimit.Reply(), true, "code 4", 0},
		{"expired token", metatest.ErrExpiredToken.Reply(), false, "access token is invalid or expired", 0},
		{"permission", metatest.ErrPermission.Reply(), false, "lacks a permission", 0},
		{"bad parameter", metatest.InvalidParameter("Invalid parameter").Reply(), false, "code 100", 0},
		{"bad gateway", metatest.BadGateway, true, "HTTP 502", 0},
		{"429 with Retry-After", metatest.Reply{HTTPStatus: 429, Body: "slow", Header: http.Header{"Retry-After": {"3"}}}, true, "HTTP 429", 3 * time.Second},
		{"success that is not JSON", metatest.Reply{Body: "ok"}, false, "decode answer", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			srv.FailNext("{phone-number-id}/messages", tt.reply)
			_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testCustomer, Text: "hi"})
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Retryable != tt.retryable || !strings.Contains(se.Reason, tt.reason) || se.RetryAfter != tt.after {
				t.Errorf("SendError{Retryable: %v, RetryAfter: %v, Reason: %q}, want %v, %v, %q", se.Retryable, se.RetryAfter, se.Reason, tt.retryable, tt.after, tt.reason)
			}
			if !strings.Contains(se.Err.Error(), "whatsappcloud: send") {
				t.Errorf("cause without context: %v", se.Err)
			}
			checkNoSecret(t, err)
		})
	}
}

func TestSendRefusals(t *testing.T) {
	t.Run("outside the 24-hour window", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.CloseWindow(testCustomer)
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testCustomer, Text: "hi"})
		var se *providers.SendError
		var ge *meta.Error
		if !errors.As(err, &se) || se.Retryable || !errors.As(err, &ge) || !ge.OutsideWindow() ||
			!strings.Contains(se.Reason, "(#131047) Re-engagement message (code 131047): Message failed to send because more than 24 hours have passed") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("undeliverable", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.Undeliverable(testCustomer)
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testCustomer, Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "cannot deliver") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("token Meta does not know", func(t *testing.T) {
		_, p, env := newFake(t)
		acct := testAccount
		acct.Secrets = map[string]string{"accessToken": "EAAJB5zwrongTOKEN"}
		_, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: testCustomer, Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "code 190") || strings.Contains(err.Error(), "wrongTOKEN") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.FailNext("{phone-number-id}/messages", metatest.Reply{Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := p.Send(ctx, env, testAccount, providers.OutboundMessage{To: testCustomer, Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
		checkNoSecret(t, err)
	})
}

// TestSendCredentials checks which refusals are about the access token (the
// account's health turns failing) and which about one customer: the fake's own
// answers to a revoked token, a number the token may not see and customers who
// cannot be reached, and Graph's permission error.
func TestSendCredentials(t *testing.T) {
	image := providers.OutboundAttachment{Type: providers.AttachmentImage, Data: []byte("\xff\xd8\xff\xe0 jpeg"), MimeType: "image/jpeg"}
	tests := []struct {
		name        string
		setup       func(srv *whatsappcloudtest.Server, acct *providers.Account)
		media       bool
		credentials bool
	}{
		{"revoked token", func(srv *whatsappcloudtest.Server, _ *providers.Account) { srv.RevokeToken(testToken) }, false, true},
		{"revoked token, on the upload", func(srv *whatsappcloudtest.Server, _ *providers.Account) { srv.RevokeToken(testToken) }, true, true},
		{"a number the token may not see", func(_ *whatsappcloudtest.Server, acct *providers.Account) {
			acct.Settings = map[string]string{"phoneNumberId": "999999999999999"}
		}, false, true},
		{"no token", func(_ *whatsappcloudtest.Server, acct *providers.Account) { acct.Secrets = map[string]string{} }, false, true},
		{"permission removed", func(srv *whatsappcloudtest.Server, _ *providers.Account) {
			srv.FailNext("{phone-number-id}/messages", metatest.ErrPermission.Reply())
		}, false, true},
		{"outside the 24-hour window", func(srv *whatsappcloudtest.Server, _ *providers.Account) { srv.CloseWindow(testCustomer) }, false, false},
		{"undeliverable", func(srv *whatsappcloudtest.Server, _ *providers.Account) { srv.Undeliverable(testCustomer) }, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			acct := testAccount
			tt.setup(srv, &acct)
			msg := providers.OutboundMessage{To: testCustomer, Text: "hi"}
			if tt.media {
				msg.Attachments = []providers.OutboundAttachment{image}
			}
			_, err := p.Send(context.Background(), env, acct, msg)
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Credentials != tt.credentials || se.Retryable {
				t.Errorf("credentials %v retryable %v (%s), want credentials %v, permanent", se.Credentials, se.Retryable, se.Reason, tt.credentials)
			}
			if tt.media && !strings.HasPrefix(se.Reason, "attachment 1: ") {
				t.Errorf("reason %q, want the upload's", se.Reason)
			}
		})
	}
}

func TestSendPartialFailure(t *testing.T) {
	srv, p, env := newFake(t)
	srv.SetHook(func(r metatest.Request) *metatest.Reply {
		if len(srv.Messages()) == 1 {
			return &metatest.Reply{Error: &metatest.ErrTemporary}
		}
		return nil
	})
	res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testCustomer, Text: strings.Repeat("a", 4097)})
	var se *providers.SendError
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("err = %v", err)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || !reflect.DeepEqual(res.MessageIDs, []string{msgs[0].ID}) {
		t.Errorf("MessageIDs = %v", res.MessageIDs)
	}
}

func TestSendConcurrently(t *testing.T) {
	srv, p, env := newFake(t)
	const n = 30
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: fmt.Sprint(16505550000 + i), Text: "hi"})
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
