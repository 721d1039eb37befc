package auth

import (
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
// server-sent event stream.
type liveConn struct {
	viewer *core.LiveViewer
	end    func(reason string)
	expiry *time.Timer
	once   sync.Once
}

func (c *liveConn) stop(reason string) {
	c.once.Do(func() {
		if c.expiry != nil {
			c.expiry.Stop()
		}
		if reason != "" {
			c.end(reason)
		}
	})
}

// liveSet holds the open connections by user, so that a change to a user or
// one of its tokens reaches that user's connections and no others.
type liveSet struct {
	mu     sync.Mutex
	byUser map[int]map[*liveConn]struct{}
}

func (l *liveSet) add(userID int, c *liveConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byUser == nil {
		l.byUser = map[int]map[*liveConn]struct{}{}
	}
	if l.byUser[userID] == nil {
		l.byUser[userID] = map[*liveConn]struct{}{}
	}
	l.byUser[userID][c] = struct{}{}
}

func (l *liveSet) remove(userID int, c *liveConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byUser[userID], c)
	if len(l.byUser[userID]) == 0 {
		delete(l.byUser, userID)
	}
}

func (l *liveSet) of(userID int) []*liveConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*liveConn, 0, len(l.byUser[userID]))
	for c := range l.byUser[userID] {
		out = append(out, c)
	}
	return out
}

// Watch keeps a long-lived connection's access in step with its credentials,
// which a check at connect time alone does not: end is called once, with the
// reason, when its token is revoked or expires or its user is deactivated; a
// change of the user's role is stored into lv, so it applies at once. end must
// not block. stop forgets the connection; call it when the connection ends.
func (s *Service) Watch(lv *core.LiveViewer, end func(reason string)) (stop func()) {
	v := lv.Load()
	c := &liveConn{viewer: lv, end: end}
	s.live.add(v.UserID, c)
	if !v.Expires.IsZero() {
		c.expiry = time.AfterFunc(v.Expires.Sub(s.now()), func() {
			s.live.remove(v.UserID, c)
			c.stop(ReasonExpired)
		})
	}
	return func() {
		s.live.remove(v.UserID, c)
		c.stop("")
	}
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
			s.live.remove(userID, c)
			c.stop(ReasonRevoked)
			continue
		}
		valid := err == nil && t.RevokedAt == nil && (t.ExpiresAt == nil || s.now().Before(*t.ExpiresAt)) &&
			t.Edges.User != nil && t.Edges.User.Active
		if !valid {
			s.live.remove(userID, c)
			c.stop(ReasonRevoked)
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
	store.AfterCommit(ctx, func() { s.recheck(ctx, userID) })
}
