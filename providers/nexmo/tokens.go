package nexmo

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// With authentication JWT every call to the Messages API carries
// "Authorization: Bearer <jwt>", a JWT signed RS256 with the Vonage
// application's private key whose claims are application_id, iat, exp and a
// unique jti (https://developer.vonage.com/en/getting-started/concepts/authentication#json-web-tokens;
// Vonage's SDKs sign the same claims with a 900-second lifetime). Signing is
// local, but it is an RSA operation per call, so each account's token is kept
// and reused until most of its life has passed.
const (
	// tokenTTL is a token's lifetime, exp - iat: the SDKs' default.
	tokenTTL = 15 * time.Minute
	// tokenRenewAfter is how long a token is reused: 80% of its life, so
	// that one taken from the cache just before renewal still has three
	// minutes for its request to reach Vonage.
	tokenRenewAfter = tokenTTL * 4 / 5
	// maxTokenEntries bounds the cache; past it, entries whose token expired
	// (deleted accounts, replaced keys) are dropped.
	maxTokenEntries = 4096
)

// Why a privateKey setting cannot sign, in words a person can act on. None
// quotes the setting: the messages are fixed, so no error carries the key.
var (
	errKeyNotPEM = errors.New("the account's privateKey is not a PEM private key: paste the whole key file the Vonage Dashboard downloaded, " +
		"from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----")
	errKeyDamaged = errors.New("the account's privateKey is a damaged PEM private key (its contents do not decode as an RSA key): paste the whole key file again, line breaks included")
	errKeyPublic  = errors.New("the account's privateKey holds a public key: paste the application's private key, " +
		"which the Vonage Dashboard downloads when it generates the application's keys")
	errKeyEncrypted = errors.New("the account's privateKey is encrypted with a passphrase: paste it unencrypted " +
		"(openssl pkcs8 -topk8 -nocrypt -in private.key prints it so)")
	errKeyNotRSA = errors.New("the account's privateKey is not an RSA key, which is what Vonage applications use: paste the key the Vonage Dashboard generated for the application")
)

// keyErrors are every failure of a privateKey setting to sign: what
// parsePrivateKey and signToken return.
var keyErrors = []error{ErrNoPrivateKey, errKeyNotPEM, errKeyDamaged, errKeyPublic, errKeyEncrypted, errKeyNotRSA, errSign}

// isKeyError reports whether err is a privateKey setting that cannot sign.
func isKeyError(err error) bool {
	for _, k := range keyErrors {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// parsePrivateKey reads the privateKey setting: a PEM RSA private key, PKCS#8
// ("PRIVATE KEY", as the Dashboard downloads it) or PKCS#1 ("RSA PRIVATE
// KEY", as openssl and older tools write it), whatever the label says. A key
// pasted with its line breaks written as "\n" (from JSON or an environment
// variable) or flattened to spaces by a form is read too, and so is the
// base64 body alone. The errors are keyErrors, which never quote the key.
func parsePrivateKey(s string) (*rsa.PrivateKey, error) {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, `\r`, ""), `\n`, "\n"))
	if s == "" {
		return nil, ErrNoPrivateKey
	}
	label, body, armored := pemBody(s)
	switch label {
	case "PRIVATE KEY", "RSA PRIVATE KEY", "":
	case "PUBLIC KEY", "RSA PUBLIC KEY":
		return nil, errKeyPublic
	case "ENCRYPTED PRIVATE KEY":
		return nil, errKeyEncrypted
	case "EC PRIVATE KEY", "DSA PRIVATE KEY":
		return nil, errKeyNotRSA
	case "?":
		return nil, errKeyDamaged
	default:
		return nil, errKeyNotPEM
	}
	if strings.Contains(body, "Proc-Type:") || strings.Contains(body, "DEK-Info:") {
		return nil, errKeyEncrypted
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	if err != nil || len(der) == 0 {
		if armored {
			return nil, errKeyDamaged
		}
		return nil, errKeyNotPEM
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errKeyNotRSA
		}
		return rk, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if _, err := x509.ParsePKIXPublicKey(der); err == nil {
		return nil, errKeyPublic
	}
	if _, err := x509.ParseECPrivateKey(der); err == nil {
		return nil, errKeyNotRSA
	}
	if armored {
		return nil, errKeyDamaged
	}
	return nil, errKeyNotPEM
}

// pemBody finds the first PEM block in s: its label and the text between its
// BEGIN and END lines, which may be laid out on any lines. armored is false
// when s has no BEGIN line, and body is then s itself; a BEGIN line without
// its END (a key cut short) gives the label "?".
func pemBody(s string) (label, body string, armored bool) {
	const begin, dashes = "-----BEGIN ", "-----"
	i := strings.Index(s, begin)
	if i < 0 {
		return "", s, false
	}
	rest := s[i+len(begin):]
	l, after, ok := strings.Cut(rest, dashes)
	if !ok {
		return "?", "", true
	}
	end := dashes + "END " + l + dashes
	body, _, ok = strings.Cut(after, end)
	if !ok {
		return "?", "", true
	}
	return strings.TrimSpace(l), body, true
}

// parsePublicKey reads a PEM RSA public key as the Application API shows
// it (keys.public_key: "PUBLIC KEY", PKIX), or PKCS#1 ("RSA PUBLIC KEY").
func parsePublicKey(s string) (*rsa.PublicKey, bool) {
	label, body, armored := pemBody(strings.TrimSpace(s))
	if !armored || (label != "PUBLIC KEY" && label != "RSA PUBLIC KEY") {
		return nil, false
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	if err != nil {
		return nil, false
	}
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		rk, ok := k.(*rsa.PublicKey)
		return rk, ok
	}
	if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return k, true
	}
	return nil, false
}

// tokenCache keeps one signed JWT per account and key, and makes concurrent
// callers share one signing: each entry has its own lock, held while the
// token is checked and, when due, signed, so those who waited take the token
// just made. Signing is a local computation of a millisecond or two, so
// waiting on a plain mutex is enough; nothing runs in the background.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]*tokenEntry
}

// tokenEntry is one account's token under one key and application.
type tokenEntry struct {
	mu sync.Mutex
	// key is the parsed private key, or why it cannot sign (keyErr): both
	// depend only on the setting, which the entry's cache key fingerprints.
	key    *rsa.PrivateKey
	keyErr error
	parsed bool
	// token is the last token signed, issued at issued and reused until
	// renewAt.
	token           string
	issued, renewAt time.Time
}

// tokenKey names an account's entry: its ID and a fingerprint of its
// application ID and private key, so a replaced key or application never
// uses a token of the old one, and the key itself is not kept as a map key.
func tokenKey(accountID string, a account) string {
	sum := sha256.Sum256([]byte(a.appID + "\x00" + a.privateKey))
	return accountID + "\x00" + hex.EncodeToString(sum[:16])
}

// entry returns key's entry, creating it; when the cache is full it first
// drops entries whose token has expired and that nobody is using.
func (c *tokenCache) entry(key string, now time.Time) *tokenEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		return e
	}
	if c.entries == nil {
		c.entries = map[string]*tokenEntry{}
	}
	if len(c.entries) >= maxTokenEntries {
		for k, e := range c.entries {
			if e.mu.TryLock() {
				if !now.Before(e.issued.Add(tokenTTL)) {
					delete(c.entries, k)
				}
				e.mu.Unlock()
			}
		}
	}
	e := &tokenEntry{}
	c.entries[key] = e
	return e
}

// token returns the account's JWT: the cached one while it is younger than
// tokenRenewAfter by now, else a new one signed at now. The errors are
// keyErrors (the setting cannot sign) or a signing failure; none carries the
// key.
func (c *tokenCache) token(accountID string, a account, now time.Time) (string, error) {
	tok, _, err := c.signed(accountID, a, now)
	return tok, err
}

// signed is token with the private key that signed it.
func (c *tokenCache) signed(accountID string, a account, now time.Time) (string, *rsa.PrivateKey, error) {
	if a.privateKey == "" {
		return "", nil, ErrNoPrivateKey
	}
	e := c.entry(tokenKey(accountID, a), now)
	e.mu.Lock()
	defer e.mu.Unlock()
	// A caller that read the clock just before another signed (it waited
	// for the lock) still takes that token; a clock set back further gets a
	// new one.
	if e.token != "" && !now.Before(e.issued.Add(-callerSkew)) && now.Before(e.renewAt) {
		return e.token, e.key, nil
	}
	if !e.parsed {
		e.key, e.keyErr = parsePrivateKey(a.privateKey)
		e.parsed = true
	}
	if e.keyErr != nil {
		return "", nil, e.keyErr
	}
	tok, err := signToken(e.key, a.appID, now)
	if err != nil {
		return "", nil, err
	}
	e.token, e.issued, e.renewAt = tok, now, now.Add(tokenRenewAfter)
	return tok, e.key, nil
}

// drop forgets the account's cached JWT when it is token, the one Vonage
// just refused (HTTP 401), so that the next call signs a new one instead of
// sending the refused token until its renewal: Vonage may refuse a token for
// reasons a new signature cures (a clock corrected since it was signed, the
// application's keys regenerated and the setting updated in between). A
// token another caller already replaced is left alone.
func (c *tokenCache) drop(accountID string, a account, token string) {
	if token == "" || a.privateKey == "" {
		return
	}
	c.mu.Lock()
	e, ok := c.entries[tokenKey(accountID, a)]
	c.mu.Unlock()
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.token == token {
		e.token, e.issued, e.renewAt = "", time.Time{}, time.Time{}
	}
}

// callerSkew is how far before a token's issue time a caller's clock
// reading may be for it to take that token: the time it waited for the lock.
const callerSkew = 5 * time.Second

// errSign is a private key that parsed but could not sign (a key Go's RSA
// refuses as too small).
var errSign = errors.New("the account's privateKey cannot sign a JWT: Vonage generates 2048-bit RSA keys; paste the key the Dashboard generated for the application")

// signToken signs the claims Vonage reads for application appID, issued at
// now, with key.
func signToken(key *rsa.PrivateKey, appID string, now time.Time) (string, error) {
	jti, err := newJTI()
	if err != nil {
		return "", err
	}
	claims := jwt.MapClaims{
		"application_id": appID,
		"iat":            now.Unix(),
		"exp":            now.Add(tokenTTL).Unix(),
		"jti":            jti,
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		return "", errSign
	}
	return tok, nil
}

// newJTI is a random (version 4) UUID, as Vonage's SDKs make their jti.
func newJTI() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
