package nexmotest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestTokenIsHS256: the fake's hand-written signer makes tokens a JWT library
// verifies under the secret, and only under it.
func TestTokenIsHS256(t *testing.T) {
	body := []byte(`{"message_uuid":"1"}`)
	iat := time.Unix(1587494962, 0)
	tok := Sign(DefaultSignatureSecret, DefaultAPIKey, DefaultApplicationID, body, iat)
	c := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok, c, func(*jwt.Token) (any, error) { return []byte(DefaultSignatureSecret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return iat }))
	if err != nil || !parsed.Valid {
		t.Fatalf("token %s: %v", tok, err)
	}
	if c["iss"] != "Vonage" || c["api_key"] != DefaultAPIKey || c["application_id"] != DefaultApplicationID ||
		c["payload_hash"] != PayloadHash(body) || c["iat"] != float64(iat.Unix()) || len(c["jti"].(string)) != 36 {
		t.Errorf("claims %v", c)
	}
	if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return []byte("other"), nil }); err == nil {
		t.Error("verified under another secret")
	}
	if _, ok := Claims(DefaultAPIKey, "", body, iat)["application_id"]; ok {
		t.Error("application_id without an application")
	}
}

func TestPayloadHash(t *testing.T) {
	// SHA-256 test vectors (FIPS 180-2).
	for in, want := range map[string]string{
		"":    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	} {
		if got := PayloadHash([]byte(in)); got != want {
			t.Errorf("PayloadHash(%q) = %s", in, got)
		}
	}
}

// do makes one request to the fake with Basic auth (user "" for none) and
// decodes the JSON answer.
func do(t *testing.T, s *Server, method, path, user, pass, contentType string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("answer %q: %v", b, err)
		}
	}
	return resp.StatusCode, out
}

func text(to, from, s string) map[string]any {
	return map[string]any{"message_type": "text", "channel": "whatsapp", "to": to, "from": from, "text": s}
}

func TestSendMessage(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	ok := text("447700900001", DefaultNumber, "hi")
	ok["client_ref"], ok["webhook_url"], ok["webhook_version"] = "r1", "https://sb.example/w", "v1"
	code, ans := do(t, s, http.MethodPost, "/v1/messages", DefaultAPIKey, DefaultAPISecret, "application/json", ok)
	if code != http.StatusAccepted || ans["message_uuid"] != NewUUID(1) {
		t.Fatalf("%d %v", code, ans)
	}
	m, found := s.Message(NewUUID(1))
	if !found || m.Text != "hi" || m.To != "447700900001" || m.ClientRef != "r1" || m.WebhookURL != "https://sb.example/w" || m.Status != "submitted" {
		t.Errorf("message %+v", m)
	}

	with := func(k string, v any) map[string]any {
		b := text("447700900001", DefaultNumber, "hi")
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	tests := []struct {
		name        string
		user, pass  string
		contentType string
		body        any
		status      int
		typ         string
	}{
		{"no credentials", "", "", "application/json", ok, 401, "https://developer.nexmo.com/api-errors#unauthorized"},
		{"wrong secret", DefaultAPIKey, "x", "application/json", ok, 401, "https://developer.nexmo.com/api-errors#unauthorized"},
		{"form body", DefaultAPIKey, DefaultAPISecret, "application/x-www-form-urlencoded", "a=b", 415, "https://developer.nexmo.com/api-errors#content-type-header"},
		{"broken JSON", DefaultAPIKey, DefaultAPISecret, "application/json", "{", 400, "https://developer.nexmo.com/api-errors/messages-olympus#1010"},
		{"sms channel", DefaultAPIKey, DefaultAPISecret, "application/json", with("channel", "sms"), 422, "https://developer.nexmo.com/api-errors/messages-olympus#1020"},
		{"to with +", DefaultAPIKey, DefaultAPISecret, "application/json", with("to", "+447700900001"), 422, "https://developer.nexmo.com/api-errors/messages-olympus#1020"},
		{"another from", DefaultAPIKey, DefaultAPISecret, "application/json", with("from", "447700900009"), 422, "https://developer.nexmo.com/api-errors/messages-olympus#1120"},
		{"no text", DefaultAPIKey, DefaultAPISecret, "application/json", with("text", nil), 422, "https://developer.nexmo.com/api-errors/messages-olympus#1020"},
		{"text too long", DefaultAPIKey, DefaultAPISecret, "application/json", with("text", strings.Repeat("🙂", 2049)), 422, "https://developer.nexmo.com/api-errors/messages-olympus#1020"},
		{"template", DefaultAPIKey, DefaultAPISecret, "application/json", with("message_type", "template"), 422, "https://developer.nexmo.com/api-errors/messages-olympus#1020"},
		{"image without object", DefaultAPIKey, DefaultAPISecret, "application/json", with("message_type", "image"), 422, "https://developer.nexmo.com/api-errors/messages-olympus#1020"},
		{"relative media", DefaultAPIKey, DefaultAPISecret, "application/json", map[string]any{"message_type": "file", "channel": "whatsapp",
			"to": "447700900001", "from": DefaultNumber, "file": map[string]any{"url": "/a.pdf"}}, 422, "https://developer.nexmo.com/api-errors/messages-olympus#1020"},
		{"client_ref too long", DefaultAPIKey, DefaultAPISecret, "application/json", with("client_ref", strings.Repeat("r", 101)), 422, "https://developer.nexmo.com/api-errors/messages-olympus#1020"},
		{"relative webhook_url", DefaultAPIKey, DefaultAPISecret, "application/json", with("webhook_url", "/w"), 422, "https://developer.nexmo.com/api-errors/messages-olympus#1020"},
		{"webhook_version v2", DefaultAPIKey, DefaultAPISecret, "application/json", with("webhook_version", "v2"), 422, "https://developer.nexmo.com/api-errors/messages-olympus#1020"},
		{"GET", DefaultAPIKey, DefaultAPISecret, "", nil, 405, "https://developer.nexmo.com/api-errors#wrong-verb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := http.MethodPost
			if tt.name == "GET" {
				method = http.MethodGet
			}
			code, ans := do(t, s, method, "/v1/messages", tt.user, tt.pass, tt.contentType, tt.body)
			if code != tt.status || ans["type"] != tt.typ || ans["title"] == "" || ans["detail"] == "" || ans["instance"] == "" {
				t.Errorf("%d %v", code, ans)
			}
		})
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages accepted", n)
	}
}

func TestApplication(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	path := "/v2/applications/" + DefaultApplicationID
	code, app := do(t, s, http.MethodGet, path, DefaultAPIKey, DefaultAPISecret, "", nil)
	if code != 200 || app["name"] != "Switchboard WhatsApp" || app["_links"] == nil || app["keys"].(map[string]any)["public_key"] != DefaultPublicKey {
		t.Fatalf("%d %v", code, app)
	}
	if code, ans := do(t, s, http.MethodGet, "/v2/applications/other", DefaultAPIKey, DefaultAPISecret, "", nil); code != 404 || ans["type"] != "https://developer.nexmo.com/api-errors#not-found" {
		t.Errorf("other application: %d %v", code, ans)
	}
	if code, _ := do(t, s, http.MethodGet, path, DefaultAPIKey, "wrong", "", nil); code != 401 {
		t.Errorf("wrong secret: %d", code)
	}
	// A PUT replaces the application: what it leaves out is gone.
	code, ans := do(t, s, http.MethodPut, path, DefaultAPIKey, DefaultAPISecret, "application/json",
		map[string]any{"name": "Renamed", "keys": map[string]any{"public_key": DefaultPublicKey}})
	if code != 200 || ans["name"] != "Renamed" || ans["capabilities"] != nil || s.KeyRegenerations() != 0 {
		t.Errorf("%d %v", code, ans)
	}
	if in, st := s.MessagesWebhooks(); in != "" || st != "" {
		t.Errorf("webhooks %q %q", in, st)
	}
	// Without the public key, a new key pair.
	code, ans = do(t, s, http.MethodPut, path, DefaultAPIKey, DefaultAPISecret, "application/json", map[string]any{"name": "Renamed"})
	keys, _ := ans["keys"].(map[string]any)
	if code != 200 || keys["private_key"] == nil || s.KeyRegenerations() != 1 {
		t.Errorf("%d %v", code, ans)
	}
	if _, stored := s.Application()["keys"].(map[string]any)["private_key"]; stored {
		t.Error("the private key is stored")
	}
	bad := []map[string]any{
		{"capabilities": map[string]any{}},
		{"name": "x", "capabilities": map[string]any{"messages": map[string]any{"webhooks": map[string]any{"inbound_url": map[string]any{"address": "https://x/", "http_method": "GET"}}}}},
		{"name": "x", "capabilities": map[string]any{"messages": map[string]any{"webhooks": map[string]any{"status_url": map[string]any{"address": "x", "http_method": "POST"}}}}},
		{"name": "x", "capabilities": map[string]any{"messages": map[string]any{"version": "v3"}}},
	}
	for _, b := range bad {
		if code, ans := do(t, s, http.MethodPut, path, DefaultAPIKey, DefaultAPISecret, "application/json", b); code != 400 || ans["invalid_parameters"] == nil {
			t.Errorf("%v: %d %v", b, code, ans)
		}
	}
}

func TestFailures(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	s.FailNext(EndpointMessages, TooManyRequests, BadGateway)
	body := text("447700900001", DefaultNumber, "hi")
	if code, ans := do(t, s, http.MethodPost, "/v1/messages", "", "", "application/json", body); code != 429 || ans["title"] != "Rate Limit Hit" {
		t.Errorf("first: %d %v", code, ans)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/v1/messages", strings.NewReader("{}"))
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 || resp.Header.Get("Content-Type") != "text/html" {
		t.Errorf("second: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s.SetHook(func(r Request) *Reply {
		if r.Endpoint == EndpointApplication {
			return &InternalError
		}
		return nil
	})
	if code, _ := do(t, s, http.MethodGet, "/v2/applications/"+DefaultApplicationID, DefaultAPIKey, DefaultAPISecret, "", nil); code != 500 {
		t.Errorf("hooked: %d", code)
	}
	if code, _ := do(t, s, http.MethodPost, "/v1/messages", DefaultAPIKey, DefaultAPISecret, "application/json", body); code != 202 {
		t.Errorf("not hooked: %d", code)
	}
	// A delayed answer the client gives up on is recorded as such.
	s.FailNext(EndpointMessages, Reply{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/v1/messages", nil)
	if _, err := s.Client().Do(req); err == nil {
		t.Error("no timeout")
	}
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		r := s.Requests()
		if last := r[len(r)-1]; last.HTTPStatus == -1 {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("the abandoned request was not recorded: %+v", r[len(r)-1])
		case <-tick.C:
		}
	}
	s.Reset()
	if len(s.Requests()) != 0 || len(s.Messages()) != 0 {
		t.Error("Reset kept records")
	}
}

// TestConcurrentSends: the fake is safe for concurrent use and hands out
// distinct UUIDs.
func TestConcurrentSends(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	var seen sync.Map
	s.OnMessage(func(m Message) { seen.Store(m.UUID, true) })
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			b, _ := json.Marshal(text("447700900001", DefaultNumber, fmt.Sprint(i)))
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/v1/messages", bytes.NewReader(b))
			req.SetBasicAuth(DefaultAPIKey, DefaultAPISecret)
			req.Header.Set("Content-Type", "application/json")
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			_ = s.Requests()
			_ = s.Application()
		})
	}
	wg.Wait()
	n := 0
	seen.Range(func(any, any) bool { n++; return true })
	if n != 20 || len(s.Messages()) != 20 {
		t.Errorf("%d distinct UUIDs, %d messages", n, len(s.Messages()))
	}
}

func TestWebhooks(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Inbound(ctx, "", Inbound{From: "1", Text: "hi"}); err == nil {
		t.Error("inbound without an inbound URL")
	}
	s.SetMessagesWebhooks("https://sb.example/webhooks/a", "https://sb.example/webhooks/a")
	s.ForwardWebhooks("https://sb.example", "http://127.0.0.1:9")
	when := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	s.SetClock(func() time.Time { return when })
	r, err := s.Inbound(ctx, "", Inbound{From: "447700900001", Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if r.URL.String() != "http://127.0.0.1:9/webhooks/a" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request to %s, %v", r.URL, r.Header)
	}
	body, _ := io.ReadAll(r.Body)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m["channel"] != "whatsapp" || m["to"] != DefaultNumber || m["text"] != "hi" ||
		m["timestamp"] != "2024-01-02T03:04:05.000Z" || m["message_type"] != "text" {
		t.Errorf("body %s", body)
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	c := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(tok, c, func(*jwt.Token) (any, error) { return []byte(DefaultSignatureSecret), nil },
		jwt.WithTimeFunc(func() time.Time { return when })); !ok || err != nil || c["payload_hash"] != PayloadHash(body) {
		t.Errorf("token %q: %v, claims %v", tok, err, c)
	}
	if _, err := s.StatusWebhook(ctx, "nope", "read", nil); err == nil {
		t.Error("status of an unknown message")
	}
	code, ans := do(t, s, http.MethodPost, "/v1/messages", DefaultAPIKey, DefaultAPISecret, "application/json", text("447700900001", DefaultNumber, "x"))
	if code != 202 {
		t.Fatal(code)
	}
	r, err = s.StatusWebhook(ctx, ans["message_uuid"].(string), "undeliverable", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &m); err != nil || m["status"] != "undeliverable" || m["to"] != "447700900001" || m["error"] == nil {
		t.Errorf("status %s", body)
	}
	if msg, _ := s.Message(ans["message_uuid"].(string)); msg.Status != "undeliverable" {
		t.Errorf("message %+v", msg)
	}
	unsigned, err := NewWebhookRequest(ctx, "https://sb.example/w", body, "")
	if err != nil || unsigned.Header.Get("Authorization") != "" {
		t.Errorf("unsigned %v, %v", unsigned.Header, err)
	}
}

func TestMedia(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	u := s.AddMedia([]byte("OggS"), "audio/ogg")
	if !strings.HasPrefix(u, s.URL+"/v3/media/") {
		t.Fatalf("media URL %s", u)
	}
	get := func(u string) (int, string) {
		resp, err := s.Client().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, b := get(u); code != 200 || b != "OggS" {
		t.Errorf("%d %q", code, b)
	}
	if code, _ := get(s.URL + "/v3/media/unknown"); code != 404 {
		t.Errorf("unknown: %d", code)
	}
	s.SetSecureInboundMedia(true)
	if code, _ := get(u); code != 401 {
		t.Errorf("secure: %d", code)
	}
	if v := s.Application()["capabilities"].(map[string]any)["messages"].(map[string]any)["authenticate_inbound_media"]; v != true {
		t.Errorf("authenticate_inbound_media %v", v)
	}
}
