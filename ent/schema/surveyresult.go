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

// SurveyResult is a customer's answer to the satisfaction survey a scenario
// asks after a chat: a rating from 1 to 5 and an optional comment, for the
// agent who served them and the service's figures.
type SurveyResult struct {
	ent.Schema
}

// Mixin confines results to their tenant.
func (SurveyResult) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}}
}

// Fields of the SurveyResult.
func (SurveyResult) Fields() []ent.Field {
	return []ent.Field{
		field.Int("conversation_id").Immutable(),
		field.Int("service_id").Optional().Nillable().Immutable(),
		field.Int("agent_id").Optional().Nillable().Immutable(),
		field.Int("rating").Range(1, 5).Immutable(),
		field.String("comment").Default("").MaxLen(2000).Immutable(),
		field.Time("created_at").Default(time.Now).Immutable(),
	}
}

// Edges of the SurveyResult.
func (SurveyResult) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("conversation", Conversation.Type).Field("conversation_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes serve a service's figures over a time range.
func (SurveyResult) Indexes() []ent.Index {
	return []ent.Index{index.Fields("service_id", "created_at")}
}

// Annotations keep results out of the generated schema; serviceStats sums them.
func (SurveyResult) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
