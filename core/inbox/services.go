package inbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/scenario"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/chatservice"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/ent/user"
)

// Chat services: the named queues of a contact center. An admin gives a
// service its integration accounts (an account belongs to at most one), the
// agents who serve it (none: every agent of the tenant), the skills it
// requires, its priority, time zone and offer timeout. The changes are jobs of
// the writer, as they decide where conversations go.

// ServiceInput is a service's fields; nil leaves one unchanged (on create,
// at its default).
type ServiceInput struct {
	Name                *string
	Priority            *int
	Hours               *string
	RequiredSkills      *[]core.Skill
	TimeZone            *string
	OfferTimeoutSeconds *int
	// Inactivity: see the ChatService schema (0 turns each step off).
	InactivityWarningSeconds *int
	InactivityCloseSeconds   *int
	AccountIDs               *[]int
	AgentIDs                 *[]int
}

// Bounds of a service's fields and of skills.
const (
	maxServicePriority = 1000
	minOfferTimeout    = 5
	maxOfferTimeout    = 3600
	minInactivity      = 1
	maxInactivity      = 86400
)

// validateService checks in; creating requires a name.
func validateService(in ServiceInput, creating bool) error {
	v := &core.ValidationError{}
	if in.Name != nil || creating {
		if in.Name == nil || strings.TrimSpace(*in.Name) == "" || len([]rune(*in.Name)) > 200 {
			v.Add("name", "must be 1 to 200 characters")
		}
	}
	if in.Priority != nil && (*in.Priority < -maxServicePriority || *in.Priority > maxServicePriority) {
		v.Add("priority", "must be between %d and %d", -maxServicePriority, maxServicePriority)
	}
	if in.RequiredSkills != nil {
		core.ValidateSkills(v, "requiredSkills", *in.RequiredSkills)
	}
	if in.TimeZone != nil {
		if _, err := time.LoadLocation(*in.TimeZone); err != nil || *in.TimeZone == "" || *in.TimeZone == "Local" {
			v.Add("timeZone", "must be an IANA time zone such as Europe/Berlin")
		}
	}
	if in.Hours != nil && strings.TrimSpace(*in.Hours) != "" {
		if _, err := scenario.ParseHours(*in.Hours); err != nil {
			v.Add("hours", "%s", err.Error())
		}
	}
	if in.OfferTimeoutSeconds != nil && (*in.OfferTimeoutSeconds < minOfferTimeout || *in.OfferTimeoutSeconds > maxOfferTimeout) {
		v.Add("offerTimeoutSeconds", "must be between %d and %d", minOfferTimeout, maxOfferTimeout)
	}
	for _, f := range []struct {
		name string
		n    *int
	}{{"inactivityWarningSeconds", in.InactivityWarningSeconds}, {"inactivityCloseSeconds", in.InactivityCloseSeconds}} {
		if f.n != nil && *f.n != 0 && (*f.n < minInactivity || *f.n > maxInactivity) {
			v.Add(f.name, "must be 0 (off) or between %d and %d", minInactivity, maxInactivity)
		}
	}
	return v.OrNil()
}

// checkMembers verifies, as the viewer (so in its tenant), that the accounts
// and agents exist and that no account belongs to another service than self.
func (s *Service) checkMembers(ctx context.Context, in ServiceInput, self int) error {
	if in.AccountIDs != nil {
		accts, err := s.client.IntegrationAccount.Query().Where(integrationaccount.IDIn(*in.AccountIDs...)).All(ctx)
		if err != nil {
			return fmt.Errorf("inbox: service accounts: %w", err)
		}
		if len(accts) != len(dedupInts(*in.AccountIDs)) {
			return core.Invalid("accountIds", "an account does not exist")
		}
		for _, a := range accts {
			if a.ServiceID != nil && *a.ServiceID != self {
				return fmt.Errorf("inbox: account %q already belongs to another service; remove it there first: %w", a.Name, core.ErrConflict)
			}
		}
	}
	if in.AgentIDs != nil {
		n, err := s.client.User.Query().Where(user.IDIn(*in.AgentIDs...), user.RoleIn(user.RoleAGENT, user.RoleSUPERVISOR)).Count(ctx)
		if err != nil {
			return fmt.Errorf("inbox: service agents: %w", err)
		}
		if n != len(dedupInts(*in.AgentIDs)) {
			return core.Invalid("agentIds", "every member must be an agent or supervisor of the tenant")
		}
	}
	return nil
}

func dedupInts(ids []int) map[int]bool {
	out := make(map[int]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// Services lists the tenant's chat services by name.
func (s *Service) Services(ctx context.Context) ([]*ent.ChatService, error) {
	out, err := s.client.ChatService.Query().Order(ent.Asc(chatservice.FieldName)).All(ctx)
	return out, store.Wrap(err, "inbox: services")
}

// CreateService adds a chat service to the viewer's tenant.
func (s *Service) CreateService(ctx context.Context, in ServiceInput) (*ent.ChatService, error) {
	v, _ := core.ViewerFrom(ctx)
	if err := validateService(in, true); err != nil {
		return nil, err
	}
	if err := s.checkMembers(ctx, in, 0); err != nil {
		return nil, err
	}
	var out *ent.ChatService
	err := s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		// A new service starts with the default scenario (saveScenario
		// replaces or removes it).
		create := c.ChatService.Create().SetTenantID(v.TenantID).SetName(strings.TrimSpace(*in.Name)).SetRequiredSkills([]core.Skill{}).
			SetScenario(DefaultScenario())
		if in.Priority != nil {
			create.SetPriority(*in.Priority)
		}
		if in.RequiredSkills != nil {
			create.SetRequiredSkills(core.CleanSkills(*in.RequiredSkills))
		}
		if in.TimeZone != nil {
			create.SetTimeZone(*in.TimeZone)
		}
		if in.Hours != nil {
			create.SetHours(strings.TrimSpace(*in.Hours))
		}
		if in.OfferTimeoutSeconds != nil {
			create.SetOfferTimeoutSeconds(*in.OfferTimeoutSeconds)
		}
		create.SetNillableInactivityWarningSeconds(in.InactivityWarningSeconds).
			SetNillableInactivityCloseSeconds(in.InactivityCloseSeconds)
		if in.AgentIDs != nil {
			create.AddAgentIDs(*in.AgentIDs...)
		}
		var err error
		if out, err = create.Save(ctx); err != nil {
			if ent.IsConstraintError(err) {
				return fmt.Errorf("inbox: a service with this name exists: %w", core.ErrConflict)
			}
			return fmt.Errorf("inbox: create service: %w", err)
		}
		return s.setServiceAccounts(ctx, c, rec, out.ID, in.AccountIDs)
	})
	if err != nil {
		return nil, err
	}
	return out.Unwrap(), nil
}

// UpdateService changes the fields given. Accounts taken out of the service
// send their new conversations to no queue; conversations already queued stay.
func (s *Service) UpdateService(ctx context.Context, id int, in ServiceInput) (*ent.ChatService, error) {
	if _, err := s.client.ChatService.Get(ctx, id); err != nil {
		return nil, store.Wrap(err, "inbox: service")
	}
	if err := validateService(in, false); err != nil {
		return nil, err
	}
	if err := s.checkMembers(ctx, in, id); err != nil {
		return nil, err
	}
	var out *ent.ChatService
	err := s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		up := c.ChatService.UpdateOneID(id)
		if in.Name != nil {
			up.SetName(strings.TrimSpace(*in.Name))
		}
		if in.Priority != nil {
			up.SetPriority(*in.Priority)
		}
		if in.RequiredSkills != nil {
			up.SetRequiredSkills(core.CleanSkills(*in.RequiredSkills))
		}
		if in.TimeZone != nil {
			up.SetTimeZone(*in.TimeZone)
		}
		if in.Hours != nil {
			up.SetHours(strings.TrimSpace(*in.Hours))
		}
		if in.OfferTimeoutSeconds != nil {
			up.SetOfferTimeoutSeconds(*in.OfferTimeoutSeconds)
		}
		up.SetNillableInactivityWarningSeconds(in.InactivityWarningSeconds).
			SetNillableInactivityCloseSeconds(in.InactivityCloseSeconds)
		if in.AgentIDs != nil {
			up.ClearAgents().AddAgentIDs(*in.AgentIDs...)
		}
		var err error
		if out, err = up.Save(ctx); err != nil {
			if ent.IsConstraintError(err) {
				return fmt.Errorf("inbox: a service with this name exists: %w", core.ErrConflict)
			}
			return fmt.Errorf("inbox: update service: %w", err)
		}
		if in.Priority != nil {
			// Waiting conversations take the new priority.
			if _, err := c.Conversation.Update().Where(conversation.ServiceID(id), conversation.Queued(true)).
				SetPriority(*in.Priority).Save(ctx); err != nil {
				return fmt.Errorf("inbox: requeue: %w", err)
			}
		}
		return s.setServiceAccounts(ctx, c, rec, id, in.AccountIDs)
	})
	if err != nil {
		return nil, err
	}
	s.kickRouter()
	return out.Unwrap(), nil
}

// setServiceAccounts makes ids (when given) the service's accounts.
func (s *Service) setServiceAccounts(ctx context.Context, c *ent.Client, rec *recorder, id int, ids *[]int) error {
	if ids == nil {
		return nil
	}
	before, err := c.IntegrationAccount.Query().Where(integrationaccount.ServiceID(id)).IDs(ctx)
	if err != nil {
		return fmt.Errorf("inbox: service accounts: %w", err)
	}
	if _, err := c.IntegrationAccount.Update().Where(integrationaccount.ServiceID(id)).ClearServiceID().Save(ctx); err != nil {
		return fmt.Errorf("inbox: service accounts: %w", err)
	}
	if len(*ids) > 0 {
		n, err := c.IntegrationAccount.Update().
			Where(integrationaccount.IDIn(*ids...), integrationaccount.Or(integrationaccount.ServiceIDIsNil(), integrationaccount.ServiceID(id))).
			SetServiceID(id).Save(ctx)
		if err != nil {
			return fmt.Errorf("inbox: service accounts: %w", err)
		}
		if n != len(dedupInts(*ids)) {
			return fmt.Errorf("inbox: an account joined another service meanwhile: %w", core.ErrConflict)
		}
	}
	// The ingest path reads an account's service from its cache.
	changed := append(before, *ids...)
	rec.after = append(rec.after, func() {
		for _, a := range changed {
			s.accountsCache.forget(a)
		}
	})
	return nil
}

// DeleteService removes a service. Its waiting conversations leave the queue
// and wait unassigned for any agent (their offers are withdrawn); its
// accounts' new conversations go to no queue.
func (s *Service) DeleteService(ctx context.Context, id int) error {
	if _, err := s.client.ChatService.Get(ctx, id); err != nil {
		return store.Wrap(err, "inbox: service")
	}
	return s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		queued, err := c.Conversation.Query().Where(conversation.ServiceID(id), conversation.Queued(true)).All(ctx)
		if err != nil {
			return fmt.Errorf("inbox: delete service: %w", err)
		}
		for _, conv := range queued {
			if conv.OfferedToID != nil {
				if err := s.withdrawOffers(ctx, c, rec, conv.ID); err != nil {
					return err
				}
			}
			previous := holdersOf(conv)
			out, err := c.Conversation.UpdateOneID(conv.ID).SetQueued(false).ClearOfferedToID().Save(ctx)
			if err != nil {
				return fmt.Errorf("inbox: delete service: %w", err)
			}
			if err := rec.addAssigned(ctx, out, previous); err != nil {
				return err
			}
		}
		if err := s.setServiceAccounts(ctx, c, rec, id, &[]int{}); err != nil {
			return err
		}
		if err := c.ChatService.DeleteOneID(id).Exec(ctx); err != nil {
			return fmt.Errorf("inbox: delete service: %w", err)
		}
		return nil
	})
}

// TransferToService puts a conversation back into a service's queue (a
// transfer to another service): it leaves its agent, keeps its history, and
// waits by the service's priority and its first arrival. It keeps its
// answered time too: answered is when an agent first got the customer (an
// accepted offer, a take, an assignment), set once, so the wait figures
// count each customer's wait for a first answer once, and a conversation
// answered before a transfer is never counted abandoned after it.
func (s *Service) TransferToService(ctx context.Context, id, serviceID int) (*ent.Conversation, error) {
	if _, err := s.client.ChatService.Get(ctx, serviceID); err != nil {
		if errors.Is(store.Wrap(err, ""), core.ErrNotFound) {
			return nil, core.Invalid("serviceId", "no such service")
		}
		return nil, store.Wrap(err, "inbox: service")
	}
	v, _ := core.ViewerFrom(ctx)
	return s.change(ctx, id, ConversationAssigned, func(conv *ent.Conversation) error {
		if v.Role == core.RoleAgent && (conv.AssigneeID == nil || *conv.AssigneeID != v.UserID) {
			return fmt.Errorf("inbox: transfer: not yours: %w", core.ErrForbidden)
		}
		return isOpen(conv)
	}, func(ctx context.Context, c *ent.Client, conv *ent.Conversation) (*ent.ConversationUpdateOne, error) {
		svc, err := c.ChatService.Get(ctx, serviceID)
		if err != nil {
			return nil, store.Wrap(err, "inbox: service")
		}
		// It waits for that service's agents: the skills a Find Agent block
		// of the old service asked for, and its scenario's run, stay behind.
		up := c.Conversation.UpdateOne(conv).ClearAssigneeID().SetServiceID(svc.ID).SetPriority(svc.Priority).
			SetQueued(true).SetRoutable(true).ClearOfferedToID().ClearRequiredSkills().ClearScenarioState().ClearScenarioWakeAt()
		if conv.QueuedAt == nil {
			up.SetQueuedAt(s.now())
		}
		return up, nil
	})
}
