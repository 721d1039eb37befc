package supervision

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/chatservice"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/ent/surveyresult"
)

// MaxRange is the longest range Stats covers at once: a year, leap day
// included. Longer ones would read too much for one request.
const MaxRange = 366 * 24 * time.Hour

// waitBatch is how many answered conversations Stats reads at a time to sum
// their waits and handle times.
const waitBatch = 5000

// Stats are one chat service's figures over [From, To). A conversation
// counts in the range in which it entered the queue (a customer who wrote
// again, or a transfer, keeps that time), under the service whose queue it
// is in or was last in; survey results count when they were given.
type Stats struct {
	ServiceID int
	Name      string
	From, To  time.Time
	// Entered counts the conversations that entered the queue in the range;
	// Answered those of them an agent took from the queue, Abandoned those
	// that closed while still waiting. Those neither still wait (or left the
	// queue otherwise, as when their service was deleted).
	Entered, Answered, Abandoned int
	// LongestWait (and AverageWait) are over the answered ones, from
	// entering the queue to an agent taking it.
	LongestWait time.Duration
	// Handled counts the answered ones closed since (AverageHandle: from an
	// agent taking them to closing).
	Handled int
	// WaitingNow and LongestCurrentWait are the queue as it is now, whatever
	// the range.
	WaitingNow         int
	LongestCurrentWait time.Duration
	// Ratings counts the satisfaction survey's answers given in the range;
	// RatingSum adds their ratings (1 to 5).
	Ratings, RatingSum int
	// Channels counts the entered conversations by messenger, by name.
	Channels []ChannelCount
	// Series splits Entered, Answered and Abandoned over the range in points
	// of one bucket's length (StatsSeries); nil from Stats.
	Series []Point
	// waitSum and handleSum are in seconds: a year of nanoseconds could
	// overflow.
	waitSum, handleSum float64
}

// ChannelCount is how many conversations came through one messenger.
type ChannelCount struct {
	Channel       integrationaccount.Type
	Conversations int
}

// AverageWait is the answered conversations' mean wait (ok false: none).
func (s Stats) AverageWait() (time.Duration, bool) { return mean(s.waitSum, s.Answered) }

// AverageHandle is the handled conversations' mean handle time (ok false: none).
func (s Stats) AverageHandle() (time.Duration, bool) { return mean(s.handleSum, s.Handled) }

// AverageRating is the mean satisfaction rating (ok false: no answers).
func (s Stats) AverageRating() (float64, bool) {
	if s.Ratings == 0 {
		return 0, false
	}
	return float64(s.RatingSum) / float64(s.Ratings), true
}

func mean(seconds float64, n int) (time.Duration, bool) {
	if n == 0 {
		return 0, false
	}
	return time.Duration(seconds / float64(n) * float64(time.Second)), true
}

// ValidateRange checks a Stats range: from before to, at most MaxRange.
func ValidateRange(from, to time.Time) error {
	switch {
	case from.IsZero() || to.IsZero():
		return core.Invalid("from", "from and to are both required")
	case !from.Before(to):
		return core.Invalid("to", "must be after from")
	case to.Sub(from) > MaxRange:
		return core.Invalid("to", "the range spans at most 366 days")
	}
	return nil
}

// Stats returns the figures of every service of the viewer's tenant, by
// name, or of the one service given (NOT_FOUND when it is not the tenant's),
// over [from, to).
func (s *Service) Stats(ctx context.Context, serviceID *int, from, to time.Time) ([]Stats, error) {
	if err := mayWatch(ctx); err != nil {
		return nil, err
	}
	if err := ValidateRange(from, to); err != nil {
		return nil, err
	}
	now := s.now()
	from, to = asStored(from), asStored(to)
	q := s.client.ChatService.Query().Order(ent.Asc(chatservice.FieldName), ent.Asc(chatservice.FieldID))
	if serviceID != nil {
		q.Where(chatservice.ID(*serviceID))
	}
	services, err := q.Select(chatservice.FieldID, chatservice.FieldName).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("supervision: services: %w", err)
	}
	if serviceID != nil && len(services) == 0 {
		return nil, fmt.Errorf("supervision: service: %w", core.ErrNotFound)
	}
	out := make([]Stats, len(services))
	index := make(map[int]*Stats, len(services))
	ids := make([]int, len(services))
	for i, svc := range services {
		out[i] = Stats{ServiceID: svc.ID, Name: svc.Name, From: from, To: to, Channels: []ChannelCount{}}
		index[svc.ID], ids[i] = &out[i], svc.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	steps := []func(context.Context, []int, time.Time, time.Time, map[int]*Stats) error{
		s.outcomes, s.channels, s.satisfaction,
	}
	for _, step := range steps {
		if err := step(ctx, ids, from, to, index); err != nil {
			return nil, err
		}
	}
	for i := range out {
		if err := s.durations(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	waiting, err := s.waiting(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range waiting {
		if st := index[*c.ServiceID]; st != nil && c.QueuedAt != nil {
			st.WaitingNow++
			st.LongestCurrentWait = max(st.LongestCurrentWait, now.Sub(*c.QueuedAt))
		}
	}
	return out, nil
}

// outcomes counts the conversations that entered the queues in the range,
// and how many were answered and abandoned.
func (s *Service) outcomes(ctx context.Context, ids []int, from, to time.Time, index map[int]*Stats) error {
	var rows []struct {
		ServiceID int `json:"service_id"`
		Entered   int `json:"entered"`
		Answered  int `json:"answered"`
		Abandoned int `json:"abandoned"`
	}
	err := s.client.Conversation.Query().
		Where(conversation.ServiceIDIn(ids...), conversation.QueuedAtGTE(from), conversation.QueuedAtLT(to)).
		GroupBy(conversation.FieldServiceID).
		Aggregate(ent.As(ent.Count(), "entered"), countOf(conversation.FieldAnsweredAt, "answered"),
			countTrue(conversation.FieldAbandoned, "abandoned")).Scan(ctx, &rows)
	if err != nil {
		return fmt.Errorf("supervision: outcomes: %w", err)
	}
	for _, r := range rows {
		if st := index[r.ServiceID]; st != nil {
			st.Entered, st.Answered, st.Abandoned = r.Entered, r.Answered, r.Abandoned
		}
	}
	return nil
}

// channels counts the conversations that entered the queues in the range
// by messenger: by account in the database, then by the accounts' types.
func (s *Service) channels(ctx context.Context, ids []int, from, to time.Time, index map[int]*Stats) error {
	var rows []struct {
		ServiceID int `json:"service_id"`
		AccountID int `json:"integration_account_id"`
		Count     int `json:"count"`
	}
	err := s.client.Conversation.Query().
		Where(conversation.ServiceIDIn(ids...), conversation.QueuedAtGTE(from), conversation.QueuedAtLT(to)).
		GroupBy(conversation.FieldServiceID, conversation.FieldIntegrationAccountID).
		Aggregate(ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return fmt.Errorf("supervision: channels: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	accountIDs := make([]int, 0, len(rows))
	for _, r := range rows {
		accountIDs = append(accountIDs, r.AccountID)
	}
	accounts, err := s.client.IntegrationAccount.Query().Where(integrationaccount.IDIn(accountIDs...)).
		Select(integrationaccount.FieldID, integrationaccount.FieldType).All(ctx)
	if err != nil {
		return fmt.Errorf("supervision: channels' accounts: %w", err)
	}
	types := make(map[int]integrationaccount.Type, len(accounts))
	for _, a := range accounts {
		types[a.ID] = a.Type
	}
	for _, r := range rows {
		st, channel := index[r.ServiceID], types[r.AccountID]
		if st == nil || channel == "" {
			continue
		}
		i := slices.IndexFunc(st.Channels, func(c ChannelCount) bool { return c.Channel == channel })
		if i < 0 {
			st.Channels = append(st.Channels, ChannelCount{Channel: channel})
			i = len(st.Channels) - 1
		}
		st.Channels[i].Conversations += r.Count
	}
	for _, st := range index {
		slices.SortFunc(st.Channels, func(a, b ChannelCount) int { return cmp.Compare(a.Channel, b.Channel) })
	}
	return nil
}

// satisfaction sums the survey answers given in the range.
func (s *Service) satisfaction(ctx context.Context, ids []int, from, to time.Time, index map[int]*Stats) error {
	var rows []struct {
		ServiceID int `json:"service_id"`
		Ratings   int `json:"ratings"`
		Sum       int `json:"rating_sum"`
	}
	err := s.client.SurveyResult.Query().
		Where(surveyresult.ServiceIDIn(ids...), surveyresult.CreatedAtGTE(from), surveyresult.CreatedAtLT(to)).
		GroupBy(surveyresult.FieldServiceID).
		Aggregate(ent.As(ent.Count(), "ratings"), ent.As(ent.Sum(surveyresult.FieldRating), "rating_sum")).Scan(ctx, &rows)
	if err != nil {
		return fmt.Errorf("supervision: satisfaction: %w", err)
	}
	for _, r := range rows {
		if st := index[r.ServiceID]; st != nil {
			st.Ratings, st.RatingSum = r.Ratings, r.Sum
		}
	}
	return nil
}

// durations sums the waits and handle times of a service's answered
// conversations in the range. SQL has no portable way to subtract two
// times, so it reads their timestamps, in batches in index order (service,
// arrival, ID), and adds them up here.
func (s *Service) durations(ctx context.Context, st *Stats) error {
	var answered int
	var after *ent.Conversation
	for {
		q := s.client.Conversation.Query().Where(conversation.ServiceID(st.ServiceID),
			conversation.QueuedAtGTE(st.From), conversation.QueuedAtLT(st.To), conversation.AnsweredAtNotNil())
		if after != nil {
			q.Where(conversation.QueuedAtGTE(*after.QueuedAt),
				conversation.Or(conversation.QueuedAtGT(*after.QueuedAt), conversation.IDGT(after.ID)))
		}
		batch, err := q.Order(ent.Asc(conversation.FieldQueuedAt), ent.Asc(conversation.FieldID)).Limit(waitBatch).
			Select(conversation.FieldID, conversation.FieldQueuedAt, conversation.FieldAnsweredAt,
				conversation.FieldClosedAt, conversation.FieldStatus).All(ctx)
		if err != nil {
			return fmt.Errorf("supervision: waits: %w", err)
		}
		for _, c := range batch {
			wait := max(0, c.AnsweredAt.Sub(*c.QueuedAt))
			answered++
			st.waitSum += wait.Seconds()
			st.LongestWait = max(st.LongestWait, wait)
			if c.Status == conversation.StatusCLOSED && c.ClosedAt != nil {
				st.Handled++
				st.handleSum += max(0, c.ClosedAt.Sub(*c.AnsweredAt)).Seconds()
			}
		}
		if len(batch) < waitBatch {
			break
		}
		after = batch[len(batch)-1]
	}
	// Both reads see the same rows unless one was answered in between;
	// the averages are over what was summed.
	st.Answered = answered
	return nil
}
