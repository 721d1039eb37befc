package twilio

import (
	"time"

	"errors"
	"net/url"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// DefaultAPIURL is Twilio's production REST API, the apiUrl of an account that
// names none.
const DefaultAPIURL = "https://api.twilio.com"

// apiVersion is the REST API version every path starts with.
const apiVersion = "2010-04-01"

// Provider is the WhatsApp-via-Twilio provider. It keeps no state: the API URL
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

// Spec declares the account settings an admin copies from Twilio's console.
func (Provider) Spec() providers.Spec {
	return providers.Spec{
		Key:      "whatsappTwilio",
		Type:     "WHATSAPP",
		Provider: "TWILIO",
		Fields: []providers.Field{
			// apiUrl is Twilio's REST API, or a fake or proxy of it.
			{Name: "apiUrl", Kind: providers.KindURL, Default: DefaultAPIURL},
			// accountSid ("AC" and 32 hex digits) names the account in every
			// path and is the user name of HTTP Basic authentication.
			{Name: "accountSid", Required: true},
			// authToken authenticates our calls and keys the signature of
			// Twilio's webhooks.
			{Name: "authToken", Secret: true, Required: true},
			// whatsappNumber is the WhatsApp sender (E.164), the From of every
			// reply.
			{Name: "whatsappNumber", Kind: providers.KindPhone, Required: true},
		},
	}
}

// account is what a call to Twilio needs of an integration account.
type account struct {
	// base is the API base URL without a trailing slash.
	base string
	sid  string
	// token is the Auth Token; never shown.
	token string
	// number is the WhatsApp sender in E.164 ("+14155238886").
	number string
}

// Why an account cannot call Twilio, in words a person can act on.
var (
	errNoSID    = errors.New("the account has no Twilio Account SID")
	errBadSID   = errors.New(`the Account SID must be the one starting with "AC" in the Twilio Console (an API key SID, "SK...", is not one)`)
	errNoToken  = errors.New("the account has no Twilio Auth Token")
	errNoNumber = errors.New("the account has no WhatsApp number")
	errBadAPI   = errors.New("the account's apiUrl is not an absolute http(s) URL")
)

// settings reads the account's settings. A pasted value's surrounding blanks
// are never part of it.
func settings(acct providers.Account) (account, error) {
	a := account{
		sid:    strings.TrimSpace(acct.Settings["accountSid"]),
		token:  strings.TrimSpace(acct.Secrets["authToken"]),
		number: e164(acct.Settings["whatsappNumber"]),
	}
	base, err := apiBase(acct.Settings["apiUrl"])
	a.base = base
	switch {
	case err != nil:
		return a, err
	case a.sid == "":
		return a, errNoSID
	case !validSID(a.sid):
		return a, errBadSID
	case a.token == "":
		return a, errNoToken
	}
	return a, nil
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

// validSID reports whether s looks like an Account SID: "AC" then letters and
// digits. Checking the shape keeps a pasted value from changing the path.
func validSID(s string) bool {
	if !strings.HasPrefix(s, "AC") || len(s) < 4 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// whatsappPrefix marks a WhatsApp address in Twilio's From and To.
const whatsappPrefix = "whatsapp:"

// e164 normalizes a phone number as settings and contacts carry it ("14155238886",
// "+1 415 523 8886", "whatsapp:+14155238886") to Twilio's "+14155238886"; "" stays "".
func e164(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, whatsappPrefix)
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '(', ')', '.':
			return -1
		}
		return r
	}, s)
	if s != "" && !strings.HasPrefix(s, "+") {
		s = "+" + s
	}
	return s
}

// ReplyWindow is the 24 hours after the customer's last message in which a
// free-form reply is allowed; after that only templates are.
func (Provider) ReplyWindow() time.Duration { return 24 * time.Hour }
