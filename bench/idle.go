package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// IdleQuery is the subscription every idle agent holds: the inbox stream a
// support agent's screen keeps open all day.
const IdleQuery = `subscription { inboxEvents { cursor kind } }`

// IdleOptions say how many idle agents RunIdle holds against which server.
type IdleOptions struct {
	// URL is the server's base URL, such as http://127.0.0.1:8080.
	URL string
	// Tokens are the agents' API tokens; connection i authenticates with
	// Tokens[i%len(Tokens)].
	Tokens []string
	// Conns is how many connections to hold.
	Conns int
	// Dialers is how many connections are set up at once (default 32).
	Dialers int
	// Settle is how long every connection stays idle and subscribed before the
	// server is measured (default 5s). Make it span a keep-alive interval or
	// two, so that what pings cost is counted.
	Settle time.Duration
}

// IdleReport is what holding idle agents cost the server: its metrics before
// the first connection and with all of them open and subscribed. Against a
// server in the same process, the figures include the agents' own goroutines
// and memory.
type IdleReport struct {
	Conns int
	// Setup is the time from the first dial until the server held every
	// subscription.
	Setup time.Duration
	// Before and After are the server's metrics without and with the
	// connections.
	Before, After ServerSample
	// Pings are the server's pings the agents answered; Dropped are the
	// connections the server closed while they were held.
	Pings   int64
	Dropped int64
}

// ServerSample is one reading of the server's /metrics.
type ServerSample struct {
	RSS           float64 // process_resident_memory_bytes
	HeapInuse     float64 // go_memstats_heap_inuse_bytes
	StackInuse    float64 // go_memstats_stack_inuse_bytes
	Goroutines    float64 // go_goroutines
	Subscriptions float64 // switchboard_subscriptions_open
}

// per is what one connection added to a sample's field.
func (r IdleReport) per(field func(ServerSample) float64) float64 {
	if r.Conns == 0 {
		return 0
	}
	return (field(r.After) - field(r.Before)) / float64(r.Conns)
}

// RSSPerConn is the server's resident memory per connection, in bytes.
func (r IdleReport) RSSPerConn() float64 { return r.per(func(s ServerSample) float64 { return s.RSS }) }

// GoroutinesPerConn is the server's goroutines per connection.
func (r IdleReport) GoroutinesPerConn() float64 {
	return r.per(func(s ServerSample) float64 { return s.Goroutines })
}

// String reports the totals and per-connection figures on a few lines, the
// last one key=value pairs for scripts.
func (r IdleReport) String() string {
	const mib = 1 << 20
	heap := r.per(func(s ServerSample) float64 { return s.HeapInuse })
	stack := r.per(func(s ServerSample) float64 { return s.StackInuse })
	var b strings.Builder
	fmt.Fprintf(&b, "%d idle agents subscribed in %s; server RSS %.0f MiB (%.0f MiB before), %.0f goroutines (%.0f before)\n",
		r.Conns, r.Setup.Round(time.Millisecond), r.After.RSS/mib, r.Before.RSS/mib, r.After.Goroutines, r.Before.Goroutines)
	fmt.Fprintf(&b, "per connection: %.1f KiB RSS (%.1f KiB heap in use, %.1f KiB stacks), %.2f goroutines\n",
		r.RSSPerConn()/1024, heap/1024, stack/1024, r.GoroutinesPerConn())
	fmt.Fprintf(&b, "conns=%d rss_mib=%.1f rss_kib_per_conn=%.1f heap_kib_per_conn=%.1f stack_kib_per_conn=%.1f goroutines_per_conn=%.2f pings=%d dropped=%d\n",
		r.Conns, r.After.RSS/mib, r.RSSPerConn()/1024, heap/1024, stack/1024, r.GoroutinesPerConn(), r.Pings, r.Dropped)
	return b.String()
}

// RunIdle connects opts.Conns websockets to the server as its agents would
// (graphql-transport-ws, connection_init with a token, one inboxEvents
// subscription, pings answered), waits until the server holds every
// subscription, lets them idle for opts.Settle, reads the server's metrics,
// and closes them. It fails if the server refuses or drops a connection.
func RunIdle(ctx context.Context, opts IdleOptions) (report IdleReport, err error) {
	if opts.Conns <= 0 || len(opts.Tokens) == 0 || opts.URL == "" {
		return IdleReport{}, errors.New("bench: idle agents need a URL, tokens and a positive number of connections")
	}
	if opts.Dialers <= 0 {
		opts.Dialers = 32
	}
	if opts.Settle <= 0 {
		opts.Settle = 5 * time.Second
	}
	if err := checkOpenFiles(opts.Conns); err != nil {
		return IdleReport{}, err
	}
	base := strings.TrimRight(opts.URL, "/")
	hc := &http.Client{Timeout: 30 * time.Second}
	report.Conns = opts.Conns
	if report.Before, err = sampleServer(ctx, hc, base); err != nil {
		return report, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	agents := make([]*idleAgent, opts.Conns)
	var (
		readers sync.WaitGroup
		tally   idleTally
	)
	defer func() {
		cancel()
		for _, a := range agents {
			if a != nil {
				a.conn.CloseNow()
			}
		}
		readers.Wait()
		report.Pings, report.Dropped = tally.pings.Load(), tally.dropped.Load()
	}()
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/query"
	start := time.Now()
	next := make(chan int)
	dialErrs := make(chan error, opts.Dialers)
	var dialers sync.WaitGroup
	for range opts.Dialers {
		dialers.Go(func() {
			for i := range next {
				a, err := dialIdle(ctx, hc, wsURL, opts.Tokens[i%len(opts.Tokens)])
				if err != nil {
					dialErrs <- fmt.Errorf("bench: agent %d: %w", i, err)
					cancel()
					return
				}
				agents[i] = a
				readers.Go(func() { a.read(ctx, &tally) })
			}
		})
	}
feed:
	for i := range opts.Conns {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	dialers.Wait()
	select {
	case err := <-dialErrs:
		return report, err
	default:
	}
	if ctx.Err() != nil {
		return report, ctx.Err()
	}

	// graphql-transport-ws does not acknowledge a subscription: the server's
	// gauge says when it holds them all.
	want := report.Before.Subscriptions + float64(opts.Conns)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		s, err := sampleServer(ctx, hc, base)
		if err != nil {
			return report, err
		}
		if s.Subscriptions >= want {
			break
		}
		if n := tally.dropped.Load(); n > 0 {
			return report, fmt.Errorf("bench: the server closed %d connections before all were subscribed", n)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return report, fmt.Errorf("bench: %.0f of %d subscriptions open: %w", s.Subscriptions-report.Before.Subscriptions, opts.Conns, ctx.Err())
		}
	}
	report.Setup = time.Since(start)

	select {
	case <-time.After(opts.Settle):
	case <-ctx.Done():
		return report, ctx.Err()
	}
	if report.After, err = sampleServer(ctx, hc, base); err != nil {
		return report, err
	}
	if n := tally.dropped.Load(); n > 0 {
		return report, fmt.Errorf("bench: the server closed %d of %d idle connections", n, opts.Conns)
	}
	return report, nil
}

// checkOpenFiles says early, and clearly, when n connections cannot fit the
// process's open-file limit (Go raises the soft limit to the hard one).
func checkOpenFiles(n int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil
	}
	const spare = 64 // the metrics client, stdio, the runtime
	if uint64(n)+spare > lim.Cur {
		return fmt.Errorf("bench: %d connections need %d open files, this process may have %d", n, n+spare, lim.Cur)
	}
	return nil
}

// idleTally counts, across agents, the pings answered and the connections the
// server ended.
type idleTally struct {
	pings, dropped atomic.Int64
}

// idleAgent is one agent's websocket.
type idleAgent struct {
	conn *websocket.Conn
}

// dialIdle opens a websocket, authenticates with token and subscribes to the
// inbox.
func dialIdle(ctx context.Context, hc *http.Client, wsURL, token string) (*idleAgent, error) {
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dialCtx, wsURL, &websocket.DialOptions{
		HTTPClient:   hc,
		Subprotocols: []string{"graphql-transport-ws"},
	})
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	init, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": map[string]string{"Authorization": "Bearer " + token}})
	if err := conn.Write(dialCtx, websocket.MessageText, init); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("connection_init: %w", err)
	}
	if t, err := readType(dialCtx, conn); err != nil || t != "connection_ack" {
		conn.CloseNow()
		return nil, fmt.Errorf("connection_init answered %q: %v", t, err)
	}
	sub, _ := json.Marshal(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]string{"query": IdleQuery}})
	if err := conn.Write(dialCtx, websocket.MessageText, sub); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	return &idleAgent{conn: conn}, nil
}

// pong is the answer to the server's keep-alive ping.
var pong = []byte(`{"type":"pong"}`)

// read answers pings until ctx ends; a connection that ends before counts as
// dropped, as does a subscription the server completes or refuses.
func (a *idleAgent) read(ctx context.Context, tally *idleTally) {
	for {
		t, err := readType(ctx, a.conn)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil || t == "error" || t == "complete":
			tally.dropped.Add(1)
			a.conn.CloseNow()
			return
		case t == "ping":
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := a.conn.Write(wctx, websocket.MessageText, pong)
			cancel()
			if err != nil && ctx.Err() == nil {
				tally.dropped.Add(1)
				a.conn.CloseNow()
				return
			}
			tally.pings.Add(1)
		}
	}
}

// readType reads one graphql-transport-ws message and returns its type.
func readType(ctx context.Context, conn *websocket.Conn) (string, error) {
	_, data, err := conn.Read(ctx)
	if err != nil {
		return "", err
	}
	var m struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("message %q: %w", data, err)
	}
	return m.Type, nil
}

// sampleServer reads the figures of ServerSample from the server's /metrics.
func sampleServer(ctx context.Context, hc *http.Client, base string) (ServerSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return ServerSample{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return ServerSample{}, fmt.Errorf("bench: metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ServerSample{}, fmt.Errorf("bench: metrics: %s", resp.Status)
	}
	var s ServerSample
	fields := map[string]*float64{
		"process_resident_memory_bytes":  &s.RSS,
		"go_memstats_heap_inuse_bytes":   &s.HeapInuse,
		"go_memstats_stack_inuse_bytes":  &s.StackInuse,
		"go_goroutines":                  &s.Goroutines,
		"switchboard_subscriptions_open": &s.Subscriptions,
	}
	found := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if p := fields[name]; ok && p != nil {
			if *p, err = strconv.ParseFloat(strings.TrimSpace(value), 64); err != nil {
				return s, fmt.Errorf("bench: metrics: %s: %w", name, err)
			}
			found++
		}
	}
	if err := sc.Err(); err != nil {
		return s, fmt.Errorf("bench: metrics: %w", err)
	}
	if found != len(fields) {
		return s, fmt.Errorf("bench: metrics: %d of the %d series needed", found, len(fields))
	}
	return s, nil
}
