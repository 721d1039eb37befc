package inbox_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/cluster"
	"github.com/switchboard/switchboard/core/inbox"
)

// fakeCluster joins the inbox services of one test as NATS would, in
// memory: each member gets the others' messages in the order they were
// sent, and a message may be lost on the way (dropNext).
type fakeCluster struct {
	t       *testing.T
	mu      sync.Mutex
	members []*fakeMember
	drop    map[string]int // subject -> messages still to lose
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
	return &fakeCluster{t: t, drop: map[string]int{}}
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
