package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
)

// An idle agent's websocket should cost the server little more than its
// socket: thousands stay open all day, each with one subscription and
// nothing to say. So a websocket keeps:
//
//   - no HTTP request: the connection is served on a goroutine of its own,
//     and the request's handler returns once connection_init is answered,
//     which lets net/http free its connection state with its two 4 KiB
//     buffers (coder/websocket gets small ones, wsReadBuffer and
//     wsWriteBuffer) and throws away the deep stack of the upgrade and the
//     token lookup;
//   - one timer for keep-alive, instead of gqlgen's ping goroutine with its
//     ticker and a read-deadline timer (gqlgen's PingPongInterval and
//     KeepAlivePingInterval stay zero);
//   - no compression state (permessage-deflate keeps a flate writer and its
//     window per connection; GraphQL events are small);
//   - the answer to a revocation: writes stop and the socket closes with 4403.

// closeForbidden is graphql-transport-ws's close code for a connection whose
// credentials are refused (4403 Forbidden).
const closeForbidden = 4403

// The buffers coder/websocket reads frames and writes messages through.
// Clients send little (pongs, subscribe); a message larger than the write
// buffer costs one more write to the socket, nothing else.
const (
	wsReadBuffer  = 512
	wsWriteBuffer = 1024
)

// serveWebsockets serves websocket requests with gql on a goroutine of their
// own, and every other request with next. Until connection_init, the
// request's goroutine stays and runs the deep calls for it (the upgrade,
// authentication), whose stack is thrown away when it returns: run on the
// connection's goroutine, they would leave it a 16 KiB stack for good. The
// connection then lives until it closes or the server shuts down.
func (s *Server) serveWebsockets(gql, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			next.ServeHTTP(w, r)
			return
		}
		// The request's context ends when its handler returns: the
		// connection's must not.
		ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
		stop := context.AfterFunc(s.root, cancel)
		u := &upgrade{w: w, calls: make(chan func()), gone: make(chan struct{})}
		defer close(u.gone)
		ctx = context.WithValue(ctx, upgradeKey{}, u)
		r = r.WithContext(ctx)
		finished := make(chan any)
		go func() {
			defer func() {
				stop()
				cancel()
				p := recover()
				select {
				case finished <- p: // the request's handler answers for it
				case <-u.gone:
					if p != nil {
						s.log.ErrorContext(ctx, "websocket: panic", "panic", fmt.Sprint(p))
					}
				}
			}()
			gql.ServeHTTP(u, r)
		}()
		for {
			select {
			case f := <-u.calls:
				if f == nil { // released
					return
				}
				f()
			case p := <-finished:
				if p != nil {
					panic(p)
				}
				return
			}
		}
	})
}

// upgrade is the ResponseWriter of a websocket request, and carries its
// connection from the upgrade (websocketAccepter.Accept) to connection_init
// (websocketInit). Once the connection is hijacked it lets go of net/http's
// response; once connection_init is answered, the request's handler returns.
type upgrade struct {
	// w is the request's ResponseWriter until the upgrade.
	w    http.ResponseWriter
	conn *wsConn
	// calls are run by the request's goroutine; nil lets it return.
	calls chan func()
	// gone is closed when the request's handler has returned.
	gone chan struct{}
}

type upgradeKey struct{}

// upgradeFrom returns the upgrade of a websocket's context, or nil.
func upgradeFrom(ctx context.Context) *upgrade {
	u, _ := ctx.Value(upgradeKey{}).(*upgrade)
	return u
}

// Header is the response's header until the upgrade.
func (u *upgrade) Header() http.Header {
	if u.w == nil {
		return http.Header{}
	}
	return u.w.Header()
}

// Write writes to the response until the upgrade.
func (u *upgrade) Write(b []byte) (int, error) {
	if u.w == nil {
		return 0, http.ErrHijacked
	}
	return u.w.Write(b)
}

// WriteHeader writes the response's status until the upgrade.
func (u *upgrade) WriteHeader(code int) {
	if u.w != nil {
		u.w.WriteHeader(code)
	}
}

// do runs f on the request's goroutine, while it is there, and waits for it.
// A panic in f goes on in the caller, as if f had run there.
func (u *upgrade) do(f func()) {
	if u == nil {
		f()
		return
	}
	var p any
	done := make(chan struct{})
	select {
	case u.calls <- func() {
		defer close(done)
		defer func() { p = recover() }()
		f()
	}:
		<-done
		if p != nil {
			panic(p)
		}
	case <-u.gone:
		f()
	}
}

// upgraded lets go of the response, now hijacked, and keeps the connection
// for connection_init.
func (u *upgrade) upgraded(c *wsConn) {
	u.w = nil
	u.conn = c
}

// release lets the request's handler return.
func (u *upgrade) release() {
	if u == nil {
		return
	}
	select {
	case u.calls <- nil:
	case <-u.gone:
	}
}

// smallBuffers hands coder/websocket the hijacked connection with buffers
// sized for a websocket instead of net/http's 4 KiB each.
type smallBuffers struct {
	http.ResponseWriter
}

// Hijack takes the connection over from net/http.
func (s smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(conn, wsReadBuffer)
	if n := brw.Reader.Buffered(); n > 0 {
		// The client's first frames, already read with the request: they
		// must stay buffered, as coder/websocket takes over what the reader
		// holds and reads the rest from conn itself.
		early, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(n, wsReadBuffer))
		if _, err := br.Peek(n); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(conn, wsWriteBuffer)), nil
}

// websocketAccepter accepts gqlgen's websockets as wsConns.
type websocketAccepter struct {
	accept websocket.AcceptOptions
	// keepAlive is the interval of pings (graphql-transport-ws) or "ka"
	// messages (graphql-ws); zero sends none.
	keepAlive time.Duration
}

var (
	_ transport.WebsocketImplementation = websocketAccepter{}
	_ transport.WebsocketReadLimiter    = (*wsConn)(nil)
	_ http.Hijacker                     = smallBuffers{}
)

// Accept upgrades the request, offering gqlgen's subprotocols. Behind
// serveWebsockets, the upgrade runs on the request's goroutine.
func (a websocketAccepter) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	for k, vs := range opts.ResponseHeader {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	accept := a.accept
	accept.Subprotocols = slices.Clone(accept.Subprotocols)
	for _, p := range opts.Subprotocols {
		if !slices.Contains(accept.Subprotocols, p) {
			accept.Subprotocols = append(accept.Subprotocols, p)
		}
	}
	u, _ := w.(*upgrade)
	var (
		conn *websocket.Conn
		err  error
	)
	if u == nil {
		conn, err = websocket.Accept(w, r, &accept)
	} else {
		u.do(func() { conn, err = websocket.Accept(smallBuffers{u.w}, r, &accept) })
	}
	if err != nil {
		return nil, err
	}
	// gqlgen keeps the request's headers for every operation of the
	// connection; nothing reads them.
	r.Header = nil
	c := &wsConn{conn: conn, keepAlive: a.keepAlive, pings: conn.Subprotocol() == graphqlTransportWS}
	if u != nil {
		u.upgraded(c)
	}
	return c, nil
}

// graphqlTransportWS is the subprotocol whose keep-alive is ping and pong;
// the legacy graphql-ws has only the server's one-way "ka".
const graphqlTransportWS = "graphql-transport-ws"

// Keep-alive messages, written as they are.
var (
	pingMessage = []byte(`{"type":"ping"}`)
	kaMessage   = []byte(`{"type":"ka"}`)
)

// wsConn is one websocket as gqlgen's transport uses it.
type wsConn struct {
	conn      *websocket.Conn
	keepAlive time.Duration
	// pings is set for graphql-transport-ws, whose peer answers pings, so a
	// silent peer is known to be dead.
	pings bool

	// timer fires every keepAlive once startKeepAlive has run.
	timer atomic.Pointer[time.Timer]
	// heard is set by every message read; the keep-alive clears it.
	heard atomic.Bool
	// ended is set by the first Close or WriteClose.
	ended   atomic.Bool
	revoked atomic.Bool
}

// startKeepAlive begins pinging once the connection is acknowledged, so no
// ping precedes connection_ack.
func (c *wsConn) startKeepAlive() {
	if c.keepAlive <= 0 || c.ended.Load() {
		return
	}
	c.heard.Store(true)
	t := time.AfterFunc(c.keepAlive, c.tick)
	if !c.timer.CompareAndSwap(nil, t) {
		t.Stop()
	}
}

// tick runs on the timer: a graphql-transport-ws peer that sent nothing since
// the previous ping, not even its pong, is gone and its socket is closed;
// otherwise the next tick is set before this one writes, so a write stuck on
// a dead peer is ended by the next tick's close.
func (c *wsConn) tick() {
	if c.ended.Load() {
		return
	}
	msg := kaMessage
	if c.pings {
		if !c.heard.Swap(false) {
			_ = c.conn.CloseNow()
			return
		}
		msg = pingMessage
	}
	if t := c.timer.Load(); t != nil {
		t.Reset(c.keepAlive)
	}
	if !c.revoked.Load() {
		_ = c.conn.Write(context.Background(), websocket.MessageText, msg)
	}
}

func (c *wsConn) stopKeepAlive() {
	if t := c.timer.Load(); t != nil {
		t.Stop()
	}
}

// NextReader returns the next message for gqlgen. Pongs end here: they only
// prove the peer alive, which every message does.
func (c *wsConn) NextReader() (int, io.Reader, error) {
	for {
		typ, data, err := c.conn.Read(context.Background())
		if err != nil {
			switch websocket.CloseStatus(err) {
			case websocket.StatusNormalClosure, websocket.StatusNoStatusRcvd:
				return int(typ), nil, transport.ErrWebsocketClosed
			}
			return int(typ), nil, err
		}
		c.heard.Store(true)
		if c.pings && isPong(data) {
			continue
		}
		return int(typ), bytes.NewReader(data), nil
	}
}

// isPong tells a graphql-transport-ws pong from other messages.
func isPong(data []byte) bool {
	if len(data) > 128 || !bytes.Contains(data, []byte("pong")) {
		return false
	}
	var m struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(data, &m) == nil && m.Type == "pong"
}

// WriteJSON sends v unless the connection was revoked.
func (c *wsConn) WriteJSON(v any) error {
	if c.revoked.Load() {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.conn.Write(context.Background(), websocket.MessageText, data)
}

// WriteClose starts the close handshake with code and reason. It runs in the
// background: coder/websocket waits up to 5 s for the peer's close frame, and
// gqlgen's teardown should not.
func (c *wsConn) WriteClose(code int, reason string) error {
	if c.ended.Swap(true) {
		return nil
	}
	c.stopKeepAlive()
	go func() { _ = c.conn.Close(websocket.StatusCode(code), reason) }()
	return nil
}

// Close closes the socket at once, unless WriteClose's handshake already
// owns closing it.
func (c *wsConn) Close() error {
	if c.ended.Swap(true) {
		return nil
	}
	c.stopKeepAlive()
	return c.conn.CloseNow()
}

// Subprotocol is the negotiated GraphQL websocket protocol.
func (c *wsConn) Subprotocol() string { return c.conn.Subprotocol() }

// SetReadLimit applies gqlgen's largest message size.
func (c *wsConn) SetReadLimit(limit int64) { c.conn.SetReadLimit(limit) }

// revoke stops all writes and closes the connection with 4403 and reason,
// without blocking.
func (c *wsConn) revoke(reason string) {
	if c.revoked.Swap(true) {
		return
	}
	_ = c.WriteClose(closeForbidden, reason)
}
