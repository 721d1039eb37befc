package supervision

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
)

// Updates tells of changes to the queues and to agents' states and loads.
// core/inbox's Service is one: QueueUpdates returns a channel closed at the
// next change, to be asked for again after each.
type Updates interface {
	QueueUpdates() <-chan struct{}
}

// Options tune a Service; the zero value is usable.
type Options struct {
	// Now is the clock (default time.Now); tests fix it.
	Now func() time.Time
	// Interval is the least time between two snapshots of a Watch (default
	// 200ms): a burst of changes makes one snapshot, not one each.
	Interval time.Duration
	// Refresh is how often a Watch reads again when no change was announced
	// (default 1s), so a change Updates did not tell of shows all the same.
	Refresh time.Duration
	// Subscribers is told of each Watch that starts (+1) and ends (-1), for
	// a gauge of open subscriptions.
	Subscribers func(delta int)
}

// Defaults of Options.
const (
	DefaultInterval = 200 * time.Millisecond
	DefaultRefresh  = time.Second
)

// Service reads the queues, the agents and the figures of the viewer's
// tenant.
type Service struct {
	client   *ent.Client
	updates  Updates
	now      func() time.Time
	interval time.Duration
	refresh  time.Duration
	counted  func(delta int)
	watching atomic.Int64
}

// New returns a Service reading through client and woken by updates.
func New(client *ent.Client, updates Updates, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Refresh <= 0 {
		opts.Refresh = DefaultRefresh
	}
	if opts.Subscribers == nil {
		opts.Subscribers = func(int) {}
	}
	return &Service{client: client, updates: updates, now: opts.Now, interval: opts.Interval,
		refresh: opts.Refresh, counted: opts.Subscribers}
}

// Watching counts the Watch streams open now.
func (s *Service) Watching() int { return int(s.watching.Load()) }

// mayWatch lets supervisors, admins and internal work read the queues and
// figures. Agents may not: their queries see only their own conversations,
// and the figures of their colleagues are not theirs to read.
func mayWatch(ctx context.Context) error {
	v, ok := core.ViewerFrom(ctx)
	switch {
	case !ok:
		return core.ErrUnauthenticated
	case v.IsSystem(), v.HasRole(core.RoleAdmin, core.RoleSupervisor):
		return nil
	}
	return fmt.Errorf("supervision: %w", core.ErrForbidden)
}
