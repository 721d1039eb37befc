package safeurl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
)

// Error is a failed request or body read of a client from [NewHTTPClient].
// Go's network errors name addresses: the server's own interface
// ("read tcp 10.0.3.7:51234->..."), the resolver ("lookup x on 10.0.0.2:53"),
// the address a host name resolved to ("dial tcp 127.0.0.1:443"). Those
// errors reach tenants, in Test Connection results and in the reasons agents
// see for failed replies, and would map the server's private network for
// them. So the client returns an Error, whose text says what went wrong in
// words and nothing more, and whose cause keeps the detail for logs.
type Error struct {
	// Message is what went wrong, fit for users: "connection refused".
	Message string
	// Err is the cause, with addresses; log it, never show it.
	Err error
}

// Error returns Message only, so that errors wrapping it with context
// ("custom: send: ...") are safe to show as they are.
func (e *Error) Error() string { return e.Message }

// Unwrap exposes the cause, so errors.Is(err, context.DeadlineExceeded) and
// errors.As(err, &netErr) keep working.
func (e *Error) Unwrap() error { return e.Err }

// PublicError says in words fit for a tenant what went wrong with a request to
// a tenant's URL: "the host name could not be resolved", "connection refused",
// "timed out", "redirect refused: ...". It never includes an IP address, a
// port or the resolver; use it wherever such an error becomes a message a
// user sees, and log [Detail] next to it. It accepts any error, also one from
// another client, which it classifies the same way.
func PublicError(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return describe(err)
}

// Detail is the full text of err's cause for logs, addresses included: what
// [PublicError] leaves out. It is err's own text when there is nothing more.
func Detail(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Err != nil {
		return e.Err.Error()
	}
	var r *RedirectError
	if errors.As(err, &r) && r.Location != "" {
		return r.Error() + " (to " + r.Location + ")"
	}
	return err.Error()
}

// IsRequestError reports whether err is a failure of a request to a tenant's
// URL that produced no answer: a refused address or redirect, or a network
// failure. Callers use it to tell "could not reach" apart from "answered in a
// way we do not understand".
func IsRequestError(err error) bool {
	var (
		e      *Error
		r      *RedirectError
		b      *BlockedError
		netErr net.Error
	)
	return errors.As(err, &e) || errors.As(err, &r) || errors.As(err, &b) || errors.As(err, &netErr) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}

// describe names the failure behind err in words, most specific cause first.
func describe(err error) string {
	var (
		redirect *RedirectError
		blocked  *BlockedError
		dnsErr   *net.DNSError
		hostErr  x509.HostnameError
		caErr    x509.UnknownAuthorityError
		certErr  x509.CertificateInvalidError
		verifErr *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
	)
	switch {
	case errors.As(err, &redirect):
		return redirect.Error()
	case errors.As(err, &blocked):
		return blocked.Error()
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return "the host name could not be resolved (DNS timed out)"
		}
		return "the host name could not be resolved"
	case errors.Is(err, context.Canceled):
		return "the request was canceled"
	case isTimeout(err):
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection was reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the host is unreachable"
	case errors.As(err, &hostErr):
		return "the TLS certificate is not valid for this host name"
	case errors.As(err, &caErr):
		return "the TLS certificate is not signed by a trusted authority"
	case errors.As(err, &certErr):
		if certErr.Reason == x509.Expired {
			return "the TLS certificate has expired or is not yet valid"
		}
		return "the TLS certificate is not valid"
	case errors.As(err, &verifErr):
		return "the TLS certificate could not be verified"
	case errors.As(err, &record):
		return "the server did not answer with TLS"
	case errors.As(err, &alert):
		return "the TLS handshake failed"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection closed unexpectedly"
	}
	return "the connection failed"
}

// isTimeout reports a deadline, of the context or of the network.
func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout())
}

// publicize wraps err in an *Error unless it is one already.
func publicize(err error) error {
	var e *Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return &Error{Message: describe(err), Err: err}
}

// publicTransport makes every error of its base transport, and of the bodies
// it returns, an *Error.
type publicTransport struct {
	base *http.Transport
}

// RoundTrip implements http.RoundTripper.
func (t *publicTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, publicize(err)
	}
	resp.Body = &publicBody{resp.Body}
	return resp, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the base
// transport.
func (t *publicTransport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// publicBody turns read errors other than io.EOF into *Error: a connection
// reset mid-body names both ends' addresses.
type publicBody struct {
	io.ReadCloser
}

// Read implements io.Reader.
func (b *publicBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = publicize(err)
	}
	return n, err
}
