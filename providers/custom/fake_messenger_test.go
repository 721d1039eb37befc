package custom

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// fakeMessenger is a custom messenger as its developers would write it from
// CONTRACT.md: it checks Switchboard's signature and answers with answer.
type fakeMessenger struct {
	srv    *httptest.Server
	answer func(w http.ResponseWriter, r *http.Request, body []byte)

	mu   sync.Mutex
	reqs []gotRequest
}

// gotRequest is one request the fake got, with the outcome of its signature check.
type gotRequest struct {
	method    string
	header    http.Header
	body      []byte
	verifyErr error
}

func newFakeMessenger(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body []byte)) *fakeMessenger {
	t.Helper()
	f := &fakeMessenger{answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMessenger) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	err := Verify(testSecret, r.Header, body, testNow, 0)
	f.mu.Lock()
	f.reqs = append(f.reqs, gotRequest{method: r.Method, header: r.Header.Clone(), body: body, verifyErr: err})
	f.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "bad signature"}, "")
		return
	}
	f.answer(w, r, body)
}

func (f *fakeMessenger) received() []gotRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]gotRequest(nil), f.reqs...)
}

// env is what the tests give the provider: the fake's client and the fixed clock.
func (f *fakeMessenger) env() providers.Env {
	return providers.Env{HTTP: f.srv.Client(), Now: func() time.Time { return testNow }}
}

// writeJSON answers v, signed with secret unless it is empty.
func writeJSON(w http.ResponseWriter, status int, v any, secret string) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	if secret != "" {
		signHeaders(w.Header(), secret, testNow, b)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
