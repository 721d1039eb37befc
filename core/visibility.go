package core

// Holders is who a conversation is with at one moment, as far as visibility
// goes: its assignee, whether it waits in a chat service's queue, and the
// agent a queued conversation is offered to.
type Holders struct {
	// Assignee holds the conversation (nil: nobody).
	Assignee *int
	// Queued is set while it waits in a service's queue for an agent.
	Queued bool
	// OfferedTo is the agent a queued conversation is offered to now.
	OfferedTo *int
}

// MaySeeConversation is the one rule of who sees a conversation's live events
// and its current state: its assignee; while it is unassigned, every agent if
// it waits in no service's queue (anyone may take it), and only the agent it
// is offered to if it does; and always the tenant's supervisors and admins.
// Queries (ent/schema's agent scope), the event log's replay and live fan-out
// all decide with it, so they cannot disagree.
func (v Viewer) MaySeeConversation(h Holders) bool {
	if v.system || v.Role != RoleAgent {
		return true
	}
	// The agent it is offered to, first: an offer that ends because someone
	// else took the conversation is news to that agent (ent/schema's agent
	// scope reads offered_to_id the same way, whoever the assignee).
	if h.OfferedTo != nil && *h.OfferedTo == v.UserID {
		return true
	}
	if h.Assignee != nil {
		return *h.Assignee == v.UserID
	}
	return !h.Queued
}

// MaySeeAssignment applies the rule to a change of holder, from previous to
// now: whoever could see the conversation before or after is told, so an
// agent learns that a conversation left its inbox (transferred away), and
// every agent learns that an unassigned one it was shown has been taken.
func (v Viewer) MaySeeAssignment(previous, now Holders) bool {
	return v.MaySeeConversation(now) || v.MaySeeConversation(previous)
}
