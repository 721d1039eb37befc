package bench

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Report is a run's result: lines for a person, then a last line of key=value
// pairs for programs (CI, scripts comparing runs). Keys are only ever added,
// never renamed, so a script keeps working across versions.
type Report struct {
	// Lines are the human-readable report, without the last line.
	Lines []string
	// Fields are the last line's pairs, in order.
	Fields []Field
	// Lost, Dup and Misrouted are the failed checks' counts; any of them
	// above zero fails the run.
	Lost, Dup, Misrouted int
}

// Field is one key=value pair of the last line.
type Field struct{ Key, Value string }

// printf adds a line for a person.
func (r *Report) printf(format string, a ...any) {
	r.Lines = append(r.Lines, fmt.Sprintf(format, a...))
}

// set adds a pair to the last line, formatting value with format.
func (r *Report) set(key, format string, value any) {
	r.Fields = append(r.Fields, Field{Key: key, Value: fmt.Sprintf(format, value)})
}

// LastLine is the machine-readable line: the pairs separated by spaces.
func (r Report) LastLine() string {
	parts := make([]string, len(r.Fields))
	for i, f := range r.Fields {
		parts[i] = f.Key + "=" + f.Value
	}
	return strings.Join(parts, " ")
}

// Value returns the last line's value of key.
func (r Report) Value(key string) (string, bool) {
	for _, f := range r.Fields {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// String is the whole report, the last line last.
func (r Report) String() string {
	var b strings.Builder
	for _, l := range r.Lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if len(r.Fields) > 0 {
		b.WriteString(r.LastLine())
		b.WriteByte('\n')
	}
	return b.String()
}

// checkErr is the run's error when a check failed, else nil.
func (r Report) checkErr() error {
	if r.Lost > 0 || r.Dup > 0 || r.Misrouted > 0 {
		return fmt.Errorf("%w: lost=%d dup=%d misrouted=%d", ErrChecksFailed, r.Lost, r.Dup, r.Misrouted)
	}
	return nil
}

// ratio is a/b, or 0 when b is not positive.
func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// minBacklogAllowance is the least time the last answer of an open loop may
// come after the end of its schedule for the rate to count as sustained; the
// allowance is 5% of the duration when that is longer.
const minBacklogAllowance = 250 * time.Millisecond

// backlog is how long after the end of an open loop's schedule its last
// answer came: what the server had yet to absorb when the arrivals stopped.
func (r loadResult) backlog(duration time.Duration) time.Duration {
	return max(0, r.elapsed-duration)
}

// sustained reports whether the server kept up with an open loop: every
// scheduled webhook accepted, and little backlog left when the schedule
// ended. A server slower than the rate builds a backlog that grows with the
// run; the senders' own delays (lags) are reported but do not decide it.
func (r loadResult) sustained(duration time.Duration) bool {
	return r.scheduled > 0 && int64(len(r.accepted)) >= r.scheduled &&
		r.backlog(duration) <= max(minBacklogAllowance, duration/20)
}

// loadFigures is everything the load mode measured, for its report.
type loadFigures struct {
	cfg       Config
	baseURL   string
	inProcess bool
	dataDir   string
	acc       benchAccounts
	shape     loadShape
	load      loadResult
	// sent, probes and resends count webhooks made, probe webhooks among them,
	// and deliberate re-deliveries.
	sent, probes, resends int64
	e2e                   []time.Duration
	redelivered           int
	agents                agentStats
	replies               ledgerSnapshot
	repliesPerS           float64
	drained               bool
	drainTime             time.Duration
	warm                  warmUpResult
	lostSeqs              []int64
	lost, dup, misrouted  int
	evDup, evMisrouted    int
	dbChecked             bool
	db                    dbCheck
	rss, peak             float64
	warnings              int64
	sqlite                sqliteBound
	bare                  bareBound
}

// loadReport formats the load mode's figures.
func loadReport(f loadFigures) Report {
	r := Report{Lost: f.lost, Dup: f.dup, Misrouted: f.misrouted}
	cfg := f.cfg
	rate := f.load.perSecond()
	sqliteRatio, bareRatio := ratio(rate, f.sqlite.perSecond()), ratio(rate, f.bare.load.perSecond())
	answerP99 := percentile(f.load.latencies, 0.99)
	bareP99 := percentile(f.bare.load.latencies, 0.99)
	share := cfg.CustomShare
	if f.acc.customHook == "" {
		share = 0
	}

	if f.inProcess {
		r.printf("Switchboard in-process at %s, SQLite synchronous=%s, webhook rate limit off, data in %s", f.baseURL, cfg.Synchronous, f.dataDir)
	} else {
		r.printf("Switchboard at %s (external; bounds measured on %s, synchronous=%s)", f.baseURL, f.dataDir, cfg.Synchronous)
	}
	accounts := "TELEGRAM only"
	if f.acc.customHook != "" {
		accounts = fmt.Sprintf("TELEGRAM + CUSTOM (%.0f%% of webhooks, signed per CONTRACT.md)", 100*share)
	}
	arrivals := fmt.Sprintf("closed loop, concurrency %d", cfg.Concurrency)
	if cfg.Rate > 0 {
		arrivals = fmt.Sprintf("open loop at %.0f/s with %d senders, latencies from the scheduled send time", cfg.Rate, f.shape.senders)
	}
	handout := "each customer owned by one"
	if cfg.Service {
		handout = "in one chat service: each new conversation queued and offered to one READY agent, who accepts it and reads what came before"
	}
	r.printf("  load: %s, %d senders per account, %d agents (%s), %s, %s", accounts, cfg.senders(), cfg.Agents, handout, arrivals, cfg.Duration)
	if f.acc.customNote != "" {
		r.printf("  note: %s", f.acc.customNote)
	}
	if cfg.Warmup {
		r.printf("  warm-up: %d customers' conversations opened and assigned to their owners in %.2fs before the agents connected (checked in the database, not timed)",
			f.warm.conversations, f.warm.took.Seconds())
	}
	r.printf("  webhooks: %d answered 200 (%d new, %d deliberate re-deliveries) in %.2fs = %.0f/s; %s",
		f.load.ok(), f.sent-f.probes-int64(f.warm.conversations), f.resends, f.load.elapsed.Seconds(), rate, otherAnswers(f.load))
	if cfg.Rate > 0 {
		verdict := "sustained"
		if !f.load.sustained(cfg.Duration) {
			verdict = fmt.Sprintf("NOT sustained (needs every scheduled webhook accepted and the last answer within %s of the schedule's end)",
				max(minBacklogAllowance, cfg.Duration/20))
		}
		r.printf("  rate: %d scheduled at %.0f/s, %d accepted = %.0f/s achieved, last answer %.0f ms after the schedule's end; %s",
			f.load.scheduled, cfg.Rate, len(f.load.accepted), ratio(float64(len(f.load.accepted)), f.load.elapsed.Seconds()),
			ms(f.load.backlog(cfg.Duration)), verdict)
		r.printf("  senders behind schedule (the bench's own delay, included in the latencies): p50 %.2f ms, p99 %.2f ms, max %.2f ms",
			ms(percentile(f.load.lags, 0.5)), ms(percentile(f.load.lags, 0.99)), ms(percentile(f.load.lags, 1)))
	}
	if f.load.lastErr != nil {
		r.printf("  last transport error: %v", f.load.lastErr)
	}
	r.printf("  webhook answer latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
		ms(percentile(f.load.latencies, 0.5)), ms(answerP99), ms(percentile(f.load.latencies, 1)))
	r.printf("  webhook-to-owning-agent latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d deliveries)",
		ms(percentile(f.e2e, 0.5)), ms(percentile(f.e2e, 0.99)), ms(percentile(f.e2e, 1)), len(f.e2e))
	r.printf("  replies: %d queued by agents, %d delivered (Telegram %d, custom %d) = %.0f/s; %d repeated, %d to the wrong recipient",
		f.agents.replies, f.replies.delivered(), f.replies.telegram, f.replies.custom, f.repliesPerS, f.replies.repeats, f.replies.misrouted)
	r.printf("  agents: %d conversations taken (%d lost the race), %d reconnects, %d stream errors, %d take errors, %d reply errors, %d dropped jobs; "+
		"%d messages reached a non-owner showing the conversation taken by another agent (visibility is decided at the event's time, so a message that predates the take may show it)",
		f.agents.takes, f.agents.takeLost, f.agents.reconnects, f.agents.streamErrors, f.agents.takeErrors, f.agents.replyErrors, f.agents.jobDrops, f.agents.leaked)
	if cfg.Service {
		r.printf("  routing: %d offers accepted (%d too late), %d offers expired unanswered", f.agents.takes, f.agents.takeLost, f.agents.missedOffers)
	}
	if f.agents.lastErr != "" {
		r.printf("  last agent error: %s", f.agents.lastErr)
	}
	drainNote := fmt.Sprintf("drained in %.2fs", f.drainTime.Seconds())
	if !f.drained {
		drainNote = fmt.Sprintf("NOT drained after %s", cfg.Drain)
	}
	r.printf("  checks (%s): lost %d of %d accepted, dup %d, misrouted %d, events delivered twice to their owner %d",
		drainNote, f.lost, len(f.load.accepted)+len(f.warm.accepted), f.dup, f.misrouted, f.redelivered)
	if f.dbChecked {
		r.printf("    database: %d load messages stored, %d accepted but not stored, %d stored twice, %d misrouted", f.db.stored, f.db.notStored, f.db.dup, f.db.misrouted)
		for _, d := range f.db.lostDetails {
			r.printf("    lost %s", d)
		}
	} else {
		r.printf("    database not checked (external server): dup and misrouted come from the agents' events only")
		if len(f.lostSeqs) > 0 {
			r.printf("    first lost sequence numbers: %v", f.lostSeqs[:min(len(f.lostSeqs), maxLostDetails)])
		}
	}
	r.printf("    events: %d extra copies, %d misrouted; replies: %d misrouted", f.evDup, f.evMisrouted, f.replies.misrouted)
	if f.inProcess {
		r.printf("  memory: RSS %.1f MB, peak %.1f MB (the whole bench process: server, load generator, agents); %d server warnings", f.rss, f.peak, f.warnings)
	} else {
		r.printf("  memory: bench process RSS %.1f MB (not the server's)", f.rss)
	}
	r.printf("Bounds (same disk, synchronous=%s):", cfg.Synchronous)
	r.printf("  raw %s, one %d-byte row per transaction, 1 goroutine: %.0f rows/s (%d in %.2fs)",
		f.sqlite.engine, boundRowBytes, f.sqlite.perSecond(), f.sqlite.rows, f.sqlite.elapsed.Seconds())
	bareShape := fmt.Sprintf("concurrency %d", cfg.Concurrency)
	if cfg.Rate > 0 {
		bareShape = fmt.Sprintf("open loop at %.0f/s", cfg.Rate)
	}
	r.printf("  bare net/http + HMAC + group commit, %s: %.0f req/s (%d in %.2fs, %d transactions), answer p50 %.2f ms, p99 %.2f ms; %s",
		bareShape, f.bare.load.perSecond(), f.bare.load.ok(), f.bare.load.elapsed.Seconds(), f.bare.batches,
		ms(percentile(f.bare.load.latencies, 0.5)), ms(bareP99), otherAnswers(f.bare.load))
	r.printf("  Switchboard / raw %s = %.2f, Switchboard / bare server = %.2f, answer p99 / bare p99 = %.2f",
		f.sqlite.engine, sqliteRatio, bareRatio, ratio(ms(answerP99), ms(bareP99)))

	r.set("webhooks_per_s", "%.0f", rate)
	if f.sqlite.engine == "PostgreSQL" {
		r.set("postgres_ratio", "%.2f", sqliteRatio)
		r.set("instances", "%d", max(cfg.Instances, 1))
	} else {
		r.set("sqlite_ratio", "%.2f", sqliteRatio)
	}
	r.set("bare_ratio", "%.2f", bareRatio)
	r.set("answer_p99_ms", "%.2f", ms(answerP99))
	r.set("e2e_p99_ms", "%.2f", ms(percentile(f.e2e, 0.99)))
	r.set("lost", "%d", f.lost)
	r.set("dup", "%d", f.dup)
	r.set("misrouted", "%d", f.misrouted)
	r.set("replies_per_s", "%.0f", f.repliesPerS)
	r.set("rss_mb", "%.1f", f.rss)
	r.set("custom_share", "%.2f", share)
	r.set("bare_p99_ms", "%.2f", ms(bareP99))
	r.set("p99_ratio", "%.2f", ratio(ms(answerP99), ms(bareP99)))
	r.set("agents", "%d", cfg.Agents)
	r.set("seen_after_taken", "%d", f.agents.leaked)
	if cfg.Service {
		r.set("offers_accepted", "%d", f.agents.takes)
		r.set("offers_missed", "%d", f.agents.missedOffers)
	}
	if cfg.Warmup {
		r.set("warmup_s", "%.2f", f.warm.took.Seconds())
		r.set("warmup_conversations", "%d", f.warm.conversations)
	}
	if cfg.Rate > 0 {
		r.set("target_rate", "%.0f", cfg.Rate)
		r.set("achieved_per_s", "%.0f", ratio(float64(len(f.load.accepted)), f.load.elapsed.Seconds()))
		sustained := 0
		if f.load.sustained(cfg.Duration) {
			sustained = 1
		}
		r.set("sustained", "%d", sustained)
		r.set("backlog_ms", "%.0f", ms(f.load.backlog(cfg.Duration)))
		r.set("send_lag_p99_ms", "%.2f", ms(percentile(f.load.lags, 0.99)))
	}
	return r
}

// otherAnswers describes the answers other than 200 and the requests without
// an answer.
func otherAnswers(r loadResult) string {
	var parts []string
	codes := make([]int, 0, len(r.statuses))
	for code := range r.statuses {
		if code != http.StatusOK {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	for _, code := range codes {
		parts = append(parts, fmt.Sprintf("%d× %d", r.statuses[code], code))
	}
	if r.transportErrs > 0 {
		parts = append(parts, fmt.Sprintf("%d without answer", r.transportErrs))
	}
	if len(parts) == 0 {
		return "no other answers"
	}
	return "also " + strings.Join(parts, ", ")
}
