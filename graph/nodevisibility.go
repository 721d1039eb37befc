package graph

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/offer"
)

// visibleNode is n as node(id) and nodes(ids) answer it to the viewer: an
// offer is its agent's (and supervisors' and admins'), so another agent of
// the tenant gets null for it, as for an ID that does not exist, and learns
// nothing of a conversation offered to someone else.
func visibleNode(ctx context.Context, c *ent.Client, n ent.Noder) (ent.Noder, error) {
	o, ok := n.(*ent.Offer)
	if !ok || o == nil {
		return n, nil
	}
	v, _ := core.ViewerFrom(ctx)
	if v.IsSystem() || v.HasRole(core.RoleAdmin, core.RoleSupervisor) {
		return n, nil
	}
	// The node was loaded with the fields the query asked for only: the
	// agent is read on its own.
	agent, err := c.Offer.Query().Where(offer.ID(o.ID)).Select(offer.FieldAgentID).Int(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("graph: offer's agent: %w", err)
	}
	if agent != v.UserID {
		return nil, nil
	}
	return n, nil
}
