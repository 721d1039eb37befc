package main

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

// benchText is the text of load message seq sent at sent by sender (the
// provider user ID its contact must have): "bench <seq> <unix nanos> <sender>".
func benchText(seq int64, sent time.Time, sender string) string {
	return "bench " + strconv.FormatInt(seq, 10) + " " + strconv.FormatInt(sent.UnixNano(), 10) + " " + sender
}

// parseBenchText reads a text made by benchText.
func parseBenchText(text string) (seq int64, sent time.Time, sender string, ok bool) {
	f := strings.Fields(text)
	if len(f) != 4 || f[0] != "bench" {
		return 0, time.Time{}, "", false
	}
	seq, err1 := strconv.ParseInt(f[1], 10, 64)
	nanos, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, time.Time{}, "", false
	}
	return seq, time.Unix(0, nanos), f[3], true
}

// replyText is an agent's reply to message seq of sender.
func replyText(seq int64, sender string) string {
	return "re " + strconv.FormatInt(seq, 10) + " " + sender
}

// probeTextPrefix starts the texts of the probe messages that prove every agent
// is subscribed before the load starts.
const probeTextPrefix = "benchprobe "

// customSenderPrefix starts every custom-account sender ID; Telegram senders
// are numeric chat IDs.
const customSenderPrefix = "u-"

// seqSeen is what the agents saw of one load message.
type seqSeen struct {
	// msgIDs are the distinct message IDs carrying this sequence number: more
	// than one means it was stored twice.
	msgIDs []string
	// misrouted is set when a copy arrived in a conversation of another contact
	// or account type.
	misrouted bool
}

// observations collects, across agents, every load message seen live.
type observations struct {
	mu   sync.Mutex
	seqs map[int64]*seqSeen
	// perAgent are the message IDs each agent received, to spot an event
	// delivered twice on one stream.
	perAgent []map[string]struct{}
	// e2e are webhook-to-subscriber latencies, one per (agent, message).
	e2e []time.Duration
	// redelivered counts events an agent received twice.
	redelivered int
	// last is when the latest load message reached an agent.
	last time.Time
}

// newObservations returns empty observations for agents agents.
func newObservations(agents int) *observations {
	o := &observations{seqs: map[int64]*seqSeen{}, perAgent: make([]map[string]struct{}, agents)}
	for i := range o.perAgent {
		o.perAgent[i] = map[string]struct{}{}
	}
	return o
}

// record notes that agent received message msgID with sequence number seq,
// sent at sent by sender, in a conversation of contact contactUser on an account
// of accountType.
func (o *observations) record(agent int, seq int64, sent time.Time, sender, msgID, contactUser string, accountType client.IntegrationAccountType, now time.Time) {
	wantType := client.IntegrationAccountTypeTelegram
	if strings.HasPrefix(sender, customSenderPrefix) {
		wantType = client.IntegrationAccountTypeCustom
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, dup := o.perAgent[agent][msgID]; dup {
		o.redelivered++
		return
	}
	o.perAgent[agent][msgID] = struct{}{}
	o.e2e = append(o.e2e, now.Sub(sent))
	o.last = now
	s := o.seqs[seq]
	if s == nil {
		s = &seqSeen{}
		o.seqs[seq] = s
	}
	known := false
	for _, id := range s.msgIDs {
		known = known || id == msgID
	}
	if !known {
		s.msgIDs = append(s.msgIDs, msgID)
	}
	if contactUser != sender || accountType != wantType {
		s.misrouted = true
	}
}

// unseen returns the sequence numbers of want that no agent has seen.
func (o *observations) unseen(want []int64) []int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []int64
	for _, seq := range want {
		if o.seqs[seq] == nil {
			out = append(out, seq)
		}
	}
	return out
}

// counts returns the sequence numbers stored more than once (extra copies) and
// misrouted, as the agents saw them.
func (o *observations) counts() (dup, misrouted int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range o.seqs {
		dup += len(s.msgIDs) - 1
		if s.misrouted {
			misrouted++
		}
	}
	return dup, misrouted
}

// agentJob is a mutation an agent makes after seeing an event.
type agentJob struct {
	reply  bool
	convID string
	seq    int64
	sender string
}

// agentLanes is how many mutations an agent has in flight; jobs of one
// conversation share a lane, so a take always precedes the replies after it.
const agentLanes = 4

// agentLaneBuffer bounds the jobs waiting in a lane; beyond it jobs are dropped
// (and counted) rather than stalling the websocket reader.
const agentLaneBuffer = 4096

// benchAgent is one support agent: a websocket subscription to inboxEvents, and
// lanes of workers that take the conversations it sees created (first come wins)
// and reply to every replyEvery-th message of conversations it holds.
type benchAgent struct {
	idx        int
	c          *client.Client
	userID     string
	obs        *observations
	replyEvery int64
	probeUser  string
	runID      string

	// cursor is the last event's cursor; only the reader goroutine touches it.
	// Reconnections resume after it, so an interrupted stream has no gap.
	cursor string
	// tried are conversations the reader already queued a take for.
	tried map[string]bool
	lanes [agentLanes]chan agentJob

	mineMu sync.Mutex
	mine   map[string]bool

	probeSeen atomic.Bool
	// lastEvent is the Unix nanos of the latest event received.
	lastEvent atomic.Int64
	// stopping makes the reader exit instead of reconnecting.
	stopping atomic.Bool
	pending  atomic.Int64

	reconnects, streamErrors, takes, takeLost, takeErrors atomic.Int64
	replies, replyErrors, replySkipped, jobDrops, foreign atomic.Int64

	errMu   sync.Mutex
	lastErr string
}

// newBenchAgent returns agent idx acting through c as the user userID.
func newBenchAgent(idx int, c *client.Client, userID string, obs *observations, replyEvery int64, probeUser, runID string) *benchAgent {
	a := &benchAgent{
		idx: idx, c: c, userID: userID, obs: obs, replyEvery: replyEvery, probeUser: probeUser, runID: runID,
		tried: map[string]bool{}, mine: map[string]bool{},
	}
	for i := range a.lanes {
		a.lanes[i] = make(chan agentJob, agentLaneBuffer)
	}
	return a
}

// noteErr keeps the latest unexpected error for the report.
func (a *benchAgent) noteErr(err error) {
	a.errMu.Lock()
	a.lastErr = err.Error()
	a.errMu.Unlock()
}

// lastError returns the latest unexpected error, or "".
func (a *benchAgent) lastError() string {
	a.errMu.Lock()
	defer a.errMu.Unlock()
	return a.lastErr
}

// runWorkers processes the lanes until ctx ends; it returns when they stop.
func (a *benchAgent) runWorkers(ctx context.Context) {
	var wg sync.WaitGroup
	for _, lane := range a.lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-lane:
					a.do(ctx, j)
					a.pending.Add(-1)
				}
			}
		}()
	}
	wg.Wait()
}

// enqueue hands j to its conversation's lane without blocking the reader.
func (a *benchAgent) enqueue(j agentJob) bool {
	h := fnv.New32a()
	h.Write([]byte(j.convID))
	a.pending.Add(1)
	select {
	case a.lanes[h.Sum32()%agentLanes] <- j:
		return true
	default:
		a.pending.Add(-1)
		a.jobDrops.Add(1)
		return false
	}
}

// isMine reports whether this agent holds conversation id.
func (a *benchAgent) isMine(id string) bool {
	a.mineMu.Lock()
	defer a.mineMu.Unlock()
	return a.mine[id]
}

// setMine notes that this agent holds conversation id.
func (a *benchAgent) setMine(id string) {
	a.mineMu.Lock()
	a.mine[id] = true
	a.mineMu.Unlock()
}

// do performs one job: take a conversation, or reply in one it holds.
func (a *benchAgent) do(ctx context.Context, j agentJob) {
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
	cmid := "bench-" + a.runID + "-r" + strconv.FormatInt(j.seq, 10)
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
func (a *benchAgent) handle(ev client.InboxEventsInboxEventsConversationEvent, now time.Time) {
	a.lastEvent.Store(now.UnixNano())
	if ev.Cursor != "" {
		a.cursor = ev.Cursor
	}
	conv := ev.Conversation
	probe := conv.Contact.ProviderUserID == a.probeUser
	if conv.Assignee != nil && conv.Assignee.Id == a.userID {
		a.setMine(conv.Id)
	}
	take := func() {
		if !probe && conv.Assignee == nil && !a.tried[conv.Id] && a.enqueue(agentJob{convID: conv.Id}) {
			a.tried[conv.Id] = true
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
		a.obs.record(a.idx, seq, sent, sender, m.Id, conv.Contact.ProviderUserID, conv.IntegrationAccount.Type, now)
		// A missed CONVERSATION_CREATED (say, before a reconnection) still
		// gets the conversation taken.
		take()
		if a.replyEvery > 0 && seq%a.replyEvery == 0 && (conv.Assignee == nil || conv.Assignee.Id == a.userID) {
			a.enqueue(agentJob{reply: true, convID: conv.Id, seq: seq, sender: sender})
		}
	}
}

// run keeps the agent subscribed until ctx ends or stop is called, resuming
// after the last cursor whenever the stream or the connection ends.
func (a *benchAgent) run(ctx context.Context) {
	for ctx.Err() == nil && !a.stopping.Load() {
		err := a.session(ctx)
		if ctx.Err() != nil || a.stopping.Load() {
			return
		}
		a.reconnects.Add(1)
		if err != nil {
			a.noteErr(fmt.Errorf("subscription: %w", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// session is one websocket connection with one inboxEvents subscription.
func (a *benchAgent) session(ctx context.Context) error {
	ws, err := a.c.Subscribe(ctx)
	if err != nil {
		return fmt.Errorf("open websocket: %w", err)
	}
	var after *string
	if a.cursor != "" {
		c := a.cursor
		after = &c
	}
	ch, _, err := client.InboxEvents(ctx, ws, after)
	if err != nil {
		ws.Close()
		return fmt.Errorf("subscribe inboxEvents: %w", err)
	}
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
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case r, ok := <-ch:
			if !ok {
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
			a.handle(r.Data.InboxEvents, time.Now())
		case <-tick.C:
			if err := ws.Err(); err != nil {
				return fmt.Errorf("websocket: %w", err)
			}
			if a.stopping.Load() {
				return nil
			}
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
