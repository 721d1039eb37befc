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
// unassigned ones outside a service's queue, its own and those offered to it,
// and as history the closed conversations of the
// contacts of those; and the messages of those. Another agent's open
// conversation is never visible. Supervisors and admins see their whole tenant.
// Like tenant isolation, it holds for every query, not only in resolvers.
//
// The rule is a condition on each row, not a set of visible conversations
// worked out first: a list reads rows in index order (by last activity) and
// stops at its page, and a message or conversation looked up by ID checks one
// conversation, instead of every query collecting the whole table's visible
// set. The history clause looks up the contact's other conversations by
// contact_id, only for closed conversations of other agents; the indexes carry
// the rule's columns, so none of this reads the table. A count reads every row
// of the tenant anyway, so it collects the contacts of the agent's and the
// unassigned conversations once and checks each row against that set.
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
			counting := false
			if qc := ent.QueryFromContext(ctx); qc != nil {
				counting = qc.Op == ent.OpQueryCount
			}
			q.WhereP(func(s *sql.Selector) {
				s.Where(sql.P(func(b *sql.Builder) {
					switch {
					case m.Column == "id" && counting:
						visibleTo(b, s.C, v.UserID, historyOf(v))
					case m.Column == "id":
						visibleTo(b, s.C, v.UserID, historyExists(v))
					default:
						// A message is visible with its conversation (by primary key).
						b.WriteString("EXISTS (SELECT 1 FROM conversations AS conv WHERE conv.id = ").
							Ident(s.C(m.Column)).WriteString(" AND ")
						visibleTo(b, func(c string) string { return b.Quote("conv") + "." + b.Quote(c) }, v.UserID, historyExists(v))
						b.WriteString(")")
					}
				}))
			})
			return nil
		}),
	}
}

// visibleTo writes whether agent may see the conversation whose columns col
// names (core.Viewer.MaySeeConversation): unassigned and waiting in no
// service's queue, its own, offered to it, or closed with a contact that has
// a conversation it may see that way, which history writes. Plain SQL that
// SQLite and PostgreSQL both run.
func visibleTo(b *sql.Builder, col func(string) string, agent int, history func(b *sql.Builder, contact string)) {
	b.WriteString("((").Ident(col("assignee_id")).WriteString(" IS NULL AND NOT ").Ident(col("queued")).
		WriteString(") OR ").Ident(col("assignee_id")).WriteString(" = ").Arg(agent).
		WriteString(" OR ").Ident(col("offered_to_id")).WriteString(" = ").Arg(agent).
		WriteString(" OR (").Ident(col("status")).WriteString(" = 'CLOSED' AND ")
	history(b, col("contact_id"))
	b.WriteString("))")
}

// historyExists looks up, per row, the contact's other conversations by
// contact_id: a few index entries, for the rows a page or a lookup reads.
func historyExists(v core.Viewer) func(*sql.Builder, string) {
	return func(b *sql.Builder, contact string) {
		b.WriteString("EXISTS (SELECT 1 FROM conversations AS other WHERE other.contact_id = ").Ident(contact).
			WriteString(" AND ((other.assignee_id IS NULL AND NOT other.queued) OR other.assignee_id = ").Arg(v.UserID).
			WriteString(" OR other.offered_to_id = ").Arg(v.UserID).WriteString("))")
	}
}

// historyOf collects, once, the contacts with a conversation the agent may
// see (unassigned outside a queue, its own, offered to it), for a count,
// which reads every row of the tenant anyway: one set lookup per row instead
// of an index search. One arm per way, so that each reads one range of an
// index (an OR of them makes SQLite read the tenant's whole range).
func historyOf(v core.Viewer) func(*sql.Builder, string) {
	return func(b *sql.Builder, contact string) {
		b.Ident(contact).WriteString(" IN (SELECT mine.contact_id FROM conversations AS mine WHERE mine.tenant_id = ").Arg(v.TenantID).
			WriteString(" AND mine.assignee_id IS NULL AND NOT mine.queued UNION ALL SELECT mine.contact_id FROM conversations AS mine WHERE mine.tenant_id = ").
			Arg(v.TenantID).WriteString(" AND mine.assignee_id = ").Arg(v.UserID).
			WriteString(" UNION ALL SELECT mine.contact_id FROM conversations AS mine WHERE mine.offered_to_id = ").Arg(v.UserID).WriteString(")")
	}
}
