package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/switchboard/switchboard/bench"
)

// parseBenchFlags reads the flags of `switchboard bench` into a bench.Config.
func parseBenchFlags(args []string, stderr io.Writer) (bench.Config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := bench.Defaults()
	fs.StringVar(&cfg.URL, "url", "", "load an external server at this base URL instead of starting one in-process (needs --token; start it with --webhook-rate-limit 0)")
	fs.StringVar(&cfg.Token, "token", "", "admin API token of the --url server")
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "keep the in-process server's data in this PostgreSQL (postgres://…); the raw bound is then PostgreSQL's one-row commit rate")
	fs.StringVar(&cfg.NATSURL, "nats-url", "", "join the in-process servers into a cluster over this NATS (needs --database-url)")
	fs.IntVar(&cfg.Instances, "instances", 1, "in-process servers (more than 1 needs --database-url and --nats-url): webhooks go to the first, agents connect to each in turn")
	fs.StringVar(&cfg.DataDir, "data-dir", "", "folder of the in-process database and of the bounds' databases (default: a temporary folder, removed after)")
	fs.IntVar(&cfg.Agents, "agents", cfg.Agents, "agents subscribed to inboxEvents over one websocket each; each customer's conversations are owned by one of them, which takes and answers them")
	fs.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "goroutines posting webhooks in a closed loop (also used for the bare-server bound); with --rate, the least number of senders")
	fs.BoolVar(&cfg.Warmup, "warmup", false, "before the timed load, open every customer's conversation and let its owner take it, so the load measures held conversations (steady state) rather than the first storm of new ones every agent sees")
	fs.BoolVar(&cfg.Service, "service", false, "put the accounts in a chat service: new conversations queue and are offered to one READY agent each, who accepts (routing), instead of reaching every agent until their owner takes them")
	fs.IntVar(&cfg.Senders, "senders", 0, "distinct customers per account (Telegram chat IDs, custom sender IDs); default 200, or --agents when larger")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long to post webhooks (also the bare-server bound's duration)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "post webhooks in an open loop at this many per second (latency from each scheduled send time); 0 posts in a closed loop of --concurrency")
	fs.StringVar(&cfg.Synchronous, "sqlite-synchronous", cfg.Synchronous, "SQLite synchronous mode of the in-process server and of both bounds")
	fs.Float64Var(&cfg.CustomShare, "custom-share", cfg.CustomShare, "share of webhooks sent to a CUSTOM account; 0 sends Telegram only")
	fs.Int64Var(&cfg.ReplyEvery, "reply-every", cfg.ReplyEvery, "agents reply to every Nth inbound message of conversations they hold; 0 never")
	fs.Int64Var(&cfg.DupEvery, "dup-every", cfg.DupEvery, "every Nth webhook is delivered twice, to exercise deduplication; 0 never")
	fs.DurationVar(&cfg.Drain, "drain-timeout", cfg.Drain, "after the load, how long to wait for agents to see every accepted webhook and for replies to be delivered")
	fs.DurationVar(&cfg.SQLiteDuration, "sqlite-duration", cfg.SQLiteDuration, "how long to measure the raw SQLite bound")
	fs.StringVar(&cfg.TelegramListen, "telegram-listen", cfg.TelegramListen, "address of the fake Bot API; with --url, start the server with --telegram-api-url pointing at it")
	fs.IntVar(&cfg.IdleAgents, "idle-agents", 0, "instead of the load: hold this many connected, subscribed, idle agents against the server run as a separate process, and print its RSS per connection")
	fs.DurationVar(&cfg.IdleSettle, "idle-settle", cfg.IdleSettle, "with --idle-agents, how long they idle before the server is measured (a keep-alive interval or two)")
	fs.IntVar(&cfg.SeedMessages, "seed-messages", 0, "instead of the load: fill a fresh database with this many messages, then time the conversation list and the latest messages through GraphQL for an ADMIN and an AGENT")
	fs.IntVar(&cfg.Samples, "samples", cfg.Samples, "with --seed-messages, timed runs of each read per role")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the load and drain (the bench process: in-process server, load generator, agents) to this file")
	if err := fs.Parse(args); err != nil {
		return cfg, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "bench: unexpected arguments: "+strings.Join(fs.Args(), " "))
		return cfg, errUsage
	}
	cfg.SecretKey = env("SECRET_KEY", "")
	// --idle-agents runs this very program as the server.
	if exe, err := os.Executable(); err == nil {
		cfg.ServerCommand = []string{exe}
	}
	cfg.BcryptCost = bcryptCost
	cfg.Progress = stderr
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, strings.Replace(err.Error(), bench.ErrConfig.Error()+": ", "bench: ", 1))
		return cfg, errUsage
	}
	return cfg, nil
}

// benchCmd runs `switchboard bench`: the flags make a bench.Config, bench.Run
// does the work, and the report goes to stdout, its machine-readable line last.
// It fails when a check failed, after printing the report.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseBenchFlags(args, stderr)
	if err != nil {
		return err
	}
	rep, err := bench.Run(ctx, cfg)
	fmt.Fprint(stdout, rep.String())
	if errors.Is(err, bench.ErrConfig) {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	return err
}
