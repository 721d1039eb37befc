// Package twilio connects WhatsApp numbers through Twilio.
package twilio

import "github.com/switchboard/switchboard/providers"

// Provider is Twilio messenger provider.
type Provider struct{}

var _ providers.Provider = Provider{}

// Spec declares the account settings an admin copies from Twilio's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:      "whatsappTwilio",
		Type:     "WHATSAPP",
		Provider: "TWILIO",
		Fields: []providers.Field{
			{Name: "apiUrl", Kind: providers.KindURL, Default: "https://api.twilio.com"},
			{Name: "accountSid", Required: true},
			{Name: "authToken", Secret: true, Required: true},
			{Name: "whatsappNumber", Kind: providers.KindPhone, Required: true},
		},
	}
}
