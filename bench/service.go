package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard/client"
)

// The service mode (--service). A contact center does not show a new
// conversation to every agent: its accounts belong to a chat service, the
// conversation waits in the service's queue, and the router offers it to one
// READY agent, who accepts it. In this mode the agents do just that: they
// accept every offer, load the messages that arrived while the conversation
// waited (as an agent's desktop does on accept), and from then on receive
// its messages live and answer them. Whoever accepts a conversation holds
// it, so the checks follow the holder instead of a precomputed owner: a
// message must reach the agent holding its conversation exactly once, and no
// one else.

// maxAgentCapacity is the most conversations an agent may hold (the server's
// bound on capacity).
const maxAgentCapacity = 100

// joinService creates a chat service with the load's accounts and no
// scenario, gives every agent room for its share of the customers, and sets
// them READY. It runs after the agents have subscribed, so the probe
// conversation (opened before) stays visible to all of them.
func (f *agentFleet) joinService(ctx context.Context, r *rig) error {
	customers := r.maker.customers()
	capacity := min(maxAgentCapacity, 2*((customers+len(f.agents)-1)/len(f.agents))+4)
	if capacity*len(f.agents) < customers {
		return fmt.Errorf("bench: --service: %d agents hold at most %d conversations each, fewer than %d customers", len(f.agents), maxAgentCapacity, customers)
	}
	admin := r.target.admin
	accounts := []string{r.acc.telegramNode}
	if r.acc.customNode != "" {
		accounts = append(accounts, r.acc.customNode)
	}
	timeout := 60
	svc, err := client.CreateChatService(ctx, admin, client.ChatServiceInput{
		Name: benchPtr("bench " + f.runID), OfferTimeoutSeconds: &timeout, AccountIds: accounts})
	if err != nil {
		return fmt.Errorf("bench: create chat service: %w", err)
	}
	// Routing alone: no scenario talks to the customers first.
	if _, err := client.SaveScenario(ctx, admin, svc.CreateChatService.Id, nil); err != nil {
		return fmt.Errorf("bench: chat service scenario: %w", err)
	}
	f.service = true
	return forEach(ctx, len(f.agents), setupParallelism, func(ctx context.Context, i int) error {
		a := f.agents[i]
		if _, err := client.UpdateUser(ctx, admin, a.userID, client.UpdateUserInput{Capacity: &capacity}); err != nil {
			return fmt.Errorf("bench: agent %d: capacity: %w", i, err)
		}
		return a.setReady(ctx)
	})
}

// setReady makes the agent READY for offers.
func (a *loadAgent) setReady(ctx context.Context) error {
	if _, err := client.SetAgentState(ctx, a.c, client.AgentStateInput{State: client.UserStateReady}); err != nil {
		return fmt.Errorf("bench: agent %d: READY: %w", a.idx, err)
	}
	return nil
}

// handleRouted processes one event of the service mode on the reader
// goroutine: offers are accepted, messages of conversations the agent holds
// are checked and answered.
func (a *loadAgent) handleRouted(ev *leanEvent, now time.Time) {
	f := a.fleet
	conv := ev.Conversation
	mineNow := conv.Assignee != nil && conv.Assignee.ID == a.userID
	heldByOther := conv.Assignee != nil && !mineNow
	switch ev.Kind {
	case client.ConversationEventKindConversationOffered:
		if ev.Offer != nil && ev.Offer.Status == client.OfferStatusPending {
			f.pool.enqueue(agentJob{agent: a, offerID: ev.Offer.ID, convID: conv.ID,
				contact: conv.Contact.ProviderUserID, accountType: conv.IntegrationAccount.Type})
		}
	case client.ConversationEventKindConversationOfferEnded:
		// A missed offer sets the agent NOT_READY; it comes back, as a
		// person at the desk would.
		if ev.Offer != nil && ev.Offer.Status == client.OfferStatusExpired {
			a.missed.Add(1)
			f.pool.enqueue(agentJob{agent: a, ready: true, convID: conv.ID})
		}
	case client.ConversationEventKindMessageCreated:
		m := ev.Message
		if m == nil || m.Direction != client.MessageDirectionInbound || strings.HasPrefix(m.Text, probeTextPrefix) {
			return
		}
		seq, sent, sender, ok := parseBenchText(m.Text)
		switch {
		case !ok:
			a.foreign.Add(1)
		case heldByOther:
			a.leaked.Add(1)
		case mineNow:
			f.obs.recordVia(seenLive, seq, sent, sender, m.ID, conv.Contact.ProviderUserID, conv.IntegrationAccount.Type, now)
			if f.replyEvery > 0 && seq%f.replyEvery == 0 {
				f.pool.enqueue(agentJob{agent: a, reply: true, convID: conv.ID, seq: seq, sender: sender})
			}
		}
		// Unheld (offered, not yet accepted): its messages are read on accept.
	}
}

// accept takes an offered conversation and reads the messages that arrived
// before it was held; later ones arrive live.
func (a *loadAgent) accept(ctx context.Context, j agentJob) {
	_, err := client.AcceptOffer(ctx, a.c, j.offerID)
	switch code := gqlCode(err); {
	case err == nil:
		a.takes.Add(1)
		a.setMine(j.convID)
	case code == "CONFLICT" || code == "NOT_FOUND":
		a.takeLost.Add(1)
		return
	default:
		if ctx.Err() == nil {
			a.takeErrors.Add(1)
			a.noteErr(fmt.Errorf("acceptOffer: %w", err))
		}
		return
	}
	resp, err := client.LatestMessages(ctx, a.c, j.convID, 100, nil)
	if err != nil {
		if ctx.Err() == nil {
			a.noteErr(fmt.Errorf("messages on accept: %w", err))
		}
		return
	}
	if resp.Node == nil {
		return
	}
	conv, ok := (*resp.Node).(*client.LatestMessagesNodeConversation)
	if !ok {
		return
	}
	now := time.Now()
	for _, e := range conv.Messages.Edges {
		m := e.Node
		if m.Direction != client.MessageDirectionInbound {
			continue
		}
		if seq, sent, sender, ok := parseBenchText(m.Text); ok {
			a.fleet.obs.recordVia(seenOnAccept, seq, sent, sender, m.Id, j.contact, j.accountType, now)
		}
	}
}
