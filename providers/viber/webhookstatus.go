package viber

import (
	"context"

	"github.com/switchboard/switchboard/providers"
)

var _ providers.WebhookStatusReader = Provider{}

// WebhookStatus reads get_account_info, whose answer names the bot's webhook:
// the cheapest call that says where Viber sends its callbacks. Viber reports
// no delivery failures.
func (p Provider) WebhookStatus(ctx context.Context, env providers.Env, acct providers.Account) (providers.WebhookStatus, error) {
	token := authToken(acct)
	if token == "" {
		return providers.WebhookStatus{Refusal: "The account has no Viber token."}, nil
	}
	var info accountInfo
	if err := p.call(ctx, env.HTTP, token, "get_account_info", struct{}{}, &info); err != nil {
		res, err := failure(err, "read webhook")
		if err != nil {
			return providers.WebhookStatus{}, err
		}
		return providers.WebhookStatus{Refusal: res.Message}, nil
	}
	return providers.WebhookStatus{URL: info.Webhook, Active: info.Webhook != ""}, nil
}
