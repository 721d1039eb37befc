package viber

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/switchboard/switchboard/providers"
)

// eventTypes are the callbacks set_webhook asks for: every one Viber lets a bot
// filter (message callbacks always come).
var eventTypes = []string{"delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"}

// usernamePattern is what the botUsername setting accepts; a URI outside it is
// reported but not stored.
var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_.]{1,100}$`)

// accountInfo is get_account_info's answer, as far as it identifies the bot.
type accountInfo struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	URI              string   `json:"uri"`
	Category         string   `json:"category"`
	Country          string   `json:"country"`
	Webhook          string   `json:"webhook"`
	EventTypes       []string `json:"event_types"`
	SubscribersCount int64    `json:"subscribers_count"`
}

// TestConnection calls get_account_info with the token and reports the bot's
// identity (id, name, uri, subscribers), its webhook and whether that is this
// account's webhook URL. The uri is the bot's username, which the caller stores
// as botUsername, and the name its display name, stored as botName for the
// sender name of our messages. A token Viber refuses gives a result that is not OK and says
// so; failures to reach Viber stay errors.
func (p Provider) TestConnection(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	token := authToken(acct)
	if token == "" {
		return providers.Result{Message: "The account has no Viber token."}, nil
	}
	var info accountInfo
	if err := p.call(ctx, env.HTTP, token, "get_account_info", struct{}{}, &info); err != nil {
		return failure(err, "test connection")
	}
	res := providers.Result{
		OK:      true,
		Message: "Connected to the Viber bot " + describe(info) + ".",
		Details: map[string]string{
			"id":               info.ID,
			"name":             info.Name,
			"uri":              info.URI,
			"subscribersCount": strconv.FormatInt(info.SubscribersCount, 10),
			"webhook":          info.Webhook,
			"eventTypes":       strings.Join(info.EventTypes, ","),
		},
	}
	switch {
	case info.Webhook == "":
		res.Message += " No webhook is set: set it to receive messages."
	case acct.WebhookURL != "" && info.Webhook != acct.WebhookURL:
		res.Details["webhookMatches"] = "false"
		res.Message += " Its webhook points elsewhere: set it again to receive messages here."
	case acct.WebhookURL != "":
		res.Details["webhookMatches"] = "true"
	}
	res.Settings = map[string]string{}
	res.Webhook = &providers.WebhookStatus{URL: info.Webhook, Active: info.Webhook != ""}
	if usernamePattern.MatchString(info.URI) {
		res.Settings["botUsername"] = info.URI
	}
	if name := strings.TrimSpace(info.Name); name != "" && !strings.ContainsFunc(name, unicode.IsControl) {
		res.Settings["botName"] = name
	}
	if len(res.Settings) == 0 {
		res.Settings = nil
	}
	return res, nil
}

// SetWebhook registers the account's webhook URL for every callback Viber can
// send, with the users' names and photos. Viber accepts only https URLs with a
// certificate from a trusted CA, and calls the URL while it runs, so the signed
// handshake must already be answered; a URL that is not https is refused here,
// without asking Viber.
func (p Provider) SetWebhook(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	token := authToken(acct)
	if token == "" {
		return providers.Result{Message: "The account has no Viber token."}, nil
	}
	u, err := url.Parse(acct.WebhookURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return providers.Result{
			Message: "Viber accepts only https webhook URLs with a certificate from a trusted CA, and this account's webhook URL is " +
				strconv.Quote(acct.WebhookURL) + ": configure Switchboard's public URL with https.",
			Details: map[string]string{"webhookUrl": acct.WebhookURL},
		}, nil
	}
	params := map[string]any{
		"url":         acct.WebhookURL,
		"event_types": eventTypes,
		"send_name":   true,
		"send_photo":  true,
	}
	var ans struct {
		EventTypes []string `json:"event_types"`
	}
	if err := p.call(ctx, env.HTTP, token, "set_webhook", params, &ans); err != nil {
		return failure(err, "set webhook")
	}
	if len(ans.EventTypes) == 0 {
		ans.EventTypes = eventTypes // Viber answers with what it will send; assume what was asked
	}
	return providers.Result{
		OK:      true,
		Message: "Webhook set to " + acct.WebhookURL + "; Viber checked it and will send messages and " + strings.Join(ans.EventTypes, ", ") + " callbacks.",
		Details: map[string]string{"webhookUrl": acct.WebhookURL, "eventTypes": strings.Join(ans.EventTypes, ",")},
		Webhook: &providers.WebhookStatus{URL: acct.WebhookURL, Active: true},
	}, nil
}

// describe names a bot for a person: its name and URI.
func describe(info accountInfo) string {
	switch {
	case info.Name != "" && info.URI != "":
		return strconv.Quote(info.Name) + " (" + info.URI + ")"
	case info.Name != "":
		return strconv.Quote(info.Name)
	case info.URI != "":
		return info.URI
	}
	return info.ID
}

// failure turns a refusal into a result a person can act on: a token Viber does
// not accept, an unusable webhook URL, other statuses, or an answer that was not
// Viber's. Transport failures stay errors, wrapped with what was being done.
func failure(err error, what string) (providers.Result, error) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		details := map[string]string{"status": strconv.Itoa(apiErr.Status), "statusMessage": apiErr.StatusMessage}
		switch apiErr.Status {
		case statusInvalidAuthToken:
			return providers.Result{Message: "Viber does not accept this token (" + apiErr.StatusMessage + "): copy it again from the bot's settings.", Details: details}, nil
		case statusInvalidURL:
			return providers.Result{Message: "Viber refused the webhook URL (" + apiErr.StatusMessage + "). Viber calls the URL while setting it, and needs an answer 200 over https with a certificate from a trusted CA.", Details: details}, nil
		}
		return providers.Result{Message: "Viber refused: " + apiErr.Reason() + ".", Details: details}, nil
	}
	var stErr *statusError
	if errors.As(err, &stErr) {
		return providers.Result{Message: "Viber answered HTTP " + strconv.Itoa(stErr.code) + " instead of an API answer; try again later.",
			Details: map[string]string{"httpStatus": strconv.Itoa(stErr.code)}}, nil
	}
	return providers.Result{}, fmt.Errorf("viber: %s: %w", what, err)
}
