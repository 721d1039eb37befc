package infobip

import (
	"time"

	"errors"
	"net/url"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// Provider is the WhatsApp-via-Infobip provider. It keeps no state: the API URL
// is each account's apiUrl setting, so Provider{} is ready to use.
type Provider struct{}

var (
	_ providers.Provider         = Provider{}
	_ providers.ConnectionTester = Provider{}
	_ providers.WebhookSetter    = Provider{}
	_ providers.WebhookReceiver  = Provider{}
	_ providers.Sender           = Provider{}
	_ providers.MediaFetcher     = Provider{}
	_ providers.Provider         = (*Provider)(nil)
)

// Spec declares the account settings an admin copies from Infobip's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:      "whatsappInfobip",
		Type:     "WHATSAPP",
		Provider: "INFOBIP",
		Fields: []providers.Field{
			// apiUrl is the account's personal base URL
			// ("https://xxxxx.api.infobip.com"), or a fake or proxy of it.
			{Name: "apiUrl", Kind: providers.KindURL, Required: true},
			// apiKey authenticates every call ("Authorization: App <key>")
			// and keys the webhook's Basic credentials (WebhookUser).
			{Name: "apiKey", Secret: true, Required: true},
			// whatsappNumber is the registered WhatsApp sender, the "from"
			// of every reply.
			{Name: "whatsappNumber", Kind: providers.KindPhone, Required: true},
			// webhookSecret keys the token every URL given to Infobip
			// carries (NotifyURL), so that reports, which come without
			// credentials, still prove where they come from. Generated, never
			// shown; independent of the API key, so rotating the key does not
			// orphan the notifyUrl of messages already sent.
			{Name: "webhookSecret", Secret: true, Generated: true, Internal: true},
		},
	}
}

// account is what a call to Infobip needs of an integration account.
type account struct {
	// base is the API base URL without a trailing slash.
	base string
	// key is the API key; never shown.
	key string
	// number is the WhatsApp sender in Infobip's international format,
	// digits only ("447860099299").
	number string
}

// Why an account cannot call Infobip, in words a person can act on.
var (
	errNoAPIURL = errors.New("the account has no Infobip API base URL (apiUrl, shown on the Infobip portal's home page)")
	errBadAPI   = errors.New("the account's apiUrl is not an absolute http(s) URL like https://xxxxx.api.infobip.com")
	errNoKey    = errors.New("the account has no Infobip API key")
	errNoNumber = errors.New("the account has no WhatsApp number")
)

// settings reads the account's settings. A pasted value's surrounding blanks
// are never part of it, nor is the "App " scheme copied with a key.
func settings(acct providers.Account) (account, error) {
	a := account{
		key:    apiKey(acct.Secrets["apiKey"]),
		number: digits(acct.Settings["whatsappNumber"]),
	}
	base, err := apiBase(acct.Settings["apiUrl"])
	a.base = base
	switch {
	case err != nil:
		return a, err
	case a.key == "":
		return a, errNoKey
	}
	return a, nil
}

// apiKey is a pasted API key without blanks or a leading "App " scheme.
func apiKey(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 4 && strings.EqualFold(s[:4], "App ") {
		s = strings.TrimSpace(s[4:])
	}
	return s
}

// apiBase is the API base URL of an apiUrl setting, without a trailing slash.
// There is no default: every Infobip account has its own.
func apiBase(setting string) (string, error) {
	s := strings.TrimRight(strings.TrimSpace(setting), "/")
	if s == "" {
		return "", errNoAPIURL
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", errBadAPI
	}
	return s, nil
}

// digits is a phone number as Infobip's WhatsApp API takes it, international
// format with digits only: "+44 7860 099-299" and "447860099299" are both
// "447860099299". Anything else is dropped, so a pasted value cannot change a
// path it is put in; "" stays "".
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// ReplyWindow is the 24 hours after the customer's last message in which a
// free-form reply is allowed; after that only templates are.
func (Provider) ReplyWindow() time.Duration { return 24 * time.Hour }
