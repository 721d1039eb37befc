package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard/switchboard/bench/seed"
	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/server"
)

// BenchmarkSeededReads runs the reads `switchboard bench --seed-messages`
// times (the conversation list by last activity and a conversation's latest
// 50 messages, as the seeded tenant's admin and first agent) through the
// server's whole HTTP handler, middleware included, on a seeded database
// (SWITCHBOARD_BENCH_MESSAGES messages, 100,000 by default). The requests
// are the ones the generated client sends; only the network is left out, so
// -cpuprofile and -memprofile show the server's own cost.
// SWITCHBOARD_BENCH_DATA names a folder to seed once and reuse on later runs
// (seeding a million messages takes most of a minute).
//
//	go test -run '^$' -bench SeededReads -benchmem ./server/
func BenchmarkSeededReads(b *testing.B) {
	n := 100000
	if s := os.Getenv("SWITCHBOARD_BENCH_MESSAGES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("SWITCHBOARD_BENCH_MESSAGES=%q: want a positive number", s)
		}
	}
	ctx := context.Background()
	cfg := server.Defaults()
	cfg.DataDir = os.Getenv("SWITCHBOARD_BENCH_DATA")
	cfg.PublicURL = "http://127.0.0.1:1"
	cfg.RateLimit = 0
	cfg.WebhookRateLimit = 0
	// A reused folder holds the seed's first tenant under its default name;
	// its people are "admin", "agent-1"….
	tenant := "seed-1"
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "switchboard.db")); cfg.DataDir == "" || err != nil {
		if cfg.DataDir == "" {
			cfg.DataDir = b.TempDir()
		}
		db, sqlDB, err := store.Open(ctx, store.Options{DataDir: cfg.DataDir, Synchronous: cfg.Synchronous})
		if err != nil {
			b.Fatal(err)
		}
		sum, err := seed.Seed(ctx, sqlDB, seed.Options{Messages: n})
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		tenant = sum.Tenants[0].Name
	}
	// Logged as in production: JSON at info level, one line per request.
	srv, err := server.New(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	srv.Start()
	b.Cleanup(srv.Shutdown)
	h := srv.Handler()

	// The bodies are built once: only the server's work is measured.
	body := func(opName, query string, vars map[string]any) []byte {
		body, err := json.Marshal(map[string]any{"query": query, "operationName": opName, "variables": vars})
		if err != nil {
			b.Fatal(err)
		}
		return body
	}
	// took collects each request's duration for the percentiles.
	var took []time.Duration
	var cpu time.Duration
	report := func(b *testing.B) {
		if len(took) < 100 {
			return
		}
		if c := cpuTime() - cpu; c > 0 {
			b.ReportMetric(float64(c.Microseconds())/1000/float64(len(took)), "cpu-ms/op")
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	}
	post := func(token string, body []byte) []byte {
		start := time.Now()
		defer func() { took = append(took, time.Since(start)) }()
		r := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK || bytes.Contains(w.Body.Bytes(), []byte(`"errors"`)) {
			b.Fatalf("%s: %d %s", body, w.Code, w.Body.String())
		}
		return w.Body.Bytes()
	}
	for _, v := range []struct {
		role core.Role
		name string
	}{{core.RoleAdmin, "admin"}, {core.RoleAgent, "agent-1"}} {
		tok, _, err := srv.Auth.EnsureUser(ctx, tenant, v.name, v.role, "bench")
		if err != nil {
			b.Fatal(err)
		}
		list := body("ConversationList", client.ConversationList_Operation, map[string]any{"first": 50, "after": nil, "where": nil})
		var page struct {
			Data struct {
				Conversations struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
		}
		if err := json.Unmarshal(post(tok, list), &page); err != nil {
			b.Fatal(err)
		}
		var latest [][]byte
		for _, e := range page.Data.Conversations.Edges {
			latest = append(latest, body("LatestMessages", client.LatestMessages_Operation, map[string]any{"id": e.Node.ID, "last": 50, "before": nil}))
		}
		if len(latest) == 0 {
			b.Fatalf("%s sees no conversation", v.name)
		}
		b.Run("list_"+string(v.role), func(b *testing.B) {
			b.ReportAllocs()
			took = took[:0]
			cpu = cpuTime()
			defer report(b)
			// Labelled, with the goroutines gqlgen starts, so that
			// -tagfocus=read=list_ADMIN leaves the seeding out of a profile.
			pprof.Do(ctx, pprof.Labels("read", "list_"+string(v.role)), func(context.Context) {
				for b.Loop() {
					post(tok, list)
				}
			})
		})
		b.Run("latest_"+string(v.role), func(b *testing.B) {
			b.ReportAllocs()
			took = took[:0]
			cpu = cpuTime()
			defer report(b)
			i := 0
			pprof.Do(ctx, pprof.Labels("read", "latest_"+string(v.role)), func(context.Context) {
				for b.Loop() {
					post(tok, latest[i%len(latest)])
					i++
				}
			})
		})
	}
}
