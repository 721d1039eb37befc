package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func ints(from, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = from + i
	}
	return out
}

// TestPadLists pads long IN lists of placeholders to powers of two with the
// list's last argument and leaves everything else alone.
func TestPadLists(t *testing.T) {
	list := func(n int) string { return "`t`.`id` IN (" + placeholders(n) + ")" }
	for _, c := range []struct {
		name      string
		query     string
		args      []any
		wantQuery string
		wantArgs  []any
		ok        bool
	}{
		{"short list", "SELECT a FROM t WHERE " + list(3) + " AND tenant_id = ?", ints(1, 4),
			"SELECT a FROM t WHERE " + list(3) + " AND tenant_id = ?", ints(1, 4), true},
		{"long list", "SELECT a FROM t WHERE " + list(9) + " AND tenant_id = ?", append(ints(1, 9), "x"),
			"SELECT a FROM t WHERE " + list(16) + " AND tenant_id = ?",
			append(append(ints(1, 9), 9, 9, 9, 9, 9, 9, 9), "x"), true},
		{"args before and after", "SELECT a FROM t WHERE b = ? AND " + list(20) + " AND c = ? LIMIT 3", append(append([]any{"b"}, ints(1, 20)...), "c"),
			"SELECT a FROM t WHERE b = ? AND " + list(32) + " AND c = ? LIMIT 3",
			append(append(append([]any{"b"}, ints(1, 20)...), 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20), "c"), true},
		{"a power of two", "DELETE FROM t WHERE " + list(16), ints(1, 16), "DELETE FROM t WHERE " + list(16), ints(1, 16), true},
		{"two lists, NOT IN", "SELECT a FROM t WHERE x NOT IN (" + placeholders(10) + ") AND y IN (" + placeholders(17) + ")", ints(1, 27),
			"SELECT a FROM t WHERE x NOT IN (" + placeholders(16) + ") AND y IN (" + placeholders(32) + ")",
			append(append(append(ints(1, 10), 10, 10, 10, 10, 10, 10), ints(11, 17)...), 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27), true},
		{"quoted question marks", "SELECT a FROM t WHERE s = 'why?' AND `odd?` = ? AND " + list(9), ints(0, 10),
			"SELECT a FROM t WHERE s = 'why?' AND `odd?` = ? AND " + list(16), append(ints(0, 10), 9, 9, 9, 9, 9, 9, 9), true},
		{"subquery", "SELECT a FROM t WHERE id IN (SELECT b FROM u WHERE c IN (" + placeholders(12) + "))", ints(1, 12),
			"SELECT a FROM t WHERE id IN (SELECT b FROM u WHERE c IN (" + placeholders(16) + "))", append(ints(1, 12), 12, 12, 12, 12), true},
		{"not only placeholders", "SELECT a FROM t WHERE id IN (?, ?, ?, ?, ?, ?, ?, ?, ?, 10)", ints(1, 9),
			"SELECT a FROM t WHERE id IN (?, ?, ?, ?, ?, ?, ?, ?, ?, 10)", ints(1, 9), true},
		{"too long", "SELECT a FROM t WHERE " + list(maxPaddedList+1), ints(1, maxPaddedList+1),
			"SELECT a FROM t WHERE " + list(maxPaddedList+1), ints(1, maxPaddedList+1), false},
		{"arguments do not add up", "SELECT a FROM t WHERE " + list(9), ints(1, 8),
			"SELECT a FROM t WHERE " + list(9), ints(1, 8), false},
		{"unterminated quote", "SELECT a FROM t WHERE s = 'x AND " + list(9), ints(1, 9),
			"SELECT a FROM t WHERE s = 'x AND " + list(9), ints(1, 9), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, args, ok := padLists(c.query, c.args)
			if q != c.wantQuery || !reflect.DeepEqual(args, c.wantArgs) || ok != c.ok {
				t.Errorf("padLists =\n\t%s\n\t%v %v\nwant\n\t%s\n\t%v %v", q, args, ok, c.wantQuery, c.wantArgs, c.ok)
			}
		})
	}
}

// TestCachedListsMatchUncached runs IN and NOT IN lists of every length up
// to 70, on the primary key, an indexed column (several rows per value) and
// a column without index, through the cache and straight through SQLite:
// the same rows, and a few statements prepared for all of them.
func TestCachedListsMatchUncached(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, tenant TEXT, grp INTEGER, loose INTEGER); CREATE INDEX t_grp ON t (grp)"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 300; i++ {
		if _, err := db.ExecContext(ctx, "INSERT INTO t (id, tenant, grp, loose) VALUES (?, ?, ?, ?)", i, fmt.Sprint("t", i%3), i%90, i%90); err != nil {
			t.Fatal(err)
		}
	}
	cache := newStmtCache(db)
	defer cache.close()
	cached := cachedDB{db, cache}
	ids := func(rows *sql.Rows, err error) []int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	for n := 1; n <= 70; n++ {
		for _, op := range []string{"id IN", "id NOT IN", "grp IN", "loose IN"} {
			q := "SELECT id FROM t WHERE tenant <> ? AND " + op + " (" + placeholders(n) + ") ORDER BY id"
			args := append([]any{"t0"}, ints(n, n)...) // ids n..2n-1
			got := ids(cached.QueryContext(ctx, q, args...))
			want := ids(db.QueryContext(ctx, q, args...))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s list of %d: %v through the cache, %v without", op, n, got, want)
			}
		}
	}
	// 1..8 as they are, then 16, 32, 64 and 128, for each.
	if len(cache.m) != 4*(8+4) {
		t.Errorf("%d statements prepared", len(cache.m))
	}
}
