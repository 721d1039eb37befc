// Package fakeapi is the machinery every provider's fake API shares (the
// xtest packages beside each provider): the log of requests received,
// answers queued per endpoint, a hook deciding answers by request, and a
// delay that ends when the client gives up. Each fake keeps its messenger's
// own request and answer types; this package only stores and hands them out,
// so a fix to how fakes inject faults is made once.
package fakeapi

import (
	"context"
	"sync"
	"time"
)

// Faults records a fake's requests and the answers tests inject. The zero
// value is ready to use and safe for concurrent use.
type Faults[Req, Rep any] struct {
	mu       sync.Mutex
	requests []Req
	queued   map[string][]Rep
	hook     func(Req) *Rep
	// changed is closed by the next Record, so tests wait for a request
	// instead of polling the log.
	changed chan struct{}
}

// Changed returns a channel closed when the next request is recorded. Take
// it before reading the log: a request recorded between the two still closes
// it.
func (f *Faults[Req, Rep]) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.changed == nil {
		f.changed = make(chan struct{})
	}
	return f.changed
}

// Queue gives replies, in order, to the next calls to endpoint, one each.
func (f *Faults[Req, Rep]) Queue(endpoint string, replies ...Rep) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.queued == nil {
		f.queued = map[string][]Rep{}
	}
	f.queued[endpoint] = append(f.queued[endpoint], replies...)
}

// SetHook decides replies by request: a non-nil reply is given instead of the
// fake's own (after queued ones). nil removes it. The hook runs without the
// lock held, so it may call the fake.
func (f *Faults[Req, Rep]) SetHook(hook func(Req) *Rep) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hook = hook
}

// Injected is the queued or hooked reply for a call to endpoint, or nil when
// the fake answers on its own.
func (f *Faults[Req, Rep]) Injected(endpoint string, req Req) *Rep {
	f.mu.Lock()
	if q := f.queued[endpoint]; len(q) > 0 {
		rep := q[0]
		f.queued[endpoint] = q[1:]
		f.mu.Unlock()
		return &rep
	}
	hook := f.hook
	f.mu.Unlock()
	if hook == nil {
		return nil
	}
	return hook(req)
}

// Record adds a request to the log.
func (f *Faults[Req, Rep]) Record(req Req) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
}

// Requests returns the log, in order; clone, when set, copies each request's
// mutable parts so callers cannot change the log.
func (f *Faults[Req, Rep]) Requests(clone func(Req) Req) []Req {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Req, len(f.requests))
	for i, r := range f.requests {
		if clone != nil {
			r = clone(r)
		}
		out[i] = r
	}
	return out
}

// Reset forgets the log, the queued replies and the hook.
func (f *Faults[Req, Rep]) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests, f.queued, f.hook = nil, nil, nil
}

// Hold waits d before an answer, as a slow API does; it reports false when
// the client gave up first (ctx ended), and the fake then answers nothing.
func Hold(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
