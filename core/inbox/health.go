package inbox

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard/switchboard/ent"
)

// healthEvery is how stale an account's traffic times may get: they are
// written at most once a minute per account, not once per message.
const healthEvery = time.Minute

// healthMarks remembers when each account's traffic times were last written.
type healthMarks struct {
	mu      sync.Mutex
	inbound map[int]time.Time
	sent    map[int]time.Time
}

// due reports whether the mark of id in m is older than healthEvery, and if
// so moves it to now.
func (h *healthMarks) due(m *map[int]time.Time, id int, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if *m == nil {
		*m = map[int]time.Time{}
	}
	if last, ok := (*m)[id]; ok && now.Sub(last) < healthEvery {
		return false
	}
	(*m)[id] = now
	return true
}

// forget makes the next mark of id in m due at once.
func (h *healthMarks) forget(m *map[int]time.Time, id int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(*m, id)
}

// markInbound records, within the writer's transaction, that an account's
// messenger delivered a customer's message.
func (s *Service) markInbound(ctx context.Context, c *ent.Client, accountID int) error {
	now := s.now()
	if !s.health.due(&s.health.inbound, accountID, now) {
		return nil
	}
	return c.IntegrationAccount.UpdateOneID(accountID).SetLastInboundAt(now).Exec(ctx)
}

// markSent records the outcome of a reply for the account's health: the
// time of an accepted one (at most once a minute), or a permanent refusal
// with its reason.
func (s *Service) markSent(ctx context.Context, c *ent.Client, accountID int, refusal string) error {
	now := s.now()
	if refusal != "" {
		s.health.forget(&s.health.sent, accountID)
		return c.IntegrationAccount.UpdateOneID(accountID).SetLastSendError(refusal).SetLastSendErrorAt(now).Exec(ctx)
	}
	if !s.health.due(&s.health.sent, accountID, now) {
		return nil
	}
	return c.IntegrationAccount.UpdateOneID(accountID).SetLastSentAt(now).Exec(ctx)
}
