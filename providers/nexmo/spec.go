package nexmo

import (
	"time"

	"errors"
	"net/url"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// DefaultAPIURL is Vonage's API host, the apiUrl of an account that names
// none. The Messages API (/v1/messages) and the Application API
// (/v2/applications) are both below it.
const DefaultAPIURL = "https://api.nexmo.com"

// Provider is the WhatsApp-via-Vonage provider. It keeps no state: the API URL
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

// The authentication setting's values.
const (
	// AuthBasic sends the API key and secret as HTTP Basic authentication,
	// which the Messages and Application APIs both take.
	AuthBasic = "BASIC"
	// AuthJWT would sign calls with the Vonage application's RSA private
	// key, which the account has no setting for yet (see ErrNoPrivateKey).
	AuthJWT = "JWT"
)

// Spec declares the account settings an admin copies from Vonage's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:      "whatsappNexmo",
		Type:     "WHATSAPP",
		Provider: "NEXMO",
		Fields: []providers.Field{
			// apiUrl is Vonage's API host, or a regional one, a proxy or a fake.
			{Name: "apiUrl", Kind: providers.KindURL, Default: DefaultAPIURL},
			// authentication is how calls authenticate: BASIC (API key and
			// secret) or JWT (the application's private key; not yet usable).
			{Name: "authentication", Kind: providers.KindEnum, Enum: []string{"JWT", "BASIC"}, Required: true},
			// apiKey and apiSecret are the account's credentials (Dashboard >
			// API Settings); the key also names the signature secret in the
			// claims of signed webhooks.
			{Name: "apiKey", Secret: true, Required: true},
			{Name: "apiSecret", Secret: true, Required: true},
			// whatsappNumber is the WhatsApp Business number linked to the
			// application, the "from" of every reply.
			{Name: "whatsappNumber", Kind: providers.KindPhone, Required: true},
			// applicationId is the Vonage application whose Messages webhooks
			// Set Webhook points at Switchboard.
			{Name: "applicationId", Required: true},
			// signatureSecret keys the HS256 JWT Vonage signs every webhook with.
			{Name: "signatureSecret", Secret: true, Required: true},
		},
	}
}

// account is what a call to Vonage needs of an integration account.
type account struct {
	// base is the API base URL without a trailing slash.
	base string
	// auth is AuthBasic or AuthJWT (AuthBasic when unset).
	auth string
	// key and secret are the API key and secret; secret is never shown.
	key, secret string
	// number is the WhatsApp number as Vonage writes it: digits only.
	number string
	appID  string
}

// Why an account cannot call Vonage, in words a person can act on.
var (
	errNoKey    = errors.New("the account has no Vonage API key")
	errNoSecret = errors.New("the account has no Vonage API secret")
	errNoNumber = errors.New("the account has no WhatsApp number")
	errNoApp    = errors.New("the account has no Vonage application ID")
	errBadApp   = errors.New("the application ID must be the Vonage application's ID as the Dashboard shows it (letters, digits and dashes)")
	errBadAPI   = errors.New("the account's apiUrl is not an absolute http(s) URL")
)

// ErrNoPrivateKey is why an account with authentication JWT cannot send: Vonage
// signs nothing for us, and a JWT for the Messages API must be signed with the
// Vonage application's RSA private key, which Switchboard has no setting for
// yet. BASIC works with the API key and secret the account already has.
var ErrNoPrivateKey = errors.New(`authentication JWT needs the Vonage application's private key, and Switchboard has no setting for it yet: ` +
	`set authentication to BASIC, which sends with the API key and secret`)

// settings reads the account's settings. A pasted value's surrounding blanks
// are never part of it. Only the base URL is checked here; what each call
// needs is checked by need.
func settings(acct providers.Account) (account, error) {
	a := account{
		auth:   strings.ToUpper(strings.TrimSpace(acct.Settings["authentication"])),
		key:    strings.TrimSpace(acct.Secrets["apiKey"]),
		secret: strings.TrimSpace(acct.Secrets["apiSecret"]),
		number: msisdn(acct.Settings["whatsappNumber"]),
		appID:  strings.TrimSpace(acct.Settings["applicationId"]),
	}
	if a.auth == "" {
		a.auth = AuthBasic
	}
	base, err := apiBase(acct.Settings["apiUrl"])
	a.base = base
	return a, err
}

// credentials reports why the API key and secret cannot authenticate a call.
func (a account) credentials() error {
	switch {
	case a.key == "":
		return errNoKey
	case a.secret == "":
		return errNoSecret
	}
	return nil
}

// application reports why the application ID cannot name a resource.
func (a account) application() error {
	if a.appID == "" {
		return errNoApp
	}
	if len(a.appID) > 64 {
		return errBadApp
	}
	for _, r := range a.appID {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-') {
			return errBadApp
		}
	}
	return nil
}

// apiBase is the API base URL of an apiUrl setting: DefaultAPIURL when empty,
// without a trailing slash otherwise.
func apiBase(setting string) (string, error) {
	s := strings.TrimRight(strings.TrimSpace(setting), "/")
	if s == "" {
		return DefaultAPIURL, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errBadAPI
	}
	return s, nil
}

// msisdn normalizes a phone number as settings and contacts carry it
// ("+44 7700 900000", "0044...", "whatsapp:+447700900000") to the digits
// Vonage writes in "to" and "from" ("447700900000": no "+" or "00"); a value
// that is not a phone number comes back as "".
func msisdn(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "whatsapp:")
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '(', ')', '.', '\u00a0':
			return -1
		}
		return r
	}, s)
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		s = rest
	} else if rest, ok := strings.CutPrefix(s, "00"); ok {
		s = rest
	}
	if s == "" || len(s) > 20 {
		return ""
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return s
}

// ReplyWindow is the 24 hours after the customer's last message in which a
// free-form reply is allowed; after that only templates are.
func (Provider) ReplyWindow() time.Duration { return 24 * time.Hour }
