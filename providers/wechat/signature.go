package wechat

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"slices"
)

// signature is WeChat's request signature: the lowercase hex SHA-1 of the
// parts sorted as strings and joined. The query's signature is over the
// server token, timestamp and nonce; safe mode's msg_signature adds the
// body's Encrypt element.
func signature(parts ...string) string {
	sorted := slices.Clone(parts)
	slices.Sort(sorted)
	h := sha1.New()
	for _, s := range sorted {
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// validSignature compares got with the signature of parts in constant time.
// An empty signature or any empty part never matches: a missing token or
// timestamp must not make an unsigned request pass.
func validSignature(got string, parts ...string) bool {
	if len(got) != sha1.Size*2 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(signature(parts...))) == 1
}
