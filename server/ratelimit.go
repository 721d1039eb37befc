package server

import (
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters holds one token bucket per caller (token ID, or client address when
// anonymous). Buckets idle long enough to be full again are dropped when the map
// grows, so memory stays bounded by active callers.
type limiters struct {
	mu      sync.Mutex
	perSec  rate.Limit
	burst   int
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

const maxIdleBuckets = 10000

func newLimiters(perSec float64, burst int) *limiters {
	if burst < 1 {
		burst = 1
	}
	return &limiters{perSec: rate.Limit(perSec), burst: burst, buckets: map[string]*bucket{}}
}

// allow reports whether key may make a request now, and otherwise how long to wait.
func (l *limiters) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxIdleBuckets {
			l.sweep(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.perSec, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops buckets idle long enough to have refilled completely.
func (l *limiters) sweep(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.perSec) * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, k)
		}
	}
}

// admitWebhook returns the per-account limit on stored webhooks, or nil when
// it is disabled.
func (s *Server) admitWebhook() func(accountID int) (bool, time.Duration) {
	if s.cfg.WebhookRateLimit <= 0 {
		return nil
	}
	l := newLimiters(s.cfg.WebhookRateLimit, s.cfg.WebhookRateBurst)
	return func(accountID int) (bool, time.Duration) {
		return l.allow(strconv.Itoa(accountID), time.Now())
	}
}
