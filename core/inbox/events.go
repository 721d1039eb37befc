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
	// After is where the log ended when the transaction that appended this
	// event took its turn (PostgreSQL; 0 on SQLite, whose one writer needs
	// no check): every event up to it was committed before this one. A fan-out that has delivered less than After missed events
	// (another writer's, told late or not at all) and reads them from the
	// log first, so streams never see the log out of order.
	After int
}

// holders are who the event's conversation was with after the change.
func (e Event) holders() core.Holders {
	return core.Holders{Assignee: e.AssigneeID, Queued: e.Queued, OfferedTo: e.OfferedToID}
}

// recorder collects the events of a batch's jobs and appends them to the log
// in one multi-row insert before the batch commits; the cursors it gets back
// are what the fan-out publishes once the commit is done.
type recorder struct {
	c *ent.Client
	// postgres says the log is shared by writers that commit concurrently.
	postgres bool
	pending  []*ent.EventCreate
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
	if len(r.pending) == 0 {
		return nil
	}
	after, err := r.logTurn(ctx)
	if err != nil {
		return err
	}
	for from := 0; from < len(r.pending); from += flushChunk {
		rows, err := r.c.Event.CreateBulk(r.pending[from:min(from+flushChunk, len(r.pending))]...).Save(ctx)
		if err != nil {
			return fmt.Errorf("inbox: record events: %w", err)
		}
		for _, row := range rows {
			e := fromRow(row)
			e.After = after
			r.out = append(r.out, e)
		}
	}
	return nil
}

// logLock is the PostgreSQL advisory lock key of the event log's turn.
const logLock = 0x5357_4c4f47 // "SWLOG"

// logTurn makes this transaction the log's only appender until it ends and
// returns where the log ends now. On PostgreSQL, where several writers (the
// instances of a cluster) commit concurrently, the transaction-scoped lock
// makes cursors follow commit order: an event's ID is taken after every
// transaction that appended before it has committed, so a reader that saw a
// cursor never later finds a smaller one appear. SQLite's one writer gives
// this order by itself, and its events need no After (0: nothing to check).
func (r *recorder) logTurn(ctx context.Context) (int, error) {
	if !r.postgres {
		return 0, nil
	}
	if _, err := r.c.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", logLock); err != nil {
		return 0, fmt.Errorf("inbox: the log's turn: %w", err)
	}
	rows, err := r.c.QueryContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM events")
	if err != nil {
		return 0, fmt.Errorf("inbox: the log's end: %w", err)
	}
	defer rows.Close()
	var end int
	if rows.Next() {
		if err := rows.Scan(&end); err != nil {
			return 0, fmt.Errorf("inbox: the log's end: %w", err)
		}
	}
	return end, rows.Close()
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
