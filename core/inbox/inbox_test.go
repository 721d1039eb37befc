package inbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/accounts"
	"github.com/switchboard/switchboard/core/events"
	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/core/media"
	"github.com/switchboard/switchboard/core/secrets"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/registry"
)

// fixture is the inbox over a fresh database (SQLite, or the test PostgreSQL
// when make test-postgres runs) with one Telegram account.
type fixture struct {
	client    *ent.Client
	svc       *inbox.Service
	bus       *events.Broker
	accountID string
	secret    string
	viewer    core.Viewer
	// dialect is the database's (inbox.Options.Dialect).
	dialect string
	// accounts is the fixture's account service, for more inbox services.
	accounts *accounts.Service
}

// fixtureConfig changes a fixture: the Telegram Bot API it talks to, inbox options.
type fixtureConfig struct {
	telegramAPI string
	inbox       func(*inbox.Options)
}

func newFixture(tb testing.TB, configure ...func(*fixtureConfig)) *fixture {
	tb.Helper()
	var fc fixtureConfig
	for _, c := range configure {
		c(&fc)
	}
	ctx, cancel := context.WithCancel(context.Background())
	dir := tb.TempDir()
	storeOpts := store.Options{DataDir: dir, DatabaseURL: storetest.DatabaseURL(tb)}
	if storeOpts.DatabaseURL == "" {
		// A copy of one migrated SQLite template, not synced: no test here cuts the power.
		storetest.CopyMigrated(tb, dir)
		storeOpts.Synchronous, storeOpts.Migrated = "OFF", true
	}
	client, _, err := store.Open(ctx, storeOpts)
	if err != nil {
		tb.Fatal(err)
	}
	key, _ := secrets.GenerateKey()
	raw, _ := secrets.ParseKey(key)
	keys, _ := secrets.NewKeyring(raw)
	reg := registry.New(registry.Config{APIURLs: map[string]string{"telegram": fc.telegramAPI}})
	bus := events.NewBroker(nil)
	acc := accounts.New(client, accounts.Options{PublicURL: "https://sb.example.com", Keys: keys, Registry: reg, Bus: bus, HTTP: http.DefaultClient})
	ms, _ := media.NewStore(dir + "/media")
	opts := inbox.Options{Accounts: acc, Registry: reg, HTTP: http.DefaultClient, Media: ms,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Dialect: store.Dialect(storeOpts)}
	if fc.inbox != nil {
		fc.inbox(&opts)
	}
	svc := inbox.New(client, opts)
	svc.Run(ctx)
	tb.Cleanup(func() { cancel(); svc.Wait(); client.Close() })

	t, err := client.Tenant.Create().SetName("t").Save(core.SystemContext(ctx))
	if err != nil {
		tb.Fatal(err)
	}
	u, err := client.User.Create().SetTenantID(t.ID).SetName("admin").SetRole("ADMIN").Save(core.SystemContext(ctx))
	if err != nil {
		tb.Fatal(err)
	}
	v := core.Viewer{TenantID: t.ID, UserID: u.ID, Role: core.RoleAdmin}
	a, err := acc.Create(core.WithViewer(ctx, v), "bot", "telegram", map[string]*string{"botUsername": ptr("bot"), "botToken": ptr("1:abc")})
	if err != nil {
		tb.Fatal(err)
	}
	sec, _ := acc.Secrets(a)
	return &fixture{client: client, svc: svc, bus: bus, accountID: a.AccountID, secret: sec["webhookSecret"], viewer: v, dialect: opts.Dialect, accounts: acc}
}

func ptr(s string) *string { return &s }

// stream is a subscriber's view of inbox.Stream in these tests.
type stream struct {
	C   <-chan *inbox.Published
	mu  sync.Mutex
	err error
}

// Err is why the stream ended (nil while open or when its context ended).
func (s *stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (f *fixture) subscribe(ctx context.Context, after *int) (*stream, error) {
	st := &stream{}
	c, err := inbox.Stream(ctx, f.svc, inbox.StreamOptions{After: after}, func(p *inbox.Published) *inbox.Published { return p },
		func(err error) {
			st.mu.Lock()
			st.err = err
			st.mu.Unlock()
		})
	st.C = c
	return st, err
}

func ptrInt(n int) *int { return &n }

func (f *fixture) request(updateID int64, chat int64) *providers.WebhookRequest {
	body := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,"first_name":"A"},"chat":{"id":%d,"type":"private"},"date":1700000000,"text":"hello there, a message of ordinary length"}}`,
		updateID, updateID, chat, chat)
	return &providers.WebhookRequest{Method: "POST", Header: http.Header{
		"Content-Type":                    {"application/json"},
		"X-Telegram-Bot-Api-Secret-Token": {f.secret},
	}, Body: []byte(body), Received: time.Now()}
}

// BenchmarkIngestWebhook measures the durable ingest path (verify, parse, one
// group-committed transaction with the raw body, contact, conversation, message
// and event rows, answer after commit) with concurrent webhooks, as providers
// send them. SQLite runs with synchronous=FULL, as in production.
func BenchmarkIngestWebhook(b *testing.B) {
	f := newFixture(b)
	var seq atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			if ans := f.svc.HandleWebhook(context.Background(), f.accountID, f.request(n, 1000+n%50)); ans.Status != http.StatusOK {
				b.Fatalf("status %d", ans.Status)
			}
		}
	})
}

// TestSlowSubscriberIsCutOff: a subscriber that stops reading is disconnected
// with ErrSlowSubscriber instead of slowing ingest.
func TestSlowSubscriberIsCutOff(t *testing.T) {
	// A stream whose queue is full reads on from the in-memory tail; it is
	// cut off once it falls out of the tail (64 events here).
	f := newFixture(t, func(c *fixtureConfig) {
		c.inbox = func(o *inbox.Options) { o.TailSize = 64 }
	})
	ctx, cancel := context.WithCancel(core.WithViewer(context.Background(), f.viewer))
	defer cancel()
	sub, err := f.subscribe(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A reader that keeps up. Should a loaded machine make it fall behind too, it
	// does what clients do: subscribe again after its last cursor.
	reader, err := f.subscribe(ctx, ptrInt(0))
	if err != nil {
		t.Fatal(err)
	}
	const webhooks = 400
	got := make(chan int, 1)
	go func() {
		seen := map[int]bool{}
		last := 0
		for {
			for e := range reader.C {
				last = e.Cursor
				if e.Kind == inbox.MessageCreated {
					seen[e.Cursor] = true
				}
				if len(seen) == webhooks {
					got <- len(seen)
					return
				}
			}
			if reader.Err() != events.ErrSlowSubscriber {
				got <- len(seen)
				return
			}
			if reader, err = f.subscribe(ctx, ptrInt(last)); err != nil {
				got <- len(seen)
				return
			}
		}
	}()
	// Nobody reads sub.C. Ingest goes on regardless.
	start := time.Now()
	for i := range webhooks {
		if ans := f.svc.HandleWebhook(context.Background(), f.accountID, f.request(int64(i+1), 77)); ans.Status != http.StatusOK {
			t.Fatalf("webhook %d: %d", i, ans.Status)
		}
	}
	// The slow subscriber's stream ends with the reason.
	drained := 0
	for range sub.C {
		drained++
	}
	if err := sub.Err(); err != events.ErrSlowSubscriber {
		t.Fatalf("slow subscriber ended with %v after %d events, want ErrSlowSubscriber", err, drained)
	}
	if n := <-got; n != webhooks {
		t.Fatalf("the reading subscriber got %d messages, want %d", n, webhooks)
	}
	t.Logf("%d webhooks in %v with a stalled subscriber", webhooks, time.Since(start))
}

// TestStoreFailureAnswers5xx: when the webhook cannot be stored the provider gets
// a 5xx, so it retries, and once storing works again the retry is stored.
func TestStoreFailureAnswers5xx(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Break storage: rename the table the raw bodies go to.
	if _, err := f.client.ExecContext(ctx, "ALTER TABLE webhook_events RENAME TO webhook_events_away"); err != nil {
		t.Fatal(err)
	}
	if ans := f.svc.HandleWebhook(ctx, f.accountID, f.request(1, 5)); ans.Status < 500 {
		t.Fatalf("storing failed but the answer was %d", ans.Status)
	}
	if _, err := f.client.ExecContext(ctx, "ALTER TABLE webhook_events_away RENAME TO webhook_events"); err != nil {
		t.Fatal(err)
	}
	if ans := f.svc.HandleWebhook(ctx, f.accountID, f.request(1, 5)); ans.Status != http.StatusOK {
		t.Fatalf("retry after recovery: %d", ans.Status)
	}
	n, err := f.client.Message.Query().Count(core.SystemContext(ctx))
	if err != nil || n != 1 {
		t.Fatalf("%d messages stored (%v), want 1", n, err)
	}
}

// TestResumeOlderThanTheTailJoinsWithoutGap: live subscribers read the
// in-memory tail; one resuming from a cursor the tail no longer holds reads
// the log, then joins the tail while webhooks keep arriving, and receives
// every event once, in cursor order.
func TestResumeOlderThanTheTailJoinsWithoutGap(t *testing.T) {
	f := newFixture(t, func(c *fixtureConfig) {
		c.inbox = func(o *inbox.Options) { o.TailSize = 8 }
	})
	ctx, cancel := context.WithCancel(core.WithViewer(context.Background(), f.viewer))
	defer cancel()
	const before, during = 60, 60
	for i := range before {
		if ans := f.svc.HandleWebhook(context.Background(), f.accountID, f.request(int64(i+1), 300+int64(i%7))); ans.Status != http.StatusOK {
			t.Fatalf("webhook %d: %d", i, ans.Status)
		}
	}
	sub, err := f.subscribe(ctx, ptrInt(0))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range during {
			if ans := f.svc.HandleWebhook(context.Background(), f.accountID, f.request(int64(before+i+1), 300+int64(i%7))); ans.Status != http.StatusOK {
				t.Errorf("webhook %d: %d", before+i, ans.Status)
			}
		}
	}()
	<-done
	logged, err := f.client.Event.Query().Count(core.SystemContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	last, received, messages := 0, 0, 0
	timeout := time.After(20 * time.Second)
	for received < logged {
		select {
		case p, ok := <-sub.C:
			if !ok {
				t.Fatalf("stream ended: %v", sub.Err())
			}
			if p.Cursor <= last {
				t.Fatalf("cursor %d after %d: out of order or twice", p.Cursor, last)
			}
			last = p.Cursor
			received++
			if p.Kind == inbox.MessageCreated {
				messages++
			}
		case <-timeout:
			t.Fatalf("%d of %d logged events within 20s", received, logged)
		}
	}
	if messages != before+during {
		t.Fatalf("%d messages received, want %d", messages, before+during)
	}
	select {
	case p := <-sub.C:
		t.Fatalf("an event beyond the log: cursor %d", p.Cursor)
	case <-time.After(100 * time.Millisecond):
	}
}
