package line

import (
	"context"
	"errors"
	"net/http"

	"github.com/switchboard/switchboard/providers"
)

var _ providers.WebhookStatusReader = Provider{}

// WebhookStatus reads GET /v2/bot/channel/webhook/endpoint: where LINE sends
// the channel's webhooks and whether it sends them at all (the console's "Use
// webhook", which Set Webhook cannot turn on). LINE answers 404 when no
// endpoint is set. It does not call the test endpoint, which would send a
// webhook each time.
func (p Provider) WebhookStatus(ctx context.Context, env providers.Env, acct providers.Account) (providers.WebhookStatus, error) {
	token := acct.Secrets["channelAccessToken"]
	if token == "" {
		return providers.WebhookStatus{Refusal: "The account has no channel access token."}, nil
	}
	var ep webhookEndpoint
	err := do(ctx, env.HTTP, request{op: "get webhook endpoint", method: http.MethodGet, url: p.api() + "/v2/bot/channel/webhook/endpoint", token: token}, &ep)
	var apiErr *APIError
	switch {
	case err == nil:
		return *ep.status(), nil
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
		return providers.WebhookStatus{}, nil // "Webhook endpoint not found": none is set
	}
	res, err := failure(err)
	if err != nil {
		return providers.WebhookStatus{}, err
	}
	return providers.WebhookStatus{Refusal: res.Message}, nil
}

// status is LINE's answer about the endpoint as account health shows it; nil
// (no endpoint set) shows as no URL and inactive.
func (ep *webhookEndpoint) status() *providers.WebhookStatus {
	if ep == nil {
		return &providers.WebhookStatus{}
	}
	return &providers.WebhookStatus{URL: ep.Endpoint, Active: ep.Active}
}
