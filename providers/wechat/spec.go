// Package wechat connects WeChat Official Accounts (China and International).
package wechat

import "github.com/switchboard/switchboard/providers"

// Provider is WeChat messenger provider.
type Provider struct{}

var _ providers.Provider = Provider{}

// Spec declares the account settings an admin copies from WeChat's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:  "wechat",
		Type: "WECHAT",
		Fields: []providers.Field{
			{Name: "appId", Required: true},
			{Name: "appSecret", Secret: true, Required: true},
			{Name: "wechatId", Required: true},
			{Name: "wechatType", Kind: providers.KindEnum, Enum: []string{"CHINA", "INTERNATIONAL"}, Required: true},
			{Name: "serverToken", Secret: true, Required: true},
			{Name: "encodingAesKey", Secret: true, Len: 43},
		},
	}
}
