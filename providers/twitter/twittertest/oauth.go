package twittertest

import (
	"crypto/subtle"
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dghubble/oauth1"
)

// OAuth 1.0a as X checks it (RFC 5849 section 3 and X's "Creating a
// signature"): the Authorization header's oauth_* parameters, a timestamp
// near X's clock, a nonce not seen before, and an HMAC-SHA1 signature over
// the signature base string, keyed with the consumer secret and token secret.
// The base string is built here, independently of the client's library;
// the HMAC and the percent-encoding are the library's
// (oauth1.HMACSigner, oauth1.PercentEncode), so a client signing with it
// and this fake agree only when both follow the RFC.

// maxSkew is how far a request's oauth_timestamp may be from the fake's clock.
const maxSkew = 5 * time.Minute

// oauthParams parses an "OAuth k="v", ..." Authorization header into its
// decoded parameters; it reports false for anything else.
func oauthParams(header string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(header, "OAuth ")
	if !ok {
		return nil, false
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, false
		}
		key, err1 := url.PathUnescape(k)
		val, err2 := url.PathUnescape(v[1 : len(v)-1])
		if err1 != nil || err2 != nil {
			return nil, false
		}
		if _, dup := params[key]; dup {
			return nil, false
		}
		params[key] = val
	}
	return params, true
}

// signatureBase is the signature base string of a request (RFC 5849
// 3.4.1): the method, the base string URI and the normalized parameters
// (query, form body, oauth_* except oauth_signature and realm), each
// percent-encoded and joined with "&".
func signatureBase(method, baseURI string, params url.Values) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range params {
		for _, v := range vs {
			pairs = append(pairs, pair{oauth1.PercentEncode(k), oauth1.PercentEncode(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	norm := make([]string, len(pairs))
	for i, p := range pairs {
		norm[i] = p.k + "=" + p.v
	}
	return strings.ToUpper(method) + "&" + oauth1.PercentEncode(baseURI) + "&" + oauth1.PercentEncode(strings.Join(norm, "&"))
}

// baseURI is the base string URI of a request as received (RFC 5849
// 3.4.1.2): scheme and host in lower case, the default port dropped, the
// path as sent, no query.
func baseURI(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := strings.ToLower(r.Host)
	if h, port, ok := strings.Cut(host, ":"); ok && (scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		host = h
	}
	path := r.URL.EscapedPath() // the path as sent (RawPath when it was encoded)
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// HMACSHA1 is the oauth_signature of a base string (RFC 5849 3.4.2), with the
// library's signer.
func HMACSHA1(consumerSecret, tokenSecret, base string) string {
	sig, _ := (&oauth1.HMACSigner{ConsumerSecret: consumerSecret}).Sign(tokenSecret, base)
	return sig
}

// oauthFailure is why a request's OAuth 1.0a is refused, for the fake's log.
type oauthFailure string

// verifyOAuth checks a request's OAuth 1.0a user-context signature and
// returns the token's account. body is the request body as read (form
// parameters are signed).
func (s *Server) verifyOAuth(r *http.Request, body []byte) (*Account, oauthFailure) {
	p, ok := oauthParams(r.Header.Get("Authorization"))
	if !ok {
		return nil, "no OAuth Authorization header"
	}
	for _, k := range []string{"oauth_consumer_key", "oauth_token", "oauth_signature_method", "oauth_timestamp", "oauth_nonce", "oauth_signature"} {
		if p[k] == "" {
			return nil, oauthFailure("missing " + k)
		}
	}
	if p["oauth_signature_method"] != "HMAC-SHA1" {
		return nil, "signature method is not HMAC-SHA1"
	}
	if v, ok := p["oauth_version"]; ok && v != "1.0" {
		return nil, "oauth_version is not 1.0"
	}
	ts, err := strconv.ParseInt(p["oauth_timestamp"], 10, 64)
	if err != nil {
		return nil, "bad oauth_timestamp"
	}
	now := s.clock()
	if d := now.Sub(time.Unix(ts, 0)); d > maxSkew || d < -maxSkew {
		return nil, "oauth_timestamp out of bounds"
	}
	s.mu.Lock()
	app := s.apps[p["oauth_consumer_key"]]
	acct := s.accounts[p["oauth_token"]]
	s.mu.Unlock()
	if app == nil {
		return nil, "unknown consumer key"
	}
	if acct == nil || acct.ConsumerKey != app.ConsumerKey {
		return nil, "unknown access token for this app"
	}
	params := url.Values{}
	for k, vs := range r.URL.Query() {
		params[k] = append(params[k], vs...)
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "bad form body"
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	for k, v := range p {
		if k != "oauth_signature" && k != "realm" {
			params.Set(k, v)
		}
	}
	want := HMACSHA1(app.ConsumerSecret, acct.TokenSecret, signatureBase(r.Method, baseURI(r), params))
	if subtle.ConstantTimeCompare([]byte(p["oauth_signature"]), []byte(want)) != 1 {
		return nil, "signature does not match"
	}
	nonce := p["oauth_consumer_key"] + "\x00" + p["oauth_token"] + "\x00" + p["oauth_timestamp"] + "\x00" + p["oauth_nonce"]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nonces[nonce] {
		return nil, "nonce used before"
	}
	s.nonces[nonce] = true
	return acct, ""
}

// verifyBearer finds the app of an app-only bearer token.
func (s *Server) verifyBearer(r *http.Request) *App {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, app := range s.apps {
		if subtle.ConstantTimeCompare([]byte(token), []byte(app.BearerToken)) == 1 {
			return app
		}
	}
	return nil
}

// verifyBasic finds the app of a consumer key and secret sent with HTTP Basic
// authentication, each URL-encoded first (RFC 6749 2.3.1, as X asks).
func (s *Server) verifyBasic(r *http.Request) *App {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Basic ")
	if !ok {
		return nil
	}
	dec, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil
	}
	k, sec, ok := strings.Cut(string(dec), ":")
	if !ok {
		return nil
	}
	key, err1 := url.QueryUnescape(k)
	secret, err2 := url.QueryUnescape(sec)
	if err1 != nil || err2 != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app := s.apps[key]
	if app == nil || subtle.ConstantTimeCompare([]byte(secret), []byte(app.ConsumerSecret)) != 1 {
		return nil
	}
	return app
}

// readAll reads a request body, bounded.
func readAll(r io.Reader) []byte {
	b, _ := io.ReadAll(io.LimitReader(r, 8<<20))
	return b
}
