// Package twitter connects Twitter/X accounts' direct messages through the Account Activity API.
package twitter

import "github.com/switchboard/switchboard/providers"

// Provider is Twitter/X messenger provider.
type Provider struct{}

var _ providers.Provider = Provider{}

// Spec declares the account settings an admin copies from Twitter/X's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:  "twitter",
		Type: "TWITTER",
		Fields: []providers.Field{
			{Name: "consumerKey", Secret: true, Required: true},
			{Name: "consumerSecret", Secret: true, Required: true},
			{Name: "accessToken", Secret: true, Required: true},
			{Name: "accessTokenSecret", Secret: true, Required: true},
		},
	}
}
