package customtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// TestSignVector is the test vector of CONTRACT.md.
func TestSignVector(t *testing.T) {
	if got := Sign("secret", time.Unix(1700000000, 0), []byte(`{"a":1}`)); got != "v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686" {
		t.Errorf("Sign = %s", got)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"events":[]}`)
	good := Sign("code", testNow, body)
	stamp := "1777636800"
	for _, tc := range []struct {
		name   string
		header http.Header
		want   error
	}{
		{"signed", http.Header{HeaderTimestamp: {stamp}, HeaderSignature: {good}}, nil},
		{"among other values", http.Header{HeaderTimestamp: {stamp}, HeaderSignature: {"v0=abc, v1=00," + good}}, nil},
		{"over two lines", http.Header{HeaderTimestamp: {stamp}, HeaderSignature: {"v1=00", good}}, nil},
		{"no headers", http.Header{}, ErrUnsigned},
		{"no v1 value", http.Header{HeaderTimestamp: {stamp}, HeaderSignature: {"v2=" + good[3:]}}, ErrUnsigned},
		{"another code", http.Header{HeaderTimestamp: {stamp}, HeaderSignature: {Sign("other", testNow, body)}}, ErrBadSignature},
		{"signed, timestamp changed", http.Header{HeaderTimestamp: {"1777636801"}, HeaderSignature: {good}}, ErrBadSignature},
		{"milliseconds", http.Header{HeaderTimestamp: {stamp + "000"}, HeaderSignature: {good}}, ErrBadSignature},
		{"an hour old", http.Header{HeaderTimestamp: {"1777633200"}, HeaderSignature: {Sign("code", testNow.Add(-time.Hour), body)}}, ErrStale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Verify("code", tc.header, body, testNow); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func newFake(t *testing.T) *Server {
	t.Helper()
	s := NewServer("code")
	s.SetClock(func() time.Time { return testNow })
	t.Cleanup(s.Close)
	return s
}

// call POSTs body signed with code at testNow and returns the answer, checking
// its signature with the fake's code.
func call(t *testing.T, s *Server, code string, body string, header http.Header) (int, map[string]any, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/switchboard", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	if code != "" {
		SignHeaders(req.Header, code, testNow, []byte(body))
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	json.Unmarshal(b, &v)
	return resp.StatusCode, v, Verify("code", resp.Header, b, testNow)
}

func TestMessenger(t *testing.T) {
	s := newFake(t)
	if code, v, sigErr := call(t, s, "code", `{"type":"ping","id":"ping_1","challenge":"abc"}`, nil); code != 200 || v["challenge"] != "abc" || sigErr != nil {
		t.Errorf("ping: %d %v (signature %v)", code, v, sigErr)
	}
	reply := `{"type":"message","id":"3141","recipient":{"id":"user-42"},"message":{"text":"ships today",` +
		`"attachments":[{"type":"file","data":"JVBERg==","mimeType":"application/pdf","fileName":"i.pdf"}]}}`
	key := http.Header{"Idempotency-Key": {"3141"}}
	code, first, sigErr := call(t, s, "code", reply, key)
	if code != 200 || first["messageId"] != "out-1" || sigErr != nil {
		t.Fatalf("reply: %d %v (signature %v)", code, first, sigErr)
	}
	// A retry is answered with the same ID and delivered once.
	if _, again, _ := call(t, s, "code", reply, key); again["messageId"] != "out-1" {
		t.Errorf("retry answered %v", again)
	}
	msgs := s.Messages()
	if len(msgs) != 1 || msgs[0].Recipient != "user-42" || msgs[0].Text != "ships today" || msgs[0].ReplyID != "3141" ||
		len(msgs[0].Attachments) != 1 || string(msgs[0].Attachments[0].Data) != "%PDF" {
		t.Errorf("messages = %+v", msgs)
	}

	for _, tc := range []struct {
		name, code, body string
		status           int
	}{
		{"unsigned", "", reply, 401},
		{"another code", "other", reply, 401},
		{"not JSON", "code", "{", 400},
		{"unknown type", "code", `{"type":"poke"}`, 400},
		{"no recipient", "code", `{"type":"message","message":{"text":"x"}}`, 400},
		{"nothing to deliver", "code", `{"type":"message","recipient":{"id":"u"},"message":{}}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, v, sigErr := call(t, s, tc.code, tc.body, nil); code != tc.status || v["error"] == nil || !errors.Is(sigErr, ErrUnsigned) {
				t.Errorf("%d %v (signature %v), want an unsigned %d with an error", code, v, sigErr, tc.status)
			}
		})
	}
	if n := s.Refused(); n != 2 {
		t.Errorf("Refused = %d, want 2", n)
	}
	reqs := s.Requests()
	if len(reqs) != 9 || reqs[0].Type != "ping" || reqs[0].Challenge != "abc" || reqs[0].VerifyErr != nil || reqs[3].VerifyErr == nil || reqs[3].Status != 401 {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestReplies(t *testing.T) {
	s := newFake(t)
	ping := `{"type":"ping","challenge":"abc"}`
	s.FailNext("ping",
		Reply{Status: 503, Header: http.Header{"Retry-After": {"7"}}, Unsigned: true},
		Reply{JSON: map[string]string{"challenge": "abc"}, SignWith: "other"},
		Reply{JSON: map[string]string{"challenge": "abc"}, SignedAt: testNow.Add(-time.Hour)},
		Reply{Status: 201},
		Reply{Delay: 5 * time.Millisecond},
	)
	if code, _, sigErr := call(t, s, "code", ping, nil); code != 503 || !errors.Is(sigErr, ErrUnsigned) {
		t.Errorf("queued 503: %d %v", code, sigErr)
	}
	if _, v, sigErr := call(t, s, "code", ping, nil); v["challenge"] != "abc" || !errors.Is(sigErr, ErrBadSignature) {
		t.Errorf("signed with another code: %v %v", v, sigErr)
	}
	if _, _, sigErr := call(t, s, "code", ping, nil); !errors.Is(sigErr, ErrStale) {
		t.Errorf("signed an hour ago: %v", sigErr)
	}
	if code, v, sigErr := call(t, s, "code", ping, nil); code != 201 || v != nil || sigErr != nil {
		t.Errorf("empty 201: %d %v %v", code, v, sigErr)
	}
	if code, v, _ := call(t, s, "code", ping, nil); code != 200 || v["challenge"] != "abc" {
		t.Errorf("delayed: %d %v", code, v)
	}

	var n atomic.Int32
	s.SetHook(func(r Request) *Reply {
		if r.Path == "/switchboard" && n.Add(1) == 1 {
			return &Reply{Status: http.StatusTemporaryRedirect, Header: http.Header{"Location": {"/elsewhere"}}, Unsigned: true}
		}
		return nil
	})
	client := *s.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Post(s.URL+"/switchboard", "application/json", strings.NewReader(ping))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 307 || resp.Header.Get("Location") != "/elsewhere" {
		t.Errorf("hooked redirect: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	s.SetHook(func(Request) *Reply { return &Reply{Delay: time.Minute} })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, strings.NewReader(ping))
	if _, err := s.Client().Do(req); err == nil {
		t.Fatal("a hanging answer came back")
	}
}

func TestLoggingOff(t *testing.T) {
	s := newFake(t)
	s.SetLogging(false)
	var seen atomic.Int32
	s.OnMessage(func(Message) { seen.Add(1) })
	reply := `{"type":"message","id":"1","recipient":{"id":"u"},"message":{"text":"x"}}`
	for range 2 {
		call(t, s, "code", reply, http.Header{"Idempotency-Key": {"1"}})
	}
	call(t, s, "", reply, nil)
	if seen.Load() != 1 || len(s.Messages()) != 0 || len(s.Requests()) != 0 || s.Refused() != 1 {
		t.Errorf("seen %d, %d messages, %d requests logged, %d refused", seen.Load(), len(s.Messages()), len(s.Requests()), s.Refused())
	}
}

func TestNewEventsRequest(t *testing.T) {
	body := []byte(`{"events":[]}`)
	req, err := NewEventsRequest(context.Background(), "https://switchboard.example.com/webhooks/a", "code", testNow, body)
	if err != nil || req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("request %+v: %v", req, err)
	}
	if err := Verify("code", req.Header, body, testNow); err != nil {
		t.Errorf("not signed: %v", err)
	}
}
