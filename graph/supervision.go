package graph

import (
	"time"

	"github.com/switchboard/switchboard/core/supervision"
	"github.com/switchboard/switchboard/ent/user"
	"github.com/switchboard/switchboard/graph/model"
)

// The supervisors' views (core/supervision) as GraphQL: durations become
// seconds, absent averages null.

func queueSnapshotModel(s *supervision.Snapshot) *model.QueueSnapshot {
	out := &model.QueueSnapshot{At: s.At, Services: make([]*model.ServiceQueue, len(s.Services)),
		Agents: make([]*model.AgentStatus, len(s.Agents))}
	for i, q := range s.Services {
		convs := make([]*model.WaitingConversation, len(q.Conversations))
		for j, c := range q.Conversations {
			convs[j] = &model.WaitingConversation{ConversationID: c.ConversationID, QueuedAt: c.QueuedAt,
				WaitSeconds: c.Wait.Seconds(), Priority: c.Priority, OfferedToID: c.OfferedTo}
		}
		out.Services[i] = &model.ServiceQueue{ServiceID: q.ServiceID, Name: q.Name, Waiting: q.Waiting,
			Offered: q.Offered, LongestWaitSeconds: q.LongestWait.Seconds(), Conversations: convs}
	}
	for i, a := range s.Agents {
		out.Agents[i] = &model.AgentStatus{UserID: a.ID, Name: a.Name, Role: user.Role(a.Role), State: user.State(a.State),
			StateReason: a.Reason, StateSince: a.Since, OpenConversations: a.Open, PendingOffers: a.Offers,
			Load: a.Load(), Capacity: a.Capacity, ServiceIds: a.ServiceIDs}
	}
	return out
}

func serviceStatsModel(list []supervision.Stats) []*model.ServiceStats {
	out := make([]*model.ServiceStats, len(list))
	for i, s := range list {
		m := &model.ServiceStats{ServiceID: s.ServiceID, Name: s.Name, From: s.From, To: s.To,
			Entered: s.Entered, Answered: s.Answered, Abandoned: s.Abandoned, Handled: s.Handled,
			WaitingNow: s.WaitingNow, LongestCurrentWaitSeconds: s.LongestCurrentWait.Seconds(),
			Ratings: s.Ratings, Channels: make([]*model.ChannelCount, len(s.Channels)),
			Series: make([]*model.StatsPoint, len(s.Series))}
		m.AverageWaitSeconds = seconds(s.AverageWait())
		m.AverageHandleSeconds = seconds(s.AverageHandle())
		if s.Answered > 0 {
			m.LongestWaitSeconds = seconds(s.LongestWait, true)
		}
		if avg, ok := s.AverageRating(); ok {
			m.AverageRating = &avg
		}
		for j, c := range s.Channels {
			m.Channels[j] = &model.ChannelCount{Channel: c.Channel, Conversations: c.Conversations}
		}
		for j, p := range s.Series {
			m.Series[j] = &model.StatsPoint{From: p.From, Entered: p.Entered, Answered: p.Answered, Abandoned: p.Abandoned}
		}
		out[i] = m
	}
	return out
}

// bucketOf is serviceStats' bucket argument for the core: none, no series.
func bucketOf(b *model.StatsBucket) supervision.Bucket {
	if b == nil {
		return ""
	}
	return supervision.Bucket(*b)
}

// seconds is d in seconds, or nil when there is none (ok false).
func seconds(d time.Duration, ok bool) *float64 {
	if !ok {
		return nil
	}
	s := d.Seconds()
	return &s
}
