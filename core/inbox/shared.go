package inbox

import (
	"context"
	"errors"
	"net/http"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/providers"
)

// HandleSharedWebhook receives a webhook at a messenger's shared address
// (/webhooks/facebook), where one app of the messenger sends the events of
// every account it serves: a handshake is answered for the account whose
// verify token it carries; a body goes to each account it names (each checks
// the signature and keeps its own part). The answer is the worst of theirs;
// 404 when no account is named, or the messenger has no shared address.
func (s *Service) HandleSharedWebhook(ctx context.Context, key string, req *providers.WebhookRequest) WebhookAnswer {
	p, ok := s.reg.ByKey(key)
	router, shared := p.(providers.SharedWebhookRouter)
	if !ok || !shared {
		return WebhookAnswer{Status: http.StatusNotFound}
	}
	spec := p.Spec()
	q := s.client.IntegrationAccount.Query().Where(integrationaccount.TypeEQ(integrationaccount.Type(spec.Type)))
	if spec.Provider != "" {
		q.Where(integrationaccount.ProviderEQ(integrationaccount.Provider(spec.Provider)))
	}
	accts, err := q.All(core.SystemContext(ctx))
	if err != nil {
		s.log.ErrorContext(ctx, "webhook: shared: accounts", "messenger", key, "err", err)
		return WebhookAnswer{Status: http.StatusServiceUnavailable}
	}
	byKey := map[string][]*WebhookTarget{}
	var targets []*WebhookTarget
	for _, a := range accts {
		t, ans := s.webhookTarget(ctx, a)
		if t == nil {
			if ans.Status >= 500 {
				return ans
			}
			continue
		}
		targets = append(targets, t)
		byKey[router.RouteKey(t.opened)] = append(byKey[router.RouteKey(t.opened)], t)
	}
	if req.Method == http.MethodGet {
		// A handshake: the account whose verify token it carries answers.
		status := http.StatusNotFound
		for _, t := range targets {
			resp, handshake, err := t.receiver.VerifyWebhook(t.opened, req)
			if err == nil && handshake {
				return WebhookAnswer{Status: http.StatusOK, Response: resp}
			}
			if errors.Is(err, providers.ErrForbidden) {
				status = http.StatusForbidden
			}
		}
		return WebhookAnswer{Status: status}
	}
	keys, err := router.RouteKeys(req.Body)
	if err != nil {
		return WebhookAnswer{Status: http.StatusBadRequest}
	}
	answer := WebhookAnswer{Status: http.StatusNotFound}
	done := map[*WebhookTarget]bool{}
	for _, k := range keys {
		for _, t := range byKey[k] {
			if done[t] {
				continue
			}
			done[t] = true
			ans := s.ReceiveWebhook(ctx, t, req)
			if answer.Status == http.StatusNotFound || ans.Status != http.StatusOK {
				answer = ans
			}
			if ans.Status != http.StatusOK {
				return answer // the messenger retries the whole body; what is stored stays deduplicated
			}
		}
	}
	return answer
}
