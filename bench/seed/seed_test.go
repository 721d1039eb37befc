package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/bench/seed"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/message"
)

func TestSeedWritesWhatItReports(t *testing.T) {
	ctx := context.Background()
	// On the test PostgreSQL when set (make test-postgres), SQLite otherwise.
	storeOpts := store.Options{DataDir: t.TempDir(), Synchronous: "NORMAL", DatabaseURL: storetest.DatabaseURL(t)}
	client, db, err := store.Open(ctx, storeOpts)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	defer client.Close()
	now := time.Now()
	opts := seed.Options{Messages: 3000, Tenants: 2, Agents: 5, Now: now, PendingMedia: 2, Dialect: store.Dialect(storeOpts)}
	sum, err := seed.Seed(ctx, db, opts)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	// A second run adds after the first: its IDs follow, in their ranges.
	opts.TenantPrefix, opts.Messages = "more", 500
	more, err := seed.Seed(ctx, db, opts)
	if err != nil {
		t.Fatalf("second Seed: %v", err)
	}
	sys := core.SystemContext(ctx)
	count := func(n int, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got, want := count(client.Message.Query().Count(sys)), sum.Messages+more.Messages; got != want || sum.Messages != 3000 {
		t.Errorf("messages: %d in the database, %d+%d reported", got, sum.Messages, more.Messages)
	}
	if got, want := count(client.Conversation.Query().Count(sys)), sum.Conversations+more.Conversations; got != want {
		t.Errorf("conversations: %d in the database, %d reported", got, want)
	}
	if got, want := count(client.Event.Query().Count(sys)), sum.Events+more.Events; got != want {
		t.Errorf("events: %d in the database, %d reported", got, want)
	}
	if got := count(client.Message.Query().Where(message.MediaPending(true)).Count(sys)); got != 4 {
		t.Errorf("%d messages with pending media, want 4", got)
	}
	for _, tn := range append(sum.Tenants, more.Tenants...) {
		// Each tenant is whole: its admin sees its messages and nothing else.
		admin := core.WithViewer(ctx, core.Viewer{TenantID: tn.ID, UserID: tn.AdminID, Role: core.RoleAdmin})
		if got := count(client.Message.Query().Count(admin)); got != tn.Messages {
			t.Errorf("tenant %s: admin sees %d messages, %d reported", tn.Name, got, tn.Messages)
		}
		if len(tn.AgentIDs) != 5 || len(tn.AccountIDs) != 2 {
			t.Errorf("tenant %s: %d agents and %d accounts", tn.Name, len(tn.AgentIDs), len(tn.AccountIDs))
		}
		// Global IDs: the node query finds a seeded conversation.
		conv, err := client.Conversation.Query().First(admin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.Noder(admin, conv.ID); err != nil {
			t.Errorf("tenant %s: node(%d): %v", tn.Name, conv.ID, err)
		}
	}
	convs, err := client.Conversation.Query().WithMessages().All(sys)
	if err != nil {
		t.Fatal(err)
	}
	open, short := map[int]int{}, map[int]int{}
	for _, c := range convs {
		n := len(c.Edges.Messages)
		if n > 30 {
			t.Errorf("conversation %d has %d messages", c.ID, n)
		}
		if n < 10 {
			short[c.TenantID]++ // the one that took what was left of the tenant's share
		}
		if c.Status == conversation.StatusOPEN {
			open[c.ContactID]++
			if c.LastMessageAt.Before(now.Add(-72*time.Hour)) || c.ClosedAt != nil {
				t.Errorf("open conversation %d: last message %v, closed %v", c.ID, c.LastMessageAt, c.ClosedAt)
			}
		}
		var newest time.Time
		for _, m := range c.Edges.Messages {
			if m.CreatedAt.After(newest) {
				newest = m.CreatedAt
			}
		}
		if !newest.Equal(c.LastMessageAt) {
			t.Errorf("conversation %d: last message at %v, newest message %v", c.ID, c.LastMessageAt, newest)
		}
	}
	for tenant, n := range short {
		if n > 1 {
			t.Errorf("tenant %d has %d conversations with fewer than 10 messages", tenant, n)
		}
	}
	for contact, n := range open {
		if n > 1 {
			t.Errorf("contact %d has %d open conversations", contact, n)
		}
	}
	var unassigned int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM conversations WHERE assignee_id IS NULL").Scan(&unassigned); err != nil {
		t.Fatal(err)
	}
	if unassigned == 0 || unassigned == len(convs) {
		t.Errorf("%d of %d conversations unassigned", unassigned, len(convs))
	}
}
