package viber

import (
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// DefaultAPIURL is Viber's production REST API.
const DefaultAPIURL = "https://chatapi.viber.com"

// Provider is the Viber provider, bound to one API base URL. The zero value
// talks to DefaultAPIURL, so Provider{} is ready to use.
type Provider struct {
	apiURL string
}

// New returns the provider for the API at apiURL (DefaultAPIURL when empty);
// tests and sandboxes point it at a fake.
func New(apiURL string) *Provider {
	return &Provider{apiURL: strings.TrimRight(apiURL, "/")}
}

var (
	_ providers.Provider         = Provider{}
	_ providers.ConnectionTester = Provider{}
	_ providers.WebhookSetter    = Provider{}
	_ providers.WebhookReceiver  = Provider{}
	_ providers.Sender           = Provider{}
	_ providers.MediaFetcher     = Provider{}
	_ providers.ProfileFetcher   = Provider{}
	_ providers.Provider         = (*Provider)(nil)
)

// base is the API base URL without a trailing slash.
func (p Provider) base() string {
	if p.apiURL == "" {
		return DefaultAPIURL
	}
	return p.apiURL
}

// Spec declares the account settings an admin copies from Viber's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:  "viber",
		Type: "VIBER",
		Fields: []providers.Field{
			// botUsername is the bot's URI (viber://pa?chatURI=<uri>); it is
			// the sender name on every message, which Viber requires, until
			// Test Connection has learned the bot's display name.
			{Name: "botUsername", Kind: providers.KindUsername, Required: true},
			// token is the bot's authentication token: it authenticates our
			// calls and keys the signature of Viber's callbacks.
			{Name: "token", Secret: true, Required: true},
			// botName is the bot's display name as get_account_info reports
			// it, stored by Test Connection: customers see it as the sender
			// of our messages, as they see it on the bot's own page.
			{Name: "botName", Internal: true},
		},
	}
}

// authToken is the account's token; a pasted token's surrounding blanks are
// never part of it.
func authToken(acct providers.Account) string {
	return strings.TrimSpace(acct.Secrets["token"])
}
