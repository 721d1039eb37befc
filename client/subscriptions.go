package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Khan/genqlient/graphql"
	"github.com/coder/websocket"
)

// graphqlTransportWS is the websocket subprotocol spoken by subscriptionClient:
// https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md
const graphqlTransportWS = "graphql-transport-ws"

// connAckTimeout bounds the wait for the server's connection_ack.
const connAckTimeout = 10 * time.Second

// errSubscriptionsClosed is returned by Subscribe once the connection ended.
var errSubscriptionsClosed = errors.New("subscriptions: connection closed")

// subscriptionClient is a graphql.WebSocketClient speaking graphql-transport-ws
// over github.com/coder/websocket. It replaces genqlient's own client
// (graphql.NewClientUsingWebSocket, v0.8.1), which never answers pings, stops
// reading at any message without a subscription ID, closes a channel twice when
// the server completes a subscription and the client is then closed, closes
// channels its reader may be sending on (a data race and a panic), and blocks
// its reader on an unbuffered error channel.
//
// Delivery: one reader goroutine reads the connection and never waits for a
// caller, so it always answers pings: a caller busy with an event does not
// get its connection closed as dead. The generated ForwardData functions
// send on the channel they are given, blocking, so the reader hands them a
// private channel with room for one value and queues that value on the
// subscription; each subscription's pump goroutine is the only sender on the
// caller's channel and offers the queue in order. A caller that falls
// maxQueued values behind loses the subscription (with an error), as a
// server cuts off a slow subscriber, rather than the client's memory growing
// without bound.
//
// Every subscription channel is closed exactly once, by its pump: at once on
// Unsubscribe or Close, or when Subscribe fails; after the values already
// received when the server completes or fails the subscription or the
// connection ends, so nothing that arrived is dropped.
type subscriptionClient struct {
	url    string
	http   *http.Client
	params map[string]any

	conn *websocket.Conn // set by Start, never changed after

	nextID     atomic.Uint64
	closing    atomic.Bool   // Close was called: read errors are expected
	done       chan struct{} // closed when the connection ends
	errc       chan error    // first connection error; closed by the reader on exit
	readerDone chan struct{}
	closeOnce  sync.Once

	mu      sync.Mutex
	started bool
	ended   bool
	subs    map[string]*subscription
	// lingering are subscriptions the server ended whose pumps may still be
	// offering received values to a caller; Close ends them at once.
	lingering []*subscription
	firstErr  error
}

var _ graphql.WebSocketClient = (*subscriptionClient)(nil)

// newSubscriptionClient returns a client of the graphql-transport-ws endpoint
// wsURL (ws, wss, http or https), doing the opening handshake with hc (nil
// means http.DefaultClient) and sending params as the connection_init payload.
// Call Start before Subscribe.
func newSubscriptionClient(wsURL string, hc *http.Client, params map[string]any) *subscriptionClient {
	return &subscriptionClient{
		url:        wsURL,
		http:       hc,
		params:     params,
		done:       make(chan struct{}),
		errc:       make(chan error, 1),
		readerDone: make(chan struct{}),
		subs:       map[string]*subscription{},
	}
}

// wsMessage is a graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Start dials the server, sends connection_init and waits up to 10 seconds
// for connection_ack. ctx bounds only this handshake. The returned channel
// receives the first error that ends or troubles the connection (at most one;
// it is buffered, so it need not be read) and is closed once the connection
// has ended. Start can be called once.
func (c *subscriptionClient) Start(ctx context.Context) (chan error, error) {
	c.mu.Lock()
	if c.started || c.ended {
		c.mu.Unlock()
		return nil, errors.New("subscriptions: Start called twice or after Close")
	}
	c.started = true
	c.mu.Unlock()

	conn, err := c.handshake(ctx)
	if err != nil {
		c.end(err, false)
		close(c.errc)
		close(c.readerDone)
		return nil, err
	}
	c.mu.Lock()
	c.conn = conn
	closed := c.ended // Close was called during the handshake
	c.mu.Unlock()
	if closed {
		conn.CloseNow()
		close(c.errc)
		close(c.readerDone)
		return nil, errSubscriptionsClosed
	}
	go c.read()
	return c.errc, nil
}

// handshake opens the connection and waits for connection_ack.
func (c *subscriptionClient) handshake(ctx context.Context) (*websocket.Conn, error) {
	conn, _, err := websocket.Dial(ctx, c.url, &websocket.DialOptions{
		HTTPClient:   c.http,
		Subprotocols: []string{graphqlTransportWS},
	})
	if err != nil {
		return nil, fmt.Errorf("subscriptions: websocket dial: %w", err)
	}
	conn.SetReadLimit(wsReadLimit)
	if p := conn.Subprotocol(); p != graphqlTransportWS {
		conn.Close(websocket.StatusProtocolError, "graphql-transport-ws required")
		return nil, fmt.Errorf("subscriptions: server speaks subprotocol %q, not %s", p, graphqlTransportWS)
	}
	init := wsMessage{Type: "connection_init"}
	if len(c.params) > 0 {
		if init.Payload, err = json.Marshal(c.params); err != nil {
			conn.CloseNow()
			return nil, fmt.Errorf("subscriptions: connection params: %w", err)
		}
	}
	if err := writeMessage(conn, init); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("subscriptions: connection_init: %w", err)
	}
	ackCtx, cancel := context.WithTimeout(ctx, connAckTimeout)
	defer cancel()
	for {
		m, err := readMessage(ackCtx, conn)
		if err != nil {
			conn.CloseNow()
			if ackCtx.Err() != nil && ctx.Err() == nil {
				err = fmt.Errorf("no connection_ack within %v", connAckTimeout)
			}
			return nil, fmt.Errorf("subscriptions: connection refused before connection_ack: %w", err)
		}
		switch m.Type {
		case "connection_ack":
			return conn, nil
		case "ping":
			if err := writeMessage(conn, wsMessage{Type: "pong", Payload: m.Payload}); err != nil {
				conn.CloseNow()
				return nil, fmt.Errorf("subscriptions: pong: %w", err)
			}
		case "connection_error": // legacy graphql-ws, sent by some servers anyway
			conn.CloseNow()
			return nil, fmt.Errorf("subscriptions: connection refused: %s", m.Payload)
		}
	}
}

// read is the reader goroutine: it handles every message until the
// connection ends, then ends all subscriptions.
func (c *subscriptionClient) read() {
	defer close(c.readerDone)
	defer close(c.errc)
	err := c.readMessages()
	if c.closing.Load() {
		err = nil
	}
	c.end(err, true)
	c.conn.CloseNow()
}

func (c *subscriptionClient) readMessages() error {
	for {
		m, err := readMessage(context.Background(), c.conn)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return fmt.Errorf("subscriptions: connection closed by the server: %w", err)
			}
			return fmt.Errorf("subscriptions: %w", err)
		}
		switch m.Type {
		case "next":
			if sub := c.lookup(m.ID); sub != nil {
				c.forward(m.ID, sub, m.Payload, false)
			}
		case "error":
			if sub := c.lookup(m.ID); sub != nil {
				c.forward(m.ID, sub, errorsResponse(m.Payload), true)
			}
		case "complete":
			if sub := c.remove(m.ID); sub != nil {
				c.finishLater(sub)
			}
		case "ping":
			if err := c.send(wsMessage{Type: "pong", Payload: m.Payload}); err != nil {
				return fmt.Errorf("subscriptions: pong: %w", err)
			}
		}
		// pong, a repeated connection_ack and unknown types are ignored.
	}
}

// forward hands payload to the subscription's ForwardData function and the
// result to the caller. final ends the subscription afterwards (an error
// message from the server).
func (c *subscriptionClient) forward(id string, sub *subscription, payload json.RawMessage, final bool) {
	// ForwardData blocks on an unbuffered channel; give it one with room.
	tmp := reflect.MakeChan(reflect.ChanOf(reflect.BothDir, sub.ch.Type().Elem()), 1)
	err := sub.forwardData(tmp.Interface(), payload)
	if v, ok := tmp.TryRecv(); ok && !sub.push(v) {
		c.report(fmt.Errorf("subscriptions: subscription %s: the caller fell %d responses behind", id, maxQueued))
		_ = c.Unsubscribe(id)
		return
	}
	if err != nil {
		c.report(fmt.Errorf("subscriptions: subscription %s: %w", id, err))
		// Undecodable data: end the subscription rather than drop events silently.
		if !final {
			_ = c.Unsubscribe(id)
			return
		}
	}
	if final {
		if sub := c.remove(id); sub != nil {
			c.finishLater(sub)
		}
	}
}

// errorsResponse turns the payload of an error message (a list of GraphQL
// errors) into a response with those errors, as ForwardData functions expect.
func errorsResponse(payload json.RawMessage) json.RawMessage {
	p := bytes.TrimSpace(payload)
	switch {
	case len(p) == 0 || bytes.Equal(p, []byte("null")):
		p = []byte(`[{"message":"subscription failed"}]`)
	case p[0] != '[':
		p = append(append([]byte{'['}, p...), ']')
	}
	return append(append([]byte(`{"errors":`), p...), '}')
}

// Subscribe starts the subscription req, whose responses forwardDataFunc
// decodes and the client sends on interfaceChan (a channel the function
// accepts, as the generated subscription functions pass). The channel is
// closed when the subscription ends: by the server, by Unsubscribe or with
// the connection. It is also closed if Subscribe fails.
func (c *subscriptionClient) Subscribe(req *graphql.Request, interfaceChan any, forwardDataFunc graphql.ForwardDataFunction) (string, error) {
	ch := reflect.ValueOf(interfaceChan)
	if ch.Kind() != reflect.Chan || ch.Type().ChanDir()&reflect.SendDir == 0 {
		return "", fmt.Errorf("subscriptions: %T is not a channel to send on", interfaceChan)
	}
	sub := newSubscription(ch, forwardDataFunc)
	if req == nil || forwardDataFunc == nil {
		sub.end()
		return "", errors.New("subscriptions: nil request or forward function")
	}
	payload, err := json.Marshal(req)
	if err != nil {
		sub.end()
		return "", fmt.Errorf("subscriptions: request: %w", err)
	}
	id := strconv.FormatUint(c.nextID.Add(1), 10)
	c.mu.Lock()
	if !c.started || c.ended || c.conn == nil {
		c.mu.Unlock()
		sub.end()
		return "", errSubscriptionsClosed
	}
	// Registered before sending, so that the reader knows the first answer.
	c.subs[id] = sub
	c.mu.Unlock()
	if err := c.send(wsMessage{ID: id, Type: "subscribe", Payload: payload}); err != nil {
		c.remove(id)
		sub.end()
		return "", fmt.Errorf("subscriptions: subscribe: %w", err)
	}
	return id, nil
}

// Unsubscribe ends the subscription id: its channel is closed by the time
// Unsubscribe returns, and the server is told to stop. Unknown or already
// ended subscriptions are ignored.
func (c *subscriptionClient) Unsubscribe(id string) error {
	sub := c.remove(id)
	if sub == nil {
		return nil
	}
	sub.end()
	if err := c.send(wsMessage{ID: id, Type: "complete"}); err != nil {
		select {
		case <-c.done: // the connection ended meanwhile; nothing to stop
			return nil
		default:
			return fmt.Errorf("subscriptions: complete %s: %w", id, err)
		}
	}
	return nil
}

// UnsubscribeAll ends every subscription, keeping the connection open.
func (c *subscriptionClient) UnsubscribeAll() error {
	c.mu.Lock()
	ids := make([]string, 0, len(c.subs))
	for id := range c.subs {
		ids = append(ids, id)
	}
	c.mu.Unlock()
	var errs []error
	for _, id := range ids {
		errs = append(errs, c.Unsubscribe(id))
	}
	return errors.Join(errs...)
}

// Close ends every subscription, closing their channels, and closes the
// connection with a normal closure. It waits for the reader goroutine to
// exit. It is safe to call concurrently with delivery and more than once;
// later calls return nil.
func (c *subscriptionClient) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		c.end(nil, false) // stops the pumps and closes the channels
		// After end: either Start sees the connection ended, or Close sees conn.
		c.mu.Lock()
		conn := c.conn
		c.mu.Unlock()
		if conn == nil {
			return // never started, or Start failed or is still handshaking
		}
		if cerr := conn.Close(websocket.StatusNormalClosure, ""); cerr != nil && !isClosedErr(cerr) {
			err = fmt.Errorf("subscriptions: close: %w", cerr)
		}
		<-c.readerDone
	})
	return err
}

// Err returns the first error the connection reported, or nil.
func (c *subscriptionClient) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.firstErr
}

// end ends the connection's subscriptions once, recording err (if not nil)
// as its first error. With drain, each channel still gets the values already
// received before it closes; without, it closes at once.
func (c *subscriptionClient) end(err error, drain bool) {
	if err != nil {
		c.report(err)
	}
	if !drain {
		defer c.endLingering()
	}
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	subs := c.subs
	c.subs = nil
	c.mu.Unlock()
	close(c.done)
	for _, sub := range subs {
		if drain {
			c.finishLater(sub)
		} else {
			sub.end()
		}
	}
}

// endLingering ends the lingering subscriptions at once (Close).
func (c *subscriptionClient) endLingering() {
	c.mu.Lock()
	lingering := c.lingering
	c.lingering = nil
	c.mu.Unlock()
	for _, sub := range lingering {
		sub.end()
	}
}

// finishLater lets sub's pump offer what it holds, then close its channel,
// and keeps it for Close, which ends it at once should the caller never read
// it all. Subscriptions whose pumps are done are forgotten.
func (c *subscriptionClient) finishLater(sub *subscription) {
	sub.finish()
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.lingering[:0]
	for _, l := range c.lingering {
		select {
		case <-l.pumped:
		default:
			kept = append(kept, l)
		}
	}
	c.lingering = append(kept, sub)
}

// report records err if it is the first. Only the goroutine that closes errc
// (Start, or the reader after it) calls it.
func (c *subscriptionClient) report(err error) {
	c.mu.Lock()
	first := c.firstErr == nil
	if first {
		c.firstErr = err
	}
	c.mu.Unlock()
	if first {
		select {
		case c.errc <- err:
		default:
		}
	}
}

func (c *subscriptionClient) lookup(id string) *subscription {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.subs[id]
}

func (c *subscriptionClient) remove(id string) *subscription {
	c.mu.Lock()
	defer c.mu.Unlock()
	sub := c.subs[id]
	delete(c.subs, id)
	return sub
}

func (c *subscriptionClient) send(m wsMessage) error {
	return writeMessage(c.conn, m)
}

func writeMessage(conn *websocket.Conn, m wsMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), wsWriteTimeout)
	defer cancel()
	return conn.Write(ctx, websocket.MessageText, b)
}

// readMessage reads one message, skipping binary ones, which the protocol
// does not use.
func readMessage(ctx context.Context, conn *websocket.Conn) (wsMessage, error) {
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return wsMessage{}, err
		}
		if typ != websocket.MessageText {
			continue
		}
		var m wsMessage
		if err := json.Unmarshal(data, &m); err != nil {
			conn.Close(4400, "invalid message")
			return wsMessage{}, fmt.Errorf("invalid message from the server: %w", err)
		}
		return m, nil
	}
}

// maxQueued is how many received responses a subscription holds for a
// caller that has not taken them before it is ended.
const maxQueued = 10000

// subscription is one subscription's caller channel and the responses
// queued for it.
type subscription struct {
	ch          reflect.Value // the caller's channel; only the pump sends on it and closes it
	forwardData graphql.ForwardDataFunction
	done        chan struct{} // closed to stop the pump at once
	endOnce     sync.Once
	pumped      chan struct{} // closed when the pump has closed ch

	mu    sync.Mutex
	queue []reflect.Value
	last  bool          // nothing more will be queued: close ch once the queue is offered
	wake  chan struct{} // signals the pump (room for one)
}

// newSubscription starts the pump of a subscription whose responses go to ch.
func newSubscription(ch reflect.Value, forwardData graphql.ForwardDataFunction) *subscription {
	s := &subscription{ch: ch, forwardData: forwardData, done: make(chan struct{}),
		pumped: make(chan struct{}), wake: make(chan struct{}, 1)}
	go s.pump()
	return s
}

// push queues v for the caller; false when the caller is maxQueued behind.
// Values after finish or end are dropped.
func (s *subscription) push(v reflect.Value) bool {
	s.mu.Lock()
	if s.last {
		s.mu.Unlock()
		return true
	}
	if len(s.queue) >= maxQueued {
		s.mu.Unlock()
		return false
	}
	s.queue = append(s.queue, v)
	s.mu.Unlock()
	s.signal()
	return true
}

func (s *subscription) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// pump offers the queue to the caller in order until the subscription ends,
// then closes the caller's channel.
func (s *subscription) pump() {
	defer close(s.pumped)
	defer s.ch.Close()
	cases := []reflect.SelectCase{
		{Dir: reflect.SelectSend, Chan: s.ch},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(s.done)},
	}
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			last := s.last
			s.mu.Unlock()
			if last {
				return
			}
			select {
			case <-s.wake:
				continue
			case <-s.done:
				return
			}
		}
		v := s.queue[0]
		s.queue[0] = reflect.Value{}
		s.queue = s.queue[1:]
		s.mu.Unlock()
		cases[0].Send = v
		if chosen, _, _ := reflect.Select(cases); chosen == 1 {
			return
		}
	}
}

// finish ends the subscription after the caller has been offered what is
// queued (the server completed it, or the connection ended).
func (s *subscription) finish() {
	s.mu.Lock()
	s.last = true
	s.mu.Unlock()
	s.signal()
}

// end ends the subscription at once: the caller's channel is closed, with
// anything still queued dropped, by the time end returns.
func (s *subscription) end() {
	s.endOnce.Do(func() { close(s.done) })
	s.mu.Lock()
	s.last = true
	s.mu.Unlock()
	<-s.pumped
}
