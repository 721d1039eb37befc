package facebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/facebook/facebooktest"
	"github.com/switchboard/switchboard/providers/meta"
	"github.com/switchboard/switchboard/providers/meta/metatest"
)

// sentBodies decodes the Send API bodies the fake received, checking how each
// call was made.
func sentBodies(t testing.TB, srv *facebooktest.Server) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range srv.Requests() {
		if r.Path != testPage+"/messages" {
			continue
		}
		if r.Method != http.MethodPost || r.Version != meta.APIVersion || r.Token != testToken || r.TokenVia != "header" || r.ContentType != "application/json" {
			t.Errorf("request %s v%s %s via %s, %s", r.Method, r.Version, r.Path, r.TokenVia, r.ContentType)
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
	res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testPSID, Text: "Hello <John> & co", ID: "42"})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !reflect.DeepEqual(res.MessageIDs, []string{msgs[0].ID}) {
		t.Fatalf("MessageIDs %v, messages %+v", res.MessageIDs, msgs)
	}
	want := map[string]any{"recipient": map[string]any{"id": testPSID}, "messaging_type": "RESPONSE", "message": map[string]any{"text": "Hello <John> & co"}}
	if got := sentBodies(t, srv); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("bodies\n got %v\nwant %v", got, want)
	}
	if m := msgs[0]; m.PageID != testPage || m.Recipient != testPSID || m.MessagingType != "RESPONSE" {
		t.Errorf("delivered %+v", m)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		parts int
	}{
		{"exactly 2000", strings.Repeat("a", 2000), 1},
		{"2001", strings.Repeat("a", 2001), 2},
		{"words", strings.Repeat("lorem ipsum dolor ", 300), 3},
		{"emoji", strings.Repeat("🙂", 1001), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testPSID, Text: tt.text})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != tt.parts || len(res.MessageIDs) != tt.parts {
				t.Fatalf("%d messages, %d IDs, want %d", len(msgs), len(res.MessageIDs), tt.parts)
			}
			var joined strings.Builder
			for i, m := range msgs {
				if !utf8.ValidString(m.Text) || res.MessageIDs[i] != m.ID {
					t.Errorf("part %d: %q, ID %s", i, m.Text, res.MessageIDs[i])
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

func TestSendAttachments(t *testing.T) {
	srv, p, env := newFake(t)
	msg := providers.OutboundMessage{To: testPSID, Text: "see attached", Attachments: []providers.OutboundAttachment{
		{Type: providers.AttachmentImage, URL: "https://cdn.example.com/r.jpg"},
		{Type: providers.AttachmentSticker, URL: "https://cdn.example.com/s.png"},
		{Type: providers.AttachmentVideo, URL: "https://cdn.example.com/v.mp4"},
		{Type: providers.AttachmentVoice, URL: "https://cdn.example.com/n.ogg"},
		{Type: providers.AttachmentFile, URL: "https://cdn.example.com/f.pdf", FileName: "f.pdf"},
	}}
	res, err := p.Send(context.Background(), env, testAccount, msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	var got []string
	for _, m := range srv.Messages() {
		if m.Text != "" {
			got = append(got, "text:"+m.Text)
			continue
		}
		if m.IsReusable {
			t.Errorf("%s sent reusable", m.AttachmentURL)
		}
		got = append(got, m.AttachmentType+":"+m.AttachmentURL)
	}
	want := []string{"text:see attached", "image:https://cdn.example.com/r.jpg", "image:https://cdn.example.com/s.png",
		"video:https://cdn.example.com/v.mp4", "audio:https://cdn.example.com/n.ogg", "file:https://cdn.example.com/f.pdf"}
	if !reflect.DeepEqual(got, want) || len(res.MessageIDs) != len(want) {
		t.Errorf("sent\n got %v\nwant %v\nIDs %v", got, want, res.MessageIDs)
	}
	body := sentBodies(t, srv)[1]
	if fmt.Sprint(body["message"]) != "map[attachment:map[payload:map[is_reusable:false url:https://cdn.example.com/r.jpg] type:image]]" {
		t.Errorf("attachment body %v", body)
	}
}

// TestSendUploads: files held only as bytes go with their message as the Send
// API's multipart filedata, each in its own call after the text.
func TestSendUploads(t *testing.T) {
	srv, p, env := newFake(t)
	jpeg := []byte("\xff\xd8\xff\xe0 a jpeg")
	voice := []byte("OggS\x00\x02 voice note")
	msg := providers.OutboundMessage{To: testPSID, Text: "here", Attachments: []providers.OutboundAttachment{
		{Type: providers.AttachmentImage, Data: jpeg, FileName: "receipt.jpg", MimeType: "image/jpeg"},
		{Type: providers.AttachmentVoice, Data: voice, FileName: `C:\notes\note.ogg`},
		{Type: providers.AttachmentFile, URL: "https://cdn.example.com/f.pdf"},
	}}
	res, err := p.Send(context.Background(), env, testAccount, msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	sent := srv.Messages()
	if len(sent) != 4 || len(res.MessageIDs) != 4 || sent[0].Text != "here" {
		t.Fatalf("sent %+v, IDs %v", sent, res.MessageIDs)
	}
	img, note, file := sent[1], sent[2], sent[3]
	if img.AttachmentType != "image" || img.IsReusable || img.Upload == nil || !bytes.Equal(img.Upload.Data, jpeg) ||
		img.Upload.FileName != "receipt.jpg" || img.Upload.ContentType != "image/jpeg" {
		t.Errorf("image %+v", img)
	}
	// Messenger takes audio only as audio/*: an untyped Ogg voice note is
	// sent as audio/ogg, under its base name.
	if note.AttachmentType != "audio" || note.Upload == nil || !bytes.Equal(note.Upload.Data, voice) ||
		note.Upload.ContentType != "audio/ogg" || note.Upload.FileName != "note.ogg" {
		t.Errorf("voice %+v", note)
	}
	if file.Upload != nil || file.AttachmentURL != "https://cdn.example.com/f.pdf" {
		t.Errorf("file %+v, want it by URL", file)
	}
	// The upload's fields are the documented ones, and the token is in the
	// header only.
	for _, r := range srv.Requests()[1:3] {
		if !strings.HasPrefix(r.ContentType, "multipart/form-data") || r.TokenVia != "header" {
			t.Errorf("upload sent as %s with the token in %q", r.ContentType, r.TokenVia)
		}
	}
}

// TestSendRefusedBeforeSending: an attachment Messenger cannot take, or a reply
// without what it needs, fails whole and before anything is sent.
func TestSendRefusedBeforeSending(t *testing.T) {
	noToken := testAccount
	noToken.Secrets = map[string]string{"appSecret": testSecret}
	noPage := testAccount
	noPage.Settings = map[string]string{}
	tests := []struct {
		name   string
		acct   providers.Account
		msg    providers.OutboundMessage
		reason string
	}{
		{"upload over 25 MB", testAccount, providers.OutboundMessage{To: testPSID, Text: "x", Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentImage, URL: "https://cdn.example.com/ok.jpg"}, {Type: providers.AttachmentVideo, Data: make([]byte, 25<<20+1)}}},
			"attachment 2: the file is larger than the 25 MB Messenger takes"},
		{"nothing in the attachment", testAccount, providers.OutboundMessage{To: testPSID, Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentFile}}},
			"attachment 1: the attachment has neither a URL nor data"},
		{"relative URL", testAccount, providers.OutboundMessage{To: testPSID, Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentFile, URL: "/m/1"}}},
			"absolute http(s) URL"},
		{"no token", noToken, providers.OutboundMessage{To: testPSID, Text: "hi"}, "no Page access token"},
		{"no page", noPage, providers.OutboundMessage{To: testPSID, Text: "hi"}, "no Page ID"},
		{"no recipient", testAccount, providers.OutboundMessage{Text: "hi"}, "no recipient"},
		{"nothing to send", testAccount, providers.OutboundMessage{To: testPSID, Text: " \n"}, "nothing to send"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			res, err := p.Send(context.Background(), env, tt.acct, tt.msg)
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Fatalf("err = %v, want a permanent failure about %q", err, tt.reason)
			}
			if !strings.Contains(se.Err.Error(), "facebook: send") {
				t.Errorf("cause without context: %v", se.Err)
			}
			if len(srv.Requests()) != 0 || len(res.MessageIDs) != 0 {
				t.Errorf("something was sent")
			}
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
		{"rate limit", metatest.ErrRateLimit.Reply(), true, "(#613) Calls to this api have exceeded the rate limit. (code 613)", 0},
		{"app rate limit", metatest.ErrAppRateLimit.Reply(), true, "code 4", 0},
		{"page rate limit", metatest.GraphError{Message: "(#32) Page request limit reached", Code: 32}.Reply(), true, "rate limit for the Page", 0},
		{"outage", metatest.ErrTemporary.Reply(), true, "Please retry your request later", 0},
		{"unknown error", metatest.GraphError{HTTPStatus: 500, Message: "An unknown error occurred", Code: 1}.Reply(), true, "code 1", 0},
		{"expired token", metatest.ErrExpiredToken.Reply(), false, "Session has expired", 0},
		{"permission", metatest.ErrPermission.Reply(), false, "lacks a permission", 0},
		{"permission range", metatest.GraphError{Message: "(#200) Requires pages_messaging permission to manage the object", Code: 200}.Reply(), false, "code 200", 0},
		{"bad parameter", metatest.InvalidParameter("Invalid parameter").Reply(), false, "refused a parameter", 0},
		{"policy block", metatest.GraphError{Message: "(#368) The action attempted has been deemed abusive or is otherwise disallowed", Code: 368}.Reply(), false, "policy", 0},
		{"bad gateway page", metatest.BadGateway, true, "HTTP 502", 0},
		{"429 with Retry-After", metatest.Reply{HTTPStatus: 429, Body: "slow down", Header: http.Header{"Retry-After": {"9"}}}, true, "HTTP 429", 9 * time.Second},
		{"404 page", metatest.Reply{HTTPStatus: 404, Body: "not found"}, false, "HTTP 404", 0},
		{"success that is not JSON", metatest.Reply{Body: "ok"}, false, "decode answer", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			srv.FailNext("{page-id}/messages", tt.reply)
			_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testPSID, Text: "hi"})
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Retryable != tt.retryable || !strings.Contains(se.Reason, tt.reason) || se.RetryAfter != tt.after {
				t.Errorf("SendError{Retryable: %v, RetryAfter: %v, Reason: %q}, want %v, %v, %q", se.Retryable, se.RetryAfter, se.Reason, tt.retryable, tt.after, tt.reason)
			}
			if !strings.Contains(err.Error(), "send: ") || !strings.Contains(se.Err.Error(), "facebook: send") {
				t.Errorf("error without context: %v / %v", err, se.Err)
			}
			checkNoSecret(t, err)
		})
	}
}

// TestSendRefusals: the fake's own refusals, as Meta gives them.
func TestSendRefusals(t *testing.T) {
	t.Run("person unavailable", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.Unavailable(testPSID)
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testPSID, Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "(#551) This person isn't available right now.") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("outside the 24-hour window", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.CloseWindow(testPSID)
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testPSID, Text: "hi"})
		var se *providers.SendError
		var ge *meta.Error
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "24-hour window has closed") || !errors.As(err, &ge) || !ge.OutsideWindow() {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("token Meta does not know", func(t *testing.T) {
		_, p, env := newFake(t)
		acct := testAccount
		acct.Secrets = map[string]string{"pageAccessToken": "EAAGm0PX4ZCpsBAwrongTOKEN0000", "appSecret": testSecret}
		_, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: testPSID, Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "code 190") || strings.Contains(err.Error(), "wrongTOKEN") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("another Page's token", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.AddPage(facebooktest.Page{ID: "555", Name: "Other", Token: "EAAotherPageToken"})
		acct := testAccount
		acct.Secrets = map[string]string{"pageAccessToken": "EAAotherPageToken"}
		_, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: testPSID, Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "subcode 33") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.FailNext("{page-id}/messages", metatest.Reply{Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := p.Send(ctx, env, testAccount, providers.OutboundMessage{To: testPSID, Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
		checkNoSecret(t, err)
	})
	t.Run("connection refused", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.Close()
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testPSID, Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable || !strings.Contains(se.Reason, "facebook: send:") {
			t.Errorf("err = %v", err)
		}
		checkNoSecret(t, err)
	})
}

// TestSendCredentials checks which refusals are about the Page access token
// (the account's health turns failing) and which about one person: the fake's
// own answers to a revoked token, another Page's token and people who cannot
// be reached, and Graph's permission error.
func TestSendCredentials(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(srv *facebooktest.Server, acct *providers.Account)
		credentials bool
		retryable   bool
	}{
		{"revoked token", func(srv *facebooktest.Server, _ *providers.Account) { srv.RevokeToken(testToken) }, true, false},
		{"another Page's token", func(srv *facebooktest.Server, acct *providers.Account) {
			srv.AddPage(facebooktest.Page{ID: "555", Name: "Other", Token: "EAAotherPageToken"})
			acct.Secrets = map[string]string{"pageAccessToken": "EAAotherPageToken"}
		}, true, false},
		{"no token", func(_ *facebooktest.Server, acct *providers.Account) { acct.Secrets = map[string]string{} }, true, false},
		{"permission removed", func(srv *facebooktest.Server, _ *providers.Account) {
			srv.FailNext("{page-id}/messages", metatest.ErrPermission.Reply())
		}, true, false},
		{"person unavailable", func(srv *facebooktest.Server, _ *providers.Account) { srv.Unavailable(testPSID) }, false, false},
		{"outside the 24-hour window", func(srv *facebooktest.Server, _ *providers.Account) { srv.CloseWindow(testPSID) }, false, false},
		{"rate limit", func(srv *facebooktest.Server, _ *providers.Account) {
			srv.FailNext("{page-id}/messages", metatest.ErrRateLimit.Reply())
		}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			acct := testAccount
			tt.setup(srv, &acct)
			_, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: testPSID, Text: "hi"})
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Credentials != tt.credentials || se.Retryable != tt.retryable {
				t.Errorf("credentials %v retryable %v (%s), want credentials %v retryable %v", se.Credentials, se.Retryable, se.Reason, tt.credentials, tt.retryable)
			}
		})
	}
}

// TestSendPartialFailure: when a later part fails, the parts already sent are
// reported.
func TestSendPartialFailure(t *testing.T) {
	srv, p, env := newFake(t)
	srv.SetHook(func(r metatest.Request) *metatest.Reply {
		if len(srv.Messages()) == 1 {
			return &metatest.Reply{Error: &metatest.ErrTemporary}
		}
		return nil
	})
	res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: testPSID, Text: strings.Repeat("a", 2001)})
	var se *providers.SendError
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("err = %v", err)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || !reflect.DeepEqual(res.MessageIDs, []string{msgs[0].ID}) {
		t.Errorf("MessageIDs = %v", res.MessageIDs)
	}
}

// TestSendConcurrently: one provider and one fake serve many sends at once.
func TestSendConcurrently(t *testing.T) {
	srv, p, env := newFake(t)
	const n = 30
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: fmt.Sprint(1000 + i), Text: "hi"})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	ids := map[string]bool{}
	for _, m := range srv.Messages() {
		ids[m.ID] = true
	}
	if len(ids) != n {
		t.Errorf("%d distinct messages, want %d", len(ids), n)
	}
}
