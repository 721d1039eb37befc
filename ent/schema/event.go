package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Event is the durable log behind live subscriptions: one row per change an agent
// UI shows. Its ID is the cursor (increasing within a tenant), so a subscriber
// that reconnects replays what it missed from here before going live.
type Event struct {
	ent.Schema
}

// Mixin confines events to their tenant.
func (Event) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}}
}

// Fields of the Event.
func (Event) Fields() []ent.Field {
	return []ent.Field{
		field.String("kind").Immutable(),
		field.Int("conversation_id").Immutable(),
		field.Int("message_id").Optional().Nillable().Immutable(),
		// AssigneeID is the conversation's assignee after the change; PreviousAssigneeID
		// before it, so an agent learns that a conversation left its inbox.
		field.Int("assignee_id").Optional().Nillable().Immutable(),
		field.Int("previous_assignee_id").Optional().Nillable().Immutable(),
		// Queued and OfferedToID are the conversation's queue state after the
		// change (see Conversation); PreviouslyQueued, for an assignment,
		// whether it waited in a queue before, so that agents who saw it
		// unassigned are told it has been taken, and those who did not are not.
		field.Bool("queued").Default(false).Immutable(),
		field.Int("offered_to_id").Optional().Nillable().Immutable(),
		field.Bool("previously_queued").Default(false).Immutable(),
		// OfferID is the offer of an offer's events.
		field.Int("offer_id").Optional().Nillable().Immutable(),
		field.Time("created_at").Default(time.Now).Immutable(),
	}
}

// Indexes serve replay in cursor order, by tenant and by conversation: a
// subscriber resuming after a cursor reads from there on, not the whole log.
func (Event) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "id"),
		index.Fields("tenant_id", "conversation_id", "id"),
	}
}

// Annotations keep the log out of the schema; subscriptions expose it.
func (Event) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
