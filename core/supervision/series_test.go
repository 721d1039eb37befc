package supervision_test

import (
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/supervision"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/ent/user"
)

// TestStatsSeries: a service's counts split into hours or days from the
// range's start add up to its figures, each conversation in the point it
// entered the queue in; a range with too many points, or an unknown bucket,
// is refused; Stats alone gives no series.
func TestStatsSeries(t *testing.T) {
	f := newFixture(t)
	tg := f.account(t, f.tenant, integrationaccount.TypeTELEGRAM)
	billing := f.service(t, f.tenant, "Billing", nil)
	ann := f.user(t, f.tenant, "ann", user.RoleAGENT, 3)
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.Local)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }

	f.conversation(t, conv{account: tg, service: billing, queued: at(9, 10), answer: 10 * time.Second, assignee: &ann.ID})
	f.conversation(t, conv{account: tg, service: billing, queued: at(9, 50), close: time.Minute, abandoned: true})
	f.conversation(t, conv{account: tg, service: billing, queued: at(11, 0), answer: time.Minute, assignee: &ann.ID})
	f.conversation(t, conv{account: tg, service: billing, queued: at(11, 59), waiting: true})
	f.conversation(t, conv{account: tg, service: billing, queued: at(8, 59), answer: time.Second})  // before the range
	f.conversation(t, conv{account: tg, service: billing, queued: at(12, 30), answer: time.Second}) // at the end: excluded

	stats, err := f.svc.StatsSeries(f.sup, &billing, at(9, 0), at(12, 30), supervision.BucketHour)
	if err != nil {
		t.Fatal(err)
	}
	want := []supervision.Point{
		{From: at(9, 0), Entered: 2, Answered: 1, Abandoned: 1},
		{From: at(10, 0)},
		{From: at(11, 0), Entered: 2, Answered: 1},
		{From: at(12, 0)}, // half an hour, up to the end
	}
	got := stats[0].Series
	if len(got) != len(want) {
		t.Fatalf("%d points, want %d: %+v", len(got), len(want), got)
	}
	var entered, answered, abandoned int
	for i := range want {
		if !got[i].From.Equal(want[i].From) || got[i].Entered != want[i].Entered || got[i].Answered != want[i].Answered ||
			got[i].Abandoned != want[i].Abandoned {
			t.Fatalf("point %d: %+v, want %+v", i, got[i], want[i])
		}
		entered, answered, abandoned = entered+got[i].Entered, answered+got[i].Answered, abandoned+got[i].Abandoned
	}
	if s := stats[0]; entered != s.Entered || answered != s.Answered || abandoned != s.Abandoned {
		t.Fatalf("the series adds up to %d %d %d, the figures are %d %d %d", entered, answered, abandoned, s.Entered, s.Answered, s.Abandoned)
	}

	t.Run("days", func(t *testing.T) {
		stats, err := f.svc.StatsSeries(f.sup, nil, day.Add(-6*24*time.Hour), day.Add(24*time.Hour), supervision.BucketDay)
		if err != nil {
			t.Fatal(err)
		}
		s := stats[0].Series
		if len(s) != 7 || s[6].Entered != 6 || s[6].Answered != 4 || s[5].Entered != 0 {
			t.Fatalf("seven days: %+v", s)
		}
	})
	t.Run("plain stats have none", func(t *testing.T) {
		stats, err := f.svc.Stats(f.sup, &billing, at(9, 0), at(12, 0))
		if err != nil || stats[0].Series != nil {
			t.Fatalf("%v %+v", err, stats)
		}
	})
	for _, c := range []struct {
		name     string
		from, to time.Time
		bucket   supervision.Bucket
	}{
		{"hours of 40 days", day.Add(-40 * 24 * time.Hour), day, supervision.BucketHour},
		{"unknown bucket", day, day.Add(time.Hour), "WEEK"},
		{"reversed", day, day.Add(-time.Hour), supervision.BucketHour},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v *core.ValidationError
			if _, err := f.svc.StatsSeries(f.sup, nil, c.from, c.to, c.bucket); !errors.As(err, &v) {
				t.Fatalf("err = %v, want a validation error", err)
			}
		})
	}
	if _, err := f.svc.StatsSeries(f.sup, nil, day.Add(-366*24*time.Hour), day, supervision.BucketDay); err != nil {
		t.Fatalf("366 days: %v", err)
	}
}
