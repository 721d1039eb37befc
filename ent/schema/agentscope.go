package schema

import (
	"context"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/mixin"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/intercept"
)

// AgentScopeMixin limits what an AGENT reads to conversations it may see: the
// unassigned ones and its own, and as history the closed conversations of the
// contacts of those; and the messages of those. Another agent's open
// conversation is never visible. Supervisors and admins see their whole tenant.
// Like tenant isolation, it holds for every query, not only in resolvers.
type AgentScopeMixin struct {
	mixin.Schema
	// Column holds the conversation ID in the mixed-in table.
	Column string
}

// The subquery of conversation IDs an agent may see, around two placeholders
// for the agent's user ID (written by the builder, so it suits every dialect).
const (
	visibleOwnOrUnassigned = " IN (SELECT id FROM conversations WHERE assignee_id IS NULL OR assignee_id = "
	visibleClosedHistory   = " OR (status = 'CLOSED' AND contact_id IN " +
		"(SELECT contact_id FROM conversations WHERE assignee_id IS NULL OR assignee_id = "
)

// Interceptors add the visibility rule to an agent's queries.
func (m AgentScopeMixin) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{
		intercept.TraverseFunc(func(ctx context.Context, q intercept.Query) error {
			v, ok := core.ViewerFrom(ctx)
			if !ok || v.IsSystem() || v.Role != core.RoleAgent {
				return nil
			}
			q.WhereP(func(s *sql.Selector) {
				s.Where(sql.P(func(b *sql.Builder) {
					b.Ident(s.C(m.Column)).WriteString(visibleOwnOrUnassigned).Arg(v.UserID).
						WriteString(visibleClosedHistory).Arg(v.UserID).WriteString(")))")
				}))
			})
			return nil
		}),
	}
}
