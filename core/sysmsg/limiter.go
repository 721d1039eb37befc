package sysmsg

import (
	"sync"
	"time"
)

// DefaultPositionInterval is how often a waiting customer hears of a new queue
// position at most: often enough to show progress, seldom enough that a busy
// queue, where places change every few seconds, does not bury the chat in
// messages (and run into the messengers' own rate limits).
const DefaultPositionInterval = 30 * time.Second

// PositionLimiter decides whether a POSITION_CHANGED message may go to a waiting
// customer now. A conversation hears of a new position at most once per
// interval, except that reaching the front of the queue (position 1) is always
// told at once; a position it was already told is never told again. It starts
// no goroutine: it keeps the last position told per conversation and, now and
// then while it is used, drops conversations it has not heard of for an hour.
// It is safe for concurrent use.
type PositionLimiter struct {
	interval time.Duration
	now      func() time.Time

	mu    sync.Mutex
	told  map[int]toldPosition
	swept time.Time
}

// toldPosition is the last position a conversation was told, and when.
type toldPosition struct {
	position int
	at       time.Time
	// seen is when the conversation was last asked about: one that waits
	// long at the same place is still known, and not told that place again.
	seen time.Time
}

// The limiter's memory: conversations not heard of for staleAfter are
// forgotten (the next position they get is told at once), checked at most
// every sweepEvery.
const (
	staleAfter = time.Hour
	sweepEvery = time.Minute
)

// NewPositionLimiter returns a limiter allowing one position update per
// interval (DefaultPositionInterval when not above zero) and conversation.
// now is the clock (time.Now when nil); tests pass their own.
func NewPositionLimiter(interval time.Duration, now func() time.Time) *PositionLimiter {
	if interval <= 0 {
		interval = DefaultPositionInterval
	}
	if now == nil {
		now = time.Now
	}
	return &PositionLimiter{interval: interval, now: now, told: map[int]toldPosition{}}
}

// Allow reports whether conversation conversationID may be told its new
// position now, and when it may, records it as told. Positions below 1 are
// never told.
func (l *PositionLimiter) Allow(conversationID, position int) bool {
	if position < 1 {
		return false
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	last, ok := l.told[conversationID]
	if ok {
		last.seen = now
		l.told[conversationID] = last
	}
	switch {
	case !ok:
	case position == last.position:
		return false
	case position == 1:
	case now.Sub(last.at) < l.interval:
		return false
	}
	l.told[conversationID] = toldPosition{position: position, at: now, seen: now}
	return true
}

// Told records that the conversation learnt its position another way (the
// QUEUED message), so the next update waits its turn.
func (l *PositionLimiter) Told(conversationID, position int) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	l.told[conversationID] = toldPosition{position: position, at: now, seen: now}
}

// Forget drops a conversation that left the queue (an agent took it, the
// customer gave up), so the limiter holds only waiting conversations.
func (l *PositionLimiter) Forget(conversationID int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.told, conversationID)
}

// sweep drops stale conversations, at most every sweepEvery; l.mu is held.
func (l *PositionLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < sweepEvery {
		return
	}
	l.swept = now
	for id, t := range l.told {
		if now.Sub(t.seen) >= staleAfter {
			delete(l.told, id)
		}
	}
}
