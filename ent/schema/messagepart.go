package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// MessagePart is one more provider message of a reply the messenger took in
// several (a long text split in order, media sent apart). Receipts name the
// part they are about, so every part's provider ID must lead back to its
// reply; the first part's ID stays on the message itself.
type MessagePart struct {
	ent.Schema
}

// Mixin confines parts to their tenant.
func (MessagePart) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}}
}

// Fields of the MessagePart.
func (MessagePart) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_account_id").Immutable(),
		field.String("provider_message_id").NotEmpty().Immutable(),
		field.Int("message_id").Immutable(),
	}
}

// Edges of the MessagePart.
func (MessagePart) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("message", Message.Type).Field("message_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes find a receipt's message by the part it names.
func (MessagePart) Indexes() []ent.Index {
	return []ent.Index{index.Fields("integration_account_id", "provider_message_id").Unique()}
}

// Annotations keep parts out of the GraphQL schema: they are bookkeeping.
func (MessagePart) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
