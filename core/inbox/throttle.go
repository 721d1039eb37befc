package inbox

import (
	"sync"
	"time"
)

// throttle lets work keyed by an ID happen at most once per interval: the
// account health times, the customer profile lookups. It forgets everything
// when it grows past maxThrottled keys, so memory stays bounded.
type throttle[K comparable] struct {
	every time.Duration
	mu    sync.Mutex
	last  map[K]time.Time
}

const maxThrottled = 100000

// due reports whether key's work may run at now, and if so marks it done.
func (t *throttle[K]) due(key K, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.last[key]; ok && now.Sub(last) < t.every {
		return false
	}
	if t.last == nil || len(t.last) >= maxThrottled {
		t.last = map[K]time.Time{}
	}
	t.last[key] = now
	return true
}

// forget makes key's work due at once, after it failed or was overtaken.
func (t *throttle[K]) forget(key K) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.last, key)
}
