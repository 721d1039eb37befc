// Package line connects LINE Official Accounts through the LINE Messaging API.
package line

import "github.com/switchboard/switchboard/providers"

// Provider is LINE messenger provider.
type Provider struct{}

var _ providers.Provider = Provider{}

// Spec declares the account settings an admin copies from LINE's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:  "line",
		Type: "LINE",
		Fields: []providers.Field{
			{Name: "channelAccessToken", Secret: true, Required: true},
			{Name: "channelSecret", Secret: true, Required: true},
		},
	}
}
