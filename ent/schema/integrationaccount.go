package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/switchboard/switchboard/core"
)

// IntegrationAccount is one messenger account a tenant connects: a Facebook page,
// a Telegram bot, a WhatsApp number. Its public settings and its sealed credentials
// are stored as name/value maps whose names are the GraphQL field names of the
// messenger's settings type, so adding a messenger needs no migration.
type IntegrationAccount struct {
	ent.Schema
}

// Mixin confines accounts to their tenant and stamps times.
func (IntegrationAccount) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}, TimeMixin{}}
}

// Fields of the IntegrationAccount.
func (IntegrationAccount) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipAll)
	return []ent.Field{
		// AccountID is the unguessable last segment of the account's webhook URL.
		// graph/ exposes it as accountId (entgql would spell it accountID).
		field.String("account_id").NotEmpty().Unique().Immutable().Annotations(skip),
		field.String("name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		field.Enum("type").
			Values("FACEBOOK", "LINE", "TELEGRAM", "TWITTER", "VIBER", "WECHAT", "WHATSAPP", "CUSTOM").
			Immutable().
			Annotations(entgql.OrderField("TYPE")),
		// Provider tells which gateway a WhatsApp account goes through; empty otherwise.
		field.Enum("provider").Values("INFOBIP", "TWILIO", "NEXMO", "META_CLOUD").
			Optional().Nillable().Immutable(),
		field.Enum("status").Values("ACTIVE", "DISCONNECTED").Default("ACTIVE").
			Annotations(entgql.OrderField("STATUS")),
		field.JSON("settings", map[string]string{}).Annotations(skip),
		// Secrets is a JSON name/value map sealed with AES-256-GCM (core/secrets).
		field.Bytes("secrets").Optional().Sensitive().Annotations(skip),
		// VerifiedAt is when a connection check (Test Connection, or the custom
		// messenger's handshake on connect) last passed with the current settings;
		// nil until one has, and again after the settings change.
		field.Time("verified_at").Optional().Nillable().
			Comment("When a connection check (Test Connection, or the custom messenger's signed handshake when connecting) last passed with the account's current settings. Null until one has, and again after a change to the settings or secrets: such an account has not proven that Switchboard can reach the messenger with them."),
		// The last connection check, shown as lastTest (graph/ resolves it).
		field.Time("last_test_at").Optional().Nillable().Annotations(skip),
		field.Bool("last_test_ok").Optional().Annotations(skip),
		field.String("last_test_message").Optional().Annotations(skip),
		field.JSON("last_test_details", map[string]string{}).Optional().Annotations(skip),
		// Health, shown as health (graph/ resolves it): when the messenger last
		// delivered a webhook and last took a reply, and when and why it last
		// refused the account's credentials on a reply, so an account that
		// stopped working does not look green. Times are kept to the minute, so
		// they cost no write per message.
		field.Time("last_inbound_at").Optional().Nillable().Annotations(skip),
		field.Time("last_sent_at").Optional().Nillable().Annotations(skip),
		field.String("last_send_error").Default("").Annotations(skip),
		field.Time("last_send_error_at").Optional().Nillable().Annotations(skip),
		// WebhookStatus is what the messenger last reported of the account's
		// webhook, for messengers that can say (providers.WebhookStatusReader):
		// read after Test Connection and Set Webhook, and every few minutes.
		field.JSON("webhook_status", &core.WebhookStatus{}).Optional().Annotations(skip),
		// ServiceID is the chat service whose queue the account's new
		// conversations enter; nil: they wait unassigned for any agent.
		field.Int("service_id").Optional().Nillable().Annotations(skip),
	}
}

// Edges of the IntegrationAccount.
func (IntegrationAccount) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("service", ChatService.Type).Field("service_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip(entgql.SkipAll)),
	}
}

// Annotations expose accounts as a Relay connection with filters and ordering.
func (IntegrationAccount) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}
