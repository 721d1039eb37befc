package inbox

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/core/scenario"
	"github.com/switchboard/switchboard/core/sysmsg"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
)

// Customer inactivity: a customer who leaves an agent's message unanswered
// for the service's InactivityWarningSeconds is asked whether they are still
// there (INACTIVITY_WARNING); if they still say nothing for its
// InactivityCloseSeconds, the chat closes as if they had left, so the agent's
// capacity is freed for the next customer. An agent's message starts the
// clock (awaitCustomer), the customer's message stops it (the touch that
// files it), and the router's rounds take the steps that fall due.

// wakeIdleCustomers takes the inactivity steps that are due: the warning,
// then closing.
func (s *Service) wakeIdleCustomers(ctx context.Context, c *ent.Client, rec *recorder) error {
	due, err := c.Conversation.Query().Where(conversation.CustomerIdleAtLTE(s.now())).Limit(routeBatch).All(ctx)
	if err != nil {
		return fmt.Errorf("inbox: inactive customers: %w", err)
	}
	for _, conv := range due {
		if err := s.idleStep(ctx, c, rec, conv); err != nil {
			return err
		}
	}
	return nil
}

// idleStep warns conv's customer, or closes conv when they were warned.
func (s *Service) idleStep(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation) error {
	var svc *ent.ChatService
	if conv.ServiceID != nil {
		var err error
		if svc, err = c.ChatService.Get(ctx, *conv.ServiceID); err != nil && !ent.IsNotFound(err) {
			return fmt.Errorf("inbox: inactivity: service: %w", err)
		}
	}
	if conv.Status != conversation.StatusOPEN || conv.AssigneeID == nil || svc == nil || svc.InactivityWarningSeconds == 0 {
		// Closed, back in a queue, or the service no longer checks: stop.
		return c.Conversation.UpdateOne(conv).ClearCustomerIdleAt().SetIdleWarned(false).Exec(ctx)
	}
	if !conv.IdleWarned {
		up := c.Conversation.UpdateOne(conv).SetIdleWarned(true)
		if svc.InactivityCloseSeconds > 0 {
			up.SetCustomerIdleAt(s.now().Add(time.Duration(svc.InactivityCloseSeconds) * time.Second))
		} else {
			up.ClearCustomerIdleAt()
		}
		if err := up.Exec(ctx); err != nil {
			return fmt.Errorf("inbox: inactivity warning: %w", err)
		}
		return s.tell(ctx, c, rec, conv, sysmsg.InactivityWarning, sysmsg.Vars{AgentName: s.userName(ctx, c, *conv.AssigneeID)})
	}
	// Warned and still silent: the customer has left. A scenario in Connect
	// Chat follows its customerLeft exit (a goodbye, say); then the chat
	// closes, telling the customer and freeing the agent.
	if conv.ScenarioState != nil {
		if err := s.scenarioInput(ctx, c, rec, conv, scenario.Input{Kind: scenario.InputCustomerLeft}); err != nil {
			return err
		}
		fresh, err := c.Conversation.Get(ctx, conv.ID)
		if err != nil {
			return fmt.Errorf("inbox: inactivity: %w", err)
		}
		if conv = fresh; conv.Status != conversation.StatusOPEN {
			return nil
		}
	}
	_, err := s.applyChange(ctx, c, rec, conv, ConversationClosed,
		c.Conversation.UpdateOne(conv).SetStatus(conversation.StatusCLOSED).SetClosedAt(s.now()))
	return err
}

// nextIdleWake is when the next inactivity step falls due (zero: none).
func (s *Service) nextIdleWake(ctx context.Context) (time.Time, error) {
	next, err := s.client.Conversation.Query().Where(conversation.CustomerIdleAtNotNil()).
		Order(ent.Asc(conversation.FieldCustomerIdleAt)).First(ctx)
	if ent.IsNotFound(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return *next.CustomerIdleAt, nil
}
