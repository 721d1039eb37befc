package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/bench/seed"
	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
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
// the server on it in-process and times the reads for the seeded tenant's
// admin and its first agent.
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

	progress("starting Switchboard in-process on the seeded database")
	// No message of the seed waits to be sent, but should one, the Bot API
	// it would reach is a closed loopback port.
	var warnings atomic.Int64
	t, err := startServer(ctx, cfg, dataDir, "http://127.0.0.1:1", newBenchLogger(cfg.Progress, &warnings))
	if err != nil {
		return Report{}, err
	}
	defer t.close()

	// The seed names its people: "admin", and "agent-1"… in order of AgentIDs.
	viewers := []struct {
		role   core.Role
		name   string
		userID int
	}{
		{core.RoleAdmin, "admin", tn.AdminID},
		{core.RoleAgent, "agent-1", tn.AgentIDs[0]},
	}
	times := make([]readTimes, len(viewers))
	for i, v := range viewers {
		tok, u, err := t.srv.Auth.EnsureUser(ctx, tn.Name, v.name, v.role, "bench")
		if err != nil {
			return Report{}, fmt.Errorf("bench: token of the seeded %s: %w", v.name, err)
		}
		if u.ID != v.userID {
			return Report{}, fmt.Errorf("bench: the seeded %s is user %d, the seed said %d", v.name, u.ID, v.userID)
		}
		progress("timing %d conversation lists and %d latest-%d-messages reads as %s (%s)", cfg.Samples, cfg.Samples, pageSize, v.role, v.name)
		c := client.New(t.baseURL, tok, client.WithHTTPClient(t.hc))
		if times[i], err = timeReads(ctx, c, cfg.Samples); err != nil {
			return Report{}, fmt.Errorf("bench: %s: %w", v.role, err)
		}
	}
	if err := t.close(); err != nil {
		return Report{}, err
	}

	admin, agent := times[0], times[1]
	var r Report
	r.printf("Switchboard in-process at %s, SQLite synchronous=%s, data in %s", t.baseURL, cfg.Synchronous, dataDir)
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
	r.printf("  %d server warnings", warnings.Load())
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
