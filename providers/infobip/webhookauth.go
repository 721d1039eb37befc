package infobip

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// WebhookUser is the user name of the HTTP Basic authentication SetWebhook
// registers in the account's Infobip subscription, the strongest protection
// Infobip documents for webhooks. Its password (webhookPassword) is derived
// from the API key and the account ID, so it needs no setting of its own and
// changes when the API key does (run Set Webhook again after changing it).
const WebhookUser = "switchboard"

// passwordLabel separates this use of the API key from any other.
const passwordLabel = "switchboard/infobip/webhook-basic-password/v1\x00"

// webhookPassword is the Basic password of the account's webhook: the
// unpadded base64url HMAC-SHA256, keyed with the API key, of the account ID. It
// reveals nothing of the key, and another account's differs. "" without a key.
func webhookPassword(apiKey, accountID string) string {
	if apiKey == "" {
		return ""
	}
	mac := hmac.New(sha256.New, []byte(apiKey))
	mac.Write([]byte(passwordLabel))
	mac.Write([]byte(accountID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// validBasic reports, in constant time, whether header (an Authorization
// value) is HTTP Basic with WebhookUser and the account's password. A missing
// key, another scheme or a malformed value never matches.
func validBasic(header, apiKey, accountID string) bool {
	want := webhookPassword(apiKey, accountID)
	scheme, cred, ok := strings.Cut(strings.TrimSpace(header), " ")
	if want == "" || !ok || !strings.EqualFold(scheme, "Basic") {
		return false
	}
	cred = strings.TrimSpace(cred)
	// The decoder would skip line breaks inside; only the plain spelling counts.
	if strings.ContainsAny(cred, "\r\n") {
		return false
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(cred)
	if err != nil {
		return false
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return false
	}
	userOK := hmac.Equal([]byte(user), []byte(WebhookUser))
	passOK := hmac.Equal([]byte(pass), []byte(want))
	return userOK && passOK
}
