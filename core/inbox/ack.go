package inbox

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// maxPendingAcks bounds acknowledgements waiting to be sent; beyond it new
// ones are dropped (and logged): they only stop a button's spinner early.
const maxPendingAcks = 1024

// ack is one stored event to acknowledge to its messenger.
type ack struct {
	to        providers.EventAcknowledger
	accountID int
	account   providers.Account
	event     providers.Event
}

// acknowledge queues the events of a stored webhook for their messenger's
// acknowledgement, without making the webhook's answer wait for it.
func (s *Service) acknowledge(to providers.EventAcknowledger, accountID int, acct providers.Account, events []providers.Event) {
	for _, ev := range events {
		select {
		case s.acks <- ack{to: to, accountID: accountID, account: acct, event: ev}:
		default:
			s.log.Warn("webhook: acknowledgement dropped, too many waiting", "account", accountID)
		}
	}
}

// runAcknowledger sends queued acknowledgements until ctx ends.
func (s *Service) runAcknowledger(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-s.acks:
			callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if err := a.to.Acknowledge(callCtx, s.env(), a.account, a.event); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "webhook: acknowledge", "account", a.accountID, "err", err)
			}
			cancel()
		}
	}
}
