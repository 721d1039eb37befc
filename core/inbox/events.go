package inbox

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
)

// Topic is the event-bus topic of conversation events.
const Topic = "conversations"

// EventKind says what changed; the values match the GraphQL enum.
type EventKind string

// The kinds of conversation events.
const (
	ConversationCreated  EventKind = "CONVERSATION_CREATED"
	ConversationReopened EventKind = "CONVERSATION_REOPENED"
	ConversationAssigned EventKind = "CONVERSATION_ASSIGNED"
	ConversationClosed   EventKind = "CONVERSATION_CLOSED"
	MessageCreated       EventKind = "MESSAGE_CREATED"
	MessageUpdated       EventKind = "MESSAGE_UPDATED"
)

// Event is one entry of the durable log, as subscribers receive it.
type Event struct {
	// Cursor increases within a tenant; a subscriber resumes after it.
	Cursor             int
	TenantID           int
	Kind               EventKind
	ConversationID     int
	MessageID          *int
	AssigneeID         *int
	PreviousAssigneeID *int
}

// recorder appends events to the log inside the writer's batch transaction and
// remembers them, so each job's events are published once the batch commits.
type recorder struct {
	tx  *ent.Client
	out []Event
}

func (r *recorder) add(ctx context.Context, kind EventKind, conv *ent.Conversation, msgID *int, previous *int) error {
	row, err := r.tx.Event.Create().
		SetTenantID(conv.TenantID).
		SetKind(string(kind)).
		SetConversationID(conv.ID).
		SetNillableMessageID(msgID).
		SetNillableAssigneeID(conv.AssigneeID).
		SetNillablePreviousAssigneeID(previous).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("inbox: record %s: %w", kind, err)
	}
	r.out = append(r.out, Event{
		Cursor: row.ID, TenantID: conv.TenantID, Kind: kind, ConversationID: conv.ID,
		MessageID: msgID, AssigneeID: conv.AssigneeID, PreviousAssigneeID: previous,
	})
	return nil
}

// record appends one event to the log, in ctx's transaction when there is one,
// and publishes it once that commits (at once otherwise). Everything but the
// batch writer records events this way.
func (s *Service) record(ctx context.Context, kind EventKind, conv *ent.Conversation, msgID, previous *int) error {
	rec := &recorder{tx: store.Client(ctx, s.client)}
	if err := rec.add(ctx, kind, conv, msgID, previous); err != nil {
		return err
	}
	store.AfterCommit(ctx, func() { s.publish(rec.out) })
	return nil
}

// messageUpdated records that a message changed (delivery status, media copy).
func (s *Service) messageUpdated(ctx context.Context, m *ent.Message) error {
	if m.ConversationID == nil {
		return nil
	}
	conv, err := store.Client(ctx, s.client).Conversation.Get(ctx, *m.ConversationID)
	if err != nil {
		return fmt.Errorf("inbox: message's conversation: %w", err)
	}
	id := m.ID
	return s.record(ctx, MessageUpdated, conv, &id, nil)
}

// visibleTo reports whether an agent may receive e: events of unassigned
// conversations and its own, and the event that takes a conversation away from it.
func (e Event) visibleTo(userID int) bool {
	return e.AssigneeID == nil || *e.AssigneeID == userID ||
		(e.PreviousAssigneeID != nil && *e.PreviousAssigneeID == userID)
}

func fromRow(r *ent.Event) Event {
	return Event{
		Cursor: r.ID, TenantID: r.TenantID, Kind: EventKind(r.Kind), ConversationID: r.ConversationID,
		MessageID: r.MessageID, AssigneeID: r.AssigneeID, PreviousAssigneeID: r.PreviousAssigneeID,
	}
}
