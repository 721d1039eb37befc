package viber

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// SignatureHeader carries the signature of every callback Viber sends: the hex
// HMAC-SHA256 of the raw body keyed with the bot's token. It is the only proof
// a callback comes from Viber.
const SignatureHeader = "X-Viber-Content-Signature"

// validSignature reports, in constant time, whether sig is body's signature
// under token. Hex of either case is accepted; a missing token or signature
// never matches.
func validSignature(token string, body []byte, sig string) bool {
	if token == "" || sig == "" {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}
