package graph_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/graph"
)

// The front end's hot reads are the client's ConversationList (by last
// activity, with contact, assignee and last message) and LatestMessages; this
// is ConversationList with totalCount, to show what counting costs.
const listCountQuery = `query ListCount($first: Int!) {
  conversations(first: $first, orderBy: {field: LAST_MESSAGE_AT, direction: DESC}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id status lastMessageAt assignee { id name } contact { id displayName avatarURL } lastMessage { id direction status text createdAt } } }
  }
}`

// statement is one SQL statement as ent sent it to the database.
type statement struct {
	query string
	args  []any
}

// recorder is an ent driver that notes every statement before running it, so
// a test can explain exactly what the resolvers and the core emit.
type recorder struct {
	*entsql.Driver
	mu    sync.Mutex
	stmts []statement
	// noted is closed by the next statement noted (see changed).
	noted chan struct{}
}

func (r *recorder) note(query string, args any) {
	a, _ := args.([]any)
	r.mu.Lock()
	r.stmts = append(r.stmts, statement{query, append([]any(nil), a...)})
	if r.noted != nil {
		close(r.noted)
		r.noted = nil
	}
	r.mu.Unlock()
}

// changed returns a channel closed when the next statement is noted; take
// it before take, so a statement noted between the two still closes it.
func (r *recorder) changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.noted == nil {
		r.noted = make(chan struct{})
	}
	return r.noted
}

// take returns the statements noted since the last call.
func (r *recorder) take() []statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.stmts
	r.stmts = nil
	return out
}

func (r *recorder) Query(ctx context.Context, query string, args, v any) error {
	r.note(query, args)
	return r.Driver.Query(ctx, query, args, v)
}

func (r *recorder) Exec(ctx context.Context, query string, args, v any) error {
	r.note(query, args)
	return r.Driver.Exec(ctx, query, args, v)
}

func (r *recorder) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	r.note(query, args)
	return r.Driver.QueryContext(ctx, query, args...)
}

func (r *recorder) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r.note(query, args)
	return r.Driver.ExecContext(ctx, query, args...)
}

func (r *recorder) Tx(ctx context.Context) (dialect.Tx, error) { return r.BeginTx(ctx, nil) }

func (r *recorder) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	tx, err := r.Driver.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &recordingTx{Tx: tx, r: r}, nil
}

type recordingTx struct {
	dialect.Tx
	r *recorder
}

func (t *recordingTx) Query(ctx context.Context, query string, args, v any) error {
	t.r.note(query, args)
	return t.Tx.Query(ctx, query, args, v)
}

func (t *recordingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.r.note(query, args)
	return t.Tx.Exec(ctx, query, args, v)
}

// env is a database with a recording client and the GraphQL schema over it.
type env struct {
	db     *sql.DB
	rec    *recorder
	client *ent.Client
	inbox  *inbox.Service
	exec   *executor.Executor
	// dialect is the database's (for seed.Options).
	dialect string
}

// newEnv opens a fresh database, on the test PostgreSQL when set (make
// test-postgres) and in dir otherwise; with record, every statement is noted.
func newEnv(t testing.TB, dir string, record bool) *env {
	t.Helper()
	return openEnv(t, store.Options{DataDir: dir, Synchronous: "NORMAL", DatabaseURL: storetest.DatabaseURL(t)}, record)
}

// newSQLiteEnv is newEnv on SQLite whatever the suite runs on, for the tests
// of SQLite's query plans.
func newSQLiteEnv(t testing.TB, dir string, record bool) *env {
	t.Helper()
	return openEnv(t, store.Options{DataDir: dir, Synchronous: "NORMAL"}, record)
}

func openEnv(t testing.TB, opts store.Options, record bool) *env {
	t.Helper()
	ctx := context.Background()
	if opts.DatabaseURL == "" {
		// A copy of one migrated SQLite template, not synced: no test here cuts the power.
		storetest.CopyMigrated(t, opts.DataDir)
		opts.Synchronous, opts.Migrated = "OFF", true
	}
	migrated, db, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { migrated.Close() })
	rec := &recorder{Driver: entsql.OpenDB(store.Dialect(opts), db)}
	var drv dialect.Driver = rec.Driver
	if record {
		drv = rec
	}
	client := ent.NewClient(ent.Driver(drv))
	ib := inbox.New(client, inbox.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Dialect: store.Dialect(opts)})
	exec := executor.New(graph.NewSchema(&graph.Resolver{Client: client, Inbox: ib, PublicURL: "https://switchboard.example.com"}))
	return &env{db: db, rec: rec, client: client, inbox: ib, exec: exec, dialect: store.Dialect(opts)}
}

// graphQL runs one operation as the viewer of ctx and decodes its data into out.
func (e *env) graphQL(ctx context.Context, query string, vars map[string]any, out any) error {
	ctx = graphql.StartOperationTrace(ctx)
	opCtx, errs := e.exec.CreateOperationContext(ctx, &graphql.RawParams{Query: query, Variables: vars})
	if errs != nil {
		return errs
	}
	responses, ctx := e.exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if len(resp.Errors) > 0 {
		return resp.Errors
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(resp.Data, out)
}

// plan returns SQLite's query plan of st as an indented tree.
func plan(ctx context.Context, db *sql.DB, st statement) (string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+st.query, st.args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	depth := map[int]int{}
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		depth[id] = depth[parent] + 1
		fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth[id]-1), detail)
	}
	return b.String(), rows.Err()
}

func asViewer(tenant, user int, role core.Role) context.Context {
	return core.WithViewer(context.Background(), core.Viewer{TenantID: tenant, UserID: user, Role: role})
}
