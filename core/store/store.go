// Package store opens Switchboard's database and gives the core the two things
// every write path needs: the request's transaction when there is one, and a way
// to run work only after that transaction commits.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	// The runtime registers the tenant-isolation hooks and interceptors.
	_ "github.com/switchboard/switchboard/ent/runtime"
	// SQLite is the embedded default database.
	_ "github.com/mattn/go-sqlite3"
	// PostgreSQL, through pgx's database/sql driver, for several instances.
	_ "github.com/jackc/pgx/v5/stdlib"
)

// Options configure the database: the embedded SQLite in DataDir, or the
// PostgreSQL that DatabaseURL names.
type Options struct {
	// DatabaseURL, when set (postgres://…), selects PostgreSQL.
	DatabaseURL string
	// DataDir holds switchboard.db (and, beside it, the secret key file).
	DataDir string
	// Synchronous is SQLite's synchronous pragma: FULL (default) survives a power
	// cut, NORMAL only a process crash.
	Synchronous string
	// Migrated opens the SQLite database without migrating it: for a copy of
	// a database this same build migrated. The tests copy one migrated
	// template per test instead of migrating each database (a schema diff per
	// test, serialised by the migration lock).
	Migrated bool
}

// DSN returns the go-sqlite3 connection string for opts.
func DSN(opts Options) string {
	sync := opts.Synchronous
	if sync == "" {
		sync = "FULL"
	}
	path := filepath.Join(opts.DataDir, "switchboard.db")
	return fmt.Sprintf("file:%s?_fk=1&_journal_mode=WAL&_busy_timeout=5000&_synchronous=%s&_txlock=immediate", path, sync)
}

// migrating serialises migrations within a process: ent's migrate mutates the
// package-level table descriptions it is given, so two databases opened at
// once (two servers in one test binary) would race.
var migrating sync.Mutex

// Dialect is the ent dialect of the database opts select.
func Dialect(opts Options) string {
	if IsPostgres(opts.DatabaseURL) {
		return dialect.Postgres
	}
	return dialect.SQLite
}

// IsPostgres reports whether url names a PostgreSQL database.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// migrationLock is the PostgreSQL advisory lock that instances starting
// together take around migrating, so the schema is migrated once at a time.
const migrationLock = 0x5377_6974_6368 // "Switch"

// Open creates the data folder if needed, opens the database and migrates the
// schema. The caller closes the client.
func Open(ctx context.Context, opts Options) (*ent.Client, *sql.DB, error) {
	if opts.DatabaseURL != "" {
		if !IsPostgres(opts.DatabaseURL) {
			return nil, nil, errors.New("store: the database URL must be postgres://…")
		}
		return openPostgres(ctx, opts.DatabaseURL)
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("store: create data folder: %w", err)
	}
	db, err := sql.Open("sqlite3", DSN(opts))
	if err != nil {
		return nil, nil, fmt.Errorf("store: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("store: open %s: %w", opts.DataDir, err)
	}
	client := ent.NewClient(ent.Driver(newSerialDriver(entsql.OpenDB(dialect.SQLite, db), db)))
	if opts.Migrated {
		return client, db, nil
	}
	migrating.Lock()
	err = closeTwins(ctx, db, false)
	if err == nil {
		// Indexes the schema no longer declares go: each costs every write.
		err = client.Schema.Create(ctx, schema.WithDropIndex(true))
	}
	migrating.Unlock()
	if err == nil {
		err = backfill(ctx, db)
	}
	if err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("store: migrate: %w", err)
	}
	return client, db, nil
}

// postgresIdleConns is how many PostgreSQL connections an instance keeps open
// between uses: enough for the writer, the lease and a busy moment's readers.
// (The number open is not bounded here: a request holding a transaction may
// wait for the writer, which needs a connection of its own.)
const postgresIdleConns = 32

// openPostgres opens PostgreSQL through pgx and migrates it under an
// advisory lock.
func openPostgres(ctx context.Context, url string) (*ent.Client, *sql.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, nil, fmt.Errorf("store: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		// pgx's error names the host, never the password.
		return nil, nil, fmt.Errorf("store: open PostgreSQL: %w", err)
	}
	// database/sql keeps two idle connections by default: under load every
	// other request would open a connection (a TCP and auth handshake) and
	// prepare its statements anew in it (pgx caches them per connection).
	db.SetMaxIdleConns(postgresIdleConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dialect.Postgres, db)))
	if err := migratePostgres(ctx, client, db); err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("store: migrate: %w", err)
	}
	return client, db, nil
}

func migratePostgres(ctx context.Context, client *ent.Client, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
	migrating.Lock()
	err = closeTwins(ctx, db, true)
	if err == nil {
		err = client.Schema.Create(ctx, schema.WithDropIndex(true))
	}
	migrating.Unlock()
	if err != nil {
		return err
	}
	return backfill(ctx, db)
}

// closeTwins closes every OPEN conversation of a contact but its newest,
// before the migration creates the index that allows one (conversation_one_open):
// earlier versions could open a second one (two instances, or a start beside
// a webhook), and the index could not be created over them. A database
// without the table yet (a new one) has nothing to close.
func closeTwins(ctx context.Context, db *sql.DB, postgres bool) error {
	exists := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'conversations'"
	if postgres {
		exists = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'conversations'"
	}
	var n int
	if err := db.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return fmt.Errorf("close twin conversations: %w", err)
	}
	if n == 0 {
		return nil
	}
	_, err := db.ExecContext(ctx, "UPDATE conversations SET status = 'CLOSED', closed_at = CURRENT_TIMESTAMP "+
		"WHERE status = 'OPEN' AND id NOT IN (SELECT MAX(id) FROM conversations WHERE status = 'OPEN' GROUP BY contact_id)")
	if err != nil {
		return fmt.Errorf("close twin conversations: %w", err)
	}
	return nil
}

// instanceLock is the PostgreSQL advisory lock a running instance holds.
const instanceLock = migrationLock + 1

// ErrOtherInstance means another Switchboard instance runs on the database.
// One instance per database for now: the reply dispatcher, the router and the
// event fan-out each run in the process, so a second one would send replies
// twice and its agents would miss the first one's events.
var ErrOtherInstance = errors.New("store: another Switchboard instance is running on this database (one instance per database for now)")

// HoldInstance takes the database's instance lock on PostgreSQL, for as long
// as the process runs; release gives it up. A second instance gets
// ErrOtherInstance at once. SQLite needs none: its file allows one writer
// process anyway.
func HoldInstance(ctx context.Context, db *sql.DB, opts Options) (release func(), err error) {
	if !IsPostgres(opts.DatabaseURL) {
		return func() {}, nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: instance lock: %w", err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", instanceLock).Scan(&got); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: instance lock: %w", err)
	}
	if !got {
		conn.Close()
		return nil, ErrOtherInstance
	}
	return func() {
		conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", instanceLock)
		conn.Close()
	}, nil
}

// backfill fills columns that a later version denormalizes, on rows written
// before it: conversations.last_message_id. Once filled, the rows it looks at
// are those without messages, found by the column's index, so it costs little
// on every start.
func backfill(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, "UPDATE conversations SET last_message_id = "+
		"(SELECT MAX(m.id) FROM messages AS m WHERE m.conversation_id = conversations.id) "+
		"WHERE last_message_id IS NULL AND EXISTS (SELECT 1 FROM messages AS m WHERE m.conversation_id = conversations.id)")
	if err != nil {
		return fmt.Errorf("backfill last messages: %w", err)
	}
	return nil
}

// Client returns the transactional client of the request when the GraphQL layer
// opened one, and fallback otherwise.
func Client(ctx context.Context, fallback *ent.Client) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return fallback
}

// AfterCommit runs fn once the request's transaction has committed, or at once
// when there is none. Events are published this way, so a subscriber never hears
// of a write that was then rolled back.
func AfterCommit(ctx context.Context, fn func()) {
	tx := ent.TxFromContext(ctx)
	if tx == nil {
		fn()
		return
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			if err := next.Commit(ctx, tx); err != nil {
				return err
			}
			fn()
			return nil
		})
	})
}

// Wrap adds what to err and turns ent's not-found and constraint errors into
// core.ErrNotFound and core.ErrConflict, which callers and the API branch on.
func Wrap(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case ent.IsNotFound(err):
		return fmt.Errorf("%s: %w", what, core.ErrNotFound)
	case ent.IsConstraintError(err):
		return fmt.Errorf("%s: %w", what, core.ErrConflict)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// WithTx runs fn in one transaction, visible to fn through its context (Client
// returns it), and commits when fn succeeds. AfterCommit hooks registered inside
// run after the commit. The core opens transactions itself, only around the
// writes that must be atomic, so no transaction is held across a call to a
// messenger's API.
func WithTx(ctx context.Context, client *ent.Client, fn func(ctx context.Context) error) error {
	if ent.TxFromContext(ctx) != nil {
		return fn(ctx)
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	txCtx := ent.NewTxContext(ent.NewContext(ctx, tx.Client()), tx)
	if err := fn(txCtx); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return fmt.Errorf("%w (rollback: %v)", err, rerr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
