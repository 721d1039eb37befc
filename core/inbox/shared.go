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
// 404 when the messenger has no shared address, 400 for a body that names
// no account key at all.
//
// A body about keys no account has (a Page still subscribed to the app after
// its account was deleted, a number added to the app but not to Switchboard)
// is answered 200 with a warning naming the keys, and nothing is stored: Meta
// retries any other answer for 36 hours and may then disable the app's whole
// webhook, every account's included. Without the key's account there is no
// secret to check the signature with, so the body must be signed as one of
// the messenger's accounts would take it (the same app's secret); otherwise
// it is answered 401, as an unknown sender is on an account's own address.
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
	if err != nil || len(keys) == 0 {
		return WebhookAnswer{Status: http.StatusBadRequest}
	}
	var answer *WebhookAnswer
	var unknown []string
	done := map[*WebhookTarget]bool{}
	for _, k := range keys {
		if len(byKey[k]) == 0 {
			unknown = append(unknown, k)
			continue
		}
		for _, t := range byKey[k] {
			if done[t] {
				continue
			}
			done[t] = true
			ans := s.ReceiveWebhook(ctx, t, req)
			if answer == nil || ans.Status != http.StatusOK {
				answer = &ans
			}
			if ans.Status != http.StatusOK {
				return ans // the messenger retries the whole body; what is stored stays deduplicated
			}
		}
	}
	if len(unknown) == 0 {
		return *answer
	}
	if answer == nil && !signedForAny(targets, req) {
		return WebhookAnswer{Status: http.StatusUnauthorized}
	}
	s.log.WarnContext(ctx, "webhook: shared: no account for these keys; acknowledged, nothing stored",
		"messenger", key, "keys", logKeys(unknown))
	if answer == nil {
		return WebhookAnswer{Status: http.StatusOK}
	}
	return *answer
}

// signedForAny reports whether an account of the shared address takes req as
// authentic: the body is signed with the app secret of one of them.
func signedForAny(targets []*WebhookTarget, req *providers.WebhookRequest) bool {
	for _, t := range targets {
		if _, handshake, err := t.receiver.VerifyWebhook(t.opened, req); err == nil && !handshake {
			return true
		}
	}
	return false
}

// logKeys is the keys for a log line, bounded: the body is the sender's, and
// a log must not grow with what a sender chose to put in it.
func logKeys(keys []string) []string {
	const maxKeys, maxLen = 10, 64
	out := make([]string, 0, min(len(keys), maxKeys))
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		if len(out) == maxKeys {
			out = append(out, "(and more)")
			break
		}
		if len(k) > maxLen {
			k = k[:maxLen] + "..."
		}
		out = append(out, k)
	}
	return out
}
