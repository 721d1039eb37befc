package auth

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/token"
)

// Reasons a live connection ends; they reach the client as the close reason,
// so they say what happened without naming the token.
const (
	ReasonRevoked = "credentials are no longer valid: sign in again"
	ReasonExpired = "session expired: sign in again"
)

// liveConn is one connection that outlives a request: a websocket, or a
// server-sent event stream. It costs the set two list links and a heap slot:
// no goroutine, no timer of its own.
type liveConn struct {
	userID  int
	viewer  *core.LiveViewer
	end     func(reason string)
	expires time.Time // zero: the credential does not expire
	// prev and next link the connections of one user; index is the place in
	// the expiry heap, -1 when not there.
	prev, next *liveConn
	index      int
	gone       bool
}

// liveSet holds the open connections: by user, so that a change to a user or
// one of its tokens reaches that user's connections and no others, and by
// expiry, so that one timer ends each as its credential expires.
type liveSet struct {
	now    func() time.Time
	mu     sync.Mutex
	byUser map[int]*liveConn // the first of each user's connections
	expiry expiryHeap
	timer  *time.Timer // fires at the earliest expiry
}

// add starts tracking c.
func (l *liveSet) add(c *liveConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byUser == nil {
		l.byUser = map[int]*liveConn{}
	}
	c.next = l.byUser[c.userID]
	if c.next != nil {
		c.next.prev = c
	}
	l.byUser[c.userID] = c
	c.index = -1
	if !c.expires.IsZero() {
		heap.Push(&l.expiry, c)
		if c.index == 0 {
			l.armLocked()
		}
	}
}

// remove stops tracking c, and reports whether it was tracked: of several
// reasons to end a connection, only the first ends it.
func (l *liveSet) remove(c *liveConn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.removeLocked(c)
}

func (l *liveSet) removeLocked(c *liveConn) bool {
	if c.gone {
		return false
	}
	c.gone = true
	if c.prev != nil {
		c.prev.next = c.next
	} else if c.next != nil {
		l.byUser[c.userID] = c.next
	} else {
		delete(l.byUser, c.userID)
	}
	if c.next != nil {
		c.next.prev = c.prev
	}
	c.prev, c.next = nil, nil
	if c.index >= 0 {
		heap.Remove(&l.expiry, c.index)
	}
	return true
}

// of returns the connections of a user.
func (l *liveSet) of(userID int) []*liveConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*liveConn
	for c := l.byUser[userID]; c != nil; c = c.next {
		out = append(out, c)
	}
	return out
}

// armLocked sets the timer for the earliest expiry.
func (l *liveSet) armLocked() {
	if len(l.expiry) == 0 {
		return
	}
	d := l.expiry[0].expires.Sub(l.now())
	if l.timer == nil {
		l.timer = time.AfterFunc(d, l.expire)
	} else {
		l.timer.Reset(d)
	}
}

// expire ends the connections whose credentials have expired.
func (l *liveSet) expire() {
	now := l.now()
	var ended []*liveConn
	l.mu.Lock()
	for len(l.expiry) > 0 && !l.expiry[0].expires.After(now) {
		c := l.expiry[0]
		l.removeLocked(c)
		ended = append(ended, c)
	}
	l.armLocked()
	l.mu.Unlock()
	for _, c := range ended {
		c.end(ReasonExpired)
	}
}

// expiryHeap orders connections by expiry, soonest first (container/heap).
type expiryHeap []*liveConn

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *expiryHeap) Push(x any) {
	c := x.(*liveConn)
	c.index = len(*h)
	*h = append(*h, c)
}
func (h *expiryHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	c.index = -1
	return c
}

// Watch keeps a long-lived connection's access in step with its credentials,
// which a check at connect time alone does not: end is called once, with the
// reason, when its token is revoked or expires or its user is deactivated; a
// change of the user's role is stored into lv, so it applies at once. end must
// not block. stop forgets the connection; call it when the connection ends.
func (s *Service) Watch(lv *core.LiveViewer, end func(reason string)) (stop func()) {
	v := lv.Load()
	c := &liveConn{userID: v.UserID, viewer: lv, end: end, expires: v.Expires}
	s.live.add(c)
	return func() { s.live.remove(c) }
}

// recheck runs after a change to a user or its tokens has committed: each of
// the user's live connections is looked up again by its token, and ends when
// that no longer authenticates or takes the user's new role.
func (s *Service) recheck(ctx context.Context, userID int) {
	conns := s.live.of(userID)
	if len(conns) == 0 {
		return
	}
	sys := core.SystemContext(context.WithoutCancel(ctx))
	for _, c := range conns {
		v := c.viewer.Load()
		t, err := s.client.Token.Query().Where(token.ID(v.TokenID)).WithUser().Only(sys)
		if err != nil && !ent.IsNotFound(err) {
			// The database could not say; failing closed is the safe side.
			if s.live.remove(c) {
				c.end(ReasonRevoked)
			}
			continue
		}
		valid := err == nil && t.RevokedAt == nil && (t.ExpiresAt == nil || s.now().Before(*t.ExpiresAt)) &&
			t.Edges.User != nil && t.Edges.User.Active
		if !valid {
			if s.live.remove(c) {
				c.end(ReasonRevoked)
			}
			continue
		}
		if role := core.Role(t.Edges.User.Role); role != v.Role {
			v.Role = role
			c.viewer.Store(v)
		}
	}
}

// afterUserChange rechecks the user's live connections once the change
// commits.
func (s *Service) afterUserChange(ctx context.Context, userID int) {
	store.AfterCommit(ctx, func() {
		s.userChanged(ctx, userID)
		if s.broadcast != nil {
			s.broadcast(userID)
		}
	})
}

// userChanged rechecks the user's live connections here and tells the
// OnUserChange hooks.
func (s *Service) userChanged(ctx context.Context, userID int) {
	s.recheck(ctx, userID)
	for _, fn := range s.onChange {
		fn(userID)
	}
}

// BroadcastChanges registers fn to tell the other instances of a cluster of
// each committed change of a user or its tokens (their caches and live
// connections must follow at once). Register before serving.
func (s *Service) BroadcastChanges(fn func(userID int)) { s.broadcast = fn }

// ChangedElsewhere applies a change another instance made to a user or its
// tokens: the token cache starts over and the user's live connections here
// are checked again (a revoked token's subscription ends).
func (s *Service) ChangedElsewhere(ctx context.Context, userID int) {
	s.viewers.clear()
	s.userChanged(ctx, userID)
}
