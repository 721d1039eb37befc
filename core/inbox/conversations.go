package inbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/predicate"
)

// change decides and applies a change of a conversation as one job of the
// writer and records kind. The conversation is first read as the viewer, so
// one it may not see is NOT_FOUND, and a change that check already refuses
// (closed, someone else's) fails without taking the writer's turn; inside
// the job, fn decides again on the row as it is now and its update is
// conditional on the holder it saw, so a race is lost cleanly (CONFLICT).
func (s *Service) change(ctx context.Context, id int, kind EventKind, check func(conv *ent.Conversation) error,
	fn func(ctx context.Context, c *ent.Client, conv *ent.Conversation) (*ent.ConversationUpdateOne, error)) (*ent.Conversation, error) {
	seen, err := s.client.Conversation.Get(ctx, id)
	if err != nil {
		return nil, store.Wrap(err, "inbox: conversation")
	}
	if err := check(seen); err != nil {
		return nil, err
	}
	var out *ent.Conversation
	err = s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		conv, err := c.Conversation.Get(ctx, id)
		if err != nil {
			return store.Wrap(err, "inbox: conversation")
		}
		if err := check(conv); err != nil {
			return err
		}
		up, err := fn(ctx, c, conv)
		if err != nil || up == nil {
			out = conv
			return err
		}
		out, err = s.applyChange(ctx, c, rec, conv, kind, up)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out.Unwrap(), nil
}

// applyChange saves up, a change of conv of the given kind, inside a writer
// job: conditional on the holder conv had (a race is lost with CONFLICT),
// recorded as an event, and followed by what the change implies (offers
// withdrawn, the router kicked, system messages, the scenario told).
func (s *Service) applyChange(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation, kind EventKind,
	up *ent.ConversationUpdateOne) (*ent.Conversation, error) {
	previous := holdersOf(conv)
	if _, requeued := up.Mutation().Queued(); !requeued && (kind == ConversationAssigned || kind == ConversationClosed) {
		// Held or closed, it no longer waits in a queue: answered, or
		// abandoned when it closed waiting.
		up.SetQueued(false).ClearOfferedToID()
		// Answered is the first time an agent got it from a queue; a
		// transfer keeps it (see TransferToService), so a conversation is
		// never both answered and abandoned.
		if conv.Queued && kind == ConversationClosed && conv.AnsweredAt == nil {
			up.SetAbandoned(true)
		}
		if conv.Queued && kind == ConversationAssigned && conv.AnsweredAt == nil {
			up.SetAnsweredAt(s.now())
		}
	}
	if kind == ConversationClosed {
		up.ClearCustomerIdleAt().SetIdleWarned(false)
	}
	up.Where(conversation.StatusEQ(conv.Status), holderIs(previous.Assignee))
	out, err := up.Save(ctx)
	if err != nil {
		if ent.IsNotFound(err) {
			return nil, fmt.Errorf("inbox: the conversation changed meanwhile: %w", core.ErrConflict)
		}
		return nil, fmt.Errorf("inbox: change conversation: %w", err)
	}
	if kind == ConversationAssigned {
		err = rec.addAssigned(ctx, out, previous)
	} else {
		err = rec.add(ctx, kind, out, nil)
	}
	if err != nil {
		return nil, err
	}
	return out, s.afterChange(ctx, c, rec, kind, conv, out)
}

// holdersOf is who conv is with, for the visibility rule.
func holdersOf(conv *ent.Conversation) core.Holders {
	return core.Holders{Assignee: conv.AssigneeID, Queued: conv.Queued, OfferedTo: conv.OfferedToID}
}

// holderIs matches a conversation still held by assignee (nil: unassigned).
func holderIs(assignee *int) predicate.Conversation {
	if assignee == nil {
		return conversation.AssigneeIDIsNil()
	}
	return conversation.AssigneeID(*assignee)
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

func isOpen(conv *ent.Conversation) error {
	if conv.Status != conversation.StatusOPEN {
		return core.Invalid("id", "the conversation is closed")
	}
	return nil
}

// Take assigns an unassigned open conversation to the viewer. Of agents who
// race for one, one wins and the others get CONFLICT, decided by a
// conditional update; taking one's own again changes nothing.
func (s *Service) Take(ctx context.Context, id int) (*ent.Conversation, error) {
	v, _ := core.ViewerFrom(ctx)
	return s.change(ctx, id, ConversationAssigned, func(conv *ent.Conversation) error {
		if err := isOpen(conv); err != nil {
			return err
		}
		if conv.AssigneeID != nil && *conv.AssigneeID != v.UserID {
			return fmt.Errorf("inbox: take: another agent has it: %w", core.ErrConflict)
		}
		return nil
	}, func(ctx context.Context, c *ent.Client, conv *ent.Conversation) (*ent.ConversationUpdateOne, error) {
		if conv.AssigneeID != nil {
			return nil, nil // already the viewer's
		}
		return c.Conversation.UpdateOne(conv).SetAssigneeID(v.UserID), nil
	})
}

// Assign gives a conversation to an agent (supervisors and admins).
func (s *Service) Assign(ctx context.Context, id, userID int) (*ent.Conversation, error) {
	if err := activeAgent(ctx, s.client, userID); err != nil {
		return nil, err
	}
	return s.change(ctx, id, ConversationAssigned, func(*ent.Conversation) error { return nil },
		func(ctx context.Context, c *ent.Client, conv *ent.Conversation) (*ent.ConversationUpdateOne, error) {
			if conv.AssigneeID != nil && *conv.AssigneeID == userID {
				return nil, nil
			}
			return c.Conversation.UpdateOne(conv).SetAssigneeID(userID), nil
		})
}

// Transfer hands a conversation the viewer holds (or any, for supervisors) to
// another agent; its whole history goes with it.
func (s *Service) Transfer(ctx context.Context, id, userID int) (*ent.Conversation, error) {
	v, _ := core.ViewerFrom(ctx)
	if err := activeAgent(ctx, s.client, userID); err != nil {
		return nil, err
	}
	return s.change(ctx, id, ConversationAssigned, func(conv *ent.Conversation) error {
		if v.Role == core.RoleAgent && (conv.AssigneeID == nil || *conv.AssigneeID != v.UserID) {
			return fmt.Errorf("inbox: transfer: not yours: %w", core.ErrForbidden)
		}
		return isOpen(conv)
	}, func(ctx context.Context, c *ent.Client, conv *ent.Conversation) (*ent.ConversationUpdateOne, error) {
		if conv.AssigneeID != nil && *conv.AssigneeID == userID {
			return nil, nil
		}
		return c.Conversation.UpdateOne(conv).SetAssigneeID(userID), nil
	})
}

// Close ends a conversation. An agent closes only its own.
func (s *Service) Close(ctx context.Context, id int) (*ent.Conversation, error) {
	v, _ := core.ViewerFrom(ctx)
	return s.change(ctx, id, ConversationClosed, func(conv *ent.Conversation) error {
		if v.Role == core.RoleAgent && (conv.AssigneeID == nil || *conv.AssigneeID != v.UserID) {
			return fmt.Errorf("inbox: close: not yours: %w", core.ErrForbidden)
		}
		return nil
	}, func(ctx context.Context, c *ent.Client, conv *ent.Conversation) (*ent.ConversationUpdateOne, error) {
		if conv.Status == conversation.StatusCLOSED {
			return nil, nil
		}
		return c.Conversation.UpdateOne(conv).SetStatus(conversation.StatusCLOSED).SetClosedAt(s.now()), nil
	})
}

// StartConversation opens an outbound conversation with a known contact, assigned to the
// viewer, or returns the contact's open one.
func (s *Service) StartConversation(ctx context.Context, contactID int) (*ent.Conversation, error) {
	v, _ := core.ViewerFrom(ctx)
	ct, err := s.client.Contact.Get(ctx, contactID)
	if err != nil {
		return nil, store.Wrap(err, "inbox: contact")
	}
	var out *ent.Conversation
	err = s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) (err error) {
		for attempt := 1; ; attempt++ {
			out, err = s.startOrFind(ctx, c, rec, v, ct)
			if !errors.Is(err, errLostOpen) || attempt == openAttempts {
				return err
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out.Unwrap(), nil
}

// startOrFind is StartConversation's work inside the writer: the contact's
// open conversation if the viewer may have it, else a new one. errLostOpen
// says another writer opened one meanwhile: look again.
func (s *Service) startOrFind(ctx context.Context, c *ent.Client, rec *recorder, v core.Viewer, ct *ent.Contact) (*ent.Conversation, error) {
	// Look past the agent's view (the writer acts as the system): another
	// agent's open conversation with this contact is invisible to it, yet
	// must not get a twin. The contact was found in the viewer's tenant,
	// so its ID keeps the lookup there.
	open, err := c.Conversation.Query().
		Where(conversation.ContactID(ct.ID), conversation.StatusEQ(conversation.StatusOPEN)).First(ctx)
	if err == nil {
		if open.AssigneeID != nil && *open.AssigneeID != v.UserID && v.Role == core.RoleAgent {
			return nil, fmt.Errorf("inbox: start: another agent has this contact: %w", core.ErrConflict)
		}
		if !v.MaySeeConversation(holdersOf(open)) {
			return nil, fmt.Errorf("inbox: start: this contact waits in a queue for an agent: %w", core.ErrConflict)
		}
		return open, nil
	}
	if !ent.IsNotFound(err) {
		return nil, fmt.Errorf("inbox: start: %w", err)
	}
	q := c.Conversation.Create().
		SetTenantID(ct.TenantID).
		SetIntegrationAccountID(ct.IntegrationAccountID).
		SetContactID(ct.ID).
		SetLastMessageAt(s.now())
	if v.UserID != 0 {
		q.SetAssigneeID(v.UserID)
	}
	var out *ent.Conversation
	if err := s.openOnce(ctx, c, func() (err error) { out, err = q.Save(ctx); return err }); err != nil {
		return nil, fmt.Errorf("inbox: start: %w", err)
	}
	return out, rec.add(ctx, ConversationCreated, out, nil)
}
