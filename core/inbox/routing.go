package inbox

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/scenario"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/core/sysmsg"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/chatservice"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/offer"
	"github.com/switchboard/switchboard/ent/predicate"
	"github.com/switchboard/switchboard/ent/user"
)

// Routing (Find Agent). A conversation on an account of a chat service
// enters the service's queue (Queued), where no agent sees it. The router
// offers the head of each queue to the READY agent of the service with the
// required skills and free capacity who has waited longest; only that agent
// sees it (OfferedToID) until it accepts (the conversation becomes its own),
// rejects, or lets the offer expire (it goes to the next agent, and the agent
// who let it expire is set NOT_READY, as contact centers do). Every decision
// is a job of the writer, so offers, accepts and timeouts are serialised with
// everything else: two agents never hold one conversation, and a lost race
// fails cleanly (CONFLICT).
//
// The router is one goroutine, woken whenever something may let a
// conversation be offered (one queued, an agent READY, capacity freed, an
// offer ended) and at the next offer's expiry; each round works from the
// database, so a restart loses nothing.

// declineCooldown keeps a conversation from being offered again to an agent
// who rejected it or let it expire, for this long (others come first).
const declineCooldown = 2 * time.Minute

// routeBatch bounds the offers one job makes; the round goes on in another.
const routeBatch = 200

// kickRouter wakes the router; many kicks before it runs make one round.
// Every change of a queue or of an agent's state or load kicks it, and each
// round ends by telling those watching the queues (after its own commits,
// and so after those of the jobs that kicked it).
func (s *Service) kickRouter() {
	s.kickRouterHere()
	s.tellLeader(workRoute)
}

// kickRouterHere wakes this instance's router (if it runs here).
func (s *Service) kickRouterHere() {
	select {
	case s.routeKick <- struct{}{}:
	default:
	}
}

// queueWatch is closed, and replaced, whenever the queues or the agents'
// states may have changed (see QueueUpdates).
type queueWatch struct {
	mu sync.Mutex
	ch chan struct{}
}

// QueueUpdates returns a channel closed at the next change of a queue or of
// an agent's state or load (a conversation queued, offered, taken or closed;
// an agent READY or not): supervisors' live views wait on it, then read the
// state anew. It is news only, not data, so a slow reader misses nothing
// but intermediate states.
func (s *Service) QueueUpdates() <-chan struct{} {
	s.queues.mu.Lock()
	defer s.queues.mu.Unlock()
	if s.queues.ch == nil {
		s.queues.ch = make(chan struct{})
	}
	return s.queues.ch
}

// queueChanged wakes QueueUpdates' waiters, here and on the other instances.
func (s *Service) queueChanged() {
	s.queueChangedHere()
	s.tellCluster(workQueue)
}

// queueChangedHere wakes this instance's QueueUpdates' waiters.
func (s *Service) queueChangedHere() {
	s.queues.mu.Lock()
	defer s.queues.mu.Unlock()
	if s.queues.ch != nil {
		close(s.queues.ch)
		s.queues.ch = nil
	}
}

// runRouter routes until ctx ends.
func (s *Service) runRouter(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	s.armOfflineTimers(ctx)
	for {
		next, err := s.routeRound(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "inbox: routing", "err", err)
			next = s.now().Add(time.Second)
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = max(0, next.Sub(s.now())) + 10*time.Millisecond
		}
		if s.opts.Cluster != nil {
			// Work news from another instance may be lost: look anyway,
			// now and then (a round with nothing to do reads a little).
			wait = min(wait, 3*s.opts.ClusterCheck)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-s.routeKick:
		case <-timer.C:
		}
	}
}

// routeRound expires the offers that are due, makes the offers that can be
// made, and returns when the next pending offer expires (zero: none).
func (s *Service) routeRound(ctx context.Context) (time.Time, error) {
	ctx = core.SystemContext(ctx)
	if err := s.write(ctx, s.expireOffers); err != nil {
		return time.Time{}, fmt.Errorf("expire offers: %w", err)
	}
	if err := s.write(ctx, s.wakeScenarios); err != nil {
		return time.Time{}, fmt.Errorf("scenario timeouts: %w", err)
	}
	if err := s.write(ctx, s.wakeIdleCustomers); err != nil {
		return time.Time{}, fmt.Errorf("inactivity: %w", err)
	}
	for {
		made := 0
		err := s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
			var err error
			if made, err = s.makeOffers(ctx, c, rec); err != nil {
				return err
			}
			return s.tellPositions(ctx, c, rec)
		})
		if err != nil {
			return time.Time{}, fmt.Errorf("make offers: %w", err)
		}
		if made < routeBatch {
			break
		}
	}
	s.queueChanged()
	wake, err := s.nextScenarioWake(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("next scenario timeout: %w", err)
	}
	idle, err := s.nextIdleWake(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("next inactivity step: %w", err)
	}
	if wake.IsZero() || (!idle.IsZero() && idle.Before(wake)) {
		wake = idle
	}
	next, err := s.client.Offer.Query().Where(offer.StatusEQ(offer.StatusPENDING)).
		Order(ent.Asc(offer.FieldExpiresAt)).First(ctx)
	if ent.IsNotFound(err) {
		return wake, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("next expiry: %w", err)
	}
	if !wake.IsZero() && wake.Before(next.ExpiresAt) {
		return wake, nil
	}
	return next.ExpiresAt, nil
}

// expireOffers ends the pending offers whose time is up: the conversation
// goes back to its queue for the next agent, and the agent who let it expire
// is set NOT_READY.
func (s *Service) expireOffers(ctx context.Context, c *ent.Client, rec *recorder) error {
	due, err := c.Offer.Query().Where(offer.StatusEQ(offer.StatusPENDING), offer.ExpiresAtLTE(s.now())).All(ctx)
	if err != nil {
		return err
	}
	for _, o := range due {
		if err := s.endOffer(ctx, c, rec, o, offer.StatusEXPIRED); err != nil {
			return err
		}
		_, err := c.User.Update().Where(user.ID(o.AgentID), user.StateEQ(user.StateREADY)).
			SetState(user.StateNOT_READY).SetStateReason("Missed an offer").SetStateSince(s.now()).Save(ctx)
		if err != nil {
			return fmt.Errorf("agent not ready: %w", err)
		}
		if err := s.cancelOffersOf(ctx, c, rec, o.AgentID); err != nil {
			return err
		}
	}
	return nil
}

// endOffer ends a pending offer with status: its conversation is no longer
// offered to the agent (who is told), and waits for the next one.
func (s *Service) endOffer(ctx context.Context, c *ent.Client, rec *recorder, o *ent.Offer, status offer.Status) error {
	n, err := c.Offer.Update().Where(offer.ID(o.ID), offer.StatusEQ(offer.StatusPENDING)).
		SetStatus(status).SetEndedAt(s.now()).Save(ctx)
	if err != nil {
		return fmt.Errorf("end offer: %w", err)
	}
	if n == 0 {
		return nil
	}
	o.Status = status
	if _, err := c.Conversation.Update().
		Where(conversation.ID(o.ConversationID), conversation.OfferedToID(o.AgentID)).
		ClearOfferedToID().Save(ctx); err != nil {
		return fmt.Errorf("withdraw offer: %w", err)
	}
	conv, err := c.Conversation.Get(ctx, o.ConversationID)
	if err != nil {
		return fmt.Errorf("offered conversation: %w", err)
	}
	s.kickRouter()
	return rec.addOffer(ctx, ConversationOfferEnded, conv, o)
}

// withdrawOffers cancels the pending offer of a conversation (leaving the
// queue, closed, or held by someone), telling its agent.
func (s *Service) withdrawOffers(ctx context.Context, c *ent.Client, rec *recorder, convID int) error {
	pending, err := c.Offer.Query().Where(offer.ConversationID(convID), offer.StatusEQ(offer.StatusPENDING)).All(ctx)
	if err != nil {
		return fmt.Errorf("inbox: offers: %w", err)
	}
	for _, o := range pending {
		if err := s.endOffer(ctx, c, rec, o, offer.StatusCANCELLED); err != nil {
			return err
		}
	}
	return nil
}

// cancelOffersOf withdraws an agent's pending offers (it is no longer READY).
func (s *Service) cancelOffersOf(ctx context.Context, c *ent.Client, rec *recorder, agentID int) error {
	pending, err := c.Offer.Query().Where(offer.AgentID(agentID), offer.StatusEQ(offer.StatusPENDING)).All(ctx)
	if err != nil {
		return fmt.Errorf("agent's offers: %w", err)
	}
	for _, o := range pending {
		if err := s.endOffer(ctx, c, rec, o, offer.StatusCANCELLED); err != nil {
			return err
		}
	}
	return nil
}

// candidate is a READY agent the router may offer to.
type candidate struct {
	u        *ent.User
	load     int
	services map[int]bool
}

// makeOffers offers queued conversations, highest priority and longest
// waiting first, each to the READY agent of its service with the skills and
// the capacity who has waited longest. It returns how many it made. Each
// service's queue is read from its own head, and only in tenants with an
// agent free to take one, so a queue nobody can serve (no agent has its
// skills) never hides another tenant's or service's conversations behind it.
func (s *Service) makeOffers(ctx context.Context, c *ent.Client, rec *recorder) (int, error) {
	agents, err := s.readyAgents(ctx, c)
	if err != nil || len(agents) == 0 {
		return 0, err
	}
	var tenants []int
	for _, a := range agents {
		if a.load < a.u.Capacity && !slices.Contains(tenants, a.u.TenantID) {
			tenants = append(tenants, a.u.TenantID)
		}
	}
	if len(tenants) == 0 {
		return 0, nil
	}
	svcs, err := c.ChatService.Query().Where(chatservice.TenantIDIn(tenants...)).WithAgents().All(ctx)
	if err != nil {
		return 0, fmt.Errorf("services: %w", err)
	}
	services := make(map[int]*ent.ChatService, len(svcs))
	var waiting []*ent.Conversation
	for _, svc := range svcs {
		services[svc.ID] = svc
		head, err := waitingIn(ctx, c, svc.ID, routeBatch)
		if err != nil {
			return 0, err
		}
		waiting = append(waiting, head...)
	}
	slices.SortFunc(waiting, func(x, y *ent.Conversation) int {
		return cmp.Or(cmp.Compare(y.Priority, x.Priority), compareSince(x.QueuedAt, y.QueuedAt), cmp.Compare(x.ID, y.ID))
	})
	made := 0
	for _, conv := range waiting {
		svc := services[*conv.ServiceID]
		declined, err := c.Offer.Query().Where(offer.ConversationID(conv.ID),
			offer.StatusIn(offer.StatusREJECTED, offer.StatusEXPIRED), offer.EndedAtGT(s.now().Add(-declineCooldown))).
			Select(offer.FieldAgentID).Ints(ctx)
		if err != nil {
			return made, fmt.Errorf("declined offers: %w", err)
		}
		best := pickAgent(agents, conv, svc, declined)
		if best == nil {
			continue
		}
		n, err := c.Conversation.Update().Where(conversation.ID(conv.ID), conversation.OfferedToIDIsNil(), conversation.AssigneeIDIsNil()).
			SetOfferedToID(best.u.ID).Save(ctx)
		if err != nil {
			return made, fmt.Errorf("offer conversation: %w", err)
		}
		if n == 0 {
			continue // taken or offered meanwhile: no offer
		}
		o, err := c.Offer.Create().SetTenantID(conv.TenantID).SetConversationID(conv.ID).SetAgentID(best.u.ID).
			SetServiceID(svc.ID).SetExpiresAt(s.now().Add(time.Duration(svc.OfferTimeoutSeconds) * time.Second)).Save(ctx)
		if err != nil {
			return made, fmt.Errorf("create offer: %w", err)
		}
		conv.OfferedToID = &best.u.ID
		best.load++
		made++
		if err := rec.addOffer(ctx, ConversationOffered, conv, o); err != nil {
			return made, err
		}
	}
	return made, nil
}

// waitingIn is the head of a service's queue: up to limit conversations
// waiting to be offered, in offer order (the conversation_queue index).
// Only the service's waiting rows are read, whatever the other queues hold.
func waitingIn(ctx context.Context, c *ent.Client, serviceID, limit int) ([]*ent.Conversation, error) {
	out, err := c.Conversation.Query().
		Where(conversation.ServiceID(serviceID), inQueue(),
			conversation.OfferedToIDIsNil(), conversation.AssigneeIDIsNil(), conversation.StatusEQ(conversation.StatusOPEN)).
		Order(ent.Desc(conversation.FieldPriority), ent.Asc(conversation.FieldQueuedAt), ent.Asc(conversation.FieldID)).
		Limit(limit).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return out, nil
}

// readyAgents loads the READY active agents with their load (open
// conversations held plus pending offers) and services.
func (s *Service) readyAgents(ctx context.Context, c *ent.Client) ([]*candidate, error) {
	users, err := c.User.Query().Where(user.StateEQ(user.StateREADY), user.Active(true)).WithServices().All(ctx)
	if err != nil || len(users) == 0 {
		return nil, err
	}
	ids := make([]int, len(users))
	out := make([]*candidate, len(users))
	byID := make(map[int]*candidate, len(users))
	for i, u := range users {
		ids[i] = u.ID
		cd := &candidate{u: u, services: map[int]bool{}}
		for _, svc := range u.Edges.Services {
			cd.services[svc.ID] = true
		}
		out[i], byID[u.ID] = cd, cd
	}
	var held []struct {
		AssigneeID int `json:"assignee_id"`
		Count      int `json:"count"`
	}
	if err := c.Conversation.Query().Where(conversation.AssigneeIDIn(ids...), conversation.StatusEQ(conversation.StatusOPEN)).
		GroupBy(conversation.FieldAssigneeID).Aggregate(ent.Count()).Scan(ctx, &held); err != nil {
		return nil, fmt.Errorf("agents' load: %w", err)
	}
	for _, h := range held {
		byID[h.AssigneeID].load += h.Count
	}
	var offered []struct {
		AgentID int `json:"agent_id"`
		Count   int `json:"count"`
	}
	if err := c.Offer.Query().Where(offer.AgentIDIn(ids...), offer.StatusEQ(offer.StatusPENDING)).
		GroupBy(offer.FieldAgentID).Aggregate(ent.Count()).Scan(ctx, &offered); err != nil {
		return nil, fmt.Errorf("agents' offers: %w", err)
	}
	for _, o := range offered {
		byID[o.AgentID].load += o.Count
	}
	return out, nil
}

// pickAgent is the agent to offer conv to: of its tenant, a member of svc
// (every agent of the tenant when svc names none), with svc's skills and free
// capacity, not among declined, and waiting longest; nil when none fits.
func pickAgent(agents []*candidate, conv *ent.Conversation, svc *ent.ChatService, declined []int) *candidate {
	var fits []*candidate
	for _, a := range agents {
		required := svc.RequiredSkills
		if conv.RequiredSkills != nil {
			required = conv.RequiredSkills // a Find Agent block's own
		}
		switch {
		case a.u.TenantID != conv.TenantID, a.load >= a.u.Capacity, slices.Contains(declined, a.u.ID):
		case !core.MayServe(a.services[svc.ID], len(svc.Edges.Agents) > 0, core.Role(a.u.Role), a.u.Skills, required):
		default:
			fits = append(fits, a)
		}
	}
	if len(fits) == 0 {
		return nil
	}
	return slices.MinFunc(fits, func(x, y *candidate) int {
		return cmp.Or(compareSince(x.u.AvailableSince, y.u.AvailableSince), cmp.Compare(x.u.ID, y.u.ID))
	})
}

// compareSince orders availability times, unknown (never) first.
func compareSince(x, y *time.Time) int {
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return -1
	case y == nil:
		return 1
	}
	return x.Compare(*y)
}

// viewerOffer loads offer id for its agent (the viewer): another agent's
// offer is NOT_FOUND.
func (s *Service) viewerOffer(ctx context.Context, c *ent.Client, id int) (*ent.Offer, error) {
	v, _ := core.ViewerFrom(ctx)
	o, err := c.Offer.Get(ctx, id)
	if err != nil {
		return nil, store.Wrap(err, "inbox: offer")
	}
	if o.AgentID != v.UserID || o.TenantID != v.TenantID {
		return nil, fmt.Errorf("inbox: offer: %w", core.ErrNotFound)
	}
	return o, nil
}

// PendingOffers are the viewer's offers still open to accept, soonest to
// expire first: an agent's desk after a reload shows them, then follows the
// inbox for new ones.
func (s *Service) PendingOffers(ctx context.Context) ([]*ent.Offer, error) {
	v, _ := core.ViewerFrom(ctx)
	out, err := s.client.Offer.Query().
		Where(offer.AgentID(v.UserID), offer.StatusEQ(offer.StatusPENDING), offer.ExpiresAtGT(s.now())).
		Order(ent.Asc(offer.FieldExpiresAt), ent.Asc(offer.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("inbox: pending offers: %w", err)
	}
	return out, nil
}

// AcceptOffer gives the viewer the conversation it was offered, if the offer
// is still pending: of concurrent accepts (or an accept and a timeout), one
// decides, in the writer.
func (s *Service) AcceptOffer(ctx context.Context, id int) (*ent.Conversation, error) {
	v, _ := core.ViewerFrom(ctx)
	if _, err := s.viewerOffer(ctx, s.client, id); err != nil {
		return nil, err
	}
	var out *ent.Conversation
	err := s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		o, err := s.viewerOffer(core.WithViewer(ctx, v), c, id)
		if err != nil {
			return err
		}
		if o.Status != offer.StatusPENDING || !o.ExpiresAt.After(s.now()) {
			return fmt.Errorf("inbox: accept: the offer is %s: %w", offerState(o, s.now()), core.ErrConflict)
		}
		conv, err := c.Conversation.Get(ctx, o.ConversationID)
		if err != nil {
			return store.Wrap(err, "inbox: offered conversation")
		}
		previous := holdersOf(conv)
		up := c.Conversation.UpdateOne(conv).
			Where(conversation.OfferedToID(v.UserID), conversation.AssigneeIDIsNil(), conversation.StatusEQ(conversation.StatusOPEN)).
			SetAssigneeID(v.UserID).SetQueued(false).ClearOfferedToID()
		if conv.AnsweredAt == nil {
			// The customer's first answer, as applyChange keeps it: one
			// transferred to another service was answered already.
			up.SetAnsweredAt(s.now())
		}
		out, err = up.Save(ctx)
		if ent.IsNotFound(err) {
			return fmt.Errorf("inbox: accept: the conversation is no longer offered to you: %w", core.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("inbox: accept: %w", err)
		}
		if err := c.Offer.UpdateOne(o).SetStatus(offer.StatusACCEPTED).SetEndedAt(s.now()).Exec(ctx); err != nil {
			return fmt.Errorf("inbox: accept: %w", err)
		}
		agent, err := c.User.UpdateOneID(v.UserID).SetAvailableSince(s.now()).Save(ctx)
		if err != nil {
			return fmt.Errorf("inbox: accept: %w", err)
		}
		if err := rec.addAssigned(ctx, out, previous); err != nil {
			return err
		}
		s.kickRouter() // the queue and the agent's load changed
		return s.agentJoined(ctx, c, rec, out, agent.ID, agent.Name)
	})
	if err != nil {
		return nil, err
	}
	return out.Unwrap(), nil
}

// RejectOffer declines the viewer's pending offer; the conversation goes to
// the next agent at once.
func (s *Service) RejectOffer(ctx context.Context, id int) (*ent.Offer, error) {
	v, _ := core.ViewerFrom(ctx)
	if _, err := s.viewerOffer(ctx, s.client, id); err != nil {
		return nil, err
	}
	var out *ent.Offer
	err := s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		o, err := s.viewerOffer(core.WithViewer(ctx, v), c, id)
		if err != nil {
			return err
		}
		if o.Status != offer.StatusPENDING || !o.ExpiresAt.After(s.now()) {
			// An expired offer is the router's to end (and its agent set
			// NOT_READY); rejecting it late would dodge that.
			return fmt.Errorf("inbox: reject: the offer is %s: %w", offerState(o, s.now()), core.ErrConflict)
		}
		if err := s.endOffer(ctx, c, rec, o, offer.StatusREJECTED); err != nil {
			return err
		}
		out, err = c.Offer.Get(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out.Unwrap(), nil
}

// offerState says, for an error, what became of an offer.
func offerState(o *ent.Offer, now time.Time) string {
	if o.Status == offer.StatusPENDING && !o.ExpiresAt.After(now) {
		return "expired"
	}
	return string(o.Status)
}

// afterChange follows a change of a conversation's holder or status (take,
// assign, transfer, close): an offer it cancels is withdrawn from its agent,
// an agent who gets a conversation has just been served, and freed capacity
// may let the router offer the next one.
func (s *Service) afterChange(ctx context.Context, c *ent.Client, rec *recorder, kind EventKind, before, after *ent.Conversation) error {
	if before.OfferedToID != nil && after.OfferedToID == nil {
		if err := s.withdrawOffers(ctx, c, rec, after.ID); err != nil {
			return err
		}
	}
	if after.AssigneeID != nil && (before.AssigneeID == nil || *before.AssigneeID != *after.AssigneeID) {
		if err := c.User.UpdateOneID(*after.AssigneeID).SetAvailableSince(s.now()).Exec(ctx); err != nil {
			return fmt.Errorf("inbox: agent served: %w", err)
		}
	}
	if before.AssigneeID != nil || after.Queued || before.Queued {
		s.kickRouter()
	}
	if after.ServiceID == nil {
		return nil // system messages and scenarios are the contact-center layer's
	}
	switch {
	case kind == ConversationClosed && before.Status == conversation.StatusOPEN:
		s.positions.Forget(after.ID)
		_, _, _, running, err := s.runOf(ctx, c, after)
		if err != nil {
			return err
		}
		if !running || before.AssigneeID == nil {
			if err := s.scenarioInput(ctx, c, rec, after, scenario.Input{Kind: scenario.InputConversationClosed}); err != nil {
				return err
			}
			return s.tell(ctx, c, rec, after, sysmsg.ConversationClosed, sysmsg.Vars{})
		}
		// The agent ended the chat: the customer hears so first, then the
		// scenario goes on (a survey, a goodbye).
		if err := s.tell(ctx, c, rec, after, sysmsg.AgentLeft, sysmsg.Vars{AgentName: s.userName(ctx, c, *before.AssigneeID)}); err != nil {
			return err
		}
		return s.scenarioInput(ctx, c, rec, after, scenario.Input{Kind: scenario.InputConversationClosed})
	case kind != ConversationAssigned:
	case after.Queued && !before.Queued:
		// Transferred to a service: it waits in that queue again.
		if err := s.tell(ctx, c, rec, after, sysmsg.Transferred, sysmsg.Vars{}); err != nil {
			return err
		}
		return s.tellQueued(ctx, c, rec, after)
	case after.AssigneeID == nil:
	case before.Queued:
		// Taken or assigned from the queue: as an accepted offer.
		return s.agentJoined(ctx, c, rec, after, *after.AssigneeID, s.userName(ctx, c, *after.AssigneeID))
	case before.AssigneeID != nil && *before.AssigneeID != *after.AssigneeID:
		name := s.userName(ctx, c, *after.AssigneeID)
		if err := s.tell(ctx, c, rec, after, sysmsg.Transferred, sysmsg.Vars{AgentName: name}); err != nil {
			return err
		}
		// A scenario in Connect Chat follows the chat to the new agent.
		return s.scenarioInput(ctx, c, rec, after, scenario.Input{Kind: scenario.InputAgentFound,
			Agent: scenario.Agent{ID: fmt.Sprint(*after.AssigneeID), Name: name}})
	}
	return nil
}

// agentJoined follows an agent getting a queued conversation (an accepted
// offer, a take, an assignment): it leaves the queue's positions, the
// customer is told who joined, and a scenario waiting in Find Agent goes on.
func (s *Service) agentJoined(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation, agentID int, name string) error {
	s.positions.Forget(conv.ID)
	if err := s.tell(ctx, c, rec, conv, sysmsg.AgentJoined, sysmsg.Vars{AgentName: name}); err != nil {
		return err
	}
	return s.scenarioInput(ctx, c, rec, conv, scenario.Input{Kind: scenario.InputAgentFound, Agent: scenario.Agent{ID: fmt.Sprint(agentID), Name: name}})
}

// userName is a user's name for a system message ("" when unknown: the
// text leaves it out).
func (s *Service) userName(ctx context.Context, c *ent.Client, id int) string {
	if u, err := c.User.Get(ctx, id); err == nil {
		return u.Name
	}
	return ""
}

// enqueue puts a conversation of an account of a service into that
// service's queue, keeping its place if it had one. With a scenario, the
// scenario starts and the conversation waits unoffered until its Find Agent
// block; without one, it may be offered at once. Its customer is told once
// its message is stored (greetEntered).
func (s *Service) enqueue(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation, serviceID int) (*ent.Conversation, error) {
	svc, err := c.ChatService.Get(ctx, serviceID)
	if err != nil {
		if ent.IsNotFound(err) {
			return conv, nil
		}
		return nil, fmt.Errorf("inbox: service: %w", err)
	}
	withScenario := len(svc.Scenario) > 0
	up := c.Conversation.UpdateOne(conv).SetServiceID(svc.ID).SetQueued(true).SetPriority(svc.Priority).
		ClearOfferedToID().SetRoutable(!withScenario).ClearRequiredSkills()
	if conv.QueuedAt == nil {
		up.SetQueuedAt(s.now())
	}
	out, err := up.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("inbox: enqueue: %w", err)
	}
	rec.entered = append(rec.entered, out)
	s.kickRouter()
	return out, nil
}

// inQueue matches the conversations waiting to be offered in the words of
// the conversation_queue index's condition ("queued AND routable"): ent's
// Queued(true) binds a value, which SQLite does not match against a partial
// index's condition, and it would read the service's every conversation.
func inQueue() predicate.Conversation {
	return predicate.Conversation(func(s *sql.Selector) {
		s.Where(sql.And(sql.ExprP(s.C(conversation.FieldQueued)), sql.ExprP(s.C(conversation.FieldRoutable))))
	})
}
