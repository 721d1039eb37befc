package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Offer is a queued conversation offered to one agent, who accepts or
// rejects it before it expires; then it moves on to the next agent. Offers
// are kept after they end: who let one time out, and the figures of a
// service, come from them.
type Offer struct {
	ent.Schema
}

// Mixin confines offers to their tenant.
func (Offer) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}}
}

// Fields of the Offer.
func (Offer) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipAll)
	return []ent.Field{
		field.Int("conversation_id").Immutable().Annotations(skip),
		field.Int("agent_id").Immutable().Annotations(skip),
		field.Int("service_id").Optional().Nillable().Immutable().Annotations(skip),
		field.Enum("status").Values("PENDING", "ACCEPTED", "REJECTED", "EXPIRED", "CANCELLED").Default("PENDING"),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("expires_at"),
		field.Time("ended_at").Optional().Nillable(),
	}
}

// Edges of the Offer.
func (Offer) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("conversation", Conversation.Type).Field("conversation_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("agent", User.Type).Field("agent_id").Unique().Required().Immutable(),
	}
}

// Indexes find the pending offers (timeouts, an agent's load) and a
// conversation's past offers (who already declined it).
func (Offer) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("expires_at").StorageKey("offer_pending").
			Annotations(entsql.IndexWhere("status = 'PENDING'")),
		index.Fields("conversation_id", "agent_id"),
		index.Fields("agent_id", "status"),
	}
}

// Annotations expose offers as nodes (their ID is what acceptOffer takes).
func (Offer) Annotations() []schema.Annotation {
	return []schema.Annotation{}
}
