package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Token is a bearer credential: a long-lived API token an admin creates for an
// integration, or a login session. Only a SHA-256 hash of the token is stored; the
// token itself is shown once, when it is made.
type Token struct {
	ent.Schema
}

// Mixin confines tokens to their tenant.
func (Token) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}}
}

// Fields of the Token.
func (Token) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values("API", "SESSION").Immutable(),
		field.String("name").Default("").MaxLen(200).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.String("hash").Unique().Immutable().Sensitive().
			Annotations(entgql.Skip(entgql.SkipAll)),
		// Hint is the token's last four characters, so a person can tell tokens apart.
		field.String("hint").Immutable().
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Int("user_id").Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("expires_at").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Time("revoked_at").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Time("created_at").Default(time.Now).Immutable().
			Annotations(entgql.OrderField("CREATED_AT"), entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Edges of the Token.
func (Token) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("tokens").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes speed up listing a user's tokens.
func (Token) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id")}
}

// Annotations expose tokens as a Relay connection for admins.
func (Token) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}
