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

// AccountSystemMessage is how one integration account treats one chat event
// (see core/sysmsg): its own text (CUSTOM), the tenant's text (DEFAULT) or
// nothing (DISABLED). An event without a row is DEFAULT. The account's own text
// is kept while the mode is DEFAULT or DISABLED, so switching back to CUSTOM
// does not lose it.
type AccountSystemMessage struct {
	ent.Schema
}

// Mixin confines the settings to their tenant and stamps times.
func (AccountSystemMessage) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}, TimeMixin{}}
}

// Fields of the AccountSystemMessage. The event is a plain string checked by
// core/sysmsg, so a row written by another release never fails to load.
func (AccountSystemMessage) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_account_id").Immutable(),
		field.String("event").NotEmpty().Immutable(),
		field.Enum("mode").Values("CUSTOM", "DEFAULT", "DISABLED").Default("DEFAULT"),
		// Text is the account's own text; empty when it never had one.
		field.Text("text").Default(""),
	}
}

// Edges tie the settings to their account; they go when the account does.
func (AccountSystemMessage) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("integration_account", IntegrationAccount.Type).Field("integration_account_id").
			Unique().Required().Immutable().Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes keep one setting per event and account (upserts rely on it).
func (AccountSystemMessage) Indexes() []ent.Index {
	return []ent.Index{index.Fields("integration_account_id", "event").Unique()}
}

// Annotations keep the table out of the generated GraphQL schema: the API's
// SystemMessageSetting is hand-written, one entry per event including those
// without a row.
func (AccountSystemMessage) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
