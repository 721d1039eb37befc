package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/switchboard/switchboard/core"
)

// ChatService is a named queue of the contact center: the conversations of
// its integration accounts wait in it, by priority then arrival, until Find
// Agent offers each one to a READY agent of the service with the skills it
// requires.
type ChatService struct {
	ent.Schema
}

// Mixin confines services to their tenant and stamps times.
func (ChatService) Mixin() []ent.Mixin {
	return []ent.Mixin{TenantMixin{}, TimeMixin{}}
}

// Fields of the ChatService.
func (ChatService) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipAll)
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("NAME")),
		// Priority orders queues against each other: an agent serving several
		// services is offered the higher priority's conversations first.
		field.Int("priority").Default(0),
		// RequiredSkills are what an agent needs (each at least the level) to
		// be offered this service's conversations.
		field.JSON("required_skills", []core.Skill{}).Optional().Annotations(skip),
		// TimeZone is the IANA zone of the service's hours (scenario If blocks).
		field.String("time_zone").Default("UTC").MaxLen(64),
		// Hours are the service's opening hours in its time zone (core/scenario's
		// schedule syntax, "Mon-Fri 09:00-18:00"); empty: always open. A
		// customer who writes outside them is told so (OUTSIDE_HOURS) and
		// waits in the queue.
		field.String("hours").Default("").MaxLen(500),
		// OfferTimeoutSeconds is how long an agent has to accept an offer
		// before it moves on to the next agent.
		field.Int("offer_timeout_seconds").Default(30).Positive(),
		// InactivityWarningSeconds is how long a customer may leave an agent's
		// message unanswered before they are asked whether they are still there
		// (INACTIVITY_WARNING); 0 turns the check off. InactivityCloseSeconds,
		// counted from the warning, closes the chat if they still say nothing
		// (0: never).
		field.Int("inactivity_warning_seconds").Default(0).NonNegative(),
		field.Int("inactivity_close_seconds").Default(0).NonNegative(),
		// Scenario is the service's chat scenario (core/scenario JSON); empty
		// means Find Agent straight away.
		field.Bytes("scenario").Optional().Annotations(skip),
	}
}

// Edges of the ChatService.
func (ChatService) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("agents", User.Type),
		edge.From("accounts", IntegrationAccount.Type).Ref("service"),
	}
}

// Indexes make a service's name unique within its tenant.
func (ChatService) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "name").Unique()}
}

// Annotations expose services as nodes.
func (ChatService) Annotations() []schema.Annotation {
	return []schema.Annotation{}
}
