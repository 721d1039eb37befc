package supervision

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/switchboard/switchboard/ent"
)

// Aggregates in the words every database understands.

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

// dbTime scans a time that an aggregate (MIN, MAX) returns. PostgreSQL's
// drivers give a time.Time; SQLite's gives the stored text, because an
// aggregate has no declared column type to convert by.
type dbTime struct {
	time.Time
	Valid bool
}

// sqliteTimes are the layouts go-sqlite3 writes times in (the first) and
// reads them by.
var sqliteTimes = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// Scan implements sql.Scanner.
func (t *dbTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*t = dbTime{}
		return nil
	case time.Time:
		*t = dbTime{Time: v, Valid: true}
		return nil
	case []byte:
		return t.parse(string(v))
	case string:
		return t.parse(v)
	}
	return fmt.Errorf("supervision: cannot scan %T as a time", v)
}

func (t *dbTime) parse(s string) error {
	s = strings.TrimSuffix(s, "Z")
	for _, layout := range sqliteTimes {
		if p, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			*t = dbTime{Time: p, Valid: true}
			return nil
		}
	}
	return fmt.Errorf("supervision: cannot parse time %q", s)
}

// Value implements driver.Valuer, so a dbTime could be written back.
func (t dbTime) Value() (driver.Value, error) {
	if !t.Valid {
		return nil, nil
	}
	return t.Time, nil
}

// asStored returns t in the time zone the database's times were written in.
// SQLite keeps times as text with their offset and compares them as text, so
// a bound given in another zone (a client's UTC against the server's local
// time) would compare wrongly; the core writes times from time.Now, in the
// local zone. PostgreSQL compares instants and does not mind.
func asStored(t time.Time) time.Time { return t.Local() }
