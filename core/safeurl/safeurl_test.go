package safeurl

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestIsBlockedIP(t *testing.T) {
	tests := []struct {
		ip      string
		blocked bool
	}{
		// IPv4 blocked
		{"127.0.0.1", true},
		{"127.255.255.254", true},
		{"10.0.0.1", true},
		{"10.255.255.255", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"169.254.0.1", true},
		{"100.64.0.1", true},
		{"100.100.100.200", true}, // Alibaba Cloud metadata, in CGNAT range
		{"100.127.255.255", true},
		{"0.0.0.0", true},
		{"0.1.2.3", true},
		{"224.0.0.1", true},
		{"239.255.255.250", true},
		{"255.255.255.255", true},
		{"240.0.0.1", true},
		{"192.0.0.192", true},
		{"198.18.0.1", true},
		// IPv4 allowed
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"100.63.255.255", false},
		{"100.128.0.0", false},
		{"172.15.255.255", false},
		{"172.32.0.0", false},
		{"192.169.0.1", false},
		{"169.253.255.255", false},
		{"11.0.0.1", false},
		// IPv6 blocked
		{"::", true},
		{"::1", true},
		{"fc00::1", true},
		{"fd00:ec2::254", true}, // AWS metadata over IPv6
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"febf::1", true},
		{"fec0::1", true},
		{"ff02::1", true},
		{"ff05::2", true},
		{"ff0e::1", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"::ffff:100.64.0.1", true},
		{"::ffff:0.0.0.0", true},
		{"::127.0.0.1", true},        // IPv4-compatible
		{"64:ff9b::7f00:1", true},    // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", true}, // NAT64 of 169.254.169.254
		{"64:ff9b:1::1", true},       // local-use NAT64
		{"2002:7f00:1::", true},      // 6to4 of 127.0.0.1
		{"2002:c0a8:101::1", true},   // 6to4 of 192.168.1.1
		// IPv6 allowed
		{"2606:4700:4700::1111", false},
		{"2001:4860:4860::8888", false},
		{"::ffff:8.8.8.8", false},
		{"64:ff9b::808:808", false}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", false},  // 6to4 of 8.8.8.8
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			ip, err := netip.ParseAddr(tt.ip)
			if err != nil {
				t.Fatalf("ParseAddr(%q): %v", tt.ip, err)
			}
			if got := IsBlockedIP(ip); got != tt.blocked {
				t.Errorf("IsBlockedIP(%s) = %v, want %v", tt.ip, got, tt.blocked)
			}
		})
	}
	t.Run("invalid zero Addr", func(t *testing.T) {
		if !IsBlockedIP(netip.Addr{}) {
			t.Error("IsBlockedIP(netip.Addr{}) = false, want true (fail closed)")
		}
	})
}

func TestCheckURL(t *testing.T) {
	const (
		okMsg      = ""
		httpsOnly  = "must be an absolute https URL"
		httpOrS    = "must be an absolute http or https URL"
		privateMsg = "must not point to a private, loopback or link-local address"
	)
	tests := []struct {
		raw                     string
		allowPrivate, allowHTTP bool
		want                    string // error message, "" for success
	}{
		{"https://api.example.com/v1", false, false, okMsg},
		{"https://api.example.com:8443/hook?x=1#frag", false, false, okMsg},
		{"HTTPS://API.EXAMPLE.COM/", false, false, okMsg},
		{"https://8.8.8.8/", false, false, okMsg},
		{"https://[2606:4700:4700::1111]/", false, false, okMsg},
		{"https://cafe.be/", false, false, okMsg},
		{"https://1password.com/", false, false, okMsg},
		{"http://api.example.com/", false, false, httpsOnly},
		{"http://api.example.com/", false, true, okMsg},
		{"ftp://example.com/", false, true, httpOrS},
		{"javascript:alert(1)", false, false, httpsOnly},
		{"https:example.com", false, false, httpsOnly},
		{"/relative/path", false, false, httpsOnly},
		{"example.com/path", false, false, httpsOnly},
		{"//example.com/path", false, false, httpsOnly},
		{"", false, false, "must not be empty"},
		{"   ", false, false, "must not be empty"},
		{"https://exa mple.com/", false, false, "must be a valid URL"},
		{"https://[::1/", false, false, "must be a valid URL"},
		{"https:///path", false, false, "must include a host name"},
		{"https://:443/", false, false, "must include a host name"},
		{"https://user:pass@example.com/", false, false, "must not contain a user name or password"},
		{"https://user@example.com/", false, false, "must not contain a user name or password"},
		{"https://127.0.0.1/", false, false, privateMsg},
		{"https://127.0.0.1/", true, false, okMsg},
		{"https://10.1.2.3:8080/", false, false, privateMsg},
		{"http://169.254.169.254/latest/meta-data/", false, true, privateMsg},
		{"https://[::1]:8080/", false, false, privateMsg},
		{"https://[::ffff:127.0.0.1]/", false, false, privateMsg},
		{"https://[fe80::1%25eth0]/", false, false, privateMsg},
		{"https://[fd00::1]/", true, false, okMsg},
		{"https://0.0.0.0/", false, false, privateMsg},
		{"https://localhost/", false, false, privateMsg},
		{"https://LOCALHOST./", false, false, privateMsg},
		{"https://foo.localhost:3000/", false, false, privateMsg},
		{"https://localhost/", true, false, okMsg},
		{"https://2130706433/", false, false, "must use a host name or a standard IP address"},
		{"https://0x7f.1/", false, false, "must use a host name or a standard IP address"},
		{"https://127.1/", false, false, "must use a host name or a standard IP address"},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/private=%v/http=%v", tt.raw, tt.allowPrivate, tt.allowHTTP)
		t.Run(name, func(t *testing.T) {
			err := CheckURL(tt.raw, tt.allowPrivate, tt.allowHTTP)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("CheckURL(%q) = %v, want nil", tt.raw, err)
			case tt.want != "" && err == nil:
				t.Fatalf("CheckURL(%q) = nil, want %q", tt.raw, tt.want)
			case tt.want != "" && err.Error() != tt.want:
				t.Fatalf("CheckURL(%q) = %q, want %q", tt.raw, err, tt.want)
			}
			if tt.want == privateMsg && !errors.Is(err, ErrPrivateAddress) {
				t.Errorf("error %v does not wrap ErrPrivateAddress", err)
			}
		})
	}
}

// newServer starts an httptest server that is closed when the test ends.
func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// get performs a GET and closes the body, returning the status code.
func get(t *testing.T, c *http.Client, u string) (int, error) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// assertBlocked checks that err reports a refused connection to addr in a
// way callers can detect, and that only the log detail names the address.
func assertBlocked(t *testing.T, err error, addr string) {
	t.Helper()
	if err == nil {
		t.Fatal("request succeeded, want it refused")
	}
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		t.Fatalf("error %v (%T) is not a *url.Error", err, err)
	}
	var blocked *BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("error %v does not wrap *BlockedError", err)
	}
	if addr != "" && blocked.Addr != addr {
		t.Errorf("BlockedError.Addr = %q, want %q", blocked.Addr, addr)
	}
	const want = "destination address is not allowed: private, loopback or link-local"
	if got := blocked.Error(); got != want {
		t.Errorf("BlockedError.Error() = %q, want %q", got, want)
	}
	// Below the URL, which the tenant chose, nothing may name the address.
	if got := urlErr.Err.Error(); got != want {
		t.Errorf("error below the URL = %q, want %q", got, want)
	}
	if got := PublicError(err); got != want {
		t.Errorf("PublicError = %q, want %q", got, want)
	}
	if addr != "" && !strings.Contains(Detail(err), addr) {
		t.Errorf("Detail = %q, want the address %s for the logs", Detail(err), addr)
	}
}

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	})
}

func TestHTTPClientLoopback(t *testing.T) {
	var hits atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	addr := strings.TrimPrefix(srv.URL, "http://")
	_, port, _ := strings.Cut(addr, ":")

	t.Run("blocked by default", func(t *testing.T) {
		_, err := get(t, NewHTTPClient(false, 5*time.Second), srv.URL)
		assertBlocked(t, err, addr)
	})
	t.Run("blocked when the host name resolves to loopback", func(t *testing.T) {
		_, err := get(t, NewHTTPClient(false, 5*time.Second), "http://localhost:"+port+"/")
		assertBlocked(t, err, "")
	})
	if n := hits.Load(); n != 0 {
		t.Fatalf("server received %d requests from a guarded client", n)
	}
	t.Run("allowed with allowPrivate", func(t *testing.T) {
		code, err := get(t, NewHTTPClient(true, 5*time.Second), srv.URL)
		if err != nil {
			t.Fatalf("GET with allowPrivate: %v", err)
		}
		if code != http.StatusOK {
			t.Fatalf("status = %d, want 200", code)
		}
	})
}

// TestHTTPClientChecksEveryHop checks that a redirect target goes through
// the same connect-time guard as the first request. Redirects must stay on
// one host, so the test plays DNS rebinding between hops: the first
// connection is allowed, the redirect's answer closes it, and the policy
// refuses the second. NewHTTPClient differs only in using IsBlockedIP as the
// policy.
func TestHTTPClientChecksEveryHop(t *testing.T) {
	var finalHits atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			w.Header().Set("Connection", "close") // the next hop must dial again
			http.Redirect(w, r, "/secret", http.StatusFound)
			return
		}
		finalHits.Add(1)
	}))
	var dials atomic.Int32
	c := newHTTPClient(func(netip.AddrPort) bool { return dials.Add(1) > 1 }, 5*time.Second)
	_, err := get(t, c, srv.URL+"/redirect")
	assertBlocked(t, err, strings.TrimPrefix(srv.URL, "http://"))
	if n := finalHits.Load(); n != 0 {
		t.Fatalf("the redirect target received %d requests through a refused connection", n)
	}
	if n := dials.Load(); n != 2 {
		t.Fatalf("the policy saw %d dials, want 2 (one per hop)", n)
	}
}

func TestHTTPClientRedirectLimit(t *testing.T) {
	var hits atomic.Int32
	// /N redirects to /N-1; /0 answers.
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if err != nil {
			http.Error(w, "bad path", http.StatusBadRequest)
			return
		}
		if n > 0 {
			http.Redirect(w, r, "/"+strconv.Itoa(n-1), http.StatusFound)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	c := NewHTTPClient(true, 5*time.Second)

	tests := []struct {
		redirects int
		wantErr   bool
	}{
		{0, false},
		{MaxRedirects, false},
		{MaxRedirects + 1, true},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.redirects), func(t *testing.T) {
			hits.Store(0)
			code, err := get(t, c, srv.URL+"/"+strconv.Itoa(tt.redirects))
			if tt.wantErr {
				var re *RedirectError
				if !errors.As(err, &re) || !strings.Contains(err.Error(), "stopped after 5 redirects") {
					t.Fatalf("GET = %d, %v; want a redirect limit error", code, err)
				}
				if got, want := hits.Load(), int32(MaxRedirects+1); got != want {
					t.Errorf("server saw %d requests, want %d", got, want)
				}
				return
			}
			if err != nil || code != http.StatusOK {
				t.Fatalf("GET = %d, %v; want 200", code, err)
			}
		})
	}
}

func TestHTTPClientIgnoresProxyEnvironment(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://proxy.invalid:3128")
	t.Setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
	c := NewHTTPClient(false, time.Second)
	tr, ok := c.Transport.(*publicTransport)
	if !ok {
		t.Fatalf("Transport is %T, want *publicTransport", c.Transport)
	}
	if tr.base.Proxy != nil {
		t.Fatal("Transport.Proxy is set; a proxy would bypass the address guard")
	}
	if c.Timeout != time.Second {
		t.Errorf("Timeout = %v, want 1s", c.Timeout)
	}
}
