package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/ent/conversation"
)

// indexes returns the database's index definitions by name.
func indexes(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		out[name] = def
	}
	return out
}

// TestOpenMigratesAnEarlierDatabase opens a database of the schema before the
// indexes for hot queries (testdata) and checks what migration leaves: the new
// indexes and none that they replaced, each conversation's last message filled
// in, and nothing left to change on the next start.
func TestOpenMigratesAnEarlierDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	script, err := os.ReadFile(filepath.Join("testdata", "schema-before-query-indexes.sql"))
	if err != nil {
		t.Fatal(err)
	}
	old, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "switchboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, string(script)); err != nil {
		t.Fatalf("load the earlier schema: %v", err)
	}
	old.Close()

	client, db, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	got := indexes(t, db)
	for _, name := range []string{
		"conversation_tenant_activity", "conversation_tenant_assignee_activity", "conversation_contact",
		"event_tenant_id_id", "event_tenant_id_conversation_id_id",
		"message_conversation_id_created_at_id", "message_client_message_id_tenant_id", "message_outbox",
	} {
		if got[name] == "" {
			t.Errorf("index %s is missing", name)
		}
	}
	for _, name := range []string{
		"conversation_tenant_id_assignee_id_status", "conversation_contact_id_status",
		"event_tenant_id_conversation_id", "message_conversation_id",
		"message_status_next_attempt_at", "message_tenant_id_client_message_id", "message_queued",
	} {
		if def, ok := got[name]; ok {
			t.Errorf("replaced index %s is still there: %s", name, def)
		}
	}
	if def := got["message_media_pending"]; !strings.HasSuffix(def, "WHERE media_pending") {
		t.Errorf("message_media_pending is %q, want the partial index", def)
	}
	rows, err := db.QueryContext(ctx, "SELECT id, last_message_id FROM conversations ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var last []sql.NullInt64
	for rows.Next() {
		var id int64
		var l sql.NullInt64
		if err := rows.Scan(&id, &l); err != nil {
			t.Fatal(err)
		}
		last = append(last, l)
	}
	rows.Close()
	if len(last) != 2 || last[0].Int64 != 30064771075 || last[1].Valid {
		t.Errorf("last messages %v, want the third message of the first conversation and none for the second", last)
	}
	client.Close()

	client, db, err = store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatalf("store.Open again: %v", err)
	}
	defer client.Close()
	again := indexes(t, db)
	if len(again) != len(got) {
		t.Errorf("the second start changed the indexes: %d, then %d", len(got), len(again))
	}
	for name, def := range got {
		if again[name] != def {
			t.Errorf("the second start changed %s: %q, then %q", name, def, again[name])
		}
	}
}

// TestOneInstancePerPostgres: a second server on the same PostgreSQL database
// is refused at once (ErrOtherInstance), and may start once the first has
// stopped. Runs only on PostgreSQL (make test-postgres).
func TestOneInstancePerPostgres(t *testing.T) {
	url := storetest.DatabaseURL(t)
	if url == "" {
		t.Skip("PostgreSQL only: make test-postgres")
	}
	ctx := context.Background()
	opts := store.Options{DataDir: t.TempDir(), DatabaseURL: url}
	client, db, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	release, err := store.HoldInstance(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	other, otherDB, err := store.Open(ctx, opts) // migrating again is fine
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := store.HoldInstance(ctx, otherDB, opts); !errors.Is(err, store.ErrOtherInstance) {
		t.Fatalf("a second instance: %v, want ErrOtherInstance", err)
	}
	release()
	again, err := store.HoldInstance(ctx, otherDB, opts)
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	again()
}

// TestOpenClosesTwinConversations: a database of an earlier version, where a
// contact could get a second OPEN conversation, opens: the newest stays
// open, the others are closed, and the index that allows one is in place.
func TestOpenClosesTwinConversations(t *testing.T) {
	ctx := context.Background()
	opts := store.Options{DataDir: t.TempDir(), DatabaseURL: storetest.DatabaseURL(t)}
	client, db, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	sys := core.SystemContext(ctx)
	tn := client.Tenant.Create().SetName("t").SaveX(sys)
	acct := client.IntegrationAccount.Create().SetTenantID(tn.ID).SetAccountID("a").SetName("bot").
		SetType("TELEGRAM").SetSettings(map[string]string{}).SaveX(sys)
	ct := client.Contact.Create().SetTenantID(tn.ID).SetIntegrationAccountID(acct.ID).SetProviderUserID("u").
		SetChatID("u").SaveX(sys)
	// As an earlier version left it: no index, two open conversations.
	if _, err := db.ExecContext(ctx, "DROP INDEX conversation_one_open"); err != nil {
		t.Fatal(err)
	}
	var ids []int
	for range 2 {
		c := client.Conversation.Create().SetTenantID(tn.ID).SetIntegrationAccountID(acct.ID).SetContactID(ct.ID).SaveX(sys)
		ids = append(ids, c.ID)
	}
	client.Close()

	client, _, err = store.Open(ctx, opts)
	if err != nil {
		t.Fatalf("store.Open over twin conversations: %v", err)
	}
	defer client.Close()
	open := client.Conversation.Query().Where(conversation.StatusEQ(conversation.StatusOPEN)).IDsX(sys)
	if len(open) != 1 || open[0] != ids[1] {
		t.Fatalf("open conversations %v; want only the newest, %d", open, ids[1])
	}
	if _, err := client.Conversation.Create().SetTenantID(tn.ID).SetIntegrationAccountID(acct.ID).SetContactID(ct.ID).Save(sys); err == nil {
		t.Fatal("a second open conversation was stored: the index is missing")
	}
}

// TestInstancesStartingTogetherMigrateOnce: several instances opening one
// empty PostgreSQL database at the same moment all start, one of them
// creates the schema under the migration lock and the others find it made
// (without the lock, concurrent CREATE TABLEs fail with duplicate objects).
func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	url := storetest.DatabaseURL(t)
	if url == "" {
		t.Skip("PostgreSQL only: make test-postgres")
	}
	ctx := context.Background()
	const instances = 4
	errs := make(chan error, instances)
	start := make(chan struct{})
	for range instances {
		go func() {
			<-start
			client, _, err := store.Open(ctx, store.Options{DataDir: t.TempDir(), DatabaseURL: url})
			if err == nil {
				_, err = client.Conversation.Query().Count(core.SystemContext(ctx))
				client.Close()
			}
			errs <- err
		}()
	}
	close(start)
	for range instances {
		if err := <-errs; err != nil {
			t.Errorf("an instance starting beside others: %v", err)
		}
	}
}
