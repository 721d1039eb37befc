package supervision

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/chatservice"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/offer"
	"github.com/switchboard/switchboard/ent/predicate"
	"github.com/switchboard/switchboard/ent/user"
)

// MaxListed bounds the waiting conversations a snapshot lists, across all
// queues in offer order, so a flood of customers does not make every
// snapshot huge; the counts are exact however many wait.
const MaxListed = 500

// Snapshot is the live state of a tenant's queues and agents at one moment,
// what a supervisor's wallboard shows.
type Snapshot struct {
	// At is when it was read; waits are measured to it.
	At       time.Time
	Services []ServiceQueue
	Agents   []Agent
}

// ServiceQueue is one chat service's queue now.
type ServiceQueue struct {
	ServiceID int
	Name      string
	// Waiting counts the conversations in the queue, offered or not.
	Waiting int
	// Offered counts those of them offered to an agent right now.
	Offered int
	// LongestWait is how long the first of them to arrive has waited (zero
	// when none waits).
	LongestWait time.Duration
	// Conversations are the waiting ones in the order they are offered in
	// (see MaxListed).
	Conversations []Waiting
	// oldest is when the first of them arrived (zero: none waits).
	oldest time.Time
}

// Waiting is a conversation waiting in a queue.
type Waiting struct {
	ConversationID int
	// QueuedAt is when it entered the queue (a customer who writes again
	// keeps it); Wait is the time since.
	QueuedAt time.Time
	Wait     time.Duration
	Priority int
	// OfferedTo is the agent it is offered to now, if any.
	OfferedTo *int
}

// Agent is an agent's state and load now.
type Agent struct {
	ID    int
	Name  string
	Role  core.Role
	State core.AgentState
	// Reason says why the agent is NOT_READY; Since is when the state last
	// changed (nil: never).
	Reason string
	Since  *time.Time
	// Open counts the open conversations the agent holds, Offers its
	// pending offers; together they are its load, against Capacity.
	Open     int
	Offers   int
	Capacity int
	// ServiceIDs are the services whose conversations may be offered to the
	// agent: those it is a member of (every agent's, for a service that
	// names none) whose required skills it has.
	ServiceIDs []int
}

// Load is what counts against the agent's capacity: conversations held and
// offers pending.
func (a Agent) Load() int { return a.Open + a.Offers }

// waitingIn returns how to read the conversations waiting in the queues of
// the viewer's tenant so that SQLite reads the small partial index
// conversation_queue (the queued rows of every tenant, by priority and
// arrival) rather than every conversation the tenant ever had.
//
// The partial index's condition is matched in its own words, the bare
// column (ent's Queued(true) binds a value the condition does not match).
// The tenant interceptor's "tenant_id = ?" would make SQLite, which keeps no
// statistics here, prefer the tenant's index and read it whole; so the read
// runs as internal work and states the tenant itself with a unary plus
// ("+tenant_id = ?"), SQLite's documented way of keeping a term out of index
// choice, which PostgreSQL reads as the same comparison. It is the only
// query of this package that does not go through the interceptor: its
// tenant condition is here, and a test pins it.
func waitingIn(ctx context.Context) (context.Context, predicate.Conversation) {
	v, _ := core.ViewerFrom(ctx)
	return core.SystemContext(ctx), predicate.Conversation(func(s *sql.Selector) {
		s.Where(sql.ExprP(s.C(conversation.FieldQueued)))
		s.Where(sql.NotNull(s.C(conversation.FieldServiceID)))
		if !v.IsSystem() {
			s.Where(sql.P(func(b *sql.Builder) {
				b.WriteString("+" + s.C(conversation.FieldTenantID) + " = ").Arg(v.TenantID)
			}))
		}
	})
}

// Queue reads the viewer's tenant's queues and agents now.
func (s *Service) Queue(ctx context.Context) (*Snapshot, error) {
	if err := mayWatch(ctx); err != nil {
		return nil, err
	}
	now := s.now()
	services, err := s.client.ChatService.Query().Order(ent.Asc(chatservice.FieldName), ent.Asc(chatservice.FieldID)).
		WithAgents(func(q *ent.UserQuery) { q.Select(user.FieldID) }).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("supervision: services: %w", err)
	}
	snap := &Snapshot{At: now, Services: make([]ServiceQueue, len(services))}
	index := make(map[int]*ServiceQueue, len(services))
	for i, svc := range services {
		snap.Services[i] = ServiceQueue{ServiceID: svc.ID, Name: svc.Name, Conversations: []Waiting{}}
		index[svc.ID] = &snap.Services[i]
	}
	waiting, err := s.waiting(ctx)
	if err != nil {
		return nil, err
	}
	listed := 0
	for _, conv := range waiting {
		q := index[*conv.ServiceID]
		if q == nil || conv.QueuedAt == nil {
			continue
		}
		q.Waiting++
		if conv.OfferedToID != nil {
			q.Offered++
		}
		if q.oldest.IsZero() || conv.QueuedAt.Before(q.oldest) {
			q.oldest, q.LongestWait = *conv.QueuedAt, max(0, now.Sub(*conv.QueuedAt))
		}
		if listed < MaxListed {
			listed++
			q.Conversations = append(q.Conversations, Waiting{ConversationID: conv.ID, QueuedAt: *conv.QueuedAt,
				Wait: max(0, now.Sub(*conv.QueuedAt)), Priority: conv.Priority, OfferedTo: conv.OfferedToID})
		}
	}
	if snap.Agents, err = s.agents(ctx, services); err != nil {
		return nil, err
	}
	return snap, nil
}

// waiting reads the conversations waiting in the queues of the viewer's
// tenant, in the order they are offered in: only the columns a snapshot
// shows, in one pass over the queue's partial index (see waitingIn). The
// queues are what supervisors watch; they are counted here rather than in
// SQL, because grouping them by service would make SQLite prefer an index
// that holds every conversation the services ever had.
func (s *Service) waiting(ctx context.Context) ([]*ent.Conversation, error) {
	queueCtx, inQueue := waitingIn(ctx)
	out, err := s.client.Conversation.Query().Where(inQueue).
		Order(ent.Desc(conversation.FieldPriority), ent.Asc(conversation.FieldQueuedAt), ent.Asc(conversation.FieldID)).
		Select(conversation.FieldID, conversation.FieldServiceID, conversation.FieldQueuedAt,
			conversation.FieldPriority, conversation.FieldOfferedToID).All(queueCtx)
	if err != nil {
		return nil, fmt.Errorf("supervision: waiting conversations: %w", err)
	}
	return out, nil
}

// agents reads the tenant's active agents (and the supervisors who serve a
// service) with their loads, in name order.
func (s *Service) agents(ctx context.Context, services []*ent.ChatService) ([]Agent, error) {
	users, err := s.client.User.Query().
		Where(user.Active(true), user.Or(user.RoleEQ(user.RoleAGENT), user.HasServices())).
		Order(ent.Asc(user.FieldName), ent.Asc(user.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("supervision: agents: %w", err)
	}
	if len(users) == 0 {
		return []Agent{}, nil
	}
	ids := make([]int, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	var held []struct {
		AssigneeID int `json:"assignee_id"`
		Count      int `json:"count"`
	}
	if err := s.client.Conversation.Query().
		Where(conversation.AssigneeIDIn(ids...), conversation.StatusEQ(conversation.StatusOPEN)).
		GroupBy(conversation.FieldAssigneeID).Aggregate(ent.Count()).Scan(ctx, &held); err != nil {
		return nil, fmt.Errorf("supervision: agents' conversations: %w", err)
	}
	var offered []struct {
		AgentID int `json:"agent_id"`
		Count   int `json:"count"`
	}
	if err := s.client.Offer.Query().Where(offer.AgentIDIn(ids...), offer.StatusEQ(offer.StatusPENDING)).
		GroupBy(offer.FieldAgentID).Aggregate(ent.Count()).Scan(ctx, &offered); err != nil {
		return nil, fmt.Errorf("supervision: agents' offers: %w", err)
	}
	open := make(map[int]int, len(held))
	for _, h := range held {
		open[h.AssigneeID] = h.Count
	}
	offers := make(map[int]int, len(offered))
	for _, o := range offered {
		offers[o.AgentID] = o.Count
	}
	out := make([]Agent, len(users))
	for i, u := range users {
		out[i] = Agent{
			ID: u.ID, Name: u.Name, Role: core.Role(u.Role), State: core.AgentState(u.State),
			Reason: u.StateReason, Since: u.StateSince, Open: open[u.ID], Offers: offers[u.ID],
			Capacity: u.Capacity, ServiceIDs: servedBy(u, services),
		}
	}
	return out, nil
}

// servedBy lists the services whose conversations routing may offer to u:
// the rule of core/inbox's Find Agent (membership, every agent's when a
// service names none, and the required skills), leaving out what changes
// from moment to moment (state, capacity).
func servedBy(u *ent.User, services []*ent.ChatService) []int {
	out := []int{}
	for _, svc := range services {
		member := slices.ContainsFunc(svc.Edges.Agents, func(a *ent.User) bool { return a.ID == u.ID })
		if core.MayServe(member, len(svc.Edges.Agents) > 0, core.Role(u.Role), u.Skills, svc.RequiredSkills) {
			out = append(out, svc.ID)
		}
	}
	return out
}
