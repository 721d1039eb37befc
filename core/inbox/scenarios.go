package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/scenario"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/core/sysmsg"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
)

// Scenario runs. A service's chat scenario (core/scenario) runs once per
// conversation that enters its queue: the interpreter is pure, and this
// engine feeds it what happens (the customer writes, an agent accepts, the
// chat ends, a timeout falls due) and does what it asks (send a text, queue
// for an agent with skills, store a survey, finish). The run's state is kept
// on the conversation in the same transaction as everything it caused, so a
// restart resumes it at the block it was in, and its timeout is a column the
// router's loop waits for.

// SaveScenario validates and stores a service's scenario (nil: none, its
// conversations are offered at once). Problems are a validation error naming
// each block and field.
func (s *Service) SaveScenario(ctx context.Context, serviceID int, raw []byte) (*ent.ChatService, error) {
	if _, err := s.client.ChatService.Get(ctx, serviceID); err != nil {
		return nil, store.Wrap(err, "inbox: service")
	}
	if raw != nil {
		sc, err := scenario.Parse(raw)
		if err != nil {
			return nil, core.Invalid("input", "%s", err.Error())
		}
		if problems := scenario.Validate(sc); len(problems) > 0 {
			v := &core.ValidationError{}
			for _, p := range problems {
				field := "blocks"
				if p.Block != "" {
					field += "[" + p.Block + "]"
				}
				if p.Field != "" {
					field += "." + p.Field
				}
				v.Add(field, "%s", p.Message)
			}
			return nil, v
		}
		if raw, err = json.Marshal(sc); err != nil {
			return nil, fmt.Errorf("inbox: scenario: %w", err)
		}
	}
	var out *ent.ChatService
	err := s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		up := c.ChatService.UpdateOneID(serviceID)
		if raw == nil {
			up.ClearScenario()
		} else {
			up.SetScenario(raw)
		}
		var err error
		out, err = up.Save(ctx)
		return store.Wrap(err, "inbox: save scenario")
	})
	if err != nil {
		return nil, err
	}
	return out.Unwrap(), nil
}

// runOf is a conversation's scenario and its run's state; nil when it has
// none running.
func (s *Service) runOf(ctx context.Context, c *ent.Client, conv *ent.Conversation) (*scenario.Scenario, *ent.ChatService, scenario.State, bool, error) {
	var st scenario.State
	if conv.ServiceID == nil || len(conv.ScenarioState) == 0 {
		return nil, nil, st, false, nil
	}
	if err := json.Unmarshal(conv.ScenarioState, &st); err != nil || st.Done {
		return nil, nil, st, false, nil
	}
	svc, err := c.ChatService.Get(ctx, *conv.ServiceID)
	if ent.IsNotFound(err) || (err == nil && len(svc.Scenario) == 0) {
		return nil, nil, st, false, nil
	}
	if err != nil {
		return nil, nil, st, false, fmt.Errorf("inbox: scenario service: %w", err)
	}
	sc, err := scenario.Parse(svc.Scenario)
	if err != nil {
		return nil, nil, st, false, nil
	}
	return sc, svc, st, true, nil
}

// startScenario begins conv's run with the customer's first message.
func (s *Service) startScenario(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation, text string) error {
	svc, err := c.ChatService.Get(ctx, *conv.ServiceID)
	if err != nil {
		return fmt.Errorf("inbox: scenario service: %w", err)
	}
	sc, err := scenario.Parse(svc.Scenario)
	if err != nil {
		// A stored scenario always parsed when saved; should it not now,
		// the conversation is offered as without one.
		s.log.ErrorContext(ctx, "inbox: scenario", "service", svc.ID, "err", err)
		return s.makeRoutable(ctx, c, rec, conv, nil, time.Time{})
	}
	return s.step(ctx, c, rec, conv, sc, svc, scenario.State{}, scenario.Input{Kind: scenario.InputStart, Text: text})
}

// scenarioInput feeds in to conv's run, if it has one.
func (s *Service) scenarioInput(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation, in scenario.Input) error {
	full, err := c.Conversation.Get(ctx, conv.ID)
	if err != nil {
		return fmt.Errorf("inbox: scenario conversation: %w", err)
	}
	sc, svc, st, ok, err := s.runOf(ctx, c, full)
	if err != nil || !ok {
		return err
	}
	return s.step(ctx, c, rec, full, sc, svc, st, in)
}

// scenarioMessage feeds a customer's message to conv's run. Most
// conversations have none: the touch that filed the message returned the
// run's state, so that takes no read.
//
// Only a run waiting for the customer's answer (Collect, the survey) acts on
// a message; one waiting for an agent or in a chat (the usual case, and with
// every message of a queued or connected customer) only keeps the text for
// later MESSAGE_TEXT conditions, as scenario.Step would, in one UPDATE: no
// service, contact or queue reads, and no router round.
func (s *Service) scenarioMessage(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation, text string) error {
	if conv.ServiceID == nil || len(conv.ScenarioState) == 0 {
		return nil
	}
	var st scenario.State
	if err := json.Unmarshal(conv.ScenarioState, &st); err != nil || st.Done {
		return nil
	}
	switch st.Waiting {
	case scenario.WaitAnswer, scenario.WaitRating, scenario.WaitComment:
		return s.scenarioInput(ctx, c, rec, conv, scenario.Input{Kind: scenario.InputCustomerMessage, Text: text})
	}
	st.LastMessage = text
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("inbox: scenario state: %w", err)
	}
	if err := c.Conversation.UpdateOneID(conv.ID).SetScenarioState(raw).Exec(ctx); err != nil {
		return fmt.Errorf("inbox: scenario state: %w", err)
	}
	return nil
}

// step runs the interpreter on one input and does what it asks.
func (s *Service) step(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation, sc *scenario.Scenario, svc *ent.ChatService,
	st scenario.State, in scenario.Input) error {
	env := scenario.Env{Now: s.now(), TimeZone: svc.TimeZone, Hours: svc.Hours}
	if ct, err := c.Contact.Get(ctx, conv.ContactID); err == nil {
		env.Contact = scenario.Contact{Name: ct.DisplayName, Language: ct.Language, Fields: ct.Fields}
	}
	if conv.AssigneeID != nil {
		env.Agent = scenario.Agent{ID: fmt.Sprint(*conv.AssigneeID), Name: s.userName(ctx, c, *conv.AssigneeID)}
	}
	if conv.Queued {
		if pos, waiting, err := s.queuePosition(ctx, c, conv); err == nil {
			env.Position, env.QueueLength, env.EstimatedWait = pos, waiting, s.estimatedWait(ctx, c, conv, max(pos, 1))
		}
	}
	next, actions, err := scenario.Step(sc, st, in, env)
	if errors.Is(err, scenario.ErrStaleState) {
		// The scenario changed under the run: it ends, and the conversation
		// is offered as without one.
		next = scenario.State{Done: true}
		actions = []scenario.Action{}
		if conv.AssigneeID == nil && conv.Status == conversation.StatusOPEN {
			if err := s.makeRoutable(ctx, c, rec, conv, nil, time.Time{}); err != nil {
				return err
			}
		}
	} else if err != nil {
		s.log.ErrorContext(ctx, "inbox: scenario step", "conversation", conv.ID, "input", string(in.Kind), "err", err)
		return nil
	}
	raw, err := json.Marshal(next)
	if err != nil {
		return fmt.Errorf("inbox: scenario state: %w", err)
	}
	up := c.Conversation.UpdateOneID(conv.ID).SetScenarioState(raw)
	if next.Waiting == scenario.WaitAgent && !next.Deadline.IsZero() {
		up.SetScenarioWakeAt(next.Deadline)
	} else {
		up.ClearScenarioWakeAt()
	}
	if conv, err = up.Save(ctx); err != nil {
		return fmt.Errorf("inbox: scenario state: %w", err)
	}
	if !next.Deadline.IsZero() && !next.Deadline.Equal(st.Deadline) {
		s.kickRouter() // its timer may be the next one due
	}
	for _, a := range actions {
		switch a := a.(type) {
		case scenario.SendText:
			if err := s.botSay(ctx, c, rec, conv, a.Text); err != nil {
				return err
			}
		case scenario.FindAgent:
			skills := make([]core.Skill, 0, len(a.Skills))
			for _, sk := range a.Skills {
				skills = append(skills, core.Skill{Name: sk.Skill, Level: sk.MinLevel})
			}
			if len(skills) == 0 {
				skills = nil
			}
			if err := s.makeRoutable(ctx, c, rec, conv, skills, a.Deadline); err != nil {
				return err
			}
		case scenario.ConnectChat:
			// The agent accepted: the conversation is already its own.
		case scenario.StoreSurvey:
			create := c.SurveyResult.Create().SetTenantID(conv.TenantID).SetConversationID(conv.ID).
				SetRating(a.Rating).SetComment(a.Comment).SetNillableServiceID(conv.ServiceID)
			if id, err := strconv.Atoi(a.Agent.ID); err == nil {
				create.SetAgentID(id)
			}
			if err := create.Exec(ctx); err != nil {
				return fmt.Errorf("inbox: survey: %w", err)
			}
		case scenario.Finish:
			if a.Closing != "" {
				if err := s.botSay(ctx, c, rec, conv, a.Closing); err != nil {
					return err
				}
			}
			if err := s.finishRun(ctx, c, rec, conv.ID, a.Reason); err != nil {
				return err
			}
		}
	}
	return nil
}

// makeRoutable lets the router offer conv (a Find Agent block, or a
// conversation whose scenario could not run), to agents with skills when
// given, until deadline.
func (s *Service) makeRoutable(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation, skills []core.Skill, deadline time.Time) error {
	up := c.Conversation.UpdateOneID(conv.ID).SetQueued(true).SetRoutable(true)
	if skills != nil {
		up.SetRequiredSkills(skills)
	} else {
		up.ClearRequiredSkills()
	}
	if conv.QueuedAt == nil {
		up.SetQueuedAt(s.now())
	}
	out, err := up.Save(ctx)
	if err != nil {
		return fmt.Errorf("inbox: find agent: %w", err)
	}
	s.kickRouter()
	return s.tellQueued(ctx, c, rec, out)
}

// finishRun ends a run: a conversation still waiting for an agent leaves the
// queue (its offer withdrawn) and closes; one an agent holds stays with it.
func (s *Service) finishRun(ctx context.Context, c *ent.Client, rec *recorder, convID int, reason scenario.FinishReason) error {
	conv, err := c.Conversation.Get(ctx, convID)
	if err != nil {
		return fmt.Errorf("inbox: finish scenario: %w", err)
	}
	if conv.Status != conversation.StatusOPEN || conv.AssigneeID != nil {
		return nil
	}
	if conv.OfferedToID != nil {
		if err := s.withdrawOffers(ctx, c, rec, conv.ID); err != nil {
			return err
		}
	}
	s.positions.Forget(conv.ID)
	out, err := c.Conversation.UpdateOneID(conv.ID).SetStatus(conversation.StatusCLOSED).SetClosedAt(s.now()).
		SetQueued(false).SetRoutable(false).ClearOfferedToID().ClearScenarioWakeAt().
		SetAbandoned(conv.Queued && conv.AnsweredAt == nil && reason == scenario.FinishCustomerLeft).Save(ctx)
	if err != nil {
		return fmt.Errorf("inbox: finish scenario: %w", err)
	}
	s.kickRouter()
	return rec.add(ctx, ConversationClosed, out, nil)
}

// wakeScenarios feeds TIMEOUT to the runs whose deadline has passed: a Find
// Agent nobody answered in time leaves the queue for its timeout exit.
func (s *Service) wakeScenarios(ctx context.Context, c *ent.Client, rec *recorder) error {
	due, err := c.Conversation.Query().Where(conversation.ScenarioWakeAtLTE(s.now())).Limit(routeBatch).All(ctx)
	if err != nil {
		return fmt.Errorf("inbox: scenario timeouts: %w", err)
	}
	for _, conv := range due {
		if conv.AssigneeID == nil && conv.Status == conversation.StatusOPEN {
			// No longer offered: the timeout exit decides what follows.
			if conv.OfferedToID != nil {
				if err := s.withdrawOffers(ctx, c, rec, conv.ID); err != nil {
					return err
				}
			}
			if _, err := c.Conversation.UpdateOneID(conv.ID).SetRoutable(false).Save(ctx); err != nil {
				return fmt.Errorf("inbox: scenario timeout: %w", err)
			}
		}
		if conv.AssigneeID == nil && conv.Status == conversation.StatusOPEN && conv.Routable {
			if err := s.tell(ctx, c, rec, conv, sysmsg.NoAgentAvailable, sysmsg.Vars{}); err != nil {
				return err
			}
		}
		if err := s.scenarioInput(ctx, c, rec, conv, scenario.Input{Kind: scenario.InputTimeout}); err != nil {
			return err
		}
		if _, err := c.Conversation.Update().Where(conversation.ID(conv.ID), conversation.ScenarioWakeAtLTE(s.now())).
			ClearScenarioWakeAt().Save(ctx); err != nil {
			return fmt.Errorf("inbox: scenario timeout: %w", err)
		}
	}
	return nil
}

// nextScenarioWake is when the next run's timeout falls due (zero: none).
func (s *Service) nextScenarioWake(ctx context.Context) (time.Time, error) {
	next, err := s.client.Conversation.Query().Where(conversation.ScenarioWakeAtNotNil()).
		Order(ent.Asc(conversation.FieldScenarioWakeAt)).First(ctx)
	if ent.IsNotFound(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return *next.ScenarioWakeAt, nil
}

// DefaultScenario is the template a new service can start from (see
// core/scenario.Default), as JSON.
func DefaultScenario() []byte {
	raw, _ := json.Marshal(scenario.Default())
	return raw
}

// surveyWait bounds how long after a chat closed its scenario waits for the
// customer's answer (the survey, a question): a customer who writes later
// starts (or reopens) a conversation as usual, and is not asked for "a
// number" about a chat long gone. The reopen window bounds it too.
const surveyWait = time.Hour

// scenarioAfterChat is the contact's latest closed conversation if its
// scenario run waits for the customer (a survey, a question) and has not
// waited longer than surveyWait, else nil. A run found waiting longer ends
// (it asks nothing more).
func (s *Service) scenarioAfterChat(ctx context.Context, c *ent.Client, ct *ent.Contact) (*ent.Conversation, error) {
	last, err := c.Conversation.Query().
		Where(conversation.ContactID(ct.ID), conversation.StatusEQ(conversation.StatusCLOSED), conversation.ScenarioStateNotNil()).
		Order(ent.Desc(conversation.FieldClosedAt)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inbox: scenario after chat: %w", err)
	}
	var st scenario.State
	if json.Unmarshal(last.ScenarioState, &st) != nil || st.Done {
		return nil, nil
	}
	switch st.Waiting {
	case scenario.WaitRating, scenario.WaitComment, scenario.WaitAnswer:
	default:
		return nil, nil
	}
	if last.ClosedAt != nil && !last.ClosedAt.After(s.now().Add(-min(surveyWait, s.opts.ReopenWindow))) {
		st.Done, st.Waiting = true, ""
		raw, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("inbox: scenario after chat: %w", err)
		}
		if err := c.Conversation.UpdateOne(last).SetScenarioState(raw).Exec(ctx); err != nil {
			return nil, fmt.Errorf("inbox: end an unanswered survey: %w", err)
		}
		return nil, nil
	}
	return last, nil
}
