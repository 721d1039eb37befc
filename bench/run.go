package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"
)

// ErrChecksFailed is returned, with the report, when messages were lost,
// duplicated or misrouted: the run failed whatever its speed.
var ErrChecksFailed = errors.New("bench: correctness checks failed")

// Run performs the run cfg describes (see the package doc for the modes) and
// returns its report. The error wraps ErrConfig for a bad configuration and
// ErrChecksFailed when a check failed; the report is complete in the latter
// case, so print it either way.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	cfg.Progress = &syncWriter{w: cfg.Progress}
	switch {
	case cfg.IdleAgents > 0:
		return runIdleMode(ctx, cfg)
	case cfg.SeedMessages > 0:
		return runSeedMode(ctx, cfg)
	}
	return runLoadMode(ctx, cfg)
}

// progressFunc returns a printf to cfg.Progress that prefixes "bench: ".
func progressFunc(cfg Config) func(format string, a ...any) {
	return func(format string, a ...any) { fmt.Fprintf(cfg.Progress, "bench: "+format+"\n", a...) }
}

// dataFolder returns dir, created, or a new temporary folder when dir is
// empty; cleanup removes only a temporary one.
func dataFolder(dir string) (_ string, cleanup func(), err error) {
	if dir == "" {
		if dir, err = os.MkdirTemp("", "switchboard-bench-*"); err != nil {
			return "", func() {}, fmt.Errorf("bench: data folder: %w", err)
		}
		return dir, func() { os.RemoveAll(dir) }, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", func() {}, fmt.Errorf("bench: data folder: %w", err)
	}
	return dir, func() {}, nil
}

// runLoadMode loads Switchboard (in-process, or cfg.URL) with signed webhooks
// while agents subscribe, take and answer, checks that nothing was lost,
// duplicated or misrouted, then measures the two bounds.
func runLoadMode(ctx context.Context, cfg Config) (Report, error) {
	progress := progressFunc(cfg)
	runID := randomHex(4)
	dataDir, cleanup, err := dataFolder(cfg.DataDir)
	if err != nil {
		return Report{}, err
	}
	defer cleanup()
	boundsDir := filepath.Join(dataDir, "bench-bounds-"+runID)
	defer os.RemoveAll(boundsDir)

	// Setup: the fakes, the server, its accounts.
	r, err := setupRig(ctx, cfg, dataDir, runID, progress)
	if err != nil {
		return Report{}, err
	}
	defer r.close()

	// The agents: users and tokens; mutations on a shared pool.
	obs := newObservations()
	fleet, err := newFleet(ctx, cfg, r.target, r.maker, obs, runID)
	if err != nil {
		return Report{}, err
	}
	defer fleet.stopAll()
	shape := loadShape{concurrency: cfg.Concurrency, rate: cfg.Rate, duration: cfg.Duration,
		senders: openLoopSenders(cfg.Rate, cfg.Concurrency)}
	loadHC := newLoadClient(shape.goroutines())
	defer loadHC.CloseIdleConnections()

	// The warm-up: every customer's conversation opened and assigned to its
	// owner before the agents connect.
	var warm warmUpResult
	if cfg.Warmup {
		progress("warm-up: opening %d customers' conversations and assigning them to their owners", r.maker.customers())
		if warm, err = warmUp(ctx, r, fleet, loadHC, cfg.Concurrency); err != nil {
			return Report{}, err
		}
		progress("warm-up done in %s", warm.took.Round(time.Millisecond))
	}

	// The agents connect: one websocket each.
	progress("%d agents subscribing", cfg.Agents)
	fleet.start(ctx)
	if err := fleet.waitSubscribed(ctx, newLoadWorker(-1, loadHC)); err != nil {
		return Report{}, err
	}
	if cfg.Service {
		progress("chat service: the accounts join one, the agents become READY")
		if err := fleet.joinService(ctx, r); err != nil {
			return Report{}, err
		}
	}

	// The load.
	stopProfile, err := startCPUProfile(cfg.CPUProfile)
	if err != nil {
		return Report{}, err
	}
	defer stopProfile()
	if cfg.Rate > 0 {
		progress("posting %.0f webhooks/s for %s with %d senders", cfg.Rate, cfg.Duration, shape.senders)
	} else {
		progress("posting webhooks for %s with concurrency %d", cfg.Duration, cfg.Concurrency)
	}
	var resends atomic.Int64
	loadStart := time.Now()
	load := shape.run(ctx, loadHC, func(ctx context.Context, w *loadWorker, at time.Time) {
		h := r.maker.next(at)
		ok := w.post(ctx, h.url, h.header, h.body, at) == http.StatusOK
		if cfg.DupEvery > 0 && h.seq%cfg.DupEvery == 0 {
			resends.Add(1)
			ok = w.post(ctx, h.url, h.header, h.body, time.Now()) == http.StatusOK || ok
		}
		if ok {
			w.accepted = append(w.accepted, h.seq)
		}
	})
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}

	// Check: wait for the owners and the messengers, then compare.
	progress("draining (up to %s)", cfg.Drain)
	// The warm-up's messages predate the agents' subscriptions: the database
	// check covers them.
	drained, drainTime := drain(ctx, cfg.Drain, fleet, r.ledger, load.accepted)
	stopProfile()
	f := loadFigures{
		cfg: cfg, baseURL: r.target.baseURL, inProcess: r.target.inProcess(), dataDir: dataDir, acc: r.acc,
		shape: shape, load: load, sent: r.maker.seq.Load(), probes: r.maker.probes.Load(), resends: resends.Load(),
		drained: drained, drainTime: drainTime, warm: warm,
	}
	f.rss, f.peak = memStats()
	f.lostSeqs = obs.unseen(load.accepted)
	f.lost = len(f.lostSeqs)
	fleet.stopAll()
	f.agents = fleet.stats()
	f.replies = r.ledger.snapshot()
	f.evDup, f.evMisrouted = obs.counts()
	f.e2e, f.redelivered = obs.latencies()
	if d := f.replies.last.Sub(loadStart); f.replies.delivered() > 0 && d > 0 {
		f.repliesPerS = float64(f.replies.delivered()) / d.Seconds()
	}
	if f.inProcess {
		if err := r.target.close(); err != nil {
			return Report{}, err
		}
		if f.db, err = checkDatabase(ctx, dataDir, cfg.Synchronous, cfg.DatabaseURL, r.acc, append(slices.Clone(warm.accepted), load.accepted...), f.lostSeqs); err != nil {
			return Report{}, err
		}
		f.dbChecked = true
		f.lost = max(f.lost, f.db.notStored)
	}
	f.dup = max(f.db.dup, f.evDup)
	f.misrouted = max(f.db.misrouted, f.evMisrouted) + f.replies.misrouted
	f.warnings = r.warnings.Load()

	// The bounds, on the same disk with the same settings, after the server
	// stopped so they do not share the CPU with it.
	if cfg.DatabaseURL != "" {
		progress("measuring raw PostgreSQL for %s", cfg.SQLiteDuration)
		if f.sqlite, err = measurePostgres(ctx, cfg.DatabaseURL, runID, cfg.SQLiteDuration); err != nil {
			return Report{}, err
		}
	} else {
		progress("measuring raw SQLite for %s", cfg.SQLiteDuration)
		if f.sqlite, err = measureSQLite(ctx, filepath.Join(boundsDir, "sqlite"), cfg.Synchronous, cfg.SQLiteDuration); err != nil {
			return Report{}, err
		}
	}
	progress("measuring the bare server for %s", cfg.Duration)
	if f.bare, err = measureBare(ctx, filepath.Join(boundsDir, "bare"), cfg.Synchronous, shape); err != nil {
		return Report{}, err
	}

	rep := loadReport(f)
	if err := rep.checkErr(); err != nil {
		return rep, err
	}
	if load.ok() == 0 {
		return rep, errors.New("bench: no webhook was accepted")
	}
	return rep, nil
}

// drain waits until every accepted webhook reached its owner, no mutation is
// pending and every queued reply reached its messenger, or until limit. Then
// it lets the last events (reply status updates) reach the agents before
// their streams close. It reports whether everything arrived, and how long
// that took.
func drain(ctx context.Context, limit time.Duration, fleet *agentFleet, ledger *replyLedger, accepted []int64) (bool, time.Duration) {
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	missing := accepted
	drained := false
	for {
		missing = fleet.obs.unseen(missing)
		queued := fleet.stats().replies
		if len(missing) == 0 && fleet.pool.pending.Load() == 0 && int64(ledger.snapshot().delivered()) >= queued {
			drained = true
			break
		}
		if time.Since(start) > limit || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	took := time.Since(start)
	for quiet := time.Now().Add(2 * time.Second); time.Now().Before(quiet) && ctx.Err() == nil; {
		if time.Since(fleet.lastEvent()) > 300*time.Millisecond {
			break
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	return drained, took
}
