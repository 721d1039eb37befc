// Package infobip connects WhatsApp numbers through Infobip.
package infobip

import "github.com/switchboard/switchboard/providers"

// Provider is Infobip messenger provider.
type Provider struct{}

var _ providers.Provider = Provider{}

// Spec declares the account settings an admin copies from Infobip's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:      "whatsappInfobip",
		Type:     "WHATSAPP",
		Provider: "INFOBIP",
		Fields: []providers.Field{
			{Name: "apiUrl", Kind: providers.KindURL, Required: true},
			{Name: "apiKey", Secret: true, Required: true},
			{Name: "whatsappNumber", Kind: providers.KindPhone, Required: true},
		},
	}
}
