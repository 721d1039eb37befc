package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"
)

// runOnceLock is the PostgreSQL advisory lock key of the run-once lease.
const runOnceLock = 0x53574c45415345 // "SWLEASE"

// Lease returns how an instance of a cluster takes the run-once lease on
// PostgreSQL: a session advisory lock held on a connection of its own, so the
// lease lasts exactly as long as that session. When the instance dies (even
// by SIGKILL) its connection closes, PostgreSQL releases the lock, and the
// next instance that asks (every check) takes over. The returned function
// blocks until the lease is held or ctx ends; lost is closed when the
// session is found broken (checked every check; default a second), release
// gives the lease up.
func Lease(db *sql.DB, check time.Duration) func(ctx context.Context) (lost <-chan struct{}, release func(), err error) {
	if check <= 0 {
		check = time.Second
	}
	return func(ctx context.Context) (<-chan struct{}, func(), error) {
		for {
			conn, err := db.Conn(ctx)
			if err != nil {
				return nil, nil, fmt.Errorf("store: lease: %w", err)
			}
			var held bool
			if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", runOnceLock).Scan(&held); err != nil {
				discard(conn)
				return nil, nil, fmt.Errorf("store: lease: %w", err)
			}
			if held {
				return watchLease(conn, check)
			}
			conn.Close()
			select {
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			case <-time.After(check):
			}
		}
	}
}

// watchLease checks the lease's session every check until it breaks or the
// lease is released.
func watchLease(conn *sql.Conn, check time.Duration) (<-chan struct{}, func(), error) {
	lost, stop, stopped := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(check)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), check)
				err := conn.PingContext(ctx)
				cancel()
				if err != nil {
					close(lost)
					return
				}
			}
		}
	}()
	release := func() {
		close(stop)
		<-stopped
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", runOnceLock)
		discard(conn)
	}
	return lost, release, nil
}

// discard closes conn's session instead of returning it to the pool: a
// session that held (or may still hold) an advisory lock must not serve
// other queries.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}
