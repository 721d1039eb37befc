package server_test

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/providers/viber/vibertest"
	"github.com/switchboard/switchboard/server"
)

// watchQueue subscribes c to queueEvents and returns the stream and its
// connection.
func watchQueue(t *testing.T, c *client.Client) (<-chan client.QueueEventsWsResponse, *client.Subscriptions) {
	t.Helper()
	ws, err := c.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	snaps, _, err := client.QueueEvents(context.Background(), ws)
	if err != nil {
		t.Fatal(err)
	}
	return snaps, ws
}

// nextSnapshot reads snapshots until one satisfies cond (the state after the
// changes the test made) and returns it.
func nextSnapshot(t *testing.T, snaps <-chan client.QueueEventsWsResponse, what string, cond func(client.QueueSnapshotFields) bool) client.QueueSnapshotFields {
	t.Helper()
	timeout := time.After(10 * time.Second)
	var last client.QueueSnapshotFields
	for {
		select {
		case r, ok := <-snaps:
			if !ok {
				t.Fatalf("queueEvents ended before %s", what)
			}
			if len(r.Errors) > 0 {
				t.Fatalf("queueEvents: %v", r.Errors)
			}
			last = r.Data.QueueEvents.QueueSnapshotFields
			if cond(last) {
				return last
			}
		case <-timeout:
			t.Fatalf("no snapshot with %s within 10s; the last: %+v", what, last)
		}
	}
}

func queueOf(s client.QueueSnapshotFields, serviceID string) client.QueueSnapshotFieldsServicesServiceQueue {
	for _, q := range s.Services {
		if q.ServiceId == serviceID {
			return q
		}
	}
	return client.QueueSnapshotFieldsServicesServiceQueue{}
}

func agentOf(s client.QueueSnapshotFields, userID string) client.QueueSnapshotFieldsAgentsAgentStatus {
	for _, a := range s.Agents {
		if a.UserId == userID {
			return a
		}
	}
	return client.QueueSnapshotFieldsAgentsAgentStatus{}
}

// within reports whether seconds is d, to a millisecond.
func within(seconds float64, d time.Duration) bool {
	return math.Abs(seconds-d.Seconds()) < 0.001
}

// TestSupervisorWatchesTheLiveQueue: a supervisor's queueEvents shows
// customers waiting with their waits, an offer and its agent, the accepted
// conversation leaving the queue for the agent's load, and an agent's
// NOT_READY reason; agents may not watch; the stream ends when the client
// goes, and when the supervisor is demoted.
func TestSupervisorWatchesTheLiveQueue(t *testing.T) {
	s, billing := newRoutingSetup(t, 60)
	ctx := context.Background()
	supToken := s.userToken(t, "supervisor sue", client.UserRoleSupervisor)
	sup := s.as(supToken)
	idle := s.srv.Subscribers()
	snaps, ws := watchQueue(t, sup)
	first := nextSnapshot(t, snaps, "the first snapshot", func(client.QueueSnapshotFields) bool { return true })
	if q := queueOf(first, billing); q.Name != "Billing" || q.Waiting != 0 || len(q.Conversations) != 0 {
		t.Fatalf("Billing at first: %+v", q)
	}
	if a := agentOf(first, s.agentID); a.Name != "agent ann" || a.State != client.UserStateOffline || a.Load != 0 {
		t.Fatalf("Ann at first: %+v", a)
	}
	if s.srv.Subscribers() != idle+1 {
		t.Fatalf("%d subscribers with the supervisor's watch, want %d", s.srv.Subscribers(), idle+1)
	}

	// Two customers write; nobody is READY, so both wait.
	before := time.Now()
	s.deliver(t, telegramUpdate(1, 1, 9001, "where is my refund?"), s.secret)
	s.deliver(t, telegramUpdate(2, 2, 9002, "hello?"), s.secret)
	after := time.Now()
	snap := nextSnapshot(t, snaps, "two waiting", func(s client.QueueSnapshotFields) bool { return queueOf(s, billing).Waiting == 2 })
	q := queueOf(snap, billing)
	if q.Offered != 0 || len(q.Conversations) != 2 {
		t.Fatalf("Billing with two waiting: %+v", q)
	}
	for i, c := range q.Conversations {
		if c.QueuedAt.Before(before) || c.QueuedAt.After(after) || c.OfferedToId != nil ||
			!within(c.WaitSeconds, snap.At.Sub(c.QueuedAt)) {
			t.Fatalf("waiting conversation %d: %+v (snapshot at %s)", i, c, snap.At)
		}
	}
	if q.Conversations[0].QueuedAt.After(q.Conversations[1].QueuedAt) || !within(q.LongestWaitSeconds, snap.At.Sub(q.Conversations[0].QueuedAt)) {
		t.Fatalf("the queue's order or longest wait: %+v", q)
	}
	oldest := q.Conversations[0].ConversationId

	// Ann becomes READY: she is offered both (capacity 3) and takes the first.
	ann := subscribeRouted(t, s, s.agent, 3, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	offers := map[string]client.InboxEventsInboxEventsConversationEvent{}
	for range 2 {
		o := ann.offer(t)
		offers[o.Conversation.Id] = o
	}
	snap = nextSnapshot(t, snaps, "both offered to Ann", func(s client.QueueSnapshotFields) bool {
		return queueOf(s, billing).Offered == 2 && agentOf(s, ann.id).PendingOffers == 2
	})
	for _, c := range queueOf(snap, billing).Conversations {
		if c.OfferedToId == nil || *c.OfferedToId != ann.id {
			t.Fatalf("an offered conversation shows offeredToId %v, want Ann %s", c.OfferedToId, ann.id)
		}
	}
	if a := agentOf(snap, ann.id); a.State != client.UserStateReady || a.Load != 2 || a.Capacity != 3 ||
		len(a.ServiceIds) != 1 || a.ServiceIds[0] != billing {
		t.Fatalf("Ann with two offers: %+v", a)
	}
	if _, err := client.AcceptOffer(ctx, ann.c, offers[oldest].Offer.Id); err != nil {
		t.Fatal(err)
	}
	snap = nextSnapshot(t, snaps, "the first answered", func(s client.QueueSnapshotFields) bool {
		return queueOf(s, billing).Waiting == 1 && agentOf(s, ann.id).OpenConversations == 1
	})
	if q := queueOf(snap, billing); q.Offered != 1 || len(q.Conversations) != 1 || q.Conversations[0].ConversationId == oldest {
		t.Fatalf("Billing after the accept: %+v", q)
	}
	if a := agentOf(snap, ann.id); a.PendingOffers != 1 || a.Load != 2 {
		t.Fatalf("Ann after the accept: %+v", a)
	}

	// Ann goes to lunch: her pending offer goes back to the queue.
	if _, err := client.SetAgentState(ctx, ann.c, client.AgentStateInput{State: client.UserStateNotReady, Reason: ptr("Lunch")}); err != nil {
		t.Fatal(err)
	}
	snap = nextSnapshot(t, snaps, "Ann NOT_READY", func(s client.QueueSnapshotFields) bool {
		return agentOf(s, ann.id).State == client.UserStateNotReady && queueOf(s, billing).Offered == 0
	})
	if a := agentOf(snap, ann.id); a.StateReason != "Lunch" || a.StateSince == nil || a.StateSince.Before(after) ||
		a.OpenConversations != 1 || a.PendingOffers != 0 || a.Load != 1 {
		t.Fatalf("Ann at lunch: %+v", a)
	}
	if q := queueOf(snap, billing); q.Waiting != 1 || q.Conversations[0].OfferedToId != nil {
		t.Fatalf("Billing with Ann at lunch: %+v", q)
	}

	t.Run("agents may not watch", func(t *testing.T) {
		agentSnaps, _ := watchQueue(t, ann.c)
		select {
		case r := <-agentSnaps:
			if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
				t.Fatalf("an agent's queueEvents: %+v", r)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no answer to an agent's queueEvents")
		}
	})

	t.Run("the watch ends with its client", func(t *testing.T) {
		watching := s.srv.Subscribers()
		ws.Close()
		eventually(t, "the watch to end", func() bool { return s.srv.Subscribers() == watching-1 })
	})

	t.Run("a demoted supervisor is cut off", func(t *testing.T) {
		snaps, _ := watchQueue(t, sup)
		nextSnapshot(t, snaps, "the first snapshot", func(client.QueueSnapshotFields) bool { return true })
		me, err := client.Me(ctx, sup)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.UpdateUser(ctx, s.admin, me.Me.Id, client.UpdateUserInput{Role: ptr(client.UserRoleAgent)}); err != nil {
			t.Fatal(err)
		}
		timeout := time.After(10 * time.Second)
		for {
			select {
			case r, ok := <-snaps:
				if !ok {
					t.Fatal("the stream ended without FORBIDDEN")
				}
				if len(r.Errors) > 0 {
					if r.Errors[0].Extensions["code"] != "FORBIDDEN" {
						t.Fatalf("ended with %v, want FORBIDDEN", r.Errors)
					}
					return
				}
			case <-timeout:
				t.Fatal("a demoted supervisor still watches the queue")
			}
		}
	})
}

// statsSetup is the routing setup's Billing service with a Viber account
// besides the Telegram one, and a supervisor.
type statsSetup struct {
	*telegramSetup
	billing   string
	viber     *vibertest.Server
	viberHook string
	sup       *client.Client
}

func newStatsSetup(t *testing.T) *statsSetup {
	t.Helper()
	fake := newViberFake(t)
	s, billing := newRoutingSetup(t, 60, func(c *server.Config) {
		c.ProviderAPIURLs = map[string]string{"viber": fake.URL}
	})
	fake.SetWebhookClient(s.callbackClient().Client)
	ctx := context.Background()
	acct := createViber(t, s.testServer, "viber support", vibertest.DefaultToken)
	if r, err := client.SetWebhook(ctx, s.admin, acct.Id); err != nil || !r.SetWebhook.Ok {
		t.Fatalf("setWebhook: %v %+v", err, r)
	}
	if _, err := client.UpdateChatService(ctx, s.admin, billing, client.ChatServiceInput{AccountIds: []string{s.accountID, acct.Id}}); err != nil {
		t.Fatal(err)
	}
	return &statsSetup{telegramSetup: s, billing: billing, viber: fake, viberHook: s.local(t, acct.WebhookUrl),
		sup: s.as(s.userToken(t, "supervisor sue", client.UserRoleSupervisor))}
}

func (s *statsSetup) deliverViber(t *testing.T, userID, text string) {
	t.Helper()
	u := viberUser
	u.ID = userID
	req, err := vibertest.NewCallbackRequest(context.Background(), s.viberHook, vibertest.DefaultToken,
		vibertest.TextMessage(time.Now().UnixNano(), time.Now(), u, text))
	if err != nil {
		t.Fatal(err)
	}
	if got := deliverWebhook(t, req); got != http.StatusOK {
		t.Fatalf("viber callback: %d", got)
	}
}

// stored reads a conversation as the database holds it.
func (s *statsSetup) stored(t *testing.T, id string) *ent.Conversation {
	t.Helper()
	n, err := strconv.Atoi(id)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.srv.Client().Conversation.Get(core.SystemContext(context.Background()), n)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *statsSetup) stats(t *testing.T, c *client.Client, serviceID *string, from, to time.Time) []client.ServiceStatsServiceStats {
	t.Helper()
	r, err := client.ServiceStats(context.Background(), c, serviceID, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return r.ServiceStats
}

// TestServiceStatsMatchWhatHappened: a scripted stretch of a contact
// center (five customers on two messengers; three answered, one abandoned,
// one still waiting; two closed; two survey answers), then serviceStats
// gives exactly what happened, with waits and handle times as the database
// recorded them; ranges pick conversations by when they entered the queue;
// agents may not read figures, and bad ranges are refused.
func TestServiceStatsMatchWhatHappened(t *testing.T) {
	s := newStatsSetup(t)
	ctx := context.Background()
	start := time.Now()
	snaps, _ := watchQueue(t, s.sup)
	waiting := func(n int) client.QueueSnapshotFields {
		t.Helper()
		return nextSnapshot(t, snaps, strconv.Itoa(n)+" waiting", func(q client.QueueSnapshotFields) bool {
			return queueOf(q, s.billing).Waiting == n
		})
	}

	// Four customers write while nobody is READY: three on Telegram, one
	// on Viber, in this order.
	s.deliver(t, telegramUpdate(1, 1, 8001, "first"), s.secret)
	s.deliver(t, telegramUpdate(2, 2, 8002, "second"), s.secret)
	s.deliverViber(t, "viberCustomer3=", "third")
	s.deliver(t, telegramUpdate(3, 3, 8004, "fourth"), s.secret)
	q := queueOf(waiting(4), s.billing)
	ids := make([]string, 4)
	for i, c := range q.Conversations {
		ids[i] = c.ConversationId
	}
	// The fourth gives up: closed while waiting, it is abandoned.
	if _, err := client.CloseConversation(ctx, s.admin, ids[3]); err != nil {
		t.Fatal(err)
	}
	waiting(3)

	// Ann comes (capacity 3) and takes the three.
	ann := subscribeRouted(t, s.telegramSetup, s.agent, 3, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	for range 3 {
		o := ann.offer(t)
		if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
			t.Fatal(err)
		}
	}
	waiting(0)
	// She closes the first two, and goes NOT_READY before a fifth writes.
	for _, id := range ids[:2] {
		if _, err := client.CloseConversation(ctx, ann.c, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.SetAgentState(ctx, ann.c, client.AgentStateInput{State: client.UserStateNotReady, Reason: ptr("Paperwork")}); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(4, 4, 8005, "fifth"), s.secret)
	fifth := queueOf(waiting(1), s.billing).Conversations[0].ConversationId

	// Two survey answers (nothing writes them yet but the scenario engine).
	sys := core.SystemContext(ctx)
	billingID, _ := strconv.Atoi(s.billing)
	for i, rating := range []int{5, 2} {
		c := s.stored(t, ids[i])
		if err := s.srv.Client().SurveyResult.Create().SetTenantID(c.TenantID).SetConversationID(c.ID).
			SetServiceID(billingID).SetNillableAgentID(c.AssigneeID).SetRating(rating).Exec(sys); err != nil {
			t.Fatal(err)
		}
	}
	end := time.Now()

	// What the database recorded, to compare the figures with.
	convs := make([]*ent.Conversation, 4)
	for i, id := range ids {
		convs[i] = s.stored(t, id)
	}
	var waitSum, longest, handleSum time.Duration
	for _, c := range convs[:3] {
		if c.AnsweredAt == nil {
			t.Fatalf("conversation %d was not recorded as answered", c.ID)
		}
		w := c.AnsweredAt.Sub(*c.QueuedAt)
		waitSum, longest = waitSum+w, max(longest, w)
	}
	for _, c := range convs[:2] {
		if c.Status != conversation.StatusCLOSED || c.ClosedAt == nil {
			t.Fatalf("conversation %d is not closed", c.ID)
		}
		handleSum += c.ClosedAt.Sub(*c.AnsweredAt)
	}
	if !convs[3].Abandoned || convs[3].AnsweredAt != nil {
		t.Fatalf("the fourth is not recorded as abandoned: %+v", convs[3])
	}

	all := s.stats(t, s.sup, nil, start, end.Add(time.Second))
	if len(all) != 1 {
		t.Fatalf("stats of %d services, want Billing only", len(all))
	}
	b := all[0]
	if b.ServiceId != s.billing || b.Name != "Billing" || b.Entered != 5 || b.Answered != 3 || b.Abandoned != 1 ||
		b.Handled != 2 || b.WaitingNow != 1 || b.Ratings != 2 {
		t.Fatalf("Billing: %+v", b.ServiceStatsFields)
	}
	if b.AverageWaitSeconds == nil || !within(*b.AverageWaitSeconds, waitSum/3) ||
		b.LongestWaitSeconds == nil || !within(*b.LongestWaitSeconds, longest) {
		t.Fatalf("waits: average %v longest %v; the database says %s and %s", b.AverageWaitSeconds, b.LongestWaitSeconds, waitSum/3, longest)
	}
	if b.AverageHandleSeconds == nil || !within(*b.AverageHandleSeconds, handleSum/2) {
		t.Fatalf("average handle %v; the database says %s", b.AverageHandleSeconds, handleSum/2)
	}
	if b.AverageRating == nil || *b.AverageRating != 3.5 {
		t.Fatalf("average rating %v, want 3.5", b.AverageRating)
	}
	if b.LongestCurrentWaitSeconds <= 0 || b.LongestCurrentWaitSeconds > time.Since(*s.stored(t, fifth).QueuedAt).Seconds() {
		t.Fatalf("the fifth's current wait %v", b.LongestCurrentWaitSeconds)
	}
	if len(b.Channels) != 2 || b.Channels[0].Channel != client.IntegrationAccountTypeTelegram || b.Channels[0].Conversations != 4 ||
		b.Channels[1].Channel != client.IntegrationAccountTypeViber || b.Channels[1].Conversations != 1 {
		t.Fatalf("channels: %+v", b.Channels)
	}

	t.Run("ranges", func(t *testing.T) {
		// From the Viber customer's arrival (inclusive) to the fourth's
		// (exclusive): the Viber conversation alone.
		got := s.stats(t, s.sup, &s.billing, *convs[2].QueuedAt, *convs[3].QueuedAt)
		if len(got) != 1 || got[0].Entered != 1 || got[0].Answered != 1 || got[0].Abandoned != 0 ||
			len(got[0].Channels) != 1 || got[0].Channels[0].Channel != client.IntegrationAccountTypeViber ||
			got[0].LongestWaitSeconds == nil || !within(*got[0].LongestWaitSeconds, convs[2].AnsweredAt.Sub(*convs[2].QueuedAt)) {
			t.Fatalf("the Viber customer's range: %+v", got)
		}
		// Before it all: nothing, no averages; the queue now is the same.
		got = s.stats(t, s.sup, &s.billing, start.Add(-time.Hour), start)
		if g := got[0]; g.Entered != 0 || g.Answered != 0 || g.AverageWaitSeconds != nil || g.LongestWaitSeconds != nil ||
			g.AverageHandleSeconds != nil || g.AverageRating != nil || g.Ratings != 0 || len(g.Channels) != 0 || g.WaitingNow != 1 {
			t.Fatalf("an empty range: %+v", g.ServiceStatsFields)
		}
	})
	t.Run("access and validation", func(t *testing.T) {
		_, err := client.ServiceStats(ctx, ann.c, nil, start, end)
		wantCode(t, err, "FORBIDDEN")
		_, err = client.ServiceStats(ctx, s.sup, nil, end, start)
		wantCode(t, err, "BAD_USER_INPUT")
		_, err = client.ServiceStats(ctx, s.sup, nil, end.Add(-367*24*time.Hour), end)
		wantCode(t, err, "BAD_USER_INPUT")
		_, err = client.ServiceStats(ctx, s.sup, ptr("999999"), start, end)
		wantCode(t, err, "NOT_FOUND")
		to := end.Add(time.Second)
		if got := s.stats(t, s.admin, nil, to.Add(-366*24*time.Hour), to); len(got) != 1 || got[0].Entered != 5 {
			t.Fatalf("an admin over 366 days: %+v", got)
		}
		// Another tenant's admin sees none of it.
		other := s.tenantAdmin(t, "other")
		if got := s.stats(t, other, nil, start, end); len(got) != 0 {
			t.Fatalf("another tenant sees %+v", got)
		}
		_, err = client.ServiceStats(ctx, other, &s.billing, start, end)
		wantCode(t, err, "NOT_FOUND")
	})
}
