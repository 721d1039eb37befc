package supervision

import (
	"context"
	"slices"
	"time"
)

// Watch streams the live queue to the viewer of ctx, converted by convert:
// a snapshot at once, then a new one whenever a queue or an agent's state or
// load has changed. A burst of changes makes at most one snapshot per
// Options.Interval, and the last snapshot always shows the state after the
// last change. The stream ends (the channel closes) when ctx ends, or after
// ended is called with the reason when reading fails; a viewer whose role no
// longer allows watching (core.ErrForbidden) is cut off that way. No
// snapshot is read while the client has not taken the previous one: a slow
// client gets fewer snapshots, never a stale one at the end.
//
// Changes are announced by Updates; as that is news, not data, Watch does
// not rely on it alone. It reads again Options.Interval after each
// announced change (an announcement may come before its transaction has
// committed) and every Options.Refresh without one (a change nobody
// announced), and sends only what differs from the last snapshot sent
// (waits growing with time do not count: clients have queuedAt and at).
func Watch[T any](ctx context.Context, s *Service, convert func(*Snapshot) T, ended func(error)) (<-chan T, error) {
	// The change channel is taken before the first read, so a change while
	// it reads is not missed.
	changed := s.updates.QueueUpdates()
	first, err := s.Queue(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan T, 1)
	out <- convert(first)
	s.watching.Add(1)
	s.counted(1)
	go watch(ctx, s, first, changed, out, convert, ended)
	return out, nil
}

// watch sends a snapshot after each change until ctx ends or a read fails.
func watch[T any](ctx context.Context, s *Service, sent *Snapshot, changed <-chan struct{}, out chan<- T, convert func(*Snapshot) T, ended func(error)) {
	defer func() {
		close(out)
		s.watching.Add(-1)
		s.counted(-1)
	}()
	next := time.NewTimer(s.refresh)
	defer next.Stop()
	last := time.Now()
	for {
		announced := false
		select {
		case <-ctx.Done():
			return
		case <-changed:
			announced = true
		case <-next.C:
		}
		// Changes that follow within the interval are taken in by the read
		// after it; the first of a quiet spell is read at once.
		if wait := s.interval - time.Since(last); announced && wait > 0 && !sleep(ctx, wait) {
			return
		}
		changed = s.updates.QueueUpdates()
		snap, err := s.Queue(ctx)
		if err != nil {
			if ctx.Err() == nil && ended != nil {
				ended(err)
			}
			return
		}
		last = time.Now()
		if announced {
			next.Reset(s.interval)
		} else {
			next.Reset(s.refresh)
		}
		if sameState(sent, snap) {
			continue
		}
		select {
		case out <- convert(snap):
			sent = snap
		case <-ctx.Done():
			return
		}
	}
}

// sleep waits for d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// sameState reports whether two snapshots show the same queues and agents,
// apart from the time they were read at and the waits that grow with it.
func sameState(a, b *Snapshot) bool {
	return slices.EqualFunc(a.Services, b.Services, func(x, y ServiceQueue) bool {
		return x.ServiceID == y.ServiceID && x.Name == y.Name && x.Waiting == y.Waiting && x.Offered == y.Offered &&
			x.oldest.Equal(y.oldest) && slices.EqualFunc(x.Conversations, y.Conversations, func(c, d Waiting) bool {
			return c.ConversationID == d.ConversationID && c.QueuedAt.Equal(d.QueuedAt) && c.Priority == d.Priority &&
				samePtr(c.OfferedTo, d.OfferedTo)
		})
	}) && slices.EqualFunc(a.Agents, b.Agents, func(x, y Agent) bool {
		return x.ID == y.ID && x.Name == y.Name && x.Role == y.Role && x.State == y.State && x.Reason == y.Reason &&
			sameTime(x.Since, y.Since) && x.Open == y.Open && x.Offers == y.Offers && x.Capacity == y.Capacity &&
			slices.Equal(x.ServiceIDs, y.ServiceIDs)
	})
}

func samePtr(a, b *int) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func sameTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}
