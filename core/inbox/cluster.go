package inbox

import (
	"context"
	"encoding/json"

	"github.com/switchboard/switchboard/core/cluster"
)

// Work news between the instances of a cluster: what one instance's writes
// mean for the run-once workers, which run on the lease holder, and for
// every instance's supervisors' views.
const (
	workRoute    = "route"    // a queue or an agent changed: route again
	workDispatch = "dispatch" // replies wait to be sent
	workMedia    = "media"    // inbound media waits to be fetched
	workQueue    = "queue"    // a routing round ended: queues may look different
	workContact  = "contact"  // a contact changed: writers forget their copy
)

// work is a message on cluster.SubjectWork.
type work struct {
	Kind string `json:"kind"`
	// Account and User name the contact of workContact.
	Account int    `json:"account,omitempty"`
	User    string `json:"user,omitempty"`
}

// joinCluster subscribes this instance to the others' news: their committed
// events go through the fan-out (which reads what it missed from the log),
// their work wakes the workers here.
func (s *Service) joinCluster(ctx context.Context) {
	err := s.opts.Cluster.Subscribe(cluster.SubjectEvents, func(data json.RawMessage) {
		var evs []Event
		if err := json.Unmarshal(data, &evs); err != nil || len(evs) == 0 {
			return
		}
		select {
		case s.fanout.in <- evs:
		case <-ctx.Done():
		}
	})
	if err == nil {
		err = s.opts.Cluster.Subscribe(cluster.SubjectWork, func(data json.RawMessage) {
			var w work
			if json.Unmarshal(data, &w) != nil {
				return
			}
			switch w.Kind {
			case workRoute:
				s.kickRouterHere()
			case workDispatch:
				s.wakeHere()
			case workMedia:
				s.wakeMediaHere()
			case workQueue:
				s.queueChangedHere()
			case workContact:
				s.staleContact(contactKey{account: w.Account, user: w.User})
			}
		})
	}
	if err != nil {
		s.log.ErrorContext(ctx, "inbox: join the cluster", "err", err)
	}
}

// tellCluster sends work news to the other instances (none without a
// cluster). A lost message delays work until the next one, or the workers'
// own timers.
func (s *Service) tellCluster(kind string) {
	s.toCluster(cluster.SubjectWork, work{Kind: kind})
}

// tellLeader sends work for the run-once workers to the instance that runs
// them, unless it is this one (they were woken here already).
func (s *Service) tellLeader(kind string) {
	if !s.Leading() {
		s.tellCluster(kind)
	}
}

// shareEvents sends a committed batch's events to the other instances; a
// lost message is found in the log with the next event they hear of.
func (s *Service) shareEvents(evs []Event) {
	if len(evs) > 0 {
		s.toCluster(cluster.SubjectEvents, evs)
	}
}

// toCluster sends v on subject to the other instances, if there are any.
func (s *Service) toCluster(subject string, v any) {
	if s.opts.Cluster == nil {
		return
	}
	if err := s.opts.Cluster.Publish(subject, v); err != nil {
		s.log.Warn("inbox: tell the cluster", "subject", subject, "err", err)
	}
}

// wakeMediaHere wakes this instance's media worker (if it runs here).
func (s *Service) wakeMediaHere() {
	select {
	case s.mediaWake <- struct{}{}:
	default:
	}
}

// contactChanged makes the writers forget their copy of a contact that a
// job of this batch changes: this writer at once, the other instances' once
// the change has committed.
func (s *Service) contactChanged(rec *recorder, key contactKey) {
	s.cache.dropContact(key)
	if s.opts.Cluster != nil {
		rec.after = append(rec.after, func() {
			s.toCluster(cluster.SubjectWork, work{Kind: workContact, Account: key.account, User: key.user})
		})
	}
}

// staleContact queues a contact another instance changed, for this writer to
// forget before its next transaction (the cache is the writer's alone); when
// too many wait, the writer forgets every contact instead.
func (s *Service) staleContact(key contactKey) {
	select {
	case s.staleContacts <- key:
	default:
		s.staleOverflow.Store(true)
	}
}

// forgetStaleContacts runs in the writer before a transaction: it drops the
// contacts other instances changed.
func (s *Service) forgetStaleContacts() {
	if s.staleOverflow.Swap(false) {
		s.cache.reset()
	}
	for {
		select {
		case key := <-s.staleContacts:
			s.cache.dropContact(key)
		default:
			return
		}
	}
}
