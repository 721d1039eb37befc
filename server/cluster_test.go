package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
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

// TestOneOpenConversationPerContact: a customer's messages to both
// instances and admins starting a conversation with the customer on both, all
// at once, leave the customer one open conversation with every message in
// it. The writers check before they open one; only the database sees two
// instances (or a start beside a webhook) checking at once. On SQLite the
// same race runs on one instance.
func TestOneOpenConversationPerContact(t *testing.T) {
	var s *telegramSetup
	hooks := []string{}
	admins := []*client.Client{}
	if os.Getenv(storetest.EnvURL) != "" {
		s = newClusterSetup(t)
		b := s.join(t)
		hooks = append(hooks, s.hookURL, b.http.URL+s.hookURL[len(s.http.URL):])
		admins = append(admins, s.admin, client.New(b.http.URL, s.adminToken))
	} else {
		s = newTelegramSetup(t)
		hooks = append(hooks, s.hookURL)
		admins = append(admins, s.admin)
	}
	ctx := context.Background()
	const chat = 7070
	s.deliver(t, telegramUpdate(1, 1, chat, "first"), s.secret)
	var contactID string
	eventually(t, "the customer's conversation", func() bool {
		id := s.openConversationWith(t, chat)
		if id != "" {
			contactID = s.conversation(t, s.admin, id).Contact.Id
		}
		return id != ""
	})
	update := 100
	for round := 1; round <= 3; round++ {
		if id := s.openConversationWith(t, chat); id != "" {
			if _, err := client.CloseConversation(ctx, s.admin, id); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		var texts []string
		for i, hook := range hooks {
			for j := 0; j < 3; j++ {
				update++
				text := fmt.Sprintf("round %d, to instance %d, #%d", round, i, j)
				texts = append(texts, text)
				body := telegramUpdate(update, update, chat, text)
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, err := telegramtest.NewWebhookRequest(ctx, hook, s.secret, []byte(body))
					if err != nil {
						errs <- err
						return
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						errs <- err
						return
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						errs <- fmt.Errorf("webhook %q: status %d", text, resp.StatusCode)
					}
				}()
			}
		}
		for _, admin := range admins {
			for j := 0; j < 2; j++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := client.StartConversation(ctx, admin, contactID); err != nil {
						errs <- fmt.Errorf("startConversation: %w", err)
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
		list, err := client.Conversations(ctx, s.admin, ptr(100), nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var open []string
		for _, e := range list.Conversations.Edges {
			if e.Node.Contact.Id == contactID && e.Node.Status == client.ConversationStatusOpen {
				open = append(open, e.Node.Id)
			}
		}
		if len(open) != 1 {
			t.Fatalf("round %d: the customer has %d open conversations %v; want 1", round, len(open), open)
		}
		conv := s.conversation(t, s.admin, open[0])
		in := map[string]bool{}
		for _, e := range conv.Messages.Edges {
			in[e.Node.Text] = true
		}
		for _, text := range texts {
			if !in[text] {
				t.Errorf("round %d: %q is not in the open conversation", round, text)
			}
		}
	}
}

// TestReadyzAndMetricsFollowNATS: an instance of a cluster is ready, and
// says it is connected on /metrics, only while its NATS is up: a load
// balancer stops sending it work when NATS goes away.
func TestReadyzAndMetricsFollowNATS(t *testing.T) {
	if os.Getenv(storetest.EnvURL) == "" {
		t.Skip("a cluster keeps its data in PostgreSQL (make test-postgres)")
	}
	natsURL, stopNATS := clustertest.StartStoppable(t)
	s := newTelegramSetup(t, func(c *server.Config) { c.NATSURL = natsURL })
	get := func(path string) (int, string) {
		resp, err := http.Get(s.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz with NATS up: %d %q", code, body)
	}
	_, metrics := get("/metrics")
	for _, want := range []string{
		"\nswitchboard_nats_connected 1\n",
		"\nswitchboard_nats_messages_total{direction=\"out\"} ",
		"\nswitchboard_nats_messages_total{direction=\"in\"} ",
		"\nswitchboard_nats_bytes_total{direction=\"out\"} ",
		"\nswitchboard_nats_reconnects_total ",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics has no %q", strings.TrimSpace(want))
		}
	}

	stopNATS()
	eventually(t, "/readyz not ready without NATS", func() bool {
		code, body := get("/readyz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "NATS")
	})
	eventually(t, "/metrics saying NATS is down", func() bool {
		_, metrics := get("/metrics")
		return strings.Contains(metrics, "\nswitchboard_nats_connected 0\n")
	})
}

// TestAccountEventsReachEveryInstance: an admin subscribed to account events
// on one instance gets, once each, the changes made through the other; and
// an account disconnected through one instance holds the messages that
// arrive at the other.
func TestAccountEventsReachEveryInstance(t *testing.T) {
	s := newClusterSetup(t)
	ctx := context.Background()
	b := s.join(t)
	adminAtB := client.New(b.http.URL, s.adminToken)
	ws, err := adminAtB.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	evs, _, err := client.IntegrationAccountEvents(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the admin subscribed at B", func() bool { return b.srv.Subscribers() == 1 })

	// Renamed through A: the admin at B hears of it, with the new name.
	if _, err := client.UpdateIntegrationAccount(ctx, s.admin, s.accountID, client.UpdateIntegrationAccountInput{Name: ptr("renamed at A")}); err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, evs)
	if ev.Kind != client.IntegrationAccountEventKindUpdated || ev.Id != s.accountID || ev.Account == nil || ev.Account.Name != "renamed at A" {
		t.Fatalf("the admin at B got %+v; want the account renamed at A", ev)
	}
	// Disconnected through B: the next event is that one (the rename came
	// once), and A holds the customer's message instead of filing it.
	if _, err := client.DisconnectIntegrationAccount(ctx, adminAtB, s.accountID); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, evs); ev.Kind != client.IntegrationAccountEventKindDisconnected {
		t.Fatalf("after the rename, the admin at B got %s %s; want DISCONNECTED once", ev.Kind, ev.Id)
	}
	if code := s.deliver(t, telegramUpdate(1, 1, 6060, "while disconnected"), s.secret); code != http.StatusOK {
		t.Fatalf("webhook at A: %d", code)
	}
	if id := s.openConversationWith(t, 6060); id != "" {
		t.Fatal("A filed a message for an account disconnected through B")
	}
	// Connected again through A: the admin at B hears it, and the held
	// message is filed.
	if _, err := client.ConnectIntegrationAccount(ctx, s.admin, s.accountID); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, evs); ev.Kind != client.IntegrationAccountEventKindConnected || ev.Account == nil {
		t.Fatalf("the admin at B got %s %s; want CONNECTED with the account", ev.Kind, ev.Id)
	}
	eventually(t, "the held message filed", func() bool { return s.openConversationWith(t, 6060) != "" })
}
