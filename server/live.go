package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard/core"
)

// watchEventStream makes the viewer of an authenticated event stream
// (Accept: text/event-stream) live: the stream ends when its token does.
// Websockets are watched from connection_init, where most authenticate.
func (s *Server) watchEventStream(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if v, ok := core.ViewerFrom(ctx); ok && strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			defer cancel()
			lv := core.NewLiveViewer(v)
			ctx = core.WithLiveViewer(ctx, lv)
			stop := s.Auth.Watch(lv, func(string) { cancel() })
			defer stop()
			if v.UserID != 0 {
				// An agent following its inbox over SSE is present, as over
				// a websocket: it goes OFFLINE only once all are gone.
				defer s.Inbox.AgentConnected(v.UserID)()
			}
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// watchWebsocket makes an authenticated websocket's viewer live, closes the
// connection with 4403 when its credentials stop being valid, and starts its
// keep-alive.
func (s *Server) watchWebsocket(ctx context.Context, v core.Viewer) context.Context {
	lv := core.NewLiveViewer(v)
	var conn *wsConn
	if u := upgradeFrom(ctx); u != nil {
		conn = u.conn
	}
	if conn != nil {
		conn.startKeepAlive()
	}
	stop := s.Auth.Watch(lv, func(reason string) {
		if conn != nil {
			conn.revoke(reason)
		}
	})
	context.AfterFunc(ctx, stop)
	return core.WithLiveViewer(ctx, lv)
}
