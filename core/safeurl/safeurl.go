// Package safeurl guards outgoing requests to URLs that tenants configure
// (integration API URLs, webhook URLs of custom messengers) against
// server-side request forgery (SSRF).
//
// Without a guard, a tenant could point such a URL at the server's own
// network: loopback services, the private network it runs in, or the cloud
// metadata endpoint at 169.254.169.254 that hands out credentials. The
// package offers two layers:
//
//   - [CheckURL] validates a URL when it is saved, so users get an immediate,
//     readable error for obviously bad URLs.
//   - [NewHTTPClient] returns an HTTP client that checks the address it
//     actually connects to, after DNS resolution, for every connection
//     including redirects. This is the real protection: a host name that
//     passed [CheckURL] may later resolve to a private address (DNS
//     rebinding), and only a connect-time check sees that.
//
// The client also refuses redirects that could carry a request's secrets
// somewhere else (see [RedirectError]), and its errors never name internal
// addresses (see [Error] and [PublicError]), because they are shown to the
// tenant who chose the URL.
//
// Self-hosted installations that integrate with services on their own
// network can opt out with allowPrivate.
package safeurl

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// MaxRedirects is how many redirects a client from [NewHTTPClient] follows
// before giving up; a handful is enough for legitimate APIs and bounds the
// work one tenant URL can cause.
const MaxRedirects = 5

// defaultDialTimeout bounds connection set-up when the client has no overall
// timeout, or a longer one.
const defaultDialTimeout = 30 * time.Second

// BlockedError is returned (wrapped in *url.Error, [*Error] and *net.OpError) by
// clients from [NewHTTPClient] when the destination resolves to an address
// that tenants may not reach. It is a distinct type so that callers can tell
// a refused destination apart from an ordinary network failure, with
// errors.As, and report it to the user as a configuration problem.
type BlockedError struct {
	// Addr is the refused address as "ip:port". It is the resolved address,
	// which may differ from the host name in the URL.
	Addr string
}

// Error implements error. The message is fixed and suitable for users; the
// refused address is in Addr for logs.
func (e *BlockedError) Error() string {
	return "destination address is not allowed: private, loopback or link-local"
}

// ErrPrivateAddress is returned by [CheckURL] when the URL's host is an IP
// literal in a blocked range (or "localhost"). It is exported so that callers
// can hint at the allowPrivate setting; its message is suitable for users.
var ErrPrivateAddress = errors.New("must not point to a private, loopback or link-local address")

var (
	// blockedPrefixes are ranges not covered by the netip.Addr predicates
	// used in IsBlockedIP. All are unreachable on the public internet, so
	// blocking them costs legitimate users nothing.
	blockedPrefixes = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),      // "this network"; 0.0.0.0 reaches localhost on Linux
		netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT; also Alibaba Cloud metadata 100.100.100.200
		netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments; Oracle Cloud metadata 192.0.0.192
		netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking; used for internal networks in practice
		netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and 255.255.255.255 broadcast
		netip.MustParsePrefix("::/96"),          // deprecated IPv4-compatible IPv6 (::a.b.c.d)
		netip.MustParsePrefix("fec0::/10"),      // deprecated site-local IPv6
		netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64 (RFC 8215)
	}
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96") // well-known NAT64: IPv4 in the low 32 bits
	sixToFour   = netip.MustParsePrefix("2002::/16")    // 6to4: IPv4 in bits 16..47
)

// IsBlockedIP reports whether ip is an address that tenant-supplied URLs
// must not reach: loopback, private (RFC 1918, fc00::/7), link-local
// (169.254.0.0/16 including cloud metadata, fe80::/10), unspecified,
// multicast, carrier-grade NAT (100.64.0.0/10) and a few other
// non-public ranges. IPv4 addresses embedded in IPv6 (IPv4-mapped, NAT64,
// 6to4) are judged by the embedded address. The invalid zero Addr is
// blocked, so that a failed parse fails closed. It is exported so that other
// code that connects on behalf of tenants can apply the same policy.
func IsBlockedIP(ip netip.Addr) bool {
	if !ip.IsValid() {
		return true
	}
	// Prefix.Contains never matches an address with a zone; the zone does
	// not change which network the address is in.
	ip = ip.WithZone("").Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsLinkLocalUnicast() || ip.IsMulticast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64Prefix.Contains(ip):
			return IsBlockedIP(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(ip):
			return IsBlockedIP(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	return false
}

// NewHTTPClient returns an HTTP client for requests to tenant-supplied URLs.
// Unless allowPrivate is set, its dialer refuses, at connect time and after
// DNS resolution, any address for which [IsBlockedIP] is true, failing the
// request with a [*BlockedError]. Because the check sits in the dialer it
// also covers every redirect target and every address a host name resolves
// to, and cannot be bypassed by DNS rebinding.
//
// Redirects are followed only within the same host and port, never from
// https to http, never for a request that carries a header other than a few
// plain ones (a signature, an idempotency key, Authorization: anything that
// may be a secret), and at most [MaxRedirects] times; otherwise the request
// fails with a [*RedirectError]. These rules hold with allowPrivate too: they
// protect the request's secrets, not the network.
//
// Its errors, and the errors of the bodies it returns, are [*Error]: their
// text says what failed without addresses, so it may be shown to tenants.
//
// The client never uses a proxy (a proxy would make the dialer see only the
// proxy's address), and gives up after timeout (no limit if timeout is 0).
func NewHTTPClient(allowPrivate bool, timeout time.Duration) *http.Client {
	var blocked func(netip.AddrPort) bool
	if !allowPrivate {
		blocked = func(ap netip.AddrPort) bool { return IsBlockedIP(ap.Addr()) }
	}
	return newHTTPClient(blocked, timeout)
}

// newHTTPClient is NewHTTPClient with the address policy as a parameter, so
// tests can allow some loopback servers and refuse others; nil allows all.
func newHTTPClient(blocked func(netip.AddrPort) bool, timeout time.Duration) *http.Client {
	dialTimeout := defaultDialTimeout
	if timeout > 0 && timeout < dialTimeout {
		dialTimeout = timeout
	}
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	if blocked != nil {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || blocked(ap) {
				// Fail closed on anything that is not a plain ip:port.
				return &BlockedError{Addr: address}
			}
			return nil
		}
	}
	base := &http.Transport{
		Proxy:                 nil, // not ProxyFromEnvironment: the guard would only see the proxy
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport:     &publicTransport{base: base},
		Timeout:       timeout,
		CheckRedirect: checkRedirect,
	}
}

// CheckURL validates a tenant-supplied URL when it is saved. It requires an
// absolute URL with scheme https (or http when allowHTTP), a host, and no
// user name or password (credentials belong in the integration's secret
// fields, which are encrypted, not in a URL that is shown and logged). Unless
// allowPrivate, a host that is an IP literal in a blocked range (see
// [IsBlockedIP]) or "localhost" is refused with [ErrPrivateAddress]; host
// names are not resolved here, because the answer could change before use:
// [NewHTTPClient] checks them at connect time. Error messages are short and
// meant to be shown to the user next to the field.
func CheckURL(raw string, allowPrivate, allowHTTP bool) error {
	schemeErr := errors.New("must be an absolute https URL")
	if allowHTTP {
		schemeErr = errors.New("must be an absolute http or https URL")
	}
	if strings.TrimSpace(raw) == "" {
		return errors.New("must not be empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("must be a valid URL")
	}
	if !u.IsAbs() || u.Opaque != "" {
		return schemeErr
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !allowHTTP {
			return schemeErr
		}
	default:
		return schemeErr
	}
	if u.User != nil {
		return errors.New("must not contain a user name or password")
	}
	host := u.Hostname()
	if host == "" {
		return errors.New("must include a host name")
	}
	if allowPrivate {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if IsBlockedIP(ip) {
			return ErrPrivateAddress
		}
		return nil
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return ErrPrivateAddress
	}
	// No top-level domain is numeric, so a host like "2130706433" or
	// "0x7f.1" is an unusual IPv4 spelling that some resolvers accept
	// (inet_aton). Refuse it rather than guess what it resolves to.
	labels := strings.Split(name, ".")
	if isNumericLabel(labels[len(labels)-1]) {
		return errors.New("must use a host name or a standard IP address")
	}
	return nil
}

// isNumericLabel reports whether s is decimal digits or a 0x hex number.
func isNumericLabel(s string) bool {
	if s == "" {
		return false
	}
	digits := "0123456789"
	if rest, ok := strings.CutPrefix(s, "0x"); ok {
		s, digits = rest, "0123456789abcdef"
		if s == "" {
			return true
		}
	}
	for _, r := range s {
		if !strings.ContainsRune(digits, r) {
			return false
		}
	}
	return true
}
