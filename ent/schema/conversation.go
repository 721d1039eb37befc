package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/switchboard/switchboard/core"
)

// Conversation is a chat between a contact and the contact center on one account.
// It is OPEN while it goes on; an agent takes it, or a supervisor assigns it.
type Conversation struct {
	ent.Schema
}

// Mixin confines conversations to their tenant (and agents to what they may see)
// and stamps times.
func (Conversation) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}, TimeMixin{}, AgentScopeMixin{Column: "id"}}
}

// Fields of the Conversation.
func (Conversation) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_account_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("contact_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("status").Values("OPEN", "CLOSED").Default("OPEN").
			Annotations(entgql.OrderField("STATUS")),
		field.Int("assignee_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("last_message_at").Default(time.Now).
			Annotations(entgql.OrderField("LAST_MESSAGE_AT"), entgql.Skip(entgql.SkipWhereInput)),
		field.Time("closed_at").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipWhereInput)),
		// LastInboundAt is when the customer last wrote in it, by the
		// messenger's time of the message (never later than it arrived):
		// messengers with a reply window (WhatsApp, Messenger, WeChat) count
		// from the contact's latest, in whichever conversation.
		field.Time("last_inbound_at").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		// LastMessageID is the newest message, set where messages are written,
		// so a conversation list shows it with one lookup by ID for the whole
		// page instead of a query per conversation. Null until the first message.
		field.Int("last_message_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		// ServiceID is the chat service whose queue the conversation is in
		// (or was, once an agent has it); nil for accounts of no service.
		field.Int("service_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		// Queued is set while the conversation waits in its service's queue
		// for an agent (offered or not): no agent sees it then, except the
		// one it is offered to (OfferedToID).
		field.Bool("queued").Default(false).Annotations(entgql.Skip(entgql.SkipAll)),
		// QueuedAt is its place in the queue (kept when the customer writes
		// again); Priority is its service's priority when it entered.
		field.Time("queued_at").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("priority").Default(0).Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("offered_to_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		// Routable is set while a queued conversation may be offered: at once
		// without a scenario; from a scenario's Find Agent block on.
		field.Bool("routable").Default(false).Annotations(entgql.Skip(entgql.SkipAll)),
		// RequiredSkills, when set (by a Find Agent block), replace the
		// service's required skills for this conversation.
		field.JSON("required_skills", []core.Skill{}).Optional().Annotations(entgql.Skip(entgql.SkipAll)),
		// AnsweredAt is when an agent first took the conversation from a
		// queue (its wait ends there); Abandoned is set when it closed while
		// still waiting. A service's figures come from them.
		field.Time("answered_at").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Bool("abandoned").Default(false).Annotations(entgql.Skip(entgql.SkipAll)),
		// Scenario is the conversation's run of its service's chat scenario
		// (core/scenario State as JSON), so it resumes after a restart.
		field.Bytes("scenario_state").Optional().Annotations(entgql.Skip(entgql.SkipAll)),
		// ScenarioWakeAt is when the run's pending timeout falls due.
		field.Time("scenario_wake_at").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		// CustomerIdleAt is when the customer, who has not answered the
		// agent's latest message, is next due an inactivity step (a warning,
		// then closing), per the service's settings; a customer's message
		// clears it. IdleWarned says the warning has gone out.
		field.Time("customer_idle_at").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Bool("idle_warned").Default(false).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the Conversation.
func (Conversation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("integration_account", IntegrationAccount.Type).Field("integration_account_id").
			Unique().Required().Immutable().Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("contact", Contact.Type).Field("contact_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("assignee", User.Type).Field("assignee_id").Unique(),
		edge.From("messages", Message.Type).Ref("conversation").
			Annotations(entgql.RelayConnection(), entgql.OrderField("MESSAGES_COUNT")),
		edge.To("last_message", Message.Type).Field("last_message_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip(entgql.SkipWhereInput)),
		edge.To("service", ChatService.Type).Field("service_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Indexes serve lists by last activity in index order: the tenant's, and one
// agent's or the unassigned ones. id breaks ties the way pagination orders
// them (PostgreSQL needs it spelled out; SQLite appends the rowid anyway). The
// columns after it are those of an agent's visibility rule (AgentScopeMixin),
// so rows an agent may not see are passed over in the index, and an agent's
// count reads the index alone. The contact index finds a contact's open
// conversation and answers the rule's history check without the table.
func (Conversation) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("contact_id", "status", "assignee_id", "queued", "offered_to_id").StorageKey("conversation_contact"),
		index.Fields("tenant_id", "last_message_at", "id", "assignee_id", "status", "contact_id", "queued", "offered_to_id").
			StorageKey("conversation_tenant_activity"),
		index.Fields("tenant_id", "assignee_id", "last_message_at", "id", "status", "contact_id", "queued", "offered_to_id").
			StorageKey("conversation_tenant_assignee_activity"),
		// A service's conversations by arrival, for its figures.
		index.Fields("service_id", "queued_at"),
		// Scenario runs with a timeout due.
		index.Fields("scenario_wake_at").StorageKey("conversation_scenario_wake").
			Annotations(entsql.IndexWhere("scenario_wake_at IS NOT NULL")),
		// Customers whose inactivity warning or close is due.
		index.Fields("customer_idle_at").StorageKey("conversation_customer_idle").
			Annotations(entsql.IndexWhere("customer_idle_at IS NOT NULL")),
		// An agent's offered conversations (few at a time).
		index.Fields("offered_to_id").StorageKey("conversation_offered").
			Annotations(entsql.IndexWhere("offered_to_id IS NOT NULL")),
		// Each service's queue: conversations waiting for an agent, in offer order.
		index.Fields("service_id", "priority", "queued_at", "id").StorageKey("conversation_queue").
			Annotations(entsql.IndexWhere("queued AND routable"), entsql.DescColumns("priority")),
		// Everything waiting (in a scenario too), in the same order, for the
		// supervisors' live queue.
		index.Fields("priority", "queued_at", "id").StorageKey("conversation_waiting").
			Annotations(entsql.IndexWhere("queued"), entsql.DescColumns("priority")),
		// Deleting a message finds the conversation that shows it as the last.
		index.Fields("last_message_id"),
		// A contact has at most one open conversation. The writers check
		// before they open one, but on PostgreSQL several instances (or a
		// startConversation beside a webhook) may check at once: the
		// database decides, and the loser files into the winner's.
		index.Fields("contact_id").Unique().StorageKey("conversation_one_open").
			Annotations(entsql.IndexWhere("status = 'OPEN'")),
	}
}

// Annotations expose conversations as a Relay connection with filters.
func (Conversation) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection()}
}
