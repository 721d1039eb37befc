package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/webhookevent"
)

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
	// ConversationOffered tells an agent (and supervisors) that a queued
	// conversation is offered to it, with the offer to accept or reject.
	ConversationOffered EventKind = "CONVERSATION_OFFERED"
	// ConversationOfferEnded tells the agent that an offer it had ended
	// without it taking the conversation: rejected, expired or withdrawn.
	ConversationOfferEnded EventKind = "CONVERSATION_OFFER_ENDED"
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
	// Queued and OfferedToID are the conversation's queue state after the
	// change; for an offer's events OfferedToID is the offer's agent.
	Queued      bool
	OfferedToID *int
	// PreviouslyQueued is, for an assignment, whether it waited in a queue.
	PreviouslyQueued bool
	// OfferID is the offer of CONVERSATION_OFFERED and _OFFER_ENDED.
	OfferID *int
}

// holders are who the event's conversation was with after the change.
func (e Event) holders() core.Holders {
	return core.Holders{Assignee: e.AssigneeID, Queued: e.Queued, OfferedTo: e.OfferedToID}
}

// recorder collects the events of a batch's jobs and appends them to the log
// in one multi-row insert before the batch commits; the cursors it gets back
// are what the fan-out publishes once the commit is done.
type recorder struct {
	c       *ent.Client
	pending []*ent.EventCreate
	// bodies are the batch's raw webhook bodies, stored in the same way.
	bodies []*ent.WebhookEventCreate
	out    []Event
	// entered are conversations that entered a queue in the current job,
	// whose customers are told so once their message is stored.
	entered []*ent.Conversation
	// after runs once the batch has committed (cache invalidations that must
	// not let a reader re-cache what the transaction is changing).
	after []func()
}

// add records kind on conv, with the conversation's holders as they are now.
func (r *recorder) add(_ context.Context, kind EventKind, conv *ent.Conversation, msgID *int) error {
	r.pending = append(r.pending, r.create(kind, conv, msgID))
	return nil
}

// addAssigned records a change of holder; previous is who held conv before.
func (r *recorder) addAssigned(_ context.Context, conv *ent.Conversation, previous core.Holders) error {
	r.pending = append(r.pending, r.create(ConversationAssigned, conv, nil).
		SetNillablePreviousAssigneeID(previous.Assignee).
		SetPreviouslyQueued(previous.Queued))
	return nil
}

// addOffer records an offer's event (CONVERSATION_OFFERED or
// CONVERSATION_OFFER_ENDED) for the offer's agent.
func (r *recorder) addOffer(_ context.Context, kind EventKind, conv *ent.Conversation, offer *ent.Offer) error {
	agent := offer.AgentID
	r.pending = append(r.pending, r.create(kind, conv, nil).
		SetOfferedToID(agent).SetQueued(true).SetOfferID(offer.ID))
	return nil
}

func (r *recorder) create(kind EventKind, conv *ent.Conversation, msgID *int) *ent.EventCreate {
	return r.c.Event.Create().
		SetTenantID(conv.TenantID).
		SetKind(string(kind)).
		SetConversationID(conv.ID).
		SetNillableMessageID(msgID).
		SetNillableAssigneeID(conv.AssigneeID).
		SetQueued(conv.Queued).
		SetNillableOfferedToID(conv.OfferedToID)
}

// flushChunk bounds one insert's rows (and so its bound parameters).
const flushChunk = 500

// flush stores the batch's webhook bodies and appends its events to the
// log, in order: a few multi-row inserts instead of one statement per row.
func (r *recorder) flush(ctx context.Context) error {
	for from := 0; from < len(r.bodies); from += flushChunk {
		err := r.c.WebhookEvent.CreateBulk(r.bodies[from:min(from+flushChunk, len(r.bodies))]...).
			OnConflictColumns(webhookevent.FieldIntegrationAccountID, webhookevent.FieldBodyHash).DoNothing().Exec(ctx)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("inbox: store webhooks: %w", err)
		}
	}
	r.out = make([]Event, 0, len(r.pending))
	for from := 0; from < len(r.pending); from += flushChunk {
		rows, err := r.c.Event.CreateBulk(r.pending[from:min(from+flushChunk, len(r.pending))]...).Save(ctx)
		if err != nil {
			return fmt.Errorf("inbox: record events: %w", err)
		}
		for _, row := range rows {
			r.out = append(r.out, fromRow(row))
		}
	}
	return nil
}

// messageUpdated records that a message changed (delivery status, media copy).
func messageUpdated(ctx context.Context, c *ent.Client, rec *recorder, m *ent.Message) error {
	if m.ConversationID == nil {
		return nil
	}
	conv, err := c.Conversation.Get(ctx, *m.ConversationID)
	if err != nil {
		return fmt.Errorf("inbox: message's conversation: %w", err)
	}
	id := m.ID
	return rec.add(ctx, MessageUpdated, conv, &id)
}

// visibleTo applies core's visibility rule to an event, from the holders it
// recorded (not the conversation's holder now): an assignment is seen by
// whoever could see the conversation before or after it.
func (e Event) visibleTo(v core.Viewer) bool {
	if e.Kind == ConversationAssigned {
		return v.MaySeeAssignment(core.Holders{Assignee: e.PreviousAssigneeID, Queued: e.PreviouslyQueued}, e.holders())
	}
	return v.MaySeeConversation(e.holders())
}

func fromRow(r *ent.Event) Event {
	return Event{
		Cursor: r.ID, TenantID: r.TenantID, Kind: EventKind(r.Kind), ConversationID: r.ConversationID,
		MessageID: r.MessageID, AssigneeID: r.AssigneeID, PreviousAssigneeID: r.PreviousAssigneeID,
		Queued: r.Queued, OfferedToID: r.OfferedToID, PreviouslyQueued: r.PreviouslyQueued, OfferID: r.OfferID,
	}
}
