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
//
// The rule is a condition on each row, not a set of visible conversations
// worked out first: a list reads rows in index order (by last activity) and
// stops at its page, and a message or conversation looked up by ID checks one
// conversation, instead of every query collecting the whole table's visible
// set. The history clause looks up the contact's other conversations by
// contact_id (indexed), and only for closed conversations of other agents.
type AgentScopeMixin struct {
	mixin.Schema
	// Column holds the conversation ID in the mixed-in table; "id" means the
	// table is conversations itself.
	Column string
}

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
					if m.Column == "id" {
						visibleTo(b, s.C, v.UserID)
						return
					}
					// A message is visible with its conversation (by primary key).
					b.WriteString("EXISTS (SELECT 1 FROM conversations AS conv WHERE conv.id = ").
						Ident(s.C(m.Column)).WriteString(" AND ")
					visibleTo(b, func(c string) string { return b.Quote("conv") + "." + b.Quote(c) }, v.UserID)
					b.WriteString(")")
				}))
			})
			return nil
		}),
	}
}

// visibleTo writes whether agent may see the conversation whose columns col
// names: unassigned, its own, or closed with a contact that has a conversation
// unassigned or its own. Plain SQL that SQLite and PostgreSQL both run.
func visibleTo(b *sql.Builder, col func(string) string, agent int) {
	b.WriteString("(").Ident(col("assignee_id")).WriteString(" IS NULL OR ").
		Ident(col("assignee_id")).WriteString(" = ").Arg(agent).
		WriteString(" OR (").Ident(col("status")).WriteString(" = 'CLOSED' AND EXISTS (SELECT 1 FROM conversations AS other WHERE other.contact_id = ").
		Ident(col("contact_id")).WriteString(" AND (other.assignee_id IS NULL OR other.assignee_id = ").Arg(agent).
		WriteString("))))")
}
