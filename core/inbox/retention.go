package inbox

import (
	"context"
	"fmt"
	"time"

	"database/sql"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/event"
	"github.com/switchboard/switchboard/ent/webhookevent"
)

// Retention keeps the two logs that only grow from growing for ever: the
// event log behind subscriptions (a client resumes from a cursor minutes or
// hours old, not months) and the raw bodies of processed webhooks (kept to
// refuse a provider's redelivery and to show what arrived). Conversations and
// messages are the contact center's records and are never pruned here.
//
// Pruning is run-once work: in a cluster only the lease holder prunes.

// pruneEvery is how often the retention pass runs on the lease holder.
const pruneEvery = time.Hour

// pruneBatch bounds the rows one DELETE removes, and prunePause spaces the
// batches, so a first pass over a large backlog (an upgrade, a lowered
// retention) never holds the write lock for long nor takes the disk from
// the message path: about 20,000 rows a second at most.
const (
	pruneBatch = 1000
	prunePause = 50 * time.Millisecond
)

// pace waits between two batches of a pass; false when ctx ended.
func pace(ctx context.Context) bool {
	t := time.NewTimer(prunePause)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Pruned says what one retention pass removed.
type Pruned struct {
	Events, Webhooks int
}

// pruneFirst is how long after the run-once work starts the first pass runs:
// a starting server's disk is the message path's (held messages, a backlog
// of webhooks), and a restarted one pruned an hour ago at most.
const pruneFirst = time.Minute

// runRetention prunes pruneFirst after the start and then every pruneEvery,
// until ctx ends.
func (s *Service) runRetention(ctx context.Context) {
	if s.opts.EventRetention <= 0 && s.opts.WebhookRetention <= 0 {
		return
	}
	t := time.NewTimer(pruneFirst)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if p, err := s.Prune(ctx); err != nil {
			if ctx.Err() == nil {
				s.log.ErrorContext(ctx, "inbox: retention", "err", err)
			}
		} else if p.Events+p.Webhooks > 0 {
			s.log.InfoContext(ctx, "inbox: retention pruned", "events", p.Events, "webhooks", p.Webhooks)
		}
		t.Reset(pruneEvery)
	}
}

// Prune removes events older than Options.EventRetention and processed
// webhooks older than Options.WebhookRetention (failed ones stay until they
// are replayed or their account is deleted: they are an admin's to look at).
// The newest event is always kept, so the log's first ID keeps telling how
// far it was pruned (see cursorExpired).
func (s *Service) Prune(ctx context.Context) (Pruned, error) {
	sys := core.SystemContext(ctx)
	var p Pruned
	now := s.now()
	if r := s.opts.EventRetention; r > 0 {
		newest, ok, err := s.eventBound(sys, ent.Max(event.FieldID))
		if err != nil || !ok {
			return p, err
		}
		for {
			ids, err := s.client.Event.Query().
				Where(event.CreatedAtLT(now.Add(-r)), event.IDLT(newest)).
				Order(ent.Asc(event.FieldID)).Limit(pruneBatch).IDs(sys)
			if err != nil {
				return p, fmt.Errorf("inbox: retention: old events: %w", err)
			}
			if len(ids) == 0 {
				break
			}
			// Everything up to the batch's last ID goes: the log is pruned
			// as a prefix, which is what cursorExpired relies on.
			n, err := s.client.Event.Delete().Where(event.IDLTE(ids[len(ids)-1])).Exec(sys)
			if err != nil {
				return p, fmt.Errorf("inbox: retention: delete events: %w", err)
			}
			p.Events += n
			if len(ids) < pruneBatch || !pace(ctx) {
				break
			}
		}
	}
	if r := s.opts.WebhookRetention; r > 0 {
		for {
			ids, err := s.client.WebhookEvent.Query().
				Where(webhookevent.StatusEQ(webhookevent.StatusPROCESSED), webhookevent.ReceivedAtLT(now.Add(-r))).
				Limit(pruneBatch).IDs(sys)
			if err != nil {
				return p, fmt.Errorf("inbox: retention: old webhooks: %w", err)
			}
			if len(ids) == 0 {
				break
			}
			n, err := s.client.WebhookEvent.Delete().Where(webhookevent.IDIn(ids...)).Exec(sys)
			if err != nil {
				return p, fmt.Errorf("inbox: retention: delete webhooks: %w", err)
			}
			p.Webhooks += n
			if len(ids) < pruneBatch || !pace(ctx) {
				break
			}
		}
	}
	return p, nil
}

// cursorExpired reports whether events after cursor may have been pruned:
// the log is pruned as a prefix of IDs, so that is when cursor lies before
// the log's first event. Cursor 0 (everything kept) is never expired.
func (s *Service) cursorExpired(ctx context.Context, cursor int) (bool, error) {
	if cursor <= 0 || s.opts.EventRetention <= 0 {
		return false, nil
	}
	first, ok, err := s.eventBound(core.SystemContext(ctx), ent.Min(event.FieldID))
	if err != nil || !ok {
		return false, err
	}
	return cursor < first-1, nil
}

// eventBound reads the log's first or last ID (ent.Min or ent.Max of the
// ID); ok is false for an empty log.
func (s *Service) eventBound(ctx context.Context, agg ent.AggregateFunc) (id int, ok bool, err error) {
	var row []struct {
		Value sql.NullInt64 `json:"value"`
	}
	if err := s.client.Event.Query().Aggregate(func(sel *entsql.Selector) string {
		return entsql.As(agg(sel), "value")
	}).Scan(ctx, &row); err != nil {
		return 0, false, fmt.Errorf("inbox: the event log's bounds: %w", err)
	}
	if len(row) != 1 || !row[0].Value.Valid {
		return 0, false, nil
	}
	return int(row[0].Value.Int64), true, nil
}
