// Command idleagents holds idle agent connections against a running
// switchboard server and prints what they cost it (bench.RunIdle). It is a
// stopgap until `switchboard bench` runs the same measurement.
//
//	switchboard serve --addr 127.0.0.1:8080 --rate-limit 0 &
//	go run ./bench/cmd/idleagents --url http://127.0.0.1:8080 --token <admin token> --conns 10000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/bench"
	"github.com/switchboard/switchboard/client"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	url := flag.String("url", "http://127.0.0.1:8080", "base URL of the server")
	token := flag.String("token", "", "admin API token, to create the agents (the server needs --rate-limit 0 for that)")
	conns := flag.Int("conns", 1000, "connections to hold")
	agents := flag.Int("agents", 0, "distinct agents the connections share (default: one per connection)")
	settle := flag.Duration("settle", 20*time.Second, "how long the connections idle before the server is measured")
	flag.Parse()
	if *token == "" {
		return fmt.Errorf("--token is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *agents <= 0 {
		*agents = *conns
	}
	start := time.Now()
	prefix := "idle-" + strconv.FormatInt(start.Unix(), 36)
	tokens, err := bench.AgentTokens(ctx, client.New(*url, *token), prefix, *agents)
	if err != nil {
		return err
	}
	fmt.Printf("created %d agents in %s\n", len(tokens), time.Since(start).Round(time.Millisecond))
	r, err := bench.RunIdle(ctx, bench.IdleOptions{URL: *url, Tokens: tokens, Conns: *conns, Settle: *settle})
	fmt.Print(r)
	return err
}
