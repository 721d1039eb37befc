package schema

import (
	"context"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/intercept"
)

// Interceptors let only admins read other users' tokens: agents and
// supervisors see their own, so a list of tokens (names, hints, who holds
// them) of the tenant's admins never reaches them. Like tenant isolation it
// holds for every query, node lookups included.
func (Token) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{
		intercept.TraverseFunc(func(ctx context.Context, q intercept.Query) error {
			v, ok := core.ViewerFrom(ctx)
			if !ok || v.IsSystem() || v.Role == core.RoleAdmin {
				return nil
			}
			q.WhereP(sql.FieldEQ("user_id", v.UserID))
			return nil
		}),
	}
}
