package bench

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
)

// syncWriter serialises writes from the server's goroutines and the bench's,
// so progress lines and warnings never interleave mid-line.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p under the lock.
func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// benchLogHandler formats every record as the server's info-level logger would,
// so logging costs what it costs in production, but prints only the first
// warnings and errors and counts them all.
type benchLogHandler struct {
	quiet, loud slog.Handler
	warnings    *atomic.Int64
}

// maxPrintedWarnings bounds the server warnings copied to the progress output.
const maxPrintedWarnings = 10

// newBenchLogger returns the in-process server's logger (see benchLogHandler).
func newBenchLogger(w io.Writer, warnings *atomic.Int64) *slog.Logger {
	return slog.New(benchLogHandler{
		quiet:    slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}),
		loud:     slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}),
		warnings: warnings,
	})
}

// Enabled reports whether the server would log at l.
func (h benchLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.quiet.Enabled(ctx, l)
}

// Handle formats r, and prints it when it is one of the first warnings.
func (h benchLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn && h.warnings.Add(1) <= maxPrintedWarnings {
		return h.loud.Handle(ctx, r)
	}
	return h.quiet.Handle(ctx, r)
}

// WithAttrs returns a handler with attrs on both outputs.
func (h benchLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return benchLogHandler{quiet: h.quiet.WithAttrs(attrs), loud: h.loud.WithAttrs(attrs), warnings: h.warnings}
}

// WithGroup returns a handler with the group on both outputs.
func (h benchLogHandler) WithGroup(name string) slog.Handler {
	return benchLogHandler{quiet: h.quiet.WithGroup(name), loud: h.loud.WithGroup(name), warnings: h.warnings}
}
