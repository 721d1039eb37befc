package inbox

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/ent"
)

// healthEvery is how stale an account's traffic times may get: they are
// written at most once a minute per account, not once per message.
const healthEvery = time.Minute

// healthMarks throttle the writes of the accounts' traffic times.
type healthMarks struct {
	inbound, sent throttle[int]
}

// markInbound records, within the writer's transaction, that an account's
// messenger delivered a customer's message.
func (s *Service) markInbound(ctx context.Context, c *ent.Client, accountID int) error {
	now := s.now()
	if !s.health.inbound.due(accountID, now) {
		return nil
	}
	return c.IntegrationAccount.UpdateOneID(accountID).SetLastInboundAt(now).Exec(ctx)
}

// markSent records the outcome of a reply for the account's health: the
// time of an accepted one (at most once a minute), or a refusal of the
// account's credentials with its reason (the dispatcher passes only those:
// a refusal about one customer or message says nothing of the account).
func (s *Service) markSent(ctx context.Context, c *ent.Client, accountID int, refusal string) error {
	now := s.now()
	if refusal != "" {
		s.health.sent.forget(accountID)
		return c.IntegrationAccount.UpdateOneID(accountID).SetLastSendError(refusal).SetLastSendErrorAt(now).Exec(ctx)
	}
	if !s.health.sent.due(accountID, now) {
		return nil
	}
	return c.IntegrationAccount.UpdateOneID(accountID).SetLastSentAt(now).Exec(ctx)
}
