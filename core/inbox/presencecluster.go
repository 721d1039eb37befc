package inbox

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/switchboard/switchboard/core/cluster"
)

// Agents' connections across a cluster. Each instance counts the websockets
// it serves (presence); with others beside it, it also tells them, every
// beat and at once on a change, which agents it has connections of, and
// keeps what they told it. An agent is gone only when no instance has a
// connection of theirs: then, after the grace period, OFFLINE. An instance
// that stops telling (it died) is forgotten after three beats, and its
// agents connected nowhere else start their grace period.

// presenceNews is a message on cluster.SubjectPresence.
type presenceNews struct {
	Origin string `json:"origin"`
	Users  []int  `json:"users"`
}

// remotePresence is what the other instances told of their connections.
type remotePresence struct {
	mu sync.Mutex
	of map[string]remoteConns
}

type remoteConns struct {
	users []int
	at    time.Time
}

// presenceBeat is how often an instance tells the others of its agents:
// several times per grace period, and at least every two seconds.
func (s *Service) presenceBeat() time.Duration {
	return max(10*time.Millisecond, min(2*time.Second, s.opts.OfflineGrace/4))
}

// connectedElsewhere reports whether another live instance serves a
// connection of userID.
func (s *Service) connectedElsewhere(userID int) bool {
	r := &s.remote
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rc := range r.of {
		if slices.Contains(rc.users, userID) {
			return true
		}
	}
	return false
}

// runPresence tells the other instances of this one's connections every
// beat and forgets instances that stopped telling, until ctx ends.
func (s *Service) runPresence(ctx context.Context) {
	err := s.opts.Cluster.Subscribe(cluster.SubjectPresence, func(data json.RawMessage) {
		var n presenceNews
		if json.Unmarshal(data, &n) != nil || n.Origin == "" {
			return
		}
		s.heardPresence(n, time.Now())
	})
	if err != nil {
		s.log.ErrorContext(ctx, "inbox: agents' connections across the cluster", "err", err)
	}
	beat := s.presenceBeat()
	t := time.NewTicker(beat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sharePresence()
			s.expirePresence(time.Now(), 3*beat)
		}
	}
}

// sharePresence tells the other instances which agents this one serves.
func (s *Service) sharePresence() {
	if s.opts.Cluster == nil {
		return
	}
	p := &s.presence
	p.mu.Lock()
	users := make([]int, 0, len(p.conns))
	for id, n := range p.conns {
		if n > 0 {
			users = append(users, id)
		}
	}
	p.mu.Unlock()
	if err := s.opts.Cluster.Publish(cluster.SubjectPresence, presenceNews{Origin: s.origin, Users: users}); err != nil {
		s.log.Warn("inbox: share agents' connections", "err", err)
	}
}

// heardPresence keeps an instance's news; agents it no longer serves, and
// no instance does, start their grace period here too.
func (s *Service) heardPresence(n presenceNews, now time.Time) {
	r := &s.remote
	r.mu.Lock()
	if r.of == nil {
		r.of = map[string]remoteConns{}
	}
	before := r.of[n.Origin].users
	r.of[n.Origin] = remoteConns{users: n.Users, at: now}
	r.mu.Unlock()
	for _, id := range before {
		if !slices.Contains(n.Users, id) {
			s.armIfGone(id)
		}
	}
}

// expirePresence forgets instances silent for longer than ttl (they died);
// their agents connected nowhere else start their grace period.
func (s *Service) expirePresence(now time.Time, ttl time.Duration) {
	r := &s.remote
	r.mu.Lock()
	var orphans []int
	for origin, rc := range r.of {
		if now.Sub(rc.at) > ttl {
			orphans = append(orphans, rc.users...)
			delete(r.of, origin)
		}
	}
	r.mu.Unlock()
	for _, id := range orphans {
		s.armIfGone(id)
	}
}

// armIfGone starts userID's grace period here when no instance serves a
// connection of theirs.
func (s *Service) armIfGone(userID int) {
	if s.connectedElsewhere(userID) {
		return
	}
	p := &s.presence
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[userID] == 0 {
		s.armOffline(userID)
	}
}
