package bench

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The warm-up (--warmup). A contact center under load is mostly in steady
// state: its customers' conversations are open and held by agents, and each
// new message goes to the one agent holding its conversation. A new
// conversation, until it is taken, is seen by every agent (the visibility
// rule's unassigned queue), so starting a thousand agents' load with two
// thousand new customers measures that first storm, not the steady state.
// The warm-up opens every customer's conversation first, lets its owner take
// it, and waits until the fleet is quiet; the timed load then measures
// webhook-to-agent latency on held conversations. Warm-up messages are still
// checked (lost, duplicated, misrouted) but not timed.

// warmUpQuiet is how long no agent may have received an event for the
// warm-up to count as settled.
const warmUpQuiet = 500 * time.Millisecond

// warmUpResult is what the warm-up did.
type warmUpResult struct {
	// conversations is how many customers' conversations it opened.
	conversations int
	// accepted are the sequence numbers of its accepted webhooks.
	accepted []int64
	took     time.Duration
}

// warmUp posts one webhook from every customer of the load (each account's
// senders) with concurrency senders, then waits until every owner has seen
// its message and taken its conversation and the agents' streams are quiet.
// It fails when that takes longer than limit.
func warmUp(ctx context.Context, r *rig, fleet *agentFleet, hc *http.Client, concurrency int, limit time.Duration) (warmUpResult, error) {
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
	var (
		next    atomic.Int64
		mu      sync.Mutex
		res     = warmUpResult{conversations: len(hooks)}
		wg      sync.WaitGroup
		failed  atomic.Int64
		lastErr error
	)
	for range min(concurrency, len(hooks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newLoadWorker(-1, hc)
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(hooks) {
					break
				}
				h := hooks[i]
				if w.post(ctx, h.url, h.header, h.body, time.Now()) == http.StatusOK {
					w.accepted = append(w.accepted, h.seq)
				} else {
					failed.Add(1)
				}
			}
			mu.Lock()
			res.accepted = append(res.accepted, w.accepted...)
			if w.lastErr != nil {
				lastErr = w.lastErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if n := failed.Load(); n > 0 {
		return res, fmt.Errorf("bench: warm-up: %d of %d webhooks refused (last error %v)", n, len(hooks), lastErr)
	}

	deadline := start.Add(limit)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s := fleet.stats()
		settled := len(fleet.obs.unseen(res.accepted)) == 0 && s.takes >= int64(len(hooks)) &&
			fleet.pool.pending.Load() == 0 && time.Since(fleet.lastEvent()) >= warmUpQuiet
		if settled {
			res.took = time.Since(start)
			return res, nil
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("bench: warm-up not settled after %s: %d of %d messages unseen, %d of %d conversations taken (last agent error %q)",
				limit, len(fleet.obs.unseen(res.accepted)), len(hooks), s.takes, len(hooks), s.lastErr)
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-tick.C:
		}
	}
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
