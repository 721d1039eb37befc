package nexmo

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/switchboard/switchboard/providers"
)

// Vonage signs every Messages webhook with a JWT in "Authorization: Bearer
// <token>" (https://developer.vonage.com/en/messages/concepts/signed-webhooks):
// HS256 under the signature secret of the API key in its api_key claim, with
// payload_hash the SHA-256 of the body, iat the time it was issued, and, when
// the message belongs to an application, application_id.
const (
	// SignatureHeader carries the webhook's JWT.
	SignatureHeader = "Authorization"
	// signingMethod is the only algorithm Vonage uses ("SHA-256 is always
	// used"); anything else, "none" and RS256 included, is refused.
	signingMethod = "HS256"
)

// How old and how far ahead a webhook's iat may be. Vonage documents no
// window. It retries a webhook answered 429 or 5xx for 24 hours, and does not
// say whether a retry is signed anew, so a token up to 25 hours old is taken:
// a replay of an older one is refused, and a replay within the window is
// harmless, as the token covers the body (payload_hash) and the body's
// message_uuid deduplicates. The skew allows for clocks that disagree.
const (
	maxTokenAge = 25 * time.Hour
	clockSkew   = 5 * time.Minute
)

// ErrUnsigned is a webhook without a Vonage signature. Vonage documents that,
// "in the rare case of an internal error", it may send a webhook unsigned, and
// that answering 5xx makes it retry, signed. ErrUnsigned wraps
// providers.ErrUnauthorized (nothing is stored), so the ingest handler answers
// 401 unless it maps ErrUnsigned to a 5xx, which Vonage would retry.
var ErrUnsigned = fmt.Errorf("%w: the webhook carries no Vonage signature (Authorization: Bearer)", providers.ErrUnauthorized)

// claims are a Vonage webhook token's claims.
type claims struct {
	jwt.RegisteredClaims
	PayloadHash   string `json:"payload_hash"`
	APIKey        string `json:"api_key"`
	ApplicationID string `json:"application_id"`
}

// VerifyWebhook accepts a POST whose "Authorization: Bearer" JWT is HS256
// under the account's signature secret (golang-jwt: any other algorithm,
// "none" and RS256 included, is refused), was issued (iat) no more than 25
// hours ago and no more than 5 minutes ahead, names the account's API key
// (api_key) and, when it names one, the account's application
// (application_id), and whose payload_hash is the hex SHA-256 of the body
// as received, compared in constant time. Anything else is
// providers.ErrUnauthorized; a webhook without the header is ErrUnsigned,
// which wraps it. Vonage has no handshake: other methods are
// providers.ErrNotAllowed. The time is the request's Received (now when
// unset).
func (Provider) VerifyWebhook(acct providers.Account, req *providers.WebhookRequest) (*providers.WebhookResponse, bool, error) {
	if req == nil || req.Method != http.MethodPost {
		return nil, false, providers.ErrNotAllowed
	}
	auths := req.Header.Values(SignatureHeader)
	if len(auths) == 0 {
		return nil, false, ErrUnsigned
	}
	if len(auths) != 1 {
		return nil, false, providers.ErrUnauthorized
	}
	token, ok := bearer(auths[0])
	if !ok {
		return nil, false, ErrUnsigned
	}
	now := req.Received
	if now.IsZero() {
		now = time.Now()
	}
	secret := strings.TrimSpace(acct.Secrets["signatureSecret"])
	c, err := parseToken(token, secret, now)
	if err != nil {
		return nil, false, providers.ErrUnauthorized
	}
	if !c.matches(strings.TrimSpace(acct.Secrets["apiKey"]), strings.TrimSpace(acct.Settings["applicationId"])) ||
		!validPayloadHash(req.Body, c.PayloadHash) {
		return nil, false, providers.ErrUnauthorized
	}
	return nil, false, nil
}

// bearer is the token of an "Authorization: Bearer <token>" value.
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// parseToken verifies token's HS256 signature under secret and its times at
// now, and returns its claims. An empty secret verifies nothing.
func parseToken(token, secret string, now time.Time) (*claims, error) {
	if secret == "" {
		return nil, jwt.ErrTokenUnverifiable
	}
	c := &claims{}
	_, err := jwt.ParseWithClaims(token, c, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{signingMethod}),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil {
		return nil, err
	}
	if c.IssuedAt == nil || now.Sub(c.IssuedAt.Time) > maxTokenAge {
		return nil, jwt.ErrTokenUsedBeforeIssued
	}
	return c, nil
}

// matches reports whether the claims name the account: its API key (which
// Vonage documents as choosing the signature secret) and, when they name an
// application, its application.
func (c *claims) matches(apiKey, appID string) bool {
	if apiKey == "" || subtle.ConstantTimeCompare([]byte(c.APIKey), []byte(apiKey)) != 1 {
		return false
	}
	return c.ApplicationID == "" || appID == "" || strings.EqualFold(c.ApplicationID, appID)
}

// validPayloadHash reports, in constant time, whether hash (the payload_hash
// claim, hex in either case) is body's SHA-256.
func validPayloadHash(body []byte, hash string) bool {
	want, err := hex.DecodeString(strings.TrimSpace(hash))
	if err != nil || len(want) != sha256.Size {
		return false
	}
	sum := sha256.Sum256(body)
	return subtle.ConstantTimeCompare(want, sum[:]) == 1
}
