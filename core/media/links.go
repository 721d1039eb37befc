package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// DefaultLinkTTL is how long a public link to an agent's upload works. LINE and
// Viber fetch media when they deliver it, which may be a while after the send
// when the customer's phone is offline, and a retried send is given a fresh link;
// the link still must not outlive its use by much, since anyone holding it can
// fetch the file.
const DefaultLinkTTL = 6 * time.Hour

// linkVersion starts every token, so the format can change without old tokens
// being misread.
const linkVersion = 1

// macSize is the length of a token's truncated HMAC-SHA256 (128 bits).
const macSize = 16

// Link errors, for the handler to answer 404 or 410.
var (
	// ErrBadLink is a token that Switchboard did not make: malformed, or signed
	// with another key.
	ErrBadLink = errors.New("media: not a valid link")
	// ErrLinkExpired is an authentic token past its expiry.
	ErrLinkExpired = errors.New("media: link expired")
)

// Links makes and checks public links to the attachments of agents' replies. A
// messenger that takes media only by URL (LINE, Viber) must fetch the file
// without Switchboard's credentials, so each link carries its own proof: the
// message ID, the attachment's index and an expiry, signed with a key only the
// server holds. A link opens that one file until it expires and nothing else.
type Links struct {
	base string
	keys [][]byte // the first signs; all verify (key rotation)
	ttl  time.Duration
}

// NewLinks returns links under base (the server's public URL) signed with
// keys[0] and checked against every key, valid for ttl (DefaultLinkTTL when 0).
func NewLinks(base string, ttl time.Duration, keys ...[]byte) (*Links, error) {
	if len(keys) == 0 {
		return nil, errors.New("media: links: no signing key")
	}
	for i, k := range keys {
		if len(k) < 32 {
			return nil, fmt.Errorf("media: links: key %d is %d bytes, want at least 32", i+1, len(k))
		}
	}
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	return &Links{base: strings.TrimRight(base, "/"), keys: keys, ttl: ttl}, nil
}

// PathPrefix is where the server serves public links.
const PathPrefix = "/media/public/"

// URL returns the public link to attachment index of message msgID, valid
// from now for the links' TTL.
func (l *Links) URL(msgID, index int, now time.Time) string {
	return l.base + PathPrefix + l.Token(msgID, index, now.Add(l.ttl))
}

// Token signs the attachment's identity and expiry.
func (l *Links) Token(msgID, index int, expires time.Time) string {
	payload := binary.AppendUvarint([]byte{linkVersion}, uint64(msgID))
	payload = binary.AppendUvarint(payload, uint64(index))
	payload = binary.AppendUvarint(payload, uint64(expires.Unix()))
	return base64.RawURLEncoding.EncodeToString(append(payload, mac(l.keys[0], payload)...))
}

// Open checks a token and returns the attachment it names. A token not signed
// by one of the keys is ErrBadLink; an authentic one past its expiry is
// ErrLinkExpired.
func (l *Links) Open(token string, now time.Time) (msgID, index int, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < 1+macSize || len(raw) > 64 {
		return 0, 0, ErrBadLink
	}
	payload, sum := raw[:len(raw)-macSize], raw[len(raw)-macSize:]
	authentic := false
	for _, k := range l.keys {
		if hmac.Equal(sum, mac(k, payload)) {
			authentic = true
		}
	}
	if !authentic || payload[0] != linkVersion {
		return 0, 0, ErrBadLink
	}
	rest := payload[1:]
	var fields [3]uint64
	for i := range fields {
		v, n := binary.Uvarint(rest)
		if n <= 0 || v > 1<<62 {
			return 0, 0, ErrBadLink
		}
		fields[i], rest = v, rest[n:]
	}
	if len(rest) != 0 {
		return 0, 0, ErrBadLink
	}
	if now.Unix() >= int64(fields[2]) {
		return 0, 0, ErrLinkExpired
	}
	return int(fields[0]), int(fields[1]), nil
}

// mac is the token's truncated HMAC-SHA256 of payload under key.
func mac(key, payload []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("switchboard media link\x00"))
	h.Write(payload)
	return h.Sum(nil)[:macSize]
}
