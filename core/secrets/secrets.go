// Package secrets encrypts integration-account credentials at rest.
//
// Tenants hand Switchboard API tokens, passwords and webhook secrets for the
// systems it integrates with. Those must be readable by the server when it
// talks to the integration, but a copy of the database (a backup, a leaked
// dump, a read-only SQL injection) must not reveal them. Values are therefore
// sealed with AES-256-GCM under a key that lives outside the database, in a
// key file next to the server's configuration.
//
// A [Keyring] holds one or more keys so that keys can be rotated without
// downtime: the first key is the current one and seals all new values, every
// key can open values sealed under it, and [Keyring.IsCurrent] tells a
// rotation job which rows still need to be re-sealed.
//
// # Sealed format
//
// A sealed value is
//
//	version (1 byte, = 1) | key id (4 bytes) | nonce (12 bytes) | ciphertext | GCM tag (16 bytes)
//
// The key id is the first four bytes of SHA-256 of the key, so opening picks
// the right key without trial decryption and without revealing the key. The
// version byte and key id are authenticated together with the caller's
// additional data, so none of them can be altered without detection.
//
// Callers should pass, as additional data, something that identifies where
// the value is stored (for example "integration_account:42:token"): a value
// sealed for one row then fails to open when copied into another row.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length in bytes of a key: AES-256 needs 32 bytes.
const KeySize = 32

const (
	// formatVersion is the first byte of every sealed value, so that the
	// format can evolve while old values stay readable.
	formatVersion byte = 1
	keyIDSize          = 4
	nonceSize          = 12
	tagSize            = 16
	headerSize         = 1 + keyIDSize
	// minSealedSize is the size of a sealed empty plaintext.
	minSealedSize = headerSize + nonceSize + tagSize
)

var (
	// ErrNoKey is returned by [Keyring.Open] when no key in the keyring has
	// the key id recorded in the sealed value, typically because an old key
	// was dropped from the key file before every row was rotated, or because
	// the server runs with the wrong key file.
	ErrNoKey = errors.New("secrets: no key in the keyring matches the sealed value")

	// ErrCorrupt is returned by [Keyring.Open] when the sealed value is too
	// short or has an unknown format version, i.e. it is not something
	// [Keyring.Seal] produced.
	ErrCorrupt = errors.New("secrets: sealed value is malformed")

	// ErrDecrypt is returned by [Keyring.Open] when authentication fails:
	// the value was tampered with, or it was sealed with different
	// additional data (it belongs to another row).
	ErrDecrypt = errors.New("secrets: sealed value failed authentication")
)

// KeyID identifies a key inside sealed values without revealing it: the
// first four bytes of the SHA-256 of the key. It exists so that Open can pick
// the right key directly and so that operators can tell keys apart in logs.
type KeyID [keyIDSize]byte

// String returns the key id in hex, for logs and error messages.
func (id KeyID) String() string { return hex.EncodeToString(id[:]) }

func keyIDOf(key []byte) KeyID {
	sum := sha256.Sum256(key)
	var id KeyID
	copy(id[:], sum[:keyIDSize])
	return id
}

// Keyring seals and opens values with a set of AES-256-GCM keys. It exists
// so that keys can be rotated: the first key seals, all keys open. A Keyring
// is immutable and safe for concurrent use.
type Keyring struct {
	current KeyID
	aeads   map[KeyID]cipher.AEAD
}

// NewKeyring returns a keyring over keys, each of which must be [KeySize]
// bytes long. The first key is the current one, used by [Keyring.Seal]; the
// others are only used to open values sealed before a rotation. The key bytes
// are not retained, so callers may wipe them afterwards.
func NewKeyring(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("secrets: new keyring: at least one key is required")
	}
	kr := &Keyring{aeads: make(map[KeyID]cipher.AEAD, len(keys))}
	seen := make(map[KeyID]int, len(keys))
	for i, key := range keys {
		if len(key) != KeySize {
			return nil, fmt.Errorf("secrets: new keyring: key %d is %d bytes, want %d", i+1, len(key), KeySize)
		}
		id := keyIDOf(key)
		if j, dup := seen[id]; dup {
			return nil, fmt.Errorf("secrets: new keyring: key %d has the same key id %s as key %d (duplicate key)", i+1, id, j+1)
		}
		seen[id] = i
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("secrets: new keyring: key %d: %w", i+1, err)
		}
		// NewGCMWithRandomNonce generates a fresh 12-byte nonce per Seal and
		// lays out nonce|ciphertext|tag, which is exactly the tail of our
		// format; it also removes any chance of nonce misuse by callers.
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("secrets: new keyring: key %d: %w", i+1, err)
		}
		kr.aeads[id] = aead
		if i == 0 {
			kr.current = id
		}
	}
	return kr, nil
}

// CurrentKeyID returns the id of the key that [Keyring.Seal] uses, so that
// operators and rotation jobs can report which key is in force.
func (k *Keyring) CurrentKeyID() KeyID { return k.current }

// Seal encrypts plaintext under the current key, binding it to aad, and
// returns the sealed value in the package's format. The same aad must be
// passed to [Keyring.Open]. Sealing the same plaintext twice gives different
// results because every call uses a new random nonce.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	aead, ok := k.aeads[k.current]
	if !ok {
		// Only reachable with a zero Keyring that did not come from NewKeyring.
		return nil, errors.New("secrets: seal: keyring has no current key (use NewKeyring)")
	}
	out := make([]byte, headerSize, headerSize+nonceSize+len(plaintext)+tagSize)
	out[0] = formatVersion
	copy(out[1:headerSize], k.current[:])
	return aead.Seal(out, nil, plaintext, authData(out[:headerSize], aad)), nil
}

// Open authenticates and decrypts a value produced by [Keyring.Seal] with
// the same aad. Errors wrap [ErrCorrupt], [ErrNoKey] or [ErrDecrypt] and never
// contain the plaintext.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	id, err := parseHeader(sealed)
	if err != nil {
		return nil, fmt.Errorf("secrets: open: %w", err)
	}
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w (sealed under key id %s)", ErrNoKey, id)
	}
	plaintext, err := aead.Open(nil, nil, sealed[headerSize:], authData(sealed[:headerSize], aad))
	if err != nil {
		// The underlying error carries no detail beyond "authentication failed".
		return nil, fmt.Errorf("%w (key id %s): tampered, or sealed with different additional data", ErrDecrypt, id)
	}
	return plaintext, nil
}

// IsCurrent reports whether sealed was sealed under the current key. Key
// rotation uses it to skip rows that were already re-sealed, which makes a
// rotation job safe to interrupt and re-run. Malformed values report false.
func (k *Keyring) IsCurrent(sealed []byte) bool {
	id, err := parseHeader(sealed)
	return err == nil && id == k.current
}

// parseHeader checks the length and version of sealed and returns its key id.
func parseHeader(sealed []byte) (KeyID, error) {
	var id KeyID
	if len(sealed) < minSealedSize {
		return id, fmt.Errorf("%w: %d bytes is shorter than the minimum %d", ErrCorrupt, len(sealed), minSealedSize)
	}
	if sealed[0] != formatVersion {
		return id, fmt.Errorf("%w: unsupported format version %d", ErrCorrupt, sealed[0])
	}
	copy(id[:], sealed[1:headerSize])
	return id, nil
}

// authData returns header|aad. The header has a fixed length, so the
// concatenation is unambiguous.
func authData(header, aad []byte) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	ad = append(ad, header...)
	return append(ad, aad...)
}

// ParseKey decodes a key written as base64 (standard or URL alphabet, with or
// without padding) or as 64 hex digits, and checks that it is [KeySize]
// bytes. It exists so that operators can paste keys produced by common tools
// (openssl rand -base64 32, openssl rand -hex 32, [GenerateKey]). Surrounding
// white space is ignored. Errors never include the input, not even one
// character of it, because it is key material.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("secrets: parse key: key is empty")
	}
	if len(s) == 2*KeySize {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
		// Not hex: fall through, it may still be (too long) base64.
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding,
	} {
		key, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("secrets: parse key: key decodes to %d bytes, want %d", len(key), KeySize)
		}
		return key, nil
	}
	// Deliberately not wrapping the decoder errors: hex errors quote the
	// offending character.
	return nil, fmt.Errorf("secrets: parse key: key is neither base64 nor %d hex digits", 2*KeySize)
}

// GenerateKey returns a new random key, base64-encoded (standard alphabet,
// padded), ready to be written to a key file or passed to [ParseKey].
func GenerateKey() (string, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("secrets: generate key: %w", err)
	}
	s := base64.StdEncoding.EncodeToString(key)
	clear(key)
	return s, nil
}
