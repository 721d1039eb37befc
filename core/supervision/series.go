package supervision

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
)

// Bucket is the length of one point of a service's series: a chart over
// time needs the range's figures split, and SQL has no portable way to
// group times by hour or day, so the core splits them.
type Bucket string

// The lengths a series' points can have.
const (
	BucketHour Bucket = "HOUR"
	BucketDay  Bucket = "DAY"
)

// MaxPoints bounds a series (a month of hours, with room): more points
// than a chart can show would only cost reading.
const MaxPoints = 800

// Duration is how long one point of the bucket spans.
func (b Bucket) Duration() time.Duration {
	switch b {
	case BucketHour:
		return time.Hour
	case BucketDay:
		return 24 * time.Hour
	}
	return 0
}

// Point is one bucket of a service's series: the conversations that
// entered its queue in [From, From+bucket), the last point ending at the
// range's end, and how many of those were answered and abandoned (as Stats
// counts them).
type Point struct {
	From                         time.Time
	Entered, Answered, Abandoned int
}

// ValidateSeries checks a series' bucket against its range.
func ValidateSeries(from, to time.Time, bucket Bucket) error {
	if err := ValidateRange(from, to); err != nil {
		return err
	}
	d := bucket.Duration()
	if d == 0 {
		return core.Invalid("bucket", "must be HOUR or DAY")
	}
	if points(from, to, d) > MaxPoints {
		return core.Invalid("bucket", "the range would make more than %d points: pick a longer bucket", MaxPoints)
	}
	return nil
}

func points(from, to time.Time, d time.Duration) int {
	return int((to.Sub(from) + d - 1) / d)
}

// StatsSeries is Stats with each service's figures also split into points
// of the bucket's length, counted from the range's start (so "the last 7
// days" are 7 days ending now, whatever the time zone), in Series. With no
// bucket ("") it is Stats.
func (s *Service) StatsSeries(ctx context.Context, serviceID *int, from, to time.Time, bucket Bucket) ([]Stats, error) {
	if bucket == "" {
		return s.Stats(ctx, serviceID, from, to)
	}
	if err := ValidateSeries(from, to, bucket); err != nil {
		return nil, err
	}
	out, err := s.Stats(ctx, serviceID, from, to)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.series(ctx, &out[i], bucket.Duration()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// series splits a service's conversations of the range into points, read in
// batches in index order (service, arrival, ID) as durations does.
func (s *Service) series(ctx context.Context, st *Stats, d time.Duration) error {
	st.Series = make([]Point, points(st.From, st.To, d))
	for i := range st.Series {
		st.Series[i].From = st.From.Add(time.Duration(i) * d)
	}
	var after *ent.Conversation
	for {
		q := s.client.Conversation.Query().Where(conversation.ServiceID(st.ServiceID),
			conversation.QueuedAtGTE(st.From), conversation.QueuedAtLT(st.To))
		if after != nil {
			q.Where(conversation.QueuedAtGTE(*after.QueuedAt),
				conversation.Or(conversation.QueuedAtGT(*after.QueuedAt), conversation.IDGT(after.ID)))
		}
		batch, err := q.Order(ent.Asc(conversation.FieldQueuedAt), ent.Asc(conversation.FieldID)).Limit(waitBatch).
			Select(conversation.FieldID, conversation.FieldQueuedAt, conversation.FieldAnsweredAt,
				conversation.FieldAbandoned).All(ctx)
		if err != nil {
			return fmt.Errorf("supervision: series: %w", err)
		}
		for _, c := range batch {
			i := int(c.QueuedAt.Sub(st.From) / d)
			if i < 0 || i >= len(st.Series) {
				continue
			}
			p := &st.Series[i]
			p.Entered++
			if c.AnsweredAt != nil {
				p.Answered++
			}
			if c.Abandoned {
				p.Abandoned++
			}
		}
		if len(batch) < waitBatch {
			return nil
		}
		after = batch[len(batch)-1]
	}
}
