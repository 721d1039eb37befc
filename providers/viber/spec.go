// Package viber connects Viber bots through the Viber REST Bot API.
package viber

import "github.com/switchboard/switchboard/providers"

// Provider is Viber messenger provider.
type Provider struct{}

var _ providers.Provider = Provider{}

// Spec declares the account settings an admin copies from Viber's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:  "viber",
		Type: "VIBER",
		Fields: []providers.Field{
			{Name: "botUsername", Kind: providers.KindUsername, Required: true},
			{Name: "token", Secret: true, Required: true},
		},
	}
}
