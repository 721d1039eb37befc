// Package nexmo connects WhatsApp numbers through Vonage (formerly Nexmo) Messages API.
package nexmo

import "github.com/switchboard/switchboard/providers"

// Provider is Vonage messenger provider.
type Provider struct{}

var _ providers.Provider = Provider{}

// Spec declares the account settings an admin copies from Vonage's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:      "whatsappNexmo",
		Type:     "WHATSAPP",
		Provider: "NEXMO",
		Fields: []providers.Field{
			{Name: "apiUrl", Kind: providers.KindURL, Default: "https://api.nexmo.com"},
			{Name: "authentication", Kind: providers.KindEnum, Enum: []string{"JWT", "BASIC"}, Required: true},
			{Name: "apiKey", Secret: true, Required: true},
			{Name: "apiSecret", Secret: true, Required: true},
			{Name: "whatsappNumber", Kind: providers.KindPhone, Required: true},
			{Name: "applicationId", Required: true},
			{Name: "signatureSecret", Secret: true, Required: true},
		},
	}
}
