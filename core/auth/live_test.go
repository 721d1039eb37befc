package auth

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/core"
)

// endings records the reasons connections were ended with, by name.
type endings struct {
	mu  sync.Mutex
	got map[string][]string
}

func (e *endings) conn(name string, userID int, expires time.Time) *liveConn {
	return &liveConn{userID: userID, viewer: core.NewLiveViewer(core.Viewer{UserID: userID}), expires: expires,
		end: func(reason string) {
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.got == nil {
				e.got = map[string][]string{}
			}
			e.got[name] = append(e.got[name], reason)
		}}
}

func (e *endings) of(name string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.got[name])
}

func TestLiveSetByUser(t *testing.T) {
	var e endings
	l := &liveSet{now: time.Now}
	a, b, c := e.conn("a", 1, time.Time{}), e.conn("b", 1, time.Time{}), e.conn("c", 1, time.Time{})
	other := e.conn("other", 2, time.Time{})
	for _, x := range []*liveConn{a, b, c, other} {
		l.add(x)
	}
	if got := l.of(1); len(got) != 3 {
		t.Fatalf("user 1 has %d connections, want 3", len(got))
	}
	for _, x := range []*liveConn{b, a, c} { // middle, then the rest
		if !l.remove(x) {
			t.Fatal("a tracked connection was not removed")
		}
		if slices.Contains(l.of(1), x) {
			t.Fatal("a removed connection is still listed")
		}
	}
	if l.remove(a) {
		t.Error("a connection was removed twice")
	}
	if _, ok := l.byUser[1]; ok {
		t.Error("a user without connections keeps an entry")
	}
	if got := l.of(2); len(got) != 1 || got[0] != other {
		t.Errorf("user 2: %v", got)
	}
}

func TestLiveSetExpiry(t *testing.T) {
	var e endings
	start := time.Now()
	now := start
	l := &liveSet{now: func() time.Time { return now }}
	soon, later, never := e.conn("soon", 1, start.Add(time.Hour)), e.conn("later", 1, start.Add(2*time.Hour)), e.conn("never", 1, time.Time{})
	stopped := e.conn("stopped", 2, start.Add(time.Hour))
	for _, x := range []*liveConn{later, never, soon, stopped} {
		l.add(x)
	}
	l.remove(stopped)

	now = start.Add(90 * time.Minute)
	l.expire()
	if got := e.of("soon"); !slices.Equal(got, []string{ReasonExpired}) {
		t.Errorf("soon ended with %v", got)
	}
	for _, name := range []string{"later", "never", "stopped"} {
		if got := e.of(name); got != nil {
			t.Errorf("%s ended with %v", name, got)
		}
	}
	if got := l.of(1); len(got) != 2 || slices.Contains(got, soon) {
		t.Errorf("user 1 after the expiry: %d connections", len(got))
	}

	now = start.Add(3 * time.Hour)
	l.expire()
	if got := e.of("later"); !slices.Equal(got, []string{ReasonExpired}) {
		t.Errorf("later ended with %v", got)
	}
	if got := e.of("never"); got != nil {
		t.Errorf("a credential without expiry ended: %v", got)
	}
	if len(l.expiry) != 0 {
		t.Errorf("%d connections still wait to expire", len(l.expiry))
	}
}

// TestLiveSetTimer: the set's one timer ends a connection when its credential
// expires, and one stopped before is not ended.
func TestLiveSetTimer(t *testing.T) {
	l := &liveSet{now: time.Now}
	ended := make(chan string, 2)
	conn := func(name string, in time.Duration) *liveConn {
		return &liveConn{userID: 1, viewer: core.NewLiveViewer(core.Viewer{UserID: 1}), expires: time.Now().Add(in),
			end: func(reason string) { ended <- name + ": " + reason }}
	}
	stopped := conn("stopped", 10*time.Millisecond)
	l.add(conn("first", 50*time.Millisecond))
	l.add(stopped)
	l.remove(stopped)
	select {
	case got := <-ended:
		if got != "first: "+ReasonExpired {
			t.Fatalf("ended %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an expired credential's connection is still open")
	}
	select {
	case got := <-ended:
		t.Fatalf("ended %q too", got)
	default:
	}
}
