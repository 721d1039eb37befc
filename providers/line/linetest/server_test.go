package linetest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// call makes one request to the fake and decodes a JSON answer into out.
func call(t *testing.T, s *Server, method, url, token string, header http.Header, body string) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &out)
	return resp, out
}

const user = "U206d25c2ea6bd87c17655609a1c37cb8"

func TestAuthentication(t *testing.T) {
	s := New()
	defer s.Close()
	tests := []struct {
		name   string
		header string
		status int
		msg    string
	}{
		{"no header", "", 401, "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"},
		{"not bearer", "Basic " + Token, 401, "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"},
		{"unknown token", "Bearer nope", 401, "Authentication failed due to the following reason: invalid token. Confirm that the access token in the authorization header is valid."},
		{"right token", "Bearer " + Token, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set("Authorization", tt.header)
			}
			resp, out := call(t, s, http.MethodGet, s.URL+"/v2/bot/info", "", h, "")
			if resp.StatusCode != tt.status || (tt.msg != "" && out["message"] != tt.msg) {
				t.Errorf("%d %v, want %d %q", resp.StatusCode, out, tt.status, tt.msg)
			}
			if resp.Header.Get("X-Line-Request-Id") == "" {
				t.Error("no x-line-request-id")
			}
		})
	}
}

func TestHostsServeTheirOwnPaths(t *testing.T) {
	s := New()
	defer s.Close()
	s.SetContent("325708", "image/jpeg", []byte("jpeg"))
	tests := []struct {
		name   string
		method string
		url    string
		status int
	}{
		{"content on the data host", http.MethodGet, s.DataURL + "/v2/bot/message/325708/content", 200},
		{"content on the API host", http.MethodGet, s.URL + "/v2/bot/message/325708/content", 404},
		{"bot info on the data host", http.MethodGet, s.DataURL + "/v2/bot/info", 404},
		{"push with GET", http.MethodGet, s.URL + "/v2/bot/message/push", 404},
		{"unknown path", http.MethodGet, s.URL + "/v2/bot/nothing", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := call(t, s, tt.method, tt.url, Token, nil, "")
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}

func TestPushChecks(t *testing.T) {
	s := New()
	defer s.Close()
	tests := []struct {
		name     string
		key      string
		body     string
		status   int
		msg      string
		property string
	}{
		{"text", "", `{"to":"` + user + `","messages":[{"type":"text","text":"hi"}]}`, 200, "", ""},
		{"bad retry key", "not-a-uuid", `{"to":"` + user + `","messages":[{"type":"text","text":"hi"}]}`, 400, "The value of the X-Line-Retry-Key header is invalid", ""},
		{"not JSON", "", `{"to":`, 400, "The request body could not be parsed as JSON (line: -, column: -)", ""},
		{"unknown property", "", `{"to":"` + user + `","messages":[{"type":"text","text":"hi"}],"replyToken":"x"}`, 400, "The property, replyToken, in the request body is invalid (line: -, column: -)", ""},
		{"empty text", "", `{"to":"` + user + `","messages":[{"type":"text","text":""}]}`, 400, "The request body has 1 error(s)", "messages[0].text"},
		{"too long text", "", `{"to":"` + user + `","messages":[{"type":"text","text":"` + strings.Repeat("🙂", 2501) + `"}]}`, 400, "The request body has 1 error(s)", "messages[0].text"},
		{"longest text", "", `{"to":"` + user + `","messages":[{"type":"text","text":"` + strings.Repeat("🙂", 2500) + `"}]}`, 200, "", ""},
		{"six messages", "", `{"to":"` + user + `","messages":[` + strings.TrimSuffix(strings.Repeat(`{"type":"text","text":"a"},`, 6), ",") + `]}`, 400, "The request body has 1 error(s)", "messages"},
		{"no messages", "", `{"to":"` + user + `","messages":[]}`, 400, "The request body has 1 error(s)", "messages"},
		{"unknown type", "", `{"to":"` + user + `","messages":[{"type":"file"}]}`, 400, "The request body has 1 error(s)", "messages[0].type"},
		{"image over http", "", `{"to":"` + user + `","messages":[{"type":"image","originalContentUrl":"http://x.example/a.jpg","previewImageUrl":"https://x.example/a.jpg"}]}`, 400, "The request body has 1 error(s)", "messages[0].originalContentUrl"},
		{"no recipient", "", `{"messages":[{"type":"text","text":"hi"}]}`, 400, "The request body has 1 error(s)", "to"},
		{"malformed recipient", "", `{"to":"U123","messages":[{"type":"text","text":"hi"}]}`, 400, "The property, to, in the request body is invalid (line: -, column: -)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.key != "" {
				h.Set("X-Line-Retry-Key", tt.key)
			}
			resp, out := call(t, s, http.MethodPost, s.URL+"/v2/bot/message/push", Token, h, tt.body)
			if resp.StatusCode != tt.status || (tt.msg != "" && out["message"] != tt.msg) {
				t.Fatalf("%d %v, want %d %q", resp.StatusCode, out, tt.status, tt.msg)
			}
			if tt.property != "" {
				d, _ := out["details"].([]any)
				if len(d) != 1 || d[0].(map[string]any)["property"] != tt.property {
					t.Errorf("details %v, want property %s", out["details"], tt.property)
				}
			}
		})
	}
}

func TestPushRetryKey(t *testing.T) {
	s := New()
	defer s.Close()
	h := http.Header{"X-Line-Retry-Key": {"123e4567-e89b-12d3-a456-426614174000"}}
	body := `{"to":"` + user + `","messages":[{"type":"text","text":"Hello, world1"},{"type":"text","text":"Hello, world2"}]}`
	resp, first := call(t, s, http.MethodPost, s.URL+"/v2/bot/message/push", Token, h, body)
	if resp.StatusCode != 200 {
		t.Fatalf("first: %d %v", resp.StatusCode, first)
	}
	accepted := resp.Header.Get("X-Line-Request-Id")
	resp, again := call(t, s, http.MethodPost, s.URL+"/v2/bot/message/push", Token, h, body)
	if resp.StatusCode != http.StatusConflict || again["message"] != "The retry key is already accepted" {
		t.Fatalf("again: %d %v", resp.StatusCode, again)
	}
	if resp.Header.Get("X-Line-Accepted-Request-Id") != accepted {
		t.Errorf("x-line-accepted-request-id %q, want %q", resp.Header.Get("X-Line-Accepted-Request-Id"), accepted)
	}
	b1, _ := json.Marshal(first["sentMessages"])
	b2, _ := json.Marshal(again["sentMessages"])
	if !bytes.Equal(b1, b2) {
		t.Errorf("409 sentMessages %s, first %s", b2, b1)
	}
	if got := s.Texts(user); len(got) != 2 {
		t.Errorf("delivered %v, want the two texts once", got)
	}
}

func TestPushRetryKeyUnderConcurrency(t *testing.T) {
	s := New()
	defer s.Close()
	body := `{"to":"` + user + `","messages":[{"type":"text","text":"once"}]}`
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 20 {
		wg.Go(func() {
			resp, _ := call(t, s, http.MethodPost, s.URL+"/v2/bot/message/push", Token, http.Header{"X-Line-Retry-Key": {"123e4567-e89b-12d3-a456-426614174001"}}, body)
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[200] != 1 || codes[409] != 19 || len(s.Pushes()) != 1 {
		t.Errorf("answers %v, %d pushes; want one 200, 19 409s, one push", codes, len(s.Pushes()))
	}
}

func TestFaults(t *testing.T) {
	s := New()
	defer s.Close()
	body := `{"to":"` + user + `","messages":[{"type":"text","text":"hi"}]}`
	s.FailNext(EndpointPush, Pass, RateLimited, Fault{Status: 500, Body: `{"message":"x"}`, Accept: true})
	var got []int
	for range 4 {
		resp, _ := call(t, s, http.MethodPost, s.URL+"/v2/bot/message/push", Token, nil, body)
		got = append(got, resp.StatusCode)
	}
	if want := []int{200, 429, 500, 200}; !equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if n := len(s.Pushes()); n != 3 {
		t.Errorf("%d pushes, want 3 (the accepted 500 delivered)", n)
	}
	s.SetFailing(EndpointBotInfo, InternalError)
	resp, _ := call(t, s, http.MethodGet, s.URL+"/v2/bot/info", Token, nil, "")
	s.ClearFailing(EndpointBotInfo)
	resp2, _ := call(t, s, http.MethodGet, s.URL+"/v2/bot/info", Token, nil, "")
	if resp.StatusCode != 500 || resp2.StatusCode != 200 {
		t.Errorf("failing %d, cleared %d", resp.StatusCode, resp2.StatusCode)
	}
	// A dropped POST is not retried by net/http, so the caller sees the failure.
	s.FailNext(EndpointPush, Dropped)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/v2/bot/message/push", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+Token)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := s.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("a dropped connection answered %d", resp.StatusCode)
	}
}

func TestMonthlyLimit(t *testing.T) {
	s := New()
	defer s.Close()
	s.UpdateChannel(Token, func(c *Channel) { c.MonthlyLimit = 1 })
	body := `{"to":"` + user + `","messages":[{"type":"text","text":"hi"}]}`
	call(t, s, http.MethodPost, s.URL+"/v2/bot/message/push", Token, nil, body)
	resp, out := call(t, s, http.MethodPost, s.URL+"/v2/bot/message/push", Token, nil, body)
	if resp.StatusCode != 429 || out["message"] != "You have reached your monthly limit." {
		t.Errorf("%d %v", resp.StatusCode, out)
	}
}

func TestWebhookSettings(t *testing.T) {
	s := New()
	defer s.Close()
	if resp, out := call(t, s, http.MethodGet, s.URL+"/v2/bot/channel/webhook/endpoint", Token, nil, ""); resp.StatusCode != 404 || out["message"] != "Webhook endpoint not found" {
		t.Errorf("unset endpoint: %d %v", resp.StatusCode, out)
	}
	if resp, out := call(t, s, http.MethodPut, s.URL+"/v2/bot/channel/webhook/endpoint", Token, nil, `{"endpoint":"http://example.com/hook"}`); resp.StatusCode != 400 || out["message"] != "Invalid webhook endpoint URL" {
		t.Errorf("http endpoint: %d %v", resp.StatusCode, out)
	}
	if resp, _ := call(t, s, http.MethodPut, s.URL+"/v2/bot/channel/webhook/endpoint", Token, nil, `{"endpoint":"https://example.com/hook"}`); resp.StatusCode != 200 {
		t.Errorf("set: %d", resp.StatusCode)
	}
	if resp, out := call(t, s, http.MethodGet, s.URL+"/v2/bot/channel/webhook/endpoint", Token, nil, ""); resp.StatusCode != 200 || out["endpoint"] != "https://example.com/hook" || out["active"] != true {
		t.Errorf("get: %d %v", resp.StatusCode, out)
	}
	if resp, out := call(t, s, http.MethodPost, s.URL+"/v2/bot/channel/webhook/test", Token, nil, `{}`); resp.StatusCode != 200 || out["success"] != true || out["reason"] != "OK" {
		t.Errorf("test: %d %v", resp.StatusCode, out)
	}
}

func TestDeliver(t *testing.T) {
	var got *http.Request
	var gotBody []byte
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotBody, _ = io.ReadAll(r.Body)
		got = r
		if r.Header.Get("X-Line-Signature") != Sign(Secret, gotBody) {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	res := Deliver(srv.Client(), Secret)(srv.URL + "/webhooks/acc1")
	if !res.Success || res.StatusCode != 200 || res.Reason != "OK" {
		t.Errorf("result %+v", res)
	}
	if got == nil || string(gotBody) != string(Body()) {
		t.Errorf("delivered %q", gotBody)
	}
	bad := Deliver(srv.Client(), "wrong-secret")(srv.URL)
	if bad.Success || bad.Reason != "ERROR_STATUS_CODE" || bad.Detail != "401" {
		t.Errorf("wrong secret: %+v", bad)
	}
	srv.Close()
	gone := Deliver(srv.Client(), Secret)(srv.URL)
	if gone.Success || gone.Reason != "COULD_NOT_CONNECT" {
		t.Errorf("closed server: %+v", gone)
	}
}

func TestWaitPushes(t *testing.T) {
	s := New()
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan []Push)
	go func() {
		p, _ := s.WaitPushes(ctx, 1)
		done <- p
	}()
	call(t, s, http.MethodPost, s.URL+"/v2/bot/message/push", Token, nil, `{"to":"`+user+`","messages":[{"type":"text","text":"hi"}]}`)
	if p := <-done; len(p) != 1 || p[0].Messages[0].Text != "hi" || len(p[0].SentIDs) != 1 {
		t.Errorf("pushes %+v", p)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
