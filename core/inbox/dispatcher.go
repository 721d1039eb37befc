package inbox

import (
	"context"
	"database/sql"
	entsql "entgo.io/ent/dialect/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/safeurl"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/message"
	"github.com/switchboard/switchboard/ent/messagepart"
	"github.com/switchboard/switchboard/providers"
)

// pollInterval bounds how long a due retry waits when nothing wakes the dispatcher.
const pollInterval = 250 * time.Millisecond

// queueReadGap is the least time between two reads of the outbox. Under load
// every stored reply wakes the dispatcher and every finished delivery frees
// a slot; reading the outbox for each would cost more than the deliveries,
// so wakes that come closer together share one read.
const queueReadGap = 5 * time.Millisecond

// runDispatcher delivers QUEUED replies: the oldest of each conversation first,
// conversations in parallel, until ctx ends. Replies left QUEUED by a crash are
// found on the first pass after a restart.
func (s *Service) runDispatcher(ctx context.Context) {
	sys := core.SystemContext(ctx)
	busy := map[int]bool{} // conversations with a delivery in flight, one each
	done := make(chan int, s.opts.Workers)
	timer := time.NewTimer(0)
	defer timer.Stop()
	defer func() {
		for range busy {
			<-done
		}
	}()
	for attempt := 0; ; attempt++ {
		err := s.settleAllInDoubt(sys)
		if err == nil || ctx.Err() != nil {
			break
		}
		s.log.ErrorContext(ctx, "dispatcher: settle replies in doubt", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(min(attempt+1, 10)) * time.Second):
		}
	}
	var lastRead time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case conv := <-done:
			delete(busy, conv)
		case <-s.wake:
		case <-timer.C:
		}
		if wait := queueReadGap - time.Since(lastRead); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			for collecting := true; collecting; {
				select {
				case conv := <-done:
					delete(busy, conv)
				default:
					collecting = false
				}
			}
		}
		lastRead = time.Now()
		due, err := s.dueMessages(sys, busy, s.opts.Workers-len(busy))
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "dispatcher: load queue", "err", err)
		}
		for _, m := range due {
			conv := *m.ConversationID
			busy[conv] = true
			go func() {
				s.deliver(sys, m)
				done <- conv
			}()
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(pollInterval)
	}
}

// dueMessages returns, per conversation not busy, its oldest QUEUED reply if
// due, at most room of them. Only each conversation's oldest queued reply is
// read (the database picks them from the outbox index), so a backlog of
// thousands (a burst of new conversations, each with its system messages),
// read again whenever a delivery finishes, costs a row per conversation
// rather than per queued message.
func (s *Service) dueMessages(ctx context.Context, busy map[int]bool, room int) ([]*ent.Message, error) {
	if room <= 0 {
		return nil, nil
	}
	oldest := entsql.Select(entsql.Min(message.FieldID)).From(entsql.Table(message.Table)).
		Where(entsql.And(
			entsql.EQ(message.FieldStatus, message.StatusQUEUED.String()),
			entsql.EQ(message.FieldDirection, message.DirectionOUTBOUND.String()),
			entsql.NotNull(message.FieldConversationID))).
		GroupBy(message.FieldConversationID)
	heads, err := s.client.Message.Query().
		Where(func(sel *entsql.Selector) { sel.Where(entsql.In(sel.C(message.FieldID), oldest)) },
			message.Or(message.NextAttemptAtIsNil(), message.NextAttemptAtLTE(s.now()))).
		Order(ent.Asc(message.FieldID)).Limit(room + len(busy)).All(ctx)
	if err != nil {
		return nil, err
	}
	due := heads[:0]
	for _, m := range heads {
		if !busy[*m.ConversationID] && len(due) < room {
			due = append(due, m)
		}
	}
	return due, nil
}

// A reply is sent at most once behind an agent's back, even when the
// server sending it dies mid-send (SIGKILL, a lost lease in a cluster):
// deliver commits a claim (send_started_at) before the provider is called and
// clears it with the outcome, conditionally on its own claim. A reply found
// still claimed by a dispatcher starting up (settleInDoubt) was in flight when
// the last one died, and may or may not have reached the customer: through a
// messenger that drops repeated sends (providers.IdempotentSender) it is sent
// again, through any other it is FAILED with the reason, for an agent to send
// again or not. A graceful stop lets deliveries in flight finish first (up to
// Options.DeliveryGrace), so only a crash leaves replies in doubt.

// notConfirmed is the reason of a reply whose delivery was cut off.
const notConfirmed = "delivery not confirmed: the server stopped while sending it, so it may or may not have reached the customer; send it again if it did not"

// deliver claims one reply, sends it and records the outcome, with its event
// when the status settles, in one transaction.
func (s *Service) deliver(ctx context.Context, m *ent.Message) {
	// Once started, a delivery runs to its recorded outcome even when the
	// dispatcher stops, within Options.DeliveryGrace.
	stopping := ctx
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer context.AfterFunc(stopping, func() { time.AfterFunc(s.opts.DeliveryGrace, cancel) })()
	claimed := s.now()
	won := false
	if err := s.write(ctx, func(ctx context.Context, c *ent.Client, _ *recorder) error {
		n, err := c.Message.Update().
			Where(message.ID(m.ID), message.StatusEQ(message.StatusQUEUED), message.SendStartedAtIsNil()).
			SetSendStartedAt(claimed).Save(ctx)
		won = n == 1
		return err
	}); err != nil || !won {
		if err != nil {
			s.log.ErrorContext(ctx, "dispatcher: claim a reply", "message", m.ID, "err", err)
		}
		return
	}
	m.SendStartedAt = &claimed
	res, sendErr := s.sendNow(ctx, m)
	if sendErr != nil && ctx.Err() != nil {
		// Cut off by the stop: whether the provider took it is unknown.
		if err := s.settleInDoubt(context.WithoutCancel(ctx), m); err != nil {
			s.log.ErrorContext(ctx, "dispatcher: settle a reply cut off", "message", m.ID, "err", err)
		}
		return
	}
	var perr *providers.SendError
	errors.As(sendErr, &perr)
	if sendErr != nil {
		// Agents see the reason in words; the detail, addresses included, is
		// for the operator.
		s.log.WarnContext(ctx, "dispatcher: send failed", "message", m.ID, "attempt", m.Attempts+1,
			"err", sendErr, "detail", safeurl.Detail(sendErr))
	}
	scheduled := false
	set := func(up *ent.MessageUpdateOne) {
		up.SetAttempts(m.Attempts + 1).ClearSendStartedAt()
		switch {
		case sendErr == nil:
			up.SetStatus(message.StatusSENT).SetError("").ClearNextAttemptAt().SetProviderMessageIds(res.MessageIDs)
			if len(res.MessageIDs) > 0 {
				up.SetProviderMessageID(res.MessageIDs[0])
			}
		case perr != nil && !perr.Retryable, m.Attempts+1 >= s.opts.MaxAttempts:
			up.SetStatus(message.StatusFAILED).SetError(trimReason(reasonOf(sendErr))).ClearNextAttemptAt()
		default:
			wait := backoff(s.opts.RetryBase, m.Attempts+1)
			if perr != nil && perr.RetryAfter > wait {
				wait = perr.RetryAfter
			}
			up.SetError(trimReason(reasonOf(sendErr))).SetNextAttemptAt(s.now().Add(wait))
			scheduled = true // agents see the status once it settles
		}
	}
	err := s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		// Only over its own claim: a dispatcher that took over from this one
		// (a lost lease) may have settled the reply meanwhile.
		up := c.Message.UpdateOneID(m.ID).Where(message.SendStartedAtEQ(claimed))
		set(up)
		updated, err := up.Save(ctx)
		if ent.IsNotFound(err) {
			s.log.WarnContext(ctx, "dispatcher: a reply was settled elsewhere while it was sent", "message", m.ID)
			return nil
		}
		if err == nil && sendErr == nil && len(res.MessageIDs) > 1 {
			err = storeParts(ctx, c, m, res.MessageIDs[1:])
		}
		// The account's health records accepted replies, and refusals of its
		// credentials (even one that waits for another try): those fail every
		// reply until an admin acts. A refusal about this customer or message
		// stays on the message.
		if err == nil && (sendErr == nil || perr != nil && perr.Credentials) {
			refusal := ""
			if sendErr != nil {
				refusal = trimReason(reasonOf(sendErr))
			}
			err = s.markSent(ctx, c, m.IntegrationAccountID, refusal)
		}
		if err != nil || scheduled {
			return err
		}
		return messageUpdated(ctx, c, rec, updated)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "dispatcher: record delivery", "message", m.ID, "err", err)
	}
}

// settleInDoubt settles a reply whose delivery was cut off (see deliver): it
// goes back to the queue when its messenger drops repeated sends, and is
// FAILED otherwise.
func (s *Service) settleInDoubt(ctx context.Context, m *ent.Message) error {
	idempotent := false
	if a, err := s.account(ctx, "", m.IntegrationAccountID); err == nil && a.err == nil {
		_, idempotent = a.bound.Provider.(providers.IdempotentSender)
	}
	return s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		up := c.Message.UpdateOneID(m.ID).Where(message.StatusEQ(message.StatusQUEUED), message.SendStartedAtEQ(*m.SendStartedAt)).ClearSendStartedAt()
		if !idempotent {
			up.SetStatus(message.StatusFAILED).SetError(notConfirmed).ClearNextAttemptAt().SetAttempts(m.Attempts + 1)
		}
		updated, err := up.Save(ctx)
		if ent.IsNotFound(err) || err == nil && idempotent {
			return nil // settled already, or queued again: no change agents see
		}
		if err != nil {
			return err
		}
		return messageUpdated(ctx, c, rec, updated)
	})
}

// settleAllInDoubt settles the replies a dispatcher that died left in
// flight; a starting dispatcher runs it before it sends anything.
func (s *Service) settleAllInDoubt(ctx context.Context) error {
	left, err := s.client.Message.Query().
		Where(message.StatusEQ(message.StatusQUEUED), message.DirectionEQ(message.DirectionOUTBOUND), message.SendStartedAtNotNil()).
		All(ctx)
	if err != nil {
		return fmt.Errorf("dispatcher: replies in flight at the last stop: %w", err)
	}
	for _, m := range left {
		if err := s.settleInDoubt(ctx, m); err != nil {
			return fmt.Errorf("dispatcher: settle reply %d: %w", m.ID, err)
		}
	}
	if len(left) > 0 {
		s.log.WarnContext(ctx, "dispatcher: settled replies in flight when the last dispatcher stopped", "replies", len(left))
	}
	return nil
}

// reasonOf is the failure as agents see it. Providers' reasons are safe to
// show; any other network failure is put in words by safeurl, because its
// own text may name internal addresses.
func reasonOf(err error) string {
	var sendErr *providers.SendError
	switch {
	case errors.As(err, &sendErr):
		return sendErr.Reason
	case safeurl.IsRequestError(err):
		return "could not reach the messenger: " + safeurl.PublicError(err)
	}
	return err.Error()
}

// backoff is how long to wait after the given failed attempt (counting from 1):
// base doubled per attempt, capped at 10 minutes, with jitter over its upper half.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt-1, 20)
	if d > 10*time.Minute || d <= 0 {
		d = 10 * time.Minute
	}
	return d/2 + rand.N(d/2+1)
}

// sendNow calls the account's provider.
func (s *Service) sendNow(ctx context.Context, m *ent.Message) (providers.SendResult, error) {
	a, err := s.account(ctx, "", m.IntegrationAccountID)
	if err != nil {
		return providers.SendResult{}, &providers.SendError{Reason: "the account no longer exists", Err: err}
	}
	acct, b := a.account, a.bound
	if a.err != nil {
		return providers.SendResult{}, &providers.SendError{Credentials: true, Reason: "the account's messenger or credentials cannot be used", Err: a.err}
	}
	sender, ok := b.Provider.(providers.Sender)
	if !ok {
		return providers.SendResult{}, &providers.SendError{Reason: "replies are not supported yet for " + acct.Type.String()}
	}
	ct, err := s.client.Contact.Get(ctx, m.ContactID)
	if err != nil {
		return providers.SendResult{}, &providers.SendError{Reason: "the contact no longer exists", Err: err}
	}
	pa := b.Opened
	to := ct.ChatID
	if to == "" {
		to = ct.ProviderUserID
	}
	out := providers.OutboundMessage{To: to, Text: m.Text, ID: idString(m.ID)}
	// A messenger that fetches media by URL gets a fresh public link to each
	// upload on every attempt, so a retry hours later still has a working one.
	_, byURL := sender.(providers.MediaByURL)
	for i, a := range m.Attachments {
		oa := providers.OutboundAttachment{Type: a.Type, URL: a.URL, FileName: a.FileName, MimeType: a.MimeType}
		if a.URL == "" && i < len(m.Media) && m.Media[i].File != "" {
			data, err := s.media.Read(m.Media[i].File)
			if err != nil {
				return providers.SendResult{}, &providers.SendError{Reason: "the uploaded file is gone", Err: err}
			}
			oa.Data = data
			if oa.MimeType == "" {
				oa.MimeType = m.Media[i].MimeType
			}
			if byURL && s.opts.MediaLinks != nil {
				oa.URL = s.opts.MediaLinks.URL(m.ID, i, s.now())
			}
		}
		out.Attachments = append(out.Attachments, oa)
	}
	sendCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	return sender.Send(sendCtx, s.env(), pa, out)
}

// storeParts records the provider IDs of a reply's further parts (a split
// text, media sent apart), so a receipt about any part finds the reply.
func storeParts(ctx context.Context, c *ent.Client, m *ent.Message, ids []string) error {
	creates := make([]*ent.MessagePartCreate, 0, len(ids))
	for _, id := range ids {
		if id == "" {
			continue
		}
		creates = append(creates, c.MessagePart.Create().SetTenantID(m.TenantID).
			SetIntegrationAccountID(m.IntegrationAccountID).SetProviderMessageID(id).SetMessageID(m.ID))
	}
	err := c.MessagePart.CreateBulk(creates...).
		OnConflictColumns(messagepart.FieldIntegrationAccountID, messagepart.FieldProviderMessageID).DoNothing().Exec(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("dispatcher: store reply parts: %w", err)
	}
	return nil
}
