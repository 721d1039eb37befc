package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard/switchboard/core/scenario"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/contact"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/ent/message"
	"github.com/switchboard/switchboard/ent/messagepart"
	"github.com/switchboard/switchboard/ent/offer"
	"github.com/switchboard/switchboard/ent/user"
	"github.com/switchboard/switchboard/ent/webhookevent"
	"github.com/switchboard/switchboard/providers"
)

// apply stores one job inside the writer's transaction.
func (s *Service) apply(ctx context.Context, c *ent.Client, rec *recorder, j *job) error {
	if j.fn != nil {
		return j.fn(ctx, c, rec)
	}
	if j.release {
		return s.releaseHeld(ctx, c, rec, j.account)
	}
	if j.replay == nil {
		status := webhookevent.StatusPROCESSED
		if j.failure != "" {
			status = webhookevent.StatusFAILED
		}
		// The raw body is stored with the batch's others in one insert (see
		// recorder.flush). A provider's retry of a body already stored is a
		// no-op there: the unique (account, body hash) index drops it, and its
		// events are deduplicated by their own keys below.
		create := c.WebhookEvent.Create()
		if j.failure != "" {
			create.SetQuery(j.query).SetHeaders(replayHeaders(j.headers))
		}
		rec.bodies = append(rec.bodies, create.
			SetTenantID(j.account.TenantID).
			SetIntegrationAccountID(j.account.ID).
			SetBodyHash(bodyHash(j.body)).
			SetBody(j.body).
			SetContentType(j.contentType).
			SetStatus(status).
			SetError(j.failure).
			SetEvents(len(j.events)))
	} else if err := c.WebhookEvent.UpdateOne(j.replay).
		SetStatus(webhookevent.StatusPROCESSED).SetError("").SetEvents(len(j.events)).Exec(ctx); err != nil {
		return fmt.Errorf("inbox: mark replayed: %w", err)
	}
	for i := range j.events {
		if err := s.applyEvent(ctx, c, rec, j.account, &j.events[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) applyEvent(ctx context.Context, c *ent.Client, rec *recorder, acct *ent.IntegrationAccount, ev *providers.Event) error {
	switch ev.Kind {
	case providers.EventMessage, providers.EventPostback:
		return s.storeInbound(ctx, c, rec, acct, ev)
	case providers.EventEdited:
		return s.storeEdit(ctx, c, rec, acct, ev)
	case providers.EventFailed:
		return s.storeFailure(ctx, c, rec, acct, ev)
	case providers.EventDelivered, providers.EventRead:
		return s.storeReceipt(ctx, c, rec, acct, ev)
	case providers.EventSubscribed, providers.EventUnsubscribe:
		if ev.SenderID == "" {
			return nil
		}
		s.contactChanged(rec, contactKey{acct.ID, ev.SenderID})
		_, err := c.Contact.Update().
			Where(contact.IntegrationAccountID(acct.ID), contact.ProviderUserID(ev.SenderID)).
			SetBlocked(ev.Kind == providers.EventUnsubscribe).Save(ctx)
		if err != nil {
			return fmt.Errorf("inbox: contact subscription: %w", err)
		}
		if ev.Kind == providers.EventUnsubscribe && acct.ServiceID != nil {
			// The customer left: a scenario running for them ends, and a
			// conversation still waiting in a queue (with a scenario or
			// without) closes as abandoned, its offer withdrawn.
			open, err := c.Conversation.Query().Where(conversation.HasContactWith(
				contact.IntegrationAccountID(acct.ID), contact.ProviderUserID(ev.SenderID)),
				conversation.StatusEQ(conversation.StatusOPEN)).All(ctx)
			if err != nil {
				return fmt.Errorf("inbox: customer left: %w", err)
			}
			for _, conv := range open {
				if err := s.scenarioInput(ctx, c, rec, conv, scenario.Input{Kind: scenario.InputCustomerLeft}); err != nil {
					return err
				}
				if err := s.customerLeftQueue(ctx, c, rec, conv.ID); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// customerLeftQueue closes conversation id as abandoned if it still waits
// in a queue, unheld, after its customer left (a scenario's customerLeft
// exit may already have closed it, or kept it for an agent).
func (s *Service) customerLeftQueue(ctx context.Context, c *ent.Client, rec *recorder, id int) error {
	conv, err := c.Conversation.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("inbox: customer left: %w", err)
	}
	if conv.Status != conversation.StatusOPEN || conv.AssigneeID != nil || !conv.Queued {
		return nil
	}
	return s.finishRun(ctx, c, rec, conv.ID, scenario.FinishCustomerLeft)
}

// contactFor finds or creates the sender's contact and keeps its name current.
func (s *Service) contactFor(ctx context.Context, c *ent.Client, acct *ent.IntegrationAccount, ev *providers.Event) (*ent.Contact, error) {
	chat := ev.ChatID
	if chat == "" {
		chat = ev.SenderID
	}
	if ct := s.cache.contact(contactKey{acct.ID, ev.SenderID}); ct != nil &&
		(ev.SenderName == "" || ev.SenderName == ct.DisplayName) && (ev.SenderLanguage == "" || ct.Language != "") &&
		ct.ChatID == chat && !ct.Blocked {
		return ct, nil
	}
	ct, err := s.contactRow(ctx, c, acct, ev, chat)
	if err == nil {
		s.cache.putContact(ct)
	}
	return ct, err
}

func (s *Service) contactRow(ctx context.Context, c *ent.Client, acct *ent.IntegrationAccount, ev *providers.Event, chat string) (*ent.Contact, error) {
	ct, err := c.Contact.Query().
		Where(contact.IntegrationAccountID(acct.ID), contact.ProviderUserID(ev.SenderID)).Only(ctx)
	if ent.IsNotFound(err) {
		ct, err = c.Contact.Create().
			SetTenantID(acct.TenantID).
			SetIntegrationAccountID(acct.ID).
			SetProviderUserID(ev.SenderID).
			SetChatID(chat).
			SetDisplayName(ev.SenderName).
			SetLanguage(ev.SenderLanguage).
			Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("inbox: create contact: %w", err)
		}
		return ct, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inbox: find contact: %w", err)
	}
	// The messenger's language fills an unknown one; it never overrides one
	// an agent set.
	newLanguage := ev.SenderLanguage != "" && ct.Language == ""
	if (ev.SenderName != "" && ev.SenderName != ct.DisplayName) || newLanguage || ct.ChatID != chat || ct.Blocked {
		up := c.Contact.UpdateOne(ct).SetChatID(chat).SetBlocked(false)
		if ev.SenderName != "" {
			up.SetDisplayName(ev.SenderName)
		}
		if newLanguage {
			up.SetLanguage(ev.SenderLanguage)
		}
		if ct, err = up.Save(ctx); err != nil {
			return nil, fmt.Errorf("inbox: update contact: %w", err)
		}
	}
	return ct, nil
}

// conversationFor returns the contact's open conversation, reopens one closed
// within the reopen window, or starts a new one, and records which it did.
func (s *Service) conversationFor(ctx context.Context, c *ent.Client, rec *recorder, acct *ent.IntegrationAccount, ct *ent.Contact) (*ent.Conversation, error) {
	conv, err := s.findConversation(ctx, c, rec, acct, ct)
	for attempt := 1; errors.Is(err, errLostOpen) && attempt < openAttempts; attempt++ {
		conv, err = s.findConversation(ctx, c, rec, acct, ct)
	}
	if err == nil {
		s.cache.putConv(ct.ID, conv.ID)
	}
	return conv, err
}

// findConversation: a conversation opened or reopened unassigned on an
// account of a chat service enters the service's queue before its event is
// recorded, so no agent but the one it is offered to ever sees it.
func (s *Service) findConversation(ctx context.Context, c *ent.Client, rec *recorder, acct *ent.IntegrationAccount, ct *ent.Contact) (*ent.Conversation, error) {
	conv, err := c.Conversation.Query().
		Where(conversation.ContactID(ct.ID), conversation.StatusEQ(conversation.StatusOPEN)).
		Order(ent.Desc(conversation.FieldID)).First(ctx)
	if err == nil {
		return conv, nil
	}
	if !ent.IsNotFound(err) {
		return nil, fmt.Errorf("inbox: find conversation: %w", err)
	}
	if acct.ServiceID != nil {
		// A chat its agent ended whose scenario still talks to the customer
		// (the survey): the answer goes there, without reopening it.
		if talking, err := s.scenarioAfterChat(ctx, c, ct); err != nil || talking != nil {
			return talking, err
		}
	}
	last, err := c.Conversation.Query().
		Where(conversation.ContactID(ct.ID), conversation.ClosedAtGT(s.now().Add(-s.opts.ReopenWindow))).
		Order(ent.Desc(conversation.FieldClosedAt)).First(ctx)
	if err == nil {
		up := c.Conversation.UpdateOne(last).SetStatus(conversation.StatusOPEN).ClearClosedAt()
		sticky := false
		if acct.ServiceID != nil && last.AssigneeID != nil {
			if sticky, err = s.mayTakeBack(ctx, c, *last.AssigneeID); err != nil {
				return nil, err
			}
		}
		if acct.ServiceID != nil && !sticky {
			// A customer who comes back queues anew, from now: not ahead of
			// those who waited meanwhile, and not counted as both abandoned
			// and answered. The agent who had the chat keeps it only when
			// free to take it (mayTakeBack); otherwise it goes through the
			// queue, its scenario and its system messages like a new one.
			up.ClearAssigneeID().ClearQueuedAt().ClearAnsweredAt().SetAbandoned(false)
		}
		if err := s.openOnce(ctx, c, func() (err error) { conv, err = up.Save(ctx); return err }); err != nil {
			return nil, fmt.Errorf("inbox: reopen conversation: %w", err)
		}
		if acct.ServiceID != nil && conv.AssigneeID == nil {
			if conv, err = s.enqueue(ctx, c, rec, conv, *acct.ServiceID); err != nil {
				return nil, err
			}
		}
		if sticky {
			s.kickRouter() // the agent's load changed
		}
		return conv, rec.add(ctx, ConversationReopened, conv, nil)
	}
	if !ent.IsNotFound(err) {
		return nil, fmt.Errorf("inbox: find closed conversation: %w", err)
	}
	create := c.Conversation.Create().
		SetTenantID(ct.TenantID).
		SetIntegrationAccountID(ct.IntegrationAccountID).
		SetContactID(ct.ID).
		SetLastMessageAt(s.now())
	if err := s.openOnce(ctx, c, func() (err error) { conv, err = create.Save(ctx); return err }); err != nil {
		return nil, fmt.Errorf("inbox: create conversation: %w", err)
	}
	if acct.ServiceID != nil {
		if conv, err = s.enqueue(ctx, c, rec, conv, *acct.ServiceID); err != nil {
			return nil, err
		}
	}
	return conv, rec.add(ctx, ConversationCreated, conv, nil)
}

// mayTakeBack reports whether agentID may get back, straight away, a chat
// of theirs its customer reopened: only an active READY agent with free
// capacity (its open chats and pending offers below its capacity), as the
// router would offer it. An agent gone OFFLINE, on a break or full leaves it
// to the queue, so a returning customer never waits on someone away.
func (s *Service) mayTakeBack(ctx context.Context, c *ent.Client, agentID int) (bool, error) {
	u, err := c.User.Get(ctx, agentID)
	if ent.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inbox: reopen: agent: %w", err)
	}
	if !u.Active || u.State != user.StateREADY {
		return false, nil
	}
	held, err := c.Conversation.Query().Where(conversation.AssigneeID(agentID), conversation.StatusEQ(conversation.StatusOPEN)).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("inbox: reopen: agent's load: %w", err)
	}
	offered, err := c.Offer.Query().Where(offer.AgentID(agentID), offer.StatusEQ(offer.StatusPENDING)).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("inbox: reopen: agent's offers: %w", err)
	}
	return held+offered < u.Capacity, nil
}

// storeInbound stores a customer's message once (the dedup key decides) and,
// unless the account is disconnected, files it into a conversation.
func (s *Service) storeInbound(ctx context.Context, c *ent.Client, rec *recorder, acct *ent.IntegrationAccount, ev *providers.Event) error {
	if ev.SenderID == "" || ev.DedupKey == "" {
		return nil
	}
	ct, err := s.contactFor(ctx, c, acct, ev)
	if err != nil {
		return err
	}
	kind := message.KindMESSAGE
	if ev.Kind == providers.EventPostback {
		kind = message.KindPOSTBACK
	}
	create := c.Message.Create().
		SetTenantID(acct.TenantID).
		SetIntegrationAccountID(acct.ID).
		SetContactID(ct.ID).
		SetDirection(message.DirectionINBOUND).
		SetKind(kind).
		SetStatus(message.StatusRECEIVED).
		SetText(ev.Text).
		SetPayload(ev.Payload).
		SetDedupKey(ev.DedupKey)
	if ev.MessageID != "" {
		create.SetProviderMessageID(ev.MessageID)
	}
	if !ev.Timestamp.IsZero() {
		create.SetProviderTime(ev.Timestamp)
	}
	if len(ev.Attachments) > 0 {
		create.SetAttachments(ev.Attachments).SetMedia(pendingMedia(ev.Attachments)).SetMediaPending(true)
	}
	if ev.Location != nil {
		create.SetLocation(ev.Location)
	}
	if ev.Contact != nil {
		create.SetSharedContact(ev.Contact)
	}
	held := acct.Status == integrationaccount.StatusDISCONNECTED
	var convID int
	cached := false
	if held {
		create.SetHeld(true)
	} else if convID, cached = s.cache.conv(ct.ID); cached {
		create.SetConversationID(convID)
	}
	// The insert decides whether the message is new: a provider's retry hits
	// the unique (account, dedup key) index and inserts nothing, in the same
	// statement (no lookup before it).
	msgID, err := create.OnConflictColumns(message.FieldIntegrationAccountID, message.FieldDedupKey).DoNothing().ID(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inbox: store message: %w", err)
	}
	if held {
		return nil
	}
	if err := s.markInbound(ctx, c, acct.ID); err != nil {
		return fmt.Errorf("inbox: account health: %w", err)
	}
	// With the contact's open conversation cached, one UPDATE marks the
	// message as its latest; otherwise (or if that conversation closed
	// meanwhile) the conversation is found or opened, and the message filed in it.
	var conv *ent.Conversation
	if cached {
		if conv, err = s.touchOpen(ctx, c, convID, msgID, s.wroteAt(ev.Timestamp)); err != nil {
			return err
		}
	}
	if conv == nil {
		if conv, err = s.conversationFor(ctx, c, rec, acct, ct); err != nil {
			return err
		}
		if err := c.Message.UpdateOneID(msgID).SetConversationID(conv.ID).Exec(ctx); err != nil {
			return fmt.Errorf("inbox: file message: %w", err)
		}
		if conv, err = c.Conversation.UpdateOne(conv).SetLastMessageAt(s.now()).SetLastInboundAt(s.wroteAt(ev.Timestamp)).SetLastMessageID(msgID).
			ClearCustomerIdleAt().SetIdleWarned(false).Save(ctx); err != nil {
			return fmt.Errorf("inbox: touch conversation: %w", err)
		}
	}
	if err := rec.add(ctx, MessageCreated, conv, &msgID); err != nil {
		return err
	}
	if len(rec.entered) > 0 {
		// A conversation that just entered its queue: the customer is
		// greeted and its scenario starts with this message.
		return s.greetEntered(ctx, c, rec, ev.Text)
	}
	return s.scenarioMessage(ctx, c, rec, conv, ev.Text)
}

// releaseHeld files an account's held messages into conversations, in the order
// they arrived.
func (s *Service) releaseHeld(ctx context.Context, c *ent.Client, rec *recorder, acct *ent.IntegrationAccount) error {
	held, err := c.Message.Query().
		Where(message.IntegrationAccountID(acct.ID), heldOnly).
		Order(ent.Asc(message.FieldID)).WithConversation().All(ctx)
	if err != nil {
		return fmt.Errorf("inbox: held messages: %w", err)
	}
	for _, m := range held {
		ct, err := c.Contact.Get(ctx, m.ContactID)
		if err != nil {
			return fmt.Errorf("inbox: held message contact: %w", err)
		}
		conv, err := s.conversationFor(ctx, c, rec, acct, ct)
		if err != nil {
			return err
		}
		if err := c.Message.UpdateOne(m).SetConversationID(conv.ID).SetHeld(false).Exec(ctx); err != nil {
			return fmt.Errorf("inbox: release message: %w", err)
		}
		if conv, err = c.Conversation.UpdateOne(conv).SetLastMessageAt(s.now()).SetLastInboundAt(s.wroteAt(deref(m.ProviderTime))).SetLastMessageID(m.ID).
			ClearCustomerIdleAt().SetIdleWarned(false).Save(ctx); err != nil {
			return fmt.Errorf("inbox: touch conversation: %w", err)
		}
		id := m.ID
		if err := rec.add(ctx, MessageCreated, conv, &id); err != nil {
			return err
		}
		if err := s.greetEntered(ctx, c, rec, m.Text); err != nil {
			return err
		}
	}
	return nil
}

// updateReferenced applies change to the account's messages of direction that an
// event refers to by provider ID (an edit, a receipt), recording MESSAGE_UPDATED
// for each one change alters. change returns nil to leave a message alone.
func (s *Service) updateReferenced(ctx context.Context, c *ent.Client, rec *recorder, acct *ent.IntegrationAccount,
	ev *providers.Event, dir message.Direction, change func(*ent.Message) *ent.MessageUpdateOne) error {
	if len(ev.RefMessageIDs) == 0 {
		return nil
	}
	msgs, err := c.Message.Query().
		Where(message.IntegrationAccountID(acct.ID), message.DirectionEQ(dir),
			message.Or(message.ProviderMessageIDIn(ev.RefMessageIDs...),
				message.HasPartsWith(messagepart.IntegrationAccountID(acct.ID), messagepart.ProviderMessageIDIn(ev.RefMessageIDs...)))).
		WithConversation().All(ctx)
	if err != nil {
		return fmt.Errorf("inbox: find messages of %s: %w", ev.Kind, err)
	}
	for _, m := range msgs {
		up := change(m)
		if up == nil {
			continue
		}
		if err := up.Exec(ctx); err != nil {
			return fmt.Errorf("inbox: apply %s: %w", ev.Kind, err)
		}
		if conv := m.Edges.Conversation; conv != nil {
			id := m.ID
			if err := rec.add(ctx, MessageUpdated, conv, &id); err != nil {
				return err
			}
		}
	}
	return nil
}

// storeEdit applies a customer's edit to the message it changes.
func (s *Service) storeEdit(ctx context.Context, c *ent.Client, rec *recorder, acct *ent.IntegrationAccount, ev *providers.Event) error {
	return s.updateReferenced(ctx, c, rec, acct, ev, message.DirectionINBOUND, func(m *ent.Message) *ent.MessageUpdateOne {
		return c.Message.UpdateOne(m).SetText(ev.Text).SetEdited(true)
	})
}

// statusRank orders outbound statuses so receipts only move them forward.
var statusRank = map[message.Status]int{
	message.StatusQUEUED: 1, message.StatusSENT: 2, message.StatusDELIVERED: 3, message.StatusREAD: 4,
}

// storeReceipt moves our replies to DELIVERED or READ.
func (s *Service) storeReceipt(ctx context.Context, c *ent.Client, rec *recorder, acct *ent.IntegrationAccount, ev *providers.Event) error {
	to := message.StatusDELIVERED
	if ev.Kind == providers.EventRead {
		to = message.StatusREAD
	}
	if len(ev.RefMessageIDs) == 0 {
		// Messenger reports "read up to" a time (its watermark) without IDs.
		return s.receiptUpTo(ctx, c, rec, acct, ev, to)
	}
	var read []*ent.Message
	err := s.updateReferenced(ctx, c, rec, acct, ev, message.DirectionOUTBOUND, func(m *ent.Message) *ent.MessageUpdateOne {
		if to == message.StatusREAD {
			read = append(read, m)
		}
		if statusRank[m.Status] >= statusRank[to] || m.Status == message.StatusFAILED {
			return nil
		}
		return c.Message.UpdateOne(m).SetStatus(to)
	})
	if err != nil {
		return err
	}
	for _, m := range read {
		if err := s.readEarlier(ctx, c, rec, m); err != nil {
			return err
		}
	}
	return nil
}

// storeFailure records that the messenger accepted a reply and then could not
// deliver it (WhatsApp's 24-hour window, a number not on WhatsApp): the reply
// becomes FAILED with the messenger's reason, so the agent learns of it and
// may retry. A reply already READ stays so.
func (s *Service) storeFailure(ctx context.Context, c *ent.Client, rec *recorder, acct *ent.IntegrationAccount, ev *providers.Event) error {
	reason := trimReason(ev.Reason)
	if reason == "" {
		reason = "the messenger could not deliver it"
	}
	return s.updateReferenced(ctx, c, rec, acct, ev, message.DirectionOUTBOUND, func(m *ent.Message) *ent.MessageUpdateOne {
		if m.Status == message.StatusREAD || m.Status == message.StatusFAILED {
			return nil
		}
		return c.Message.UpdateOne(m).SetStatus(message.StatusFAILED).SetError(reason)
	})
}

// receiptUpTo applies a receipt that names no message but a time: every
// reply to the sender created up to then moves to status to.
func (s *Service) receiptUpTo(ctx context.Context, c *ent.Client, rec *recorder, acct *ent.IntegrationAccount, ev *providers.Event, to message.Status) error {
	if ev.Timestamp.IsZero() || ev.SenderID == "" {
		return nil
	}
	ct, err := c.Contact.Query().Where(contact.IntegrationAccountID(acct.ID), contact.ProviderUserID(ev.SenderID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inbox: receipt: contact: %w", err)
	}
	lower := []message.Status{message.StatusSENT}
	if to == message.StatusREAD {
		lower = append(lower, message.StatusDELIVERED)
	}
	msgs, err := c.Message.Query().
		Where(message.ContactID(ct.ID), message.DirectionEQ(message.DirectionOUTBOUND),
			message.StatusIn(lower...), message.CreatedAtLTE(ev.Timestamp)).
		WithConversation().All(ctx)
	if err != nil {
		return fmt.Errorf("inbox: receipt: replies: %w", err)
	}
	for _, m := range msgs {
		if err := c.Message.UpdateOne(m).SetStatus(to).Exec(ctx); err != nil {
			return fmt.Errorf("inbox: apply %s: %w", ev.Kind, err)
		}
		if conv := m.Edges.Conversation; conv != nil {
			id := m.ID
			if err := rec.add(ctx, MessageUpdated, conv, &id); err != nil {
				return err
			}
		}
	}
	return nil
}

// readEarlier marks the replies sent before m in its conversation READ: a
// customer who read a message has seen the ones above it, and messengers
// report reading once for all of them (Viber sends one seen for every unread
// message; Messenger and WhatsApp readers scroll past the earlier ones).
func (s *Service) readEarlier(ctx context.Context, c *ent.Client, rec *recorder, m *ent.Message) error {
	if m.ConversationID == nil {
		return nil // held: not in a conversation yet
	}
	earlier, err := c.Message.Query().
		Where(message.ConversationID(*m.ConversationID), message.DirectionEQ(message.DirectionOUTBOUND),
			message.IDLT(m.ID), message.StatusIn(message.StatusSENT, message.StatusDELIVERED)).
		WithConversation().All(ctx)
	if err != nil {
		return fmt.Errorf("inbox: find earlier replies: %w", err)
	}
	for _, e := range earlier {
		if err := c.Message.UpdateOne(e).SetStatus(message.StatusREAD).Exec(ctx); err != nil {
			return fmt.Errorf("inbox: mark earlier reply read: %w", err)
		}
		if conv := e.Edges.Conversation; conv != nil {
			id := e.ID
			if err := rec.add(ctx, MessageUpdated, conv, &id); err != nil {
				return err
			}
		}
	}
	return nil
}

// trimReason keeps stored provider reasons short.
func trimReason(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}
