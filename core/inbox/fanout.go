package inbox

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/events"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/event"
	"github.com/switchboard/switchboard/ent/message"
	"github.com/switchboard/switchboard/ent/offer"
)

// Published is a committed event with what subscribers are shown of it: the
// conversation (with its contact, account and assignee) and the message,
// loaded once after the commit for every subscriber.
type Published struct {
	Event
	Conversation *ent.Conversation
	// Message is nil for conversation events.
	Message *ent.Message
	// Offer is the offer of an offer's events.
	Offer *ent.Offer
	// Rendered keeps the API layer's renderings of the event, by selection
	// and audience, so subscribers who would get the same response share one.
	Rendered sync.Map
}

// fanout delivers committed events to live subscribers from memory. It keeps,
// per tenant, a bounded tail of the latest events; a subscriber reads the
// tail, and only one resuming from a cursor older than the tail reads the
// log, then joins the tail without gap or duplicate (cursors decide). The
// writer hands over each batch's events in cursor order; one goroutine loads
// them (a few queries per batch, none per subscriber) and offers them to the
// subscribers, never waiting for one: a subscriber whose queue is full is cut
// off with events.ErrSlowSubscriber.
type fanout struct {
	s    *Service
	in   chan []Event
	size int

	mu    sync.Mutex
	tails map[int]*tail
	// start is the newest cursor when the server started: every event after
	// it passes through the fan-out.
	start int
	// known is the newest cursor delivered: every event up to it has been
	// offered to the tails (the fan-out's goroutine only, after init).
	known int
}

// tail is one tenant's recent events and live subscribers.
type tail struct {
	mu sync.Mutex
	// ring holds the newest events, oldest first, from head.
	ring []*Published
	head int
	n    int
	// complete is a cursor such that every event of the tenant after it is in
	// the ring or not published yet.
	complete int
	// newest is the last cursor published.
	newest int
	// evicted is set when an append dropped the oldest event, so streams
	// catching up may have fallen out of the tail.
	evicted bool
	subs    map[*subscriber]struct{}
}

// subscriber is one stream's registration. Its channel has one owner at a
// time: the fan-out (under the tail's lock) while it is live, its catch-up
// goroutine while it reads a backlog; whoever owns it when the stream ends
// closes it.
type subscriber struct {
	// conversation limits the stream to one conversation (0: all).
	conversation int
	ctx          context.Context
	// viewer reads the subscriber's viewer as it is now.
	viewer func() (core.Viewer, bool)
	// offer hands an event to the stream without waiting; false when full.
	offer func(*Published) bool
	// catchUp starts the goroutine that sends the backlog; fromLog allows it
	// to read the log when the tail no longer reaches back far enough.
	catchUp func(fromLog bool)
	// end reports why the stream ends (once); closeStream closes its channel.
	end         func(error)
	closeStream func()
	// done is closed when the stream ends, to stop its catch-up goroutine.
	done chan struct{}
	// last is the cursor of the last event considered (under the tail's lock).
	last int
	// catching is set while the catch-up goroutine owns the channel;
	// fromLog when it may read the log (a resume), not only the tail.
	catching, fromLog bool
	stop              func() bool
	// gone counts the stream out.
	gone func()
}

func newFanout(s *Service, size int) *fanout {
	return &fanout{s: s, in: make(chan []Event, 1024), size: size, tails: map[int]*tail{}}
}

// init sets where the fan-out's knowledge starts: the newest logged event.
func (f *fanout) init(ctx context.Context) error {
	newest, err := f.s.newestCursor(core.SystemContext(ctx))
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.start = newest
	f.known = f.start
	f.mu.Unlock()
	return nil
}

// inOrder returns evs as the fan-out must deliver them: without what it
// delivered already, and after the events it never heard of that were
// committed before them (another writer's, whose news came late or was
// lost), read from the log. Events come in cursor order per writer; After
// says what each one's writer found committed before it.
func (f *fanout) inOrder(ctx context.Context, evs []Event) ([]Event, error) {
	out := make([]Event, 0, len(evs))
	for _, e := range evs {
		if e.Cursor <= f.known {
			continue
		}
		if e.After > f.known {
			missed, err := f.s.logRange(ctx, f.known, e.After)
			if err != nil {
				return out, err
			}
			out = append(out, missed...)
			f.known = e.After
		}
		out = append(out, e)
		f.known = e.Cursor
	}
	return out, nil
}

// logRange reads the events after cursor from up to cursor to from the log,
// in order.
func (s *Service) logRange(ctx context.Context, from, to int) ([]Event, error) {
	rows, err := s.client.Event.Query().Where(event.IDGT(from), event.IDLTE(to)).Order(ent.Asc(event.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("inbox: events missed: %w", err)
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// publish queues a committed batch's events (in cursor order).
func (f *fanout) publish(evs []Event) { f.in <- evs }

// run loads and delivers published events until ctx ends. In a cluster it
// also checks the log now and then (see catchUpLog).
func (f *fanout) run(ctx context.Context) {
	sys := core.SystemContext(ctx)
	var check <-chan time.Time
	if f.s.opts.Cluster != nil {
		ticker := time.NewTicker(f.s.opts.ClusterCheck)
		defer ticker.Stop()
		check = ticker.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-check:
			f.catchUpLog(sys)
		case evs := <-f.in:
			// Take what else is queued: one load for all of it.
		more:
			for len(evs) < 4096 {
				select {
				case next := <-f.in:
					evs = append(evs, next...)
				default:
					break more
				}
			}
			evs, err := f.inOrder(sys, evs)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				// What could be read goes out; the rest is read again when
				// the next event shows the gap.
				f.s.log.ErrorContext(ctx, "fanout: read missed events", "err", err)
			}
			pubs, err := f.s.load(sys, evs)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				f.s.log.ErrorContext(ctx, "fanout: load events", "err", err)
			}
			f.deliver(evs, pubs)
		}
	}
}

// catchUpLog delivers the events another instance committed whose news
// never came (NATS drops what is sent while it is unreachable), without
// waiting for a later event to show the gap: when this instance has
// subscribers, it compares the log's newest cursor with the newest it
// delivered (one read of the primary key's end) and reads what lies
// between. Cursors are taken in commit order under the log's lock (see
// recorder), so every event up to the newest visible one is committed.
func (f *fanout) catchUpLog(ctx context.Context) {
	if f.s.streams.Load() == 0 {
		return
	}
	newest, err := f.s.newestCursor(ctx)
	if err != nil || newest <= f.known {
		if err != nil && ctx.Err() == nil {
			f.s.log.WarnContext(ctx, "fanout: check the log", "err", err)
		}
		return
	}
	missed, err := f.s.logRange(ctx, f.known, newest)
	if err != nil {
		if ctx.Err() == nil {
			f.s.log.WarnContext(ctx, "fanout: read missed events", "err", err)
		}
		return
	}
	f.known = newest
	pubs, err := f.s.load(ctx, missed)
	if err != nil && ctx.Err() == nil {
		f.s.log.ErrorContext(ctx, "fanout: load events", "err", err)
	}
	f.deliver(missed, pubs)
}

// newestCursor is the newest event's cursor in the log, 0 when it is empty.
func (s *Service) newestCursor(ctx context.Context) (int, error) {
	newest, _, err := s.eventBound(ctx, ent.Max(event.FieldID))
	return newest, err
}

// tailOf returns a tenant's tail, creating it.
func (f *fanout) tailOf(tenantID int) *tail {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tails[tenantID]
	if t == nil {
		t = &tail{ring: make([]*Published, f.size), complete: f.start, newest: f.start, subs: map[*subscriber]struct{}{}}
		f.tails[tenantID] = t
	}
	return t
}

// deliver appends each event to its tenant's tail and offers it to the
// tenant's live subscribers. An event that could not be loaded (its
// conversation deleted since) still moves the cursors on.
func (f *fanout) deliver(evs []Event, pubs map[int]*Published) {
	var t *tail
	tenant := -1
	release := func() {
		if t != nil {
			if t.evicted {
				t.cutOffLagging()
				t.evicted = false
			}
			t.mu.Unlock()
		}
	}
	for _, e := range evs {
		if e.TenantID != tenant {
			release()
			tenant = e.TenantID
			t = f.tailOf(tenant)
			t.mu.Lock()
		}
		p := pubs[e.Cursor]
		t.append(e.Cursor, p)
		if p == nil {
			continue
		}
		for sub := range t.subs {
			if sub.catching || p.Cursor <= sub.last {
				continue
			}
			if sub.wants(p) && !sub.offer(p) {
				// Its queue is full: it reads on from the tail at its own
				// pace, and is cut off only if it falls out of the tail.
				sub.catching = true
				sub.catchUp(false)
				continue
			}
			sub.last = p.Cursor
		}
	}
	release()
}

// cutOffLagging ends the streams that fell behind live and out of the tail
// (under t.mu): reading on would take the log, which is the client's to ask
// for by subscribing again from its cursor.
func (t *tail) cutOffLagging() {
	for sub := range t.subs {
		if sub.catching && !sub.fromLog && sub.last < t.complete {
			t.drop(sub, events.ErrSlowSubscriber)
		}
	}
}

// append keeps p (nil for an event that is gone) as the newest event.
func (t *tail) append(cursor int, p *Published) {
	if cursor <= t.newest {
		return
	}
	t.newest = cursor
	if p == nil || len(t.ring) == 0 {
		return
	}
	if t.n == len(t.ring) {
		t.complete = t.ring[t.head].Cursor
		t.evicted = true
		t.head = (t.head + 1) % len(t.ring)
		t.n--
	}
	t.ring[(t.head+t.n)%len(t.ring)] = p
	t.n++
}

// at returns the i-th oldest event of the ring.
func (t *tail) at(i int) *Published { return t.ring[(t.head+i)%len(t.ring)] }

// after returns up to max events of the ring after cursor, oldest first.
func (t *tail) after(cursor, max int) []*Published {
	i := sort.Search(t.n, func(i int) bool { return t.at(i).Cursor > cursor })
	out := make([]*Published, 0, min(max, t.n-i))
	for ; i < t.n && len(out) < max; i++ {
		out = append(out, t.at(i))
	}
	return out
}

// drop ends a subscriber (under t.mu). Its channel is closed here when the
// stream is live; a catch-up goroutine closes it itself when it sees done.
func (t *tail) drop(sub *subscriber, err error) {
	if _, ok := t.subs[sub]; !ok {
		return
	}
	delete(t.subs, sub)
	if sub.stop != nil {
		sub.stop()
	}
	sub.gone()
	sub.end(err)
	close(sub.done)
	if !sub.catching {
		sub.closeStream()
	}
}

// wants applies the stream's filter and the visibility rule to p, for the
// viewer as it is now (a role change on a live connection applies at once).
func (sub *subscriber) wants(p *Published) bool {
	if sub.conversation != 0 && p.ConversationID != sub.conversation {
		return false
	}
	v, ok := sub.viewer()
	return ok && v.TenantID == p.TenantID && p.visibleTo(v)
}

// load reads the conversations and messages of events in a few queries: the
// state as it is now, shared by every subscriber.
func (s *Service) load(ctx context.Context, evs []Event) (map[int]*Published, error) {
	convIDs := make([]int, 0, len(evs))
	msgIDs := make([]int, 0, len(evs))
	seenConv, seenMsg := map[int]bool{}, map[int]bool{}
	for _, e := range evs {
		if !seenConv[e.ConversationID] {
			seenConv[e.ConversationID] = true
			convIDs = append(convIDs, e.ConversationID)
		}
		if e.MessageID != nil && !seenMsg[*e.MessageID] {
			seenMsg[*e.MessageID] = true
			msgIDs = append(msgIDs, *e.MessageID)
		}
	}
	convs := make(map[int]*ent.Conversation, len(convIDs))
	for from := 0; from < len(convIDs); from += flushChunk {
		rows, err := s.client.Conversation.Query().Where(conversation.IDIn(convIDs[from:min(from+flushChunk, len(convIDs))]...)).
			WithContact().WithIntegrationAccount().WithAssignee().WithService().All(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range rows {
			convs[c.ID] = c
		}
	}
	var offerIDs []int
	for _, e := range evs {
		if e.OfferID != nil {
			offerIDs = append(offerIDs, *e.OfferID)
		}
	}
	offers := map[int]*ent.Offer{}
	if len(offerIDs) > 0 {
		rows, err := s.client.Offer.Query().Where(offer.IDIn(offerIDs...)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range rows {
			offers[o.ID] = o
		}
	}
	msgs := make(map[int]*ent.Message, len(msgIDs))
	for from := 0; from < len(msgIDs); from += flushChunk {
		rows, err := s.client.Message.Query().Where(message.IDIn(msgIDs[from:min(from+flushChunk, len(msgIDs))]...)).
			WithSender().All(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range rows {
			msgs[m.ID] = m
		}
	}
	out := make(map[int]*Published, len(evs))
	for _, e := range evs {
		p := &Published{Event: e, Conversation: convs[e.ConversationID]}
		if p.Conversation == nil {
			continue
		}
		if e.OfferID != nil {
			if p.Offer = offers[*e.OfferID]; p.Offer == nil {
				continue
			}
		}
		if e.MessageID != nil {
			if p.Message = msgs[*e.MessageID]; p.Message == nil {
				continue
			}
		}
		out[e.Cursor] = p
	}
	return out, nil
}

// StreamOptions choose a stream's events.
type StreamOptions struct {
	// ConversationID limits the stream to one conversation.
	ConversationID *int
	// After replays the events logged after this cursor first; without it
	// the stream starts with the next event.
	After *int
	// Buffer is how many events may wait for the client before it is cut
	// off as too slow (default 64).
	Buffer int
}

// Stream delivers the events the viewer of ctx may see, converted by convert,
// on the returned channel, until ctx ends or the stream is cut off (closed
// after ended is called with the reason: events.ErrSlowSubscriber). A live
// stream costs a map entry and its channel: no goroutine waits for it; only
// one resuming from an old cursor runs one while it reads its backlog.
func Stream[T any](ctx context.Context, s *Service, opts StreamOptions, convert func(*Published) T, ended func(error)) (<-chan T, error) {
	v, ok := core.ViewerFrom(ctx)
	if !ok {
		return nil, core.ErrUnauthenticated
	}
	sub := &subscriber{ctx: ctx, viewer: core.ViewerSource(ctx)}
	if opts.ConversationID != nil {
		if _, err := s.client.Conversation.Get(ctx, *opts.ConversationID); err != nil {
			return nil, store.Wrap(err, "inbox: subscribe")
		}
		sub.conversation = *opts.ConversationID
	}
	if opts.After != nil {
		expired, err := s.cursorExpired(ctx, *opts.After)
		if err != nil {
			return nil, err
		}
		if expired {
			return nil, core.ErrCursorExpired
		}
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 64
	}
	ch := make(chan T, opts.Buffer)
	sub.done = make(chan struct{})
	sub.offer = func(p *Published) bool {
		select {
		case ch <- convert(p):
			return true
		default:
			return false
		}
	}
	sub.end = func(err error) {
		if err != nil && ended != nil {
			ended(err)
		}
	}
	sub.closeStream = func() { close(ch) }
	t := s.fanout.tailOf(v.TenantID)
	sub.catchUp = func(fromLog bool) {
		sub.fromLog = fromLog
		go catchUp(s, t, sub, ch, convert, fromLog)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.subs[sub] = struct{}{}
	s.streams.Add(1)
	s.opts.Subscribers(1)
	sub.gone = func() {
		s.streams.Add(-1)
		s.opts.Subscribers(-1)
	}
	sub.stop = context.AfterFunc(ctx, func() {
		t.mu.Lock()
		t.drop(sub, nil)
		t.mu.Unlock()
	})
	if opts.After == nil {
		sub.last = t.newest
	} else {
		sub.last = *opts.After
		sub.catching = true
		sub.catchUp(true)
	}
	return ch, nil
}

// catchUp sends a stream its backlog (a resumed stream, or a live one whose
// queue filled up), from the tail when it reaches back far enough and from
// the log otherwise (fromLog; without it the stream is cut off as too slow),
// then makes the stream live again. Cursors only grow, so nothing is sent
// twice or skipped. It owns the stream's channel until then, and closes it
// if the stream ends meanwhile.
func catchUp[T any](s *Service, t *tail, sub *subscriber, ch chan T, convert func(*Published) T, fromLog bool) {
	fail := func(err error) {
		t.mu.Lock()
		t.drop(sub, err)
		t.mu.Unlock()
	}
	for {
		page, needLog, last, state := nextPage(t, sub)
		switch state {
		case pageLive:
			return
		case pageEnded:
			close(ch)
			return
		}
		if needLog {
			if !fromLog {
				fail(events.ErrSlowSubscriber)
				close(ch)
				return
			}
			var err error
			if page, last, err = s.logPage(sub, last, t); err != nil {
				if sub.ctx.Err() != nil {
					err = nil // the client left; nothing to tell it
				}
				fail(err)
				close(ch)
				return
			}
		}
		for _, p := range page {
			if !sub.wants(p) {
				continue
			}
			select {
			case ch <- convert(p):
			case <-sub.done:
				close(ch)
				return
			}
		}
		if len(page) > 0 && page[len(page)-1].Cursor > last {
			last = page[len(page)-1].Cursor
		}
		t.mu.Lock()
		if last > sub.last {
			sub.last = last
		}
		t.mu.Unlock()
	}
}

// What nextPage found.
const (
	pageMore = iota
	pageLive
	pageEnded
)

// nextPage says where a catching-up stream reads next: the tail's events
// after its cursor, the log (needLog) when the tail no longer reaches back
// that far, or nothing: live, once it has everything published (the stream
// is then live, under the same lock, so no event falls between), or ended.
func nextPage(t *tail, sub *subscriber) (page []*Published, needLog bool, last int, state int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.subs[sub]; !ok {
		return nil, false, 0, pageEnded
	}
	last = sub.last
	if last < t.complete {
		return nil, true, last, pageMore
	}
	if page = t.after(last, replayPage); len(page) == 0 {
		sub.catching = false
		return nil, false, last, pageLive
	}
	return page, false, last, pageMore
}

// logPage reads the next events after cursor from the log. It returns the
// cursor reached, which moves past events that are gone and, when the log
// has nothing more, up to where the tail is complete.
func (s *Service) logPage(sub *subscriber, cursor int, t *tail) ([]*Published, int, error) {
	q := s.client.Event.Query().Where(event.IDGT(cursor)).Order(ent.Asc(event.FieldID)).Limit(replayPage)
	if sub.conversation != 0 {
		q.Where(event.ConversationID(sub.conversation))
	}
	rows, err := q.All(sub.ctx) // as the viewer: its tenant's log only
	if err != nil {
		return nil, cursor, fmt.Errorf("inbox: read events: %w", err)
	}
	if len(rows) == 0 {
		t.mu.Lock()
		complete := t.complete
		t.mu.Unlock()
		return nil, max(cursor, complete), nil
	}
	evs := make([]Event, len(rows))
	for i, r := range rows {
		evs[i] = fromRow(r)
	}
	pubs, err := s.load(core.SystemContext(sub.ctx), evs)
	if err != nil {
		return nil, cursor, fmt.Errorf("inbox: read events: %w", err)
	}
	page := make([]*Published, 0, len(evs))
	for _, e := range evs {
		if p := pubs[e.Cursor]; p != nil {
			page = append(page, p)
		}
	}
	return page, evs[len(evs)-1].Cursor, nil
}
