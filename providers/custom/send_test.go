package custom

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
	"github.com/switchboard/switchboard/providers/custom/customtest"
)

var testReply = providers.OutboundMessage{
	ID:   "sb-msg-31",
	To:   "user-42",
	Text: "Your order ships today.",
	Attachments: []providers.OutboundAttachment{
		{Type: providers.AttachmentImage, URL: "https://cdn.switchboard.example/label.png", MimeType: "image/png", FileName: "label.png"},
		{Type: providers.AttachmentFile, Data: []byte("%PDF-1.7 invoice"), MimeType: "application/pdf", FileName: "invoice.pdf"},
	},
}

func TestSendRequest(t *testing.T) {
	f := newFakeMessenger(t, always(customtest.Reply{Status: http.StatusCreated, JSON: map[string]string{"messageId": "their-9001"}}))
	res, err := Provider{}.Send(context.Background(), f.env(), testAccount(f.URL), testReply)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if want := []string{"their-9001"}; !reflect.DeepEqual(res.MessageIDs, want) {
		t.Errorf("MessageIDs = %v, want %v", res.MessageIDs, want)
	}
	reqs := f.Requests()
	if len(reqs) != 1 {
		t.Fatalf("the messenger got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.VerifyErr != nil {
		t.Errorf("our signature did not verify: %v", r.VerifyErr)
	}
	for k, want := range map[string]string{
		"Content-Type":    "application/json",
		"Idempotency-Key": "sb-msg-31",
		HeaderTimestamp:   fmt.Sprint(testNow.Unix()),
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	var got, want any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(`{
		"type": "message",
		"id": "sb-msg-31",
		"timestamp": "2026-05-01T12:00:00Z",
		"recipient": {"id": "user-42"},
		"message": {
			"text": "Your order ships today.",
			"attachments": [
				{"type": "image", "url": "https://cdn.switchboard.example/label.png", "mimeType": "image/png", "fileName": "label.png"},
				{"type": "file", "data": "JVBERi0xLjcgaW52b2ljZQ==", "mimeType": "application/pdf", "fileName": "invoice.pdf"}
			]
		}
	}`), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body = %s\nwant %v", r.Body, want)
	}
}

func TestSendAnswers(t *testing.T) {
	type want struct {
		ids        []string
		retryable  bool
		retryAfter time.Duration
		reason     string // a part of the reason; "" when the send succeeds
	}
	signed := func(status int, v any) customtest.Reply { return customtest.Reply{Status: status, JSON: v} }
	unsigned := func(status int, v any) customtest.Reply {
		return customtest.Reply{Status: status, JSON: v, Unsigned: true}
	}
	tests := []struct {
		name  string
		reply customtest.Reply
		want  want
	}{
		{name: "200 signed", reply: signed(200, map[string]string{"messageId": "m-1"}), want: want{ids: []string{"m-1"}}},
		{name: "201 signed", reply: signed(201, map[string]string{"messageId": "m-2"}), want: want{ids: []string{"m-2"}}},
		{name: "200 unsigned", reply: unsigned(200, map[string]string{"messageId": "m-1"}),
			want: want{reason: "answer was not signed with the confirmation code (no X-Switchboard-Signature header)"}},
		{name: "200 signed with another code", reply: customtest.Reply{JSON: map[string]string{"messageId": "m-1"}, SignWith: "someone-elses-code"},
			want: want{reason: "not signed with the confirmation code (the signature does not match)"}},
		{name: "200 signed long ago", reply: customtest.Reply{Body: `{"messageId":"m-1"}`, SignedAt: testNow.Add(-time.Hour)},
			want: want{reason: "check the messenger's clock"}},
		{name: "200 without messageId", reply: signed(200, map[string]string{"id": "m-1"}), want: want{reason: "the messenger answered 200 without a messageId"}},
		{name: "429 with Retry-After seconds", reply: customtest.Reply{Status: http.StatusTooManyRequests, JSON: map[string]string{"error": "slow down"},
			Header: http.Header{"Retry-After": {"7"}}, Unsigned: true},
			want: want{retryable: true, retryAfter: 7 * time.Second, reason: "the messenger answered 429: slow down"}},
		{name: "503 with Retry-After date", reply: customtest.Reply{Status: http.StatusServiceUnavailable,
			Header: http.Header{"Retry-After": {testNow.Add(90 * time.Second).Format(http.TimeFormat)}}, Unsigned: true},
			want: want{retryable: true, retryAfter: 90 * time.Second, reason: "the messenger answered 503"}},
		{name: "500", reply: customtest.Reply{Status: http.StatusInternalServerError, Body: "boom\n", Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Unsigned: true},
			want: want{retryable: true, reason: "the messenger answered 500"}},
		{name: "408", reply: signed(408, nil), want: want{retryable: true, reason: "the messenger answered 408"}},
		{name: "404 with error", reply: signed(404, map[string]string{"error": "no such user"}),
			want: want{reason: "the messenger answered 404: no such user"}},
		{name: "410", reply: signed(410, map[string]any{"error": map[string]string{"message": "user left"}}),
			want: want{reason: "the messenger answered 410: user left"}},
		{name: "422 unsigned", reply: unsigned(422, map[string]string{"error": "text too long"}),
			want: want{reason: "the messenger answered 422: text too long"}},
		{name: "400 echoing the confirmation code", reply: signed(400, map[string]string{"error": "bad code " + testSecret}),
			want: want{reason: "the messenger answered 400: bad code [redacted]"}},
		{name: "redirect not followed", reply: customtest.Reply{Status: http.StatusNotModified},
			want: want{reason: "the messenger answered 304"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeMessenger(t, always(tc.reply))
			res, err := Provider{}.Send(context.Background(), f.env(), testAccount(f.URL), testReply)
			checkSend(t, res, err, tc.want.ids, tc.want.retryable, tc.want.retryAfter, tc.want.reason)
			if reqs := f.Requests(); len(reqs) != 1 || reqs[0].VerifyErr != nil {
				t.Errorf("the messenger got %d requests; first signature check: %v", len(reqs), reqs[0].VerifyErr)
			}
		})
	}
}

// TestSendCredentials checks which answers are about the account's
// confirmation code or access (its health turns failing) and which about one
// reply or recipient: the fake's own 401 for a request signed with another
// code, and the contract's statuses.
func TestSendCredentials(t *testing.T) {
	tests := []struct {
		name        string
		code        string // the account's confirmation code
		reply       *customtest.Reply
		credentials bool
	}{
		{name: "signed with another code", code: "another-code", credentials: true},
		{name: "no confirmation code", code: "", credentials: true},
		{name: "403", code: testSecret, reply: &customtest.Reply{Status: http.StatusForbidden, JSON: map[string]string{"error": "access revoked"}, Unsigned: true},
			credentials: true},
		{name: "404 for an unknown user", code: testSecret, reply: &customtest.Reply{Status: http.StatusNotFound, JSON: map[string]string{"error": "no such user"}, Unsigned: true}},
		{name: "410 for a user who left", code: testSecret, reply: &customtest.Reply{Status: http.StatusGone, JSON: map[string]string{"error": "user left"}, Unsigned: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeMessenger(t, nil)
			if tc.reply != nil {
				f.FailNext("message", *tc.reply)
			}
			acct := testAccount(f.URL)
			acct.Secrets = map[string]string{"confirmationCode": tc.code}
			_, err := Provider{}.Send(context.Background(), f.env(), acct, testReply)
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Credentials != tc.credentials || se.Retryable {
				t.Errorf("credentials %v retryable %v (%s), want credentials %v, permanent", se.Credentials, se.Retryable, se.Reason, tc.credentials)
			}
		})
	}
}

func TestSendTransportFailures(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		// The answer is held until Switchboard gives up.
		f := newFakeMessenger(t, always(customtest.Reply{Delay: time.Minute}))
		env := f.env()
		env.HTTP = &http.Client{Transport: f.Client().Transport, Timeout: 100 * time.Millisecond}
		res, err := Provider{}.Send(context.Background(), env, testAccount(f.URL), testReply)
		checkSend(t, res, err, nil, true, 0, "could not reach the messenger")
	})
	t.Run("nobody listening", func(t *testing.T) {
		f := newFakeMessenger(t, nil)
		f.Close()
		res, err := Provider{}.Send(context.Background(), f.env(), testAccount(f.URL), testReply)
		checkSend(t, res, err, nil, true, 0, "could not reach the messenger")
	})
}

func TestSendRefusedBeforeSending(t *testing.T) {
	big := testReply
	big.Attachments = []providers.OutboundAttachment{
		{Type: providers.AttachmentVideo, Data: make([]byte, MaxInlineData/2)},
		{Type: providers.AttachmentVideo, Data: make([]byte, MaxInlineData/2+1)},
	}
	tests := []struct {
		name   string
		acct   func(url string) providers.Account
		msg    providers.OutboundMessage
		reason string
	}{
		{name: "no recipient", msg: providers.OutboundMessage{ID: "x", Text: "hi"}, reason: "the reply has no recipient"},
		{name: "nothing to send", msg: providers.OutboundMessage{ID: "x", To: "u"}, reason: "the reply has no text and no attachments"},
		{name: "attachment without content", msg: providers.OutboundMessage{ID: "x", To: "u", Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentImage}}},
			reason: "attachment 0 has neither a URL nor data"},
		{name: "inline data over 10 MiB", msg: big, reason: "inline attachments exceed 10 MiB"},
		{name: "no webhookUrl", acct: func(string) providers.Account { return testAccount("") }, msg: testReply, reason: "the account has no webhookUrl"},
		{name: "no confirmation code", acct: func(u string) providers.Account {
			a := testAccount(u)
			a.Secrets = nil
			return a
		}, msg: testReply, reason: "the account has no confirmationCode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeMessenger(t, nil)
			acct := testAccount(f.URL)
			if tc.acct != nil {
				acct = tc.acct(f.URL)
			}
			res, err := Provider{}.Send(context.Background(), f.env(), acct, tc.msg)
			checkSend(t, res, err, nil, false, 0, tc.reason)
			if n := len(f.Requests()); n != 0 {
				t.Errorf("the messenger got %d requests, want none", n)
			}
		})
	}
}

func TestSendWithoutID(t *testing.T) {
	f := newFakeMessenger(t, nil)
	msg := testReply
	msg.ID = ""
	if _, err := (Provider{}).Send(context.Background(), f.env(), testAccount(f.URL), msg); err != nil {
		t.Fatal(err)
	}
	r := f.Requests()[0]
	var body struct{ ID string }
	_ = json.Unmarshal(r.Body, &body)
	if key := r.Header.Get("Idempotency-Key"); !strings.HasPrefix(key, "msg_") || body.ID != key {
		t.Errorf("Idempotency-Key = %q, id = %q, want the same generated key", key, body.ID)
	}
}

// checkSend asserts a Send outcome: ids on success, otherwise a *SendError with
// the given retry advice and a reason containing reason.
func checkSend(t *testing.T, res providers.SendResult, err error, ids []string, retryable bool, retryAfter time.Duration, reason string) {
	t.Helper()
	if reason == "" {
		if err != nil || !reflect.DeepEqual(res.MessageIDs, ids) {
			t.Fatalf("Send = %v, %v; want %v", res, err, ids)
		}
		return
	}
	var se *providers.SendError
	if !errors.As(err, &se) {
		t.Fatalf("Send err = %v, want a *providers.SendError", err)
	}
	if se.Retryable != retryable || se.RetryAfter != retryAfter {
		t.Errorf("retryable %v after %v, want %v after %v (%v)", se.Retryable, se.RetryAfter, retryable, retryAfter, se)
	}
	if !strings.Contains(se.Reason, reason) {
		t.Errorf("reason = %q, want it to contain %q", se.Reason, reason)
	}
	if !strings.HasPrefix(se.Err.Error(), "custom: send: ") {
		t.Errorf("cause = %q, want the custom: send: context", se.Err)
	}
	if errors.Is(err, providers.ErrUnauthorized) {
		t.Errorf("a send failure must not look like an unauthorized webhook: %v", err)
	}
	mustNotLeak(t, "the send error", fmt.Sprintf("%v %q %v", se, se.Reason, se.Err))
}
