package supervision_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/core/supervision"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/ent/user"
)

// fakeUpdates is a queue-change source the test triggers by hand.
type fakeUpdates struct {
	mu sync.Mutex
	ch chan struct{}
}

func (f *fakeUpdates) QueueUpdates() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ch == nil {
		f.ch = make(chan struct{})
	}
	return f.ch
}

func (f *fakeUpdates) change() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ch != nil {
		close(f.ch)
		f.ch = nil
	}
}

// fixture is a fresh database with a tenant (and another, whose data must
// never count), a fixed clock and a supervisor's viewer.
type fixture struct {
	client  *ent.Client
	sys     context.Context
	sup     context.Context // a supervisor of the tenant
	tenant  int
	other   int // the other tenant
	now     time.Time
	updates *fakeUpdates
	svc     *supervision.Service
	n       int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	client, _, err := store.Open(ctx, store.Options{DataDir: t.TempDir(), Synchronous: "OFF", DatabaseURL: storetest.DatabaseURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	f := &fixture{client: client, sys: core.SystemContext(ctx), updates: &fakeUpdates{},
		now: time.Date(2026, 11, 2, 12, 0, 0, 0, time.Local)}
	for i, name := range []string{"a", "b"} {
		tn, err := client.Tenant.Create().SetName(name).Save(f.sys)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.tenant = tn.ID
		} else {
			f.other = tn.ID
		}
	}
	boss := f.user(t, f.tenant, "boss", user.RoleSUPERVISOR, 3)
	f.sup = core.WithViewer(ctx, core.Viewer{TenantID: f.tenant, UserID: boss.ID, Role: core.RoleSupervisor})
	f.svc = supervision.New(client, f.updates, supervision.Options{Now: func() time.Time { return f.now },
		Interval: 50 * time.Millisecond, Refresh: 200 * time.Millisecond})
	return f
}

func (f *fixture) user(t *testing.T, tenant int, name string, role user.Role, capacity int, skills ...core.Skill) *ent.User {
	t.Helper()
	u, err := f.client.User.Create().SetTenantID(tenant).SetName(name).SetRole(role).SetCapacity(capacity).
		SetSkills(skills).Save(f.sys)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) account(t *testing.T, tenant int, typ integrationaccount.Type) int {
	t.Helper()
	f.n++
	a, err := f.client.IntegrationAccount.Create().SetTenantID(tenant).SetAccountID(fmt.Sprintf("acc-%d", f.n)).
		SetName(fmt.Sprintf("%s %d", typ, f.n)).SetType(typ).SetSettings(map[string]string{}).Save(f.sys)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func (f *fixture) service(t *testing.T, tenant int, name string, required []core.Skill, agents ...int) int {
	t.Helper()
	s, err := f.client.ChatService.Create().SetTenantID(tenant).SetName(name).SetRequiredSkills(required).
		AddAgentIDs(agents...).Save(f.sys)
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// conv is a conversation to create: it entered the service's queue at
// queued, was answered after answer and closed after close (zero: not).
type conv struct {
	account, service int
	queued           time.Time
	answer, close    time.Duration
	abandoned        bool
	waiting          bool
	assignee         *int
	offeredTo        *int
}

func (f *fixture) conversation(t *testing.T, c conv) *ent.Conversation {
	t.Helper()
	acct, err := f.client.IntegrationAccount.Get(f.sys, c.account)
	if err != nil {
		t.Fatal(err)
	}
	f.n++
	ct, err := f.client.Contact.Create().SetTenantID(acct.TenantID).SetIntegrationAccountID(c.account).
		SetProviderUserID(fmt.Sprintf("u%d", f.n)).Save(f.sys)
	if err != nil {
		t.Fatal(err)
	}
	create := f.client.Conversation.Create().SetTenantID(acct.TenantID).SetIntegrationAccountID(c.account).
		SetContactID(ct.ID).SetServiceID(c.service).SetQueuedAt(c.queued).SetQueued(c.waiting).
		SetAbandoned(c.abandoned).SetNillableAssigneeID(c.assignee).SetNillableOfferedToID(c.offeredTo)
	if c.answer > 0 {
		create.SetAnsweredAt(c.queued.Add(c.answer))
	}
	if c.close > 0 {
		create.SetStatus(conversation.StatusCLOSED).SetClosedAt(c.queued.Add(c.close))
	}
	out, err := create.Save(f.sys)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fixture) survey(t *testing.T, tenant int, convID, service, rating int, at time.Time) {
	t.Helper()
	if err := f.client.SurveyResult.Create().SetTenantID(tenant).SetConversationID(convID).SetServiceID(service).
		SetRating(rating).SetCreatedAt(at).Exec(f.sys); err != nil {
		t.Fatal(err)
	}
}

func near(got, want time.Duration) bool {
	return math.Abs(float64(got-want)) < float64(time.Millisecond)
}

// TestStatsMatchWhatHappened: a scripted day of two services; every figure
// is what the script did, the range picks conversations by when they
// entered the queue, and the other tenant's data never counts.
func TestStatsMatchWhatHappened(t *testing.T) {
	f := newFixture(t)
	tg := f.account(t, f.tenant, integrationaccount.TypeTELEGRAM)
	vb := f.account(t, f.tenant, integrationaccount.TypeVIBER)
	billing := f.service(t, f.tenant, "Billing", nil)
	sales := f.service(t, f.tenant, "Sales", nil)
	ann := f.user(t, f.tenant, "ann", user.RoleAGENT, 3)
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.Local)

	// Billing: three answered (waits 10s, 20s, 60s), two of them closed
	// (handled 100s and 300s), one abandoned, one still waiting; one
	// answered the day before, outside the range.
	c1 := f.conversation(t, conv{account: tg, service: billing, queued: day.Add(9 * time.Hour), answer: 10 * time.Second, close: 110 * time.Second, assignee: &ann.ID})
	c2 := f.conversation(t, conv{account: vb, service: billing, queued: day.Add(10 * time.Hour), answer: 20 * time.Second, close: 320 * time.Second, assignee: &ann.ID})
	f.conversation(t, conv{account: tg, service: billing, queued: day.Add(11 * time.Hour), answer: time.Minute, assignee: &ann.ID})
	f.conversation(t, conv{account: tg, service: billing, queued: day.Add(12 * time.Hour), close: 45 * time.Second, abandoned: true})
	f.conversation(t, conv{account: vb, service: billing, queued: f.now.Add(-90 * time.Second), waiting: true})
	old := f.conversation(t, conv{account: tg, service: billing, queued: day.Add(-time.Hour), answer: time.Hour, close: 2 * time.Hour})
	// Sales: nothing in the range but a survey answer.
	// The other tenant: a service and conversations that must not count.
	otherAcct := f.account(t, f.other, integrationaccount.TypeTELEGRAM)
	otherSvc := f.service(t, f.other, "Billing", nil)
	oc := f.conversation(t, conv{account: otherAcct, service: otherSvc, queued: day.Add(9 * time.Hour), answer: time.Hour})
	f.survey(t, f.other, oc.ID, otherSvc, 1, day.Add(10*time.Hour))

	f.survey(t, f.tenant, c1.ID, billing, 5, day.Add(9*time.Hour+2*time.Minute))
	f.survey(t, f.tenant, c2.ID, billing, 2, day.Add(10*time.Hour+6*time.Minute))
	f.survey(t, f.tenant, old.ID, billing, 1, day.Add(-30*time.Minute)) // before the range
	f.survey(t, f.tenant, c2.ID, sales, 4, day.Add(13*time.Hour))

	stats, err := f.svc.Stats(f.sup, nil, day, f.now)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 2 || stats[0].ServiceID != billing || stats[1].ServiceID != sales {
		t.Fatalf("stats of %d services: %+v", len(stats), stats)
	}
	b := stats[0]
	if b.Name != "Billing" || b.Entered != 5 || b.Answered != 3 || b.Abandoned != 1 || b.Handled != 2 {
		t.Fatalf("Billing: entered %d answered %d abandoned %d handled %d, want 5 3 1 2", b.Entered, b.Answered, b.Abandoned, b.Handled)
	}
	if avg, ok := b.AverageWait(); !ok || !near(avg, 30*time.Second) || b.LongestWait != time.Minute {
		t.Fatalf("waits: average %s (%v), longest %s; want 30s and 1m", avg, ok, b.LongestWait)
	}
	if avg, ok := b.AverageHandle(); !ok || !near(avg, 200*time.Second) {
		t.Fatalf("average handle %s (%v), want 200s", avg, ok)
	}
	if b.WaitingNow != 1 || b.LongestCurrentWait != 90*time.Second {
		t.Fatalf("waiting now %d, longest %s; want 1 and 90s", b.WaitingNow, b.LongestCurrentWait)
	}
	if avg, ok := b.AverageRating(); !ok || b.Ratings != 2 || avg != 3.5 {
		t.Fatalf("satisfaction %v (%v) of %d, want 3.5 of 2", avg, ok, b.Ratings)
	}
	want := []supervision.ChannelCount{{Channel: integrationaccount.TypeTELEGRAM, Conversations: 3}, {Channel: integrationaccount.TypeVIBER, Conversations: 2}}
	if fmt.Sprint(b.Channels) != fmt.Sprint(want) {
		t.Fatalf("channels %+v, want %+v", b.Channels, want)
	}
	s := stats[1]
	if s.Entered != 0 || s.Answered != 0 || s.Ratings != 1 || len(s.Channels) != 0 {
		t.Fatalf("Sales: %+v", s)
	}
	if _, ok := s.AverageWait(); ok {
		t.Fatal("an average wait of no answered conversation")
	}

	t.Run("range", func(t *testing.T) {
		// [10:00, 11:00) holds only the 10:00 conversation; the end is excluded.
		got, err := f.svc.Stats(f.sup, &billing, day.Add(10*time.Hour), day.Add(11*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Entered != 1 || got[0].Answered != 1 || got[0].LongestWait != 20*time.Second ||
			got[0].Ratings != 1 || got[0].RatingSum != 2 {
			t.Fatalf("one hour: %+v", got)
		}
		// The same range given in another time zone means the same instants.
		east := time.FixedZone("east", 5*3600)
		got, err = f.svc.Stats(f.sup, &billing, day.Add(10*time.Hour).In(east), day.Add(11*time.Hour).In(east))
		if err != nil || got[0].Entered != 1 {
			t.Fatalf("the range in another zone: %v %+v", err, got)
		}
	})
	t.Run("batches", func(t *testing.T) {
		// More answered conversations than one read takes are all summed.
		svc := f.service(t, f.tenant, "Bulk", nil)
		start := day.Add(14 * time.Hour)
		for lo := 0; lo < 5003; lo += 500 {
			hi := min(lo+500, 5003)
			contacts := make([]*ent.ContactCreate, 0, hi-lo)
			for i := lo; i < hi; i++ {
				contacts = append(contacts, f.client.Contact.Create().SetTenantID(f.tenant).SetIntegrationAccountID(tg).
					SetProviderUserID(fmt.Sprintf("bulk%d", i)))
			}
			cts, err := f.client.Contact.CreateBulk(contacts...).Save(f.sys)
			if err != nil {
				t.Fatal(err)
			}
			rows := make([]*ent.ConversationCreate, 0, hi-lo)
			for i := lo; i < hi; i++ {
				// Three at a time share an arrival, so a batch's boundary
				// falls among equals.
				q := start.Add(time.Duration(i/3) * time.Second)
				rows = append(rows, f.client.Conversation.Create().SetTenantID(f.tenant).SetIntegrationAccountID(tg).
					SetContactID(cts[i-lo].ID).SetServiceID(svc).SetQueuedAt(q).SetAnsweredAt(q.Add(time.Duration(i%7+1)*time.Second)))
			}
			if err := f.client.Conversation.CreateBulk(rows...).Exec(f.sys); err != nil {
				t.Fatal(err)
			}
		}
		got, err := f.svc.Stats(f.sup, &svc, day, day.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var sum time.Duration
		for i := range 5003 {
			sum += time.Duration(i%7+1) * time.Second
		}
		avg, _ := got[0].AverageWait()
		if got[0].Entered != 5003 || got[0].Answered != 5003 || got[0].LongestWait != 7*time.Second || !near(avg, sum/5003) {
			t.Fatalf("bulk: entered %d answered %d longest %s average %s (want %s)", got[0].Entered, got[0].Answered, got[0].LongestWait, avg, sum/5003)
		}
	})
	t.Run("another tenant's service", func(t *testing.T) {
		_, err := f.svc.Stats(f.sup, &otherSvc, day, day.Add(time.Hour))
		if !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("err = %v, want not found", err)
		}
	})
}

// TestStatsRefuses: agents may not read figures; ranges are checked.
func TestStatsRefuses(t *testing.T) {
	f := newFixture(t)
	agent := f.user(t, f.tenant, "ann", user.RoleAGENT, 3)
	asAgent := core.WithViewer(context.Background(), core.Viewer{TenantID: f.tenant, UserID: agent.ID, Role: core.RoleAgent})
	if _, err := f.svc.Stats(asAgent, nil, f.now.Add(-time.Hour), f.now); !errors.Is(err, core.ErrForbidden) {
		t.Fatalf("agent: %v, want forbidden", err)
	}
	if _, err := f.svc.Queue(asAgent); !errors.Is(err, core.ErrForbidden) {
		t.Fatalf("agent's queue: %v, want forbidden", err)
	}
	for _, c := range []struct {
		name     string
		from, to time.Time
	}{
		{"empty", f.now, f.now},
		{"reversed", f.now, f.now.Add(-time.Second)},
		{"too long", f.now.Add(-367 * 24 * time.Hour), f.now},
		{"missing", time.Time{}, f.now},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v *core.ValidationError
			if _, err := f.svc.Stats(f.sup, nil, c.from, c.to); !errors.As(err, &v) {
				t.Fatalf("err = %v, want a validation error", err)
			}
		})
	}
	if _, err := f.svc.Stats(f.sup, nil, f.now.Add(-366*24*time.Hour), f.now); err != nil {
		t.Fatalf("366 days: %v", err)
	}
}

// TestQueueSnapshot: waiting conversations in offer order with their waits
// and offers, counts per service, and agents with state, load and the
// services they may be offered.
func TestQueueSnapshot(t *testing.T) {
	f := newFixture(t)
	tg := f.account(t, f.tenant, integrationaccount.TypeTELEGRAM)
	billingSkill := []core.Skill{{Name: "billing", Level: 3}}
	ann := f.user(t, f.tenant, "ann", user.RoleAGENT, 2, core.Skill{Name: "billing", Level: 5})
	bob := f.user(t, f.tenant, "bob", user.RoleAGENT, 3)
	f.user(t, f.tenant, "gone", user.RoleAGENT, 3) // deactivated below
	billing := f.service(t, f.tenant, "Billing", billingSkill)
	general := f.service(t, f.tenant, "General", nil) // every agent's
	vip := f.service(t, f.tenant, "VIP", nil, bob.ID)
	if err := f.client.User.UpdateOneID(ann.ID).SetState(user.StateNOT_READY).SetStateReason("Lunch").
		SetStateSince(f.now.Add(-5 * time.Minute)).Exec(f.sys); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.User.Update().Where(user.Name("gone")).SetActive(false).Save(f.sys); err != nil {
		t.Fatal(err)
	}

	first := f.conversation(t, conv{account: tg, service: billing, queued: f.now.Add(-3 * time.Minute), waiting: true, offeredTo: &bob.ID})
	second := f.conversation(t, conv{account: tg, service: billing, queued: f.now.Add(-time.Minute), waiting: true})
	f.conversation(t, conv{account: tg, service: general, queued: f.now.Add(-10 * time.Minute), answer: time.Minute, assignee: &ann.ID})
	f.conversation(t, conv{account: tg, service: general, queued: f.now.Add(-20 * time.Minute), answer: time.Minute, close: 5 * time.Minute, assignee: &ann.ID})
	if err := f.client.Offer.Create().SetTenantID(f.tenant).SetConversationID(first.ID).SetAgentID(bob.ID).
		SetServiceID(billing).SetExpiresAt(f.now.Add(time.Minute)).Exec(f.sys); err != nil {
		t.Fatal(err)
	}
	// The other tenant's queue is not ours.
	otherAcct := f.account(t, f.other, integrationaccount.TypeTELEGRAM)
	f.conversation(t, conv{account: otherAcct, service: f.service(t, f.other, "Theirs", nil), queued: f.now.Add(-time.Hour), waiting: true})

	// The queue's read states the tenant itself (the interceptor's condition
	// would mislead SQLite's choice of index): it reads ours only.
	rows, err := f.svc.WaitingRows(f.sup)
	if err != nil || len(rows) != 2 || rows[0].ID != first.ID || rows[1].ID != second.ID {
		t.Fatalf("the tenant's waiting rows: %v %+v", err, rows)
	}
	if all, err := f.svc.WaitingRows(f.sys); err != nil || len(all) != 3 {
		t.Fatalf("internal work reads every tenant's queue: %v, %d rows", err, len(all))
	}

	snap, err := f.svc.Queue(f.sup)
	if err != nil {
		t.Fatal(err)
	}
	if !snap.At.Equal(f.now) || len(snap.Services) != 3 {
		t.Fatalf("snapshot: %+v", snap)
	}
	b := snap.Services[0]
	if b.ServiceID != billing || b.Name != "Billing" || b.Waiting != 2 || b.Offered != 1 || b.LongestWait != 3*time.Minute {
		t.Fatalf("Billing's queue: %+v", b)
	}
	if len(b.Conversations) != 2 || b.Conversations[0].ConversationID != first.ID || b.Conversations[1].ConversationID != second.ID ||
		b.Conversations[0].Wait != 3*time.Minute || b.Conversations[0].OfferedTo == nil || *b.Conversations[0].OfferedTo != bob.ID ||
		b.Conversations[1].OfferedTo != nil {
		t.Fatalf("Billing's waiting conversations: %+v", b.Conversations)
	}
	if g := snap.Services[1]; g.ServiceID != general || g.Waiting != 0 || g.LongestWait != 0 || len(g.Conversations) != 0 {
		t.Fatalf("General's queue: %+v", g)
	}
	if len(snap.Agents) != 2 {
		t.Fatalf("agents: %+v", snap.Agents)
	}
	a, o := snap.Agents[0], snap.Agents[1]
	if a.ID != ann.ID || a.State != core.AgentNotReady || a.Reason != "Lunch" || a.Since == nil || !a.Since.Equal(f.now.Add(-5*time.Minute)) ||
		a.Open != 1 || a.Offers != 0 || a.Load() != 1 || a.Capacity != 2 || fmt.Sprint(a.ServiceIDs) != fmt.Sprint([]int{billing, general}) {
		t.Fatalf("Ann: %+v", a)
	}
	if o.ID != bob.ID || o.State != core.AgentOffline || o.Open != 0 || o.Offers != 1 || o.Load() != 1 ||
		fmt.Sprint(o.ServiceIDs) != fmt.Sprint([]int{general, vip}) {
		t.Fatalf("Bob: %+v", o)
	}
}

// TestWatch: a snapshot at once; a burst of changes makes few snapshots,
// the last showing the state after the burst, and none follows while
// nothing changes; a change nobody announced shows at the next refresh; the
// stream ends with the context, and with FORBIDDEN when the viewer's role no
// longer allows it.
func TestWatch(t *testing.T) {
	f := newFixture(t)
	tg := f.account(t, f.tenant, integrationaccount.TypeTELEGRAM)
	billing := f.service(t, f.tenant, "Billing", nil)
	v, _ := core.ViewerFrom(f.sup)
	live := core.NewLiveViewer(v)
	ctx, cancel := context.WithCancel(core.WithLiveViewer(context.Background(), live))
	defer cancel()
	var endedWith error
	var mu sync.Mutex
	stream, err := supervision.Watch(ctx, f.svc, func(s *supervision.Snapshot) int { return s.Services[0].Waiting },
		func(err error) { mu.Lock(); endedWith = err; mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	next := func() (int, bool) {
		t.Helper()
		select {
		case n, ok := <-stream:
			return n, ok
		case <-time.After(5 * time.Second):
			t.Fatal("no snapshot within 5s")
		}
		return 0, false
	}
	if n, _ := next(); n != 0 {
		t.Fatalf("first snapshot: %d waiting", n)
	}
	// A burst: 20 conversations queued, each with its change.
	for range 20 {
		f.conversation(t, conv{account: tg, service: billing, queued: f.now, waiting: true})
		f.updates.change()
	}
	got := 0
	snapshots := 0
	for got != 20 {
		n, ok := next()
		if !ok {
			t.Fatal("the stream ended")
		}
		got, snapshots = n, snapshots+1
	}
	// Inserts are quicker than the interval here, but the bound holds on a
	// slow machine too: a burst does not make a snapshot per change.
	if snapshots >= 20 {
		t.Fatalf("%d snapshots for a burst of 20 changes", snapshots)
	}
	// Quiet: at most the snapshot of a change made after the one that
	// showed 20 (the last change may follow its insert's read), no more.
	quiet := time.After(300 * time.Millisecond)
	for extra := 0; ; extra++ {
		select {
		case n := <-stream:
			if n != 20 || extra > 0 {
				t.Fatalf("a snapshot (%d) without a change", n)
			}
			continue
		case <-quiet:
		}
		break
	}

	// A change nobody announces shows at the next refresh.
	f.conversation(t, conv{account: tg, service: billing, queued: f.now, waiting: true})
	if n, _ := next(); n != 21 {
		t.Fatalf("after an unannounced change: %d waiting, want 21", n)
	}

	// Demoted to agent while watching: the next change ends the stream.
	v.Role = core.RoleAgent
	live.Store(v)
	f.updates.change()
	for {
		if _, ok := next(); !ok {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !errors.Is(endedWith, core.ErrForbidden) {
		t.Fatalf("ended with %v, want forbidden", endedWith)
	}

	t.Run("ends with the context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(f.sup)
		stream, err := supervision.Watch(ctx, f.svc, func(s *supervision.Snapshot) *supervision.Snapshot { return s }, nil)
		if err != nil {
			t.Fatal(err)
		}
		<-stream
		cancel()
		select {
		case _, ok := <-stream:
			if ok {
				// A change may have been read before the cancel; the next ends it.
				if _, ok := <-stream; ok {
					t.Fatal("the stream goes on after its context ended")
				}
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the stream did not end with its context")
		}
	})
}
