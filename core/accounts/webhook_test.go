package accounts_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/accounts"
	"github.com/switchboard/switchboard/core/events"
	"github.com/switchboard/switchboard/core/secrets"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/providers/registry"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
)

const botToken = "123456:ABCdefGhIJKlmnoPQRstuVWXyz0123456"

// webhookInfoCalls counts the getWebhookInfo calls the fake received.
func webhookInfoCalls(fake *telegramtest.Server) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Endpoint == "getWebhookInfo" && r.Authorized {
			n++
		}
	}
	return n
}

// TestCheckStaleWebhooks: the periodic check reads the webhook status of an
// active account that has none or an old one, leaves a fresh one alone, and
// skips disconnected accounts.
func TestCheckStaleWebhooks(t *testing.T) {
	fake := telegramtest.NewServer(botToken)
	t.Cleanup(fake.Close)
	fake.SetWebhookStatus(telegramtest.WebhookStatus{PendingUpdateCount: 5, LastErrorMessage: "Connection refused", LastErrorDate: time.Unix(1764600000, 0)})

	ctx := core.SystemContext(context.Background())
	client, _, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	key, _ := secrets.GenerateKey()
	raw, _ := secrets.ParseKey(key)
	keys, _ := secrets.NewKeyring(raw)
	reg := registry.New(registry.Config{APIURLs: map[string]string{"telegram": fake.URL}})
	svc := accounts.New(client, accounts.Options{PublicURL: "https://sb.example.com", Keys: keys, Registry: reg,
		Bus: events.NewBroker(nil), HTTP: http.DefaultClient})

	tenant, err := client.Tenant.Create().SetName("t").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := core.Viewer{TenantID: tenant.ID, Role: core.RoleAdmin}
	create := func(name string) *ent.IntegrationAccount {
		t.Helper()
		a, err := svc.Create(core.WithViewer(ctx, v), name, "telegram", map[string]*string{"botUsername": ptr("bot"), "botToken": ptr(botToken)})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	active, off := create("active"), create("disconnected")
	if err := client.IntegrationAccount.UpdateOneID(off.ID).SetStatus(integrationaccount.StatusDISCONNECTED).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	status := func(id int) *core.WebhookStatus {
		t.Helper()
		a, err := client.IntegrationAccount.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return accounts.Webhook(a)
	}

	if err := svc.CheckStaleWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	st := status(active.ID)
	if st == nil || st.URL != "" || st.PointsHere || st.PendingUpdates == nil || *st.PendingUpdates != 5 ||
		st.LastError != "Connection refused" || st.LastErrorAt == nil || time.Since(st.CheckedAt) > time.Minute {
		t.Fatalf("status of the active account = %+v", st)
	}
	if st := status(off.ID); st != nil {
		t.Errorf("a disconnected account was checked: %+v", st)
	}
	if n := webhookInfoCalls(fake); n != 1 {
		t.Fatalf("getWebhookInfo calls = %d, want 1", n)
	}

	// A fresh status is left alone; one older than WebhookCheckEvery is read again.
	if err := svc.CheckStaleWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	if n := webhookInfoCalls(fake); n != 1 {
		t.Fatalf("getWebhookInfo calls = %d after a second pass, want still 1", n)
	}
	old := *st
	old.CheckedAt = time.Now().Add(-accounts.WebhookCheckEvery - time.Minute)
	if err := client.IntegrationAccount.UpdateOneID(active.ID).SetWebhookStatus(&old).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	fake.SetWebhookStatus(telegramtest.WebhookStatus{})
	if err := svc.CheckStaleWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	if n := webhookInfoCalls(fake); n != 2 {
		t.Fatalf("getWebhookInfo calls = %d, want 2: the stale status read again", n)
	}
	if st := status(active.ID); st == nil || *st.PendingUpdates != 0 || st.LastError != "" || !st.CheckedAt.After(old.CheckedAt) {
		t.Errorf("status after the stale one was read again = %+v", st)
	}
}

func ptr(s string) *string { return &s }
