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
// are replayed first; the live stream is registered before the replay starts
// and events already replayed are skipped, so there is no gap and no duplicate.
func (s *Service) Subscribe(ctx context.Context, conversationID *int, after *int) (*Subscription, error) {
	v, ok := core.ViewerFrom(ctx)
	if !ok {
		return nil, core.ErrUnauthenticated
	}
	if conversationID != nil {
		if _, err := s.client.Conversation.Get(ctx, *conversationID); err != nil {
			return nil, store.NotFound(err, "inbox: subscribe")
		}
	}
	live := s.bus.Subscribe(ctx, v.TenantID, Topic, 256)
	out := make(chan Event)
	var endErr error
	wanted := func(e Event) bool {
		if conversationID != nil && e.ConversationID != *conversationID {
			return false
		}
		return v.Role != core.RoleAgent || e.visibleTo(v.UserID)
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
			for {
				q := s.client.Event.Query().Where(event.IDGT(last)).Order(ent.Asc(event.FieldID)).Limit(replayPage)
				if conversationID != nil {
					q.Where(event.ConversationID(*conversationID))
				}
				rows, err := q.All(ctx)
				if err != nil {
					endErr = fmt.Errorf("inbox: replay events: %w", err)
					return
				}
				for _, r := range rows {
					e := fromRow(r)
					last = e.Cursor
					if wanted(e) && !send(e) {
						return
					}
				}
				if len(rows) < replayPage {
					break
				}
			}
		}
		for be := range live.C {
			e := be.Payload.(Event)
			if e.Cursor <= last || !wanted(e) {
				continue
			}
			last = e.Cursor
			if !send(e) {
				return
			}
		}
		endErr = live.Err()
	}()
	return &Subscription{C: out, err: func() error { return endErr }}, nil
}
