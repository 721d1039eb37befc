package inbox_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/cluster"
	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/ent/offer"
)

// fakeCluster joins the inbox services of one test as NATS would, in
// memory: each member gets the others' messages in the order they were
// sent, and a message may be lost on the way (dropNext).
type fakeCluster struct {
	t       *testing.T
	mu      sync.Mutex
	members []*fakeMember
	drop    map[string]int // subject -> messages still to lose
	// dropping loses the next message on a subject whose data contains a text.
	dropping map[string]string
}

// fakeMember is one instance's connection to a fakeCluster.
type fakeMember struct {
	c        *fakeCluster
	origin   string
	mu       sync.Mutex
	handlers map[string][]func(json.RawMessage)
	queue    chan func()
}

func newFakeCluster(t *testing.T) *fakeCluster {
	return &fakeCluster{t: t, drop: map[string]int{}, dropping: map[string]string{}}
}

// join adds a member whose handlers run, one at a time, until the test ends.
func (c *fakeCluster) join(origin string) *fakeMember {
	m := &fakeMember{c: c, origin: origin, handlers: map[string][]func(json.RawMessage){}, queue: make(chan func(), 1024)}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case fn := <-m.queue:
				fn()
			case <-done:
				return
			}
		}
	}()
	c.t.Cleanup(func() { close(done); <-stopped })
	c.mu.Lock()
	c.members = append(c.members, m)
	c.mu.Unlock()
	return m
}

// dropNext loses the next message sent on subject, as NATS loses what is
// sent while a connection is down.
func (c *fakeCluster) dropNext(subject string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop[subject]++
}

// dropNextWith loses the next message sent on subject whose data contains
// text (one kind of work news, say).
func (c *fakeCluster) dropNextWith(subject, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropping[subject] = text
}

// Publish hands v to every other member's handlers of subject.
func (m *fakeMember) Publish(subject string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	m.c.mu.Lock()
	if m.c.drop[subject] > 0 {
		m.c.drop[subject]--
		m.c.mu.Unlock()
		return nil
	}
	if text, ok := m.c.dropping[subject]; ok && strings.Contains(string(data), text) {
		delete(m.c.dropping, subject)
		m.c.mu.Unlock()
		return nil
	}
	members := slices.Clone(m.c.members)
	m.c.mu.Unlock()
	for _, o := range members {
		if o == m {
			continue
		}
		o.mu.Lock()
		hs := slices.Clone(o.handlers[subject])
		o.mu.Unlock()
		for _, h := range hs {
			select {
			case o.queue <- func() { h(data) }:
			default:
				// A full queue loses the message, as a slow NATS consumer would.
			}
		}
	}
	return nil
}

// Subscribe registers handle for subject's messages from other members.
func (m *fakeMember) Subscribe(subject string, handle func(json.RawMessage)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handlers[subject] = append(m.handlers[subject], handle)
	return nil
}

// Origin names the member.
func (m *fakeMember) Origin() string { return m.origin }

// TestLostClusterNewsIsDeliveredWithoutMoreTraffic: instance B's subscriber
// gets a message that arrived at instance A although the news of it never
// reached B and nothing else happens afterwards: B finds it in the log
// within a bounded time (ClusterCheck) instead of when the next event shows
// the gap.
func TestLostClusterNewsIsDeliveredWithoutMoreTraffic(t *testing.T) {
	const check = 100 * time.Millisecond
	bus := newFakeCluster(t)
	f := newFixture(t, func(c *fixtureConfig) {
		c.inbox = func(o *inbox.Options) { o.Cluster, o.ClusterCheck = bus.join("a"), check }
	})
	// B never holds the run-once lease: it only serves subscribers.
	never := func(ctx context.Context) (<-chan struct{}, func(), error) {
		<-ctx.Done()
		return nil, nil, ctx.Err()
	}
	b := inbox.New(f.client, inbox.Options{Cluster: bus.join("b"), ClusterCheck: check, Dialect: f.dialect,
		Lease: never, HTTP: http.DefaultClient, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	runCtx, stop := context.WithCancel(context.Background())
	b.Run(runCtx)
	t.Cleanup(func() { stop(); b.Wait() })

	ctx, cancel := context.WithCancel(core.WithViewer(context.Background(), f.viewer))
	defer cancel()
	got, err := inbox.Stream(ctx, b, inbox.StreamOptions{}, func(p *inbox.Published) *inbox.Published { return p }, nil)
	if err != nil {
		t.Fatal(err)
	}
	bus.dropNext(cluster.SubjectEvents)
	if ans := f.svc.HandleWebhook(context.Background(), f.accountID, f.request(1, 4242)); ans.Status != http.StatusOK {
		t.Fatalf("webhook at A: %d", ans.Status)
	}
	deadline := time.After(10 * check)
	for {
		select {
		case p, ok := <-got:
			if !ok {
				t.Fatal("B's stream ended")
			}
			if p.Kind == inbox.MessageCreated {
				return
			}
		case <-deadline:
			t.Fatalf("B's subscriber did not get the message whose news was lost within %s", 10*check)
		}
	}
}

// TestLostWorkNewsDelaysRoutingBriefly: a customer writes to instance A and
// the news for the router, which runs on instance B (the lease holder), is
// lost. B's router, whose next due work is an offer expiring in an hour,
// still offers the new conversation within a few ClusterChecks.
func TestLostWorkNewsDelaysRoutingBriefly(t *testing.T) {
	const check = 100 * time.Millisecond
	bus := newFakeCluster(t)
	never := func(ctx context.Context) (<-chan struct{}, func(), error) {
		<-ctx.Done()
		return nil, nil, ctx.Err()
	}
	// A never holds the run-once lease; B, without one, runs it from the start.
	f := newFixture(t, func(c *fixtureConfig) {
		c.inbox = func(o *inbox.Options) { o.Cluster, o.ClusterCheck, o.Lease = bus.join("a"), check, never }
	})
	b := inbox.New(f.client, inbox.Options{Cluster: bus.join("b"), ClusterCheck: check, Dialect: f.dialect,
		Accounts: f.accounts, HTTP: http.DefaultClient, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	runCtx, stop := context.WithCancel(context.Background())
	b.Run(runCtx)
	t.Cleanup(func() { stop(); b.Wait() })

	sys := core.SystemContext(context.Background())
	admin := core.WithViewer(context.Background(), f.viewer)
	acct, err := f.client.IntegrationAccount.Query().Where(integrationaccount.AccountID(f.accountID)).Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	amy, err := f.client.User.Create().SetTenantID(f.viewer.TenantID).SetName("amy").SetRole("AGENT").Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	name, hour := "Support", 3600
	svc, err := f.svc.CreateService(admin, inbox.ServiceInput{Name: &name, AccountIDs: &[]int{acct.ID}, AgentIDs: &[]int{amy.ID},
		OfferTimeoutSeconds: &hour})
	if err != nil {
		t.Fatal(err)
	}
	// No scenario: a queued conversation may be offered at once.
	if _, err := f.svc.SaveScenario(admin, svc.ID, nil); err != nil {
		t.Fatal(err)
	}
	amyAtA := core.WithViewer(context.Background(), core.Viewer{TenantID: f.viewer.TenantID, UserID: amy.ID, Role: core.RoleAgent})
	if _, err := f.svc.SetAgentState(amyAtA, core.AgentReady, ""); err != nil {
		t.Fatal(err)
	}
	offers := func(n int, what string) {
		t.Helper()
		deadline := time.Now().Add(20 * check)
		for {
			got, err := f.client.Offer.Query().Where(offer.AgentID(amy.ID)).Count(sys)
			if err != nil {
				t.Fatal(err)
			}
			if got == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d offers to Amy within %s %s; want %d", got, 20*check, what, n)
			}
			select {
			case <-time.After(10 * time.Millisecond):
			case <-runCtx.Done():
			}
		}
	}
	// The first customer's news reaches B: offered at once, and B's router
	// then has nothing due until that offer expires, an hour on.
	if ans := f.svc.HandleWebhook(context.Background(), f.accountID, f.request(1, 4242)); ans.Status != http.StatusOK {
		t.Fatalf("webhook at A: %d", ans.Status)
	}
	offers(1, "of the first customer's message")
	// The second customer's news to the router is lost.
	bus.dropNextWith(cluster.SubjectWork, `"route"`)
	if ans := f.svc.HandleWebhook(context.Background(), f.accountID, f.request(2, 4343)); ans.Status != http.StatusOK {
		t.Fatalf("webhook at A: %d", ans.Status)
	}
	offers(2, "of the second customer's message, whose news to the router was lost")
}
