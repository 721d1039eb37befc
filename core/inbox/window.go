package inbox

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/contact"
	"github.com/switchboard/switchboard/providers"
)

// customerWrote records on the contact that the customer wrote at the
// messenger's time of the message, so reply windows count from when the
// customer wrote rather than from when Switchboard got it: a message held
// while its account was disconnected, replayed, or retried late by the
// messenger does not open a fresh window. A time in the future (a skewed
// clock) counts as now; an older message than the latest known changes
// nothing.
func (s *Service) customerWrote(ctx context.Context, c *ent.Client, contactID int, at time.Time) error {
	now := s.now()
	if at.IsZero() || at.After(now) {
		at = now
	}
	err := c.Contact.Update().
		Where(contact.ID(contactID), contact.Or(contact.LastInboundAtIsNil(), contact.LastInboundAtLT(at))).
		SetLastInboundAt(at).Exec(ctx)
	if err != nil {
		return fmt.Errorf("inbox: contact last wrote: %w", err)
	}
	return nil
}

// ReplyWindowClosesAt is when free-form replies in conv stop being allowed,
// counted from when its customer last wrote on its account (whichever
// conversation that was in), or nil when its messenger has no such window.
// A customer who never wrote gives a window that is closed: it "closed" when
// the conversation began.
func (s *Service) ReplyWindowClosesAt(ctx context.Context, conv *ent.Conversation) (*time.Time, error) {
	closes, _, err := s.replyWindowOf(ctx, s.client, conv)
	return closes, err
}

// replyWindowOf is ReplyWindowClosesAt, read through c, with when the
// customer last wrote (nil for never).
func (s *Service) replyWindowOf(ctx context.Context, c *ent.Client, conv *ent.Conversation) (closes, wrote *time.Time, err error) {
	window, err := s.replyWindow(ctx, conv.IntegrationAccountID)
	if err != nil || window == 0 {
		return nil, nil, err
	}
	ct, err := c.Contact.Query().Where(contact.ID(conv.ContactID)).
		Select(contact.FieldLastInboundAt).Only(core.SystemContext(ctx))
	if err != nil {
		return nil, nil, fmt.Errorf("inbox: reply window: %w", err)
	}
	wrote = ct.LastInboundAt
	if wrote == nil {
		// A contact stored before contacts kept the time: the
		// conversation's own (when the server got the message) stands in.
		wrote = conv.LastInboundAt
	}
	if wrote == nil {
		created := conv.CreatedAt
		return &created, nil, nil
	}
	at := wrote.Add(window)
	return &at, wrote, nil
}

// replyWindow is the reply window of an account's messenger, 0 for none. It
// is looked up once per account: a list of conversations costs no query each
// for messengers without one.
func (s *Service) replyWindow(ctx context.Context, accountID int) (time.Duration, error) {
	if w, ok := s.windows.Load(accountID); ok {
		return w.(time.Duration), nil
	}
	acct, err := s.client.IntegrationAccount.Get(core.SystemContext(ctx), accountID)
	if err != nil {
		return 0, fmt.Errorf("inbox: reply window: %w", err)
	}
	_, p, err := s.accounts.Spec(acct)
	if err != nil {
		return 0, err
	}
	var window time.Duration
	if w, ok := p.(providers.ReplyWindow); ok {
		window = w.ReplyWindow()
	}
	s.windows.Store(accountID, window)
	return window, nil
}

// checkReplyWindow refuses a reply outside its messenger's window, which the
// messenger would only refuse later: also when the customer never wrote, as
// in a conversation an agent started.
func (s *Service) checkReplyWindow(ctx context.Context, c *ent.Client, conv *ent.Conversation) error {
	closes, wrote, err := s.replyWindowOf(ctx, c, conv)
	if err != nil || closes == nil || s.now().Before(*closes) {
		return err
	}
	if wrote == nil {
		return fmt.Errorf("inbox: send: the customer has not written on this account yet: %w", core.ErrReplyWindowClosed)
	}
	return fmt.Errorf("inbox: send: the customer last wrote %s ago: %w",
		s.now().Sub(*wrote).Round(time.Minute), core.ErrReplyWindowClosed)
}
