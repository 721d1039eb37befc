package inbox

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/core/scenario"
	"github.com/switchboard/switchboard/core/sysmsg"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/message"
)

// System messages: what the contact center tells a customer at chat events
// (started, queued with the position, position changed, agent joined,
// transferred, closed), each in the words the account chose (CUSTOM, the
// tenant's DEFAULT, or DISABLED: nothing; core/sysmsg). They go out as
// outbound messages without a sender, through the dispatcher like replies.

// SystemTexts resolves an account's text for a chat event (core/sysmsg's
// Service); send is false when the event is DISABLED.
type SystemTexts interface {
	Text(ctx context.Context, accountID int, event sysmsg.Event, vars sysmsg.Vars) (text string, send bool, err error)
}

// tell sends conv's customer the account's text for event, if it has one.
// A system message never fails its job: a failure to resolve the text is
// logged and nothing is sent.
func (s *Service) tell(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation, event sysmsg.Event, vars sysmsg.Vars) error {
	if s.opts.SystemMessages == nil {
		return nil
	}
	if vars.CustomerName == "" {
		if ct, err := c.Contact.Get(ctx, conv.ContactID); err == nil {
			vars.CustomerName = ct.DisplayName
		}
	}
	text, send, err := s.opts.SystemMessages.Text(ctx, conv.IntegrationAccountID, event, vars)
	if err != nil {
		s.log.ErrorContext(ctx, "inbox: system message", "event", string(event), "err", err)
		return nil
	}
	if !send {
		return nil
	}
	return s.botSay(ctx, c, rec, conv, text)
}

// botSay queues text to conv's customer as the contact center (no agent).
func (s *Service) botSay(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation, text string) error {
	m, err := c.Message.Create().
		SetTenantID(conv.TenantID).
		SetIntegrationAccountID(conv.IntegrationAccountID).
		SetContactID(conv.ContactID).
		SetConversationID(conv.ID).
		SetDirection(message.DirectionOUTBOUND).
		SetStatus(message.StatusQUEUED).
		SetText(text).
		SetNextAttemptAt(s.now()).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("inbox: system message: %w", err)
	}
	if conv, err = c.Conversation.UpdateOneID(conv.ID).SetLastMessageAt(s.now()).SetLastMessageID(m.ID).Save(ctx); err != nil {
		return fmt.Errorf("inbox: system message: %w", err)
	}
	rec.after = append(rec.after, s.Wake)
	id := m.ID
	return rec.add(ctx, MessageCreated, conv, &id)
}

// queuePosition is conv's place among its service's conversations waiting
// to be offered (1: next), and how many wait in all.
func (s *Service) queuePosition(ctx context.Context, c *ent.Client, conv *ent.Conversation) (position, waiting int, err error) {
	if conv.ServiceID == nil || conv.QueuedAt == nil {
		return 0, 0, nil
	}
	q := c.Conversation.Query().Where(conversation.ServiceID(*conv.ServiceID), inQueue(), conversation.OfferedToIDIsNil())
	waiting, err = q.Clone().Count(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("inbox: queue length: %w", err)
	}
	ahead, err := q.Where(conversation.Or(
		conversation.PriorityGT(conv.Priority),
		conversation.And(conversation.Priority(conv.Priority), conversation.QueuedAtLT(*conv.QueuedAt)),
		conversation.And(conversation.Priority(conv.Priority), conversation.QueuedAt(*conv.QueuedAt), conversation.IDLT(conv.ID)),
	)).Count(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("inbox: queue position: %w", err)
	}
	return ahead + 1, waiting, nil
}

// greetEntered tells the customers of conversations that entered a queue in
// this job that they did, and their place (after their own message is
// stored, so the answer follows it).
func (s *Service) greetEntered(ctx context.Context, c *ent.Client, rec *recorder, text string) error {
	entered := rec.entered
	rec.entered = nil
	for _, conv := range entered {
		if err := s.tell(ctx, c, rec, conv, sysmsg.ConversationStarted, sysmsg.Vars{}); err != nil {
			return err
		}
		if err := s.tellIfClosed(ctx, c, rec, conv); err != nil {
			return err
		}
		if !conv.Routable {
			// A scenario talks first; its Find Agent block queues it.
			if err := s.startScenario(ctx, c, rec, conv, text); err != nil {
				return err
			}
			continue
		}
		if err := s.tellQueued(ctx, c, rec, conv); err != nil {
			return err
		}
	}
	return nil
}

// tellQueued tells the customer its place in the queue and, when someone is
// ahead, the estimated wait.
func (s *Service) tellQueued(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation) error {
	pos, _, err := s.queuePosition(ctx, c, conv)
	if err != nil || pos == 0 {
		return err
	}
	s.positions.Told(conv.ID, pos)
	wait := s.estimatedWait(ctx, c, conv, pos)
	if err := s.tell(ctx, c, rec, conv, sysmsg.Queued, sysmsg.Vars{Position: pos, Wait: wait}); err != nil {
		return err
	}
	if pos > 1 {
		return s.tell(ctx, c, rec, conv, sysmsg.EstimatedWait, sysmsg.Vars{Position: pos, Wait: wait})
	}
	return nil
}

// recentAnswers is how many of a service's latest answered conversations
// the wait estimate averages.
const recentAnswers = 20

// estimatedWait is the wait expected at position in conv's queue: the
// average wait of the service's latest answered conversations for each
// place, or a minute a place while it has none.
func (s *Service) estimatedWait(ctx context.Context, c *ent.Client, conv *ent.Conversation, position int) time.Duration {
	per := time.Minute
	if conv.ServiceID != nil {
		recent, err := c.Conversation.Query().
			Where(conversation.ServiceID(*conv.ServiceID), conversation.AnsweredAtNotNil(), conversation.QueuedAtNotNil()).
			Order(ent.Desc(conversation.FieldQueuedAt)).Limit(recentAnswers).
			Select(conversation.FieldQueuedAt, conversation.FieldAnsweredAt).All(ctx)
		if err == nil && len(recent) > 0 {
			var sum time.Duration
			for _, r := range recent {
				sum += max(0, r.AnsweredAt.Sub(*r.QueuedAt))
			}
			per = max(sum/time.Duration(len(recent)), 10*time.Second)
		}
	}
	return time.Duration(position) * per
}

// tellPositions tells the customers still waiting to be offered their new
// place in the queue when it moved up, as often as the limiter allows.
func (s *Service) tellPositions(ctx context.Context, c *ent.Client, rec *recorder) error {
	svcs, err := c.ChatService.Query().IDs(ctx)
	if err != nil {
		return fmt.Errorf("inbox: queue positions: %w", err)
	}
	// The first round after a start: the customers heard of their places
	// before it (the limiter's memory is not kept), so they are not told
	// them again.
	primed := s.positionsPrimed.Load()
	defer s.positionsPrimed.Store(true)
	for _, svc := range svcs {
		waiting, err := waitingIn(ctx, c, svc, positionsTold)
		if err != nil {
			return fmt.Errorf("inbox: queue positions: %w", err)
		}
		for i, conv := range waiting {
			pos := i + 1
			if !primed {
				s.positions.Told(conv.ID, pos)
				continue
			}
			if !s.positions.Allow(conv.ID, pos) { // allowed: recorded as told
				continue
			}
			if err := s.tell(ctx, c, rec, conv, sysmsg.PositionChanged, sysmsg.Vars{Position: pos, Wait: s.estimatedWait(ctx, c, conv, pos)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// positionsTold bounds the customers per queue told their new place in a
// round; further back, a place changes too little to be worth a message.
const positionsTold = 1000

// tellIfClosed tells a customer who writes outside the service's opening
// hours that it is closed (the conversation still waits in the queue).
func (s *Service) tellIfClosed(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation) error {
	if conv.ServiceID == nil {
		return nil
	}
	svc, err := c.ChatService.Get(ctx, *conv.ServiceID)
	if err != nil || svc.Hours == "" {
		return nil
	}
	hours, err := scenario.ParseHours(svc.Hours)
	if err != nil {
		return nil
	}
	loc, err := time.LoadLocation(svc.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	if hours.Contains(s.now().In(loc)) {
		return nil
	}
	return s.tell(ctx, c, rec, conv, sysmsg.OutsideHours, sysmsg.Vars{})
}
