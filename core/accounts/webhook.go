package accounts

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/safeurl"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/providers"
)

// WebhookCheckEvery is how old an account's webhook status may get before the
// periodic check reads it again.
const WebhookCheckEvery = 10 * time.Minute

// webhookReadTimeout bounds one read of a messenger's webhook status, so a
// messenger that hangs does not hold up the checks of the other accounts.
const webhookReadTimeout = 15 * time.Second

// Webhook returns what a's messenger last reported of its webhook, nil until
// it was read or for messengers that cannot say.
func Webhook(a *ent.IntegrationAccount) *core.WebhookStatus { return a.WebhookStatus }

// webhookStatus turns what the messenger said into what the account keeps.
func (s *Service) webhookStatus(a *ent.IntegrationAccount, st providers.WebhookStatus) *core.WebhookStatus {
	out := &core.WebhookStatus{CheckedAt: s.now(), ReadError: st.Refusal}
	if st.Refusal != "" {
		return out
	}
	out.URL, out.Active, out.LastError = st.URL, st.Active, st.LastError
	out.PointsHere = st.URL != "" && st.URL == s.WebhookURL(a)
	if st.PendingUpdates != nil {
		n := *st.PendingUpdates
		out.PendingUpdates = &n
	}
	if !st.LastErrorAt.IsZero() {
		at := st.LastErrorAt.UTC()
		out.LastErrorAt = &at
	}
	return out
}

// recordWebhook stores a webhook status on the account; a failure is logged
// only, since the call it came with succeeded.
func (s *Service) recordWebhook(ctx context.Context, a *ent.IntegrationAccount, st *core.WebhookStatus) *ent.IntegrationAccount {
	out, err := s.db(ctx).IntegrationAccount.UpdateOne(a).SetWebhookStatus(st).Save(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "accounts: store the webhook status", "account", a.ID, "err", err)
		return a
	}
	return out
}

// CheckWebhook asks the account's messenger about its webhook and records the
// answer, or why there is none; nothing happens for messengers that cannot say.
func (s *Service) CheckWebhook(ctx context.Context, id int) error {
	a, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	return s.checkWebhook(ctx, a)
}

// checkWebhook is CheckWebhook of a loaded account.
func (s *Service) checkWebhook(ctx context.Context, a *ent.IntegrationAccount) error {
	b, err := s.Bind(a)
	if err != nil {
		return fmt.Errorf("accounts: read webhook status of account %d: %w", a.ID, err)
	}
	r, ok := b.Provider.(providers.WebhookStatusReader)
	if !ok {
		return nil
	}
	callCtx, cancel := context.WithTimeout(ctx, webhookReadTimeout)
	st, err := r.WebhookStatus(callCtx, s.env(), b.Opened)
	cancel()
	switch {
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("accounts: read webhook status: %w", ctx.Err())
	case err != nil && safeurl.IsRequestError(err):
		s.log.WarnContext(ctx, "accounts: webhook status read failed", "account", a.ID, "type", a.Type, "err", err, "detail", safeurl.Detail(err))
		st = providers.WebhookStatus{Refusal: "Could not reach the messenger: " + safeurl.PublicError(err) + "."}
	case err != nil:
		s.log.WarnContext(ctx, "accounts: webhook status not understood", "account", a.ID, "type", a.Type, "err", err)
		st = providers.WebhookStatus{Refusal: "The messenger answered in a way Switchboard does not understand."}
	}
	if err := s.db(ctx).IntegrationAccount.UpdateOne(a).SetWebhookStatus(s.webhookStatus(a, st)).Exec(ctx); err != nil {
		return store.Wrap(err, "accounts: store the webhook status")
	}
	return nil
}

// CheckStaleWebhooks reads the webhook status of every active account, of
// every tenant, whose messenger can say and whose status is older than
// WebhookCheckEvery, one account after another. The run-once work calls it
// periodically, so a webhook that breaks shows in health without anyone
// pressing Test Connection.
func (s *Service) CheckStaleWebhooks(ctx context.Context) error {
	ctx = core.SystemContext(ctx)
	all, err := s.client.IntegrationAccount.Query().
		Where(integrationaccount.StatusEQ(integrationaccount.StatusACTIVE)).All(ctx)
	if err != nil {
		return fmt.Errorf("accounts: accounts to check: %w", err)
	}
	for _, a := range all {
		if st := a.WebhookStatus; st != nil && s.now().Sub(st.CheckedAt) < WebhookCheckEvery {
			continue
		}
		if _, p, err := s.Spec(a); err != nil {
			continue
		} else if _, ok := p.(providers.WebhookStatusReader); !ok {
			continue
		}
		if err := s.checkWebhook(ctx, a); err != nil {
			if ctx.Err() != nil {
				return err
			}
			s.log.WarnContext(ctx, "accounts: webhook check", "account", a.ID, "err", err)
		}
	}
	return nil
}

// webhookAfterCall records the webhook status a Test Connection or Set
// Webhook read along. A failed connection test of a messenger that could say
// records why it cannot: the same credentials would be refused.
func (s *Service) webhookAfterCall(ctx context.Context, a *ent.IntegrationAccount, res Result, test bool) *ent.IntegrationAccount {
	if res.webhook != nil {
		return s.recordWebhook(ctx, a, s.webhookStatus(a, *res.webhook))
	}
	if !test || res.OK {
		return a
	}
	if _, p, err := s.Spec(a); err != nil {
		return a
	} else if _, ok := p.(providers.WebhookStatusReader); !ok {
		return a
	}
	return s.recordWebhook(ctx, a, &core.WebhookStatus{CheckedAt: s.now(), ReadError: res.Message})
}
