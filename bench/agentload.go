package bench

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/switchboard/switchboard/client"
)

// The agents of the load mode. Each is one websocket with one inboxEvents
// subscription and a reader goroutine; its mutations (takes and replies) run
// on a pool of lanes shared by every agent, so a thousand agents cost a
// thousand connections and readers, not thousands of idle workers and buffers.
//
// Every customer's conversations are owned by one agent (webhookMaker.ownerOf):
// the owner takes them and answers in them, the others ignore them. So no
// agent ever loses a race for a conversation, and the checks know, for every
// message, the one agent it must reach.

// agentJob is a mutation an agent makes after seeing an event.
type agentJob struct {
	agent  *loadAgent
	reply  bool
	convID string
	seq    int64
	sender string
	// offerID, in the service mode, is an offer to accept (of a conversation
	// with contact on an account of accountType); ready sets the agent READY
	// again after a missed offer.
	offerID     string
	contact     string
	accountType client.IntegrationAccountType
	ready       bool
}

// poolLaneBuffer bounds the jobs waiting in one lane; beyond it jobs are
// dropped (and counted) rather than stalling a websocket reader.
const poolLaneBuffer = 1024

// mutationPool runs the agents' mutations. Jobs of one conversation share a
// lane, so a take always precedes the replies after it.
type mutationPool struct {
	lanes []chan agentJob
	// pending counts jobs queued or running; drops counts jobs refused.
	pending, drops atomic.Int64
}

// newMutationPool returns a pool for agents agents: four lanes each, between
// 4 and 64 in all (as many mutations in flight as the old per-agent lanes of
// a small run, without growing with a thousand agents).
func newMutationPool(agents int) *mutationPool {
	p := &mutationPool{lanes: make([]chan agentJob, min(64, max(4, 4*agents)))}
	for i := range p.lanes {
		p.lanes[i] = make(chan agentJob, poolLaneBuffer)
	}
	return p
}

// run processes the lanes until ctx ends; it returns when they have stopped.
func (p *mutationPool) run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, lane := range p.lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-lane:
					j.agent.do(ctx, j)
					p.pending.Add(-1)
				}
			}
		}()
	}
	wg.Wait()
}

// enqueue hands j to its conversation's lane without blocking the reader.
func (p *mutationPool) enqueue(j agentJob) bool {
	h := fnv.New32a()
	h.Write([]byte(j.convID))
	p.pending.Add(1)
	select {
	case p.lanes[h.Sum32()%uint32(len(p.lanes))] <- j:
		return true
	default:
		p.pending.Add(-1)
		p.drops.Add(1)
		return false
	}
}

// loadAgent is one support agent of the load.
type loadAgent struct {
	idx    int
	c      *client.Client
	userID string
	fleet  *agentFleet

	// cursor is the last event's cursor; only the reader goroutine touches it.
	// Reconnections resume after it, so an interrupted stream has no gap.
	cursor string
	// tried are conversations the reader already queued a take for.
	tried map[string]bool

	mineMu sync.Mutex
	mine   map[string]bool

	// connected is set once the agent's first subscription was sent.
	connected atomic.Bool
	probeSeen atomic.Bool
	// lastEvent is the Unix nanos of the latest event received.
	lastEvent atomic.Int64

	reconnects, streamErrors, takes, takeLost, takeErrors atomic.Int64
	replies, replyErrors, replySkipped, foreign, leaked   atomic.Int64
	// missed counts offers that expired before this agent accepted them.
	missed atomic.Int64

	errMu   sync.Mutex
	lastErr string
}

// noteErr keeps the latest unexpected error for the report.
func (a *loadAgent) noteErr(err error) {
	a.errMu.Lock()
	a.lastErr = err.Error()
	a.errMu.Unlock()
}

// lastError returns the latest unexpected error, or "".
func (a *loadAgent) lastError() string {
	a.errMu.Lock()
	defer a.errMu.Unlock()
	return a.lastErr
}

// isMine reports whether this agent holds conversation id.
func (a *loadAgent) isMine(id string) bool {
	a.mineMu.Lock()
	defer a.mineMu.Unlock()
	return a.mine[id]
}

// setMine notes that this agent holds conversation id.
func (a *loadAgent) setMine(id string) {
	a.mineMu.Lock()
	a.mine[id] = true
	a.mineMu.Unlock()
}

// do performs one job on a pool lane: take a conversation, or reply in one it holds.
func (a *loadAgent) do(ctx context.Context, j agentJob) {
	switch {
	case j.offerID != "":
		a.accept(ctx, j)
		return
	case j.ready:
		if err := a.setReady(ctx); err != nil && ctx.Err() == nil {
			a.noteErr(err)
		}
		return
	}
	if !j.reply {
		_, err := client.TakeConversation(ctx, a.c, j.convID)
		switch code := gqlCode(err); {
		case err == nil:
			a.takes.Add(1)
			a.setMine(j.convID)
		case code == "CONFLICT" || code == "NOT_FOUND":
			a.takeLost.Add(1)
		case ctx.Err() == nil:
			a.takeErrors.Add(1)
			a.noteErr(fmt.Errorf("takeConversation: %w", err))
		}
		return
	}
	if !a.isMine(j.convID) {
		a.replySkipped.Add(1)
		return
	}
	text := replyText(j.seq, j.sender)
	cmid := "bench-" + a.fleet.runID + "-r" + strconv.FormatInt(j.seq, 10)
	_, err := client.SendMessage(ctx, a.c, client.SendMessageInput{ConversationId: j.convID, Text: &text, ClientMessageId: &cmid})
	switch {
	case err == nil:
		a.replies.Add(1)
	case ctx.Err() == nil:
		a.replyErrors.Add(1)
		a.noteErr(fmt.Errorf("sendMessage: %w", err))
	}
}

// handle processes one event on the reader goroutine.
func (a *loadAgent) handle(ev *leanEvent, now time.Time) {
	a.lastEvent.Store(now.UnixNano())
	if ev.Cursor != "" {
		a.cursor = ev.Cursor
	}
	f := a.fleet
	if f.service {
		a.handleRouted(ev, now)
		return
	}
	conv := ev.Conversation
	owner := f.maker.ownerOf(conv.Contact.ProviderUserID)
	mineNow := conv.Assignee != nil && conv.Assignee.ID == a.userID
	heldByOther := conv.Assignee != nil && !mineNow
	if mineNow {
		a.setMine(conv.ID)
	}
	take := func() {
		if owner == a.idx && conv.Assignee == nil && !a.tried[conv.ID] && f.pool.enqueue(agentJob{agent: a, convID: conv.ID}) {
			a.tried[conv.ID] = true
		}
	}
	switch ev.Kind {
	case client.ConversationEventKindConversationCreated, client.ConversationEventKindConversationReopened:
		take()
	case client.ConversationEventKindMessageCreated:
		m := ev.Message
		if m == nil || m.Direction != client.MessageDirectionInbound {
			return
		}
		if strings.HasPrefix(m.Text, probeTextPrefix) {
			a.probeSeen.Store(true)
			return
		}
		seq, sent, sender, ok := parseBenchText(m.Text)
		if !ok {
			a.foreign.Add(1)
			return
		}
		if owner != a.idx {
			// Every agent sees the messages of an unassigned conversation;
			// one held by someone else should not reach it.
			if heldByOther {
				a.leaked.Add(1)
			}
			return
		}
		f.obs.record(seq, sent, sender, m.ID, conv.Contact.ProviderUserID, conv.IntegrationAccount.Type, heldByOther, now)
		// A missed CONVERSATION_CREATED (say, before a reconnection) still
		// gets the conversation taken.
		take()
		if f.replyEvery > 0 && seq%f.replyEvery == 0 && !heldByOther {
			f.pool.enqueue(agentJob{agent: a, reply: true, convID: conv.ID, seq: seq, sender: sender})
		}
	}
}

// run keeps the agent subscribed until ctx ends or the fleet stops, resuming
// after the last cursor whenever the stream or the connection ends.
func (a *loadAgent) run(ctx context.Context) {
	for ctx.Err() == nil && !a.fleet.stopping() {
		err := a.session(ctx)
		if ctx.Err() != nil || a.fleet.stopping() {
			return
		}
		a.reconnects.Add(1)
		if err != nil {
			a.noteErr(fmt.Errorf("subscription: %w", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-a.fleet.stop:
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// session is one websocket connection with one inboxEvents subscription.
func (a *loadAgent) session(ctx context.Context) error {
	ws, err := a.c.Subscribe(ctx)
	if err != nil {
		return fmt.Errorf("open websocket: %w", err)
	}
	ch, err := subscribeInbox(ws, a.cursor)
	if err != nil {
		ws.Close()
		return err
	}
	a.connected.Store(true)
	defer func() {
		// Keep reading while closing: the websocket client's reader must never
		// be left blocked on this channel when Close closes it. The drainer
		// ends when Close closes the channel, or a second after Close returns.
		stop, drained := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(drained)
			for {
				select {
				case _, ok := <-ch:
					if !ok {
						return
					}
				case <-stop:
					return
				}
			}
		}()
		ws.Close()
		select {
		case <-drained:
		case <-time.After(time.Second):
			close(stop)
			<-drained
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-a.fleet.stop:
			return nil
		case r, ok := <-ch:
			if !ok {
				if err := ws.Err(); err != nil {
					return fmt.Errorf("websocket: %w", err)
				}
				return errors.New("the server ended the subscription (as it does to a subscriber that falls behind)")
			}
			if len(r.Errors) > 0 {
				a.streamErrors.Add(1)
				a.noteErr(fmt.Errorf("inboxEvents: %v", r.Errors))
				continue
			}
			if r.Data == nil {
				continue
			}
			a.handle(&r.Data.InboxEvents, time.Now())
		}
	}
}

// gqlCode returns extensions.code of the first GraphQL error in err, or "".
func gqlCode(err error) string {
	var list gqlerror.List
	if !errors.As(err, &list) || len(list) == 0 {
		return ""
	}
	code, _ := list[0].Extensions["code"].(string)
	return code
}

// agentFleet is the load's agents, their mutation pool and the goroutines
// that run them; stopAll stops every one of them.
type agentFleet struct {
	agents     []*loadAgent
	pool       *mutationPool
	obs        *observations
	maker      *webhookMaker
	replyEvery int64
	runID      string
	// service is set once the agents serve a chat service's queue (the
	// service mode): they accept offers instead of taking what they own.
	service bool

	// stop is closed to make the readers return instead of reconnecting.
	stop                     chan struct{}
	stopReaders, stopWorkers context.CancelFunc
	readers                  sync.WaitGroup
	poolDone                 chan struct{}
	stopOnce                 sync.Once
	// started is set by start; a fleet never started has nothing to stop.
	started bool
}

// setupParallelism bounds the agents asking who they are at once: enough to
// hide round trips.
const setupParallelism = 16

// forEach runs f(i) for i in [0, n) on up to parallel goroutines and returns
// the first error; it returns when every call has.
func forEach(ctx context.Context, n, parallel int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range min(n, parallel) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(ctx, i); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// newFleet creates cfg.Agents agents on target (their users and tokens) but
// does not connect them; start does. The caller must stopAll.
func newFleet(ctx context.Context, cfg Config, t *benchTarget, maker *webhookMaker, obs *observations, runID string) (*agentFleet, error) {
	f := &agentFleet{
		agents: make([]*loadAgent, cfg.Agents), pool: newMutationPool(cfg.Agents), obs: obs, maker: maker,
		replyEvery: cfg.ReplyEvery, runID: runID, stop: make(chan struct{}), poolDone: make(chan struct{}),
	}
	tokens, err := t.agentTokens(ctx, cfg.Agents, runID)
	if err != nil {
		return nil, err
	}
	err = forEach(ctx, cfg.Agents, setupParallelism, func(ctx context.Context, i int) error {
		c := client.New(t.agentBase(i), tokens[i], client.WithHTTPClient(t.hc))
		me, err := client.Me(ctx, c)
		if err != nil {
			return fmt.Errorf("bench: agent %d: me: %w", i, err)
		}
		f.agents[i] = &loadAgent{idx: i, c: c, userID: me.Me.Id, fleet: f, tried: map[string]bool{}, mine: map[string]bool{}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// start connects the agents (their readers) and starts the mutation pool.
func (f *agentFleet) start(ctx context.Context) {
	var readersCtx, workersCtx context.Context
	readersCtx, f.stopReaders = context.WithCancel(ctx)
	workersCtx, f.stopWorkers = context.WithCancel(ctx)
	f.started = true
	go func() { defer close(f.poolDone); f.pool.run(workersCtx) }()
	for _, a := range f.agents {
		f.readers.Add(1)
		go func() { defer f.readers.Done(); a.run(readersCtx) }()
	}
}

// stopping reports whether stopAll has begun.
func (f *agentFleet) stopping() bool {
	select {
	case <-f.stop:
		return true
	default:
		return false
	}
}

// count counts the agents for which flag is set.
func (f *agentFleet) count(flag func(*loadAgent) *atomic.Bool) int {
	n := 0
	for _, a := range f.agents {
		if flag(a).Load() {
			n++
		}
	}
	return n
}

// probeEvery is the pause between probe messages. Each reaches every agent,
// so probing faster would flood a thousand subscriptions before the load.
const probeEvery = 250 * time.Millisecond

// waitSubscribed waits until every agent has sent its subscription, then
// posts probe messages (in a conversation no agent owns, which every agent
// sees while it is unassigned) until every agent has seen one, so the load
// starts with every subscription live.
func (f *agentFleet) waitSubscribed(ctx context.Context, w *loadWorker) error {
	limit := 15*time.Second + time.Duration(len(f.agents))*20*time.Millisecond
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	connected := func(a *loadAgent) *atomic.Bool { return &a.connected }
	seen := func(a *loadAgent) *atomic.Bool { return &a.probeSeen }
	var lastProbe time.Time
	for {
		c, n := f.count(connected), f.count(seen)
		if n == len(f.agents) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %d of %d agents connected, %d subscribed after %s (probe answers %v, last error %v, last agent error %q)",
				c, len(f.agents), n, limit.Round(time.Second), w.statuses, w.lastErr, f.stats().lastErr)
		}
		if c == len(f.agents) && time.Since(lastProbe) >= probeEvery {
			p := f.maker.probe()
			w.post(ctx, p.url, p.header, p.body, time.Now())
			lastProbe = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// lastEvent is when the latest event reached any agent.
func (f *agentFleet) lastEvent() time.Time {
	latest := int64(0)
	for _, a := range f.agents {
		latest = max(latest, a.lastEvent.Load())
	}
	return time.Unix(0, latest)
}

// stopAll stops the pool (dropping jobs not started), then the readers: they
// return after the event in hand, or are cancelled after five seconds. It
// returns when every goroutine of the fleet has ended, and may be called more
// than once.
func (f *agentFleet) stopAll() {
	f.stopOnce.Do(func() {
		if !f.started {
			close(f.stop)
			return
		}
		f.stopWorkers()
		<-f.poolDone
		close(f.stop)
		done := make(chan struct{})
		go func() { f.readers.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			f.stopReaders()
			<-done
		}
		f.stopReaders()
	})
}

// agentStats sums the agents' counters.
type agentStats struct {
	reconnects, streamErrors, takes, takeLost, takeErrors int64
	replies, replyErrors, replySkipped, jobDrops, foreign int64
	// missedOffers counts offers that expired unanswered (service mode).
	missedOffers int64
	// leaked counts load messages delivered to an agent that neither owns nor
	// holds their conversation, while another agent held it.
	leaked  int64
	lastErr string
}

// stats adds up the agents' counters and keeps the latest error.
func (f *agentFleet) stats() agentStats {
	s := agentStats{jobDrops: f.pool.drops.Load()}
	for _, a := range f.agents {
		if a == nil {
			continue
		}
		s.reconnects += a.reconnects.Load()
		s.streamErrors += a.streamErrors.Load()
		s.takes += a.takes.Load()
		s.takeLost += a.takeLost.Load()
		s.takeErrors += a.takeErrors.Load()
		s.replies += a.replies.Load()
		s.replyErrors += a.replyErrors.Load()
		s.replySkipped += a.replySkipped.Load()
		s.foreign += a.foreign.Load()
		s.leaked += a.leaked.Load()
		s.missedOffers += a.missed.Load()
		if e := a.lastError(); e != "" {
			s.lastErr = e
		}
	}
	return s
}
