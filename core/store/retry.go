package store

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// Retryable reports whether err is PostgreSQL undoing a transaction so that
// others could go on: a deadlock (40P01) or a serialization failure (40001).
// Several instances' writers commit concurrently there, and two batches that
// touch the same rows in another order deadlock; the whole transaction, run
// again, succeeds. SQLite's one writer never sees these.
func Retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}
