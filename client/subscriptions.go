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
// Delivery: one reader goroutine reads the connection and is the only sender
// on the callers' channels. The generated ForwardData functions send on the
// channel they are given, blocking, so the reader hands them a private
// channel with room for one value and then offers that value to the caller's
// channel, giving up when the subscription or the connection ends. A caller
// that stops reading therefore holds up the whole connection (including
// answers to pings), but never a Close or Unsubscribe.
//
// Every subscription channel is closed exactly once, guarded by its
// subscription's mutex, which the reader holds while offering a value: when
// the server completes or fails the subscription, on Unsubscribe, or when the
// connection ends. Subscribe also closes it when it fails.
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

	mu       sync.Mutex
	started  bool
	ended    bool
	subs     map[string]*subscription
	firstErr error
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
		c.end(err)
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
	c.end(err)
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
				sub.end()
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
	if v, ok := tmp.TryRecv(); ok {
		sub.deliver(v, c.done)
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
			sub.end()
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
	sub := &subscription{ch: ch, forwardData: forwardDataFunc, done: make(chan struct{})}
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
		c.end(nil) // wakes a blocked delivery and closes the channels
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
// as its first error.
func (c *subscriptionClient) end(err error) {
	if err != nil {
		c.report(err)
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
		sub.end()
	}
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

// subscription is one subscription's caller channel.
type subscription struct {
	ch          reflect.Value // the caller's channel
	forwardData graphql.ForwardDataFunction
	done        chan struct{} // closed when the subscription ends
	endOnce     sync.Once

	mu     sync.Mutex // held while offering a value on ch
	closed bool       // ch is closed
}

// deliver offers v to the caller until it is taken or the subscription or
// the connection ends.
func (s *subscription) deliver(v reflect.Value, connDone <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	reflect.Select([]reflect.SelectCase{
		{Dir: reflect.SelectSend, Chan: s.ch, Send: v},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(s.done)},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(connDone)},
	})
}

// end closes the caller's channel, once. A delivery in progress gives up
// first, so end does not wait for the caller.
func (s *subscription) end() {
	s.endOnce.Do(func() { close(s.done) })
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.ch.Close()
	}
}
