package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/core/store"
)

// template is one migrated, empty SQLite database, kept in memory: a test
// copies it instead of migrating a database of its own (each migration
// diffs the whole schema, under a process-wide lock).
var template struct {
	once sync.Once
	db   []byte
	err  error
}

// CopyMigrated writes an empty SQLite database of the current schema into
// dir (as store.Options.DataDir expects it), to open with
// store.Options.Migrated. The schema is migrated once per test binary.
func CopyMigrated(t testing.TB, dir string) {
	t.Helper()
	template.once.Do(func() { template.db, template.err = migrateTemplate() })
	if template.err != nil {
		t.Fatalf("storetest: %v", template.err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "switchboard.db"), template.db, 0o600); err != nil {
		t.Fatalf("storetest: copy the migrated template: %v", err)
	}
}

// migrateTemplate migrates a database in a temporary folder and returns its
// file; closing the last connection checkpoints the WAL into it.
func migrateTemplate() ([]byte, error) {
	dir, err := os.MkdirTemp("", "switchboard-template-")
	if err != nil {
		return nil, fmt.Errorf("template folder: %w", err)
	}
	defer os.RemoveAll(dir)
	client, _, err := store.Open(context.Background(), store.Options{DataDir: dir, Synchronous: "OFF"})
	if err != nil {
		return nil, fmt.Errorf("migrate the template: %w", err)
	}
	if err := client.Close(); err != nil {
		return nil, fmt.Errorf("close the template: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "switchboard.db-wal")); err == nil {
		return nil, fmt.Errorf("the template's log was not checkpointed on close")
	}
	db, err := os.ReadFile(filepath.Join(dir, "switchboard.db"))
	if err != nil {
		return nil, fmt.Errorf("read the template: %w", err)
	}
	return db, nil
}
