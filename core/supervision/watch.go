package supervision

import (
	"context"
	"time"
)

// Watch streams the live queue to the viewer of ctx, converted by convert:
// a snapshot at once, then a new one after each change of a queue or of an
// agent's state or load. A burst of changes makes at most one snapshot per
// Options.Interval, and the last snapshot always shows the state after the
// last change. The stream ends (the channel closes) when ctx ends, or after
// ended is called with the reason when reading fails; a viewer whose role no
// longer allows watching (core.ErrForbidden) is cut off that way at the next
// change. No snapshot is read while the client has not taken the previous
// one: a slow client gets fewer, never stale ones at the end.
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
	go watch(ctx, s, changed, out, convert, ended)
	return out, nil
}

// watch sends a snapshot after each change until ctx ends or a read fails.
func watch[T any](ctx context.Context, s *Service, changed <-chan struct{}, out chan<- T, convert func(*Snapshot) T, ended func(error)) {
	defer func() {
		close(out)
		s.watching.Add(-1)
		s.counted(-1)
	}()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		// Changes that follow within the interval are taken in by the read
		// after it; the first of a quiet spell is shown at once.
		if wait := s.interval - time.Since(last); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
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
		select {
		case out <- convert(snap):
		case <-ctx.Done():
			return
		}
	}
}
