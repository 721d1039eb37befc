// Package storetest gives tests a database of their own: a copy of a migrated
// SQLite template (CopyMigrated), or a new database on the PostgreSQL
// that SWITCHBOARD_TEST_DATABASE_URL names (make test-postgres starts a
// throwaway cluster and sets it), so the same tests run on SQLite and on
// PostgreSQL.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// EnvURL names the PostgreSQL server the tests use; without it they use SQLite.
const EnvURL = "SWITCHBOARD_TEST_DATABASE_URL"

// DatabaseURL returns the URL of a new, empty database for t on the test
// PostgreSQL (dropped when t ends), or "" when the tests run on SQLite.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		return ""
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "sb_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Dump returns every row of every table of the database at url as text, for
// tests that look for what must never be stored (plaintext secrets).
func Dump(t testing.TB, url string) string {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	defer db.Close()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
	if err != nil {
		t.Fatalf("storetest: tables: %v", err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	var out []byte
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, `SELECT row_to_json(t)::text FROM "`+table+`" AS t`)
		if err != nil {
			t.Fatalf("storetest: dump %s: %v", table, err)
		}
		for rows.Next() {
			var row string
			rows.Scan(&row)
			out = append(out, row...)
			out = append(out, '\n')
		}
		rows.Close()
	}
	return string(out)
}
