package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/bench/seed"
	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/server"
)

// The seeded-reads mode answers "are the screens an agent opens all day still
// fast when the database is big?": a fresh database is filled with N messages
// over realistic conversations (seed.Seed, bulk inserts, not the write path),
// then the conversation list and a conversation's latest messages are timed
// through GraphQL, over HTTP with the generated client, as an admin (who sees
// every conversation of the tenant) and as an agent (whose visibility filter
// the queries must use well).

// pageSize is how many conversations or messages each timed read asks for:
// what a screen shows.
const pageSize = 50

// warmupReads are untimed reads before the timed ones, so the timings are of
// a warm server (prepared statements, page cache), as in production.
const warmupReads = 20

// readTimes are one viewer's timed reads.
type readTimes struct {
	list, latest []time.Duration
	// conversations is how many distinct conversations the latest-messages
	// reads cycled through.
	conversations int
}

// timeReads times samples conversation lists (the first page by last
// activity, with contact, assignee and last message) and samples reads of
// the latest messages of the conversations on that page, in turn, as c.
func timeReads(ctx context.Context, c *client.Client, samples int) (readTimes, error) {
	var out readTimes
	page, err := client.ConversationList(ctx, c, pageSize, nil, nil)
	if err != nil {
		return out, fmt.Errorf("conversation list: %w", err)
	}
	var ids []string
	for _, e := range page.Conversations.Edges {
		ids = append(ids, e.Node.Id)
	}
	if len(ids) == 0 {
		return out, errors.New("the viewer sees no conversation")
	}
	out.conversations = len(ids)
	timed := func(n int, read func(i int) error) ([]time.Duration, error) {
		took := make([]time.Duration, 0, n)
		for i := range warmupReads + n {
			start := time.Now()
			if err := read(i); err != nil {
				return nil, err
			}
			if i >= warmupReads {
				took = append(took, time.Since(start))
			}
		}
		slices.Sort(took)
		return took, nil
	}
	if out.list, err = timed(samples, func(int) error {
		_, err := client.ConversationList(ctx, c, pageSize, nil, nil)
		return err
	}); err != nil {
		return out, fmt.Errorf("conversation list: %w", err)
	}
	if out.latest, err = timed(samples, func(i int) error {
		_, err := client.LatestMessages(ctx, c, ids[i%len(ids)], pageSize, nil)
		return err
	}); err != nil {
		return out, fmt.Errorf("latest messages: %w", err)
	}
	return out, nil
}

// runSeedMode seeds a fresh database with cfg.SeedMessages messages, starts
// the server on it (as a separate process when cfg.ServerCommand is set,
// else in-process) and times the reads for the seeded tenant's admin and its
// first agent.
// seededToken makes an API token for the seeded user name of tenant, through
// core/auth on the database in dataDir before the server starts.
func seededToken(ctx context.Context, cfg Config, dataDir, tenant, name string, role core.Role) (string, *ent.User, error) {
	scfg := server.Defaults()
	scfg.DataDir = dataDir
	scfg.Synchronous = "OFF"
	scfg.SecretKey = cfg.SecretKey
	scfg.BcryptCost = cfg.BcryptCost
	srv, err := server.New(ctx, scfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return "", nil, fmt.Errorf("bench: open the seeded database: %w", err)
	}
	defer srv.Close()
	tok, u, err := srv.Auth.EnsureUser(ctx, tenant, name, role, "bench")
	if err != nil {
		return "", nil, fmt.Errorf("bench: token of the seeded %s: %w", name, err)
	}
	return tok, u, nil
}

func runSeedMode(ctx context.Context, cfg Config) (Report, error) {
	progress := progressFunc(cfg)
	dataDir, cleanup, err := dataFolder(cfg.DataDir)
	if err != nil {
		return Report{}, err
	}
	defer cleanup()

	progress("seeding %d messages in %s", cfg.SeedMessages, dataDir)
	db, sqlDB, err := store.Open(ctx, store.Options{DataDir: dataDir, Synchronous: cfg.Synchronous})
	if err != nil {
		return Report{}, fmt.Errorf("bench: open the database to seed: %w", err)
	}
	sum, err := seed.Seed(ctx, sqlDB, seed.Options{Messages: cfg.SeedMessages})
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("bench: close the seeded database: %w", cerr)
	}
	if err != nil {
		return Report{}, fmt.Errorf("bench: seed: %w", err)
	}
	if len(sum.Tenants) == 0 || len(sum.Tenants[0].AgentIDs) == 0 {
		return Report{}, errors.New("bench: the seed made no tenant with agents")
	}
	tn := sum.Tenants[0]

	// The seed names its people: "admin", and "agent-1"… in order of AgentIDs.
	viewers := []struct {
		role   core.Role
		name   string
		userID int
	}{
		{core.RoleAdmin, "admin", tn.AdminID},
		{core.RoleAgent, "agent-1", tn.AgentIDs[0]},
	}
	tokens := make([]string, len(viewers))
	for i, v := range viewers {
		var u *ent.User
		if tokens[i], u, err = seededToken(ctx, cfg, dataDir, tn.Name, v.name, v.role); err != nil {
			return Report{}, err
		}
		if u.ID != v.userID {
			return Report{}, fmt.Errorf("bench: the seeded %s is user %d, the seed said %d", v.name, u.ID, v.userID)
		}
	}

	// The server runs in a process of its own when the bench knows its
	// program, as in the idle mode: the load generator's garbage collection
	// would otherwise stop the server's reads it is timing.
	var (
		baseURL, where string
		hc             = http.DefaultClient
		stop           func() error
		warnings       atomic.Int64
	)
	if len(cfg.ServerCommand) > 0 {
		progress("starting the server as a separate process on the seeded database (%s serve)", cfg.ServerCommand[0])
		p, err := startServerProcess(ctx, cfg, dataDir)
		if err != nil {
			return Report{}, err
		}
		baseURL, where, stop = p.URL, "as a separate process", p.stop
	} else {
		progress("starting Switchboard in-process on the seeded database")
		// No message of the seed waits to be sent, but should one, the Bot
		// API it would reach is a closed loopback port.
		t, err := startServer(ctx, cfg, dataDir, "http://127.0.0.1:1", newBenchLogger(cfg.Progress, &warnings))
		if err != nil {
			return Report{}, err
		}
		baseURL, where, stop, hc = t.baseURL, "in-process", t.close, t.hc
	}
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	times := make([]readTimes, len(viewers))
	for i, v := range viewers {
		progress("timing %d conversation lists and %d latest-%d-messages reads as %s (%s)", cfg.Samples, cfg.Samples, pageSize, v.role, v.name)
		c := client.New(baseURL, tokens[i], client.WithHTTPClient(hc))
		if times[i], err = timeReads(ctx, c, cfg.Samples); err != nil {
			return Report{}, fmt.Errorf("bench: %s: %w", v.role, err)
		}
	}
	stopped = true
	if err := stop(); err != nil {
		return Report{}, err
	}

	admin, agent := times[0], times[1]
	var r Report
	r.printf("Switchboard %s at %s, SQLite synchronous=%s, data in %s", where, baseURL, cfg.Synchronous, dataDir)
	r.printf("  seeded %d messages, %d conversations, %d contacts, %d events in %d tenant(s) in %.1fs",
		sum.Messages, sum.Conversations, sum.Contacts, sum.Events, len(sum.Tenants), sum.Elapsed.Seconds())
	r.printf("  timed through GraphQL over HTTP, %d runs each after %d untimed, as %s's admin and agent-1:", cfg.Samples, warmupReads, tn.Name)
	for i, v := range viewers {
		tm := times[i]
		r.printf("    %-5s conversation list (first %d by last activity, contact, assignee, last message): p50 %.2f ms, p99 %.2f ms, max %.2f ms",
			v.role, pageSize, ms(percentile(tm.list, 0.5)), ms(percentile(tm.list, 0.99)), ms(percentile(tm.list, 1)))
		r.printf("    %-5s latest %d messages (over %d conversations): p50 %.2f ms, p99 %.2f ms, max %.2f ms",
			v.role, pageSize, tm.conversations, ms(percentile(tm.latest, 0.5)), ms(percentile(tm.latest, 0.99)), ms(percentile(tm.latest, 1)))
	}
	if stop != nil && len(cfg.ServerCommand) == 0 {
		r.printf("  %d server warnings", warnings.Load())
	}
	r.set("seed_messages", "%d", sum.Messages)
	r.set("list_admin_p50_ms", "%.2f", ms(percentile(admin.list, 0.5)))
	r.set("list_admin_p99_ms", "%.2f", ms(percentile(admin.list, 0.99)))
	r.set("list_agent_p50_ms", "%.2f", ms(percentile(agent.list, 0.5)))
	r.set("list_agent_p99_ms", "%.2f", ms(percentile(agent.list, 0.99)))
	r.set("latest_admin_p99_ms", "%.2f", ms(percentile(admin.latest, 0.99)))
	r.set("latest_agent_p99_ms", "%.2f", ms(percentile(agent.latest, 0.99)))
	r.set("latest_admin_p50_ms", "%.2f", ms(percentile(admin.latest, 0.5)))
	r.set("latest_agent_p50_ms", "%.2f", ms(percentile(agent.latest, 0.5)))
	r.set("conversations", "%d", sum.Conversations)
	r.set("seed_s", "%.1f", sum.Elapsed.Seconds())
	return r, nil
}
