// Package whatsappcloud connects WhatsApp numbers directly through Meta's WhatsApp Cloud API.
package whatsappcloud

import "github.com/switchboard/switchboard/providers"

// Provider is Meta's WhatsApp Cloud API messenger provider.
type Provider struct{}

var _ providers.Provider = Provider{}

// Spec declares the account settings an admin copies from Meta's WhatsApp Cloud API's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:      "whatsappCloud",
		Type:     "WHATSAPP",
		Provider: "META_CLOUD",
		Fields: []providers.Field{
			{Name: "phoneNumberId", Kind: providers.KindDigits, Required: true},
			{Name: "businessAccountId", Kind: providers.KindDigits, Required: true},
			{Name: "accessToken", Secret: true, Required: true},
			{Name: "appSecret", Secret: true, Required: true},
			{Name: "webhookVerifyToken", Generated: true, MinLen: 8},
		},
	}
}
