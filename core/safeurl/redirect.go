package safeurl

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// RedirectError is returned (wrapped in *url.Error) by clients from
// [NewHTTPClient] when they refuse to follow a redirect. A tenant's server
// decides where its redirects go, so following them blindly would let it
// steer Switchboard's signed or authenticated requests, and the secrets in
// their headers, to another host or over plain http. It is a distinct type so
// that callers can tell a refused redirect apart from a network failure; its
// message is fit for users.
type RedirectError struct {
	// Reason says which rule refused the redirect, in words.
	Reason string
	// Location is the refused target with any password removed, for logs.
	Location string
}

// Error says why the redirect was refused, without the target, which may be
// an internal address.
func (e *RedirectError) Error() string { return "redirect refused: " + e.Reason }

// plainHeaders are the request headers that carry neither credentials nor a
// signature. A request with any other header is not redirected: Go's client
// copies every header to the next hop (it drops only Authorization, Cookie and
// a few others, and only when the host changes), and this package cannot know
// which custom header holds a secret, so it treats all of them as one.
var plainHeaders = map[string]bool{
	"Accept":            true,
	"Accept-Encoding":   true,
	"Accept-Language":   true,
	"Cache-Control":     true,
	"Content-Type":      true,
	"If-Modified-Since": true,
	"If-None-Match":     true,
	"Range":             true,
	"User-Agent":        true,
}

// checkRedirect is the CheckRedirect of clients from NewHTTPClient. It
// refuses a redirect when the first request was signed or carried
// credentials, when it would leave https, when it leads to another host or
// port, and after MaxRedirects hops. Private addresses are refused by the
// dialer, which every hop goes through.
func checkRedirect(req *http.Request, via []*http.Request) error {
	first, prev := via[0], via[len(via)-1]
	refuse := func(reason string) error {
		return &RedirectError{Reason: reason, Location: req.URL.Redacted()}
	}
	switch {
	case len(via) > MaxRedirects:
		return refuse(fmt.Sprintf("stopped after %d redirects", MaxRedirects))
	case carriesSecrets(first):
		return refuse("a signed or authenticated request is never redirected")
	case strings.EqualFold(prev.URL.Scheme, "https") && !strings.EqualFold(req.URL.Scheme, "https"):
		return refuse("it leads from https to plain http")
	case !sameHost(first.URL, req.URL):
		return refuse("it leads to another host")
	}
	return nil
}

// carriesSecrets reports whether r has a header outside plainHeaders, or a
// user name in its URL.
func carriesSecrets(r *http.Request) bool {
	if r.URL.User != nil {
		return true
	}
	for name := range r.Header {
		if !plainHeaders[http.CanonicalHeaderKey(name)] {
			return true
		}
	}
	return false
}

// sameHost reports whether a and b name the same host name (ignoring case and
// a trailing dot) and the same port, where a scheme's default port counts as
// no port, so that http://h/ to https://h/ stays on the same host.
func sameHost(a, b *url.URL) bool {
	return strings.EqualFold(strings.TrimSuffix(a.Hostname(), "."), strings.TrimSuffix(b.Hostname(), ".")) &&
		explicitPort(a) == explicitPort(b)
}

// explicitPort is u's port, or "" when it is absent or the scheme's default.
func explicitPort(u *url.URL) string {
	p := u.Port()
	switch {
	case p == "80" && strings.EqualFold(u.Scheme, "http"), p == "443" && strings.EqualFold(u.Scheme, "https"):
		return ""
	}
	return p
}
