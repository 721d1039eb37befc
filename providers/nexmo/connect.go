package nexmo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// webhookVersion is the Messages webhook format ParseWebhook reads.
const webhookVersion = "v1"

// application is the part of the Application API's resource
// (https://developer.vonage.com/en/api/application.v2) the checks read. Its
// public key is compared with the account's private key and sent back
// untouched by Set Webhook, and never shown.
type application struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Keys struct {
		PublicKey string `json:"public_key"`
	} `json:"keys"`
	Capabilities struct {
		Messages *messagesCapability `json:"messages"`
	} `json:"capabilities"`
}

// messagesCapability is the application's Messages configuration.
type messagesCapability struct {
	Webhooks struct {
		InboundURL webhookAddress `json:"inbound_url"`
		StatusURL  webhookAddress `json:"status_url"`
	} `json:"webhooks"`
	Version                  string `json:"version"`
	AuthenticateInboundMedia bool   `json:"authenticate_inbound_media"`
}

// webhookAddress is one webhook of a capability.
type webhookAddress struct {
	Address    string `json:"address"`
	HTTPMethod string `json:"http_method"`
}

// applications is a with the base URL of the Application API: Vonage serves
// /v2/applications only on its global host, so an apiUrl on one of its
// regional or sandbox Messages hosts (api-eu.vonage.com,
// messages-sandbox.nexmo.com) calls DefaultAPIURL for it. Any other apiUrl (a
// proxy, a fake) is used as it is.
func (a account) applications() account {
	a.base = applicationsBase(a.base)
	return a
}

// applicationsBase is the Application API's base URL for a Messages API base.
func applicationsBase(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	host := strings.ToLower(u.Hostname())
	vonage := strings.HasSuffix(host, ".nexmo.com") || strings.HasSuffix(host, ".vonage.com")
	if vonage && base != DefaultAPIURL && host != "api.nexmo.com" {
		return DefaultAPIURL
	}
	return base
}

// applicationPath is the application's resource below the base URL.
func (a account) applicationPath() string {
	return "/v2/applications/" + url.PathEscape(a.appID)
}

// TestConnection fetches the account's Vonage application with the API key
// and secret (GET /v2/applications/{applicationId}, Basic authentication: the
// Application API takes nothing else, whatever the account's authentication
// is), which proves both credentials and the application ID, and reports the
// application's name and Messages webhooks. Webhooks that are not the
// account's webhook URL, a webhook format other than v1 and Secure Inbound
// Media (whose downloads need the application's private key) are reported in
// the message; Set Webhook fixes the first two.
//
// A privateKey, which authentication JWT needs, is checked without sending a
// message: it must parse and sign a JWT (which leaves the account's token
// cached for Send), and its public half must be the public key the
// application shows, the key Vonage checks every JWT with. The result is OK
// when the credentials and application are good and, under JWT or when a key
// is set, the key is; it says what is wrong otherwise. Refusals give a result
// that is not OK and says why; failures to reach Vonage stay errors. The
// WhatsApp number is not checked: Vonage has no call that says which numbers
// an API key may send from, so only sending proves it. No result shows a
// credential or the key.
func (p Provider) TestConnection(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	a, err := settings(acct)
	if err == nil && a.auth != AuthBasic && a.auth != AuthJWT {
		err = fmt.Errorf("authentication must be BASIC or JWT, not %s", strconv.Quote(providers.Truncate(a.auth, 20)))
	}
	if err == nil {
		if err = a.credentials(); err != nil && a.auth == AuthJWT {
			err = fmt.Errorf("%w (the Application API, which the test reads and Set Webhook writes, takes only the API key and secret, also with authentication JWT)", err)
		}
	}
	if err == nil {
		err = a.application()
	}
	if err == nil && a.number == "" {
		err = errNoNumber
	}
	if err != nil {
		return providers.Result{Message: "Cannot test the connection: " + err.Error() + "."}, nil
	}
	var app application
	if err := a.applications().call(ctx, env.HTTP, "test connection", http.MethodGet, a.applicationPath(), nil, &app); err != nil {
		return failure(err, "test connection", a)
	}
	name := app.Name
	if name == "" {
		name = a.appID
	}
	how := "with the API key and secret"
	if a.auth == AuthJWT {
		how = "with the API key and secret, which the Application API takes; messages are sent with JWTs signed by the account's privateKey"
	}
	res := providers.Result{
		OK: true,
		Message: fmt.Sprintf("Connected to the Vonage application %q (%s) %s. Replies go out from WhatsApp number +%s.",
			name, a.appID, how, a.number),
		Details: map[string]string{
			"applicationId":   a.appID,
			"applicationName": app.Name,
			"authentication":  a.auth,
			"whatsappNumber":  "+" + a.number,
			"webhookUrl":      acct.WebhookURL,
		},
	}
	key := p.checkKey(a, acct.ID, now(env), app.Keys.PublicKey)
	if key.detail != "" {
		res.Details["privateKey"] = key.detail
	}
	if m := app.Capabilities.Messages; m == nil {
		res.Message += " The application has no Messages capability, so Vonage sends it no WhatsApp messages: run Set Webhook to add it with this account's webhook URL."
	} else {
		in, st := m.Webhooks.InboundURL.Address, m.Webhooks.StatusURL.Address
		res.Details["inboundUrl"], res.Details["statusUrl"] = in, st
		res.Details["secureInboundMedia"] = strconv.FormatBool(m.AuthenticateInboundMedia)
		if m.Version != "" {
			res.Details["webhookVersion"] = m.Version
		}
		switch {
		case acct.WebhookURL == "":
			res.Message += " This account has no webhook URL yet: configure Switchboard's public URL, then run Set Webhook."
		case in != acct.WebhookURL || st != acct.WebhookURL:
			res.Message += fmt.Sprintf(" Its Messages webhooks differ from this account's webhook URL %s (inbound URL %q, status URL %q): run Set Webhook, or Switchboard receives no messages.",
				acct.WebhookURL, in, st)
		}
		if m.Version != "" && m.Version != webhookVersion {
			res.Message += " Its Messages webhooks use format " + m.Version + ", which Switchboard does not read: run Set Webhook to switch them to v1."
		}
		if m.AuthenticateInboundMedia {
			switch {
			case key.usable:
				res.Message += " Secure Inbound Media is on: customers' media are downloaded with JWTs signed by the account's privateKey."
			case a.privateKey == "":
				res.Message += " Secure Inbound Media is on: Vonage then hands out customers' media only for a JWT signed with the application's private key, " +
					"so customers' files cannot be downloaded until the account's privateKey is set; or turn it off in the application's Messages settings."
			default:
				res.Message += " Secure Inbound Media is on, and customers' files cannot be downloaded until the privateKey is fixed (below)."
			}
		}
	}
	if key.message != "" {
		res.Message += " " + key.message
	}
	if !key.ok {
		res.OK = false
	}
	return res, nil
}

// keyCheck is what Test Connection found of the account's privateKey.
type keyCheck struct {
	// ok is false when the key stops the account from working: missing
	// under authentication JWT, unusable, or not the application's.
	ok bool
	// usable is a key that signs and is not known to be the wrong one.
	usable bool
	// message is a sentence for the result, detail its short form
	// (Details["privateKey"]); both empty for a BASIC account without a key.
	message, detail string
}

// checkKey checks account a's privateKey against publicKey, the
// application's public key as the Application API shows it (maybe empty): it
// must parse, sign a JWT at now (through the provider's cache, keyed by
// accountID), and be the private half of publicKey.
func (p Provider) checkKey(a account, accountID string, now time.Time, publicKey string) keyCheck {
	jwt := a.auth == AuthJWT
	if a.privateKey == "" {
		if jwt {
			return keyCheck{message: "But nothing can be sent: " + ErrNoPrivateKey.Error() + ".", detail: "not set"}
		}
		return keyCheck{ok: true}
	}
	use := "Secure Inbound Media downloads cannot be signed"
	if jwt {
		use = "nothing can be sent"
	}
	_, priv, err := p.cache().signed(accountID, a, now)
	if err != nil {
		return keyCheck{message: "But " + use + ": " + err.Error() + ".", detail: "unusable"}
	}
	pub, shown := parsePublicKey(publicKey)
	switch {
	case !shown:
		return keyCheck{ok: true, usable: true, detail: "set (not compared: Vonage showed no public key)",
			message: "Vonage did not show the application's public key, so the privateKey was not compared with it; only a sent message proves it."}
	case !pub.Equal(&priv.PublicKey):
		return keyCheck{detail: "does not match the application's public key",
			message: "But the account's privateKey is not this application's: its public half differs from the public key Vonage holds for the application, " +
				"so Vonage would refuse every JWT signed with it (HTTP 401). Paste the private key downloaded when the application's current keys were generated, " +
				"or generate new keys in the Vonage Dashboard (Applications > Edit) and paste the new private key."}
	}
	msg := "The account's privateKey matches the application's public key"
	if jwt {
		msg += " and signs the JWTs messages are sent with."
	} else {
		msg += " and signs Secure Inbound Media downloads; set authentication to JWT to send messages with it too."
	}
	return keyCheck{ok: true, usable: true, detail: "matches the application's public key", message: msg}
}

// SetWebhook points the application's Messages webhooks, inbound and status,
// at the account's webhook URL (POST, webhook format v1) with the Application
// API: it reads the application (GET /v2/applications/{id}) and writes it
// back whole (PUT), changing only those webhooks and the format, so its name,
// public key, other capabilities and Messages settings (Secure Inbound Media)
// stay as they were; this is the procedure Vonage documents for changing an
// application (developer.vonage.com, Voice API signed webhooks: "Copy the
// response body" of the GET into the PUT). Sending the public key back
// matters: an update without one has Vonage make a new key pair, which would
// break whatever signs with the old private key, so an application shown
// without its public key is not written at all, and the result says where to
// set the URLs by hand. When the webhooks are already set, nothing is written.
// The result says what was set and what was there before; refusals give a
// result that is not OK, failures to reach Vonage stay errors. Like Test
// Connection it authenticates with the API key and secret, the only
// credentials the Application API takes, whatever the account's
// authentication.
func (Provider) SetWebhook(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	if acct.WebhookURL == "" {
		return providers.Result{Message: "This account has no webhook URL yet: configure Switchboard's public URL first."}, nil
	}
	a, err := settings(acct)
	if err == nil {
		err = a.credentials()
	}
	if err == nil {
		err = a.application()
	}
	if err != nil {
		return providers.Result{Message: "Cannot set the webhook: " + err.Error() + "."}, nil
	}
	var raw map[string]json.RawMessage
	if err := a.applications().call(ctx, env.HTTP, "set webhook", http.MethodGet, a.applicationPath(), nil, &raw); err != nil {
		return failure(err, "set webhook", a)
	}
	var before application
	if err := remarshal(raw, &before); err != nil {
		return failure(&decodeError{op: "set webhook", err: err}, "set webhook", a)
	}
	details := map[string]string{"applicationId": a.appID, "applicationName": before.Name, "webhookUrl": acct.WebhookURL,
		"inboundUrl": acct.WebhookURL, "statusUrl": acct.WebhookURL, "webhookVersion": webhookVersion}
	name := before.Name
	if name == "" {
		name = a.appID
	}
	if m := before.Capabilities.Messages; m != nil {
		details["previousInboundUrl"], details["previousStatusUrl"] = m.Webhooks.InboundURL.Address, m.Webhooks.StatusURL.Address
		if m.Webhooks.InboundURL.Address == acct.WebhookURL && m.Webhooks.StatusURL.Address == acct.WebhookURL &&
			m.Webhooks.InboundURL.HTTPMethod == http.MethodPost && m.Webhooks.StatusURL.HTTPMethod == http.MethodPost &&
			m.Version == webhookVersion {
			return providers.Result{OK: true, Details: details,
				Message: fmt.Sprintf("The Vonage application %q already sends its WhatsApp messages and statuses to %s; nothing was changed.", name, acct.WebhookURL)}, nil
		}
	}
	if !hasPublicKey(raw) {
		return providers.Result{Details: details, Message: fmt.Sprintf("Vonage did not show the public key of the application %q, and an update without it makes Vonage replace the application's key pair, "+
			"which would break whatever signs with the current private key; nothing was changed. In the Vonage Dashboard, open the application, enable Messages and set both its Inbound URL and Status URL to %s (POST).",
			name, acct.WebhookURL)}, nil
	}
	update, err := withMessagesWebhooks(raw, acct.WebhookURL)
	if err != nil {
		return failure(&decodeError{op: "set webhook", err: err}, "set webhook", a)
	}
	var after application
	if err := a.applications().call(ctx, env.HTTP, "set webhook", http.MethodPut, a.applicationPath(), update, &after); err != nil {
		return failure(err, "set webhook", a)
	}
	if m := after.Capabilities.Messages; m != nil && (m.Webhooks.InboundURL.Address != acct.WebhookURL || m.Webhooks.StatusURL.Address != acct.WebhookURL) {
		return providers.Result{Details: details, Message: fmt.Sprintf("Vonage accepted the update of the application %q but reports its Messages webhooks as %q and %q, not %s: check them in the Vonage Dashboard.",
			name, m.Webhooks.InboundURL.Address, m.Webhooks.StatusURL.Address, acct.WebhookURL)}, nil
	}
	msg := fmt.Sprintf("The Vonage application %q now sends WhatsApp messages (inbound URL) and their statuses (status URL) to %s, by POST in webhook format v1.", name, acct.WebhookURL)
	if details["previousInboundUrl"] != "" || details["previousStatusUrl"] != "" {
		msg += fmt.Sprintf(" Before, they went to %q and %q.", details["previousInboundUrl"], details["previousStatusUrl"])
	}
	if a.number != "" {
		msg += " The WhatsApp number +" + a.number + " must be linked to this application (Dashboard > Applications) for its messages to arrive."
	}
	return providers.Result{OK: true, Message: msg, Details: details}, nil
}

// hasPublicKey reports whether the application resource carries its public
// key (keys.public_key), which an update must send back.
func hasPublicKey(raw map[string]json.RawMessage) bool {
	var keys struct {
		PublicKey string `json:"public_key"`
	}
	return json.Unmarshal(raw["keys"], &keys) == nil && strings.TrimSpace(keys.PublicKey) != ""
}

// withMessagesWebhooks is the application resource raw with its Messages
// inbound and status webhooks set to webhookURL (POST) and the webhook format
// set to v1; every other field, known or not, is kept as Vonage gave it,
// except the resource's links, which an update does not take.
func withMessagesWebhooks(raw map[string]json.RawMessage, webhookURL string) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(raw))
	for k, v := range raw {
		if k != "_links" {
			out[k] = v
		}
	}
	caps, err := object(out["capabilities"])
	if err != nil {
		return nil, fmt.Errorf("capabilities: %w", err)
	}
	msgs, err := object(caps["messages"])
	if err != nil {
		return nil, fmt.Errorf("capabilities.messages: %w", err)
	}
	hooks, err := object(msgs["webhooks"])
	if err != nil {
		return nil, fmt.Errorf("capabilities.messages.webhooks: %w", err)
	}
	addr, err := json.Marshal(webhookAddress{Address: webhookURL, HTTPMethod: http.MethodPost})
	if err != nil {
		return nil, err
	}
	hooks["inbound_url"], hooks["status_url"] = addr, addr
	if msgs["webhooks"], err = json.Marshal(hooks); err != nil {
		return nil, err
	}
	msgs["version"] = json.RawMessage(`"` + webhookVersion + `"`)
	if caps["messages"], err = json.Marshal(msgs); err != nil {
		return nil, err
	}
	if out["capabilities"], err = json.Marshal(caps); err != nil {
		return nil, err
	}
	return out, nil
}

// object decodes a JSON object's members; absent or null is an empty object.
func object(raw json.RawMessage) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(raw) == 0 || string(raw) == "null" {
		return m, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, errors.New("not a JSON object")
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	return m, nil
}

// remarshal decodes members as out.
func remarshal(members map[string]json.RawMessage, out any) error {
	b, err := json.Marshal(members)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// failure turns a refusal into a result a person can act on: credentials
// Vonage does not accept, an application it does not know, other refusals, or
// an answer that was not Vonage's. Transport failures stay errors, wrapped
// with what was being done.
func failure(err error, what string, a account) (providers.Result, error) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		details := map[string]string{"httpStatus": strconv.Itoa(apiErr.HTTPStatus), "title": apiErr.Title, "detail": apiErr.Detail}
		if apiErr.Type != "" {
			details["type"] = apiErr.Type
		}
		switch {
		case apiErr.HTTPStatus == http.StatusUnauthorized:
			return providers.Result{Message: "Vonage does not accept this API key and secret (HTTP 401: " + apiErr.Reason() +
				"): copy both again from the Vonage Dashboard (API Settings).", Details: details}, nil
		case apiErr.HTTPStatus == http.StatusNotFound:
			return providers.Result{Message: "Vonage has no application " + a.appID + " that this API key can see (HTTP 404): check the application ID in the Vonage Dashboard (Applications).",
				Details: details}, nil
		case retryable(apiErr.HTTPStatus):
			return providers.Result{Message: "Vonage could not answer now: " + apiErr.Reason() + "; try again later.", Details: details}, nil
		}
		return providers.Result{Message: "Vonage refused: " + apiErr.Reason() + ".", Details: details}, nil
	}
	var stErr *statusError
	if errors.As(err, &stErr) {
		return providers.Result{Message: "Vonage answered HTTP " + strconv.Itoa(stErr.code) + " instead of an API answer; try again later.",
			Details: map[string]string{"httpStatus": strconv.Itoa(stErr.code)}}, nil
	}
	var decErr *decodeError
	if errors.As(err, &decErr) {
		return providers.Result{Message: "Vonage answered in an unexpected shape: " + decErr.err.Error() + "."}, nil
	}
	return providers.Result{}, fmt.Errorf("nexmo: %s: %w", what, err)
}
