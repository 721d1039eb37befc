package server_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/server"
)

// syncBuffer collects log output from the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testServer is a real Switchboard handler under httptest on a fresh SQLite file,
// with an admin client of the bootstrap tenant.
type testServer struct {
	srv        *server.Server
	http       *httptest.Server
	cfg        server.Config
	adminToken string
	admin      *client.Client
	logs       *syncBuffer
}

// newTestServer starts a test server. It runs its test in parallel with the
// others (see parallel) unless the test called alone first. Its database is a
// copy of a migrated template (SQLite) or a new PostgreSQL database, and
// SQLite does not sync to disk: no test here cuts the power.
func newTestServer(t *testing.T, configure ...func(*server.Config)) *testServer {
	t.Helper()
	parallel(t)
	cfg := server.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = storetest.DatabaseURL(t)
	if cfg.DatabaseURL == "" {
		storetest.CopyMigrated(t, cfg.DataDir)
		cfg.Migrated = true
		cfg.Synchronous = "OFF"
	}
	cfg.PublicURL = "https://switchboard.example.com"
	cfg.AllowPrivateURLs = true
	cfg.BcryptCost = bcrypt.MinCost
	cfg.RateLimit = 0
	// Without fsync a test's webhooks can outrun the production default;
	// the tests of the limit set it.
	cfg.WebhookRateLimit = 0
	cfg.KeepAlive = 500 * time.Millisecond
	for _, c := range configure {
		c(&cfg)
	}
	logs := &syncBuffer{}
	ctx := context.Background()
	srv, err := server.New(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.Start()
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	// Runs first: ends websockets so hs.Close does not wait for them.
	t.Cleanup(srv.Shutdown)
	token, err := srv.Auth.Bootstrap(ctx)
	if err != nil || token == "" {
		t.Fatalf("bootstrap: %q, %v", token, err)
	}
	return &testServer{srv: srv, http: hs, cfg: cfg, adminToken: token, admin: client.New(hs.URL, token), logs: logs}
}

// serial holds the tests that must not run beside others, and those already
// marked parallel (t.Parallel panics when called twice).
var serial sync.Map // *testing.T → bool (true: alone)

// alone keeps t from running in parallel with other tests, for tests that
// measure the process (CPU time) or change its global state (environment).
// Call it before newTestServer.
func alone(t *testing.T) { serial.Store(t, true) }

// parallel runs a top-level test in parallel with the other parallel tests,
// once, unless it asked to run alone. Subtests are left to their parent: it
// may rely on them ending before t.Run returns.
func parallel(t *testing.T) {
	if strings.Contains(t.Name(), "/") {
		return
	}
	if _, seen := serial.LoadOrStore(t, false); seen {
		return
	}
	t.Cleanup(func() { serial.Delete(t) })
	t.Parallel()
}

// as returns a client with token.
func (ts *testServer) as(token string) *client.Client { return client.New(ts.http.URL, token) }

// tenantAdmin creates another tenant with an admin and returns its client.
func (ts *testServer) tenantAdmin(t *testing.T, tenant string) *client.Client {
	t.Helper()
	token, _, err := ts.srv.Auth.EnsureUser(context.Background(), tenant, "boss", core.RoleAdmin, "test")
	if err != nil {
		t.Fatalf("EnsureUser: %v", err)
	}
	return ts.as(token)
}

// userToken creates a user with role in the admin's tenant and returns its API token.
func (ts *testServer) userToken(t *testing.T, name string, role client.UserRole) string {
	t.Helper()
	ctx := context.Background()
	u, err := client.CreateUser(ctx, ts.admin, client.CreateUserInput{Name: name, Role: role})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	tok, err := client.CreateApiToken(ctx, ts.admin, client.CreateApiTokenInput{UserId: u.CreateUser.Id, Name: "test"})
	if err != nil {
		t.Fatalf("CreateApiToken: %v", err)
	}
	return tok.CreateApiToken.Token
}

// errCode returns the extensions.code of the first GraphQL error in err.
func errCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		t.Fatalf("expected a GraphQL error, got none")
	}
	var list gqlerror.List
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("expected a GraphQL error list, got %T: %v", err, err)
	}
	code, _ := list[0].Extensions["code"].(string)
	return code
}

// errField returns extensions.field of the first GraphQL error in err.
func errField(t *testing.T, err error) string {
	t.Helper()
	var list gqlerror.List
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("expected a GraphQL error list, got %T: %v", err, err)
	}
	f, _ := list[0].Extensions["field"].(string)
	return f
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := errCode(t, err); got != code {
		t.Fatalf("error code = %q, want %q (error: %v)", got, code, err)
	}
}

func ptr[T any](v T) *T { return &v }

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}
