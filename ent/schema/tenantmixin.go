package schema

import (
	"context"
	"errors"
	"fmt"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/intercept"
)

// errNoViewer means a code path reached the database without saying who acts. It is
// a programming error: requests carry a user viewer and internal work a system one.
var errNoViewer = errors.New("tenant isolation: no viewer in context")

// TenantMixin confines a type to one tenant. Its interceptor and hook add the
// viewer's tenant to every query, update and delete, and set it on every create,
// so isolation is enforced once here rather than in each resolver; a row of another
// tenant behaves exactly like a row that does not exist.
type TenantMixin struct {
	mixin.Schema
}

// Fields adds the owning tenant's ID.
func (TenantMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Int("tenant_id").Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges ties the row to its tenant with a foreign key.
func (TenantMixin) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("tenant", Tenant.Type).Field("tenant_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

type wherePredicater interface {
	WhereP(...func(*sql.Selector))
}

// Interceptors filter every read by the viewer's tenant.
func (TenantMixin) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{
		intercept.TraverseFunc(func(ctx context.Context, q intercept.Query) error {
			v, ok := core.ViewerFrom(ctx)
			if !ok {
				return errNoViewer
			}
			if !v.IsSystem() {
				q.WhereP(sql.FieldEQ("tenant_id", v.TenantID))
			}
			return nil
		}),
	}
}

// Hooks stamp creates with the viewer's tenant and confine updates and deletes to it.
func (TenantMixin) Hooks() []ent.Hook {
	return []ent.Hook{
		func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				v, ok := core.ViewerFrom(ctx)
				if !ok {
					return nil, errNoViewer
				}
				if v.IsSystem() {
					return next.Mutate(ctx, m)
				}
				if m.Op().Is(ent.OpCreate) {
					if err := m.SetField("tenant_id", v.TenantID); err != nil {
						return nil, fmt.Errorf("tenant isolation: %w", err)
					}
					return next.Mutate(ctx, m)
				}
				w, ok := m.(wherePredicater)
				if !ok {
					return nil, fmt.Errorf("tenant isolation: mutation %T cannot be filtered", m)
				}
				w.WhereP(sql.FieldEQ("tenant_id", v.TenantID))
				return next.Mutate(ctx, m)
			})
		},
	}
}
