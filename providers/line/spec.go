package line

import (
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// The production hosts of the Messaging API. Content that customers send is
// served by its own host, api-data.line.me, not by api.line.me.
const (
	DefaultAPIURL     = "https://api.line.me"
	DefaultDataAPIURL = "https://api-data.line.me"
)

// Provider is the LINE provider, bound to the Messaging API's base URLs. The
// zero value talks to production, which is how the registry builds it.
type Provider struct {
	apiURL  string
	dataURL string
}

// New returns the provider for the API at apiURL and the content host at
// dataAPIURL. Both empty means production. When only apiURL is given (a proxy
// or a fake serving both hosts' paths), content is fetched from it too.
func New(apiURL, dataAPIURL string) *Provider {
	apiURL = strings.TrimRight(apiURL, "/")
	dataAPIURL = strings.TrimRight(dataAPIURL, "/")
	if dataAPIURL == "" {
		dataAPIURL = apiURL
	}
	return &Provider{apiURL: apiURL, dataURL: dataAPIURL}
}

// api is the base URL of api.line.me or its stand-in.
func (p Provider) api() string {
	if p.apiURL == "" {
		return DefaultAPIURL
	}
	return p.apiURL
}

// data is the base URL of api-data.line.me or its stand-in.
func (p Provider) data() string {
	if p.dataURL == "" {
		return DefaultDataAPIURL
	}
	return p.dataURL
}

var (
	_ providers.Provider         = Provider{}
	_ providers.ConnectionTester = Provider{}
	_ providers.WebhookSetter    = Provider{}
	_ providers.WebhookReceiver  = Provider{}
	_ providers.Sender           = Provider{}
	_ providers.MediaFetcher     = Provider{}
	_ providers.Provider         = (*Provider)(nil)
)

// Spec declares the account settings an admin copies from LINE's console: the
// channel access token authenticates our API calls, the channel secret proves
// LINE's webhooks authentic.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:  "line",
		Type: "LINE",
		Fields: []providers.Field{
			{Name: "channelAccessToken", Secret: true, Required: true},
			{Name: "channelSecret", Secret: true, Required: true},
		},
	}
}
