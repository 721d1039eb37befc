package inbox

import (
	"context"
	"fmt"
	"strconv"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/event"
)

// replayPage is how many logged events a resumed subscription reads at a time.
const replayPage = 500

// Subscription is a stream of events for one viewer. C closes when it ends; Err
// then says why (the client's context, or events.ErrSlowSubscriber).
type Subscription struct {
	C   <-chan Event
	err func() error
}

// Err reports why the stream ended.
func (s *Subscription) Err() error { return s.err() }

// ParseCursor reads a cursor given by a client.
func ParseCursor(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, core.Invalid("after", "is not a cursor from an event")
	}
	return n, nil
}

// Subscribe streams the events the viewer may see, of one conversation when
// conversationID is not nil. With after, the events logged after that cursor
// are replayed first. The live stream is registered before anything is read, and
// every event is read from the log after the last one sent, so there is no gap
// and no duplicate.
func (s *Service) Subscribe(ctx context.Context, conversationID *int, after *int) (*Subscription, error) {
	v, ok := core.ViewerFrom(ctx)
	if !ok {
		return nil, core.ErrUnauthenticated
	}
	if conversationID != nil {
		if _, err := s.client.Conversation.Get(ctx, *conversationID); err != nil {
			return nil, store.Wrap(err, "inbox: subscribe")
		}
	}
	live := s.bus.Subscribe(ctx, v.TenantID, Topic, 256)
	out := make(chan Event)
	var endErr error
	wanted := func(e Event) bool {
		if conversationID != nil && e.ConversationID != *conversationID {
			return false
		}
		// The viewer is read per event: a role change on a live connection
		// applies at once.
		now, _ := core.ViewerFrom(ctx)
		return now.Role != core.RoleAgent || e.visibleTo(now.UserID)
	}
	send := func(e Event) bool {
		select {
		case out <- e:
			return true
		case <-ctx.Done():
			return false
		}
	}
	go func() {
		defer close(out)
		last := 0
		if after != nil {
			last = *after
		} else {
			// Live only: start after what is already committed.
			newest, err := s.client.Event.Query().Order(ent.Desc(event.FieldID)).First(ctx)
			if err != nil && !ent.IsNotFound(err) {
				endErr = fmt.Errorf("inbox: newest event: %w", err)
				return
			}
			if newest != nil {
				last = newest.ID
			}
		}
		// Events are read from the log in cursor order; the bus only says that
		// there is something new. Publishers run after their own commits and may
		// publish out of cursor order, but SQLite commits (one writer) happen in
		// ID order, so reading "after the last cursor" never skips one.
		catchUp := func() bool {
			for {
				q := s.client.Event.Query().Where(event.IDGT(last)).Order(ent.Asc(event.FieldID)).Limit(replayPage)
				if conversationID != nil {
					q.Where(event.ConversationID(*conversationID))
				}
				rows, err := q.All(ctx)
				if err != nil {
					if ctx.Err() == nil {
						endErr = fmt.Errorf("inbox: read events: %w", err)
					}
					return false
				}
				for _, r := range rows {
					e := fromRow(r)
					last = e.Cursor
					if wanted(e) && !send(e) {
						return false
					}
				}
				if len(rows) < replayPage {
					return true
				}
			}
		}
		if !catchUp() {
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-live.C:
				if !ok {
					endErr = live.Err()
					return
				}
			}
			// Take every wake-up already queued, then read once.
		drain:
			for {
				select {
				case _, ok := <-live.C:
					if !ok {
						endErr = live.Err()
						return
					}
				default:
					break drain
				}
			}
			if !catchUp() {
				return
			}
		}
	}()
	return &Subscription{C: out, err: func() error { return endErr }}, nil
}
