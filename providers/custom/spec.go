// Package custom connects any messenger that speaks Switchboard's signed-webhook contract.
package custom

import "github.com/switchboard/switchboard/providers"

// Provider is the custom messenger provider.
type Provider struct{}

var _ providers.Provider = Provider{}

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
