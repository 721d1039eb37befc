package inbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/event"
)

// TestLogOrderAcrossWriters runs two writers (two instances' inbox services)
// on one PostgreSQL database, both appending events as fast as they can, and
// checks what readers of the log see: a reader that polls for events after
// the newest cursor it saw never misses one (a smaller cursor never commits
// after a larger one was visible), and a stream on the second instance,
// which hears of the first one's events only from the log, gets every event
// of both, in cursor order, once. SQLite has one writer and this order by
// construction; make test-postgres runs it.
func TestLogOrderAcrossWriters(t *testing.T) {
	url := storetest.DatabaseURL(t)
	if url == "" {
		t.Skip("PostgreSQL only (make test-postgres): SQLite has a single writer")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sys := core.SystemContext(ctx)
	open := func() (*ent.Client, *inbox.Service) {
		client, _, err := store.Open(ctx, store.Options{DatabaseURL: url})
		if err != nil {
			t.Fatal(err)
		}
		svc := inbox.New(client, inbox.Options{Dialect: dialect.Postgres, HTTP: http.DefaultClient,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		svc.Run(ctx)
		t.Cleanup(func() { cancel(); svc.Wait(); client.Close() })
		return client, svc
	}
	clientA, a := open()
	_, b := open()

	// A tenant, two agents, and conversations to hand between them.
	tn := clientA.Tenant.Create().SetName("t").SaveX(sys)
	admin := clientA.User.Create().SetTenantID(tn.ID).SetName("admin").SetRole("ADMIN").SaveX(sys)
	agents := []int{
		clientA.User.Create().SetTenantID(tn.ID).SetName("ann").SetRole("AGENT").SaveX(sys).ID,
		clientA.User.Create().SetTenantID(tn.ID).SetName("bob").SetRole("AGENT").SaveX(sys).ID,
	}
	acct := clientA.IntegrationAccount.Create().SetTenantID(tn.ID).SetName("bot").SetType("CUSTOM").
		SetAccountID("acct-order").SetSettings(map[string]string{}).SaveX(sys)
	const writers, rounds = 4, 30
	convs := make([]int, 2*writers)
	for i := range convs {
		ct := clientA.Contact.Create().SetTenantID(tn.ID).SetIntegrationAccountID(acct.ID).SetProviderUserID(fmt.Sprint("c", i)).SaveX(sys)
		convs[i] = clientA.Conversation.Create().SetTenantID(tn.ID).SetIntegrationAccountID(acct.ID).SetContactID(ct.ID).SaveX(sys).ID
	}
	as := core.WithViewer(ctx, core.Viewer{TenantID: tn.ID, UserID: admin.ID, Role: core.RoleAdmin})

	// The second instance's stream, live from now.
	stream, err := inbox.Stream(as, b, inbox.StreamOptions{Buffer: 4 * writers * rounds}, func(p *inbox.Published) int { return p.Cursor }, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The polling reader.
	var seen []int
	done := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		last := 0
		for {
			select {
			case <-done:
				return
			default:
			}
			ids, err := clientA.Event.Query().Where(event.IDGT(last)).Order(ent.Asc(event.FieldID)).IDs(sys)
			if err != nil {
				t.Error(err)
				return
			}
			if len(ids) > 0 {
				seen = append(seen, ids...)
				last = ids[len(ids)-1]
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range 2 * writers {
		svc := a
		if w%2 == 1 {
			svc = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				if _, err := svc.Assign(as, convs[w], agents[r%2]); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	<-polled
	all, err := clientA.Event.Query().Order(ent.Asc(event.FieldID)).IDs(sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2*writers*rounds {
		t.Fatalf("%d events logged, want %d", len(all), 2*writers*rounds)
	}
	// Everything committed before the poller's last read was seen by it.
	last := seen[len(seen)-1]
	var missed []int
	for _, id := range all {
		if id <= last && !slices.Contains(seen, id) {
			missed = append(missed, id)
		}
	}
	if len(missed) > 0 {
		t.Fatalf("a reader polling after its last cursor missed %d events that committed after a larger cursor: %v", len(missed), missed)
	}

	// One more event on the second instance: its fan-out finds the first
	// instance's events before it in the log and delivers them all.
	if _, err := b.Assign(as, convs[0], agents[0]); err != nil {
		t.Fatal(err)
	}
	want := len(all) + 1
	var got []int
	timeout := time.After(20 * time.Second)
	for len(got) < want {
		select {
		case c, ok := <-stream:
			if !ok {
				t.Fatalf("the stream ended after %d of %d events", len(got), want)
			}
			got = append(got, c)
		case <-timeout:
			t.Fatalf("the stream on the second instance got %d of %d events", len(got), want)
		}
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != want {
		t.Fatalf("the stream's cursors are out of order or doubled: %v", got)
	}
}
