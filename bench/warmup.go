package bench

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard/switchboard/client"
)

// The warm-up (--warmup). A contact center under load is mostly in steady
// state: its customers' conversations are open and held by agents, and each
// new message goes to the one agent holding its conversation. A new
// conversation, until someone holds it, reaches every agent (the visibility
// rule's unassigned queue), so starting a thousand agents' load with two
// thousand new customers measures that first storm (millions of websocket
// messages), not the steady state. The warm-up runs before the agents
// connect, as a shift starts on conversations opened overnight: every
// customer writes once, and an admin assigns each conversation to the agent
// who owns it. The timed load then measures webhook-to-agent latency on held
// conversations. The warm-up's messages are checked in the database (lost,
// duplicated, misrouted) but not timed.

// warmUpResult is what the warm-up did.
type warmUpResult struct {
	// conversations is how many customers' conversations it opened and
	// assigned.
	conversations int
	// accepted are the sequence numbers of its accepted webhooks.
	accepted []int64
	took     time.Duration
}

// warmUp posts one webhook from every customer of the load (each account's
// senders) on concurrency goroutines, then has the admin assign every
// customer's conversation to its owning agent. The fleet must not have
// started: its agents connect to conversations already held.
func warmUp(ctx context.Context, r *rig, fleet *agentFleet, hc *http.Client, concurrency int) (warmUpResult, error) {
	start := time.Now()
	m := r.maker
	var hooks []webhook
	for i := range m.senders {
		hooks = append(hooks, m.first(i, false))
		if m.acc.customHook != "" && m.share > 0 {
			hooks = append(hooks, m.first(i, true))
		}
	}
	// Only what comes after the warm-up's messages is timed.
	fleet.obs.timeFrom(m.seq.Load() + 1)
	res := warmUpResult{conversations: len(hooks)}
	var (
		mu      sync.Mutex
		refused int
		lastErr error
	)
	err := forEach(ctx, len(hooks), concurrency, func(ctx context.Context, i int) error {
		w := newLoadWorker(-1, hc)
		h := hooks[i]
		ok := w.post(ctx, h.url, h.header, h.body, time.Now()) == http.StatusOK
		mu.Lock()
		defer mu.Unlock()
		if ok {
			res.accepted = append(res.accepted, h.seq)
		} else {
			refused++
			lastErr = fmt.Errorf("answers %v, error %v", w.statuses, w.lastErr)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	if refused > 0 {
		return res, fmt.Errorf("bench: warm-up: %d of %d webhooks refused (last: %v)", refused, len(hooks), lastErr)
	}

	// Every customer now has one open conversation; its owner gets it.
	type assignment struct {
		convID string
		agent  *loadAgent
	}
	var todo []assignment
	var after *string
	for {
		page, err := client.Conversations(ctx, r.target.admin, benchPtr(100), after, nil, nil)
		if err != nil {
			return res, fmt.Errorf("bench: warm-up: list conversations: %w", err)
		}
		for _, e := range page.Conversations.Edges {
			if owner := m.ownerOf(e.Node.Contact.ProviderUserID); owner >= 0 {
				todo = append(todo, assignment{convID: e.Node.Id, agent: fleet.agents[owner]})
			}
		}
		if !page.Conversations.PageInfo.HasNextPage {
			break
		}
		after = page.Conversations.PageInfo.EndCursor
	}
	if len(todo) != len(hooks) {
		return res, fmt.Errorf("bench: warm-up: %d customers wrote, but %d of their conversations are listed", len(hooks), len(todo))
	}
	err = forEach(ctx, len(todo), setupParallelism, func(ctx context.Context, i int) error {
		a := todo[i]
		if _, err := client.AssignConversation(ctx, r.target.admin, a.convID, a.agent.userID); err != nil {
			return fmt.Errorf("bench: warm-up: assign %s: %w", a.convID, err)
		}
		a.agent.setMine(a.convID)
		return nil
	})
	res.took = time.Since(start)
	return res, err
}

// first returns a webhook from customer i of the Telegram account, or of the
// custom account when custom is set.
func (m *webhookMaker) first(i int, custom bool) webhook {
	seq := m.seq.Add(1)
	at := time.Now()
	if custom {
		return m.customHook(seq, i, at)
	}
	return m.telegramHook(seq, i, at)
}

// telegramHook is update seq from customer i of the Telegram account.
func (m *webhookMaker) telegramHook(seq int64, i int, at time.Time) webhook {
	chat := m.chatBase + int64(i)
	body := telegramUpdateBody(seq, chat, benchText(seq, at, strconv.FormatInt(chat, 10)), at)
	return webhook{seq: seq, url: m.acc.telegramHook, header: m.telegramHeader(), body: body}
}
