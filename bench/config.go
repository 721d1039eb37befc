package bench

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Config is one bench run. Defaults gives the values of `switchboard bench`
// without flags; the command fills it from its flags and calls Run.
type Config struct {
	// URL and Token target an external server (its base URL and an admin API
	// token) instead of one started in-process.
	URL, Token string
	// DataDir holds the in-process database and the bounds' databases; empty
	// means a temporary folder, removed after.
	DataDir string
	// Agents are agents subscribed to inboxEvents over one websocket each.
	// Each conversation is owned by exactly one of them (see ownerOf), which
	// takes it and answers in it; the others ignore it.
	Agents int
	// Concurrency is the closed loop's senders (and the bare bound's). With
	// Rate it is the least number of open-loop senders.
	Concurrency int
	// Senders is distinct customers per account; 0 means 200, or Agents when
	// that is larger, so every agent owns conversations.
	Senders int
	// Duration is how long webhooks are posted (also the bare bound's).
	Duration time.Duration
	// Warmup opens every customer's conversation, and lets its owner take
	// it, before the timed load (see warmUp), so the load measures held
	// conversations rather than the first storm of new ones.
	Warmup bool
	// Service puts the load's accounts in a chat service once the agents
	// are subscribed (see joinService): each new conversation waits in its
	// queue and is offered to one READY agent, who accepts it, instead of
	// reaching every agent until its owner takes it.
	Service bool
	// Rate, when positive, makes the load open-loop: webhooks are scheduled at
	// Rate per second whatever the answers' latency, and each latency counts
	// from its scheduled time, so a server that falls behind shows it.
	Rate float64
	// Synchronous is SQLite's synchronous mode of the in-process server and
	// of both bounds: OFF, NORMAL, FULL or EXTRA.
	Synchronous string
	// CustomShare is the share of webhooks sent to a CUSTOM account.
	CustomShare float64
	// ReplyEvery makes owners answer every Nth inbound message; 0 never.
	ReplyEvery int64
	// DupEvery delivers every Nth webhook twice, to exercise deduplication.
	DupEvery int64
	// Drain bounds the wait, after the load, for every accepted webhook to
	// reach its agent and every reply its messenger.
	Drain time.Duration
	// SQLiteDuration is how long the raw SQLite bound is measured.
	SQLiteDuration time.Duration
	// TelegramListen is the fake Bot API's address; with URL, the external
	// server's Telegram API URL must point at it.
	TelegramListen string
	// CPUProfile, when set, is a file for a CPU profile of the load and drain.
	CPUProfile string

	// IdleAgents, when positive, runs the idle-agents mode with that many
	// connected, subscribed, idle agents.
	IdleAgents int
	// IdleSettle is how long the idle agents stay subscribed before the
	// server is measured; spanning a keep-alive interval or two counts what
	// pings cost.
	IdleSettle time.Duration
	// SeedMessages, when positive, runs the seeded-reads mode over a fresh
	// database of that many messages.
	SeedMessages int
	// Samples is how many times each seeded read is timed per role.
	Samples int
	// ServerCommand is the switchboard program, and any arguments before its
	// subcommand, that the idle-agents mode starts as a separate server
	// process; the bench adds "serve", --addr, --data-dir and the rest.
	ServerCommand []string
	// ServerEnv is that process's environment (nil: the bench's own).
	ServerEnv []string

	// DatabaseURL, when set, keeps the in-process server's data in that
	// PostgreSQL (as --database-url), and the raw bound is PostgreSQL's own
	// one-row commit rate instead of SQLite's.
	DatabaseURL string
	// NATSURL joins the in-process servers into a cluster (as --nats-url).
	NATSURL string
	// Instances is how many in-process servers run (default 1; more need
	// DatabaseURL and NATSURL). Webhooks go to the first; the agents connect
	// to each in turn, so most events cross from one instance to another.
	Instances int

	// SecretKey is the in-process server's SWITCHBOARD_SECRET_KEY (empty: a
	// key file in the data folder).
	SecretKey string
	// BcryptCost is the in-process server's password hashing cost; 0 is
	// bcrypt's default. Tests lower it.
	BcryptCost int
	// Progress receives progress lines and the first server warnings
	// (nil: discarded).
	Progress io.Writer
}

// Defaults returns the configuration of `switchboard bench` without flags.
func Defaults() Config {
	return Config{
		Agents:         4,
		Concurrency:    32,
		Duration:       10 * time.Second,
		Synchronous:    "FULL",
		CustomShare:    0.25,
		ReplyEvery:     10,
		DupEvery:       50,
		Drain:          10 * time.Second,
		SQLiteDuration: 3 * time.Second,
		TelegramListen: "127.0.0.1:0",
		IdleSettle:     20 * time.Second,
		Samples:        200,
	}
}

// ErrConfig wraps every problem Validate finds, so a command can tell a bad
// configuration (print usage) from a failed run.
var ErrConfig = errors.New("bench: bad configuration")

// Validate reports every problem of c at once.
func (c *Config) Validate() error {
	c.Synchronous = strings.ToUpper(strings.TrimSpace(c.Synchronous))
	var problems []string
	if c.URL != "" && c.Token == "" {
		problems = append(problems, "--url needs --token (an admin API token)")
	}
	if c.Agents < 1 || c.Concurrency < 1 || c.Senders < 0 {
		problems = append(problems, "--agents and --concurrency must be at least 1, --senders not negative")
	}
	if c.Duration <= 0 || c.Drain <= 0 || c.SQLiteDuration <= 0 {
		problems = append(problems, "--duration, --drain-timeout and --sqlite-duration must be positive")
	}
	if c.Rate < 0 {
		problems = append(problems, "--rate must not be negative")
	}
	if !slices.Contains([]string{"OFF", "NORMAL", "FULL", "EXTRA"}, c.Synchronous) {
		problems = append(problems, "--sqlite-synchronous must be OFF, NORMAL, FULL or EXTRA")
	}
	if c.CustomShare < 0 || c.CustomShare > 1 {
		problems = append(problems, "--custom-share must be between 0 and 1")
	}
	if c.ReplyEvery < 0 || c.DupEvery < 0 {
		problems = append(problems, "--reply-every and --dup-every must not be negative")
	}
	if c.IdleAgents < 0 || c.SeedMessages < 0 || c.Samples < 1 || c.IdleSettle <= 0 {
		problems = append(problems, "--idle-agents and --seed-messages must not be negative, --samples and --idle-settle must be positive")
	}
	if c.Service && c.Warmup {
		problems = append(problems, "--service and --warmup are separate ways to hand out conversations; give one")
	}
	if c.IdleAgents > 0 && c.SeedMessages > 0 {
		problems = append(problems, "--idle-agents and --seed-messages are separate modes; give one")
	}
	if (c.IdleAgents > 0 || c.SeedMessages > 0) && (c.URL != "" || c.Rate > 0) {
		problems = append(problems, "--idle-agents and --seed-messages start their own server and take no --url or --rate")
	}
	if c.Instances < 0 || (c.Instances > 1 && (c.DatabaseURL == "" || c.NATSURL == "")) {
		problems = append(problems, "--instances above 1 need --database-url and --nats-url")
	}
	if c.NATSURL != "" && c.DatabaseURL == "" {
		problems = append(problems, "--nats-url needs --database-url")
	}
	if (c.DatabaseURL != "" || c.NATSURL != "" || c.Instances > 1) && (c.URL != "" || c.IdleAgents > 0 || c.SeedMessages > 0) {
		problems = append(problems, "--database-url, --nats-url and --instances are for the load against in-process servers")
	}
	if c.IdleAgents > 0 && len(c.ServerCommand) == 0 {
		problems = append(problems, "--idle-agents needs a server command to start the server as a separate process")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrConfig, strings.Join(problems, "; "))
	}
	return nil
}

// senders is Senders with its default applied.
func (c Config) senders() int {
	if c.Senders > 0 {
		return c.Senders
	}
	return max(200, c.Agents)
}
