package telegram

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// allowedUpdates are the update types Switchboard handles; setWebhook asks for these.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

type botUser struct {
	ID        int64  `json:"id"`
	IsBot     bool   `json:"is_bot"`
	FirstName string `json:"first_name"`
	Username  string `json:"username"`
}

type webhookInfo struct {
	URL                  string `json:"url"`
	PendingUpdateCount   int    `json:"pending_update_count"`
	LastErrorDate        int64  `json:"last_error_date"`
	LastErrorMessage     string `json:"last_error_message"`
	MaxConnections       int    `json:"max_connections"`
	HasCustomCertificate bool   `json:"has_custom_certificate"`
}

// TestConnection calls getMe with the bot token and reports the bot's username,
// which the caller stores, and the webhook's state from getWebhookInfo.
func (p Provider) TestConnection(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	token := acct.Secrets["botToken"]
	var me botUser
	if err := p.call(ctx, env.HTTP, token, "getMe", nil, &me); err != nil {
		return failure(err)
	}
	res := providers.Result{
		OK:       true,
		Message:  fmt.Sprintf("Connected to bot @%s.", me.Username),
		Details:  map[string]string{"botId": fmt.Sprint(me.ID), "botUsername": me.Username, "firstName": me.FirstName},
		Settings: map[string]string{"botUsername": me.Username},
	}
	var info webhookInfo
	if err := p.call(ctx, env.HTTP, token, "getWebhookInfo", nil, &info); err == nil {
		addWebhookInfo(res.Details, info)
		res.Webhook = info.status()
	}
	return res, nil
}

// SetWebhook registers the account's webhook URL with a secret token that every
// webhook must carry, and the update types Switchboard handles.
func (p Provider) SetWebhook(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	token := acct.Secrets["botToken"]
	params := map[string]any{
		"url":             acct.WebhookURL,
		"secret_token":    acct.Secrets["webhookSecret"],
		"allowed_updates": allowedUpdates,
	}
	if err := p.call(ctx, env.HTTP, token, "setWebhook", params, nil); err != nil {
		return failure(err)
	}
	res := providers.Result{OK: true, Message: "Webhook set to " + acct.WebhookURL + ".", Details: map[string]string{}}
	var info webhookInfo
	if err := p.call(ctx, env.HTTP, token, "getWebhookInfo", nil, &info); err == nil {
		addWebhookInfo(res.Details, info)
		res.Webhook = info.status()
	}
	return res, nil
}

func addWebhookInfo(d map[string]string, info webhookInfo) {
	d["webhookUrl"] = info.URL
	d["pendingUpdateCount"] = itoa(info.PendingUpdateCount)
	if info.LastErrorMessage != "" {
		d["lastErrorMessage"] = info.LastErrorMessage
		d["lastErrorDate"] = time.Unix(info.LastErrorDate, 0).UTC().Format(time.RFC3339)
	}
}

// failure turns a Bot API refusal into a result a person can act on; transport
// failures stay errors.
func failure(err error) (providers.Result, error) {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return providers.Result{}, err
	}
	msg := "Telegram refused: " + apiErr.Description
	if apiErr.Code == 401 || apiErr.Code == 404 {
		msg = "Telegram does not accept this bot token (" + apiErr.Description + ")."
	}
	return providers.Result{OK: false, Message: msg, Details: map[string]string{"errorCode": itoa(apiErr.Code)}}, nil
}
