package inbox

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
)

// change runs fn on a conversation in one transaction and records kind, which
// is published after the commit. The conversation is read through the viewer,
// so one it may not see is NOT_FOUND.
func (s *Service) change(ctx context.Context, id int, kind EventKind, fn func(ctx context.Context, c *ent.Client, conv *ent.Conversation) (*ent.Conversation, error)) (*ent.Conversation, error) {
	var out *ent.Conversation
	err := store.WithTx(ctx, s.client, func(ctx context.Context) error {
		c := ent.FromContext(ctx)
		conv, err := c.Conversation.Get(ctx, id)
		if err != nil {
			return store.Wrap(err, "inbox: conversation")
		}
		previous := conv.AssigneeID
		if out, err = fn(ctx, c, conv); err != nil {
			return err
		}
		var prev *int
		if !sameAssignee(previous, out.AssigneeID) {
			prev = previous
		}
		return s.record(ctx, kind, out, nil, prev)
	})
	if err != nil {
		return nil, err
	}
	return out.Unwrap(), nil
}

func sameAssignee(a, b *int) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// activeAgent checks that a user of the viewer's tenant can take conversations.
func activeAgent(ctx context.Context, c *ent.Client, userID int) error {
	u, err := c.User.Get(ctx, userID)
	if err != nil {
		return store.Wrap(err, "inbox: user")
	}
	if !u.Active {
		return core.Invalid("userId", "user is deactivated")
	}
	return nil
}

// Take assigns an unassigned open conversation to the viewer.
func (s *Service) Take(ctx context.Context, id int) (*ent.Conversation, error) {
	v, _ := core.ViewerFrom(ctx)
	return s.change(ctx, id, ConversationAssigned, func(ctx context.Context, c *ent.Client, conv *ent.Conversation) (*ent.Conversation, error) {
		if conv.Status != conversation.StatusOPEN {
			return nil, core.Invalid("id", "the conversation is closed")
		}
		if conv.AssigneeID != nil && *conv.AssigneeID != v.UserID {
			return nil, fmt.Errorf("inbox: take: another agent has it: %w", core.ErrConflict)
		}
		return c.Conversation.UpdateOne(conv).SetAssigneeID(v.UserID).Save(ctx)
	})
}

// Assign gives a conversation to an agent (supervisors and admins).
func (s *Service) Assign(ctx context.Context, id, userID int) (*ent.Conversation, error) {
	return s.change(ctx, id, ConversationAssigned, func(ctx context.Context, c *ent.Client, conv *ent.Conversation) (*ent.Conversation, error) {
		if err := activeAgent(ctx, c, userID); err != nil {
			return nil, err
		}
		return c.Conversation.UpdateOne(conv).SetAssigneeID(userID).Save(ctx)
	})
}

// Transfer hands a conversation the viewer holds (or any, for supervisors) to
// another agent; its whole history goes with it.
func (s *Service) Transfer(ctx context.Context, id, userID int) (*ent.Conversation, error) {
	v, _ := core.ViewerFrom(ctx)
	return s.change(ctx, id, ConversationAssigned, func(ctx context.Context, c *ent.Client, conv *ent.Conversation) (*ent.Conversation, error) {
		if v.Role == core.RoleAgent && (conv.AssigneeID == nil || *conv.AssigneeID != v.UserID) {
			return nil, fmt.Errorf("inbox: transfer: not yours: %w", core.ErrForbidden)
		}
		if conv.Status != conversation.StatusOPEN {
			return nil, core.Invalid("id", "the conversation is closed")
		}
		if err := activeAgent(ctx, c, userID); err != nil {
			return nil, err
		}
		return c.Conversation.UpdateOne(conv).SetAssigneeID(userID).Save(ctx)
	})
}

// Close ends a conversation. An agent closes only its own.
func (s *Service) Close(ctx context.Context, id int) (*ent.Conversation, error) {
	v, _ := core.ViewerFrom(ctx)
	return s.change(ctx, id, ConversationClosed, func(ctx context.Context, c *ent.Client, conv *ent.Conversation) (*ent.Conversation, error) {
		if v.Role == core.RoleAgent && (conv.AssigneeID == nil || *conv.AssigneeID != v.UserID) {
			return nil, fmt.Errorf("inbox: close: not yours: %w", core.ErrForbidden)
		}
		if conv.Status == conversation.StatusCLOSED {
			return conv, nil
		}
		return c.Conversation.UpdateOne(conv).SetStatus(conversation.StatusCLOSED).SetClosedAt(s.now()).Save(ctx)
	})
}

// StartConversation opens an outbound conversation with a known contact, assigned to the
// viewer, or returns the contact's open one.
func (s *Service) StartConversation(ctx context.Context, contactID int) (*ent.Conversation, error) {
	v, _ := core.ViewerFrom(ctx)
	var out *ent.Conversation
	err := store.WithTx(ctx, s.client, func(ctx context.Context) error {
		c := ent.FromContext(ctx)
		ct, err := c.Contact.Get(ctx, contactID)
		if err != nil {
			return store.Wrap(err, "inbox: contact")
		}
		// Look past the agent's view: another agent's open conversation with
		// this contact is invisible to it, yet must not get a twin. The
		// contact was found in the viewer's tenant, so its ID keeps the
		// lookup there.
		open, err := c.Conversation.Query().
			Where(conversation.ContactID(ct.ID), conversation.StatusEQ(conversation.StatusOPEN)).First(core.SystemContext(ctx))
		if err == nil {
			if open.AssigneeID != nil && *open.AssigneeID != v.UserID && v.Role == core.RoleAgent {
				return fmt.Errorf("inbox: start: another agent has this contact: %w", core.ErrConflict)
			}
			out = open
			return nil
		}
		if !ent.IsNotFound(err) {
			return fmt.Errorf("inbox: start: %w", err)
		}
		q := c.Conversation.Create().
			SetTenantID(ct.TenantID).
			SetIntegrationAccountID(ct.IntegrationAccountID).
			SetContactID(ct.ID).
			SetLastMessageAt(s.now())
		if v.UserID != 0 {
			q.SetAssigneeID(v.UserID)
		}
		if out, err = q.Save(ctx); err != nil {
			return fmt.Errorf("inbox: start: %w", err)
		}
		return s.record(ctx, ConversationCreated, out, nil, nil)
	})
	if err != nil {
		return nil, err
	}
	return out.Unwrap(), nil
}
