package core

import "testing"

// TestMaySeeConversation pins the one visibility rule, queues and offers
// included: an agent sees its own conversations, the unassigned ones outside
// any queue, and a queued one only while it is offered to it.
func TestMaySeeConversation(t *testing.T) {
	me, other := 7, 8
	agent := Viewer{TenantID: 1, UserID: me, Role: RoleAgent}
	supervisor := Viewer{TenantID: 1, UserID: 9, Role: RoleSupervisor}
	for _, c := range []struct {
		name string
		h    Holders
		want bool
	}{
		{"unassigned, no queue", Holders{}, true},
		{"mine", Holders{Assignee: &me}, true},
		{"another agent's", Holders{Assignee: &other}, false},
		{"waiting in a queue", Holders{Queued: true}, false},
		{"offered to me", Holders{Queued: true, OfferedTo: &me}, true},
		{"offered to another", Holders{Queued: true, OfferedTo: &other}, false},
		// An offer ended because another agent took it: the offer's agent is told.
		{"offered to me, taken by another", Holders{Assignee: &other, OfferedTo: &me}, true},
	} {
		if got := agent.MaySeeConversation(c.h); got != c.want {
			t.Errorf("%s: agent sees %v, want %v", c.name, got, c.want)
		}
		if !supervisor.MaySeeConversation(c.h) {
			t.Errorf("%s: a supervisor must see every conversation", c.name)
		}
	}
	// An assignment is seen by whoever could see it before or after.
	if !agent.MaySeeAssignment(Holders{}, Holders{Assignee: &other}) {
		t.Error("agents who saw it unassigned are told it was taken")
	}
	if agent.MaySeeAssignment(Holders{Queued: true, OfferedTo: &other}, Holders{Assignee: &other}) {
		t.Error("an agent who never saw a queued conversation is told of its taking")
	}
	if !agent.MaySeeAssignment(Holders{Assignee: &me}, Holders{Queued: true}) {
		t.Error("an agent is told that its conversation went back to a queue")
	}
}
