package bench

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// smallConfig is a short in-process load: seconds, not minutes, and bcrypt at
// its lowest cost (the server hashes at start; no test here is about that).
func smallConfig(t *testing.T, progress *bytes.Buffer) Config {
	t.Helper()
	cfg := Defaults()
	cfg.Duration = 2 * time.Second
	// The raw SQLite bound only has to be positive here: half a second
	// measures hundreds of rows.
	cfg.SQLiteDuration = 500 * time.Millisecond
	cfg.Agents = 2
	cfg.Concurrency = 4
	cfg.Senders = 10
	cfg.BcryptCost = bcrypt.MinCost
	cfg.Progress = progress
	return cfg
}

// wantPositive fails for every key of rep's last line that is not a positive number.
func wantPositive(t *testing.T, rep Report, keys ...string) {
	t.Helper()
	for _, k := range keys {
		v, _ := rep.Value(k)
		if f, err := strconv.ParseFloat(v, 64); err != nil || f <= 0 {
			t.Errorf("%s=%q, want a positive number (last line %q)", k, v, rep.LastLine())
		}
	}
}

// wantZero fails for every key of rep's last line that is not "0".
func wantZero(t *testing.T, rep Report, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if v, _ := rep.Value(k); v != "0" {
			t.Errorf("%s=%q, want 0 (last line %q)", k, v, rep.LastLine())
		}
	}
}

// checkNoGoroutineLeft fails when goroutines started during the test outlive it.
func checkNoGoroutineLeft(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		<-tick.C
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the bench, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestLoadModes runs short in-process loads, closed and open loop, and checks
// the last line: the existing keys first and in order, the correctness counts
// zero, the rates positive, and no goroutine outlives the run.
func TestLoadModes(t *testing.T) {
	if testing.Short() {
		t.Skip("the bench runs for several seconds")
	}
	for _, tc := range []struct {
		name  string
		setup func(*Config)
		keys  []string
	}{
		{name: "closed loop", setup: func(*Config) {}},
		{name: "open loop", setup: func(c *Config) {
			c.Rate = 50
			c.Agents = 5
		}, keys: []string{"target_rate", "achieved_per_s"}},
		{name: "warm-up", setup: func(c *Config) {
			c.Rate = 50
			c.Agents = 5
			c.Warmup = true
		}, keys: []string{"warmup_s", "warmup_conversations"}},
		{name: "service", setup: func(c *Config) {
			c.Rate = 50
			c.Agents = 5
			c.Service = true
		}, keys: []string{"offers_accepted"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			goroutines := runtime.NumGoroutine()
			var progress bytes.Buffer
			cfg := smallConfig(t, &progress)
			tc.setup(&cfg)
			rep, err := Run(ctx, cfg)
			t.Logf("report:\n%s", rep)
			if err != nil {
				t.Fatalf("%v\nprogress:\n%s", err, progress.String())
			}
			want := []string{"webhooks_per_s", "sqlite_ratio", "bare_ratio", "answer_p99_ms", "e2e_p99_ms", "lost", "dup", "misrouted",
				"replies_per_s", "rss_mb", "custom_share", "bare_p99_ms", "p99_ratio"}
			for i, k := range want {
				if i >= len(rep.Fields) || rep.Fields[i].Key != k {
					t.Fatalf("last line field %d is not %q: %q", i, k, rep.LastLine())
				}
			}
			wantZero(t, rep, "lost", "dup", "misrouted")
			wantPositive(t, rep, append([]string{"webhooks_per_s", "sqlite_ratio", "bare_ratio", "answer_p99_ms", "e2e_p99_ms", "bare_p99_ms", "p99_ratio"}, tc.keys...)...)
			if !strings.Contains(rep.String(), "TELEGRAM + CUSTOM") {
				t.Errorf("the custom account was not loaded")
			}
			if !strings.Contains(rep.String(), "(0 lost the race)") && !cfg.Service {
				t.Errorf("agents raced for conversations; each should take only the ones it owns")
			}
			if cfg.Service {
				// Every conversation came to an agent as an offer; none went
				// to two, and every message reached the one that accepted.
				wantZero(t, rep, "seen_after_taken")
				if !strings.Contains(rep.String(), "(0 too late)") {
					t.Errorf("an offer was accepted twice or too late")
				}
			}
			if cfg.Warmup {
				// Every customer's conversation was opened and assigned to its
				// owner before the agents connected; the timed load only adds
				// messages to them, so no agent had anything to take.
				want := strconv.Itoa(2 * cfg.Senders)
				if v, _ := rep.Value("warmup_conversations"); v != want {
					t.Errorf("warmup_conversations=%s, want %s", v, want)
				}
				if !strings.Contains(rep.String(), " 0 conversations taken (0 lost the race)") {
					t.Errorf("want no conversation left to take after the warm-up")
				}
				// Only the timed load's messages are timed.
				accepted := regexp.MustCompile(`at [0-9]+/s, ([0-9]+) accepted`).FindStringSubmatch(rep.String())
				timed := regexp.MustCompile(`\(([0-9]+) deliveries\)`).FindStringSubmatch(rep.String())
				if accepted == nil || timed == nil || accepted[1] != timed[1] {
					t.Errorf("timed deliveries %v, want the timed load's accepted webhooks %v", timed, accepted)
				}
			}
			checkNoGoroutineLeft(t, goroutines)
		})
	}
}

// TestSeedMode seeds a small database and times the reads: every key of the
// last line is there and positive.
func TestSeedMode(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a database and starts a server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	goroutines := runtime.NumGoroutine()
	var progress bytes.Buffer
	cfg := smallConfig(t, &progress)
	cfg.SeedMessages = 3000
	cfg.Samples = 10
	rep, err := Run(ctx, cfg)
	t.Logf("report:\n%s", rep)
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	if v, _ := rep.Value("seed_messages"); v != "3000" {
		t.Errorf("seed_messages=%q, want 3000", v)
	}
	wantPositive(t, rep, "list_admin_p50_ms", "list_admin_p99_ms", "list_agent_p50_ms", "list_agent_p99_ms",
		"latest_admin_p99_ms", "latest_agent_p99_ms")
	checkNoGoroutineLeft(t, goroutines)
}

// TestChecksFailTheRun checks that any lost, duplicated or misrouted message
// makes Run's error wrap ErrChecksFailed, in every mode's report.
func TestChecksFailTheRun(t *testing.T) {
	for _, r := range []Report{{Lost: 1}, {Dup: 2}, {Misrouted: 3}} {
		if err := r.checkErr(); !errors.Is(err, ErrChecksFailed) {
			t.Errorf("%+v: err %v, want ErrChecksFailed", r, err)
		}
	}
	if err := (Report{}).checkErr(); err != nil {
		t.Errorf("a clean report fails: %v", err)
	}
}

// TestConfigErrors checks that a bad configuration names every problem and
// wraps ErrConfig.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Config)
		want string
	}{
		{"url without token", func(c *Config) { c.URL = "http://127.0.0.1:1" }, "--token"},
		{"no agents", func(c *Config) { c.Agents = 0 }, "--agents"},
		{"synchronous", func(c *Config) { c.Synchronous = "SOMETIMES" }, "--sqlite-synchronous"},
		{"custom share", func(c *Config) { c.CustomShare = 2 }, "--custom-share"},
		{"negative rate", func(c *Config) { c.Rate = -1 }, "--rate"},
		{"two modes", func(c *Config) { c.IdleAgents, c.SeedMessages = 1, 1 }, "separate modes"},
		{"idle without a server command", func(c *Config) { c.IdleAgents = 1 }, "server command"},
		{"seed with a rate", func(c *Config) { c.SeedMessages, c.Rate = 1, 10 }, "--rate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Defaults()
			tc.set(&cfg)
			_, err := Run(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrConfig) {
				t.Errorf("err %v, want ErrConfig naming %s", err, tc.want)
			}
		})
	}
}

// TestBenchTextRoundTrip checks the message text the agents decode.
func TestBenchTextRoundTrip(t *testing.T) {
	at := time.Unix(1700000000, 123456789)
	seq, sent, sender, ok := parseBenchText(benchText(42, at, "u-abc-7"))
	if !ok || seq != 42 || !sent.Equal(at) || sender != "u-abc-7" {
		t.Fatalf("round trip: %d %v %q %v", seq, sent, sender, ok)
	}
	for _, bad := range []string{"", "bench", "bench x 1 s", "hello 1 2 3", "bench 1 2 3 4"} {
		if _, _, _, ok := parseBenchText(bad); ok {
			t.Errorf("parsed %q", bad)
		}
	}
}

// TestOwnerOf checks that every customer has exactly one owner, that the
// owners spread evenly, and that other contacts have none.
func TestOwnerOf(t *testing.T) {
	m := &webhookMaker{senders: 10, agents: 4, chatBase: 5000, runID: "r1"}
	counts := make([]int, m.agents)
	for i := range m.senders {
		tg := m.ownerOf(strconv.FormatInt(m.chatBase+int64(i), 10))
		cu := m.ownerOf(m.customSender(i))
		if tg != cu || tg != i%m.agents {
			t.Errorf("customer %d: Telegram owner %d, custom owner %d, want %d", i, tg, cu, i%m.agents)
		}
		counts[tg]++
	}
	if counts[0] != 3 || counts[3] != 2 {
		t.Errorf("owners' shares %v, want [3 3 2 2]", counts)
	}
	for _, id := range []string{m.probeUser(), "4999", "5010", "u-other-1", "u-r1-x", "hello"} {
		if o := m.ownerOf(id); o != -1 {
			t.Errorf("ownerOf(%q) = %d, want -1", id, o)
		}
	}
}

// TestPercentile checks the nearest-rank percentiles.
func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(d, 0.5); p != 50*time.Millisecond {
		t.Errorf("p50 = %v", p)
	}
	if p := percentile(d, 0.99); p != 99*time.Millisecond {
		t.Errorf("p99 = %v", p)
	}
	if p := percentile(nil, 0.99); p != 0 {
		t.Errorf("empty p99 = %v", p)
	}
}
