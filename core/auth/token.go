package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// tokenPrefix marks Switchboard tokens so secret scanners and people recognise them.
const tokenPrefix = "sb_"

// newToken returns a random bearer token (256 bits) and what is stored of it.
func newToken() (plain, hash, hint string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	plain = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, HashToken(plain), plain[len(plain)-4:]
}

// HashToken is what the database stores of a token. A fast hash is enough: the
// token has 256 random bits, so it cannot be guessed from its hash.
func HashToken(plain string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(plain)))
	return hex.EncodeToString(sum[:])
}
