package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core/cluster/clustertest"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
	"github.com/switchboard/switchboard/server"
)

// instance is another Switchboard instance of a test's cluster.
type instance struct {
	srv  *server.Server
	http *httptest.Server
}

// join starts another instance on the setup's PostgreSQL and NATS (and its
// data folder, which holds the secret key every instance needs).
func (s *telegramSetup) join(t *testing.T) *instance {
	t.Helper()
	srv, err := server.New(context.Background(), s.cfg, slog.New(slog.NewJSONHandler(s.logs, nil)))
	if err != nil {
		t.Fatalf("another instance: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.Start()
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(srv.Shutdown)
	return &instance{srv: srv, http: hs}
}

// newClusterSetup is a Telegram setup whose server is the first instance of
// a cluster (PostgreSQL and an embedded NATS); PostgreSQL only.
func newClusterSetup(t *testing.T, configure ...func(*server.Config)) *telegramSetup {
	t.Helper()
	if os.Getenv(storetest.EnvURL) == "" {
		t.Skip("a cluster keeps its data in PostgreSQL (make test-postgres)")
	}
	nats := clustertest.Start(t)
	return newTelegramSetup(t, append([]func(*server.Config){func(c *server.Config) {
		c.NATSURL = nats
		c.LeaseCheck = 100 * time.Millisecond
	}}, configure...)...)
}

// TestTwoInstancesServeOneContactCenter: with two instances on one
// PostgreSQL and NATS, a message that arrives at one reaches the agent
// subscribed on the other, live and by resuming from a cursor; a reply sent
// through either is delivered once; a conversation queued at one is offered
// to the READY agent on the other; and when the instance doing the run-once
// work stops, the other takes it over.
func TestTwoInstancesServeOneContactCenter(t *testing.T) {
	s := newClusterSetup(t)
	ctx := context.Background()
	b := s.join(t)
	annToken := s.userToken(t, "agent amy", client.UserRoleAgent)
	annAtB := client.New(b.http.URL, annToken)

	ws, err := annAtB.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	inbox, _, err := client.InboxEvents(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "Ann subscribed on B", func() bool { return b.srv.Subscribers() == 1 })

	// A webhook at A reaches Ann at B.
	s.deliver(t, telegramUpdate(1, 1, 4242, "hello from A"), s.secret)
	ev := nextInbox(t, inbox, client.ConversationEventKindMessageCreated)
	if ev.Message == nil || ev.Message.Text != "hello from A" {
		t.Fatalf("Ann at B got %+v", ev)
	}
	convID := ev.Conversation.Id
	if _, err := client.TakeConversation(ctx, annAtB, convID); err != nil {
		t.Fatal(err)
	}
	// Her reply through B is sent once, by whichever instance holds the lease.
	sent, err := client.SendMessage(ctx, annAtB, client.SendMessageInput{ConversationId: convID, Text: ptr("hi from B")})
	if err != nil {
		t.Fatal(err)
	}
	s.waitMessage(t, convID, sent.SendMessage.Id, client.MessageStatusSent)

	// Resuming at B after a cursor finds what arrived at A meanwhile.
	cursor := ev.Cursor
	s.deliver(t, telegramUpdate(2, 2, 4242, "second"), s.secret)
	s.deliver(t, telegramUpdate(3, 3, 4242, "third"), s.secret)
	ws2, err := annAtB.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ws2.Close()
	resumed, _, err := client.InboxEvents(ctx, ws2, &cursor)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for len(texts) < 2 {
		e := nextInbox(t, resumed, client.ConversationEventKindMessageCreated)
		if e.Message.Direction == client.MessageDirectionInbound {
			texts = append(texts, e.Message.Text)
		}
	}
	if texts[0] != "second" || texts[1] != "third" {
		t.Fatalf("resumed at B: %q", texts)
	}

	// The instance doing the run-once work stops (A, or else B): the other
	// takes over, and a reply sent through the survivor is delivered.
	eventually(t, "one instance doing the run-once work", func() bool { return s.srv.Leading() != b.srv.Leading() })
	survivor := annAtB
	stopped, next := s.srv, b.srv
	if b.srv.Leading() {
		stopped, next, survivor = b.srv, s.srv, s.as(annToken)
	}
	stopped.Shutdown()
	stopped.Close()
	eventually(t, "the other instance taking over", next.Leading)
	sent, err = client.SendMessage(ctx, survivor, client.SendMessageInput{ConversationId: convID, Text: ptr("after the handover")})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the reply after the handover delivered", func() bool {
		n := 0
		for _, m := range s.textsTo(4242) {
			if m == "after the handover" {
				n++
			}
		}
		return n == 1
	})
	if n := count(s.textsTo(4242), "hi from B"); n != 1 {
		t.Fatalf("the first reply was sent %d times", n)
	}
}

// count is how many of list are s.
func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// TestClusterKeepsInStep: what one instance changes, the others follow at
// once: a conversation queued at one is offered to the READY agent on the
// other; an agent connected only to one instance stays READY past the grace
// period whichever instance does the routing, and goes OFFLINE once her last
// connection anywhere ends; a system message changed through one instance is
// the text the other sends; a token revoked through one ends its
// subscriptions on the other and stops working there.
func TestClusterKeepsInStep(t *testing.T) {
	s := newClusterSetup(t, func(c *server.Config) { c.OfflineGrace = 300 * time.Millisecond })
	ctx := context.Background()
	b := s.join(t)
	svc, err := client.CreateChatService(ctx, s.admin, client.ChatServiceInput{Name: ptr("Support"), AccountIds: []string{s.accountID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.SaveScenario(ctx, s.admin, svc.CreateChatService.Id, nil); err != nil {
		t.Fatal(err)
	}
	adminAtB := client.New(b.http.URL, s.adminToken)
	// The account's QUEUED text is read (and cached) by whichever instance
	// takes the webhook: A, here.
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventConversationStarted, Mode: client.SystemMessageModeDisabled},
		{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: ptr("Queued at first.")},
		{Event: client.SystemMessageEventAgentJoined, Mode: client.SystemMessageModeDisabled},
	}); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(1, 1, 5001, "first"), s.secret)
	if got := s.waitTexts(t, 5001, 1); got[0] != "Queued at first." {
		t.Fatalf("the first customer: %q", got)
	}
	// Changed through B: A sends the new text to the next customer.
	if _, err := client.UpdateSystemMessages(ctx, adminAtB, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: ptr("Queued, changed at B.")},
	}); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(2, 2, 5002, "second"), s.secret)
	if got := s.waitTexts(t, 5002, 1); got[0] != "Queued, changed at B." {
		t.Fatalf("the second customer, after the text changed through the other instance: %q", got)
	}

	// A customer blocks the bot (told to B) and writes again (to A): A's
	// writer, which had the contact cached as not blocked, unblocks it.
	hookAtB := b.http.URL + s.hookURL[len(s.http.URL):]
	s.deliver(t, telegramUpdate(3, 3, 5003, "hello"), s.secret)
	s.waitTexts(t, 5003, 1)
	blocked := func() bool {
		list, err := client.Contacts(ctx, s.admin, ptr(50), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list.Contacts.Edges {
			if e.Node.ProviderUserID == "5003" {
				return e.Node.Blocked
			}
		}
		t.Fatal("no contact 5003")
		return false
	}
	req, err := telegramtest.NewWebhookRequest(ctx, hookAtB, s.secret, []byte(telegramLeft(4, 5003)))
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the block at B: %v %v", err, resp)
	}
	eventually(t, "the contact blocked", blocked)
	s.deliver(t, telegramUpdate(5, 5, 5003, "sorry, I am back"), s.secret)
	eventually(t, "the contact unblocked by its message at A", func() bool { return !blocked() })

	// Amy works on B only; the queue is offered to her there.
	amyToken := s.userToken(t, "agent amy", client.UserRoleAgent)
	amyAtB := client.New(b.http.URL, amyToken)
	ws, err := amyAtB.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	inbox, _, err := client.InboxEvents(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "Amy subscribed at B", func() bool { return b.srv.Subscribers() == 1 })
	if _, err := client.SetAgentState(ctx, amyAtB, client.AgentStateInput{State: client.UserStateReady}); err != nil {
		t.Fatal(err)
	}
	o := nextInbox(t, inbox, client.ConversationEventKindConversationOffered)
	if _, err := client.AcceptOffer(ctx, amyAtB, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	// A second tab of hers, at A, closes: A starts her grace period, but she
	// is still connected to B, so past it she is still READY.
	wsA, err := s.as(amyToken).Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := client.InboxEvents(ctx, wsA, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Amy subscribed at A", func() bool { return s.srv.Subscribers() == 1 })
	wsA.Close()
	eventually(t, "Amy's tab at A closed", func() bool { return s.srv.Subscribers() == 0 })
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		me, err := client.Me(ctx, s.as(amyToken))
		if err != nil || me.Me.State != client.UserStateReady {
			t.Fatalf("Amy, connected to B, became %v (%v)", me.Me.State, err)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
		}
	}

	// Her token is revoked through A: her subscription at B ends, and B
	// refuses the token at once.
	tokens, err := client.Tokens(ctx, s.admin, ptr(50), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	revoked := false
	for _, e := range tokens.Tokens.Edges {
		if e.Node.User.Name == "agent amy" {
			if _, err := client.RevokeToken(ctx, s.admin, e.Node.Id); err != nil {
				t.Fatal(err)
			}
			revoked = true
		}
	}
	if !revoked {
		t.Fatal("Amy's token is not listed")
	}
	ended := time.After(5 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-inbox:
		case <-ended:
			t.Fatal("Amy's subscription at B outlived her token revoked at A")
		}
	}
	_, err = client.Me(ctx, amyAtB)
	wantCode(t, err, "UNAUTHENTICATED")
	// Her last connection is gone: OFFLINE after the grace period.
	eventually(t, "Amy OFFLINE", func() bool {
		u, err := client.Users(ctx, s.admin, ptr(50), nil, nil, nil)
		if err != nil {
			return false
		}
		for _, e := range u.Users.Edges {
			if e.Node.Name == "agent amy" {
				return e.Node.State == client.UserStateOffline
			}
		}
		return false
	})
}
