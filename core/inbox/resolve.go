package inbox

import (
	"context"
	"sync"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/message"
)

var (
	conversationID = conversation.ID
	messageID      = message.ID
)

// resolved is an event's conversation (with contact, account and assignee) and
// message, loaded once and shared by every subscriber that receives the event.
type resolved struct {
	conv *ent.Conversation
	msg  *ent.Message
}

// resolveCache keeps recently resolved events. Subscribers of one tenant receive
// the same events at about the same time, so loading each once instead of once
// per subscriber takes most reads off the hot path.
type resolveCache struct {
	mu    sync.Mutex
	items map[int]resolved
	order []int
	max   int
}

func (c *resolveCache) get(cursor int) (resolved, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.items[cursor]
	return r, ok
}

func (c *resolveCache) put(cursor int, r resolved) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items = make(map[int]resolved, c.max)
	}
	if _, ok := c.items[cursor]; ok {
		return
	}
	c.items[cursor] = r
	c.order = append(c.order, cursor)
	if len(c.order) > c.max {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
}

// Resolve returns an event's conversation and message as the viewer may see
// them: ok is false when the viewer may not see the conversation (another
// tenant's, or, for an agent, one assigned to someone else) or it is gone.
func (s *Service) Resolve(ctx context.Context, e Event) (conv *ent.Conversation, msg *ent.Message, ok bool) {
	v, _ := core.ViewerFrom(ctx)
	if e.TenantID != v.TenantID {
		return nil, nil, false
	}
	r, hit := s.resolved.get(e.Cursor)
	if !hit {
		sys := core.SystemContext(ctx)
		c, err := s.client.Conversation.Query().Where(conversationID(e.ConversationID)).
			WithContact().WithIntegrationAccount().WithAssignee().Only(sys)
		if err != nil {
			return nil, nil, false
		}
		r.conv = c
		if e.MessageID != nil {
			m, err := s.client.Message.Query().Where(messageID(*e.MessageID)).WithSender().Only(sys)
			if err != nil {
				// Gone, or this subscriber's context ended mid-read: share nothing
				// partial with the next subscriber.
				return nil, nil, false
			}
			r.msg = m
		}
		s.resolved.put(e.Cursor, r)
	}
	if v.Role == core.RoleAgent && r.conv.AssigneeID != nil && *r.conv.AssigneeID != v.UserID {
		return nil, nil, false
	}
	return r.conv, r.msg, true
}
