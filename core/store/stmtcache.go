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
// Long IN lists are not cached: their text changes with their length, and
// they would fill the cache with one-offs.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

const (
	// maxCachedStmts bounds the cache; statements past it run uncached.
	maxCachedStmts = 1024
	// maxCachedListArgs is the most arguments of a cached statement with an
	// IN list.
	maxCachedListArgs = 8
)

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt)}
}

// get returns the prepared statement of query, or nil when it is not cached.
func (c *stmtCache) get(ctx context.Context, query string, args int) *sql.Stmt {
	if args > maxCachedListArgs && strings.Contains(query, " IN (") {
		return nil
	}
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
	if st := d.cache.get(ctx, query, len(args)); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.db.ExecContext(ctx, query, args...)
}

// QueryContext runs a query.
func (d cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.cache.get(ctx, query, len(args)); st != nil {
		return st.QueryContext(ctx, args...)
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
	if st := t.cache.get(ctx, query, len(args)); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction.
func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.cache.get(ctx, query, len(args)); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}
