package main

import (
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
	fs.StringVar(&cfg.PublicURL, "public-url", env("PUBLIC_URL", d.PublicURL), "URL messengers use to reach this server (SWITCHBOARD_PUBLIC_URL)")
	origins := fs.String("allowed-origins", env("ALLOWED_ORIGINS", ""), "comma-separated browser origins allowed to open websockets, e.g. app.example.com (SWITCHBOARD_ALLOWED_ORIGINS)")
	allowPrivate := fs.String("allow-private-urls", env("ALLOW_PRIVATE_URLS", "false"), "let tenant URLs reach private networks and plain http; sandboxes only (SWITCHBOARD_ALLOW_PRIVATE_URLS)")
	fs.StringVar(&cfg.Synchronous, "sqlite-synchronous", env("SQLITE_SYNCHRONOUS", d.Synchronous), "SQLite synchronous mode: FULL survives power loss, NORMAL only crashes (SWITCHBOARD_SQLITE_SYNCHRONOUS)")
	maxBody := fs.String("max-body-bytes", env("MAX_BODY_BYTES", strconv.FormatInt(d.MaxBodyBytes, 10)), "largest request body (SWITCHBOARD_MAX_BODY_BYTES)")
	maxDepth := fs.String("max-depth", env("MAX_DEPTH", strconv.Itoa(d.MaxDepth)), "deepest GraphQL operation (SWITCHBOARD_MAX_DEPTH)")
	maxComplexity := fs.String("max-complexity", env("MAX_COMPLEXITY", strconv.Itoa(d.MaxComplexity)), "most complex GraphQL operation (SWITCHBOARD_MAX_COMPLEXITY)")
	rateLimit := fs.String("rate-limit", env("RATE_LIMIT", strconv.FormatFloat(d.RateLimit, 'f', -1, 64)), "requests per second per token; 0 disables (SWITCHBOARD_RATE_LIMIT)")
	rateBurst := fs.String("rate-burst", env("RATE_BURST", strconv.Itoa(d.RateBurst)), "burst size of the rate limit (SWITCHBOARD_RATE_BURST)")
	sessionTTL := fs.String("session-ttl", env("SESSION_TTL", d.SessionTTL.String()), "login session lifetime (SWITCHBOARD_SESSION_TTL)")
	reopen := fs.String("reopen-window", env("REOPEN_WINDOW", d.ReopenWindow.String()), "a message this soon after a conversation closed reopens it (SWITCHBOARD_REOPEN_WINDOW)")
	fs.StringVar(&cfg.TelegramAPIURL, "telegram-api-url", env("TELEGRAM_API_URL", d.TelegramAPIURL), "Telegram Bot API base URL (SWITCHBOARD_TELEGRAM_API_URL)")
	cfg.SecretKey = env("SECRET_KEY", "")
	cfg.ProviderTimeout = d.ProviderTimeout
	cfg.KeepAlive = d.KeepAlive
	cfg.RetryBase = d.RetryBase
	cfg.MaxWebhookBytes = d.MaxWebhookBytes
	cfg.BcryptCost = d.BcryptCost
	return func() error {
		var err error
		parse := func(name string, f func() error) {
			if err == nil {
				if e := f(); e != nil {
					err = fmt.Errorf("--%s: %w", name, e)
				}
			}
		}
		parse("allow-private-urls", func() (e error) { cfg.AllowPrivateURLs, e = strconv.ParseBool(*allowPrivate); return })
		parse("max-body-bytes", func() (e error) { cfg.MaxBodyBytes, e = strconv.ParseInt(*maxBody, 10, 64); return })
		parse("max-depth", func() (e error) { cfg.MaxDepth, e = strconv.Atoi(*maxDepth); return })
		parse("max-complexity", func() (e error) { cfg.MaxComplexity, e = strconv.Atoi(*maxComplexity); return })
		parse("rate-limit", func() (e error) { cfg.RateLimit, e = strconv.ParseFloat(*rateLimit, 64); return })
		parse("rate-burst", func() (e error) { cfg.RateBurst, e = strconv.Atoi(*rateBurst); return })
		parse("reopen-window", func() (e error) { cfg.ReopenWindow, e = time.ParseDuration(*reopen); return })
		parse("session-ttl", func() (e error) { cfg.SessionTTL, e = time.ParseDuration(*sessionTTL); return })
		for _, o := range strings.Split(*origins, ",") {
			if o = strings.TrimSpace(o); o != "" {
				cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
			}
		}
		return err
	}
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
