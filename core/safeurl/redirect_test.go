package safeurl

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// hitCounter is a test server that counts the requests it gets below /next
// and redirects /start to the location the test sets.
type hitCounter struct {
	*httptest.Server
	location atomic.Value // string
	code     int
	hits     atomic.Int32
}

func newHitCounter(t *testing.T, tls bool, code int) *hitCounter {
	t.Helper()
	h := &hitCounter{code: code}
	h.location.Store("/next")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/start" {
			http.Redirect(w, r, h.location.Load().(string), h.code)
			return
		}
		h.hits.Add(1)
		fmt.Fprint(w, "ok")
	})
	if tls {
		h.Server = httptest.NewTLSServer(handler)
	} else {
		h.Server = httptest.NewServer(handler)
	}
	t.Cleanup(h.Close)
	return h
}

// hostPort is the server's "127.0.0.1:port".
func (h *hitCounter) hostPort() string {
	u, _ := url.Parse(h.URL)
	return u.Host
}

// allowOnly returns a client that may connect only to the given servers and
// to public addresses, and that trusts the test servers' certificate.
func allowOnly(t *testing.T, servers ...*hitCounter) (*http.Client, *atomic.Int32) {
	t.Helper()
	allowed := map[netip.AddrPort]bool{}
	for _, s := range servers {
		allowed[netip.MustParseAddrPort(s.hostPort())] = true
	}
	var dials atomic.Int32
	c := newHTTPClient(func(ap netip.AddrPort) bool {
		dials.Add(1)
		return !allowed[ap] && IsBlockedIP(ap.Addr())
	}, 5*time.Second)
	tlsServer := httptest.NewTLSServer(http.NotFoundHandler()) // for its certificate, which all test servers share
	c.Transport.(*publicTransport).base.TLSClientConfig = tlsServer.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tlsServer.Close()
	return c, &dials
}

func TestHTTPClientRefusesRedirects(t *testing.T) {
	type request struct {
		method string
		header http.Header
	}
	plainGet := request{http.MethodGet, http.Header{"Accept": {"*/*"}, "User-Agent": {"test"}}}
	tests := []struct {
		name string
		// origin is TLS or not; location builds the redirect from the origin
		// to the target, which counts what reaches it.
		originTLS bool
		code      int
		req       request
		location  func(origin, target *hitCounter) string
		reason    string
		// targetPrivate leaves the target out of the servers the client may
		// reach; otherwise only the redirect rules stand between them.
		targetPrivate bool
	}{
		{
			name: "https to http", originTLS: true, code: http.StatusFound, req: plainGet,
			location: func(_, target *hitCounter) string { return target.URL + "/next" },
			reason:   "it leads from https to plain http",
		},
		{
			name: "another host name", code: http.StatusFound, req: plainGet,
			location: func(origin, _ *hitCounter) string {
				return strings.Replace(origin.URL, "127.0.0.1", "localhost", 1) + "/next"
			},
			reason: "it leads to another host",
		},
		{
			name: "another port", code: http.StatusFound, req: plainGet,
			location: func(_, target *hitCounter) string { return target.URL + "/next" },
			reason:   "it leads to another host",
		},
		{
			name: "signed request on the same host", code: http.StatusTemporaryRedirect,
			req: request{http.MethodPost, http.Header{
				"X-Switchboard-Timestamp": {"1700000000"},
				"X-Switchboard-Signature": {"v1=00"},
				"Content-Type":            {"application/json"},
			}},
			location: func(origin, _ *hitCounter) string { return "/next" },
			reason:   "a signed or authenticated request is never redirected",
		},
		{
			name: "idempotency key on the same host", code: http.StatusPermanentRedirect,
			req:      request{http.MethodPost, http.Header{"Idempotency-Key": {"msg_1"}}},
			location: func(origin, _ *hitCounter) string { return "/next" },
			reason:   "a signed or authenticated request is never redirected",
		},
		{
			name: "authorization on the same host", code: http.StatusFound,
			req:      request{http.MethodGet, http.Header{"Authorization": {"Bearer secret"}}},
			location: func(origin, _ *hitCounter) string { return "/next" },
			reason:   "a signed or authenticated request is never redirected",
		},
		{
			name: "cloud metadata address", code: http.StatusFound, req: plainGet,
			location: func(_, _ *hitCounter) string { return "http://169.254.169.254/latest/meta-data/" },
			reason:   "it leads to another host",
		},
		{
			name: "private server", code: http.StatusFound, req: plainGet,
			location:      func(_, target *hitCounter) string { return target.URL + "/next" },
			reason:        "it leads to another host",
			targetPrivate: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin := newHitCounter(t, tt.originTLS, tt.code)
			target := newHitCounter(t, false, tt.code)
			location := tt.location(origin, target)
			origin.location.Store(location)
			allowed := []*hitCounter{origin, target}
			if tt.targetPrivate {
				allowed = allowed[:1]
			}
			c, dials := allowOnly(t, allowed...)

			var body io.Reader
			if tt.req.method == http.MethodPost {
				body = strings.NewReader(`{"x":1}`)
			}
			req, err := http.NewRequest(tt.req.method, origin.URL+"/start", body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header = tt.req.header
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("redirect to %s followed: %d", location, resp.StatusCode)
			}
			var re *RedirectError
			if !errors.As(err, &re) {
				t.Fatalf("error %v does not wrap *RedirectError", err)
			}
			if want := "redirect refused: " + tt.reason; PublicError(err) != want {
				t.Errorf("PublicError = %q, want %q", PublicError(err), want)
			}
			if u, _ := url.Parse(location); u.Host != "" && !strings.Contains(Detail(err), u.Host) {
				t.Errorf("Detail = %q, want the refused location for the logs", Detail(err))
			}
			if n := origin.hits.Load() + target.hits.Load(); n != 0 {
				t.Errorf("the redirect target received %d requests", n)
			}
			if n := dials.Load(); n != 1 {
				t.Errorf("%d connections opened, want only the first", n)
			}
		})
	}
}

func TestHTTPClientFollowsPlainRedirectsOnTheSameHost(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) {
			origin := newHitCounter(t, tls, http.StatusFound)
			c, _ := allowOnly(t, origin)
			req, _ := http.NewRequest(http.MethodGet, origin.URL+"/start", nil)
			req.Header.Set("Accept", "image/*")
			req.Header.Set("User-Agent", "test")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || origin.hits.Load() != 1 {
				t.Fatalf("status %d, %d hits at the target; want 200 and 1", resp.StatusCode, origin.hits.Load())
			}
		})
	}
}

func TestSameHost(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"https://api.example.com/a", "https://API.example.com./b", true},
		{"https://api.example.com/", "https://api.example.com:443/", true},
		{"http://api.example.com/", "https://api.example.com/", true}, // upgrade
		{"http://api.example.com:8080/", "https://api.example.com:8080/", true},
		{"https://api.example.com/", "https://api.example.com:8443/", false},
		{"http://api.example.com/", "http://api.example.com:443/", false},
		{"https://api.example.com/", "https://example.com/", false},
		{"https://api.example.com/", "https://api.example.com.evil.test/", false},
	}
	for _, tt := range tests {
		a, _ := url.Parse(tt.a)
		b, _ := url.Parse(tt.b)
		if got := sameHost(a, b); got != tt.same {
			t.Errorf("sameHost(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
}
