// Package events carries live events from the core to subscribers (GraphQL
// subscriptions). The Bus interface is small so the in-process broker here can be
// replaced by NATS when several instances run; publishers never block on a slow
// subscriber: a subscriber that cannot keep up is cut off and told why.
package events

import (
	"context"
	"errors"
	"sync"
)

// ErrSlowSubscriber ends a subscription whose buffer filled up; the client should
// resubscribe (later issues let it resume from a cursor).
var ErrSlowSubscriber = errors.New("events: subscriber too slow, disconnected")

// Event is one thing that happened in a tenant.
type Event struct {
	TenantID int
	Topic    string
	Payload  any
}

// Bus fans events out to subscribers of a tenant and topic.
type Bus interface {
	// Publish hands e to every matching subscriber without blocking.
	Publish(e Event)
	// Subscribe returns a subscription that ends when ctx ends or the subscriber
	// falls behind by more than buffer events.
	Subscribe(ctx context.Context, tenantID int, topic string, buffer int) *Subscription
}

// Subscription is one subscriber's stream. C is closed when it ends; Err then says why.
type Subscription struct {
	C <-chan Event

	ch   chan Event
	once sync.Once
	mu   sync.Mutex
	err  error
}

// Err reports why the subscription ended: ctx's error, ErrSlowSubscriber, or nil
// while it is open.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Subscription) end(err error) {
	s.once.Do(func() {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(s.ch)
	})
}

type key struct {
	tenant int
	topic  string
}

// Broker is the in-process Bus.
type Broker struct {
	mu   sync.RWMutex
	subs map[key]map[*Subscription]struct{}
	// open counts live subscriptions, for metrics.
	open func(delta int)
}

// NewBroker returns an empty broker. onOpen, when not nil, is told of each
// subscription opened (+1) and ended (-1).
func NewBroker(onOpen func(delta int)) *Broker {
	if onOpen == nil {
		onOpen = func(int) {}
	}
	return &Broker{subs: make(map[key]map[*Subscription]struct{}), open: onOpen}
}

var _ Bus = (*Broker)(nil)

// Publish delivers e to each subscriber whose buffer has room and cuts off the rest.
func (b *Broker) Publish(e Event) {
	b.mu.RLock()
	var slow []*Subscription
	for s := range b.subs[key{e.TenantID, e.Topic}] {
		select {
		case s.ch <- e:
		default:
			slow = append(slow, s)
		}
	}
	b.mu.RUnlock()
	for _, s := range slow {
		b.remove(key{e.TenantID, e.Topic}, s, ErrSlowSubscriber)
	}
}

// Subscribe registers a subscriber; a goroutine owned by the subscription removes
// it when ctx ends.
func (b *Broker) Subscribe(ctx context.Context, tenantID int, topic string, buffer int) *Subscription {
	if buffer < 1 {
		buffer = 1
	}
	ch := make(chan Event, buffer)
	s := &Subscription{C: ch, ch: ch}
	k := key{tenantID, topic}
	b.mu.Lock()
	if b.subs[k] == nil {
		b.subs[k] = make(map[*Subscription]struct{})
	}
	b.subs[k][s] = struct{}{}
	b.mu.Unlock()
	b.open(1)
	go func() {
		<-ctx.Done()
		b.remove(k, s, ctx.Err())
	}()
	return s
}

// remove ends s once; the -1 for metrics is counted by whoever removes it first.
func (b *Broker) remove(k key, s *Subscription, err error) {
	b.mu.Lock()
	_, ok := b.subs[k][s]
	if ok {
		delete(b.subs[k], s)
		if len(b.subs[k]) == 0 {
			delete(b.subs, k)
		}
	}
	b.mu.Unlock()
	if ok {
		b.open(-1)
		s.end(err)
	}
}

// Subscribers reports how many subscriptions are open, for tests and health.
func (b *Broker) Subscribers() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	n := 0
	for _, m := range b.subs {
		n += len(m)
	}
	return n
}
