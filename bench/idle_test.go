package bench_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard/switchboard/bench"
	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/server"
)

// startServer runs a Switchboard under httptest with pings every second and
// returns its URL and an admin token.
func startServer(t *testing.T) (url, adminToken string) {
	t.Helper()
	cfg := server.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = storetest.DatabaseURL(t)
	cfg.BcryptCost = bcrypt.MinCost
	cfg.RateLimit = 0
	// A second, not less: under -race on a loaded CI machine (the browser
	// test runs beside it) a pong can be a few hundred milliseconds late.
	cfg.KeepAlive = time.Second
	ctx := context.Background()
	srv, err := server.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.Start()
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(srv.Shutdown)
	token, err := srv.Auth.Bootstrap(ctx)
	if err != nil || token == "" {
		t.Fatalf("bootstrap: %q, %v", token, err)
	}
	return hs.URL, token
}

// TestRunIdle holds 50 agents through several keep-alive intervals: every one
// is subscribed, answers pings and stays connected, and the report has the
// server's figures.
func TestRunIdle(t *testing.T) {
	url, admin := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tokens, err := bench.AgentTokens(ctx, client.New(url, admin), "idle", 10)
	if err != nil {
		t.Fatal(err)
	}
	r, err := bench.RunIdle(ctx, bench.IdleOptions{URL: url, Tokens: tokens, Conns: 50, Settle: 3 * time.Second})
	t.Logf("\n%s", r)
	if err != nil {
		t.Fatal(err)
	}
	if r.Conns != 50 || r.Dropped != 0 {
		t.Errorf("conns %d, dropped %d", r.Conns, r.Dropped)
	}
	if r.After.Subscriptions-r.Before.Subscriptions < 50 {
		t.Errorf("subscriptions %v before, %v after", r.Before.Subscriptions, r.After.Subscriptions)
	}
	// Pings every second for three seconds reach each of the 50 several times.
	if r.Pings < 100 {
		t.Errorf("%d pings answered", r.Pings)
	}
	if r.After.RSS <= 0 || r.GoroutinesPerConn() <= 0 {
		t.Errorf("no server figures: %+v", r.After)
	}
	if last := strings.TrimSpace(r.String()); !strings.Contains(last, "conns=50 ") {
		t.Errorf("report:\n%s", last)
	}
}

// TestRunIdleRefused: a token the server refuses fails the run, with the
// agent named.
func TestRunIdleRefused(t *testing.T) {
	url, _ := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := bench.RunIdle(ctx, bench.IdleOptions{URL: url, Tokens: []string{"sb_wrong"}, Conns: 3})
	if err == nil || !strings.Contains(err.Error(), "agent") {
		t.Fatalf("err = %v, want a refused agent", err)
	}
}
