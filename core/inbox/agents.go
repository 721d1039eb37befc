package inbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/scenario"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/core/sysmsg"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/user"
)

// Agents' states. An agent is READY (offered conversations), NOT_READY
// (with a reason: a break, training, a missed offer) or OFFLINE. Agents set
// their state themselves; the router sets NOT_READY for a missed offer, and
// an agent whose connections have all been closed for a grace period goes
// OFFLINE, so nobody is offered conversations while away.

// maxStateReason bounds a NOT_READY reason.
const maxStateReason = 200

// SetAgentState sets the viewer's state. Leaving READY withdraws its pending
// offers (they go to the next agent); becoming READY makes it the agent who
// has waited longest so far only from now, and lets the router offer at once.
func (s *Service) SetAgentState(ctx context.Context, state core.AgentState, reason string) (*ent.User, error) {
	v, _ := core.ViewerFrom(ctx)
	reason = strings.TrimSpace(reason)
	switch {
	case state != core.AgentReady && state != core.AgentNotReady && state != core.AgentOffline:
		return nil, core.Invalid("state", "must be READY, NOT_READY or OFFLINE")
	case len([]rune(reason)) > maxStateReason:
		return nil, core.Invalid("reason", "must be at most %d characters", maxStateReason)
	case state != core.AgentNotReady && reason != "":
		return nil, core.Invalid("reason", "only NOT_READY takes a reason")
	}
	if v.UserID == 0 {
		return nil, core.Invalid("state", "only a user has a state")
	}
	return s.setState(ctx, v.UserID, state, reason, nil)
}

// setState changes userID's state as one job of the writer. With still,
// the change is made only if still() holds inside the job (nil out then):
// a condition checked before the job might no longer hold when it runs.
func (s *Service) setState(ctx context.Context, userID int, state core.AgentState, reason string, still func(*ent.User) bool) (*ent.User, error) {
	var out *ent.User
	err := s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		u, err := c.User.Get(ctx, userID)
		if err != nil {
			return store.Wrap(err, "inbox: agent")
		}
		if still != nil && !still(u) {
			return nil
		}
		now := s.now()
		up := c.User.UpdateOne(u).SetState(user.State(state)).SetStateReason(reason)
		if string(u.State) != string(state) {
			up.SetStateSince(now)
		}
		if state == core.AgentReady && u.State != user.StateREADY {
			up.SetAvailableSince(now)
		}
		if out, err = up.Save(ctx); err != nil {
			return fmt.Errorf("inbox: agent state: %w", err)
		}
		s.kickRouter() // READY may get offers; anyway supervisors see the state
		if state != core.AgentReady {
			if err := s.cancelOffersOf(ctx, c, rec, userID); err != nil {
				return err
			}
		}
		if state == core.AgentOffline {
			return s.agentLeft(ctx, c, rec, userID)
		}
		return nil
	})
	if err != nil || out == nil {
		return nil, err
	}
	return out.Unwrap(), nil
}

// AgentsChanged tells the router that agents' skills, capacity or services
// changed, so a waiting conversation may now fit someone.
func (s *Service) AgentsChanged() { s.kickRouter() }

// UserChanged follows a committed change of user id (skills, capacity,
// services, deactivation): the router looks again, and a deactivated
// agent's chats are told it left (agentLeft), in a job of their own.
func (s *Service) UserChanged(id int) {
	s.kickRouter()
	go func() {
		ctx := core.SystemContext(context.Background())
		if u, err := s.client.User.Get(ctx, id); err != nil || u.Active {
			return // most changes: no job for the writer
		}
		err := s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
			u, err := c.User.Get(ctx, id)
			if err != nil || u.Active {
				return nil // gone (its chats lost it with it) or still active
			}
			return s.agentLeft(ctx, c, rec, id)
		})
		if err != nil && !errors.Is(err, ErrStopped) {
			s.log.Error("inbox: a deactivated agent's chats", "user", id, "err", err)
		}
	}()
}

// agentLeft tells the scenario runs connected to agentID (in Connect Chat)
// that their agent left (OFFLINE, deactivated): the conversation leaves the
// absent agent, the customer hears so, and the run goes on by Connect
// Chat's agentLeft exit, as the scenario says: a Find Agent there queues it
// for another agent, a survey credits the agent who left, an Exit closes it.
func (s *Service) agentLeft(ctx context.Context, c *ent.Client, rec *recorder, agentID int) error {
	held, err := c.Conversation.Query().Where(conversation.AssigneeID(agentID), conversation.StatusEQ(conversation.StatusOPEN),
		conversation.ServiceIDNotNil(), conversation.ScenarioStateNotNil()).All(ctx)
	if err != nil {
		return fmt.Errorf("inbox: agent left: %w", err)
	}
	name := s.userName(ctx, c, agentID)
	for _, conv := range held {
		_, _, st, running, err := s.runOf(ctx, c, conv)
		if err != nil {
			return err
		}
		if !running || st.Waiting != scenario.WaitChatEnd {
			continue
		}
		previous := holdersOf(conv)
		out, err := c.Conversation.UpdateOne(conv).Where(conversation.AssigneeID(agentID)).ClearAssigneeID().Save(ctx)
		if err != nil {
			return fmt.Errorf("inbox: agent left: %w", err)
		}
		if err := rec.addAssigned(ctx, out, previous); err != nil {
			return err
		}
		s.kickRouter() // the agent's load changed
		if err := s.tell(ctx, c, rec, out, sysmsg.AgentLeft, sysmsg.Vars{AgentName: name}); err != nil {
			return err
		}
		if err := s.scenarioInput(ctx, c, rec, out, scenario.Input{Kind: scenario.InputAgentLeft}); err != nil {
			return err
		}
	}
	return nil
}

// presence counts each user's open connections, to set OFFLINE those who
// have had none for the grace period. Its timers are stopped with the
// service.
type presence struct {
	mu      sync.Mutex
	conns   map[int]int
	timers  map[int]*time.Timer
	stopped bool
}

// AgentConnected notes a connection of userID (a websocket, an SSE
// subscription); the returned release notes its end. When the user's last
// connection has been gone for Options.OfflineGrace, a user not OFFLINE is
// set OFFLINE.
func (s *Service) AgentConnected(userID int) (release func()) {
	p := &s.presence
	p.mu.Lock()
	if p.conns == nil {
		p.conns, p.timers = map[int]int{}, map[int]*time.Timer{}
	}
	p.conns[userID]++
	first := p.conns[userID] == 1
	if t := p.timers[userID]; t != nil {
		t.Stop()
		delete(p.timers, userID)
	}
	p.mu.Unlock()
	if first {
		s.sharePresence()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			last := false
			if p.conns[userID]--; p.conns[userID] <= 0 {
				delete(p.conns, userID)
				s.armOffline(userID)
				last = true
			}
			p.mu.Unlock()
			if last {
				s.sharePresence()
			}
		})
	}
}

// armOffline starts userID's grace period; p.mu is held.
func (s *Service) armOffline(userID int) {
	p := &s.presence
	if p.stopped || p.timers[userID] != nil {
		return
	}
	if p.timers == nil {
		p.conns, p.timers = map[int]int{}, map[int]*time.Timer{}
	}
	// self is read in the callback under p.mu, which is held here.
	var self *time.Timer
	self = time.AfterFunc(s.opts.OfflineGrace, func() {
		p.mu.Lock()
		if p.timers[userID] != self {
			// Stopped by a reconnect as it fired, or replaced by a later
			// disconnect's timer: that one decides.
			p.mu.Unlock()
			return
		}
		delete(p.timers, userID)
		p.mu.Unlock()
		// Checked again inside the writer's job: a reconnect between here
		// and the job wins (the agent stays as it is).
		gone := func(u *ent.User) bool {
			p.mu.Lock()
			here := p.conns[userID] == 0 && p.timers[userID] == nil && !p.stopped
			p.mu.Unlock()
			return here && u.State != user.StateOFFLINE && !s.connectedElsewhere(userID)
		}
		ctx := core.SystemContext(context.Background())
		if u, err := s.client.User.Get(ctx, userID); err != nil || !gone(u) {
			return
		}
		if _, err := s.setState(ctx, userID, core.AgentOffline, "", gone); err != nil && !errors.Is(err, ErrStopped) {
			s.log.Error("inbox: set a disconnected agent OFFLINE", "user", userID, "err", err)
		}
	})
	p.timers[userID] = self
}

// armOfflineTimers starts the grace period of every agent who is not
// OFFLINE and has no connection (after a restart, nobody has one yet).
func (s *Service) armOfflineTimers(ctx context.Context) {
	ids, err := s.client.User.Query().Where(user.StateNEQ(user.StateOFFLINE)).IDs(core.SystemContext(ctx))
	if err != nil {
		s.log.ErrorContext(ctx, "inbox: agents' states", "err", err)
		return
	}
	p := &s.presence
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		if p.conns[id] == 0 {
			s.armOffline(id)
		}
	}
}

// stopPresence stops the grace timers; none starts after.
func (s *Service) stopPresence() {
	p := &s.presence
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	for id, t := range p.timers {
		t.Stop()
		delete(p.timers, id)
	}
}
