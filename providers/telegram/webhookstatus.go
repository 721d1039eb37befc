package telegram

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/providers"
)

var _ providers.WebhookStatusReader = Provider{}

// WebhookStatus reads getWebhookInfo: where Telegram sends the bot's updates,
// how many wait undelivered, and why the last delivery failed. A bot whose
// webhook Telegram cannot reach piles up pending updates and says why, which
// the account's health shows before customers give up.
func (p Provider) WebhookStatus(ctx context.Context, env providers.Env, acct providers.Account) (providers.WebhookStatus, error) {
	var info webhookInfo
	if err := p.call(ctx, env.HTTP, acct.Secrets["botToken"], "getWebhookInfo", nil, &info); err != nil {
		res, err := failure(err)
		if err != nil {
			return providers.WebhookStatus{}, err
		}
		return providers.WebhookStatus{Refusal: res.Message}, nil
	}
	return *info.status(), nil
}

// status is getWebhookInfo's answer as account health shows it.
func (info webhookInfo) status() *providers.WebhookStatus {
	pending := info.PendingUpdateCount
	st := &providers.WebhookStatus{URL: info.URL, Active: info.URL != "", PendingUpdates: &pending, LastError: info.LastErrorMessage}
	if info.LastErrorDate > 0 {
		st.LastErrorAt = time.Unix(info.LastErrorDate, 0).UTC()
	}
	return st
}
