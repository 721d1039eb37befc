package sysmsg_test

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/core/sysmsg"
)

// clock is a hand-moved time for the limiter.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestPositionLimiter(t *testing.T) {
	type step struct {
		advance  time.Duration
		conv     int
		position int
		want     bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"the first update goes", []step{{0, 1, 5, true}}},
		{"then one per interval", []step{
			{0, 1, 5, true}, {10 * time.Second, 1, 4, false}, {19 * time.Second, 1, 3, false},
			{time.Second, 1, 3, true}, {29 * time.Second, 1, 2, false}, {time.Second, 1, 2, true},
		}},
		{"the front of the queue goes at once", []step{
			{0, 1, 3, true}, {time.Second, 1, 2, false}, {time.Second, 1, 1, true}, {time.Minute, 1, 1, false},
		}},
		{"a position already told is not told again", []step{
			{0, 1, 4, true}, {time.Hour - time.Second, 1, 4, false},
		}},
		{"conversations are limited apart", []step{
			{0, 1, 4, true}, {0, 2, 7, true}, {time.Second, 2, 6, false}, {0, 3, 2, true},
		}},
		{"no position, nothing to tell", []step{{0, 1, 0, false}, {0, 1, -1, false}, {0, 1, 2, true}}},
		{"moving back is news too", []step{{0, 1, 2, true}, {30 * time.Second, 1, 3, true}}},
		{"stale conversations are forgotten", []step{
			{0, 1, 4, true}, {time.Hour, 2, 9, true}, {0, 1, 4, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
			l := sysmsg.NewPositionLimiter(30*time.Second, c.now)
			for i, s := range tt.steps {
				c.advance(s.advance)
				if got := l.Allow(s.conv, s.position); got != s.want {
					t.Fatalf("step %d: Allow(%d, %d) = %v, want %v", i, s.conv, s.position, got, s.want)
				}
			}
		})
	}
}

func TestPositionLimiterToldAndForget(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	l := sysmsg.NewPositionLimiter(0, c.now) // the default interval
	l.Told(7, 5)                             // the QUEUED message said 5
	if l.Allow(7, 4) {
		t.Fatal("an update right after the QUEUED message went")
	}
	c.advance(sysmsg.DefaultPositionInterval)
	if !l.Allow(7, 4) {
		t.Fatal("an update after the interval was held")
	}
	c.advance(time.Second)
	l.Forget(7) // taken by an agent, then queued again
	if !l.Allow(7, 3) {
		t.Fatal("a forgotten conversation's first update was held")
	}
}

// TestPositionLimiterRemembersLongWaiters: a customer who waits more than an
// hour at the same place (asked about it every round) is not told that place
// again; one nobody asked about for an hour is forgotten.
func TestPositionLimiterRemembersLongWaiters(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	l := sysmsg.NewPositionLimiter(0, c.now)
	l.Told(1, 3)
	l.Told(2, 4)
	for range 90 {
		c.advance(time.Minute)
		if l.Allow(1, 3) {
			t.Fatalf("after %s at the same place, it was told again", c.t.Sub(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)))
		}
	}
	if !l.Allow(2, 4) {
		t.Fatal("a conversation not asked about for 90 minutes is still remembered")
	}
}
