// Package providers defines what Switchboard needs from a messenger, so that each
// messenger is one package under providers/ and one line in providers/registry.
// A provider declares its account settings (Spec) and implements the capabilities
// its API offers (Test Connection, Set Webhook; later webhooks in and replies out).
// Providers import neither graph/ nor core/: they speak their messenger's protocol
// over net/http and nothing else.
package providers

import (
	"context"
	"net/http"
	"regexp"
	"time"
)

// FieldKind says how a setting's value is checked.
type FieldKind int

// The kinds of setting values.
const (
	// KindText is any non-blank text.
	KindText FieldKind = iota
	// KindUsername is a handle without "@": letters, digits, "_" and ".".
	KindUsername
	// KindPhone is digits with an optional leading "+".
	KindPhone
	// KindURL is an absolute https URL that must not reach private networks.
	KindURL
	// KindDigits is a numeric ID such as a Facebook page ID.
	KindDigits
	// KindEnum is one of Field.Enum.
	KindEnum
)

// Field describes one setting of a messenger account, named as in the GraphQL
// settings type (for example "botToken").
type Field struct {
	Name string
	Kind FieldKind
	// Secret fields are write-only: encrypted at rest, shown only as set/last four.
	Secret bool
	// Multiline fields may contain line breaks, so that a value such as a PEM
	// private key can be pasted as its file holds it; every other control
	// character is refused as in any field.
	Multiline bool
	// Required fields must be given on create (unless Default or Generated fills them).
	Required bool
	// Enum lists the allowed values of a KindEnum field.
	Enum []string
	// Default fills the field on create when it is omitted.
	Default string
	// Generated fields get a random value on create when omitted (webhook verify tokens).
	Generated bool
	// Internal fields are kept by Switchboard for its own use (a generated webhook
	// secret, say) and never appear in the API.
	Internal bool
	// Pattern, when set, must match the whole value; Hint explains it to a person.
	Pattern *regexp.Regexp
	Hint    string
	// MinLen and Len constrain the value's length in characters when non-zero.
	MinLen, Len int
}

// Spec describes a kind of integration account.
type Spec struct {
	// Key is the member of the GraphQL IntegrationSettingsInput, e.g. "whatsappTwilio".
	Key string
	// Type is the account type (TELEGRAM, WHATSAPP, ...).
	Type string
	// Provider is the gateway of a WHATSAPP account (TWILIO, ...); empty otherwise.
	Provider string
	Fields   []Field
}

// Field returns the named field and whether the spec has it.
func (s Spec) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Account is what a provider knows of an integration account: its settings with
// secrets opened, and where its webhooks must go.
type Account struct {
	// ID is the unguessable account ID of the webhook URL.
	ID         string
	Settings   map[string]string
	Secrets    map[string]string
	WebhookURL string
}

// Result is the outcome of a call to the messenger's API, safe to show a user:
// no credential ever appears in Message or Details.
type Result struct {
	OK      bool
	Message string
	Details map[string]string
	// Settings lists public settings the provider learned (Telegram's getMe
	// reports the bot username) for the caller to store.
	Settings map[string]string
	// Webhook is the account's webhook status when the call read it anyway
	// (Telegram's getWebhookInfo after getMe), for the account's health.
	Webhook *WebhookStatus
}

// Env is what a provider call may use from the server.
type Env struct {
	// HTTP is the client for calls to the messenger. For URLs a tenant gave it
	// refuses private addresses unless the operator allowed them, and
	// redirects that could carry a signed or authenticated request elsewhere.
	// Below the *url.Error that names the request URL, its errors say what
	// failed in words without internal addresses (core/safeurl), so a provider
	// may show them to users once it has dropped that wrapper.
	HTTP *http.Client
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// Provider is one messenger. Capabilities beyond Spec are separate interfaces
// (ConnectionTester, WebhookSetter, WebhookStatusReader) so a messenger implements what its API offers.
type Provider interface {
	Spec() Spec
}

// WebhookAddresser gives the address a messenger must call when it is more
// than the account's webhook URL: Infobip signs nothing, so its address
// carries a token derived from the account's secret. Admins copy this
// address (IntegrationAccount.webhookUrl) into the messenger's console.
type WebhookAddresser interface {
	WebhookAddress(acct Account) string
}

// ConnectionTester makes a real authenticated call to the messenger's API.
type ConnectionTester interface {
	TestConnection(ctx context.Context, env Env, acct Account) (Result, error)
}

// WebhookSetter registers the account's webhook URL with the messenger.
type WebhookSetter interface {
	SetWebhook(ctx context.Context, env Env, acct Account) (Result, error)
}

// WebhookStatus is what a messenger reports of an account's webhook.
type WebhookStatus struct {
	// URL is where the messenger sends the account's webhooks; "" for none.
	URL string
	// Active says the messenger sends webhooks at all: a console switch on
	// LINE; elsewhere, whether URL is set.
	Active bool
	// PendingUpdates is how many updates wait for delivery; nil when the
	// messenger does not say.
	PendingUpdates *int
	// LastError and LastErrorAt describe the last failed delivery, in the
	// messenger's words; empty when none failed or it does not say.
	LastError   string
	LastErrorAt time.Time
	// Refusal, when set, says in words a person understands why the messenger
	// refused to tell (a revoked token); the other fields are then empty.
	Refusal string
}

// WebhookStatusReader reads the account's webhook as the messenger has it,
// with one cheap authenticated call, so that account health shows a webhook
// pointing elsewhere or failing before customers notice. Transport failures
// and answers that cannot be read are errors; refusals are a Refusal.
type WebhookStatusReader interface {
	WebhookStatus(ctx context.Context, env Env, acct Account) (WebhookStatus, error)
}

// ConnectVerifier proves, when an account is connected, that the other side
// holds the shared secret (the custom messenger's signed handshake). Connecting
// fails when it does not.
type ConnectVerifier interface {
	Handshake(ctx context.Context, env Env, acct Account) (Result, error)
}
