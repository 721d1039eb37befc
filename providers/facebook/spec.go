// Package facebook connects Facebook Pages through Meta's Messenger Platform (Graph API).
package facebook

import "github.com/switchboard/switchboard/providers"

// Provider is Facebook messenger provider.
type Provider struct{}

var _ providers.Provider = Provider{}

// Spec declares the account settings an admin copies from Facebook's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:  "facebook",
		Type: "FACEBOOK",
		Fields: []providers.Field{
			{Name: "pageUsername", Kind: providers.KindUsername, Required: true},
			{Name: "pageId", Kind: providers.KindDigits, Required: true},
			{Name: "pageAccessToken", Secret: true, Required: true},
			{Name: "appSecret", Secret: true, Required: true},
			{Name: "webhookVerifyToken", Generated: true, MinLen: 8},
		},
	}
}
