package metatest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
)

// SignatureHeader carries the signature of every webhook Meta POSTs.
const SignatureHeader = "X-Hub-Signature-256"

// DefaultAppSecret has the shape of a real app secret (32 lowercase hex
// digits), so that tests checking no error shows it check something real.
const DefaultAppSecret = "6f1e0b9d3c2a4e8f7b5d1c0a9e8f7d6c"

// Sign is Meta's webhook signature: "sha256=" and the lowercase hex
// HMAC-SHA256 of the raw body, keyed with the app secret.
func Sign(appSecret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// NewWebhookRequest builds the POST Meta makes to a callback URL: the JSON
// body signed with appSecret.
func NewWebhookRequest(ctx context.Context, callbackURL, appSecret string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callbackURL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("metatest: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set(SignatureHeader, Sign(appSecret, body))
	return req, nil
}

// NewHandshakeRequest builds the GET Meta makes when a callback URL is saved
// in the App Dashboard: hub.mode=subscribe with the verify token and a
// challenge the endpoint must echo.
func NewHandshakeRequest(ctx context.Context, callbackURL, verifyToken, challenge string) (*http.Request, error) {
	u, err := url.Parse(callbackURL)
	if err != nil {
		return nil, fmt.Errorf("metatest: handshake request: %w", err)
	}
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.verify_token", verifyToken)
	q.Set("hub.challenge", challenge)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("metatest: handshake request: %w", err)
	}
	req.Header.Set("User-Agent", "facebookplatform/1.0 (+http://developers.facebook.com)")
	return req, nil
}
