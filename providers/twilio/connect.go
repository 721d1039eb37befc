package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/switchboard/switchboard/providers"
)

// sandboxNumber is the number of Twilio's WhatsApp Sandbox, which is configured
// in its own page of the Console.
const sandboxNumber = "+14155238886"

// accountResource is the part of the Account resource TestConnection reads. The
// resource also carries the auth_token, which is never decoded, let alone shown.
type accountResource struct {
	SID          string `json:"sid"`
	FriendlyName string `json:"friendly_name"`
	Status       string `json:"status"`
	Type         string `json:"type"`
}

// phoneNumbers is the part of an IncomingPhoneNumbers list page
// TestConnection reads.
type phoneNumbers struct {
	Numbers []struct {
		SID          string `json:"sid"`
		PhoneNumber  string `json:"phone_number"`
		FriendlyName string `json:"friendly_name"`
	} `json:"incoming_phone_numbers"`
}

// TestConnection fetches the Account resource with the account's credentials
// and reports its name, status and type (Trial or Full). An active account is
// OK; a suspended or closed one is not, as Twilio sends nothing for it.
// Credentials Twilio refuses give a result that is not OK and says so; failures
// to reach Twilio stay errors.
//
// For an active account it then looks the WhatsApp number up among the
// account's phone numbers (IncomingPhoneNumbers, filtered by PhoneNumber):
// found, its number as Twilio spells it is the identity stored on the account
// (Result.Settings whatsappNumber) and its friendly name is reported. Not
// found does not fail the test: a WhatsApp sender need not be a phone number
// of the account (the Sandbox, a number hosted elsewhere), and Twilio's API
// for senders is in beta, so only sending proves it; the result says so. A
// failed lookup is reported the same way.
func (Provider) TestConnection(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	a, err := settings(acct)
	if err == nil && a.number == "" {
		err = errNoNumber
	}
	if err != nil {
		return providers.Result{Message: "Cannot test the connection: " + err.Error() + "."}, nil
	}
	var info accountResource
	if err := a.call(ctx, env.HTTP, "test connection", http.MethodGet, a.accountPath(".json"), nil, &info); err != nil {
		return failure(err, "test connection", a)
	}
	name := info.FriendlyName
	if name == "" {
		name = a.sid
	}
	res := providers.Result{
		Details: map[string]string{
			"accountSid":     a.sid,
			"friendlyName":   info.FriendlyName,
			"status":         info.Status,
			"type":           info.Type,
			"whatsappNumber": whatsappPrefix + a.number,
		},
	}
	switch info.Status {
	case "active":
		res.OK = true
		res.Message = fmt.Sprintf("Connected to the Twilio account %q (%s). Replies go out from whatsapp:%s.", name, a.sid, a.number)
		if info.Type == "Trial" {
			res.Message += " It is a trial account: Twilio sends only to numbers verified in it."
		}
		if err := checkNumber(ctx, env, a, &res); err != nil {
			return providers.Result{}, err
		}
	case "suspended":
		res.Message = fmt.Sprintf("The Twilio account %q is suspended: Twilio sends no messages until it is reactivated.", name)
	case "closed":
		res.Message = fmt.Sprintf("The Twilio account %q is closed.", name)
	default:
		res.Message = fmt.Sprintf("The Twilio account %q has the status %q, not active.", name, info.Status)
	}
	return res, nil
}

// checkNumber looks the account's WhatsApp number up among its phone numbers
// and adds what it found to res; only the caller's own end (its context) is an
// error.
func checkNumber(ctx context.Context, env providers.Env, a account, res *providers.Result) error {
	var list phoneNumbers
	q := url.Values{"PhoneNumber": {a.number}}
	err := a.call(ctx, env.HTTP, "look up the WhatsApp number", http.MethodGet, a.accountPath("/IncomingPhoneNumbers.json?"+q.Encode()), nil, &list)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("twilio: test connection: %w", ctx.Err())
		}
		why := "Twilio did not answer"
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			why = apiErr.Reason()
		}
		res.Details["numberCheck"] = "failed: " + why
		res.Message += " Switchboard could not look the number up among the account's phone numbers (" + why + ")."
		return nil
	}
	for _, n := range list.Numbers {
		if e164(n.PhoneNumber) != a.number {
			continue
		}
		res.Details["numberSid"], res.Details["numberFriendlyName"] = n.SID, n.FriendlyName
		res.Details["numberCheck"] = "a phone number of this account"
		res.Settings = map[string]string{"whatsappNumber": e164(n.PhoneNumber)}
		res.Message += fmt.Sprintf(" %s is a phone number of this account (%q).", a.number, n.FriendlyName)
		return nil
	}
	if a.number == sandboxNumber {
		res.Details["numberCheck"] = "the WhatsApp Sandbox"
		res.Message += " It is Twilio's WhatsApp Sandbox: customers must first send it the join code shown in the Console."
		return nil
	}
	res.Details["numberCheck"] = "not a phone number of this account"
	res.Message += " " + a.number + " is not among the account's phone numbers: that is fine for a WhatsApp sender whose number is hosted elsewhere," +
		" but if it is not a WhatsApp sender of this account, Twilio refuses every reply (error 63007)."
	return nil
}

// SetWebhook cannot register the URL: the webhook of a WhatsApp sender is set
// in the Twilio Console (Twilio's API for senders is in public beta and on
// another host; setting the phone number's SmsUrl would redirect its SMS, not
// its WhatsApp messages). The result, not OK, says exactly where to paste the
// account's webhook URL, which Details carry too. Status callbacks need no
// setup: Send asks for them on every message.
func (Provider) SetWebhook(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	if acct.WebhookURL == "" {
		return providers.Result{Message: "This account has no webhook URL yet: configure Switchboard's public URL first."}, nil
	}
	number := e164(acct.Settings["whatsappNumber"])
	where := "In the Twilio Console open Messaging > Senders > WhatsApp senders, select whatsapp:" + number +
		" and set its webhook URL for incoming messages to " + acct.WebhookURL +
		" with method HTTP POST (if the sender belongs to a Messaging Service, set the service's Integration to \"Send a webhook\" with this Request URL instead)."
	if number == sandboxNumber {
		where = "In the Twilio Console open the WhatsApp Sandbox settings (Messaging > Try it out > Send a WhatsApp message) and set \"When a message comes in\" to " +
			acct.WebhookURL + " with method POST."
	}
	return providers.Result{
		Message: "Twilio has no generally available API to set a WhatsApp sender's webhook, so it must be pasted by hand. " + where +
			" Paste it exactly: Twilio signs every webhook with the URL it calls. Delivery and read receipts need no setup.",
		Details: map[string]string{
			"webhookUrl":    acct.WebhookURL,
			"webhookMethod": "POST",
		},
	}, nil
}

// failure turns a refusal into a result a person can act on: credentials Twilio
// does not accept, an unknown account, other errors, or an answer that was not
// Twilio's. Transport failures stay errors, wrapped with what was being done.
func failure(err error, what string, a account) (providers.Result, error) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		details := map[string]string{"httpStatus": strconv.Itoa(apiErr.HTTPStatus), "code": strconv.Itoa(apiErr.Code), "message": apiErr.Message}
		if apiErr.MoreInfo != "" {
			details["moreInfo"] = apiErr.MoreInfo
		}
		switch {
		case apiErr.Code == codeAuthenticate || apiErr.HTTPStatus == http.StatusUnauthorized:
			return providers.Result{Message: "Twilio does not accept this Account SID and Auth Token (error " + strconv.Itoa(apiErr.Code) +
				"): copy both again from the Twilio Console (Account Info on the dashboard).", Details: details}, nil
		case apiErr.Code == codeNotFound || apiErr.HTTPStatus == http.StatusNotFound:
			return providers.Result{Message: "Twilio knows no account " + a.sid + " (error " + strconv.Itoa(apiErr.Code) + "): check the Account SID.", Details: details}, nil
		}
		if retryable(apiErr.HTTPStatus, apiErr.Code) {
			return providers.Result{Message: "Twilio could not answer now: " + apiErr.Reason() + "; try again later.", Details: details}, nil
		}
		return providers.Result{Message: "Twilio refused: " + apiErr.Reason() + ".", Details: details}, nil
	}
	var stErr *statusError
	if errors.As(err, &stErr) {
		return providers.Result{Message: "Twilio answered HTTP " + strconv.Itoa(stErr.code) + " instead of an API answer; try again later.",
			Details: map[string]string{"httpStatus": strconv.Itoa(stErr.code)}}, nil
	}
	return providers.Result{}, fmt.Errorf("twilio: %s: %w", what, err)
}
