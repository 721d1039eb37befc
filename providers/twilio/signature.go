package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
)

// SignatureHeader carries the signature of every webhook Twilio sends: the
// base64 HMAC-SHA1, keyed with the Auth Token, of the full URL Twilio called
// and, for a form POST, every parameter's name and value sorted by name
// (https://www.twilio.com/docs/usage/webhooks/webhooks-security). It is the only
// proof a webhook comes from Twilio.
const SignatureHeader = "X-Twilio-Signature"

// bodyHashParam is the query parameter of a JSON-bodied webhook: the hex SHA-256
// of the body, which the signature covers as part of the URL.
const bodyHashParam = "bodySHA256"

// signedParams is form's part of the signed string: every parameter's name and
// value, sorted by name. A repeated name contributes each distinct value, in
// sorted order, as Twilio's SDKs do.
func signedParams(form url.Values) []byte {
	keys := make([]string, 0, len(form))
	n := 0
	for k, vals := range form {
		keys = append(keys, k)
		for _, v := range vals {
			n += len(k) + len(v)
		}
	}
	slices.Sort(keys)
	buf := make([]byte, 0, n)
	for _, k := range keys {
		vals := form[k]
		if len(vals) > 1 {
			vals = slices.Compact(slices.Sorted(slices.Values(vals)))
		}
		for _, v := range vals {
			buf = append(append(buf, k...), v...)
		}
	}
	return buf
}

// validSignature reports, in constant time per candidate, whether sig (the
// header's base64) signs rawURL and form under token. Twilio is inconsistent
// about the default port, so the URL is tried as given, with the scheme's
// default port added when it has none, and without its port when it has one (as
// Twilio's own validators do). A missing token, URL or signature never matches.
func validSignature(token, rawURL string, form url.Values, sig string) bool {
	if token == "" || rawURL == "" || sig == "" {
		return false
	}
	// Only the canonical spelling: the decoder would skip line breaks inside
	// the header, so an altered header could still pass.
	if len(sig) != base64.StdEncoding.EncodedLen(sha1.Size) {
		return false
	}
	got, err := base64.StdEncoding.Strict().DecodeString(sig)
	if err != nil || len(got) != sha1.Size {
		return false
	}
	params := signedParams(form)
	mac := hmac.New(sha1.New, []byte(token))
	ok := false
	for _, u := range urlVariants(rawURL) {
		mac.Reset()
		mac.Write([]byte(u))
		mac.Write(params)
		if hmac.Equal(got, mac.Sum(nil)) {
			ok = true
		}
	}
	return ok
}

// validBodyHash reports whether hash, the bodySHA256 parameter, is body's hex
// SHA-256 (either case).
func validBodyHash(body []byte, hash string) bool {
	want, err := hex.DecodeString(hash)
	if err != nil || len(want) != sha256.Size {
		return false
	}
	sum := sha256.Sum256(body)
	return hmac.Equal(want, sum[:])
}

// urlVariants is rawURL as given, then with its port changed: the scheme's
// default port added when it has none, its port removed when it has one. Only
// the authority changes; the rest stays byte for byte as received.
func urlVariants(rawURL string) []string {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return []string{rawURL}
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if strings.Contains(authority, "@") {
		return []string{rawURL}
	}
	host, port := authority, ""
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.Contains(authority[i:], "]") {
		host, port = authority[:i], authority[i+1:]
	}
	if port != "" {
		return []string{rawURL, scheme + "://" + host + tail}
	}
	def := ""
	switch strings.ToLower(scheme) {
	case "https":
		def = "443"
	case "http":
		def = "80"
	}
	if def == "" {
		return []string{rawURL}
	}
	return []string{rawURL, scheme + "://" + host + ":" + def + tail}
}
