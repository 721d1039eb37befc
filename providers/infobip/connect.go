package infobip

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// balanceResponse is Infobip's account balance, GET /account/1/balance
// (https://dev.infobip.com/settings/account-balance: {"balance":47.79134,"currency":"EUR"}).
type balanceResponse struct {
	Balance  *float64 `json:"balance"`
	Currency string   `json:"currency"`
}

// businessInfo is a WhatsApp sender's business info,
// GET /whatsapp/1/senders/{sender}/business-info
// (https://www.infobip.com/docs/api/channels/whatsapp/whatsapp-service-management/get-whatsapp-sender-business-info).
type businessInfo struct {
	DisplayName string `json:"displayName"`
	About       string `json:"about"`
	Vertical    string `json:"vertical"`
}

// TestConnection reads the account balance (GET /account/1/balance), the
// cheapest call that needs nothing but the API key, and reports it. A key
// Infobip refuses, or an apiUrl that is not an Infobip API, gives a result
// that is not OK and says so; failures to reach Infobip stay errors.
//
// It then reads the WhatsApp sender's business info, which proves the number
// is a sender of this account and tells the name customers see (displayName,
// in Details and the message); the sender confirmed is stored as the
// account's whatsappNumber (Result.Settings). A sender Infobip does not know
// (404) fails the test: every reply would be rejected. Any other failure of
// that read (a key not allowed to read senders) is reported without failing
// it, since the key itself was proven.
func (Provider) TestConnection(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	a, err := settings(acct)
	if err == nil && a.number == "" {
		err = errNoNumber
	}
	if err != nil {
		return providers.Result{Message: "Cannot test the connection: " + err.Error() + "."}, nil
	}
	var bal balanceResponse
	if err := a.call(ctx, env.HTTP, "test connection", http.MethodGet, "/account/1/balance", nil, &bal); err != nil {
		res, _, err := failure(err, "test connection", a)
		return res, err
	}
	res := providers.Result{
		OK: true,
		Details: map[string]string{
			"apiUrl":         a.base,
			"whatsappNumber": "+" + a.number,
		},
	}
	res.Message = "Connected to Infobip at " + host(a.base) + ": it accepts the API key."
	if bal.Balance != nil {
		amount := strconv.FormatFloat(*bal.Balance, 'f', -1, 64)
		res.Details["balance"], res.Details["currency"] = amount, bal.Currency
		res.Message += " The account balance is " + strings.TrimSpace(amount+" "+bal.Currency) + "."
	}
	res.Message += " Replies go out from the WhatsApp sender +" + a.number + "."
	if err := checkSender(ctx, env, a, &res); err != nil {
		return providers.Result{}, err
	}
	return res, nil
}

// checkSender reads the account's WhatsApp sender's business info and adds
// what it found to res; only the caller's own end (its context) is an error.
func checkSender(ctx context.Context, env providers.Env, a account, res *providers.Result) error {
	var info businessInfo
	err := a.call(ctx, env.HTTP, "test connection", http.MethodGet, "/whatsapp/1/senders/"+a.number+"/business-info", nil, &info)
	if err == nil {
		res.Details["sender"] = "a WhatsApp sender of this account"
		res.Settings = map[string]string{"whatsappNumber": "+" + a.number}
		if name := strings.TrimSpace(info.DisplayName); name != "" {
			res.Details["displayName"] = providers.Truncate(name, 200)
			res.Message += " Customers see it as " + strconv.Quote(res.Details["displayName"]) + "."
		}
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("infobip: test connection: %w", ctx.Err())
	}
	why := "no answer"
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr):
		why = apiErr.Reason()
	case httpStatus(err) != 0:
		why = "HTTP " + strconv.Itoa(httpStatus(err))
	}
	why = redact(why, a.key)
	if httpStatus(err) == http.StatusNotFound {
		res.OK = false
		res.Details["sender"] = "not found"
		res.Message = "Infobip accepts the API key, but +" + a.number + " is not a WhatsApp sender of this account (" + why +
			"): check whatsappNumber against the senders listed in the Infobip portal (Channels and Numbers > WhatsApp). Every reply would be rejected."
		return nil
	}
	res.Details["sender"] = "not checked: " + why
	res.Message += " Switchboard could not read the sender's business info (" + why + "), so it could not check the sender; only a reply proves it."
	return nil
}

// subscriptionEvents are the WhatsApp events SetWebhook subscribes to
// (https://www.infobip.com/docs/cpaas-x/subscriptions-management/event-subscriptions).
var subscriptionEvents = []string{"INBOUND_MESSAGE", "DELIVERY", "SEEN"}

// subscriptionRequest is the body of POST /subscriptions/1/subscription/WHATSAPP
// (https://www.infobip.com/docs/api/platform/subscriptions-api/create-subscription):
// the subscription with a new notification profile and its security settings.
type subscriptionRequest struct {
	SubscriptionID string   `json:"subscriptionId"`
	Name           string   `json:"name"`
	Events         []string `json:"events"`
	Resources      []string `json:"resources"`
	Profile        profile  `json:"profile"`
}

type profile struct {
	ProfileID string          `json:"profileId"`
	Webhook   profileWebhook  `json:"webhook"`
	Security  securitySetting `json:"security"`
}

type profileWebhook struct {
	NotifyURL   string `json:"notifyUrl"`
	ContentType string `json:"contentType"`
}

type securitySetting struct {
	AuthID      string           `json:"authId"`
	Type        string           `json:"type"`
	Credentials basicCredentials `json:"credentials"`
}

type basicCredentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// SubscriptionID is the ID of the Infobip subscription SetWebhook keeps for an
// account; its notification profile is "<id>-profile" and its security
// settings "<id>-auth". Infobip puts these IDs in paths, so they hold letters,
// digits, "-" and "_" only: an account ID of other characters is hashed.
func SubscriptionID(accountID string) string {
	safe := accountID != "" && len(accountID) <= 200
	for _, r := range accountID {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			safe = false
			break
		}
	}
	if !safe {
		sum := sha256.Sum256([]byte(accountID))
		accountID = hex.EncodeToString(sum[:16])
	}
	return "switchboard-" + accountID
}

// SetWebhook points the account's WhatsApp sender at its webhook URL through
// Infobip's Subscriptions API: it removes the subscription, notification
// profile and security settings it created before (so running it again, after
// the API key or the public URL changed, replaces them) and creates a WhatsApp
// subscription to inbound messages, delivery and seen reports of the sender,
// whose profile posts JSON to the webhook URL with its token (NotifyURL) and
// HTTP Basic authentication (WebhookUser and a password derived from the API
// key), which VerifyWebhook checks. A number with its own inbound configuration in the portal keeps it
// until that configuration is set to follow subscriptions; the result says so.
//
// When Infobip does not let the key manage subscriptions, the result, not OK,
// says where to paste the webhook URL, token included, in the portal instead. Delivery and seen
// reports need no setup either way: Send names the webhook URL on every
// message. The password never appears in the result.
func (Provider) SetWebhook(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	if acct.WebhookURL == "" {
		return providers.Result{Message: "This account has no webhook URL yet: configure Switchboard's public URL first."}, nil
	}
	a, err := settings(acct)
	if err == nil && a.number == "" {
		err = errNoNumber
	}
	if err != nil {
		return providers.Result{Message: "Cannot set the webhook: " + err.Error() + "."}, nil
	}
	notify := NotifyURL(acct)
	sub := SubscriptionID(acct.ID)
	prof, auth := sub+"-profile", sub+"-auth"
	password := webhookPassword(a.key, acct.ID)
	for _, path := range []string{
		"/subscriptions/1/subscription/WHATSAPP/" + sub,
		"/subscriptions/1/profiles/" + prof,
		"/subscriptions/1/security/" + auth,
	} {
		// Nothing to delete (404, or another refusal of an unknown ID)
		// is fine: creating tells whether the way is clear.
		err := a.call(ctx, env.HTTP, "set webhook", http.MethodDelete, path, nil, nil)
		if st := httpStatus(err); err != nil && (st == 0 || st == http.StatusUnauthorized || retryable(st)) {
			return webhookFailure(err, a, notify, password)
		}
	}
	body := subscriptionRequest{
		SubscriptionID: sub,
		Name:           "Switchboard WhatsApp +" + a.number,
		Events:         subscriptionEvents,
		Resources:      []string{a.number},
		Profile: profile{
			ProfileID: prof,
			Webhook:   profileWebhook{NotifyURL: notify, ContentType: "application/json"},
			Security: securitySetting{AuthID: auth, Type: "BASIC",
				Credentials: basicCredentials{Username: WebhookUser, Password: password}},
		},
	}
	if err := a.call(ctx, env.HTTP, "set webhook", http.MethodPost, "/subscriptions/1/subscription/WHATSAPP", body, nil); err != nil {
		return webhookFailure(err, a, notify, password)
	}
	return providers.Result{
		OK: true,
		Message: "Infobip now sends the inbound messages, delivery and seen reports of the WhatsApp sender +" + a.number +
			" to " + notify + " (subscription " + sub + "), with HTTP Basic authentication that Switchboard checks." +
			" If the number has its own inbound configuration in the Infobip portal, set it to follow subscriptions, or it keeps sending where it did." +
			" After changing the API key, set the webhook again: the webhook's password is derived from it.",
		Details: map[string]string{
			"webhookUrl":     notify,
			"subscriptionId": sub,
			"events":         strings.Join(subscriptionEvents, ","),
			"authentication": "HTTP Basic, user " + WebhookUser,
		},
	}, nil
}

// httpStatus is the HTTP status Infobip refused with, 0 when err is no
// refusal (a transport or decoding failure).
func httpStatus(err error) int {
	var apiErr *APIError
	var stErr *statusError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.HTTPStatus
	case errors.As(err, &stErr):
		return stErr.code
	}
	return 0
}

// webhookFailure is the result of a refused subscription call: a key Infobip
// refuses, Infobip unavailable, or (for any other refusal, such as a key
// without permission to manage subscriptions) the steps to set the webhook by
// hand in the portal.
func webhookFailure(err error, a account, webhookURL, password string) (providers.Result, error) {
	res, final, ferr := failure(err, "set webhook", a, password)
	if ferr != nil || final {
		return res, ferr
	}
	res.Message = "Infobip did not let Switchboard create the webhook subscription: " + strings.TrimSuffix(res.Message, ".") +
		". Set it by hand: in the Infobip portal open Developer Tools > Subscriptions Management and create a WhatsApp subscription" +
		" for the events Inbound message, Delivery and Seen of the sender +" + a.number + ", whose notification profile has the webhook URL " +
		webhookURL + " (all of it: its token is how Switchboard knows the request comes from Infobip) and no authentication" +
		" (or forward the number's inbound messages to that URL in its inbound configuration)." +
		" Delivery and seen reports need no setup: every reply names the webhook URL."
	res.Details["webhookUrl"] = webhookURL
	return res, nil
}

// failure turns a refusal into a result a person can act on: an API key
// Infobip does not accept, an apiUrl that is not Infobip's, Infobip being
// unavailable, or its own words. final is true for the first and third, which
// no other setup can help. Transport failures stay errors, wrapped with what
// was being done. Whatever Infobip says, the key and extra secrets are blanked
// out of the result.
func failure(err error, what string, a account, secrets ...string) (res providers.Result, final bool, _ error) {
	var apiErr *APIError
	var stErr *statusError
	switch {
	case errors.As(err, &apiErr):
		res.Details = map[string]string{"httpStatus": strconv.Itoa(apiErr.HTTPStatus), "code": apiErr.Code, "text": apiErr.Text}
		switch {
		case apiErr.HTTPStatus == http.StatusUnauthorized:
			res.Message = "Infobip does not accept this API key (" + apiErr.Reason() + "): copy it again from the API keys of the Infobip portal, and check that apiUrl is this account's base URL."
			final = true
		case apiErr.HTTPStatus == http.StatusForbidden && what == "test connection":
			res.Message = "Infobip knows the API key but does not let it read the account balance, the call Switchboard tests it with (" +
				apiErr.Reason() + "). A key limited to WhatsApp may still send; allow it the balance to pass this test."
		case apiErr.HTTPStatus == http.StatusNotFound:
			res.Message = "Infobip has no such API at " + host(a.base) + " (" + apiErr.Reason() + "): check that apiUrl is this account's base URL."
		case retryable(apiErr.HTTPStatus):
			res.Message = "Infobip could not answer now (" + apiErr.Reason() + "); try again later."
			final = true
		default:
			res.Message = "Infobip refused: " + apiErr.Reason() + "."
		}
	case errors.As(err, &stErr):
		res.Details = map[string]string{"httpStatus": strconv.Itoa(stErr.code)}
		switch {
		case stErr.code == http.StatusUnauthorized:
			res.Message = "Infobip does not accept this API key (HTTP 401): copy it again from the API keys of the Infobip portal, and check that apiUrl is this account's base URL."
			final = true
		case stErr.code == http.StatusNotFound:
			res.Message = host(a.base) + " answered HTTP 404: check that apiUrl is this account's Infobip base URL."
		case retryable(stErr.code):
			res.Message = "Infobip answered HTTP " + strconv.Itoa(stErr.code) + " instead of an API answer; try again later."
			final = true
		default:
			res.Message = "Infobip answered HTTP " + strconv.Itoa(stErr.code) + " instead of an API answer."
		}
	default:
		return providers.Result{}, false, fmt.Errorf("infobip: %s: %w", what, err)
	}
	for _, s := range append(secrets, a.key) {
		res.Message = redact(res.Message, s)
		for k, v := range res.Details {
			res.Details[k] = redact(v, s)
		}
	}
	return res, final, nil
}

// redact blanks secret out of s.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "<redacted>")
}

// host is the host of a base URL, for messages.
func host(base string) string {
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return base
}
