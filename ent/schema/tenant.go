package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// Tenant is one contact center. Every other row belongs to exactly one tenant, and
// nothing a tenant's users do can see or touch another tenant's rows.
type Tenant struct {
	ent.Schema
}

// Fields of the Tenant.
func (Tenant) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().Unique(),
		field.Time("created_at").Default(time.Now).Immutable(),
	}
}

// Annotations keep tenants out of the GraphQL schema: a viewer only ever sees its own.
func (Tenant) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
