package server

import (
	"bufio"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard/console"
)

// statusRecorder remembers the status and size of a response for the log line and
// metrics, and still lets websockets hijack the connection.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

// WriteHeader records the status.
func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write records the size (and a 200 status if none was set).
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Hijack lets the websocket transport take over the connection.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("server: response writer cannot hijack")
	}
	if r.status == 0 {
		r.status = http.StatusSwitchingProtocols
	}
	return h.Hijack()
}

// Flush lets server-sent events reach the client as they happen.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// routeOf names a path for metrics without letting arbitrary paths create series.
func routeOf(path string) string {
	switch path {
	case "/query", "/healthz", "/readyz", "/metrics", "/":
		return path
	}
	if strings.HasPrefix(path, "/webhooks/") {
		return "/webhooks"
	}
	if strings.HasPrefix(path, console.Prefix) {
		return "/console"
	}
	return "other"
}

// observe writes one log line per request (method, path, status, duration; never
// headers or bodies, so never a token) and records its metrics. It also turns a
// panic outside GraphQL into a 500 rather than a dropped connection.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(r.Context(), "http: panic", "panic", p)
				if rec.status == 0 {
					writeGraphQLError(rec, http.StatusInternalServerError, "internal error", "INTERNAL")
				}
			}
			d := time.Since(start)
			route := routeOf(r.URL.Path)
			s.metrics.observe(route, r.Method, rec.status, d)
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.status),
				slog.Int("bytes", rec.bytes),
				slog.Duration("duration", d),
				slog.String("remote", clientIP(r)),
			)
		}()
		next.ServeHTTP(rec, r)
	})
}
