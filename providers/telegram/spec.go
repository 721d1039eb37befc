// Package telegram connects Telegram bots through the Telegram Bot API.
package telegram

import (
	"regexp"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// tokenPattern is the shape of a bot token: the bot's ID, a colon, the secret.
var tokenPattern = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

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
			// The token goes into the Bot API's URL path, so only its real shape is accepted.
			{Name: "botToken", Secret: true, Required: true, Pattern: tokenPattern, Hint: "must look like 123456789:AA... as BotFather gives it"},
			// webhookSecret is the secret_token given to setWebhook; Telegram sends
			// it back in X-Telegram-Bot-Api-Secret-Token on every webhook.
			{Name: "webhookSecret", Secret: true, Generated: true, Internal: true},
		},
	}
}
