// Package telegram connects Telegram bots through the Telegram Bot API.
package telegram

import (
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// DefaultAPIURL is the public Bot API; SWITCHBOARD_TELEGRAM_API_URL replaces it.
const DefaultAPIURL = "https://api.telegram.org"

// Provider is the Telegram provider, bound to one Bot API base URL.
type Provider struct {
	apiURL string
}

// New returns the provider for the Bot API at apiURL (DefaultAPIURL when empty).
func New(apiURL string) Provider {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	return Provider{apiURL: strings.TrimRight(apiURL, "/")}
}

var (
	_ providers.Provider         = Provider{}
	_ providers.ConnectionTester = Provider{}
	_ providers.WebhookSetter    = Provider{}
)

// Spec declares the account settings an admin copies from Telegram's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:  "telegram",
		Type: "TELEGRAM",
		Fields: []providers.Field{
			{Name: "botUsername", Kind: providers.KindUsername, Required: true},
			{Name: "botToken", Secret: true, Required: true},
			// webhookSecret is the secret_token given to setWebhook; Telegram sends
			// it back in X-Telegram-Bot-Api-Secret-Token on every webhook.
			{Name: "webhookSecret", Secret: true, Generated: true, Internal: true},
		},
	}
}
