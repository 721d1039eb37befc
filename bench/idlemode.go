package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/auth"
	"github.com/switchboard/switchboard/server"
)

// The idle-agents mode answers "what does an agent who keeps Switchboard open
// all day cost the server?": N agents connected, subscribed to inboxEvents and
// idle, against a server in a process of its own, whose RSS and goroutines
// are read from its /metrics before and after (RunIdle).

// idleAgentTokens creates n agents in the default tenant of the database in
// dataDir and returns a token of each. It runs before the server does, through
// core/auth directly, one short transaction per agent without fsync (the data
// is setup, not what is measured): ten thousand agents take seconds, where
// GraphQL mutations through a server committing with fsync would take minutes.
func idleAgentTokens(ctx context.Context, cfg Config, dataDir string, n int) ([]string, error) {
	scfg := server.Defaults()
	scfg.DataDir = dataDir
	scfg.Synchronous = "OFF"
	scfg.SecretKey = cfg.SecretKey
	scfg.BcryptCost = cfg.BcryptCost
	srv, err := server.New(ctx, scfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, fmt.Errorf("bench: open the idle agents' database: %w", err)
	}
	defer srv.Close()
	tokens := make([]string, n)
	for i := range tokens {
		if tokens[i], _, err = srv.Auth.EnsureUser(ctx, auth.DefaultTenant, fmt.Sprintf("idle-agent-%d", i), core.RoleAgent, "bench"); err != nil {
			return nil, fmt.Errorf("bench: idle agent %d: %w", i, err)
		}
	}
	return tokens, nil
}

// runIdleMode creates cfg.IdleAgents agents, starts the server as a separate
// process, holds that many idle subscribed websockets against it (RunIdle)
// and reports the server's memory and goroutines per connection.
func runIdleMode(ctx context.Context, cfg Config) (Report, error) {
	progress := progressFunc(cfg)
	dataDir, cleanup, err := dataFolder(cfg.DataDir)
	if err != nil {
		return Report{}, err
	}
	defer cleanup()

	progress("creating %d agents in %s", cfg.IdleAgents, dataDir)
	start := time.Now()
	tokens, err := idleAgentTokens(ctx, cfg, dataDir, cfg.IdleAgents)
	if err != nil {
		return Report{}, err
	}
	created := time.Since(start)

	progress("starting the server as a separate process (%s serve)", cfg.ServerCommand[0])
	srv, err := startServerProcess(ctx, cfg, dataDir)
	if err != nil {
		return Report{}, err
	}
	progress("holding %d idle agents against %s for %s after they subscribe", cfg.IdleAgents, srv.URL, cfg.IdleSettle)
	ir, runErr := RunIdle(ctx, IdleOptions{URL: srv.URL, Tokens: tokens, Conns: cfg.IdleAgents, Settle: cfg.IdleSettle})
	stopErr := srv.stop()
	if runErr != nil {
		return Report{}, fmt.Errorf("bench: idle agents: %w", runErr)
	}
	if stopErr != nil {
		return Report{}, stopErr
	}

	const mib = 1 << 20
	var r Report
	r.printf("Switchboard as a separate process at %s, SQLite synchronous=%s, data in %s", srv.URL, cfg.Synchronous, dataDir)
	r.printf("  %d agents created in %.2fs (core/auth, before the server started)", cfg.IdleAgents, created.Seconds())
	for _, l := range strings.Split(strings.TrimSpace(ir.String()), "\n") {
		r.printf("  %s", l)
	}
	r.Lost = int(ir.Dropped)
	r.set("idle_agents", "%d", cfg.IdleAgents)
	r.set("rss_mb", "%.1f", ir.After.RSS/mib)
	r.set("rss_kib_per_conn", "%.1f", ir.RSSPerConn()/1024)
	r.set("goroutines_per_conn", "%.2f", ir.GoroutinesPerConn())
	r.set("rss_before_mb", "%.1f", ir.Before.RSS/mib)
	r.set("setup_s", "%.2f", ir.Setup.Seconds())
	r.set("pings", "%d", ir.Pings)
	r.set("dropped", "%d", ir.Dropped)
	return r, r.checkErr()
}
