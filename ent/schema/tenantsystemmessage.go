package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// TenantSystemMessage is a tenant's own default text for one chat event (see
// core/sysmsg), replacing the built-in text for every account that leaves the
// event on DEFAULT. An event without a row uses the built-in text, so a new
// tenant needs no rows and a later release can improve its built-in texts.
type TenantSystemMessage struct {
	ent.Schema
}

// Mixin confines the texts to their tenant and stamps times.
func (TenantSystemMessage) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}, TimeMixin{}}
}

// Fields of the TenantSystemMessage. The event is a plain string checked by
// core/sysmsg, so a row written by another release never fails to load.
func (TenantSystemMessage) Fields() []ent.Field {
	return []ent.Field{
		field.String("event").NotEmpty().Immutable(),
		field.Text("text").NotEmpty(),
	}
}

// Indexes keep one text per event and tenant (upserts rely on it).
func (TenantSystemMessage) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "event").Unique()}
}

// Annotations keep the table out of the generated GraphQL schema: the API's
// DefaultSystemMessage is hand-written, one entry per event including those
// without a row.
func (TenantSystemMessage) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
