package meta

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/switchboard/switchboard/providers"
)

// ErrWrongVerifyToken is a subscription handshake whose hub.verify_token is not
// the account's webhookVerifyToken: someone other than the admin configured the
// callback, or it was pasted wrong. It wraps providers.ErrForbidden, so it is
// refused with 403, as Meta's documentation answers it, and nothing is stored.
var ErrWrongVerifyToken = fmt.Errorf("%w: hub.verify_token does not match the account's verify token", providers.ErrForbidden)

// maxChallenge bounds the hub.challenge echoed back (Meta's is a short number).
const maxChallenge = 1024

// VerifyWebhook is the authenticity check every Meta webhook shares
// (https://developers.facebook.com/docs/graph-api/webhooks/getting-started):
//
//   - GET is the subscription handshake: hub.mode=subscribe with a
//     hub.verify_token equal, in constant time, to verifyToken is answered 200
//     text/plain with hub.challenge (handshake=true). A wrong or missing token is
//     ErrWrongVerifyToken; a GET that is not a subscription is ErrNotAllowed.
//   - POST must carry exactly one X-Hub-Signature-256 that is the raw body's
//     signature under appSecret, compared in constant time; otherwise
//     ErrUnauthorized.
//   - Other methods are ErrNotAllowed.
//
// An empty verifyToken or appSecret matches nothing.
func VerifyWebhook(req *providers.WebhookRequest, verifyToken, appSecret string) (*providers.WebhookResponse, bool, error) {
	if req == nil {
		return nil, false, providers.ErrNotAllowed
	}
	switch req.Method {
	case http.MethodGet:
		return handshake(req, verifyToken)
	case http.MethodPost:
		sigs := req.Header.Values(SignatureHeader)
		if len(sigs) != 1 || !ValidSignature(appSecret, req.Body, sigs[0]) {
			return nil, false, providers.ErrUnauthorized
		}
		return nil, false, nil
	}
	return nil, false, providers.ErrNotAllowed
}

// handshake answers the GET Meta makes when the callback URL is saved.
func handshake(req *providers.WebhookRequest, verifyToken string) (*providers.WebhookResponse, bool, error) {
	if req.URL == nil {
		return nil, false, providers.ErrNotAllowed
	}
	q := req.URL.Query()
	if q.Get("hub.mode") != "subscribe" {
		return nil, false, providers.ErrNotAllowed
	}
	if tokens := q["hub.verify_token"]; len(tokens) != 1 || !SameToken(tokens[0], verifyToken) {
		return nil, false, ErrWrongVerifyToken
	}
	challenge := q.Get("hub.challenge")
	if len(challenge) > maxChallenge || strings.IndexFunc(challenge, unicode.IsControl) >= 0 {
		return nil, false, providers.ErrNotAllowed
	}
	return &providers.WebhookResponse{
		Status:      http.StatusOK,
		ContentType: "text/plain; charset=utf-8",
		Body:        []byte(challenge),
	}, true, nil
}

// SameToken compares a received verify token with the account's in constant
// time, independent of either length (their hashes are compared); surrounding
// blanks of the stored token are not part of it, and an empty one matches
// nothing.
func SameToken(got, want string) bool {
	want = strings.TrimSpace(want)
	if want == "" {
		return false
	}
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}
