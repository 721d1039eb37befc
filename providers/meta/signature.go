package meta

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SignatureHeader carries the signature of every webhook Meta sends:
// "sha256=" and the hex HMAC-SHA256 of the raw body keyed with the app secret.
// It is the only proof a POST comes from Meta. (The legacy SHA-1
// X-Hub-Signature is not accepted: SHA-256 is always sent beside it.)
const SignatureHeader = "X-Hub-Signature-256"

// signaturePrefix names the algorithm in the header's value.
const signaturePrefix = "sha256="

// ValidSignature reports, in constant time, whether header is body's signature
// under appSecret. The body must be the raw bytes as received: Meta signs its
// own escaped encoding, which re-encoding would change. Hex of either case is
// accepted; a missing secret or signature never matches.
func ValidSignature(appSecret string, body []byte, header string) bool {
	header = strings.TrimSpace(header)
	if appSecret == "" || len(header) <= len(signaturePrefix) || !strings.EqualFold(header[:len(signaturePrefix)], signaturePrefix) {
		return false
	}
	got, err := hex.DecodeString(header[len(signaturePrefix):])
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}
