package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is a person (or integration) acting in a tenant: an admin who configures
// accounts, a supervisor, or an agent who chats with customers.
type User struct {
	ent.Schema
}

// Mixin confines users to their tenant and stamps times.
func (User) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}, TimeMixin{}}
}

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		// Email is the login name, so it is unique across all tenants.
		field.String("email").Optional().Nillable().Unique().MaxLen(320).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Enum("role").Values("ADMIN", "SUPERVISOR", "AGENT").
			Annotations(entgql.OrderField("ROLE")),
		// PasswordHash is a bcrypt hash; the password itself is never stored.
		field.String("password_hash").Optional().Sensitive().
			Annotations(entgql.Skip(entgql.SkipAll)),
		// Active users may authenticate; deactivating keeps history intact.
		field.Bool("active").Default(true),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("tokens", Token.Type).
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes make a name unique within its tenant, so the CLI can address users by name.
func (User) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "name").Unique(),
	}
}

// Annotations expose users as a Relay connection with filters and ordering.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}
