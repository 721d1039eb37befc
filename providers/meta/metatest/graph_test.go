package metatest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const tok = "EAAfakeTOKEN123"

func newServer(t *testing.T) (*Graph, *httptest.Server) {
	t.Helper()
	g := NewGraph()
	g.AddToken(tok)
	g.Handle(http.MethodGet, "me", func(c *Call) (any, *GraphError) { return map[string]string{"id": "me"}, nil })
	g.Handle(http.MethodPost, "{id}/messages", func(c *Call) (any, *GraphError) {
		var body struct {
			Recipient struct {
				ID string `json:"id"`
			} `json:"recipient"`
			Message map[string]any `json:"message"`
		}
		if err := c.Decode(&body); err != nil {
			e := InvalidParameter(err.Error())
			return nil, &e
		}
		return map[string]any{"id": c.Vars["id"], "to": body.Recipient.ID, "message": body.Message, "files": len(c.Files)}, nil
	})
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return g, srv
}

// do calls the fake and decodes its answer.
func do(t *testing.T, srv *httptest.Server, method, path, contentType, body string, header http.Header) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return resp.StatusCode, out
}

func errCode(m map[string]any) int {
	e, _ := m["error"].(map[string]any)
	f, _ := e["code"].(float64)
	return int(f)
}

func TestGraphChecks(t *testing.T) {
	_, srv := newServer(t)
	bearer := http.Header{"Authorization": {"Bearer " + tok}}
	tests := []struct {
		name, method, path, ctype, body string
		header                          http.Header
		status, code                    int
	}{
		{"bearer", "GET", "/v25.0/me", "", "", bearer, 200, 0},
		{"OAuth scheme", "GET", "/v25.0/me", "", "", http.Header{"Authorization": {"OAuth " + tok}}, 200, 0},
		{"query token", "GET", "/v25.0/me?access_token=" + tok, "", "", nil, 200, 0},
		{"any version", "GET", "/v21.0/me", "", "", bearer, 200, 0},
		{"no version", "GET", "/me", "", "", bearer, 400, 2500},
		{"no token", "GET", "/v25.0/me", "", "", nil, 400, 104},
		{"unknown token", "GET", "/v25.0/me", "", "", http.Header{"Authorization": {"Bearer EAAother"}}, 400, 190},
		{"unknown node edge", "GET", "/v25.0/123/feed", "", "", bearer, 400, 100},
		{"wrong method", "GET", "/v25.0/123/messages", "", "", bearer, 400, 100},
		{"JSON body", "POST", "/v25.0/123/messages", "application/json", `{"recipient":{"id":"p"},"message":{"text":"hi"}}`, bearer, 200, 0},
		{"form body with JSON values and token", "POST", "/v25.0/123/messages", "application/x-www-form-urlencoded",
			"recipient=" + url.QueryEscape(`{"id":"p"}`) + "&message=" + url.QueryEscape(`{"text":"hi"}`) + "&access_token=" + tok, nil, 200, 0},
		{"broken JSON", "POST", "/v25.0/123/messages", "application/json", `{"recipient":`, bearer, 400, 100},
		{"unsupported body", "POST", "/v25.0/123/messages", "text/plain", `hi`, bearer, 400, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := do(t, srv, tt.method, tt.path, tt.ctype, tt.body, tt.header)
			if status != tt.status || errCode(out) != tt.code {
				t.Errorf("answer %d %v, want %d code %d", status, out, tt.status, tt.code)
			}
			if tt.code != 0 {
				e := out["error"].(map[string]any)
				if e["message"] == "" || e["type"] == "" || e["fbtrace_id"] == "" {
					t.Errorf("error body %v", e)
				}
			}
		})
	}
}

func TestGraphRecordsAndFails(t *testing.T) {
	g, srv := newServer(t)
	bearer := http.Header{"Authorization": {"Bearer " + tok}}
	g.FailNext("{id}/messages", ErrRateLimit.Reply(), BadGateway)
	if status, out := do(t, srv, "POST", "/v25.0/1/messages", "application/json", `{}`, bearer); status != 400 || errCode(out) != 613 {
		t.Errorf("queued error: %d %v", status, out)
	}
	resp, err := srv.Client().Post(srv.URL+"/v25.0/1/messages", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || !bytes.Contains(b, []byte("Bad Gateway")) {
		t.Errorf("queued page: %d %s", resp.StatusCode, b)
	}
	g.SetHook(func(r Request) *Reply {
		if r.Path == "2/messages" {
			return &Reply{Error: &ErrTemporary}
		}
		return nil
	})
	if status, out := do(t, srv, "POST", "/v25.0/2/messages", "application/json", `{}`, bearer); status != 500 || errCode(out) != 2 {
		t.Errorf("hooked: %d %v", status, out)
	}
	if status, _ := do(t, srv, "POST", "/v25.0/3/messages", "application/json", `{"recipient":{"id":"x"}}`, bearer); status != 200 {
		t.Errorf("unhooked: %d", status)
	}
	reqs := g.Requests()
	if len(reqs) != 4 || reqs[0].ErrorCode != 613 || reqs[1].Status != 502 || reqs[3].Version != "v25.0" || reqs[3].Token != tok || reqs[3].TokenVia != "header" {
		t.Errorf("requests %+v", reqs)
	}
	g.RevokeToken(tok)
	if _, out := do(t, srv, "GET", "/v25.0/me", "", "", bearer); errCode(out) != 190 {
		t.Errorf("revoked token: %v", out)
	}
	g.Reset()
	if len(g.Requests()) != 0 {
		t.Errorf("Reset kept requests")
	}
}

func TestGraphMultipartAndDelay(t *testing.T) {
	g, srv := newServer(t)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("recipient", `{"id":"p"}`)
	fw, _ := mw.CreateFormFile("filedata", "a.png")
	fw.Write([]byte("\x89PNG"))
	mw.Close()
	status, out := do(t, srv, "POST", "/v25.0/9/messages", mw.FormDataContentType(), buf.String(), http.Header{"Authorization": {"Bearer " + tok}})
	if status != 200 || out["to"] != "p" || out["files"].(float64) != 1 {
		t.Errorf("multipart: %d %v", status, out)
	}
	g.FailNext("me", Reply{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v25.0/me", nil)
	if _, err := srv.Client().Do(req); err == nil {
		t.Errorf("a delayed answer arrived before the client's deadline")
	}
}

func TestGraphConcurrent(t *testing.T) {
	g, srv := newServer(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v25.0/me", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	if n := len(g.Requests()); n != 20 {
		t.Errorf("%d requests recorded", n)
	}
}

func TestWebhookRequests(t *testing.T) {
	body := []byte(`{"object":"page","entry":[]}`)
	req, err := NewWebhookRequest(context.Background(), "https://sb.example/webhooks/a", DefaultAppSecret, body)
	if err != nil || req.Method != http.MethodPost || req.Header.Get(SignatureHeader) != Sign(DefaultAppSecret, body) {
		t.Errorf("webhook request %v %v", req, err)
	}
	hs, err := NewHandshakeRequest(context.Background(), "https://sb.example/webhooks/a?x=1", "verify-me", "1158201444")
	if err != nil || hs.Method != http.MethodGet {
		t.Fatalf("handshake %v", err)
	}
	q := hs.URL.Query()
	if q.Get("hub.mode") != "subscribe" || q.Get("hub.verify_token") != "verify-me" || q.Get("hub.challenge") != "1158201444" || q.Get("x") != "1" {
		t.Errorf("query %v", q)
	}
}
