package server_test

import (
	"bufio"
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/surveyresult"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
	"github.com/switchboard/switchboard/server"
)

// testClock is the server's clock in a test: the wall clock moved forward
// by what the test skipped, so deadlines an hour away are reached at once.
type testClock struct{ skipped atomic.Int64 }

func (c *testClock) now() time.Time {
	return time.Now().Add(time.Duration(c.skipped.Load())).Truncate(time.Microsecond)
}

// advance moves the clock forward by d.
func (c *testClock) advance(d time.Duration) { c.skipped.Add(int64(d)) }

// withClock makes the server run on c.
func withClock(c *testClock) func(*server.Config) {
	return func(cfg *server.Config) { cfg.Now = c.now }
}

// quiet disables every system message of the setup's account, so a test
// sees only its scenario's texts.
func (s *telegramSetup) quiet(t *testing.T) { s.quietAccount(t, s.accountID) }

// quietAccount disables every system message of an account.
func (s *telegramSetup) quietAccount(t *testing.T, accountID string) {
	t.Helper()
	var in []client.SystemMessageInput
	for _, e := range client.AllSystemMessageEvent {
		in = append(in, client.SystemMessageInput{Event: e, Mode: client.SystemMessageModeDisabled})
	}
	if _, err := client.UpdateSystemMessages(context.Background(), s.admin, accountID, in); err != nil {
		t.Fatal(err)
	}
}

// telegramHook is a Telegram account of a test: where its webhooks go and
// the secret they carry.
type telegramHook struct {
	id, url, secret string
}

// addTelegramAccount creates another Telegram account (on the same fake)
// with its webhook set.
func (s *telegramSetup) addTelegramAccount(t *testing.T, name string) telegramHook {
	t.Helper()
	ctx := context.Background()
	a, err := client.CreateIntegrationAccount(ctx, s.admin, telegramInput(name))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := client.SetWebhook(ctx, s.admin, a.CreateIntegrationAccount.Id); err != nil || !res.SetWebhook.Ok {
		t.Fatalf("setWebhook: %v %+v", err, res)
	}
	return telegramHook{id: a.CreateIntegrationAccount.Id, url: s.http.URL + "/webhooks/" + a.CreateIntegrationAccount.AccountId,
		secret: s.fake.Webhook().SecretToken}
}

// deliverTo posts a webhook to another account, as Telegram does.
func (s *telegramSetup) deliverTo(t *testing.T, h telegramHook, body string) {
	t.Helper()
	req, err := telegramtest.NewWebhookRequest(context.Background(), h.url, h.secret, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook to %s: %d", h.url, resp.StatusCode)
	}
}

// surveyScenario finds an agent, connects the chat and, when the agent
// leaves, asks for a rating (no comment).
const surveyScenario = `{"start": "find", "blocks": [
    {"id": "find", "type": "FIND_AGENT", "findAgent": {"timeoutSeconds": 600},
     "exits": [{"name": "found", "to": "chat"}, {"name": "timeout", "to": "end"}]},
    {"id": "chat", "type": "CONNECT_CHAT", "exits": [{"name": "agentLeft", "to": "survey"}, {"name": "customerLeft", "to": "end"}]},
    {"id": "survey", "type": "SURVEY", "survey": {"question": "Rate us from 1 to 5.", "retryText": "Answer with a number."},
     "exits": [{"name": "done", "to": "end"}]},
    {"id": "end", "type": "EXIT", "exit": {"closingText": "Bye."}}]}`

// stats is a service's figures over the hours around now (the test clock
// may have moved ahead of the wall clock).
func stats(t *testing.T, s *telegramSetup, svc string) client.ServiceStatsFields {
	t.Helper()
	r, err := client.ServiceStats(context.Background(), s.admin, &svc, time.Now().Add(-time.Hour), time.Now().Add(6*time.Hour))
	if err != nil || len(r.ServiceStats) != 1 {
		t.Fatalf("serviceStats: %v %+v", err, r)
	}
	return r.ServiceStats[0].ServiceStatsFields
}

// TestReopenedChatSkipsAnAbsentAgent: a customer who writes again soon
// after their chat closed gets the agent who had it only if that agent is
// READY with room; Ann, gone OFFLINE, does not hold it: it queues, and
// Bob (READY) is offered it. Bob, READY with room, gets it straight back.
func TestReopenedChatSkipsAnAbsentAgent(t *testing.T) {
	s, _ := newRoutingSetup(t, 60)
	ctx := context.Background()
	ann := subscribeRouted(t, s, s.agent, 3, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 3, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 9001, "hello"), s.secret)
	o := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CloseConversation(ctx, ann.c, o.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SetAgentState(ctx, ann.c, client.AgentStateInput{State: client.UserStateOffline}); err != nil {
		t.Fatal(err)
	}
	bob.ready(t)

	s.deliver(t, telegramUpdate(2, 2, 9001, "me again"), s.secret)
	again := bob.offer(t)
	if again.Conversation.Id != o.Conversation.Id {
		t.Fatalf("Bob was offered %s, want the reopened %s", again.Conversation.Id, o.Conversation.Id)
	}
	if c := s.conversation(t, s.admin, o.Conversation.Id); c == nil || c.Status != client.ConversationStatusOpen || c.Assignee != nil {
		t.Fatalf("the reopened conversation: %+v", c)
	}
	if _, err := client.AcceptOffer(ctx, bob.c, again.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CloseConversation(ctx, bob.c, o.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	// Bob is READY with room: the chat is his again at once, no offer.
	s.deliver(t, telegramUpdate(3, 3, 9001, "one more thing"), s.secret)
	eventually(t, "the chat reopened to Bob", func() bool {
		c := s.conversation(t, s.admin, o.Conversation.Id)
		return c != nil && c.Status == client.ConversationStatusOpen && c.Assignee != nil && c.Assignee.Id == bob.id && !c.Queued
	})
}

// TestUnansweredSurveyEndsAfterAnHour: a survey waits for the customer's
// rating for an hour at most; a customer who writes later is not asked for
// a number, and the message opens a conversation as usual.
func TestUnansweredSurveyEndsAfterAnHour(t *testing.T) {
	clock := &testClock{}
	s, svc := newRoutingSetup(t, 60, withClock(clock))
	ctx := context.Background()
	s.quiet(t)
	if _, err := client.SaveScenario(ctx, s.admin, svc, scenarioInput(t, surveyScenario)); err != nil {
		t.Fatal(err)
	}
	ann := subscribeRouted(t, s, s.agent, 3, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 9101, "hi"), s.secret)
	o := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CloseConversation(ctx, ann.c, o.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	if got := s.waitTexts(t, 9101, 1); got[0] != "Rate us from 1 to 5." {
		t.Fatalf("after the chat: %q", got)
	}

	clock.advance(2 * time.Hour)
	s.deliver(t, telegramUpdate(2, 2, 9101, "where is my parcel?"), s.secret)
	var open string
	eventually(t, "the customer's message in an open conversation", func() bool {
		open = s.openConversationWith(t, 9101)
		return open != ""
	})
	var texts []string
	for _, e := range s.conversation(t, s.admin, open).Messages.Edges {
		texts = append(texts, e.Node.Text)
	}
	if !slices.Contains(texts, "where is my parcel?") || slices.Contains(texts, "Answer with a number.") {
		t.Fatalf("the open conversation holds %q", texts)
	}
	if got := s.textsTo(9101); slices.Contains(got, "Answer with a number.") {
		t.Fatalf("the customer was asked for a number two hours later: %q", got)
	}
}

// TestAnsweredOnceAcrossATransfer: answered is when an agent first got the
// customer; a transfer to another service keeps it, so that service's wait
// figures count the customer's first wait (30 s), not the time until its own
// agent accepted, and a transferred conversation closed while it waits again
// is answered, not abandoned.
func TestAnsweredOnceAcrossATransfer(t *testing.T) {
	clock := &testClock{}
	s, billing := newRoutingSetup(t, 600, withClock(clock))
	ctx := context.Background()
	s.quiet(t)
	vip, err := client.CreateChatService(ctx, s.admin, client.ChatServiceInput{Name: ptr("VIP"), OfferTimeoutSeconds: ptr(600)})
	if err != nil {
		t.Fatal(err)
	}
	vipID := vip.CreateChatService.Id
	if _, err := client.SaveScenario(ctx, s.admin, vipID, nil); err != nil {
		t.Fatal(err)
	}
	ann := subscribeRouted(t, s, s.agent, 1, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 1, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 9201, "hello"), s.secret)
	o := ann.offer(t)
	clock.advance(30 * time.Second)
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SetAgentState(ctx, ann.c, client.AgentStateInput{State: client.UserStateNotReady, Reason: ptr("break")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.TransferToService(ctx, ann.c, o.Conversation.Id, vipID); err != nil {
		t.Fatal(err)
	}
	bob.ready(t)
	b := bob.offer(t)
	clock.advance(100 * time.Second)
	if _, err := client.AcceptOffer(ctx, bob.c, b.Offer.Id); err != nil {
		t.Fatal(err)
	}
	st := stats(t, s, vipID)
	if st.Entered != 1 || st.Answered != 1 || st.Abandoned != 0 || st.AverageWaitSeconds == nil || math.Abs(*st.AverageWaitSeconds-30) > 2 {
		t.Fatalf("VIP's figures after the transfer: %+v (wait %v), want 1 entered and answered after 30 s", st, st.AverageWaitSeconds)
	}
	// Back to Billing, where nobody is READY, and closed there waiting:
	// answered once, never abandoned.
	if _, err := client.SetAgentState(ctx, bob.c, client.AgentStateInput{State: client.UserStateNotReady, Reason: ptr("break")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.TransferToService(ctx, bob.c, o.Conversation.Id, billing); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CloseConversation(ctx, s.admin, o.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	st = stats(t, s, billing)
	if st.Entered != 1 || st.Answered != 1 || st.Abandoned != 0 || st.WaitingNow != 0 {
		t.Fatalf("Billing's figures: %+v, want 1 entered and answered, none abandoned", st)
	}
}

// TestCustomerLeavingAQueueWithoutScenario: a customer who blocks the bot
// while waiting in a service without a scenario is abandoned: the
// conversation closes and its pending offer is withdrawn from the agent.
func TestCustomerLeavingAQueueWithoutScenario(t *testing.T) {
	s, billing := newRoutingSetup(t, 600)
	ann := subscribeRouted(t, s, s.agent, 3, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 9301, "hello?"), s.secret)
	o := ann.offer(t)
	s.deliver(t, telegramLeft(2, 9301), s.secret)
	ended := nextInbox(t, ann.inbox, client.ConversationEventKindConversationOfferEnded)
	if ended.Offer == nil || ended.Offer.Id != o.Offer.Id || ended.Offer.Status != client.OfferStatusCancelled {
		t.Fatalf("Ann's offer: %+v", ended.Offer)
	}
	eventually(t, "the conversation closed", func() bool {
		c := s.conversation(t, s.admin, o.Conversation.Id)
		return c != nil && c.Status == client.ConversationStatusClosed && !c.Queued
	})
	if st := stats(t, s, billing); st.Entered != 1 || st.Abandoned != 1 || st.Answered != 0 || st.WaitingNow != 0 {
		t.Fatalf("figures: %+v, want one abandoned", st)
	}
	_, err := client.AcceptOffer(context.Background(), ann.c, o.Offer.Id)
	wantCode(t, err, "CONFLICT")
}

// TestLateRejectIsRefused: an offer past its expiry cannot be rejected (as
// it cannot be accepted): the agent who let it expire is set NOT_READY.
func TestLateRejectIsRefused(t *testing.T) {
	clock := &testClock{}
	s, _ := newRoutingSetup(t, 60, withClock(clock))
	ctx := context.Background()
	ann := subscribeRouted(t, s, s.agent, 3, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 3, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 9401, "hello"), s.secret)
	o := ann.offer(t)
	clock.advance(61 * time.Second)
	_, err := client.RejectOffer(ctx, ann.c, o.Offer.Id)
	wantCode(t, err, "CONFLICT")
	bob.ready(t) // the router looks again: the offer expires
	if next := bob.offer(t); next.Conversation.Id != o.Conversation.Id {
		t.Fatalf("Bob's offer: %+v", next)
	}
	me, err := client.Me(ctx, ann.c)
	if err != nil || me.Me.State != client.UserStateNotReady {
		t.Fatalf("Ann after her offer expired: %v %+v", err, me)
	}
}

// TestAcceptRacingAnAssignment: round after round, Ann accepts her offer
// while an admin assigns the same conversation to Bob. Whichever comes
// first, the conversation ends with one owner (Bob), Ann's accept wins
// exactly when her offer is ACCEPTED, and Ann holds nothing after (with a
// capacity of one she is offered the next round's conversation).
func TestAcceptRacingAnAssignment(t *testing.T) {
	s, _ := newRoutingSetup(t, 600)
	ctx := context.Background()
	ann := subscribeRouted(t, s, s.agent, 1, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 1, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	const rounds = 12
	accepted := 0
	for i := range rounds {
		chat := int64(9500 + i)
		s.deliver(t, telegramUpdate(i+1, i+1, chat, "round "+strconv.Itoa(i)), s.secret)
		o := ann.offer(t)
		var wg sync.WaitGroup
		var acceptErr, assignErr error
		wg.Add(2)
		go func() { defer wg.Done(); _, acceptErr = client.AcceptOffer(ctx, ann.c, o.Offer.Id) }()
		go func() {
			defer wg.Done()
			_, assignErr = client.AssignConversation(ctx, s.admin, o.Conversation.Id, bob.id)
		}()
		wg.Wait()
		if assignErr != nil {
			t.Fatalf("round %d: assign: %v", i, assignErr)
		}
		if acceptErr != nil {
			wantCode(t, acceptErr, "CONFLICT")
		} else {
			accepted++
		}
		c := s.conversation(t, s.admin, o.Conversation.Id)
		if c == nil || c.Assignee == nil || c.Assignee.Id != bob.id || c.Queued {
			t.Fatalf("round %d: the conversation: %+v", i, c)
		}
		if ann.sees(t, s, o.Conversation.Id) {
			t.Fatalf("round %d: Ann still sees Bob's conversation", i)
		}
		r, err := client.Nodes(ctx, s.admin, []string{o.Offer.Id})
		if err != nil || len(r.Nodes) != 1 || r.Nodes[0] == nil {
			t.Fatalf("round %d: the offer: %v %+v", i, err, r)
		}
		if mine, err := client.MyOffers(ctx, ann.c); err != nil || len(mine.MyOffers) != 0 {
			t.Fatalf("round %d: Ann's pending offers: %v %+v", i, err, mine)
		}
		// Bob ends the chat; Ann is free for the next round.
		if _, err := client.CloseConversation(ctx, bob.c, o.Conversation.Id); err != nil {
			t.Fatalf("round %d: close: %v", i, err)
		}
	}
	t.Logf("Ann's accept came first in %d of %d rounds", accepted, rounds)
}

// TestAgentLeavingEndsConnectChat: an agent who goes OFFLINE leaves its
// scenario chats (the customer is told, the run takes Connect Chat's
// agentLeft exit and asks for its survey, credited to that agent); a chat
// transferred to another agent is followed by its run, so its survey
// credits the agent who had it last.
func TestAgentLeavingEndsConnectChat(t *testing.T) {
	s, svc := newRoutingSetup(t, 600)
	ctx := context.Background()
	s.quiet(t)
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventAgentLeft, Mode: client.SystemMessageModeCustom, Text: ptr("{agentName} has left.")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SaveScenario(ctx, s.admin, svc, scenarioInput(t, surveyScenario)); err != nil {
		t.Fatal(err)
	}
	ann := subscribeRouted(t, s, s.agent, 3, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 3, client.SkillInput{Name: "billing", Level: 3})
	cid := newRoutedAgent(t, s, "agent cid", 3)
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 9601, "hi"), s.secret)
	o := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SetAgentState(ctx, ann.c, client.AgentStateInput{State: client.UserStateOffline}); err != nil {
		t.Fatal(err)
	}
	want := []string{"agent ann has left.", "Rate us from 1 to 5."}
	if got := s.waitTexts(t, 9601, 2); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after Ann went OFFLINE: %q, want %q", got, want)
	}
	s.deliver(t, telegramUpdate(2, 2, 9601, "4"), s.secret)

	bob.ready(t)
	s.deliver(t, telegramUpdate(3, 3, 9602, "hello"), s.secret)
	b := bob.offer(t)
	if _, err := client.AcceptOffer(ctx, bob.c, b.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.TransferConversation(ctx, bob.c, b.Conversation.Id, cid.id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CloseConversation(ctx, cid.c, b.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	if got := s.waitTexts(t, 9602, 2); got[len(got)-1] != "Rate us from 1 to 5." {
		t.Fatalf("after Cid closed: %q", got)
	}
	s.deliver(t, telegramUpdate(4, 4, 9602, "5"), s.secret)

	credited := func(conv string) string {
		id, _ := strconv.Atoi(conv)
		r, err := s.srv.Client().SurveyResult.Query().Where(surveyresult.ConversationID(id)).Only(core.SystemContext(ctx))
		if err != nil || r.AgentID == nil {
			return ""
		}
		return strconv.Itoa(*r.AgentID)
	}
	eventually(t, "both surveys stored", func() bool { return credited(o.Conversation.Id) != "" && credited(b.Conversation.Id) != "" })
	if got := credited(o.Conversation.Id); got != ann.id {
		t.Fatalf("the first survey credits %s, want Ann %s", got, ann.id)
	}
	if got := credited(b.Conversation.Id); got != cid.id {
		t.Fatalf("the transferred chat's survey credits %s, want Cid %s (Bob is %s)", got, cid.id, bob.id)
	}
}

// TestSSESubscriptionKeepsAgentPresent: an agent following its inbox over
// SSE is present: closing its websocket does not set it OFFLINE while the
// SSE subscription lasts; closing that too does, after the grace period.
func TestSSESubscriptionKeepsAgentPresent(t *testing.T) {
	s, _ := newRoutingSetup(t, 60, func(c *server.Config) { c.OfflineGrace = 100 * time.Millisecond })
	ctx := context.Background()
	token := s.userToken(t, "agent sse", client.UserRoleAgent)
	agent := s.as(token)
	sseCtx, stopSSE := context.WithCancel(ctx)
	defer stopSSE()
	before := s.srv.Subscribers()
	body := strings.NewReader(`{"query":"subscription { inboxEvents { kind } }"}`)
	req, _ := http.NewRequestWithContext(sseCtx, http.MethodPost, s.http.URL+"/query", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	go func() { // drain the keep-alives
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
		}
	}()
	eventually(t, "the SSE subscription", func() bool { return s.srv.Subscribers() > before })
	// A websocket comes and goes: the SSE subscription remains.
	ws, err := agent.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := client.InboxEvents(ctx, ws, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the websocket subscription", func() bool { return s.srv.Subscribers() > before+1 })
	if u, err := client.SetAgentState(ctx, agent, client.AgentStateInput{State: client.UserStateReady}); err != nil || u.SetAgentState.State != client.UserStateReady {
		t.Fatalf("READY: %v %+v", err, u)
	}
	ws.Close()
	eventually(t, "the websocket gone", func() bool { return s.srv.Subscribers() == before+1 })
	// Ten grace periods later the agent is still READY.
	deadline := time.After(time.Second)
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for done := false; !done; {
		select {
		case <-deadline:
			done = true
		case <-poll.C:
		}
		me, err := client.Me(ctx, agent)
		if err != nil || me.Me.State != client.UserStateReady {
			t.Fatalf("an agent subscribed over SSE: %v %+v", err, me)
		}
	}
	stopSSE()
	eventually(t, "OFFLINE once the SSE subscription ended", func() bool {
		me, err := client.Me(ctx, agent)
		return err == nil && me.Me.State == client.UserStateOffline
	})
}

// TestContactCenterAcrossTenants: another tenant's services, accounts,
// agents and offers behave as if they did not exist; within a tenant an
// offer is seen by node ID only by its agent, supervisors and admins.
func TestContactCenterAcrossTenants(t *testing.T) {
	s, svc := newRoutingSetup(t, 600)
	ctx := context.Background()
	ann := subscribeRouted(t, s, s.agent, 3, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 3, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 9701, "hello"), s.secret)
	o := ann.offer(t)

	other := s.tenantAdmin(t, "other")
	theirs, err := client.CreateChatService(ctx, other, client.ChatServiceInput{Name: ptr("Theirs")})
	if err != nil {
		t.Fatal(err)
	}
	theirToken, _, err := s.srv.Auth.EnsureUser(ctx, "other", "their agent", core.RoleAgent, "test")
	if err != nil {
		t.Fatal(err)
	}
	theirAgent := s.as(theirToken)

	_, err = client.UpdateChatService(ctx, other, svc, client.ChatServiceInput{Name: ptr("Mine now")})
	wantCode(t, err, "NOT_FOUND")
	_, err = client.SaveScenario(ctx, other, svc, nil)
	wantCode(t, err, "NOT_FOUND")
	_, err = client.DeleteChatService(ctx, other, svc)
	wantCode(t, err, "NOT_FOUND")
	_, err = client.CreateChatService(ctx, other, client.ChatServiceInput{Name: ptr("Stolen accounts"), AccountIds: []string{s.accountID}})
	wantCode(t, err, "BAD_USER_INPUT")
	_, err = client.CreateChatService(ctx, other, client.ChatServiceInput{Name: ptr("Stolen agents"), AgentIds: []string{ann.id}})
	wantCode(t, err, "BAD_USER_INPUT")
	_, err = client.TransferToService(ctx, s.admin, o.Conversation.Id, theirs.CreateChatService.Id)
	wantCode(t, err, "BAD_USER_INPUT")
	_, err = client.AcceptOffer(ctx, theirAgent, o.Offer.Id)
	wantCode(t, err, "NOT_FOUND")
	_, err = client.RejectOffer(ctx, other, o.Offer.Id)
	wantCode(t, err, "NOT_FOUND")

	seen := func(c *client.Client) bool {
		t.Helper()
		r, err := client.Nodes(ctx, c, []string{o.Offer.Id})
		if err != nil || len(r.Nodes) != 1 {
			t.Fatalf("nodes: %v %+v\n%s", err, r, s.logs.String())
		}
		return r.Nodes[0] != nil
	}
	if !seen(ann.c) || !seen(s.admin) || seen(bob.c) || seen(other) || seen(theirAgent) {
		t.Fatalf("the offer by node ID: Ann %v, admin %v, Bob %v, another tenant's admin %v and agent %v; want only Ann and the admin",
			seen(ann.c), seen(s.admin), seen(bob.c), seen(other), seen(theirAgent))
	}
	// The service is unchanged, and still Ann's offer stands.
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
}

// TestQueuePositionModes: three accounts share one service's queue, each
// with its own POSITION_CHANGED mode: CUSTOM sends the account's text,
// DEFAULT the tenant's, DISABLED nothing. As the queue moves, each customer
// who reaches its front hears of it in its account's words, or not at all.
func TestQueuePositionModes(t *testing.T) {
	s, svc := newRoutingSetup(t, 600)
	ctx := context.Background()
	first := telegramHook{id: s.accountID, url: s.hookURL, secret: s.secret}
	custom := s.addTelegramAccount(t, "custom bot")
	byDefault := s.addTelegramAccount(t, "default bot")
	disabled := s.addTelegramAccount(t, "disabled bot")
	if _, err := client.UpdateChatService(ctx, s.admin, svc, client.ChatServiceInput{
		AccountIds: []string{first.id, custom.id, byDefault.id, disabled.id}}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []telegramHook{first, custom, byDefault, disabled} {
		s.quietAccount(t, h.id)
	}
	if _, err := client.UpdateDefaultSystemMessages(ctx, s.admin, []client.DefaultSystemMessageInput{
		{Event: client.SystemMessageEventPositionChanged, Text: ptr("Tenant: you are number {position}.")}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		h    telegramHook
		mode client.SystemMessageMode
		text *string
	}{
		{custom, client.SystemMessageModeCustom, ptr("Custom: you are number {position}.")},
		{byDefault, client.SystemMessageModeDefault, nil},
		{disabled, client.SystemMessageModeDisabled, nil},
	} {
		if _, err := client.UpdateSystemMessages(ctx, s.admin, m.h.id, []client.SystemMessageInput{
			{Event: client.SystemMessageEventPositionChanged, Mode: m.mode, Text: m.text}}); err != nil {
			t.Fatal(err)
		}
	}
	// The queue: a first customer, then one on each account.
	s.deliverTo(t, first, telegramUpdate(1, 1, 9900, "first"))
	s.deliverTo(t, custom, telegramUpdate(1, 1, 9901, "custom"))
	s.deliverTo(t, byDefault, telegramUpdate(1, 1, 9902, "default"))
	s.deliverTo(t, disabled, telegramUpdate(1, 1, 9903, "disabled"))
	eventually(t, "four customers waiting", func() bool {
		list, err := client.Conversations(ctx, s.admin, ptr(10), nil, nil, nil)
		return err == nil && len(list.Conversations.Edges) == 4
	})
	ann := subscribeRouted(t, s, s.agent, 1, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	next := func() client.InboxEventsInboxEventsConversationEvent {
		t.Helper()
		o := ann.offer(t)
		if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
			t.Fatal(err)
		}
		if _, err := client.CloseConversation(ctx, ann.c, o.Conversation.Id); err != nil {
			t.Fatal(err)
		}
		return o
	}
	// The first is offered: the CUSTOM customer reaches the front.
	next()
	if got := s.waitTexts(t, 9901, 1); got[0] != "Custom: you are number 1." {
		t.Fatalf("the CUSTOM account's customer: %q", got)
	}
	// Then the DEFAULT one, in the tenant's words.
	next()
	if got := s.waitTexts(t, 9902, 1); got[0] != "Tenant: you are number 1." {
		t.Fatalf("the DEFAULT account's customer: %q", got)
	}
	// Then the DISABLED one: offered, and told nothing on the way.
	next()
	last := next()
	var out []string
	for _, m := range s.conversation(t, s.admin, last.Conversation.Id).Messages.Edges {
		if m.Node.Direction == client.MessageDirectionOutbound {
			out = append(out, m.Node.Text)
		}
	}
	if len(out) != 0 || len(s.textsTo(9903)) != 0 {
		t.Fatalf("the DISABLED account's customer was sent %q (and the messenger got %q)", out, s.textsTo(9903))
	}
	// Each customer heard at most one place (the others' moves fell within
	// the rate limit), and none heard another account's words.
	if got := s.textsTo(9901); len(got) != 1 {
		t.Fatalf("the CUSTOM account's customer got %q", got)
	}
	if got := s.textsTo(9902); len(got) != 1 {
		t.Fatalf("the DEFAULT account's customer got %q", got)
	}
}

// TestDefaultScenarioEndToEnd: a new service's default scenario, as it
// comes, within the service's opening hours (none set: always open) greets,
// finds an agent, connects the chat and, once the agent closes it, asks for
// a rating and a comment and says goodbye; with hours that exclude now it
// says it is closed, in agreement with OUTSIDE_HOURS, and ends.
func TestDefaultScenarioEndToEnd(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	svc, err := client.CreateChatService(ctx, s.admin, client.ChatServiceInput{Name: ptr("Mobile Chat"), AccountIds: []string{s.accountID}})
	if err != nil {
		t.Fatal(err)
	}
	id := svc.CreateChatService.Id
	s.quiet(t)
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventOutsideHours, Mode: client.SystemMessageModeCustom, Text: ptr("(closed)")}}); err != nil {
		t.Fatal(err)
	}
	ann := subscribeRouted(t, s, s.agent, 3)
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 9951, "hello"), s.secret)
	o := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CloseConversation(ctx, ann.c, o.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	s.waitTexts(t, 9951, 2)
	s.deliver(t, telegramUpdate(2, 2, 9951, "5"), s.secret)
	s.waitTexts(t, 9951, 3)
	s.deliver(t, telegramUpdate(3, 3, 9951, "Ann was quick"), s.secret)
	want := []string{
		"Hello! Thank you for contacting us.",
		"How would you rate this conversation, from 1 (poor) to 5 (excellent)?",
		"Thank you! Is there anything you would like to tell us?",
		"Thank you for chatting with us. Goodbye!",
	}
	if got := s.waitTexts(t, 9951, 4); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("within hours: %q, want %q", got, want)
	}
	if st := stats(t, s, id); st.Ratings != 1 || st.AverageRating == nil || *st.AverageRating != 5 {
		t.Fatalf("the survey's rating: %+v", st)
	}

	// Open only the day after tomorrow: closed now, for the scenario and
	// for OUTSIDE_HOURS alike.
	day := time.Now().UTC().AddDate(0, 0, 2).Weekday().String()[:3]
	if _, err := client.UpdateChatService(ctx, s.admin, id, client.ChatServiceInput{Hours: ptr(day)}); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(4, 4, 9952, "anyone?"), s.secret)
	want = []string{"(closed)", "Hello! Thank you for contacting us.", "We are closed right now. Please write to us again during our opening hours."}
	got := s.waitTexts(t, 9952, 3)
	slices.Sort(got) // the system message and the scenario's greeting are stored in one step
	slices.Sort(want)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("outside hours: %q, want %q", got, want)
	}
	eventually(t, "the closed-hours conversation ended", func() bool { return s.openConversationWith(t, 9952) == "" })
}

// TestScenarioValidationThroughGraphQL: saveScenario refuses, with
// BAD_USER_INPUT and the block concerned, a block no path reaches, a
// scenario without a reachable EXIT and a loop in which nothing waits.
func TestScenarioValidationThroughGraphQL(t *testing.T) {
	s, svc := newRoutingSetup(t, 60)
	ctx := context.Background()
	for _, tt := range []struct {
		name, scenario, field string
	}{
		{"unreachable block", `{"start": "hi", "blocks": [
			{"id": "hi", "type": "SEND_MESSAGE", "sendMessage": {"text": "Hi"}, "exits": [{"name": "next", "to": "end"}]},
			{"id": "orphan", "type": "SEND_MESSAGE", "sendMessage": {"text": "Never"}, "exits": [{"name": "next", "to": "end"}]},
			{"id": "end", "type": "EXIT"}]}`, "blocks[orphan]"},
		{"no exit", `{"start": "ask", "blocks": [
			{"id": "ask", "type": "COLLECT", "collect": {"question": "Why?", "variable": "why"},
			 "exits": [{"name": "done", "to": "ask"}, {"name": "failed", "to": "ask"}]}]}`, "blocks"},
		{"loop without a wait", `{"start": "say", "blocks": [
			{"id": "say", "type": "SEND_MESSAGE", "sendMessage": {"text": "Again"}, "exits": [{"name": "next", "to": "check"}]},
			{"id": "check", "type": "IF", "if": {"branches": [{"name": "stop", "conditions": [{"subject": "QUEUE_LENGTH", "op": "EQUALS", "number": 0}]}]},
			 "exits": [{"name": "stop", "to": "end"}, {"name": "else", "to": "say"}]},
			{"id": "end", "type": "EXIT"}]}`, ".exits"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.SaveScenario(ctx, s.admin, svc, scenarioInput(t, tt.scenario))
			wantCode(t, err, "BAD_USER_INPUT")
			if f := errField(t, err); !strings.Contains(f, tt.field) {
				t.Fatalf("field %q, want one naming %q (%v)", f, tt.field, err)
			}
		})
	}
}

// TestDeactivatedAgentsChatGoesBackToTheQueue: an admin deactivates the
// agent of a scenario's chat whose agentLeft exit looks for another agent:
// the customer is told the agent left, the conversation leaves the
// deactivated agent for the queue, and Bob is offered it.
func TestDeactivatedAgentsChatGoesBackToTheQueue(t *testing.T) {
	s, svc := newRoutingSetup(t, 600)
	ctx := context.Background()
	s.quiet(t)
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventAgentLeft, Mode: client.SystemMessageModeCustom, Text: ptr("{agentName} has left.")}}); err != nil {
		t.Fatal(err)
	}
	const again = `{"start": "find", "blocks": [
	    {"id": "find", "type": "FIND_AGENT", "findAgent": {"timeoutSeconds": 600},
	     "exits": [{"name": "found", "to": "chat"}, {"name": "timeout", "to": "end"}]},
	    {"id": "chat", "type": "CONNECT_CHAT", "exits": [{"name": "agentLeft", "to": "find"}, {"name": "customerLeft", "to": "end"}]},
	    {"id": "end", "type": "EXIT"}]}`
	if _, err := client.SaveScenario(ctx, s.admin, svc, scenarioInput(t, again)); err != nil {
		t.Fatal(err)
	}
	ann := subscribeRouted(t, s, s.agent, 3, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 3, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 9981, "hi"), s.secret)
	o := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	bob.ready(t)
	if _, err := client.UpdateUser(ctx, s.admin, ann.id, client.UpdateUserInput{Active: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if got := s.waitTexts(t, 9981, 1); got[0] != "agent ann has left." {
		t.Fatalf("after Ann was deactivated: %q", got)
	}
	next := bob.offer(t)
	if next.Conversation.Id != o.Conversation.Id {
		t.Fatalf("Bob was offered %s, want Ann's chat %s", next.Conversation.Id, o.Conversation.Id)
	}
	if _, err := client.AcceptOffer(ctx, bob.c, next.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if c := s.conversation(t, s.admin, o.Conversation.Id); c == nil || c.Assignee == nil || c.Assignee.Id != bob.id {
		t.Fatalf("the chat after Bob accepted: %+v", c)
	}
}

// TestAcceptAtExpiryRacingTheReoffer: round after round, Ann accepts her
// offer two milliseconds before it expires while, at the same time, the
// clock passes the expiry and the router looks (so it expires the offer and
// offers the conversation to Bob); either may come first. Whichever wins, the
// conversation has one owner: Ann when her accept succeeded (her offer is
// ACCEPTED and Bob is offered nothing), else Bob is offered it and Ann, who
// let it expire, is NOT_READY.
func TestAcceptAtExpiryRacingTheReoffer(t *testing.T) {
	clock := &testClock{}
	s, _ := newRoutingSetup(t, 60, withClock(clock))
	ctx := context.Background()
	ann := subscribeRouted(t, s, s.agent, 1, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 1, client.SkillInput{Name: "billing", Level: 3})
	setState := func(a *routedAgent, state client.UserState) {
		t.Helper()
		in := client.AgentStateInput{State: state}
		if state == client.UserStateNotReady {
			in.Reason = ptr("between rounds")
		}
		if _, err := client.SetAgentState(ctx, a.c, in); err != nil {
			t.Fatal(err)
		}
	}
	const rounds = 8
	won := 0
	for i := range rounds {
		// Ann has waited longest: she is offered the round's conversation.
		setState(ann, client.UserStateNotReady)
		setState(bob, client.UserStateNotReady)
		setState(ann, client.UserStateReady)
		setState(bob, client.UserStateReady)
		s.deliver(t, telegramUpdate(i+1, i+1, int64(9850+i), "round "+strconv.Itoa(i)), s.secret)
		o := ann.offer(t)
		// Just before the expiry; then Ann accepts while the clock passes
		// it and the router looks.
		clock.advance(o.Offer.ExpiresAt.Sub(clock.now()) - 2*time.Millisecond)
		var wg sync.WaitGroup
		var acceptErr error
		wg.Add(2)
		go func() { defer wg.Done(); _, acceptErr = client.AcceptOffer(ctx, ann.c, o.Offer.Id) }()
		go func() {
			defer wg.Done()
			if i%2 == 1 {
				client.Me(ctx, bob.c) // a request's time behind Ann's accept
			}
			clock.advance(3 * time.Millisecond)
			s.srv.Inbox.AgentsChanged()
		}()
		wg.Wait()
		if acceptErr == nil {
			won++
			c := s.conversation(t, s.admin, o.Conversation.Id)
			if c == nil || c.Assignee == nil || c.Assignee.Id != ann.id {
				t.Fatalf("round %d: Ann's accept won, the conversation: %+v", i, c)
			}
			if mine, err := client.MyOffers(ctx, bob.c); err != nil || len(mine.MyOffers) != 0 {
				t.Fatalf("round %d: Bob is offered Ann's conversation: %v %+v", i, err, mine)
			}
			if _, err := client.CloseConversation(ctx, ann.c, o.Conversation.Id); err != nil {
				t.Fatal(err)
			}
			continue
		}
		wantCode(t, acceptErr, "CONFLICT")
		b := bob.offer(t)
		if b.Conversation.Id != o.Conversation.Id {
			t.Fatalf("round %d: Bob was offered %s, want %s", i, b.Conversation.Id, o.Conversation.Id)
		}
		if me, err := client.Me(ctx, ann.c); err != nil || me.Me.State != client.UserStateNotReady {
			t.Fatalf("round %d: Ann after her offer expired: %v %+v", i, err, me)
		}
		if _, err := client.AcceptOffer(ctx, bob.c, b.Offer.Id); err != nil {
			t.Fatalf("round %d: Bob's accept: %v", i, err)
		}
		if _, err := client.CloseConversation(ctx, bob.c, o.Conversation.Id); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("Ann's accept beat the expiry in %d of %d rounds", won, rounds)
}
