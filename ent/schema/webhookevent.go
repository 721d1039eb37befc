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

// WebhookEvent is a raw webhook body as received, stored in the same transaction
// as the events it yields. One that could not be parsed stays FAILED for an admin
// to replay after a fix: nothing authentic is lost.
type WebhookEvent struct {
	ent.Schema
}

// Mixin confines webhook events to their tenant.
func (WebhookEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}}
}

// Fields of the WebhookEvent.
func (WebhookEvent) Fields() []ent.Field {
	noWhere := entgql.Skip(entgql.SkipWhereInput)
	return []ent.Field{
		field.Int("integration_account_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		// BodyHash (SHA-256) makes a provider's identical retry a no-op.
		field.String("body_hash").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Bytes("body").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("content_type").Default("").Immutable().Annotations(noWhere),
		// Query and Headers keep, for a body that could not be parsed, the rest
		// of what its parser may read (WeChat's encrypted mode reads the query),
		// so a replay parses exactly what arrived. Credentials are not kept.
		field.String("query").Default("").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.JSON("headers", map[string][]string{}).Optional().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("status").Values("PROCESSED", "FAILED"),
		field.String("error").Default("").Annotations(noWhere),
		field.Int("events").Default(0).Annotations(noWhere),
		field.Time("received_at").Default(time.Now).Immutable().
			Annotations(entgql.OrderField("RECEIVED_AT"), noWhere),
	}
}

// Edges of the WebhookEvent.
func (WebhookEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("integration_account", IntegrationAccount.Type).Field("integration_account_id").
			Unique().Required().Immutable().Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes dedupe identical bodies per account.
func (WebhookEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("integration_account_id", "body_hash").Unique(),
		index.Fields("tenant_id", "status"),
	}
}

// Annotations expose webhook events for admins.
func (WebhookEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
