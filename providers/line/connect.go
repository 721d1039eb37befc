package line

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/switchboard/switchboard/providers"
)

// botInfo is GET /v2/bot/info's answer: who the channel's Official Account is.
type botInfo struct {
	UserID         string `json:"userId"`
	BasicID        string `json:"basicId"`
	PremiumID      string `json:"premiumId"`
	DisplayName    string `json:"displayName"`
	PictureURL     string `json:"pictureUrl"`
	ChatMode       string `json:"chatMode"`
	MarkAsReadMode string `json:"markAsReadMode"`
}

// webhookEndpoint is GET /v2/bot/channel/webhook/endpoint's answer.
type webhookEndpoint struct {
	Endpoint string `json:"endpoint"`
	Active   bool   `json:"active"`
}

// webhookTest is POST /v2/bot/channel/webhook/test's answer: how LINE's test
// webhook to the endpoint went.
type webhookTest struct {
	Success    bool   `json:"success"`
	Timestamp  string `json:"timestamp"`
	StatusCode int    `json:"statusCode"`
	Reason     string `json:"reason"`
	Detail     string `json:"detail"`
}

// TestConnection gets the Official Account's identity (GET /v2/bot/info) with
// the channel access token and reports it, with where LINE sends webhooks and
// whether it sends them at all (the console's "Use webhook"), which replies and
// customers' messages both depend on. LINE has no call that checks the channel
// secret: a wrong one shows as webhooks answered 401.
func (p Provider) TestConnection(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	token := acct.Secrets["channelAccessToken"]
	if token == "" {
		return providers.Result{Message: "The account has no channel access token.", Details: map[string]string{}}, nil
	}
	var bot botInfo
	if err := do(ctx, env.HTTP, request{op: "get bot info", method: http.MethodGet, url: p.api() + "/v2/bot/info", token: token}, &bot); err != nil {
		return failure(err)
	}
	name := bot.DisplayName
	if bot.BasicID != "" {
		name += " (" + bot.BasicID + ")"
	}
	res := providers.Result{
		OK:      true,
		Message: "Connected to LINE Official Account " + name + ".",
		Details: map[string]string{
			"userId": bot.UserID, "basicId": bot.BasicID, "displayName": bot.DisplayName,
		},
	}
	for k, v := range map[string]string{"premiumId": bot.PremiumID, "pictureUrl": bot.PictureURL, "chatMode": bot.ChatMode, "markAsReadMode": bot.MarkAsReadMode} {
		if v != "" {
			res.Details[k] = v
		}
	}
	if acct.Secrets["channelSecret"] == "" {
		res.Details["channelSecret"] = "missing: webhooks cannot be verified"
	}
	if ep, known := p.addEndpoint(ctx, env.HTTP, token, res.Details); known {
		res.Webhook = ep.status()
	} else if why := res.Details["webhookError"]; why != "" {
		res.Webhook = &providers.WebhookStatus{Refusal: "LINE did not tell the webhook endpoint: " + why + "."}
	}
	return res, nil
}

// addEndpoint adds the webhook endpoint LINE has and whether it is in use, and
// returns it when one is set; known says LINE answered (404: none is set). Not
// knowing it does not fail a connection test.
func (p Provider) addEndpoint(ctx context.Context, hc *http.Client, token string, d map[string]string) (ep *webhookEndpoint, known bool) {
	var got webhookEndpoint
	err := do(ctx, hc, request{op: "get webhook endpoint", method: http.MethodGet, url: p.api() + "/v2/bot/channel/webhook/endpoint", token: token}, &got)
	var apiErr *APIError
	switch {
	case err == nil:
		d["webhookEndpoint"] = got.Endpoint
		d["webhookActive"] = strconv.FormatBool(got.Active)
		return &got, true
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
		d["webhookEndpoint"] = "" // "Webhook endpoint not found": none is set
		return nil, true
	case errors.As(err, &apiErr):
		d["webhookError"] = apiErr.Reason()
	}
	return nil, false
}

// SetWebhook points the channel's webhook at acct.WebhookURL (PUT
// /v2/bot/channel/webhook/endpoint) and has LINE send it a test webhook (POST
// /v2/bot/channel/webhook/test with that URL, which skips LINE's cache of up to
// a minute). The result is OK only when the test reached Switchboard; the
// endpoint stays set either way, and Details say what the test saw. Whether
// LINE sends webhooks at all ("Use webhook") is a console switch: it is
// reported, not changed.
func (p Provider) SetWebhook(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	token := acct.Secrets["channelAccessToken"]
	if token == "" {
		return providers.Result{Message: "The account has no channel access token.", Details: map[string]string{}}, nil
	}
	body := map[string]string{"endpoint": acct.WebhookURL}
	if err := do(ctx, env.HTTP, request{op: "set webhook endpoint", method: http.MethodPut, url: p.api() + "/v2/bot/channel/webhook/endpoint", token: token, body: body}, nil); err != nil {
		return failure(err)
	}
	d := map[string]string{"webhookEndpoint": acct.WebhookURL}
	var test webhookTest
	if err := do(ctx, env.HTTP, request{op: "test webhook endpoint", method: http.MethodPost, url: p.api() + "/v2/bot/channel/webhook/test", token: token, body: body}, &test); err != nil {
		res, ferr := failure(err)
		if ferr != nil {
			return res, ferr
		}
		res.Message = "Webhook set to " + acct.WebhookURL + ", but LINE could not test it: " + res.Message
		res.Details["webhookEndpoint"] = acct.WebhookURL
		return res, nil
	}
	d["testSuccess"] = strconv.FormatBool(test.Success)
	d["testStatusCode"] = strconv.Itoa(test.StatusCode)
	d["testReason"] = test.Reason
	d["testDetail"] = test.Detail
	if test.Timestamp != "" {
		d["testTimestamp"] = test.Timestamp
	}
	ep, known := p.addEndpoint(ctx, env.HTTP, token, d)
	d["webhookEndpoint"] = acct.WebhookURL // LINE's answer may still be its cached one
	var status *providers.WebhookStatus
	if known {
		// The endpoint was set above; LINE's answer may still be its cached one.
		status = &providers.WebhookStatus{URL: acct.WebhookURL, Active: ep != nil && ep.Active}
	}
	if !test.Success {
		return providers.Result{
			Message: fmt.Sprintf("Webhook set to %s, but LINE's test webhook failed: %s (%s).", acct.WebhookURL, test.Reason, test.Detail),
			Details: d,
			Webhook: status,
		}, nil
	}
	msg := "Webhook set to " + acct.WebhookURL + " and LINE's test webhook reached it."
	if ep != nil && !ep.Active {
		msg += ` LINE does not send webhooks yet: turn on "Use webhook" in the LINE Developers Console.`
	}
	return providers.Result{OK: true, Message: msg, Details: d, Webhook: status}, nil
}

// failure turns a refusal into a result a person can act on; transport
// failures and answers we cannot read stay errors (the caller words them).
func failure(err error) (providers.Result, error) {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		var stErr *statusError
		if errors.As(err, &stErr) {
			msg := fmt.Sprintf("LINE answered %s with HTTP %d %s.", stErr.op, stErr.status, http.StatusText(stErr.status))
			return providers.Result{Message: msg, Details: map[string]string{"status": strconv.Itoa(stErr.status)}}, nil
		}
		if errors.Is(err, errBadToken) {
			return providers.Result{Message: "The channel access token has characters a LINE token cannot have.", Details: map[string]string{}}, nil
		}
		return providers.Result{}, err
	}
	msg := "LINE refused: " + apiErr.Reason() + "."
	if apiErr.Status == http.StatusUnauthorized {
		msg = "LINE does not accept this channel access token (" + apiErr.Reason() + ")."
	}
	d := map[string]string{"status": strconv.Itoa(apiErr.Status)}
	if apiErr.RequestID != "" {
		d["requestId"] = apiErr.RequestID
	}
	return providers.Result{Message: msg, Details: d}, nil
}
