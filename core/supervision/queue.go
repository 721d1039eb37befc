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
// queues in offer order; the counts are exact however many wait.
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

// inQueue matches the conversations waiting in a queue in the words of the
// partial index conversation_queue (the bare column, no bound value), so
// SQLite reads that small index, not the table; ent's Queued(true) would
// bind a value the index's condition does not match.
var inQueue = predicate.Conversation(func(s *sql.Selector) {
	s.Where(sql.ExprP(s.C(conversation.FieldQueued)))
})

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
	counts, err := s.queueCounts(ctx, nil)
	if err != nil {
		return nil, err
	}
	waiting, err := s.client.Conversation.Query().Where(inQueue, conversation.ServiceIDNotNil()).
		Order(ent.Desc(conversation.FieldPriority), ent.Asc(conversation.FieldQueuedAt), ent.Asc(conversation.FieldID)).
		Limit(MaxListed).
		Select(conversation.FieldID, conversation.FieldServiceID, conversation.FieldQueuedAt,
			conversation.FieldPriority, conversation.FieldOfferedToID).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("supervision: waiting conversations: %w", err)
	}
	snap := &Snapshot{At: now, Services: make([]ServiceQueue, len(services))}
	index := make(map[int]int, len(services))
	for i, svc := range services {
		q := ServiceQueue{ServiceID: svc.ID, Name: svc.Name, Conversations: []Waiting{}}
		if c, ok := counts[svc.ID]; ok {
			q.Waiting, q.Offered = c.Waiting, c.Offered
			if c.Oldest.Valid {
				q.LongestWait = max(0, now.Sub(c.Oldest.Time))
			}
		}
		snap.Services[i], index[svc.ID] = q, i
	}
	for _, conv := range waiting {
		i, ok := index[*conv.ServiceID]
		if !ok || conv.QueuedAt == nil {
			continue
		}
		q := &snap.Services[i]
		q.Conversations = append(q.Conversations, Waiting{ConversationID: conv.ID, QueuedAt: *conv.QueuedAt,
			Wait: max(0, now.Sub(*conv.QueuedAt)), Priority: conv.Priority, OfferedTo: conv.OfferedToID})
	}
	if snap.Agents, err = s.agents(ctx, services); err != nil {
		return nil, err
	}
	return snap, nil
}

// queueCount is what waits in one service's queue.
type queueCount struct {
	ServiceID int    `json:"service_id"`
	Waiting   int    `json:"waiting"`
	Offered   int    `json:"offered"`
	Oldest    dbTime `json:"oldest"`
}

// queueCounts counts what waits in each queue (of serviceIDs, when given),
// reading the queue's partial index only.
func (s *Service) queueCounts(ctx context.Context, serviceIDs []int) (map[int]queueCount, error) {
	where := []predicate.Conversation{inQueue, conversation.ServiceIDNotNil()}
	if serviceIDs != nil {
		where = append(where, conversation.ServiceIDIn(serviceIDs...))
	}
	var rows []queueCount
	err := s.client.Conversation.Query().Where(where...).GroupBy(conversation.FieldServiceID).
		Aggregate(ent.As(ent.Count(), "waiting"), countOf(conversation.FieldOfferedToID, "offered"),
			ent.As(ent.Min(conversation.FieldQueuedAt), "oldest")).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("supervision: queue counts: %w", err)
	}
	out := make(map[int]queueCount, len(rows))
	for _, r := range rows {
		out[r.ServiceID] = r
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
		member := len(svc.Edges.Agents) == 0 && u.Role == user.RoleAGENT ||
			slices.ContainsFunc(svc.Edges.Agents, func(a *ent.User) bool { return a.ID == u.ID })
		if member && core.HasSkills(u.Skills, svc.RequiredSkills) {
			out = append(out, svc.ID)
		}
	}
	return out
}
