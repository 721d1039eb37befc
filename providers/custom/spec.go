package custom

import (
	"time"

	"github.com/switchboard/switchboard/providers"
)

// Provider is the custom messenger provider. Its zero value is ready to use and
// is what the registry holds; fields only tune the contract for tests and for
// operators whose messengers need it.
type Provider struct {
	// ReplayWindow is how far a signed timestamp may be from Switchboard's clock,
	// in either direction, on webhooks and on the messenger's answers. Zero (or a
	// negative value) means DefaultReplayWindow.
	ReplayWindow time.Duration
}

var (
	_ providers.Provider         = Provider{}
	_ providers.WebhookReceiver  = Provider{}
	_ providers.Sender           = Provider{}
	_ providers.ConnectionTester = Provider{}
	_ providers.WebhookSetter    = Provider{}
	_ providers.ConnectVerifier  = Provider{}
)

// Spec declares the account settings an admin copies from the custom's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:  "custom",
		Type: "CUSTOM",
		Fields: []providers.Field{
			{Name: "webhookUrl", Kind: providers.KindURL, Required: true},
			{Name: "confirmationCode", Secret: true, Required: true, MinLen: 16},
		},
	}
}

// window is the replay window in force.
func (p Provider) window() time.Duration {
	if p.ReplayWindow <= 0 {
		return DefaultReplayWindow
	}
	return p.ReplayWindow
}
