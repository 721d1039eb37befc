package twitter

import (
	"net/url"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// DefaultAPIURL is X's API host. X now documents api.x.com for v2, for
// POST /oauth2/token and for the Account Activity API; api.twitter.com still
// answers the same paths.
const DefaultAPIURL = "https://api.x.com"

// Provider is the X (Twitter) direct messages provider, bound to the API's
// base URL. The zero value talks to production, which is how the registry
// builds it today.
type Provider struct {
	apiURL string
}

// New returns the provider for the API at apiURL (a fake or a proxy serving
// X's paths); empty means production.
func New(apiURL string) *Provider {
	return &Provider{apiURL: strings.TrimRight(apiURL, "/")}
}

// api is the base URL of api.x.com or its stand-in.
func (p Provider) api() string {
	if p.apiURL == "" {
		return DefaultAPIURL
	}
	return p.apiURL
}

// apiHost is the host of api(), which FetchMedia also trusts (a fake serves
// media under its own address).
func (p Provider) apiHost() string {
	u, err := url.Parse(p.api())
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

var (
	_ providers.Provider         = Provider{}
	_ providers.Provider         = (*Provider)(nil)
	_ providers.WebhookReceiver  = Provider{}
	_ providers.Sender           = Provider{}
	_ providers.MediaFetcher     = Provider{}
	_ providers.ConnectionTester = Provider{}
	_ providers.WebhookSetter    = Provider{}
	_ providers.ProfileFetcher   = Provider{}
)

// Spec declares the account settings an admin copies from the X developer
// portal: the app's consumer key and secret (the secret also proves X's
// webhooks authentic) and the access token and secret of the account whose
// direct messages Switchboard answers (with "Read, write and Direct Messages"
// permission). All four are credentials.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:  "twitter",
		Type: "TWITTER",
		Fields: []providers.Field{
			{Name: "consumerKey", Secret: true, Required: true},
			{Name: "consumerSecret", Secret: true, Required: true},
			{Name: "accessToken", Secret: true, Required: true},
			{Name: "accessTokenSecret", Secret: true, Required: true},
		},
	}
}
