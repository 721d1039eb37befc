package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// stmtCache keeps statements prepared, so the hot path's statements are
// compiled once per connection instead of once per execution (SQLite's
// prepare costs about as much as running a small statement). database/sql
// prepares a cached statement again on each pooled connection it meets, and
// a transaction uses it through Tx.StmtContext.
//
// An IN list's text changes with its length (ent writes a placeholder per
// value: eager loading a page's contacts, assignees and last messages is
// `id IN (?, ?, …)` with as many as the page holds), so each length would be
// a statement of its own, and most would be one-offs. Lists longer than
// maxCachedListArgs are padded to the next power of two (see padLists) by
// repeating their last value, which leaves what the statement matches
// unchanged: a handful of statements serve every length, prepared once.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

const (
	// maxCachedStmts bounds the cache; statements past it run uncached.
	maxCachedStmts = 1024
	// maxCachedListArgs is the longest IN list cached as it is; longer ones
	// are padded.
	maxCachedListArgs = 8
	// maxPaddedList is the longest IN list padded; longer ones run uncached.
	maxPaddedList = 1024
)

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt)}
}

// get returns the prepared statement of query with its arguments, padded
// when it has long IN lists, or nil when it is not cached.
func (c *stmtCache) get(ctx context.Context, query string, args []any) (*sql.Stmt, []any) {
	if len(args) > maxCachedListArgs && strings.Contains(query, " IN (") {
		var ok bool
		if query, args, ok = padLists(query, args); !ok {
			return nil, nil
		}
	}
	return c.prepared(ctx, query), args
}

// prepared returns the cached statement of query, preparing it on first use,
// or nil when the cache is full or it does not prepare.
func (c *stmtCache) prepared(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxCachedStmts {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // run it unprepared; its error, if any, comes from there
	}
	c.m[query] = st
	return st
}

// close releases the statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

// cachedDB runs statements outside transactions through the cache.
type cachedDB struct {
	db    *sql.DB
	cache *stmtCache
}

// ExecContext runs a statement.
func (d cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st, stArgs := d.cache.get(ctx, query, args); st != nil {
		return st.ExecContext(ctx, stArgs...)
	}
	return d.db.ExecContext(ctx, query, args...)
}

// QueryContext runs a query.
func (d cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st, stArgs := d.cache.get(ctx, query, args); st != nil {
		return st.QueryContext(ctx, stArgs...)
	}
	return d.db.QueryContext(ctx, query, args...)
}

// cachedTx runs a transaction's statements through the cache.
type cachedTx struct {
	tx    *sql.Tx
	cache *stmtCache
}

// ExecContext runs a statement in the transaction.
func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st, stArgs := t.cache.get(ctx, query, args); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, stArgs...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction.
func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st, stArgs := t.cache.get(ctx, query, args); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, stArgs...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

// padLists pads every IN list of '?' placeholders longer than
// maxCachedListArgs to the next power of two, repeating the list's last
// argument: x IN (a, b, b, b) matches what x IN (a, b) does, NOT IN too. It
// reports false, leaving the statement as it was, when a list is longer than
// maxPaddedList or the placeholders and the arguments do not add up.
// Placeholders are counted outside quoted text ('…', "…", `…`).
func padLists(query string, args []any) (string, []any, bool) {
	var (
		b       strings.Builder
		out     []any
		arg     int // placeholders seen so far
		copied  int // arguments copied to out so far
		written int // bytes of query copied to b so far
	)
	for i := 0; i < len(query); i++ {
		switch c := query[i]; c {
		case '\'', '"', '`':
			end := strings.IndexByte(query[i+1:], c)
			if end < 0 {
				return query, args, false
			}
			i += end + 1
		case '?':
			arg++
		case ' ':
			if !strings.HasPrefix(query[i:], " IN (?") {
				continue
			}
			n, closing := placeholderList(query, i+len(" IN ("))
			if n <= maxCachedListArgs {
				continue // short, or not a list of placeholders only
			}
			if n > maxPaddedList || arg+n > len(args) {
				return query, args, false
			}
			padded := 16
			for padded < n {
				padded *= 2
			}
			if out == nil {
				b.Grow(len(query) + 3*padded)
				out = make([]any, 0, len(args)+padded-n)
			}
			b.WriteString(query[written:closing])
			out = append(out, args[copied:arg+n]...)
			for range padded - n {
				b.WriteString(", ?")
				out = append(out, args[arg+n-1])
			}
			written, copied = closing, arg+n
			arg += n
			i = closing
		}
	}
	if arg != len(args) {
		return query, args, false
	}
	if out == nil {
		return query, args, true
	}
	b.WriteString(query[written:])
	return b.String(), append(out, args[copied:]...), true
}

// placeholderList reads "?, ?, …, ?)" from query[start:] and returns how many
// placeholders it holds and where its closing parenthesis is; 0 when the text
// there is anything else.
func placeholderList(query string, start int) (n, closing int) {
	i := start
	for {
		if i >= len(query) || query[i] != '?' {
			return 0, 0
		}
		n++
		i++
		switch {
		case strings.HasPrefix(query[i:], ", "):
			i += 2
		case i < len(query) && query[i] == ')':
			return n, i
		default:
			return 0, 0
		}
	}
}
