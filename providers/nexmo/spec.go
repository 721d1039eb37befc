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

// Provider is the WhatsApp-via-Vonage provider. The API URL is each
// account's apiUrl setting; the only state is the cache of the JWTs it signs
// for accounts with authentication JWT (see tokens.go). The zero value shares
// one process-wide cache, which is how the registry builds it; New gives a
// provider its own, so that a test counts its own signings.
type Provider struct {
	tokens *tokenCache
}

// New returns a provider with its own JWT cache.
func New() Provider { return Provider{tokens: &tokenCache{}} }

// sharedTokens serves providers built as zero values.
var sharedTokens = &tokenCache{}

// cache is the provider's JWT cache.
func (p Provider) cache() *tokenCache {
	if p.tokens == nil {
		return sharedTokens
	}
	return p.tokens
}

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
	// AuthJWT sends messages with a JWT signed (RS256) by the Vonage
	// application's RSA private key, the account's privateKey setting,
	// which the Messages API takes and Vonage recommends. The Application
	// API takes only the API key and secret, so Test Connection and Set
	// Webhook use those whatever this setting says.
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
			// authentication is how messages are sent: BASIC (API key and
			// secret) or JWT (signed with privateKey).
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
			// privateKey is the application's RSA private key (PEM, PKCS#8
			// or PKCS#1, as the Dashboard downloads it when it generates the
			// application's keys). Authentication JWT signs messages with it,
			// and customers' media are downloaded with it when the
			// application has Secure Inbound Media on. Optional for BASIC.
			{Name: "privateKey", Secret: true, Multiline: true},
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
	// privateKey is the privateKey setting as given (PEM); never shown.
	privateKey string
	// bearer, when set, is the JWT a call carries instead of the API key and
	// secret; never shown.
	bearer string
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

// ErrNoPrivateKey is why an account with authentication JWT cannot send: the
// JWT the Messages API wants is signed with the Vonage application's RSA
// private key, and the account's privateKey setting is empty.
var ErrNoPrivateKey = errors.New(`authentication JWT needs the Vonage application's private key, and the account's privateKey is not set: ` +
	`paste the private key the Vonage Dashboard downloaded when the application's keys were generated, or set authentication to BASIC`)

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
		// A key is kept as given apart from surrounding blanks: the parser
		// reads its lines.
		privateKey: strings.TrimSpace(acct.Secrets["privateKey"]),
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
