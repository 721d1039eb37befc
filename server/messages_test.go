package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
	"github.com/switchboard/switchboard/server"
)

const tgBotToken = "123456:AAtelegramSecretE5"

// telegramUpdate is a real-format text update from chat (and user) chatID.
func telegramUpdate(updateID, messageID int, chatID int64, text string) string {
	from := telegramtest.Sender{ID: chatID, FirstName: "Nic", LastName: "Pottier", Username: "nicpottier"}
	return string(telegramtest.TextUpdate(int64(updateID), int64(messageID), from, text, time.Unix(int64(1700000000+messageID), 0)))
}

// telegramSetup is a server with a Telegram account whose webhook is set against
// a fake Bot API, and an agent.
type telegramSetup struct {
	*testServer
	fake      *telegramtest.Server
	accountID string // node ID
	hookURL   string // local webhook URL
	secret    string
	agent     *client.Client
	agentID   string
}

func newTelegramSetup(t *testing.T, configure ...func(*server.Config)) *telegramSetup {
	t.Helper()
	fake := telegramtest.NewServer(tgBotToken)
	t.Cleanup(fake.Close)
	ts := newTestServer(t, append([]func(*server.Config){func(c *server.Config) {
		c.TelegramAPIURL = fake.URL
		c.RetryBase = 10 * time.Millisecond
	}}, configure...)...)
	ctx := context.Background()
	a, err := client.CreateIntegrationAccount(ctx, ts.admin, telegramInput("support bot"))
	if err != nil {
		t.Fatal(err)
	}
	acct := a.CreateIntegrationAccount
	if res, err := client.SetWebhook(ctx, ts.admin, acct.Id); err != nil || !res.SetWebhook.Ok {
		t.Fatalf("setWebhook: %v %+v", err, res)
	}
	agentToken := ts.userToken(t, "agent ann", client.UserRoleAgent)
	agent := ts.as(agentToken)
	me, err := client.Me(ctx, agent)
	if err != nil {
		t.Fatal(err)
	}
	return &telegramSetup{
		testServer: ts, fake: fake, accountID: acct.Id,
		hookURL: ts.http.URL + "/webhooks/" + acct.AccountId, secret: fake.Webhook().SecretToken,
		agent: agent, agentID: me.Me.Id,
	}
}

// deliver posts a webhook as Telegram does and returns the status.
func (s *telegramSetup) deliver(t *testing.T, body, secret string) int {
	t.Helper()
	req, err := telegramtest.NewWebhookRequest(context.Background(), s.hookURL, secret, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// conversationWith returns the open conversation's ID and messages.
func (s *telegramSetup) conversation(t *testing.T, c *client.Client, id string) *client.ConversationNodeConversation {
	t.Helper()
	r, err := client.Conversation(context.Background(), c, id, ptr(100))
	if err != nil {
		t.Fatal(err)
	}
	if r.Node == nil || *r.Node == nil {
		return nil
	}
	conv, _ := (*r.Node).(*client.ConversationNodeConversation)
	return conv
}

func (s *telegramSetup) onlyConversation(t *testing.T) string {
	t.Helper()
	list, err := client.Conversations(context.Background(), s.admin, ptr(10), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if list.Conversations.TotalCount != 1 {
		t.Fatalf("%d conversations, want 1", list.Conversations.TotalCount)
	}
	return list.Conversations.Edges[0].Node.Id
}

// nextInbox waits for an inbox event of kind.
func nextInbox(t *testing.T, ch <-chan client.InboxEventsWsResponse, kind client.ConversationEventKind) client.InboxEventsInboxEventsConversationEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r, ok := <-ch:
			if !ok {
				t.Fatal("inbox subscription ended")
			}
			if len(r.Errors) > 0 {
				t.Fatalf("inbox error: %v", r.Errors)
			}
			if r.Data.InboxEvents.Kind == kind {
				return r.Data.InboxEvents
			}
		case <-timeout:
			t.Fatalf("no %s event within 10s", kind)
		}
	}
}

func TestTelegramMessagePathEndToEnd(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()

	ws, err := s.agent.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	inbox, _, err := client.InboxEvents(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "agent subscribed", func() bool { return s.srv.Subscribers() == 1 })

	// Authenticity and routing.
	if got := s.deliver(t, telegramUpdate(1, 1, 777, "hi"), "wrong-secret"); got != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d, want 401", got)
	}
	if got := s.deliver(t, telegramUpdate(1, 1, 777, "hi"), ""); got != http.StatusUnauthorized {
		t.Fatalf("no secret: %d, want 401", got)
	}
	resp, err := http.Post(s.ts().URL+"/webhooks/nosuchaccount", "application/json", strings.NewReader("{}"))
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown account: %v %v", err, resp.StatusCode)
	}
	if list, _ := client.Conversations(ctx, s.admin, ptr(10), nil, nil, nil); list.Conversations.TotalCount != 0 {
		t.Fatal("an unauthentic webhook was stored")
	}

	// A customer writes; the agent sees it live.
	if got := s.deliver(t, telegramUpdate(1, 1, 777, "Hello, I need help"), s.secret); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	created := nextInbox(t, inbox, client.ConversationEventKindConversationCreated)
	msg := nextInbox(t, inbox, client.ConversationEventKindMessageCreated)
	if msg.Message == nil || msg.Message.Text != "Hello, I need help" || msg.Message.Direction != client.MessageDirectionInbound {
		t.Fatalf("message event: %+v", msg.Message)
	}
	if created.Conversation.Contact.DisplayName != "Nic Pottier" || created.Conversation.Contact.ProviderUserID != "777" {
		t.Fatalf("contact: %+v", created.Conversation.Contact)
	}
	convID := created.Conversation.Id

	// Ten concurrent deliveries of one update store one message and one event.
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := s.deliver(t, telegramUpdate(2, 2, 777, "second"), s.secret); got != http.StatusOK {
				t.Errorf("duplicate delivery: %d", got)
			}
		}()
	}
	wg.Wait()
	if conv := s.conversation(t, s.admin, convID); conv.Messages.TotalCount != 2 {
		t.Logf("logs: %s", s.logs.String())
	}
	nextInbox(t, inbox, client.ConversationEventKindMessageCreated)
	if conv := s.conversation(t, s.admin, convID); conv.Messages.TotalCount != 2 {
		t.Fatalf("%d messages after 10 identical deliveries, want 2", conv.Messages.TotalCount)
	}
	// And one event: replay the whole log and count.
	replayWS, err := s.admin.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	replay, _, err := client.InboxEvents(ctx, replayWS, ptr("0"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		nextInbox(t, replay, client.ConversationEventKindMessageCreated)
	}
	select {
	case r := <-replay:
		if r.Data != nil && r.Data.InboxEvents.Kind == client.ConversationEventKindMessageCreated {
			t.Fatalf("a third MESSAGE_CREATED event after 10 identical deliveries: %+v", r.Data.InboxEvents.Message)
		}
	case <-time.After(200 * time.Millisecond):
	}
	replayWS.Close()

	// The agent takes the conversation and replies; the reply reaches Telegram.
	if _, err := client.TakeConversation(ctx, s.agent, convID); err != nil {
		t.Fatal(err)
	}
	sent, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: convID, Text: ptr("How can I help?"), ClientMessageId: ptr("c-1")})
	if err != nil {
		t.Fatal(err)
	}
	if sent.SendMessage.Status != client.MessageStatusQueued {
		t.Fatalf("status %s, want QUEUED", sent.SendMessage.Status)
	}
	again, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: convID, Text: ptr("How can I help?"), ClientMessageId: ptr("c-1")})
	if err != nil || again.SendMessage.Id != sent.SendMessage.Id {
		t.Fatalf("same clientMessageId made another message: %v", err)
	}
	for {
		ev := nextInbox(t, inbox, client.ConversationEventKindMessageUpdated)
		if ev.Message != nil && ev.Message.Id == sent.SendMessage.Id && ev.Message.Status == client.MessageStatusSent {
			if ev.Message.ProviderMessageID == nil || *ev.Message.ProviderMessageID == "" {
				t.Fatal("sent message has no provider message ID")
			}
			break
		}
	}
	out := s.fake.Messages()
	if len(out) != 1 || out[0].Text != "How can I help?" || out[0].ChatID != 777 {
		t.Fatalf("Telegram received %v", out)
	}

	// Close; a new message within the reopen window reopens the same conversation.
	if _, err := client.CloseConversation(ctx, s.agent, convID); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(3, 3, 777, "one more thing"), s.secret)
	nextInbox(t, inbox, client.ConversationEventKindConversationReopened)
	if s.onlyConversation(t) != convID {
		t.Fatal("a new conversation started instead of reopening")
	}
}

// ts returns the httptest server.
func (s *telegramSetup) ts() *httptest.Server { return s.http }

// waitMessage polls a conversation until its message id has status.
func (s *telegramSetup) waitMessage(t *testing.T, convID, id string, status client.MessageStatus) client.MessageFields {
	t.Helper()
	var last client.MessageFields
	eventually(t, "message "+id+" to be "+string(status), func() bool {
		conv := s.conversation(t, s.admin, convID)
		for _, e := range conv.Messages.Edges {
			if e.Node.Id == id {
				last = e.Node.MessageFields
				return e.Node.Status == status
			}
		}
		return false
	})
	return last
}

func TestReplyFailuresAndRetries(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	s.deliver(t, telegramUpdate(1, 1, 777, "hi"), s.secret)
	convID := s.onlyConversation(t)
	if _, err := client.TakeConversation(ctx, s.agent, convID); err != nil {
		t.Fatal(err)
	}

	// 429 with retry_after, then a 5xx: retried until sent, in order.
	s.fake.FailNext("sendMessage",
		telegramtest.Reply{ErrorCode: 429, Description: "Too Many Requests: retry after 1", RetryAfter: 1},
		telegramtest.ErrorReply(502, "Bad Gateway"))
	first, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: convID, Text: ptr("first")})
	if err != nil {
		t.Fatal(err)
	}
	second, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: convID, Text: ptr("second")})
	if err != nil {
		t.Fatal(err)
	}
	s.waitMessage(t, convID, second.SendMessage.Id, client.MessageStatusSent)
	s.waitMessage(t, convID, first.SendMessage.Id, client.MessageStatusSent)
	out := s.fake.Messages()
	if len(out) != 2 || out[0].Text != "first" || out[1].Text != "second" {
		t.Fatalf("delivered out of order or twice: %v", out)
	}

	// A permanent failure (bot blocked) marks the reply FAILED with the reason;
	// retryMessage sends it again for real.
	s.fake.FailNext("sendMessage", telegramtest.Blocked)
	blocked, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: convID, Text: ptr("are you there?")})
	if err != nil {
		t.Fatal(err)
	}
	failed := s.waitMessage(t, convID, blocked.SendMessage.Id, client.MessageStatusFailed)
	if !strings.Contains(failed.Error, "blocked") {
		t.Fatalf("failure reason %q", failed.Error)
	}
	// The account's health shows its traffic; a customer's refusal is not the
	// account's (see TestRevokedTokenMarksAccountFailing).
	health := fetchAccount(t, s.testServer, s.accountID).Health
	if health.Failing || health.LastSendError != nil || health.LastSendErrorAt != nil ||
		health.LastInboundAt == nil || health.LastSentAt == nil {
		t.Fatalf("health after a customer's refusal: %+v", health)
	}
	if _, err := client.RetryMessage(ctx, s.agent, blocked.SendMessage.Id); err != nil {
		t.Fatal(err)
	}
	s.waitMessage(t, convID, blocked.SendMessage.Id, client.MessageStatusSent)
	if health := fetchAccount(t, s.testServer, s.accountID).Health; health.Failing {
		t.Fatalf("health after an accepted reply: %+v", health)
	}
	if n := len(s.fake.Messages()); n != 3 {
		t.Fatalf("%d messages reached Telegram, want 3", n)
	}
	_, err = client.RetryMessage(ctx, s.agent, blocked.SendMessage.Id)
	wantCode(t, err, "BAD_USER_INPUT")
}

// TestRevokedTokenMarksAccountFailing: when Telegram refuses the bot token
// (revoked with BotFather's /revoke), the reply fails with Telegram's reason
// and the account's health turns failing, with that reason and a time, since
// every reply will fail; a customer who blocked the bot fails only their own
// reply and leaves the account green. Once the admin saves the new token, the
// next accepted reply clears failing.
func TestRevokedTokenMarksAccountFailing(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	s.deliver(t, telegramUpdate(1, 1, 777, "hi"), s.secret)
	nic := s.onlyConversation(t)
	s.deliver(t, telegramUpdate(2, 2, 888, "hello"), s.secret)
	var blocker string
	eventually(t, "the second customer's conversation", func() bool {
		list, err := client.Conversations(ctx, s.admin, ptr(10), nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list.Conversations.Edges {
			if e.Node.Id != nic {
				blocker = e.Node.Id
			}
		}
		return blocker != ""
	})
	reply := func(conv, text string) string {
		t.Helper()
		r, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: conv, Text: ptr(text)})
		if err != nil {
			t.Fatal(err)
		}
		return r.SendMessage.Id
	}
	health := func() client.AccountFieldsHealthAccountHealth {
		t.Helper()
		return fetchAccount(t, s.testServer, s.accountID).Health
	}
	for _, conv := range []string{nic, blocker} {
		if _, err := client.TakeConversation(ctx, s.agent, conv); err != nil {
			t.Fatal(err)
		}
	}

	// A customer who blocked the bot: their reply fails, the account stays green.
	s.fake.Block(888)
	failed := s.waitMessage(t, blocker, reply(blocker, "are you there?"), client.MessageStatusFailed)
	if failed.Error != "Forbidden: bot was blocked by the user" {
		t.Fatalf("failure reason %q", failed.Error)
	}
	if h := health(); h.Failing || h.LastSendError != nil || h.LastSendErrorAt != nil {
		t.Fatalf("health after a customer blocked the bot: %+v", h)
	}

	// The token is revoked: the reply fails, and so does the account.
	const newToken = "123456:AAnewTokenAfterRevokeBB"
	before := time.Now().Add(-time.Second)
	s.fake.RevokeToken(newToken)
	failed = s.waitMessage(t, nic, reply(nic, "how can I help?"), client.MessageStatusFailed)
	if failed.Error != "Unauthorized" {
		t.Fatalf("failure reason %q, want Telegram's", failed.Error)
	}
	h := health()
	if !h.Failing || h.LastSendError == nil || *h.LastSendError != "Unauthorized" ||
		h.LastSendErrorAt == nil || h.LastSendErrorAt.Before(before) || h.LastSendErrorAt.After(time.Now().Add(time.Second)) {
		t.Fatalf("health after the token was refused: %+v", h)
	}

	// The admin saves the new token; the next accepted reply clears failing.
	_, err := client.UpdateIntegrationAccount(ctx, s.admin, s.accountID, client.UpdateIntegrationAccountInput{
		Settings: &client.IntegrationSettingsInput{Telegram: &client.TelegramSettingsInput{BotToken: ptr(newToken)}}})
	if err != nil {
		t.Fatal(err)
	}
	s.waitMessage(t, nic, reply(nic, "sorry, how can I help?"), client.MessageStatusSent)
	if h := health(); h.Failing || h.LastSentAt == nil {
		t.Fatalf("health after an accepted reply: %+v", h)
	}
	if out := s.fake.Messages(); len(out) != 1 || out[0].Text != "sorry, how can I help?" {
		t.Fatalf("Telegram received %v", out)
	}
}

func TestDisconnectedAccountHoldsMessages(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	if _, err := client.DisconnectIntegrationAccount(ctx, s.admin, s.accountID); err != nil {
		t.Fatal(err)
	}
	for i, text := range []string{"first", "second", "third"} {
		if got := s.deliver(t, telegramUpdate(10+i, 10+i, 555, text), s.secret); got != http.StatusOK {
			t.Fatalf("webhook to a disconnected account: %d", got)
		}
	}
	if list, _ := client.Conversations(ctx, s.admin, ptr(10), nil, nil, nil); list.Conversations.TotalCount != 0 {
		t.Fatal("messages to a disconnected account reached agents")
	}
	if _, err := client.ConnectIntegrationAccount(ctx, s.admin, s.accountID); err != nil {
		t.Fatal(err)
	}
	conv := s.conversation(t, s.admin, s.onlyConversation(t))
	var texts []string
	for _, e := range conv.Messages.Edges {
		texts = append(texts, e.Node.Text)
	}
	if strings.Join(texts, ",") != "first,second,third" {
		t.Fatalf("released messages: %v", texts)
	}
}

func TestFailedWebhookIsKeptAndReplayable(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	if got := s.deliver(t, `{"update_id": "not a number"`, s.secret); got != http.StatusOK {
		t.Fatalf("authentic but unparsable body: %d, want 200 (kept, not retried forever)", got)
	}
	failed, err := client.FailedWebhookEvents(ctx, s.admin, ptr(10), nil)
	if err != nil {
		t.Fatal(err)
	}
	if failed.FailedWebhookEvents.TotalCount != 1 || failed.FailedWebhookEvents.Edges[0].Node.Error == "" {
		t.Fatalf("failed webhook events: %+v", failed.FailedWebhookEvents)
	}
	id := failed.FailedWebhookEvents.Edges[0].Node.Id
	r, err := client.ReplayWebhookEvent(ctx, s.admin, id)
	if err != nil || r.ReplayWebhookEvent.Status != client.WebhookEventStatusFailed {
		t.Fatalf("replay of a still-unparsable body: %v %+v", err, r)
	}
	_, err = client.FailedWebhookEvents(ctx, s.agent, ptr(10), nil)
	wantCode(t, err, "FORBIDDEN")
}

func TestInboxResumesFromCursor(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	s.deliver(t, telegramUpdate(1, 1, 777, "one"), s.secret)

	ws, err := s.agent.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	all, _, err := client.InboxEvents(ctx, ws, ptr("0"))
	if err != nil {
		t.Fatal(err)
	}
	first := nextInbox(t, all, client.ConversationEventKindConversationCreated)
	msg := nextInbox(t, all, client.ConversationEventKindMessageCreated)
	if msg.Message.Text != "one" {
		t.Fatalf("replayed %q", msg.Message.Text)
	}
	// Missed while away: two more messages. Resuming after the first message's
	// cursor yields exactly those, then live ones, without duplicates.
	s.deliver(t, telegramUpdate(2, 2, 777, "two"), s.secret)
	s.deliver(t, telegramUpdate(3, 3, 777, "three"), s.secret)
	// A new connection, as a client that reconnects: one connection delivers its
	// subscriptions in order, so an unread stream would hold up the next.
	ws.Close()
	eventually(t, "old subscription to end", func() bool { return s.srv.Subscribers() == 0 })
	ws2, err := s.agent.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ws2.Close()
	resumed, _, err := client.InboxEvents(ctx, ws2, &msg.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "resumed subscriber", func() bool { return s.srv.Subscribers() == 1 })
	s.deliver(t, telegramUpdate(4, 4, 777, "four"), s.secret)
	var texts []string
	for len(texts) < 3 {
		ev := nextInbox(t, resumed, client.ConversationEventKindMessageCreated)
		texts = append(texts, ev.Message.Text)
	}
	if strings.Join(texts, ",") != "two,three,four" {
		t.Fatalf("resumed stream: %v", texts)
	}
	if first.Cursor >= msg.Cursor {
		t.Fatalf("cursors do not increase: %s then %s", first.Cursor, msg.Cursor)
	}
	select {
	case r := <-resumed:
		t.Fatalf("unexpected extra event %+v", r.Data)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestAgentsSeeOnlyTheirConversations(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	s.deliver(t, telegramUpdate(1, 1, 777, "from 777"), s.secret)
	s.deliver(t, telegramUpdate(2, 1, 888, "from 888"), s.secret)
	other := s.as(s.userToken(t, "agent bob", client.UserRoleAgent))
	bobMe, _ := client.Me(ctx, other)
	list, _ := client.Conversations(ctx, s.agent, ptr(10), nil, nil, nil)
	if list.Conversations.TotalCount != 2 {
		t.Fatalf("agent sees %d unassigned conversations, want 2", list.Conversations.TotalCount)
	}
	a, b := list.Conversations.Edges[0].Node.Id, list.Conversations.Edges[1].Node.Id
	if _, err := client.TakeConversation(ctx, s.agent, a); err != nil {
		t.Fatal(err)
	}
	_, err := client.TakeConversation(ctx, other, a)
	wantCode(t, err, "NOT_FOUND")
	if mine, _ := client.Conversations(ctx, other, ptr(10), nil, nil, nil); mine.Conversations.TotalCount != 1 {
		t.Fatalf("bob sees %d conversations, want 1 (the unassigned one)", mine.Conversations.TotalCount)
	}
	// Transfer keeps the history and moves visibility.
	if _, err := client.TransferConversation(ctx, s.agent, a, bobMe.Me.Id); err != nil {
		t.Fatal(err)
	}
	if conv := s.conversation(t, other, a); conv == nil || conv.Messages.TotalCount != 1 {
		t.Fatal("bob cannot read the transferred conversation's history")
	}
	if conv := s.conversation(t, s.agent, a); conv != nil {
		t.Fatal("ann still sees a conversation transferred away")
	}
	_, err = client.AssignConversation(ctx, s.agent, b, bobMe.Me.Id)
	wantCode(t, err, "FORBIDDEN")
	if _, err := client.AssignConversation(ctx, s.admin, b, bobMe.Me.Id); err != nil {
		t.Fatal(err)
	}
	// An agent starts an outbound conversation with a known contact.
	contacts, err := client.Contacts(ctx, s.admin, ptr(10), nil, nil)
	if err != nil || contacts.Contacts.TotalCount != 2 {
		t.Fatalf("contacts: %v", err)
	}
	if _, err := client.CloseConversation(ctx, other, a); err != nil {
		t.Fatal(err)
	}
}

func TestAlbumDeliveredInParallelLandsInOneConversation(t *testing.T) {
	s := newTelegramSetup(t)
	album := func(updateID, messageID int) string {
		return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"media_group_id":"13579","from":{"id":321,"is_bot":false,"first_name":"Al"},
		"chat":{"id":321,"type":"private"},"date":1700000000,"photo":[{"file_id":"p%d","file_unique_id":"u%d","width":90,"height":90}]}}`,
			updateID, messageID, messageID, messageID)
	}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := s.deliver(t, album(100+i, 50+i), s.secret); got != http.StatusOK {
				t.Errorf("album item %d: %d", i, got)
			}
		}()
	}
	wg.Wait()
	conv := s.conversation(t, s.admin, s.onlyConversation(t))
	if conv.Messages.TotalCount != 6 {
		t.Fatalf("%d messages in the conversation, want the album's 6", conv.Messages.TotalCount)
	}
}

// inboxEvent reads the next event of a subscription, failing after 10 s.
func inboxEvent(t *testing.T, ch <-chan client.InboxEventsWsResponse) client.InboxEventsInboxEventsConversationEvent {
	t.Helper()
	select {
	case r, ok := <-ch:
		if !ok {
			t.Fatal("inbox subscription ended")
		}
		if len(r.Errors) > 0 {
			t.Fatalf("inbox error: %v", r.Errors)
		}
		return r.Data.InboxEvents
	case <-time.After(10 * time.Second):
		t.Fatal("no inbox event within 10s")
	}
	panic("unreachable")
}

// untilMessage reads events up to the one carrying text, failing on any
// event for which refuse says why it must not arrive.
func untilMessage(t *testing.T, ch <-chan client.InboxEventsWsResponse, text string, refuse func(client.InboxEventsInboxEventsConversationEvent) string) []client.InboxEventsInboxEventsConversationEvent {
	t.Helper()
	var seen []client.InboxEventsInboxEventsConversationEvent
	for {
		ev := inboxEvent(t, ch)
		if why := refuse(ev); why != "" {
			t.Fatalf("%s: %s event of conversation %s", why, ev.Kind, ev.Conversation.Id)
		}
		seen = append(seen, ev)
		if ev.Kind == client.ConversationEventKindMessageCreated && ev.Message.Text == text {
			return seen
		}
	}
}

func hasAssignment(evs []client.InboxEventsInboxEventsConversationEvent, conv, to string) bool {
	for _, ev := range evs {
		if ev.Kind == client.ConversationEventKindConversationAssigned && ev.Conversation.Id == conv &&
			ev.Conversation.Assignee != nil && ev.Conversation.Assignee.Id == to {
			return true
		}
	}
	return false
}

// TestAgentsReceiveOnlyEventsTheyMaySee: one rule decides, from the holder
// recorded on each event, in the log's replay and live alike: an agent sees
// what happened while a conversation was unassigned or its own, is told when
// an unassigned conversation it was shown is taken, and when one of its own
// is transferred away, and nothing of another agent's conversation after that.
func TestAgentsReceiveOnlyEventsTheyMaySee(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	s.deliver(t, telegramUpdate(1, 1, 777, "ann's customer"), s.secret)
	annConv := s.onlyConversation(t)
	annMe, err := client.Me(ctx, s.agent)
	if err != nil {
		t.Fatal(err)
	}
	bob := s.as(s.userToken(t, "agent bob", client.UserRoleAgent))
	bobMe, err := client.Me(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	// Ann is live; bob replays the log from the start.
	annWS, err := s.agent.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer annWS.Close()
	annEvents, _, err := client.InboxEvents(ctx, annWS, nil)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "ann subscribed", func() bool { return s.srv.Subscribers() == 1 })
	if _, err := client.TakeConversation(ctx, s.agent, annConv); err != nil {
		t.Fatal(err)
	}
	bobWS, err := bob.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer bobWS.Close()
	bobEvents, _, err := client.InboxEvents(ctx, bobWS, ptr("0"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "bob subscribed", func() bool { return s.srv.Subscribers() == 2 })
	s.deliver(t, telegramUpdate(2, 2, 777, "private to ann"), s.secret)
	s.deliver(t, telegramUpdate(3, 1, 888, "new customer"), s.secret)
	seen := untilMessage(t, bobEvents, "new customer", func(ev client.InboxEventsInboxEventsConversationEvent) string {
		if ev.Message != nil && ev.Message.Text == "private to ann" {
			return "bob received a message of ann's conversation"
		}
		return ""
	})
	if seen[0].Kind != client.ConversationEventKindConversationCreated || seen[0].Conversation.Id != annConv {
		t.Fatalf("bob's replay starts with %s of %s, want the creation of the then unassigned conversation", seen[0].Kind, seen[0].Conversation.Id)
	}
	if !hasAssignment(seen, annConv, annMe.Me.Id) {
		t.Fatal("bob was not told that the unassigned conversation he was shown was taken")
	}
	untilMessage(t, annEvents, "new customer", func(client.InboxEventsInboxEventsConversationEvent) string { return "" })

	// Ann transfers her conversation to bob: both are told, and from then on
	// its messages go to bob and not to ann.
	if _, err := client.TransferConversation(ctx, s.agent, annConv, bobMe.Me.Id); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(4, 3, 777, "now for bob"), s.secret)
	s.deliver(t, telegramUpdate(5, 2, 888, "still for all"), s.secret)
	annSeen := untilMessage(t, annEvents, "still for all", func(ev client.InboxEventsInboxEventsConversationEvent) string {
		if ev.Message != nil && ev.Message.Text == "now for bob" {
			return "ann received a message of a conversation transferred away"
		}
		return ""
	})
	if !hasAssignment(annSeen, annConv, bobMe.Me.Id) {
		t.Fatal("ann was not told that her conversation was transferred away")
	}
	bobSeen := untilMessage(t, bobEvents, "now for bob", func(client.InboxEventsInboxEventsConversationEvent) string { return "" })
	if !hasAssignment(bobSeen, annConv, bobMe.Me.Id) {
		t.Fatal("bob was not told that a conversation was transferred to him")
	}
}

func TestStartOutboundConversation(t *testing.T) {
	s := newTelegramSetup(t, func(c *server.Config) { c.ReopenWindow = time.Nanosecond })
	ctx := context.Background()
	s.deliver(t, telegramUpdate(1, 1, 606, "thanks, bye"), s.secret)
	first := s.onlyConversation(t)
	if _, err := client.TakeConversation(ctx, s.agent, first); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CloseConversation(ctx, s.agent, first); err != nil {
		t.Fatal(err)
	}
	contacts, err := client.Contacts(ctx, s.agent, ptr(10), nil, nil)
	if err != nil || contacts.Contacts.TotalCount != 1 {
		t.Fatalf("contacts: %v", err)
	}
	started, err := client.StartConversation(ctx, s.agent, contacts.Contacts.Edges[0].Node.Id)
	if err != nil {
		t.Fatal(err)
	}
	conv := started.StartConversation
	if conv.Id == first || conv.Status != client.ConversationStatusOpen || conv.Assignee == nil || conv.Assignee.Id != s.agentID {
		t.Fatalf("started conversation: %+v", conv)
	}
	sent, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Your order has shipped")})
	if err != nil {
		t.Fatal(err)
	}
	s.waitMessage(t, conv.Id, sent.SendMessage.Id, client.MessageStatusSent)
	if out := s.fake.Messages(); len(out) != 1 || out[0].ChatID != 606 {
		t.Fatalf("Telegram received %v", out)
	}
	// The earlier conversation is the new one's history.
	r, _ := client.Conversation(ctx, s.agent, conv.Id, ptr(10))
	if h := (*r.Node).(*client.ConversationNodeConversation).History; len(h) != 1 || h[0].Id != first {
		t.Fatalf("history: %+v", h)
	}
}

// TestButtonPressIsAnswered: a customer's button press becomes a postback and
// is answered with answerCallbackQuery, so their button stops spinning.
func TestButtonPressIsAnswered(t *testing.T) {
	s := newTelegramSetup(t)
	update := `{"update_id":77,"callback_query":{"id":"4382bfdwdsb323b2d9","from":{"id":1111,"is_bot":false,"first_name":"Ann"},
		"message":{"message_id":7,"date":1700000000,"chat":{"id":1111,"type":"private"}},"chat_instance":"-1","data":"yes"}}`
	if got := s.deliver(t, update, s.secret); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	eventually(t, "answerCallbackQuery", func() bool {
		a := s.fake.AnsweredCallbacks()
		return len(a) == 1 && a[0] == "4382bfdwdsb323b2d9"
	})
	if c := s.conversation(t, s.admin, s.onlyConversation(t)); c == nil || c.Messages.TotalCount != 1 {
		t.Fatalf("the button press is not in the conversation: %+v", c)
	}
}

// TestSharedRenderingKeepsEachEventItsOwn: subscribers with the same selection
// share one rendering per event (SharedEvents); each still receives every
// event, in order, with that event's own content.
func TestSharedRenderingKeepsEachEventItsOwn(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	var streams []<-chan client.InboxEventsWsResponse
	for i, c := range []*client.Client{s.admin, s.admin, s.agent, s.agent} {
		ws, err := c.Subscribe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		ch, _, err := client.InboxEvents(ctx, ws, nil)
		if err != nil {
			t.Fatal(err)
		}
		streams = append(streams, ch)
		eventually(t, "subscribed", func() bool { return s.srv.Subscribers() == i+1 })
	}
	const messages = 6
	for i := range messages {
		s.deliver(t, telegramUpdate(i+1, i+1, int64(500+i%2), fmt.Sprintf("message %d", i)), s.secret)
	}
	for n, ch := range streams {
		for i := range messages {
			ev := nextInbox(t, ch, client.ConversationEventKindMessageCreated)
			if want := fmt.Sprintf("message %d", i); ev.Message.Text != want {
				t.Fatalf("subscriber %d: event %d is %q, want %q", n, i, ev.Message.Text, want)
			}
		}
	}
}

// TestAccountChangesApplyToTheNextWebhook: the server keeps accounts bound to
// their providers in memory; a change (here: disconnecting) must apply to the
// very next webhook, so its message is held until the account is connected.
func TestAccountChangesApplyToTheNextWebhook(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	s.deliver(t, telegramUpdate(1, 1, 4242, "before"), s.secret)
	conv := s.onlyConversation(t)
	if _, err := client.DisconnectIntegrationAccount(ctx, s.admin, s.accountID); err != nil {
		t.Fatal(err)
	}
	if got := s.deliver(t, telegramUpdate(2, 2, 4242, "while disconnected"), s.secret); got != http.StatusOK {
		t.Fatalf("webhook while disconnected: %d", got)
	}
	if n := s.conversation(t, s.admin, conv).Messages.TotalCount; n != 1 {
		t.Fatalf("%d messages in the conversation while disconnected, want 1 (the new one held)", n)
	}
	if _, err := client.ConnectIntegrationAccount(ctx, s.admin, s.accountID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the held message released", func() bool {
		return s.conversation(t, s.admin, conv).Messages.TotalCount == 2
	})
}

// TestConcurrentTakesHaveOneWinner: agents racing for one conversation, while
// webhooks share the writer's batches with their takes: one take wins, the
// others lose (CONFLICT, or NOT_FOUND once the winner holds it), every
// webhook is stored, and subscribers are told of one assignment.
func TestConcurrentTakesHaveOneWinner(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	s.deliver(t, telegramUpdate(1, 1, 9090, "who takes me?"), s.secret)
	conv := s.onlyConversation(t)
	ws, err := s.admin.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	events, _, err := client.InboxEvents(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "admin subscribed", func() bool { return s.srv.Subscribers() == 1 })
	const agents = 8
	var clients []*client.Client
	for i := range agents {
		clients = append(clients, s.as(s.userToken(t, fmt.Sprintf("agent %d", i), client.UserRoleAgent)))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, lost := 0, 0
	for i, c := range clients {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := client.TakeConversation(ctx, c, conv)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errCode(t, err) == "CONFLICT" || errCode(t, err) == "NOT_FOUND":
				// CONFLICT when it lost in the writer; NOT_FOUND once the
				// winner's take is committed (another agent's conversation
				// is invisible).
				lost++
			default:
				t.Errorf("take: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			if got := s.deliver(t, telegramUpdate(100+i, 100+i, int64(7000+i), "meanwhile"), s.secret); got != http.StatusOK {
				t.Errorf("webhook during the race: %d", got)
			}
		}()
	}
	wg.Wait()
	if won != 1 || lost != agents-1 {
		t.Fatalf("%d takes won and %d lost, want 1 and %d", won, lost, agents-1)
	}
	list, err := client.Conversations(ctx, s.admin, ptr(50), nil, nil, nil)
	if err != nil || list.Conversations.TotalCount != 1+agents {
		t.Fatalf("%v conversations (%v), want %d: every webhook stored", list.Conversations.TotalCount, err, 1+agents)
	}
	assigned := 0
	for received := 0; received < 1+2*agents; received++ {
		ev := inboxEvent(t, events)
		if ev.Kind == client.ConversationEventKindConversationAssigned && ev.Conversation.Id == conv {
			assigned++
		}
	}
	if assigned != 1 {
		t.Fatalf("%d assignment events for one take", assigned)
	}
}
