package server

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/switchboard/switchboard/core"
)

// closeForbidden is graphql-transport-ws's close code for a connection whose
// credentials are refused (4403 Forbidden).
const closeForbidden = 4403

// liveWebsockets accepts websockets through inner and remembers each
// connection in its request's context, so that the connection can be closed
// with 4403 the moment its credentials stop being valid, and nothing more is
// written to it.
type liveWebsockets struct {
	inner transport.WebsocketImplementation
}

var (
	_ transport.WebsocketImplementation = liveWebsockets{}
	_ transport.WebsocketReadLimiter    = (*revocableConn)(nil)
	_ transport.WebsocketReadDeadliner  = (*revocableConn)(nil)
)

// Accept upgrades the request and records the connection.
func (l liveWebsockets) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := l.inner.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	rc := &revocableConn{WebsocketConn: conn}
	if slot, ok := r.Context().Value(connSlotKey{}).(*connSlot); ok {
		slot.set(rc)
	}
	return rc, nil
}

// revocableConn is a websocket that drops every write once revoked.
type revocableConn struct {
	transport.WebsocketConn
	revoked atomic.Bool
}

// WriteJSON sends v unless the connection was revoked.
func (c *revocableConn) WriteJSON(v any) error {
	if c.revoked.Load() {
		return nil
	}
	return c.WebsocketConn.WriteJSON(v)
}

// SetReadLimit passes gqlgen's read limit on to the connection.
func (c *revocableConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

// SetReadDeadline passes gqlgen's missing-pong deadline on to the connection;
// without it a dead peer would never be noticed.
func (c *revocableConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// revoke stops all writes and closes the connection with 4403 and reason. The
// close handshake runs in the background, so revoke does not block.
func (c *revocableConn) revoke(reason string) {
	if c.revoked.Swap(true) {
		return
	}
	_ = c.WriteClose(closeForbidden, reason)
	_ = c.Close()
}

// connSlot carries a websocket from its upgrade (liveWebsockets.Accept) to its
// connection_init (websocketInit), which both see the request's context.
type connSlot struct {
	mu   sync.Mutex
	conn *revocableConn
}

type connSlotKey struct{}

func (s *connSlot) set(c *revocableConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn = c
}

func (s *connSlot) get() *revocableConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn
}

// watchLive makes the viewer of a long-lived request live: a websocket
// upgrade gets a slot for its connection; an authenticated event stream
// (Accept: text/event-stream) is watched at once and ends when its token does.
// Websockets are watched from connection_init, where most authenticate.
func (s *Server) watchLive(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		switch {
		case r.Header.Get("Upgrade") != "":
			ctx = context.WithValue(ctx, connSlotKey{}, &connSlot{})
		case strings.Contains(r.Header.Get("Accept"), "text/event-stream"):
			if v, ok := core.ViewerFrom(ctx); ok {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
				lv := core.NewLiveViewer(v)
				ctx = core.WithLiveViewer(ctx, lv)
				stop := s.Auth.Watch(lv, func(string) { cancel() })
				defer stop()
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// watchWebsocket makes an authenticated websocket's viewer live and closes the
// connection with 4403 when its credentials stop being valid.
func (s *Server) watchWebsocket(ctx context.Context, v core.Viewer) context.Context {
	lv := core.NewLiveViewer(v)
	slot, _ := ctx.Value(connSlotKey{}).(*connSlot)
	stop := s.Auth.Watch(lv, func(reason string) {
		if slot != nil {
			if c := slot.get(); c != nil {
				c.revoke(reason)
			}
		}
	})
	context.AfterFunc(ctx, stop)
	return core.WithLiveViewer(ctx, lv)
}
