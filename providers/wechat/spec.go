package wechat

import (
	"time"

	"fmt"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// The production hosts of the Official Account API. Accounts registered in
// mainland China use api.weixin.qq.com. Accounts registered through WeChat's
// international platform (admin.wechat.com) use api.wechat.com, the host of
// that platform's wiki and of the SDKs written against it (vumi's WeChat
// transport, WeChatPHP-SDK); WeChat's current documentation names only the
// weixin.qq.com hosts, so the international one is configurable.
const (
	DefaultChinaAPIURL         = "https://api.weixin.qq.com"
	DefaultInternationalAPIURL = "https://api.wechat.com"
)

// The values of the wechatType setting.
const (
	TypeChina         = "CHINA"
	TypeInternational = "INTERNATIONAL"
)

// Provider is the WeChat Official Account provider, bound to the API's base
// URLs and to its caches of access tokens and partly sent replies. The zero
// value talks to production and shares one process-wide cache, which is how
// the registry can build it; New gives a provider its own.
type Provider struct {
	chinaURL string
	intlURL  string
	st       *state
}

// New returns the provider for the China API at chinaAPIURL and the
// international API at internationalAPIURL; an empty URL means that
// production host. Each provider from New has its own token cache, so a test
// against a fake never shares tokens with another.
func New(chinaAPIURL, internationalAPIURL string) *Provider {
	return &Provider{
		chinaURL: strings.TrimRight(chinaAPIURL, "/"),
		intlURL:  strings.TrimRight(internationalAPIURL, "/"),
		st:       newState(),
	}
}

// sharedState serves providers built as zero values.
var sharedState = newState()

// state is the provider's memory: access tokens and the progress of replies.
func (p Provider) state() *state {
	if p.st == nil {
		return sharedState
	}
	return p.st
}

// apiBase is the API host of an account's wechatType. An empty type is
// China's, the common case; an unknown one is refused rather than guessed.
func (p Provider) apiBase(wechatType string) (string, error) {
	switch strings.ToUpper(strings.TrimSpace(wechatType)) {
	case TypeChina, "":
		if p.chinaURL == "" {
			return DefaultChinaAPIURL, nil
		}
		return p.chinaURL, nil
	case TypeInternational:
		if p.intlURL == "" {
			return DefaultInternationalAPIURL, nil
		}
		return p.intlURL, nil
	}
	return "", fmt.Errorf("wechat: unknown wechatType %q: want %s or %s", wechatType, TypeChina, TypeInternational)
}

var (
	_ providers.Provider         = Provider{}
	_ providers.WebhookReceiver  = Provider{}
	_ providers.Sender           = Provider{}
	_ providers.MediaFetcher     = Provider{}
	_ providers.ConnectionTester = Provider{}
	_ providers.WebhookSetter    = Provider{}
	_ providers.ProfileFetcher   = Provider{}
	_ providers.Provider         = (*Provider)(nil)
)

// Spec declares the account settings an admin copies from the Official
// Account console: the AppID and AppSecret authenticate API calls (the
// AppSecret only ever goes to the token endpoint), the server token proves
// webhooks authentic, and an EncodingAESKey, when given, means the console is
// in safe mode and webhooks arrive encrypted. wechatId names the account (its
// original ID, gh_…) for people; wechatType picks the API host.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:  "wechat",
		Type: "WECHAT",
		Fields: []providers.Field{
			{Name: "appId", Required: true},
			{Name: "appSecret", Secret: true, Required: true},
			{Name: "wechatId", Required: true},
			{Name: "wechatType", Kind: providers.KindEnum, Enum: []string{TypeChina, TypeInternational}, Required: true},
			{Name: "serverToken", Secret: true, Required: true},
			{Name: "encodingAesKey", Secret: true, Len: 43},
		},
	}
}

// account is what calls need from an account's settings and secrets.
type account struct {
	appID, secret       string
	serverToken, aesKey string
	wechatID, typ       string
}

// accountOf reads an account's WeChat settings, trimmed of the spaces that
// copying from the console tends to add.
func accountOf(a providers.Account) account {
	return account{
		appID:       strings.TrimSpace(a.Settings["appId"]),
		secret:      strings.TrimSpace(a.Secrets["appSecret"]),
		serverToken: strings.TrimSpace(a.Secrets["serverToken"]),
		aesKey:      strings.TrimSpace(a.Secrets["encodingAesKey"]),
		wechatID:    strings.TrimSpace(a.Settings["wechatId"]),
		typ:         strings.TrimSpace(a.Settings["wechatType"]),
	}
}

// secrets are the values that must never show in an error or result.
func (a account) secrets() []string { return []string{a.secret, a.serverToken, a.aesKey} }

// ReplyWindow is the 48 hours after the customer's last message in which the
// customer service message API may answer them.
func (Provider) ReplyWindow() time.Duration { return 48 * time.Hour }
