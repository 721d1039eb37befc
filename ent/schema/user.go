package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/switchboard/switchboard/core"
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
		// State is whether the agent takes new conversations (READY), is busy
		// with something else (NOT_READY, with a reason) or gone (OFFLINE).
		field.Enum("state").Values("READY", "NOT_READY", "OFFLINE").Default("OFFLINE").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("state_reason").Default("").MaxLen(200).Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("state_since").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		// Skills are what the agent knows, with levels (core.Skill).
		field.JSON("skills", []core.Skill{}).Optional().Annotations(entgql.Skip(entgql.SkipAll)),
		// Capacity is how many conversations the agent handles at once.
		field.Int("capacity").Default(3).NonNegative().Annotations(entgql.Skip(entgql.SkipAll)),
		// AvailableSince is when the agent last became READY or last got a
		// conversation: Find Agent offers to the one who has waited longest.
		field.Time("available_since").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("tokens", Token.Type).
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.From("services", ChatService.Type).Ref("agents").
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
