package inbox

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/providers"
)

// wroteAt is when a customer's message counts as written for reply windows:
// the messenger's time of it, so a message held while its account was
// disconnected, replayed, or retried late by the messenger opens no fresh
// window; a time missing or in the future (a skewed clock) counts as now.
// It is stored as the conversation's last_inbound_at by the same statement
// that files the message (touchOpen), so the window costs no write of its own.
func (s *Service) wroteAt(at time.Time) time.Time {
	if now := s.now(); at.IsZero() || at.After(now) {
		return now
	}
	return at
}

// deref is *t, or the zero time (which wroteAt takes as now) for nil.
func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
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
	// The customer's latest message on the account, whichever conversation
	// it went to: an agent's new conversation shares the window.
	last, err := c.Conversation.Query().
		Where(conversation.ContactID(conv.ContactID), conversation.LastInboundAtNotNil()).
		Order(ent.Desc(conversation.FieldLastInboundAt)).Select(conversation.FieldLastInboundAt).First(core.SystemContext(ctx))
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return nil, nil, fmt.Errorf("inbox: reply window: %w", err)
	default:
		wrote = last.LastInboundAt
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
