package supervision

import (
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/switchboard/switchboard/ent"
)

// SQL in the words every database understands.

// countOf counts the rows where column is not null, as alias.
func countOf(column, alias string) ent.AggregateFunc {
	return func(s *sql.Selector) string { return sql.As(sql.Count(s.C(column)), alias) }
}

// countTrue counts the rows where the boolean column holds, as alias.
func countTrue(column, alias string) ent.AggregateFunc {
	return func(s *sql.Selector) string {
		return sql.As("COUNT(CASE WHEN "+s.C(column)+" THEN 1 END)", alias)
	}
}

// asStored returns t in the time zone the database's times were written in.
// SQLite keeps times as text with their offset and compares them as text, so
// a bound given in another zone (a client's UTC against the server's local
// time) would compare wrongly; the core writes times from time.Now, in the
// local zone. PostgreSQL compares instants and does not mind.
func asStored(t time.Time) time.Time { return t.Local() }
