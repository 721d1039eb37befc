package inbox

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/core/accounts"
)

// webhookCheckTick is how often the run-once work looks for accounts whose
// webhook status is older than accounts.WebhookCheckEvery.
const webhookCheckTick = accounts.WebhookCheckEvery / 2

// runWebhookChecks reads the messengers' webhook status of the accounts
// whose status has gone stale, so that account health shows a webhook that
// broke (pointed elsewhere, switched off, failing deliveries) without anyone
// pressing Test Connection; until ctx ends. It is run-once work: one instance
// of a cluster asks each messenger.
func (s *Service) runWebhookChecks(ctx context.Context) {
	if s.accounts == nil {
		return
	}
	t := time.NewTicker(webhookCheckTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.accounts.CheckStaleWebhooks(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "inbox: webhook checks", "err", err)
		}
	}
}
