package vibertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// post calls the fake as a client of the real API would.
func post(t *testing.T, s *Server, endpoint, token, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/pa/"+endpoint, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set(AuthHeader, token)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: answer is not JSON: %v", endpoint, err)
	}
	return out
}

func status(m map[string]any) int {
	f, _ := m["status"].(float64)
	return int(f)
}

func TestSendMessageChecks(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	s.Unsubscribe("gone=")
	s.Unregister("left=")
	long := strings.Repeat("🙂", MaxTextLen/2+1)
	tests := []struct {
		name, token, body string
		want              int
		wantMsg           string
	}{
		{"text", DefaultToken, `{"receiver":"a=","sender":{"name":"Bot"},"type":"text","text":"hi"}`, 0, "ok"},
		{"missing token", "", `{"receiver":"a=","sender":{"name":"Bot"},"type":"text","text":"hi"}`, 2, "missing_auth_token"},
		{"wrong token", "x", `{"receiver":"a=","sender":{"name":"Bot"},"type":"text","text":"hi"}`, 2, "invalidAuthToken"},
		{"broken JSON", DefaultToken, `{"receiver":`, 3, "badData"},
		{"no receiver", DefaultToken, `{"sender":{"name":"Bot"},"type":"text","text":"hi"}`, 4, "missingData"},
		{"no sender", DefaultToken, `{"receiver":"a=","type":"text","text":"hi"}`, 4, "missingData"},
		{"long sender name", DefaultToken, `{"receiver":"a=","sender":{"name":"` + strings.Repeat("n", 29) + `"},"type":"text","text":"hi"}`, 3, "badData"},
		{"empty text", DefaultToken, `{"receiver":"a=","sender":{"name":"Bot"},"type":"text","text":""}`, 4, "missingData"},
		{"text over 7000 UTF-16 units", DefaultToken, `{"receiver":"a=","sender":{"name":"Bot"},"type":"text","text":"` + long + `"}`, 3, "badData"},
		{"video without size", DefaultToken, `{"receiver":"a=","sender":{"name":"Bot"},"type":"video","media":"https://x.example/v.mp4"}`, 4, "missingData"},
		{"file without name", DefaultToken, `{"receiver":"a=","sender":{"name":"Bot"},"type":"file","media":"https://x.example/f.pdf","size":10}`, 4, "missingData"},
		{"picture with relative media", DefaultToken, `{"receiver":"a=","sender":{"name":"Bot"},"type":"picture","text":"","media":"/p.jpg"}`, 3, "badData"},
		{"unknown type", DefaultToken, `{"receiver":"a=","sender":{"name":"Bot"},"type":"hologram"}`, 3, "badData"},
		{"unsubscribed", DefaultToken, `{"receiver":"gone=","sender":{"name":"Bot"},"type":"text","text":"hi"}`, 6, "receiverNotSubscribed"},
		{"unregistered", DefaultToken, `{"receiver":"left=","sender":{"name":"Bot"},"type":"text","text":"hi"}`, 5, "receiverNotRegistered"},
		{"over 30 KB", DefaultToken, `{"receiver":"a=","sender":{"name":"Bot"},"type":"text","text":"hi","tracking_data":"` + strings.Repeat("t", MaxRequestBytes) + `"}`, 3, "badData"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := post(t, s, "send_message", tt.token, tt.body)
			if status(out) != tt.want || out["status_message"] != tt.wantMsg {
				t.Errorf("answer %v, want status %d %s", out, tt.want, tt.wantMsg)
			}
			if _, has := out["message_token"]; has != (tt.want == 0) {
				t.Errorf("message_token present = %v", has)
			}
		})
	}
	msgs := s.Messages()
	if len(msgs) != 1 || msgs[0].Token != firstToken || msgs[0].Text != "hi" || msgs[0].SenderName != "Bot" {
		t.Errorf("messages %+v", msgs)
	}
	if n := len(s.Requests()); n != len(tests) {
		t.Errorf("%d requests recorded, want %d", n, len(tests))
	}
}

func TestNotFoundAndMethod(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodPost, "/pa/no_such_endpoint", 404},
		{http.MethodPost, "/send_message", 404},
		{http.MethodGet, "/pa/send_message", 405},
	} {
		req, _ := http.NewRequest(tc.method, s.URL+tc.path, nil)
		req.Header.Set(AuthHeader, DefaultToken)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
	}
}

func TestFailNextAndHook(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	body := `{"receiver":"a=","sender":{"name":"Bot"},"type":"text","text":"hi"}`
	s.FailNext("send_message", StatusReply(6), TooManyRequests)
	if out := post(t, s, "send_message", DefaultToken, body); status(out) != 6 || out["status_message"] != "receiverNotSubscribed" {
		t.Errorf("first: %v", out)
	}
	if out := post(t, s, "send_message", DefaultToken, body); status(out) != 12 {
		t.Errorf("second: %v", out)
	}
	if out := post(t, s, "send_message", DefaultToken, body); status(out) != 0 {
		t.Errorf("third: %v", out)
	}
	calls := 0
	s.SetHook(func(r Request) *Reply {
		calls++
		if r.Endpoint == "get_account_info" {
			return &GeneralError
		}
		return nil
	})
	if out := post(t, s, "get_account_info", DefaultToken, `{}`); status(out) != 99 {
		t.Errorf("hooked: %v", out)
	}
	if out := post(t, s, "send_message", DefaultToken, body); status(out) != 0 || calls != 2 {
		t.Errorf("unhooked: %v after %d hook calls", out, calls)
	}
	if n := len(s.Messages()); n != 2 {
		t.Errorf("%d messages accepted, want 2", n)
	}
}

func TestBadGatewayAndDelay(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	s.FailNext("send_message", BadGateway, Reply{Delay: time.Minute})
	resp, err := s.Client().Post(s.URL+"/pa/send_message", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || !bytes.Contains(b, []byte("Bad Gateway")) {
		t.Errorf("got %d %q", resp.StatusCode, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/pa/send_message", strings.NewReader(`{}`))
	if _, err := s.Client().Do(req); err == nil {
		t.Errorf("a delayed answer arrived before the client's deadline")
	}
}

func TestSetWebhookAndAccountInfo(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	if out := post(t, s, "set_webhook", DefaultToken, `{"url":"http://plain.example/hook"}`); status(out) != 1 {
		t.Errorf("http URL: %v", out)
	}
	if out := post(t, s, "set_webhook", DefaultToken, `{"url":"https://x.example/hook","event_types":["nope"]}`); status(out) != 3 {
		t.Errorf("bad event type: %v", out)
	}
	out := post(t, s, "set_webhook", DefaultToken, `{"url":"https://x.example/hook","event_types":["delivered","seen"],"send_name":true}`)
	if status(out) != 0 || fmt.Sprint(out["event_types"]) != "[delivered seen]" {
		t.Errorf("set: %v", out)
	}
	if w := s.Webhook(); w.URL != "https://x.example/hook" || len(w.EventTypes) != 2 || !w.SendName || w.SendPhoto {
		t.Errorf("webhook %+v", w)
	}
	info := post(t, s, "get_account_info", DefaultToken, `{}`)
	if status(info) != 0 || info["uri"] != "accountUri" || info["webhook"] != "https://x.example/hook" || info["subscribers_count"].(float64) != 35 {
		t.Errorf("info %v", info)
	}
	if out := post(t, s, "set_webhook", DefaultToken, `{"url":""}`); status(out) != 0 || s.Webhook().URL != "" {
		t.Errorf("remove: %v", out)
	}
}

func TestSetWebhookCallsTheURL(t *testing.T) {
	var got []*http.Request
	var bodies [][]byte
	var mu sync.Mutex
	code := http.StatusOK
	hook := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		c := code
		mu.Unlock()
		w.WriteHeader(c)
	}))
	defer hook.Close()
	s := NewServer("")
	defer s.Close()
	s.SetWebhookClient(hook.Client())

	if out := post(t, s, "set_webhook", DefaultToken, `{"url":"`+hook.URL+`/w"}`); status(out) != 0 {
		t.Fatalf("set: %v", out)
	}
	mu.Lock()
	if len(got) != 1 || got[0].Header.Get(SignatureHeader) != Sign(DefaultToken, bodies[0]) || !bytes.Contains(bodies[0], []byte(`"event":"webhook"`)) {
		t.Errorf("webhook check: %d requests, body %s", len(got), bodies)
	}
	code = http.StatusUnauthorized
	mu.Unlock()
	if out := post(t, s, "set_webhook", DefaultToken, `{"url":"`+hook.URL+`/w"}`); status(out) != 1 || !strings.Contains(out["status_message"].(string), "401") {
		t.Errorf("refused check: %v", out)
	}
}

func TestConcurrentSends(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	var seen sync.Map
	s.OnMessage(func(m Message) { seen.Store(m.Token, m.Receiver) })
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"receiver":"u%d=","sender":{"name":"Bot"},"type":"text","text":"hi"}`, i)
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/pa/send_message", strings.NewReader(body))
			req.Header.Set(AuthHeader, DefaultToken)
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Error(err) // not Fatal: this is not the test's goroutine
				return
			}
			resp.Body.Close()
		}()
	}
	wg.Wait()
	msgs := s.Messages()
	tokens := map[int64]bool{}
	for _, m := range msgs {
		tokens[m.Token] = true
		if _, ok := seen.Load(m.Token); !ok {
			t.Errorf("OnMessage missed %d", m.Token)
		}
	}
	if len(msgs) != 40 || len(tokens) != 40 {
		t.Errorf("%d messages with %d distinct tokens, want 40", len(msgs), len(tokens))
	}
}

// TestSignMatchesViber checks the signer against a signature Viber computed
// (nyaruka/courier's handlers/viber TestSignature).
func TestSignMatchesViber(t *testing.T) {
	body := []byte(`{"event":"unsubscribed","timestamp":1516678387902,"user_id":"KMMqtlNTDxIm/5bZhdQ5uA==","message_token":5136431130449316903}`)
	const want = "d84d8648b402a2737838fea4da41d903d1af1aed92466b1758828ad27e31a9f9"
	if got := Sign("44b935abea139fd6-53fa53b32559c4a6-12dbd3d883b06835", body); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestCallbackBodies(t *testing.T) {
	at := time.UnixMilli(1457764197627)
	u := User{ID: "01234567890A=", Name: "John McClane"}
	for name, b := range map[string][]byte{
		"text":         TextMessage(4912661846655238145, at, u, "hi"),
		"delivered":    Receipt("delivered", 4912661846655238145, at, u.ID),
		"failed":       Failed(4912661846655238145, at, u.ID, "failure description"),
		"subscribed":   Subscribed(4912661846655238145, at, u),
		"unsubscribed": Unsubscribed(4912661846655238145, at, u.ID),
		"started":      ConversationStarted(4912661846655238145, at, u, false, ""),
		"webhook":      WebhookCheck(4912661846655238145, at),
	} {
		if !bytes.Contains(b, []byte(`"message_token":4912661846655238145`)) || !bytes.Contains(b, []byte(`"timestamp":1457764197627`)) {
			t.Errorf("%s: %s", name, b)
		}
	}
	if b := ConversationStarted(1, at, u, false, ""); !bytes.Contains(b, []byte(`"subscribed":false`)) {
		t.Errorf("subscribed=false dropped: %s", b)
	}
	req, err := NewCallbackRequest(context.Background(), "https://sb.example/webhooks/x", DefaultToken, []byte(`{}`))
	if err != nil || req.Header.Get(SignatureHeader) != Sign(DefaultToken, []byte(`{}`)) || req.Method != http.MethodPost {
		t.Errorf("request %v %v", req, err)
	}
}

func TestFileServer(t *testing.T) {
	f := NewFileServer()
	defer f.Close()
	u := f.Add("v.mp4", []byte("0123456789"), "video/mp4")
	nl := f.AddWithoutLength("n.pdf", []byte("%PDF"), "application/pdf")
	for _, tc := range []struct {
		url  string
		want int64
	}{{u, 10}, {nl, -1}, {f.URL + "/missing", -2}} {
		resp, err := f.Client().Head(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch {
		case tc.want == -2 && resp.StatusCode != 404:
			t.Errorf("%s: %d", tc.url, resp.StatusCode)
		case tc.want != -2 && resp.ContentLength != tc.want:
			t.Errorf("%s: Content-Length %d, want %d", tc.url, resp.ContentLength, tc.want)
		}
	}
	if f.Heads() != 3 {
		t.Errorf("heads %d", f.Heads())
	}
}
