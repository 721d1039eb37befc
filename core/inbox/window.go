package inbox

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/providers"
)

// ReplyWindowClosesAt is when free-form replies in conv stop being allowed,
// or nil when its messenger has no such window or the customer has not
// written yet.
func (s *Service) ReplyWindowClosesAt(ctx context.Context, conv *ent.Conversation) (*time.Time, error) {
	if conv.LastInboundAt == nil {
		return nil, nil
	}
	window, err := s.replyWindow(ctx, conv.IntegrationAccountID)
	if err != nil || window == 0 {
		return nil, err
	}
	closes := conv.LastInboundAt.Add(window)
	return &closes, nil
}

// replyWindow is the reply window of an account's messenger, 0 for none. It
// is looked up once per account: a list of conversations costs no query each.
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
// messenger would only refuse later.
func (s *Service) checkReplyWindow(ctx context.Context, conv *ent.Conversation) error {
	closes, err := s.ReplyWindowClosesAt(ctx, conv)
	if err != nil || closes == nil || s.now().Before(*closes) {
		return err
	}
	return fmt.Errorf("inbox: send: the customer last wrote %s ago: %w",
		s.now().Sub(*conv.LastInboundAt).Round(time.Minute), core.ErrReplyWindowClosed)
}
