package facebook

import (
	"time"

	"strings"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta"
)

// Provider is the Facebook Messenger provider, bound to one Graph API base URL.
// The zero value talks to Meta's production Graph API, so Provider{} is ready to
// use.
type Provider struct {
	graph meta.Graph
}

// New returns the provider for the Graph API at graphURL (https://graph.facebook.com
// when empty); tests and sandboxes point it at a fake.
func New(graphURL string) *Provider {
	return &Provider{graph: meta.NewGraph(graphURL)}
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

// Spec declares the account settings an admin copies from Facebook's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:  "facebook",
		Type: "FACEBOOK",
		Fields: []providers.Field{
			// pageUsername is the Page's @username, for people to recognise
			// the account. Many Pages have none, and nothing is addressed by
			// it, so it is optional: Test Connection fills in what Graph
			// reports.
			{Name: "pageUsername", Kind: providers.KindUsername},
			// pageId routes webhooks (entries of other Pages are ignored)
			// and addresses the Send API.
			{Name: "pageId", Kind: providers.KindDigits, Required: true},
			// pageAccessToken authenticates every Graph API call for the Page.
			{Name: "pageAccessToken", Secret: true, Required: true},
			// appSecret keys the X-Hub-Signature-256 of Meta's webhooks.
			{Name: "appSecret", Secret: true, Required: true},
			// webhookVerifyToken is what the admin pastes beside the callback
			// URL in the App Dashboard; Meta's handshake must present it.
			{Name: "webhookVerifyToken", Generated: true, MinLen: 8},
		},
	}
}

// The account's settings, with surrounding blanks of a paste removed.
func pageID(acct providers.Account) string { return strings.TrimSpace(acct.Settings["pageId"]) }
func pageToken(acct providers.Account) string {
	return strings.TrimSpace(acct.Secrets["pageAccessToken"])
}
func appSecret(acct providers.Account) string   { return strings.TrimSpace(acct.Secrets["appSecret"]) }
func verifyToken(acct providers.Account) string { return acct.Settings["webhookVerifyToken"] }

// ReplyWindow is the 24 hours after the customer's last message in which a
// free-form reply is allowed; after that only templates are.
func (Provider) ReplyWindow() time.Duration { return 24 * time.Hour }
