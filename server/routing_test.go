package server_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/server"
)

// routedAgent is an agent of a routing test: its client, user ID and live
// inbox.
type routedAgent struct {
	c     *client.Client
	id    string
	inbox <-chan client.InboxEventsWsResponse
}

// newRoutedAgent creates an agent with skills and capacity and subscribes it
// to its inbox. READY is set by the test.
func newRoutedAgent(t *testing.T, s *telegramSetup, name string, capacity int, skills ...client.SkillInput) *routedAgent {
	t.Helper()
	c := s.as(s.userToken(t, name, client.UserRoleAgent))
	return subscribeRouted(t, s, c, capacity, skills...)
}

func subscribeRouted(t *testing.T, s *telegramSetup, c *client.Client, capacity int, skills ...client.SkillInput) *routedAgent {
	t.Helper()
	ctx := context.Background()
	me, err := client.Me(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if skills == nil {
		skills = []client.SkillInput{}
	}
	if _, err := client.UpdateUser(ctx, s.admin, me.Me.Id, client.UpdateUserInput{Skills: skills, Capacity: &capacity}); err != nil {
		t.Fatal(err)
	}
	ws, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	before := s.srv.Subscribers()
	inbox, _, err := client.InboxEvents(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, me.Me.Name+" subscribed", func() bool { return s.srv.Subscribers() > before })
	return &routedAgent{c: c, id: me.Me.Id, inbox: inbox}
}

func (a *routedAgent) ready(t *testing.T) {
	t.Helper()
	u, err := client.SetAgentState(context.Background(), a.c, client.AgentStateInput{State: client.UserStateReady})
	if err != nil || u.SetAgentState.State != client.UserStateReady {
		t.Fatalf("setAgentState READY: %v %+v", err, u)
	}
}

// offer waits for the agent's next CONVERSATION_OFFERED and returns it.
func (a *routedAgent) offer(t *testing.T) client.InboxEventsInboxEventsConversationEvent {
	t.Helper()
	ev := nextInbox(t, a.inbox, client.ConversationEventKindConversationOffered)
	if ev.Offer == nil || ev.Offer.Status != client.OfferStatusPending {
		t.Fatalf("offer event without a pending offer: %+v", ev)
	}
	return ev
}

// sees reports whether the agent finds conversation id by ID.
func (a *routedAgent) sees(t *testing.T, s *telegramSetup, id string) bool {
	return s.conversation(t, a.c, id) != nil
}

// newRoutingSetup is a Telegram account in a chat service "Billing" that
// requires billing at level 3 and offers for timeout seconds.
func newRoutingSetup(t *testing.T, timeout int, configure ...func(*server.Config)) (*telegramSetup, string) {
	t.Helper()
	s := newTelegramSetup(t, configure...)
	svc, err := client.CreateChatService(context.Background(), s.admin, client.ChatServiceInput{
		Name: ptr("Billing"), RequiredSkills: []client.SkillInput{{Name: "billing", Level: 3}},
		OfferTimeoutSeconds: &timeout, AccountIds: []string{s.accountID},
	})
	if err != nil {
		t.Fatal(err)
	}
	if svc.CreateChatService.Scenario == nil {
		t.Fatal("a new service has no default scenario")
	}
	// These tests are about routing alone: no scenario, offered at once.
	if _, err := client.SaveScenario(context.Background(), s.admin, svc.CreateChatService.Id, nil); err != nil {
		t.Fatal(err)
	}
	return s, svc.CreateChatService.Id
}

// TestRoutingOffersToTheRightReadyAgent: a customer's message on an account
// of a service reaches, as an offer, the READY agent with the skills who has
// waited longest, and nobody else; a rejected offer moves on; concurrent
// accepts give the conversation once.
func TestRoutingOffersToTheRightReadyAgent(t *testing.T) {
	s, _ := newRoutingSetup(t, 60)
	ctx := context.Background()
	ann := subscribeRouted(t, s, s.agent, 3, client.SkillInput{Name: "billing", Level: 5})
	bob := newRoutedAgent(t, s, "agent bob", 3, client.SkillInput{Name: "billing", Level: 2})
	cid := newRoutedAgent(t, s, "agent cid", 3, client.SkillInput{Name: "billing", Level: 4})
	dan := newRoutedAgent(t, s, "agent dan", 3, client.SkillInput{Name: "billing", Level: 9})
	ann.ready(t)
	bob.ready(t)
	cid.ready(t) // dan stays OFFLINE

	s.deliver(t, telegramUpdate(1, 1, 4242, "my invoice is wrong"), s.secret)
	convID := s.onlyConversation(t)
	if c := s.conversation(t, s.admin, convID); c == nil || !c.Queued {
		t.Fatalf("the conversation does not wait in the queue: %+v", c)
	}

	// Ann became READY first: she has waited longest of those with the skill.
	first := ann.offer(t)
	if first.Conversation.Id != convID || first.Conversation.Assignee != nil {
		t.Fatalf("offer: %+v", first)
	}
	if !ann.sees(t, s, convID) || bob.sees(t, s, convID) || cid.sees(t, s, convID) || dan.sees(t, s, convID) {
		t.Fatal("an offered conversation must be visible to the offered agent only")
	}
	// After a reload, Ann's desk finds her pending offer; nobody else's does.
	mine, err := client.MyOffers(ctx, ann.c)
	if err != nil || len(mine.MyOffers) != 1 || mine.MyOffers[0].Id != first.Offer.Id || mine.MyOffers[0].Conversation.Id != convID {
		t.Fatalf("Ann's pending offers: %v %+v", err, mine)
	}
	if theirs, err := client.MyOffers(ctx, cid.c); err != nil || len(theirs.MyOffers) != 0 {
		t.Fatalf("Cid's pending offers: %v %+v", err, theirs)
	}
	// Another agent cannot accept Ann's offer.
	_, err = client.AcceptOffer(ctx, cid.c, first.Offer.Id)
	wantCode(t, err, "NOT_FOUND")

	// Ann rejects: Cid (level 4) is next; Bob (level 2) never is.
	if r, err := client.RejectOffer(ctx, ann.c, first.Offer.Id); err != nil || r.RejectOffer.Status != client.OfferStatusRejected {
		t.Fatalf("reject: %v %+v", err, r)
	}
	ended := nextInbox(t, ann.inbox, client.ConversationEventKindConversationOfferEnded)
	if ended.Offer == nil || ended.Offer.Status != client.OfferStatusRejected {
		t.Fatalf("Ann is not told her offer ended: %+v", ended)
	}
	if mine, err := client.MyOffers(ctx, ann.c); err != nil || len(mine.MyOffers) != 0 {
		t.Fatalf("Ann's pending offers after rejecting: %v %+v", err, mine)
	}
	second := cid.offer(t)
	if second.Conversation.Id != convID {
		t.Fatalf("Cid's offer: %+v", second)
	}
	if ann.sees(t, s, convID) {
		t.Fatal("Ann still sees the conversation she rejected")
	}

	// Cid accepts from several places at once: exactly one accept wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := client.AcceptOffer(ctx, cid.c, second.Offer.Id)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			} else if errCode(t, err) == "CONFLICT" {
				conflicts++
			}
		}()
	}
	wg.Wait()
	if wins != 1 || conflicts != 7 {
		t.Fatalf("8 concurrent accepts: %d won, %d conflicts; want 1 and 7", wins, conflicts)
	}
	taken := nextInbox(t, cid.inbox, client.ConversationEventKindConversationAssigned)
	if taken.Conversation.Assignee == nil || taken.Conversation.Assignee.Id != cid.id || taken.Conversation.Queued {
		t.Fatalf("Cid's conversation: %+v", taken.Conversation)
	}
	// Ann's rejected offer cannot be accepted any more.
	_, err = client.AcceptOffer(ctx, ann.c, first.Offer.Id)
	wantCode(t, err, "CONFLICT")

	// Bob (who lacks the skill level) and Dan (OFFLINE) were told nothing:
	// their first event is the assignment of the conversation to Bob.
	if _, err := client.AssignConversation(ctx, s.admin, convID, bob.id); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*routedAgent{bob, dan} {
		select {
		case r := <-a.inbox:
			ev := r.Data.InboxEvents
			if ev.Kind != client.ConversationEventKindConversationAssigned || ev.Conversation.Assignee == nil || ev.Conversation.Assignee.Id != bob.id {
				if a == dan {
					t.Fatalf("Dan got %s before anything he may see", ev.Kind)
				}
				t.Fatalf("Bob's first event is %s (assignee %+v), want the assignment to him", ev.Kind, ev.Conversation.Assignee)
			}
			if a == dan {
				t.Fatalf("Dan was told of Bob's conversation: %+v", ev)
			}
		case <-time.After(2 * time.Second):
			if a == bob {
				t.Fatal("Bob was not told he got the conversation")
			}
		}
	}
}

// TestOfferTimeoutMovesOnAndSetsNotReady: an offer nobody answers expires;
// the agent who let it expire is set NOT_READY and the next agent gets it.
func TestOfferTimeoutMovesOnAndSetsNotReady(t *testing.T) {
	s, _ := newRoutingSetup(t, 5)
	ctx := context.Background()
	ann := subscribeRouted(t, s, s.agent, 3, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 3, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	bob.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 5151, "hello?"), s.secret)
	first := ann.offer(t)
	if d := time.Until(first.Offer.ExpiresAt); d < 3*time.Second || d > 6*time.Second {
		t.Fatalf("offer expires in %s, want about 5s", d)
	}
	ended := nextInbox(t, ann.inbox, client.ConversationEventKindConversationOfferEnded)
	if ended.Offer.Status != client.OfferStatusExpired {
		t.Fatalf("ended offer: %+v", ended.Offer)
	}
	me, err := client.Me(ctx, ann.c)
	if err != nil || me.Me.State != client.UserStateNotReady || me.Me.StateReason == "" {
		t.Fatalf("Ann after a missed offer: %v %+v", err, me)
	}
	second := bob.offer(t)
	if second.Conversation.Id != first.Conversation.Id {
		t.Fatalf("Bob's offer: %+v", second)
	}
	_, err = client.AcceptOffer(ctx, ann.c, first.Offer.Id)
	wantCode(t, err, "CONFLICT")
	if _, err := client.AcceptOffer(ctx, bob.c, second.Offer.Id); err != nil {
		t.Fatal(err)
	}
}

// TestCapacityAndFreedCapacity: an agent at capacity is offered nothing more;
// when it closes a conversation, the oldest waiting one is offered at once.
func TestCapacityAndFreedCapacity(t *testing.T) {
	s, _ := newRoutingSetup(t, 60)
	ctx := context.Background()
	ann := subscribeRouted(t, s, s.agent, 1, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 6001, "first customer"), s.secret)
	first := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, first.Offer.Id); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(2, 2, 6002, "second customer"), s.secret)
	s.deliver(t, telegramUpdate(3, 3, 6003, "third customer"), s.secret)
	list, err := client.Conversations(ctx, s.admin, ptr(10), nil, nil, nil)
	if err != nil || list.Conversations.TotalCount != 3 {
		t.Fatalf("conversations: %v %+v", err, list)
	}
	var second, third string
	for _, e := range list.Conversations.Edges {
		switch e.Node.Contact.ProviderUserID {
		case "6002":
			second = e.Node.Id
		case "6003":
			third = e.Node.Id
		}
	}
	// Bob becomes READY after both arrived: the router offers him the oldest
	// waiting one, so it was not offered to Ann (capacity 1, holding one) in
	// the rounds before; she sees neither.
	bob := newRoutedAgent(t, s, "agent bob", 1, client.SkillInput{Name: "billing", Level: 3})
	bob.ready(t)
	if got := bob.offer(t); got.Conversation.Id != second {
		t.Fatalf("Bob was offered %s, want the oldest waiting %s", got.Conversation.Id, second)
	}
	if ann.sees(t, s, second) || ann.sees(t, s, third) {
		t.Fatal("an agent at capacity was offered another conversation")
	}
	if _, err := client.CloseConversation(ctx, ann.c, first.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	next := ann.offer(t)
	if next.Conversation.Id != third {
		t.Fatalf("after freeing capacity Ann got %s, want the oldest waiting %s", next.Conversation.Id, third)
	}
}

// TestPriorityAndTransferToService: a conversation transferred to another
// service waits in its queue (the agent who had it no longer sees it) and is
// offered to that service's agents; a higher priority queue is served first.
func TestPriorityAndTransferToService(t *testing.T) {
	s, billing := newRoutingSetup(t, 60)
	ctx := context.Background()
	vip, err := client.CreateChatService(ctx, s.admin, client.ChatServiceInput{Name: ptr("VIP"), Priority: ptr(10)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.SaveScenario(ctx, s.admin, vip.CreateChatService.Id, nil); err != nil {
		t.Fatal(err)
	}
	ann := subscribeRouted(t, s, s.agent, 1, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 1, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 7001, "ordinary question"), s.secret)
	s.deliver(t, telegramUpdate(2, 2, 7002, "urgent question"), s.secret)
	o := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	// Ann moves her conversation to VIP (priority 10): it leaves her.
	moved, err := client.TransferToService(ctx, ann.c, o.Conversation.Id, vip.CreateChatService.Id)
	if err != nil || !moved.TransferConversation.Queued || moved.TransferConversation.Assignee != nil ||
		moved.TransferConversation.Service == nil || moved.TransferConversation.Service.Id != vip.CreateChatService.Id {
		t.Fatalf("transfer to VIP: %v %+v", err, moved)
	}
	if bob.sees(t, s, o.Conversation.Id) {
		t.Fatal("an agent who is not offered a queued conversation sees it")
	}
	// Ann is free again and is offered the VIP conversation first (higher
	// priority), though the Billing one waited longer. VIP names no agents:
	// every agent of the tenant serves it.
	next := ann.offer(t)
	if next.Conversation.Id != o.Conversation.Id {
		t.Fatalf("Ann was offered %s, want the VIP conversation %s", next.Conversation.Id, o.Conversation.Id)
	}
	// Bob becomes READY: the Billing conversation goes to him.
	bob.ready(t)
	b := bob.offer(t)
	if b.Conversation.Id == o.Conversation.Id || b.Conversation.Service == nil || b.Conversation.Service.Id != billing {
		t.Fatalf("Bob's offer: %+v", b.Conversation)
	}
	// Validation and access.
	_, err = client.TransferToService(ctx, ann.c, b.Conversation.Id, vip.CreateChatService.Id)
	wantCode(t, err, "NOT_FOUND")
	_, err = client.CreateChatService(ctx, ann.c, client.ChatServiceInput{Name: ptr("Mine")})
	wantCode(t, err, "FORBIDDEN")
	_, err = client.CreateChatService(ctx, s.admin, client.ChatServiceInput{Name: ptr("Bad"), TimeZone: ptr("Mars/Olympus")})
	wantCode(t, err, "BAD_USER_INPUT")
	_, err = client.CreateChatService(ctx, s.admin, client.ChatServiceInput{Name: ptr("Taken"), AccountIds: []string{s.accountID}})
	wantCode(t, err, "CONFLICT")
}

// TestDisconnectedAgentGoesOffline: an agent whose last connection closed is
// set OFFLINE after the grace period; a reason is refused with READY (it is for NOT_READY).
func TestDisconnectedAgentGoesOffline(t *testing.T) {
	s, _ := newRoutingSetup(t, 60, func(c *server.Config) { c.OfflineGrace = 100 * time.Millisecond })
	ctx := context.Background()
	ws, err := s.agent.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := client.InboxEvents(ctx, ws, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Ann subscribed", func() bool { return s.srv.Subscribers() == 1 })
	if _, err := client.SetAgentState(ctx, s.agent, client.AgentStateInput{State: client.UserStateReady}); err != nil {
		t.Fatal(err)
	}
	ws.Close()
	eventually(t, "Ann OFFLINE", func() bool {
		me, err := client.Me(ctx, s.agent)
		return err == nil && me.Me.State == client.UserStateOffline
	})
	_, err = client.SetAgentState(ctx, s.agent, client.AgentStateInput{State: client.UserStateReady, Reason: ptr("coffee")})
	wantCode(t, err, "BAD_USER_INPUT")
}

// TestOffersGoToWhoWaitedLongestAmongTheServicesAgents: of the READY agents
// with the skills, the one served longest ago gets the next offer (not the
// one READY first, nor the lowest ID); a service that names its agents is
// offered to them only.
func TestOffersGoToWhoWaitedLongestAmongTheServicesAgents(t *testing.T) {
	s, billing := newRoutingSetup(t, 60)
	ctx := context.Background()
	ann := subscribeRouted(t, s, s.agent, 5, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 5, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	bob.ready(t)
	accept := func(a *routedAgent, chat int64, update int, who string) string {
		t.Helper()
		s.deliver(t, telegramUpdate(update, update, chat, "hello"), s.secret)
		o := a.offer(t)
		if _, err := client.AcceptOffer(ctx, a.c, o.Offer.Id); err != nil {
			t.Fatalf("%s accepting: %v", who, err)
		}
		return o.Conversation.Id
	}
	first := accept(ann, 9301, 1, "Ann, READY first")
	// Ann was just served: Bob has waited longest, though Ann became READY
	// first, has the lower ID and has room for four more.
	second := accept(bob, 9302, 2, "Bob, waiting longest")
	if ann.sees(t, s, second) {
		t.Fatal("Ann sees the conversation offered to Bob")
	}
	// Now Ann has waited longest, but the service names only Bob.
	if _, err := client.UpdateChatService(ctx, s.admin, billing, client.ChatServiceInput{AgentIds: []string{bob.id}}); err != nil {
		t.Fatal(err)
	}
	third := accept(bob, 9303, 3, "Bob, the service's only agent")
	// The service names nobody again: every agent with the skills serves it,
	// and Ann, served before Bob, is next.
	if _, err := client.UpdateChatService(ctx, s.admin, billing, client.ChatServiceInput{AgentIds: []string{}}); err != nil {
		t.Fatal(err)
	}
	fourth := accept(ann, 9304, 4, "Ann, waiting longest again")
	for _, id := range []string{first, second, third, fourth} {
		c := s.conversation(t, s.admin, id)
		if c.Assignee == nil || c.Queued {
			t.Fatalf("conversation %s after its accept: %+v", id, c)
		}
	}
}

// offerFor waits until one of agents is offered conversation conv (ignoring
// every other event) and returns that agent and the offer event.
func offerFor(t *testing.T, conv string, agents ...*routedAgent) (*routedAgent, client.InboxEventsInboxEventsConversationEvent) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		for _, a := range agents {
			select {
			case r, ok := <-a.inbox:
				if !ok {
					t.Fatal("an inbox subscription ended")
				}
				ev := r.Data.InboxEvents
				if ev.Kind == client.ConversationEventKindConversationOffered && ev.Conversation.Id == conv && ev.Offer != nil {
					return a, ev
				}
			case <-timeout:
				t.Fatalf("no agent was offered %s within 10s", conv)
			default:
			}
		}
		select {
		case <-timeout:
			t.Fatalf("no agent was offered %s within 10s", conv)
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// TestAcceptRacingRejectGivesTheConversationOnce: the offered agent accepts
// and rejects at once; whichever the writer takes first decides, and when
// the reject wins, the other agent is offered the conversation and accepts.
// Each conversation ends with exactly one agent, the one whose accept won.
func TestAcceptRacingRejectGivesTheConversationOnce(t *testing.T) {
	s, _ := newRoutingSetup(t, 60)
	ctx := context.Background()
	ann := subscribeRouted(t, s, s.agent, 10, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 10, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	bob.ready(t)
	rejectsWon := 0
	for i := range 8 {
		s.deliver(t, telegramUpdate(i+1, i+1, int64(9400+i), "hello"), s.secret)
		list, err := client.ConversationList(ctx, s.admin, 1, nil, nil)
		if err != nil || len(list.Conversations.Edges) == 0 {
			t.Fatalf("conversations: %v", err)
		}
		conv := list.Conversations.Edges[0].Node.Id
		first, o := offerFor(t, conv, ann, bob)
		other := bob
		if first == bob {
			other = ann
		}
		var wg sync.WaitGroup
		var accepted, rejected error
		wg.Add(2)
		go func() { defer wg.Done(); _, accepted = client.AcceptOffer(ctx, first.c, o.Offer.Id) }()
		go func() { defer wg.Done(); _, rejected = client.RejectOffer(ctx, first.c, o.Offer.Id) }()
		wg.Wait()
		winner := first
		switch {
		case accepted == nil && rejected != nil:
			wantCode(t, rejected, "CONFLICT")
		case rejected == nil && accepted != nil:
			wantCode(t, accepted, "CONFLICT")
			rejectsWon++
			_, next := offerFor(t, conv, other)
			if _, err := client.AcceptOffer(ctx, other.c, next.Offer.Id); err != nil {
				t.Fatalf("round %d: the second agent's accept after the reject: %v", i, err)
			}
			winner = other
		default:
			t.Fatalf("round %d: accept %v, reject %v: exactly one must win", i, accepted, rejected)
		}
		c := s.conversation(t, s.admin, conv)
		if c.Assignee == nil || c.Assignee.Id != winner.id || c.Queued {
			t.Fatalf("round %d: conversation after the race: %+v, want it with %s only", i, c.Assignee, winner.id)
		}
		if loser := map[*routedAgent]*routedAgent{ann: bob, bob: ann}[winner]; loser.sees(t, s, conv) {
			t.Fatalf("round %d: the agent who lost the race still sees the conversation", i)
		}
	}
	t.Logf("%d of 8 rejects came first", rejectsWon)
}

// TestEveryQueueIsServed: two hundred and more conversations that no READY
// agent can take (a skill nobody has) do not keep the router from offering
// a conversation of another, lower priority queue to an agent who can.
func TestEveryQueueIsServed(t *testing.T) {
	s, _ := newRoutingSetup(t, 60)
	ctx := context.Background()
	sales, err := client.CreateChatService(ctx, s.admin, client.ChatServiceInput{Name: ptr("Sales"), Priority: ptr(-1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.SaveScenario(ctx, s.admin, sales.CreateChatService.Id, nil); err != nil {
		t.Fatal(err)
	}
	const waiting = 201
	for i := range waiting {
		s.deliver(t, telegramUpdate(i+1, i+1, int64(20000+i), "billing question"), s.secret)
	}
	list, err := client.ConversationList(ctx, s.admin, 1, nil, nil)
	if err != nil || len(list.Conversations.Edges) != 1 {
		t.Fatalf("the newest conversation: %v", err)
	}
	moved := list.Conversations.Edges[0].Node.Id
	if _, err := client.TransferToService(ctx, s.admin, moved, sales.CreateChatService.Id); err != nil {
		t.Fatal(err)
	}
	// Ann has no billing skill: of all that wait, only the Sales one fits.
	ann := subscribeRouted(t, s, s.agent, 1)
	ann.ready(t)
	if o := ann.offer(t); o.Conversation.Id != moved {
		t.Fatalf("Ann was offered %s, want the Sales conversation %s", o.Conversation.Id, moved)
	}
}

// TestAgentStartedConversationStaysWithTheAgent: a conversation an agent
// starts with a customer of a service's account is the agent's own: it does
// not enter the queue, not even when the customer answers, and no other
// READY agent is offered it.
func TestAgentStartedConversationStaysWithTheAgent(t *testing.T) {
	s, _ := newRoutingSetup(t, 60)
	ctx := context.Background()
	ann := subscribeRouted(t, s, s.agent, 2, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 2, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 9501, "hello"), s.secret)
	o := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CloseConversation(ctx, ann.c, o.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	contact := s.conversation(t, s.admin, o.Conversation.Id).Contact.Id
	started, err := client.StartConversation(ctx, ann.c, contact)
	if err != nil {
		t.Fatal(err)
	}
	id := started.StartConversation.Id
	bob.ready(t)
	// The customer's answer lands in the conversation Ann started.
	s.deliver(t, telegramUpdate(2, 2, 9501, "thanks for writing"), s.secret)
	eventually(t, "the answer in Ann's conversation", func() bool {
		ms := s.conversation(t, ann.c, id).Messages.Edges
		return len(ms) > 0 && ms[len(ms)-1].Node.Text == "thanks for writing"
	})
	c := s.conversation(t, s.admin, id)
	if c.Queued || c.Assignee == nil || c.Assignee.Id != ann.id {
		t.Fatalf("the conversation Ann started: queued %v, assignee %+v", c.Queued, c.Assignee)
	}
	if bob.sees(t, s, id) {
		t.Fatal("Bob sees the conversation Ann started")
	}
}
