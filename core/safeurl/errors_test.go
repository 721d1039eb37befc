package safeurl

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// internal are texts that must never reach a tenant: the addresses used in
// the errors below.
var internal = []string{"10.0.0.2", "10.0.3.7", "127.0.0.1", "169.254.169.254", ":53", ":443", "51234"}

func TestPublicError(t *testing.T) {
	dial := func(err error) error {
		return &url.Error{Op: "Post", URL: "https://hooks.example.com/x", Err: &net.OpError{
			Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.ParseIP("10.0.3.7"), Port: 443}, Err: err}}
	}
	read := func(err error) error {
		return &net.OpError{Op: "read", Net: "tcp",
			Source: &net.TCPAddr{IP: net.ParseIP("10.0.3.7"), Port: 51234},
			Addr:   &net.TCPAddr{IP: net.ParseIP("10.0.0.2"), Port: 443},
			Err:    os.NewSyscallError("read", err)}
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"blocked", dial(&BlockedError{Addr: "127.0.0.1:443"}),
			"destination address is not allowed: private, loopback or link-local"},
		{"no such host", dial(&net.DNSError{Err: "no such host", Name: "nope.example", Server: "10.0.0.2:53", IsNotFound: true}),
			"the host name could not be resolved"},
		{"resolver failure", dial(&net.DNSError{Err: "server misbehaving", Name: "x.example", Server: "10.0.0.2:53"}),
			"the host name could not be resolved"},
		{"resolver timeout", dial(&net.DNSError{Err: "i/o timeout", Name: "x.example", Server: "10.0.0.2:53", IsTimeout: true}),
			"the host name could not be resolved (DNS timed out)"},
		{"connection refused", dial(os.NewSyscallError("connect", syscall.ECONNREFUSED)), "connection refused"},
		{"reset while reading", fmt.Errorf("custom: send: %w", read(syscall.ECONNRESET)), "the connection was reset"},
		{"unreachable", dial(os.NewSyscallError("connect", syscall.EHOSTUNREACH)), "the host is unreachable"},
		{"context deadline", fmt.Errorf("telegram: getMe: %w", context.DeadlineExceeded), "timed out"},
		{"canceled", dial(context.Canceled), "the request was canceled"},
		{"redirect", &url.Error{Op: "Get", URL: "http://169.254.169.254/", Err: &RedirectError{Reason: "it leads to another host", Location: "http://169.254.169.254/"}},
			"redirect refused: it leads to another host"},
		{"certificate for another name", dial(x509.HostnameError{Certificate: &x509.Certificate{}, Host: "10.0.0.2"}),
			"the TLS certificate is not valid for this host name"},
		{"unknown authority", dial(x509.UnknownAuthorityError{}), "the TLS certificate is not signed by a trusted authority"},
		{"expired", dial(x509.CertificateInvalidError{Reason: x509.Expired}), "the TLS certificate has expired or is not yet valid"},
		{"early EOF", fmt.Errorf("read body: %w", io.ErrUnexpectedEOF), "the connection closed unexpectedly"},
		{"already public", fmt.Errorf("custom: ping: %w", &Error{Message: "connection refused", Err: errors.New("dial tcp 10.0.3.7:443: connect: connection refused")}),
			"connection refused"},
		{"anything else", errors.New("dial tcp 10.0.3.7:443: something new"), "the connection failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PublicError(tt.err)
			if got != tt.want {
				t.Errorf("PublicError = %q, want %q", got, tt.want)
			}
			for _, s := range internal {
				if strings.Contains(got, s) {
					t.Errorf("PublicError = %q names %q", got, s)
				}
			}
		})
	}
}

func TestClientErrorsNameNoAddress(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		srv := newServer(t, okHandler())
		srv.Close() // nobody listens on the port any more
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
		_, err := get(t, NewHTTPClient(true, 5*time.Second), srv.URL)
		var urlErr *url.Error
		if !errors.As(err, &urlErr) {
			t.Fatalf("GET of a closed port = %v, want a *url.Error", err)
		}
		if got := urlErr.Err.Error(); got != "connection refused" {
			t.Errorf("error below the URL = %q, want %q", got, "connection refused")
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Error("the cause is lost: errors.Is(err, ECONNREFUSED) = false")
		}
		if d := Detail(err); !strings.Contains(d, port) {
			t.Errorf("Detail = %q, want the address for the logs", d)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		hold := make(chan struct{})
		srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-hold:
			}
		}))
		defer close(hold)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		_, err := NewHTTPClient(true, 0).Do(req)
		if got := PublicError(err); got != "timed out" {
			t.Errorf("PublicError = %q, want %q (error %v)", got, "timed out", err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Error("errors.Is(err, context.DeadlineExceeded) = false")
		}
	})
	t.Run("body cut short", func(t *testing.T) {
		srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, "partial")
			// The handler returns with 993 bytes missing: the server closes
			// the connection.
		}))
		resp, err := NewHTTPClient(true, 5*time.Second).Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		var e *Error
		if !errors.As(err, &e) || e.Message != "the connection closed unexpectedly" {
			t.Fatalf("reading the body = %v, want an *Error saying the connection closed", err)
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Error("errors.Is(err, io.ErrUnexpectedEOF) = false")
		}
	})
}

func TestIsRequestError(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("custom: ping: %w", &Error{Message: "connection refused"}), true},
		{fmt.Errorf("custom: ping: %w", &RedirectError{Reason: "it leads to another host"}), true},
		{&url.Error{Op: "Get", URL: "https://x", Err: errors.New("boom")}, true}, // *url.Error is a net.Error
		{fmt.Errorf("telegram: getMe: %w", context.DeadlineExceeded), true},
		{errors.New("telegram: getMe: decode result: bad JSON"), false},
	}
	for _, tt := range tests {
		if got := IsRequestError(tt.err); got != tt.want {
			t.Errorf("IsRequestError(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
