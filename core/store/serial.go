package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// serialDriver lets one write (a transaction or a single statement) at a time
// reach SQLite, queueing the others in Go. SQLite allows one writer anyway; when
// several try at once, the losers sleep in SQLite's busy handler (1, 2, 5, 10…
// 100 ms), which wrecks latency under load. Reads outside transactions go
// straight through: in WAL mode they never wait for the writer.
//
// Code holding a transaction must not write through the root client in the same
// goroutine (it would wait for itself); the core always uses the transaction's
// client inside a transaction.
type serialDriver struct {
	*entsql.Driver
	db    *sql.DB
	conn  entsql.Conn
	cache *stmtCache
	sem   chan struct{}
}

func newSerialDriver(d *entsql.Driver, db *sql.DB) *serialDriver {
	cache := newStmtCache(db)
	return &serialDriver{Driver: d, db: db, cache: cache, conn: entsql.Conn{ExecQuerier: cachedDB{db, cache}}, sem: make(chan struct{}, 1)}
}

// Query runs a read with the statement cache; reads never wait for the writer.
func (d *serialDriver) Query(ctx context.Context, query string, args, v any) error {
	return d.conn.Query(ctx, query, args, v)
}

// QueryContext runs a raw read (ent's FeatureExecQuery).
func (d *serialDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.conn.QueryContext(ctx, query, args...)
}

// Close releases the cached statements and the database.
func (d *serialDriver) Close() error {
	d.cache.close()
	return d.Driver.Close()
}

func (d *serialDriver) lock(ctx context.Context) error {
	select {
	case d.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *serialDriver) unlock() { <-d.sem }

// Exec runs a write statement on its own.
func (d *serialDriver) Exec(ctx context.Context, query string, args, v any) error {
	if err := d.lock(ctx); err != nil {
		return err
	}
	defer d.unlock()
	return d.conn.Exec(ctx, query, args, v)
}

// ExecContext runs a raw write statement on its own.
func (d *serialDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := d.lock(ctx); err != nil {
		return nil, err
	}
	defer d.unlock()
	return d.conn.ExecContext(ctx, query, args...)
}

// Tx begins a transaction once no other write is running; it holds the turn
// until it commits or rolls back.
func (d *serialDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	return d.BeginTx(ctx, nil)
}

// BeginTx is Tx with options.
func (d *serialDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	if err := d.lock(ctx); err != nil {
		return nil, err
	}
	tx, err := d.db.BeginTx(ctx, opts)
	if err != nil {
		d.unlock()
		return nil, err
	}
	etx := &entsql.Tx{Conn: entsql.Conn{ExecQuerier: cachedTx{tx, d.cache}}, Tx: tx}
	return &serialTx{Tx: etx, release: sync.OnceFunc(d.unlock)}, nil
}

// serialTx gives the turn back when it ends.
type serialTx struct {
	dialect.Tx
	release func()
}

// Commit ends the transaction and gives the write turn back.
func (t *serialTx) Commit() error {
	defer t.release()
	return t.Tx.Commit()
}

// Rollback undoes the transaction and gives the write turn back.
func (t *serialTx) Rollback() error {
	defer t.release()
	return t.Tx.Rollback()
}

// QueryContext runs raw SQL in the transaction (ent's FeatureExecQuery).
func (t *serialTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q, ok := t.Tx.(interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	})
	if !ok {
		return nil, errors.New("store: transaction cannot run raw queries")
	}
	return q.QueryContext(ctx, query, args...)
}

// ExecContext runs a raw statement in the transaction.
func (t *serialTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	e, ok := t.Tx.(interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	})
	if !ok {
		return nil, errors.New("store: transaction cannot run raw statements")
	}
	return e.ExecContext(ctx, query, args...)
}
