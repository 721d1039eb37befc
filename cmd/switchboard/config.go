package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/server"
)

// env returns the SWITCHBOARD_ variable name, or def when unset.
func env(name, def string) string {
	if v, ok := os.LookupEnv("SWITCHBOARD_" + name); ok {
		return v
	}
	return def
}

// bcryptCost is the password hashing cost of every command; 0 is bcrypt's
// default. Only tests lower it: under the race detector one hash at the default
// cost (which the server computes at start) takes over a second.
var bcryptCost int

// serverDefaults is server.Defaults with the commands' hashing cost.
func serverDefaults() server.Config {
	d := server.Defaults()
	d.BcryptCost = bcryptCost
	return d
}

// bindConfig registers every server setting as a flag whose default comes from its
// SWITCHBOARD_* variable, then the built-in default. It returns a function that
// finishes parsing values that need conversion.
func bindConfig(fs *flag.FlagSet, cfg *server.Config) func() error {
	d := serverDefaults()
	fs.StringVar(&cfg.Addr, "addr", env("ADDR", d.Addr), "listen address (SWITCHBOARD_ADDR)")
	bindDataDir(fs, &cfg.DataDir)
	bindDatabaseURL(fs, &cfg.DatabaseURL)
	fs.StringVar(&cfg.NATSURL, "nats-url", env("NATS_URL", ""), "NATS that joins several instances on one PostgreSQL into a cluster, nats://host:4222 (default: one instance) (SWITCHBOARD_NATS_URL)")
	fs.StringVar(&cfg.PublicURL, "public-url", env("PUBLIC_URL", d.PublicURL), "URL messengers use to reach this server (SWITCHBOARD_PUBLIC_URL)")
	origins := fs.String("allowed-origins", env("ALLOWED_ORIGINS", ""), "comma-separated browser origins allowed to open websockets, e.g. app.example.com (SWITCHBOARD_ALLOWED_ORIGINS)")
	allowPrivate := boolFlag(fs, "allow-private-urls", env("ALLOW_PRIVATE_URLS", "false"), "let tenant URLs reach private networks and plain http; sandboxes only (SWITCHBOARD_ALLOW_PRIVATE_URLS)")
	fs.StringVar(&cfg.Synchronous, "sqlite-synchronous", env("SQLITE_SYNCHRONOUS", d.Synchronous), "SQLite synchronous mode: FULL survives power loss, NORMAL only crashes (SWITCHBOARD_SQLITE_SYNCHRONOUS)")
	maxBody := fs.String("max-body-bytes", env("MAX_BODY_BYTES", strconv.FormatInt(d.MaxBodyBytes, 10)), "largest request body (SWITCHBOARD_MAX_BODY_BYTES)")
	maxDepth := fs.String("max-depth", env("MAX_DEPTH", strconv.Itoa(d.MaxDepth)), "deepest GraphQL operation (SWITCHBOARD_MAX_DEPTH)")
	maxComplexity := fs.String("max-complexity", env("MAX_COMPLEXITY", strconv.Itoa(d.MaxComplexity)), "most complex GraphQL operation (SWITCHBOARD_MAX_COMPLEXITY)")
	rateLimit := fs.String("rate-limit", env("RATE_LIMIT", strconv.FormatFloat(d.RateLimit, 'f', -1, 64)), "requests per second per token; 0 disables (SWITCHBOARD_RATE_LIMIT)")
	rateBurst := fs.String("rate-burst", env("RATE_BURST", strconv.Itoa(d.RateBurst)), "burst size of the rate limit (SWITCHBOARD_RATE_BURST)")
	sessionTTL := fs.String("session-ttl", env("SESSION_TTL", d.SessionTTL.String()), "login session lifetime (SWITCHBOARD_SESSION_TTL)")
	offlineGrace := fs.String("offline-grace", env("OFFLINE_GRACE", d.OfflineGrace.String()), "an agent with no open connection for this long is set OFFLINE (SWITCHBOARD_OFFLINE_GRACE)")
	reopen := fs.String("reopen-window", env("REOPEN_WINDOW", d.ReopenWindow.String()), "a message this soon after a conversation closed reopens it (SWITCHBOARD_REOPEN_WINDOW)")
	eventRetention := fs.String("event-retention", env("EVENT_RETENTION", d.EventRetention.String()), "how long the event log keeps an event for subscriptions resuming from a cursor; 0 keeps all (SWITCHBOARD_EVENT_RETENTION)")
	webhookRetention := fs.String("webhook-retention", env("WEBHOOK_RETENTION", d.WebhookRetention.String()), "how long a processed webhook's raw body is kept (failed ones stay for replay); 0 keeps all (SWITCHBOARD_WEBHOOK_RETENTION)")
	fs.StringVar(&cfg.TelegramAPIURL, "telegram-api-url", env("TELEGRAM_API_URL", d.TelegramAPIURL), "Telegram Bot API base URL (SWITCHBOARD_TELEGRAM_API_URL)")
	apiURLs := fs.String("provider-api-urls", env("PROVIDER_API_URLS", ""), "messenger API base URLs for sandboxes, as key=url pairs separated by commas, e.g. viber=http://localhost:9000 (SWITCHBOARD_PROVIDER_API_URLS)")
	webhookRate := fs.String("webhook-rate-limit", env("WEBHOOK_RATE_LIMIT", strconv.FormatFloat(d.WebhookRateLimit, 'f', -1, 64)), "authentic webhooks per second one account may have stored; beyond it 429 with Retry-After; 0 disables (SWITCHBOARD_WEBHOOK_RATE_LIMIT)")
	gcMinHeap := fs.String("gc-min-heap", env("GC_MIN_HEAP", strconv.FormatInt(d.GCMinHeap, 10)), "heap bytes below which the garbage collector does not run; 0 leaves GOGC's default, as does a GOGC variable (SWITCHBOARD_GC_MIN_HEAP)")
	webhookBurst := fs.String("webhook-rate-burst", env("WEBHOOK_RATE_BURST", strconv.Itoa(d.WebhookRateBurst)), "burst size of the webhook rate limit (SWITCHBOARD_WEBHOOK_RATE_BURST)")
	cfg.SecretKey = env("SECRET_KEY", "")
	cfg.ProviderTimeout = d.ProviderTimeout
	cfg.KeepAlive = d.KeepAlive
	cfg.RetryBase = d.RetryBase
	cfg.MaxWebhookBytes = d.MaxWebhookBytes
	cfg.BcryptCost = d.BcryptCost
	return func() error {
		var err error
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		parse := func(name string, f func() error) {
			if err == nil {
				if e := f(); e != nil {
					// Name where the bad value came from: the flag, else its variable.
					source := "--" + name
					if !given[name] {
						source = "SWITCHBOARD_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
					}
					err = fmt.Errorf("%s: %w", source, e)
				}
			}
		}
		parse("allow-private-urls", func() (e error) { cfg.AllowPrivateURLs, e = strconv.ParseBool(allowPrivate.value); return })
		parse("max-body-bytes", func() (e error) { cfg.MaxBodyBytes, e = strconv.ParseInt(*maxBody, 10, 64); return })
		parse("max-depth", func() (e error) { cfg.MaxDepth, e = strconv.Atoi(*maxDepth); return })
		parse("max-complexity", func() (e error) { cfg.MaxComplexity, e = strconv.Atoi(*maxComplexity); return })
		parse("rate-limit", func() (e error) { cfg.RateLimit, e = strconv.ParseFloat(*rateLimit, 64); return })
		parse("rate-burst", func() (e error) { cfg.RateBurst, e = strconv.Atoi(*rateBurst); return })
		parse("reopen-window", func() (e error) { cfg.ReopenWindow, e = time.ParseDuration(*reopen); return })
		parse("offline-grace", func() (e error) { cfg.OfflineGrace, e = time.ParseDuration(*offlineGrace); return })
		parse("event-retention", func() (e error) { cfg.EventRetention, e = parseRetention(*eventRetention); return })
		parse("webhook-retention", func() (e error) { cfg.WebhookRetention, e = parseRetention(*webhookRetention); return })
		parse("session-ttl", func() (e error) { cfg.SessionTTL, e = time.ParseDuration(*sessionTTL); return })
		parse("webhook-rate-limit", func() (e error) { cfg.WebhookRateLimit, e = strconv.ParseFloat(*webhookRate, 64); return })
		parse("webhook-rate-burst", func() (e error) { cfg.WebhookRateBurst, e = strconv.Atoi(*webhookBurst); return })
		parse("gc-min-heap", func() (e error) { cfg.GCMinHeap, e = strconv.ParseInt(*gcMinHeap, 10, 64); return })
		parse("provider-api-urls", func() (e error) { cfg.ProviderAPIURLs, e = parseAPIURLs(*apiURLs); return })
		for _, o := range strings.Split(*origins, ",") {
			if o = strings.TrimSpace(o); o != "" {
				cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
			}
		}
		return err
	}
}

// parseRetention reads a retention: a duration, 0 for keeping everything.
// Less than an hour is refused: a resuming client or a provider's redelivery
// needs longer.
func parseRetention(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d != 0 && d < time.Hour {
		return 0, fmt.Errorf("want 0 (keep all) or at least 1h, got %s", s)
	}
	return d, nil
}

// parseAPIURLs reads "key=url,key=url" into a map by settings key.
func parseAPIURLs(s string) (map[string]string, error) {
	urls := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		key, u, ok := strings.Cut(pair, "=")
		if key = strings.TrimSpace(key); !ok || key == "" || !strings.HasPrefix(strings.TrimSpace(u), "http") {
			return nil, fmt.Errorf("want key=url pairs such as viber=https://chatapi.example.com, got %q", pair)
		}
		urls[key] = strings.TrimSpace(u)
	}
	return urls, nil
}

// envBool is a boolean flag that, like the flag package's own, takes no value:
// --name alone means true and --name=false false (a separate "--name false" would
// leave "false" as an argument). Its default is the text of its SWITCHBOARD_*
// variable, checked only when flags are finished, so a bad variable is reported
// rather than ignored.
type envBool struct{ value string }

// boolFlag registers an envBool named name with default def.
func boolFlag(fs *flag.FlagSet, name, def, usage string) *envBool {
	b := &envBool{value: def}
	fs.Var(b, name, usage)
	return b
}

// String gives the current value, as flag.Value requires.
func (b *envBool) String() string {
	if b == nil {
		return ""
	}
	return b.value
}

// Set takes a value given on the command line ("true" for a bare --name).
func (b *envBool) Set(s string) error {
	if _, err := strconv.ParseBool(s); err != nil {
		return errors.New("want true or false")
	}
	b.value = s
	return nil
}

// IsBoolFlag tells the flag package that the flag needs no value.
func (b *envBool) IsBoolFlag() bool { return true }

// bindDatabaseURL registers --database-url for every command that opens the
// data, so that serve and the admin commands (token create, keys rotate) read
// and write the same database: an admin command that fell back to a local
// SQLite file would print a token no server knows, or rotate a key away from
// the data that needs it.
func bindDatabaseURL(fs *flag.FlagSet, url *string) {
	fs.StringVar(url, "database-url", env("DATABASE_URL", ""), "PostgreSQL to keep the data in, postgres://user:password@host/db (default: SQLite in --data-dir) (SWITCHBOARD_DATABASE_URL)")
}

func bindDataDir(fs *flag.FlagSet, dir *string) {
	fs.StringVar(dir, "data-dir", env("DATA_DIR", server.Defaults().DataDir), "folder of the SQLite database and key file (SWITCHBOARD_DATA_DIR)")
}

// newLogger logs JSON lines to w at SWITCHBOARD_LOG_LEVEL (default info).
func newLogger(w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(env("LOG_LEVEL", "info"))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
