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
	"github.com/switchboard/switchboard/providers"
)

// Message is one message in a conversation, inbound from a customer or outbound
// from an agent. Outbound messages are also the outbox: the dispatcher delivers
// QUEUED ones in order per conversation. Inbound ones are unique per account on
// the provider's dedup key, so a provider's retry never makes a duplicate.
type Message struct {
	ent.Schema
}

// Mixin confines messages to their tenant and agents to visible conversations.
func (Message) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}, AgentScopeMixin{Column: "conversation_id"}}
}

// Fields of the Message.
func (Message) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipAll)
	noWhere := entgql.Skip(entgql.SkipWhereInput)
	return []ent.Field{
		field.Int("integration_account_id").Immutable().Annotations(skip),
		field.Int("contact_id").Immutable().Annotations(skip),
		// ConversationID is empty while the message is held for a disconnected account.
		field.Int("conversation_id").Optional().Nillable().Annotations(skip),
		field.Enum("direction").Values("INBOUND", "OUTBOUND").Immutable(),
		field.Enum("kind").Values("MESSAGE", "POSTBACK").Default("MESSAGE").Immutable(),
		field.Enum("status").Values("RECEIVED", "QUEUED", "SENT", "DELIVERED", "READ", "FAILED"),
		field.Text("text").Default("").Annotations(noWhere),
		field.JSON("attachments", []providers.Attachment{}).Optional().Annotations(skip),
		// Media tracks each attachment's copy in the data folder, index by index.
		field.JSON("media", []core.MediaState{}).Optional().Annotations(skip),
		// MediaPending marks messages whose media the media worker still fetches.
		field.Bool("media_pending").Default(false).Annotations(skip),
		field.JSON("location", &providers.Location{}).Optional().Annotations(skip),
		field.JSON("shared_contact", &providers.ContactCard{}).Optional().Annotations(skip),
		field.String("payload").Default("").Annotations(noWhere),
		// DedupKey is the provider's key of an inbound event; ClientMessageID the
		// agent client's key of an outbound one. Each is unique where set.
		field.String("dedup_key").Optional().Nillable().Immutable().Annotations(skip),
		field.String("client_message_id").Optional().Nillable().Immutable().Annotations(noWhere),
		field.String("provider_message_id").Optional().Nillable().Annotations(noWhere),
		field.JSON("provider_message_ids", []string{}).Optional().Annotations(skip),
		field.Int("sender_id").Optional().Nillable().Immutable().Annotations(skip),
		field.Time("provider_time").Optional().Nillable().Annotations(noWhere),
		field.Bool("edited").Default(false).Annotations(noWhere),
		// Held messages arrived while the account was DISCONNECTED.
		field.Bool("held").Default(false).Annotations(skip),
		field.String("error").Default("").Annotations(noWhere),
		field.Int("attempts").Default(0).Annotations(skip),
		field.Time("next_attempt_at").Optional().Nillable().Annotations(skip),
		// SendStartedAt is set, and committed, before a reply goes to its
		// provider and cleared with the outcome: a reply still QUEUED with it
		// set when a dispatcher starts was in flight when the last one died,
		// and may or may not have reached the customer (see dispatcher.go).
		field.Time("send_started_at").Optional().Nillable().Annotations(skip),
		field.Time("created_at").Default(time.Now).Immutable().
			Annotations(entgql.OrderField("CREATED_AT"), noWhere),
	}
}

// Edges of the Message.
func (Message) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("conversation", Conversation.Type).Field("conversation_id").Unique().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("sender", User.Type).Field("sender_id").Unique().Immutable(),
		// Parts are the further provider messages of a split reply.
		edge.From("parts", MessagePart.Type).Ref("message").Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes enforce dedup and serve the dispatcher, receipts and conversation
// views: a conversation's messages in created_at order (the latest page reads
// the end of the range), a contact's replies (receipts), and two partial
// indexes that hold only the few rows two pollers look for: the outbox's
// QUEUED replies by conversation (the dispatcher reads each conversation's
// oldest from the index alone) and messages with media still to fetch (the
// media worker), in ID order. A query uses a partial index only when it
// states the index's condition: the dispatcher's "status = ? AND direction =
// ?" bound to QUEUED and OUTBOUND does (SQLite compares the bound values); the media worker names the
// bare column (core/inbox), as ent's "media_pending = ?" matches no form of
// it. A full (status, id) index would serve the dispatcher too, but SQLite,
// which keeps no statistics, would also pick it for "status IN (SENT,
// DELIVERED) AND id < ?" (read receipts) and read most of the table.
// PostgreSQL stores the QUEUED condition with casts, so there a migration
// rebuilds that small index on each start; media_pending it stores as written.
func (Message) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("integration_account_id", "dedup_key").Unique(),
		// client_message_id leads: SQLite keeps no statistics, so an index led
		// by tenant_id looks selective to it, and a lookup by IDs (a page's last
		// messages) would read the tenant's whole range instead of the keys.
		// Only replies carry a client message ID: inbound messages (most of
		// the table) are left out of the index.
		index.Fields("client_message_id", "tenant_id").Unique().
			Annotations(entsql.IndexWhere("client_message_id IS NOT NULL")),
		index.Fields("integration_account_id", "provider_message_id"),
		index.Fields("conversation_id", "created_at", "id"),
		index.Fields("contact_id", "created_at"),
		// Held messages (of a disconnected account) are few and brief.
		index.Fields("integration_account_id").StorageKey("message_held").
			Annotations(entsql.IndexWhere("held")),
		// The outbox: each conversation's queued replies in order, so the
		// dispatcher finds every conversation's oldest in the index alone.
		index.Fields("conversation_id", "id").StorageKey("message_outbox").
			Annotations(entsql.IndexWhere("status = 'QUEUED' AND direction = 'OUTBOUND'")),
		index.Fields("id").StorageKey("message_media_pending").
			Annotations(entsql.IndexWhere("media_pending")),
	}
}

// Annotations expose messages as nodes in conversation connections.
func (Message) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
