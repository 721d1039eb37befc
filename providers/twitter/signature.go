package twitter

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// SignatureHeader carries X's signature of a webhook POST: "sha256=" and the
// Base64 HMAC-SHA256 of the raw body keyed with the app's consumer secret. It
// is the only proof that a request comes from X.
const SignatureHeader = "X-Twitter-Webhooks-Signature"

// signaturePrefix starts both the signature header and the CRC answer.
const signaturePrefix = "sha256="

// sign is "sha256=" + Base64(HMAC-SHA256(secret, msg)): the webhook signature
// of a body and, for a crc_token, the CRC's response_token.
func sign(secret string, msg []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(msg)
	return signaturePrefix + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// validSignature compares got with body's signature in constant time. An
// empty secret or signature never matches.
func validSignature(secret string, body []byte, got string) bool {
	if secret == "" || got == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(sign(secret, body))) == 1
}

// CRCResponseToken is the response_token X expects for a crc_token: the same
// computation as a body's signature, with the token as the message.
func CRCResponseToken(consumerSecret, crcToken string) string {
	return sign(consumerSecret, []byte(crcToken))
}
