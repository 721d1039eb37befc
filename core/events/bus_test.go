package events

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const waitLimit = 10 * time.Second

// counter is an onOpen callback that keeps the running sum of its deltas.
type counter struct{ n atomic.Int64 }

func (c *counter) add(d int) { c.n.Add(int64(d)) }

// receive returns the next event of s, failing if none arrives in time or s ends.
func receive(t *testing.T, s *Subscription) Event {
	t.Helper()
	select {
	case e, ok := <-s.C:
		if !ok {
			t.Fatalf("subscription ended (%v); want an event", s.Err())
		}
		return e
	case <-time.After(waitLimit):
		t.Fatal("no event arrived")
	}
	return Event{}
}

// drain reads s until it ends and returns the events it still held.
func drain(t *testing.T, s *Subscription) []Event {
	t.Helper()
	var got []Event
	timeout := time.After(waitLimit)
	for {
		select {
		case e, ok := <-s.C:
			if !ok {
				return got
			}
			got = append(got, e)
		case <-timeout:
			t.Fatalf("subscription did not end; got %d events", len(got))
		}
	}
}

// assertNothing fails if s has an event waiting or has ended. Publish delivers
// synchronously, so anything meant for s is already in its buffer.
func assertNothing(t *testing.T, s *Subscription) {
	t.Helper()
	select {
	case e, ok := <-s.C:
		if ok {
			t.Errorf("unexpected event %+v", e)
		} else {
			t.Errorf("subscription ended unexpectedly: %v", s.Err())
		}
	default:
	}
}

// waitUntil polls cond with a deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		<-tick.C
	}
}

func TestBrokerRoutesByTenantAndTopic(t *testing.T) {
	var open counter
	b := NewBroker(open.add)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	mine := b.Subscribe(ctx, 1, "accounts", 8)
	otherTenant := b.Subscribe(ctx, 2, "accounts", 8)
	otherTopic := b.Subscribe(ctx, 1, "users", 8)
	if got := b.Subscribers(); got != 3 {
		t.Fatalf("Subscribers() = %d; want 3", got)
	}

	tests := []struct {
		name  string
		event Event
		to    *Subscription
	}{
		{"tenant 1 accounts", Event{TenantID: 1, Topic: "accounts", Payload: "a1"}, mine},
		{"tenant 2 accounts", Event{TenantID: 2, Topic: "accounts", Payload: "a2"}, otherTenant},
		{"tenant 1 users", Event{TenantID: 1, Topic: "users", Payload: "u1"}, otherTopic},
		{"nobody listens", Event{TenantID: 3, Topic: "accounts", Payload: "a3"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.Publish(tt.event)
			for _, s := range []*Subscription{mine, otherTenant, otherTopic} {
				if s != tt.to {
					assertNothing(t, s)
					continue
				}
				if got := receive(t, s); got != tt.event {
					t.Errorf("received %+v; want %+v", got, tt.event)
				}
			}
		})
	}

	t.Run("order is kept", func(t *testing.T) {
		for i := range 5 {
			b.Publish(Event{TenantID: 1, Topic: "accounts", Payload: i})
		}
		for i := range 5 {
			if got := receive(t, mine).Payload; got != i {
				t.Errorf("event %d payload = %v; want %d", i, got, i)
			}
		}
	})

	cancel()
	waitUntil(t, "every subscription is removed", func() bool { return b.Subscribers() == 0 })
	if got := open.n.Load(); got != 0 {
		t.Errorf("onOpen sum = %d after every subscription ended; want 0", got)
	}
}

func TestBrokerCutsOffSlowSubscriber(t *testing.T) {
	tests := []struct {
		name   string
		buffer int
		held   int // events the slow subscriber still gets before C closes
	}{
		{"buffer of one", 1, 1},
		{"buffer of three", 3, 3},
		{"zero buffer means one", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var open counter
			b := NewBroker(open.add)
			ctx := t.Context()
			slow := b.Subscribe(ctx, 1, "accounts", tt.buffer)
			fast := b.Subscribe(ctx, 1, "accounts", 100)

			published := make(chan struct{})
			go func() {
				// The publisher must never block on the slow subscriber.
				for i := range tt.held + 5 {
					b.Publish(Event{TenantID: 1, Topic: "accounts", Payload: i})
				}
				close(published)
			}()
			select {
			case <-published:
			case <-time.After(waitLimit):
				t.Fatal("Publish blocked on a slow subscriber")
			}

			got := drain(t, slow)
			if len(got) != tt.held {
				t.Errorf("slow subscriber got %d events before being cut off; want %d", len(got), tt.held)
			}
			if !errors.Is(slow.Err(), ErrSlowSubscriber) {
				t.Errorf("slow.Err() = %v; want ErrSlowSubscriber", slow.Err())
			}
			for i := range tt.held + 5 {
				if e := receive(t, fast); e.Payload != i {
					t.Errorf("fast subscriber event %d = %v; want %d", i, e.Payload, i)
				}
			}
			if fast.Err() != nil {
				t.Errorf("fast.Err() = %v; want nil while open", fast.Err())
			}
			if got := b.Subscribers(); got != 1 {
				t.Errorf("Subscribers() = %d; want 1 (the fast one)", got)
			}
			if got := open.n.Load(); got != 1 {
				t.Errorf("onOpen sum = %d; want 1", got)
			}

			// Later events still reach the fast subscriber only.
			b.Publish(Event{TenantID: 1, Topic: "accounts", Payload: "after"})
			if e := receive(t, fast); e.Payload != "after" {
				t.Errorf("fast subscriber got %v; want \"after\"", e.Payload)
			}
		})
	}
}

func TestBrokerContextEndsSubscription(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func(context.Context) (context.Context, context.CancelFunc)
		wantErr error
	}{
		{"canceled", context.WithCancel, context.Canceled},
		{"deadline", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, time.Millisecond)
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var open counter
			b := NewBroker(open.add)
			ctx, cancel := tt.ctx(t.Context())
			defer cancel()
			s := b.Subscribe(ctx, 7, "accounts", 4)
			keep := b.Subscribe(t.Context(), 7, "accounts", 4)
			if tt.wantErr == context.Canceled {
				if s.Err() != nil {
					t.Fatalf("Err() = %v before the context ended; want nil", s.Err())
				}
				cancel()
			}

			if got := drain(t, s); len(got) != 0 {
				t.Errorf("got %d events; want none", len(got))
			}
			if !errors.Is(s.Err(), tt.wantErr) {
				t.Errorf("Err() = %v; want %v", s.Err(), tt.wantErr)
			}
			waitUntil(t, "the ended subscription is removed", func() bool { return b.Subscribers() == 1 })
			if got := open.n.Load(); got != 1 {
				t.Errorf("onOpen sum = %d; want 1", got)
			}
			// Publishing after the end neither panics nor reaches s.
			b.Publish(Event{TenantID: 7, Topic: "accounts", Payload: "late"})
			if e := receive(t, keep); e.Payload != "late" {
				t.Errorf("remaining subscriber got %v; want \"late\"", e.Payload)
			}
		})
	}
}

func TestBrokerSlowThenCanceledCountsOnce(t *testing.T) {
	var open counter
	b := NewBroker(open.add)
	ctx, cancel := context.WithCancel(t.Context())
	s := b.Subscribe(ctx, 1, "t", 1)
	b.Publish(Event{TenantID: 1, Topic: "t"})
	b.Publish(Event{TenantID: 1, Topic: "t"}) // overflows: cut off
	drain(t, s)
	cancel() // the context goroutine must not count the end again
	if !errors.Is(s.Err(), ErrSlowSubscriber) {
		t.Errorf("Err() = %v; want ErrSlowSubscriber to stay the reason", s.Err())
	}
	if got := open.n.Load(); got != 0 {
		t.Errorf("onOpen sum = %d; want 0", got)
	}
	if got := b.Subscribers(); got != 0 {
		t.Errorf("Subscribers() = %d; want 0", got)
	}
}

func TestNewBrokerWithoutCallback(t *testing.T) {
	b := NewBroker(nil)
	ctx, cancel := context.WithCancel(t.Context())
	s := b.Subscribe(ctx, 1, "t", 1)
	b.Publish(Event{TenantID: 1, Topic: "t", Payload: 1})
	if e := receive(t, s); e.Payload != 1 {
		t.Errorf("payload = %v; want 1", e.Payload)
	}
	cancel()
	drain(t, s)
	waitUntil(t, "the subscription is removed", func() bool { return b.Subscribers() == 0 })
}

// TestBrokerConcurrent runs publishers and subscribers that come and go at once;
// run it with -race. Every subscription must end, and the count must return to
// zero.
func TestBrokerConcurrent(t *testing.T) {
	var open counter
	b := NewBroker(open.add)
	const (
		tenants     = 3
		publishers  = 4
		subscribers = 16
		events      = 200
	)
	topic := func(i int) string { return fmt.Sprintf("topic-%d", i%2) }

	stop := make(chan struct{})
	var pubs sync.WaitGroup
	for p := range publishers {
		pubs.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				b.Publish(Event{TenantID: i % tenants, Topic: topic(i + p), Payload: i})
			}
		})
	}

	var subs sync.WaitGroup
	for n := range subscribers {
		subs.Go(func() {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			s := b.Subscribe(ctx, n%tenants, topic(n), 1+n%4)
			check := func(e Event) {
				if e.TenantID != n%tenants || e.Topic != topic(n) {
					t.Errorf("subscriber %d (tenant %d, %s) got %+v", n, n%tenants, topic(n), e)
				}
			}
			for got := 0; got < events; got++ {
				e, ok := <-s.C
				if !ok {
					break // cut off while reading
				}
				check(e)
			}
			if n%2 == 0 {
				// Half cancel their context...
				cancel()
			} else {
				// ...the other half stop reading until the broker cuts them off.
				waitUntil(t, "a subscriber that stopped reading is cut off", func() bool { return s.Err() != nil })
			}
			for e := range s.C {
				check(e)
			}
			if err := s.Err(); !errors.Is(err, context.Canceled) && !errors.Is(err, ErrSlowSubscriber) {
				t.Errorf("subscriber %d ended with %v; want Canceled or ErrSlowSubscriber", n, err)
			}
		})
	}
	subs.Wait()
	close(stop)
	pubs.Wait()

	waitUntil(t, "every subscription is removed", func() bool { return b.Subscribers() == 0 })
	waitUntil(t, "the onOpen sum returns to zero", func() bool { return open.n.Load() == 0 })
}
