package line

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// SignatureHeader carries LINE's signature of a webhook: the Base64 HMAC-SHA256
// of the raw body keyed with the channel secret. It is the only proof that a
// request comes from LINE, whose addresses are not published.
const SignatureHeader = "X-Line-Signature"

// signature computes the x-line-signature of body.
func signature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// validSignature compares got with body's signature in constant time. An empty
// secret or signature never matches.
func validSignature(secret string, body []byte, got string) bool {
	if secret == "" || got == "" {
		return false
	}
	want := signature(secret, body)
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
