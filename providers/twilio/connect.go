package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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

// TestConnection fetches the Account resource with the account's credentials
// and reports its name, status and type (Trial or Full). An active account is
// OK; a suspended or closed one is not, as Twilio sends nothing for it.
// Credentials Twilio refuses give a result that is not OK and says so; failures
// to reach Twilio stay errors. The WhatsApp number is not checked: a WhatsApp
// sender need not be a phone number of the account (the Sandbox, a number
// hosted elsewhere), and Twilio's API for senders is in beta, so only sending
// proves it.
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
	case "suspended":
		res.Message = fmt.Sprintf("The Twilio account %q is suspended: Twilio sends no messages until it is reactivated.", name)
	case "closed":
		res.Message = fmt.Sprintf("The Twilio account %q is closed.", name)
	default:
		res.Message = fmt.Sprintf("The Twilio account %q has the status %q, not active.", name, info.Status)
	}
	return res, nil
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
