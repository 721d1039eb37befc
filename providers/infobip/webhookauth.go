package infobip

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/switchboard/switchboard/providers"
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

// TokenParam is the query parameter of every URL Switchboard gives Infobip
// (each message's notifyUrl, the subscription's profile, the URL to paste in
// the portal): reports to a notifyUrl and an inbound configuration set by
// hand carry no credentials of their own, so the URL has to.
const TokenParam = "token"

// tokenLabel separates the webhook token from the Basic password.
const tokenLabel = "switchboard/infobip/webhook-url-token/v1\x00"

// tokenKey is what the account's webhook token is derived from: the
// generated webhookSecret, or for an account created before it existed the
// API key.
func tokenKey(acct providers.Account) string {
	if s := strings.TrimSpace(acct.Secrets["webhookSecret"]); s != "" {
		return s
	}
	return apiKey(acct.Secrets["apiKey"])
}

// webhookToken is the account's webhook token: the unpadded base64url
// HMAC-SHA256, keyed with tokenKey, of the account ID. "" without a key.
func webhookToken(acct providers.Account) string {
	key := tokenKey(acct)
	if key == "" {
		return ""
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(tokenLabel))
	mac.Write([]byte(acct.ID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// NotifyURL is the account's webhook URL with its token, the URL Infobip is
// given everywhere; "" when the account has no webhook URL or no key.
func NotifyURL(acct providers.Account) string {
	tok := webhookToken(acct)
	if acct.WebhookURL == "" || tok == "" {
		return ""
	}
	sep := "?"
	if strings.Contains(acct.WebhookURL, "?") {
		sep = "&"
	}
	return acct.WebhookURL + sep + TokenParam + "=" + tok
}

// validToken reports, in constant time, whether the request's query carries
// exactly one token and it is the account's.
func validToken(acct providers.Account, req *providers.WebhookRequest) bool {
	want := webhookToken(acct)
	if want == "" || req.URL == nil {
		return false
	}
	q, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil || len(q[TokenParam]) != 1 {
		return false
	}
	return hmac.Equal([]byte(q.Get(TokenParam)), []byte(want))
}

// WebhookAddress is the URL to paste into Infobip: the webhook URL with its
// token (see NotifyURL), so the account's webhookUrl in the API and the
// console is the one that works.
func (Provider) WebhookAddress(acct providers.Account) string { return NotifyURL(acct) }

var _ providers.WebhookAddresser = Provider{}
