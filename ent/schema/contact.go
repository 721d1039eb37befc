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

// Contact is a customer on one messenger account, known by the provider's user
// ID. It is created on first contact and its name kept current.
type Contact struct {
	ent.Schema
}

// Mixin confines contacts to their tenant and stamps times.
func (Contact) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}, TimeMixin{}}
}

// Fields of the Contact.
func (Contact) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_account_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("provider_user_id").Immutable().NotEmpty().
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		// ChatID is where replies go when it differs from the user ID.
		field.String("chat_id").Default("").Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("display_name").Default("").
			Annotations(entgql.OrderField("DISPLAY_NAME")),
		// AvatarURL is the customer's picture as the messenger reports it.
		field.String("avatar_url").Default("").Annotations(entgql.Skip(entgql.SkipWhereInput)),
		// ProfileCheckedAt is when the messenger was last asked for the
		// customer's name and picture; they are asked again a day later.
		field.Time("profile_checked_at").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		// Language is the customer's language as their messenger reports it
		// (an IETF tag such as "de" or "pt-BR"), or as an agent set it;
		// scenarios branch on it (CONTACT_FIELD "language").
		field.String("language").Default("").MaxLen(35).Annotations(entgql.Skip(entgql.SkipWhereInput)),
		// Fields are the customer's custom fields (tier, customer number), set
		// by agents and integrations with updateContact; scenarios branch on them.
		field.JSON("fields", map[string]string{}).Optional().Annotations(entgql.Skip(entgql.SkipAll)),
		// Blocked is set when the customer blocked the bot or unsubscribed.
		field.Bool("blocked").Default(false),
	}
}

// Edges of the Contact.
func (Contact) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("integration_account", IntegrationAccount.Type).Field("integration_account_id").
			Unique().Required().Immutable().Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.From("conversations", Conversation.Type).Ref("contact").
			Annotations(entgql.RelayConnection()),
	}
}

// Indexes make a customer unique per account.
func (Contact) Indexes() []ent.Index {
	return []ent.Index{index.Fields("integration_account_id", "provider_user_id").Unique()}
}

// Annotations expose contacts as a Relay connection.
func (Contact) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection()}
}
