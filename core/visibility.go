package core

// MaySeeConversation is the one rule of who sees a conversation's live events
// and its current state: its assignee, every agent while it is unassigned
// (anyone may take it), and the tenant's supervisors and admins. Queries
// (ent/schema's agent scope), the event log's replay and live fan-out all
// decide with it, so they cannot disagree.
//
// assignee is who holds the conversation (nil: nobody).
func (v Viewer) MaySeeConversation(assignee *int) bool {
	return v.system || v.Role != RoleAgent || assignee == nil || *assignee == v.UserID
}

// MaySeeAssignment applies the rule to a change of holder, from previous to
// assignee: whoever could see the conversation before or after is told, so an
// agent learns that a conversation left its inbox (transferred away), and
// every agent learns that an unassigned one it was shown has been taken.
func (v Viewer) MaySeeAssignment(previous, assignee *int) bool {
	return v.MaySeeConversation(assignee) || v.MaySeeConversation(previous)
}
