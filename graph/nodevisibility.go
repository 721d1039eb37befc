package graph

import (
	"context"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
)

// visibleNode is n as node(id) and nodes(ids) answer it to the viewer: an
// offer is its agent's (and supervisors' and admins'), so another agent of
// the tenant gets null for it, as for an ID that does not exist, and learns
// nothing of a conversation offered to someone else.
func visibleNode(ctx context.Context, n ent.Noder) ent.Noder {
	o, ok := n.(*ent.Offer)
	if !ok {
		return n
	}
	v, _ := core.ViewerFrom(ctx)
	if v.IsSystem() || v.HasRole(core.RoleAdmin, core.RoleSupervisor) || o.AgentID == v.UserID {
		return n
	}
	return nil
}
