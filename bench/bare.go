package bench

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/core/store"
)

// The bounds measure, on the same disk with the same SQLite settings, what a
// durable webhook server cannot beat: SQLite committing one message-sized row per
// transaction, and a bare net/http server that does the least such a server must
// (check an HMAC, commit the body with group commit, answer after the commit).

// boundRowBytes is the size of one stored row: a typical webhook body.
const boundRowBytes = 1024

// openBoundDB opens a database in dir with exactly the server's DSN (WAL, the
// same synchronous mode, immediate transactions) and one table of rows.
func openBoundDB(ctx context.Context, dir, synchronous string) (*sql.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("bound database folder: %w", err)
	}
	db, err := sql.Open("sqlite3", store.DSN(store.Options{DataDir: dir, Synchronous: synchronous}))
	if err != nil {
		return nil, fmt.Errorf("open bound database: %w", err)
	}
	// One writer, as in the server: SQLite serialises writes anyway.
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("create bound table: %w", err)
	}
	return db, nil
}

// sqliteBound is the raw SQLite rate of one 1 KiB row per transaction from one
// goroutine.
type sqliteBound struct {
	rows    int
	elapsed time.Duration
	// engine names the database measured: "SQLite" or "PostgreSQL".
	engine string
}

// perSecond is rows committed per second.
func (b sqliteBound) perSecond() float64 {
	if b.elapsed <= 0 {
		return 0
	}
	return float64(b.rows) / b.elapsed.Seconds()
}

// measureSQLite inserts one 1 KiB row per transaction for duration into a fresh
// database in dir.
func measureSQLite(ctx context.Context, dir, synchronous string, duration time.Duration) (sqliteBound, error) {
	db, err := openBoundDB(ctx, dir, synchronous)
	if err != nil {
		return sqliteBound{}, err
	}
	defer db.Close()
	stmt, err := db.PrepareContext(ctx, `INSERT INTO rows (body) VALUES (?)`)
	if err != nil {
		return sqliteBound{}, fmt.Errorf("sqlite bound: prepare: %w", err)
	}
	defer stmt.Close()
	body := make([]byte, boundRowBytes)
	rand.Read(body)
	b := sqliteBound{engine: "SQLite"}
	start := time.Now()
	for time.Since(start) < duration && ctx.Err() == nil {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return b, fmt.Errorf("sqlite bound: begin: %w", err)
		}
		if _, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, body); err != nil {
			tx.Rollback()
			return b, fmt.Errorf("sqlite bound: insert: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return b, fmt.Errorf("sqlite bound: commit: %w", err)
		}
		b.rows++
	}
	b.elapsed = time.Since(start)
	return b, ctx.Err()
}

// measurePostgres is measureSQLite on the PostgreSQL at url: one 1 KiB row
// per transaction from one goroutine, into a table of this run dropped after.
func measurePostgres(ctx context.Context, url, runID string, duration time.Duration) (sqliteBound, error) {
	b := sqliteBound{engine: "PostgreSQL"}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return b, fmt.Errorf("postgres bound: %w", err)
	}
	defer db.Close()
	table := "bench_bound_" + runID
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (id BIGSERIAL PRIMARY KEY, body BYTEA NOT NULL)"); err != nil {
		return b, fmt.Errorf("postgres bound: create: %w", err)
	}
	defer db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE "+table)
	body := make([]byte, boundRowBytes)
	rand.Read(body)
	start := time.Now()
	for time.Since(start) < duration && ctx.Err() == nil {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return b, fmt.Errorf("postgres bound: begin: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+table+" (body) VALUES ($1)", body); err != nil {
			tx.Rollback()
			return b, fmt.Errorf("postgres bound: insert: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return b, fmt.Errorf("postgres bound: commit: %w", err)
		}
		b.rows++
	}
	b.elapsed = time.Since(start)
	return b, ctx.Err()
}

// errWriterStopped answers requests that arrive after the group-commit writer
// stopped.
var errWriterStopped = errors.New("group-commit writer stopped")

// rowJob is one row waiting for the group-commit writer.
type rowJob struct {
	body []byte
	done chan error
}

// groupWriter commits rows in batches: every row queued when a transaction
// starts shares it, and each submitter is answered after the commit. It is the
// same technique as Switchboard's webhook writer, without anything else.
type groupWriter struct {
	db      *sql.DB
	jobs    chan *rowJob
	stopped chan struct{}
	// batches and rows count commits and rows committed (read after stop).
	batches, rows int
}

// maxBoundBatch bounds the rows of one transaction, as the server's writer does.
const maxBoundBatch = 256

// run commits batches until ctx ends; its caller owns the goroutine.
func (g *groupWriter) run(ctx context.Context) {
	defer close(g.stopped)
	batch := make([]*rowJob, 0, maxBoundBatch)
	for {
		var first *rowJob
		select {
		case <-ctx.Done():
			return
		case first = <-g.jobs:
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBoundBatch {
			select {
			case j := <-g.jobs:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		err := g.commit(batch)
		if err == nil {
			g.batches++
			g.rows += len(batch)
		}
		for _, j := range batch {
			j.done <- err
		}
	}
}

// commit stores batch in one transaction; it is not cancelled, so every job the
// writer took gets a definite answer.
func (g *groupWriter) commit(batch []*rowJob) error {
	ctx := context.Background()
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	for _, j := range batch {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rows (body) VALUES (?)`, j.body); err != nil {
			tx.Rollback()
			return fmt.Errorf("insert: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// submit queues body and waits until it is committed or failed.
func (g *groupWriter) submit(ctx context.Context, body []byte) error {
	j := &rowJob{body: body, done: make(chan error, 1)}
	select {
	case g.jobs <- j:
	case <-g.stopped:
		return errWriterStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-j.done
}

// bareSignatureHeader carries the hex HMAC-SHA256 of the body.
const bareSignatureHeader = "X-Bench-Signature"

// bareHandler answers 200 only after the HMAC-checked body is committed.
func bareHandler(key []byte, g *groupWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "could not read body", http.StatusBadRequest)
			return
		}
		sig, err := hex.DecodeString(r.Header.Get(bareSignatureHeader))
		m := hmac.New(sha256.New, key)
		m.Write(body)
		if err != nil || !hmac.Equal(sig, m.Sum(nil)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if err := g.submit(r.Context(), body); err != nil {
			http.Error(w, "not stored", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// bareBound is the bare server's result.
type bareBound struct {
	load    loadResult
	batches int
	rows    int
}

// measureBare runs the bare server on loopback with a fresh database in dir and
// loads it, in shape, with signed 1 KiB bodies.
func measureBare(ctx context.Context, dir, synchronous string, shape loadShape) (bareBound, error) {
	db, err := openBoundDB(ctx, dir, synchronous)
	if err != nil {
		return bareBound{}, err
	}
	defer db.Close()
	key := make([]byte, 32)
	rand.Read(key)

	writerCtx, stopWriter := context.WithCancel(ctx)
	g := &groupWriter{db: db, jobs: make(chan *rowJob), stopped: make(chan struct{})}
	go g.run(writerCtx)
	defer func() {
		stopWriter()
		<-g.stopped
	}()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return bareBound{}, fmt.Errorf("bare server: listen: %w", err)
	}
	hs := &http.Server{
		Handler:           bareHandler(key, g),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	url := "http://" + ln.Addr().String() + "/hook"

	hc := newLoadClient(shape.goroutines())
	load := shape.run(ctx, hc, func(ctx context.Context, w *loadWorker, at time.Time) {
		body := make([]byte, boundRowBytes)
		prefix := "bare " + strconv.Itoa(w.id) + " " + strconv.FormatInt(time.Now().UnixNano(), 10) + " "
		copy(body, prefix)
		for i := len(prefix); i < len(body); i++ {
			body[i] = 'x'
		}
		m := hmac.New(sha256.New, key)
		m.Write(body)
		w.post(ctx, url, http.Header{
			"Content-Type":      {"application/octet-stream"},
			bareSignatureHeader: {hex.EncodeToString(m.Sum(nil))},
		}, body, at)
	})
	hc.CloseIdleConnections()

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return bareBound{}, fmt.Errorf("bare server: shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return bareBound{}, fmt.Errorf("bare server: serve: %w", err)
	}
	stopWriter()
	<-g.stopped
	return bareBound{load: load, batches: g.batches, rows: g.rows}, ctx.Err()
}
