package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
)

// TestCustomerInactivity: a customer who leaves an agent's message
// unanswered is asked whether they are still there (INACTIVITY_WARNING, in
// the account's words); answering stops the clock; silence after the warning
// closes the chat, tells the customer, and frees the agent.
func TestCustomerInactivity(t *testing.T) {
	s, svc := newRoutingSetup(t, 60)
	ctx := context.Background()
	bad := 0
	if _, err := client.UpdateChatService(ctx, s.admin, svc, client.ChatServiceInput{InactivityWarningSeconds: &bad}); err != nil {
		t.Fatalf("0 turns the check off: %v", err)
	}
	bad = 100000
	_, err := client.UpdateChatService(ctx, s.admin, svc, client.ChatServiceInput{InactivityCloseSeconds: &bad})
	wantCode(t, err, "BAD_USER_INPUT")
	warn, closeAfter := 1, 1
	if _, err := client.UpdateChatService(ctx, s.admin, svc, client.ChatServiceInput{
		InactivityWarningSeconds: &warn, InactivityCloseSeconds: &closeAfter}); err != nil {
		t.Fatal(err)
	}
	for _, e := range []client.SystemMessageEvent{client.SystemMessageEventConversationStarted, client.SystemMessageEventQueued,
		client.SystemMessageEventPositionChanged, client.SystemMessageEventAgentJoined} {
		if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{{Event: e, Mode: client.SystemMessageModeDisabled}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventInactivityWarning, Mode: client.SystemMessageModeCustom, Text: ptr("Still there, {customerName}? {agentName} is waiting.")},
		{Event: client.SystemMessageEventConversationClosed, Mode: client.SystemMessageModeCustom, Text: ptr("Closed for inactivity.")},
	}); err != nil {
		t.Fatal(err)
	}
	ann := subscribeRouted(t, s, s.agent, 1, client.SkillInput{Name: "billing", Level: 5})
	ann.ready(t)

	s.deliver(t, telegramUpdate(1, 1, 7001, "help"), s.secret)
	offer := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, offer.Offer.Id); err != nil {
		t.Fatal(err)
	}
	convID := s.onlyConversation(t)
	if _, err := client.SendMessage(ctx, ann.c, client.SendMessageInput{ConversationId: convID, Text: ptr("How can I help?")}); err != nil {
		t.Fatal(err)
	}
	if got := s.waitTexts(t, 7001, 2); got[0] != "How can I help?" || got[1] != "Still there, Nic Pottier? agent ann is waiting." {
		t.Fatalf("before the warning: %q", got)
	}
	// The customer answers: the clock stops, the chat stays open.
	s.deliver(t, telegramUpdate(2, 2, 7001, "yes, sorry"), s.secret)
	id, _ := strconv.Atoi(convID)
	row, err := s.srv.Client().Conversation.Get(core.SystemContext(ctx), id)
	if err != nil || row.CustomerIdleAt != nil || row.IdleWarned {
		t.Fatalf("after the customer answered the clock runs on: %v %+v", err, row)
	}
	if c := s.conversation(t, ann.c, convID); c.Status != client.ConversationStatusOpen {
		t.Fatalf("the answered chat is %s", c.Status)
	}
	// The agent writes again and the customer stays silent: warned, then closed.
	if _, err := client.SendMessage(ctx, ann.c, client.SendMessageInput{ConversationId: convID, Text: ptr("Which invoice?")}); err != nil {
		t.Fatal(err)
	}
	got := s.waitTexts(t, 7001, 5)
	if got[2] != "Which invoice?" || got[3] != "Still there, Nic Pottier? agent ann is waiting." || got[4] != "Closed for inactivity." {
		t.Fatalf("after silence: %q", got)
	}
	eventually(t, "the silent customer's chat closed", func() bool {
		c := s.conversation(t, s.admin, convID)
		return c != nil && c.Status == client.ConversationStatusClosed
	})
	// The agent's one seat is free again: the next customer is offered at once.
	s.deliver(t, telegramUpdate(3, 3, 7002, "hello"), s.secret)
	if next := ann.offer(t); next.Conversation.Id == convID {
		t.Fatalf("offered the closed chat again: %+v", next)
	}
}

// TestInactivityInAScenarioChat: in a scenario's Connect Chat, a customer who
// stays silent after the warning has left: the block's customerLeft exit
// runs (its goodbye), then the chat closes.
func TestInactivityInAScenarioChat(t *testing.T) {
	s, svc := newRoutingSetup(t, 60)
	ctx := context.Background()
	warn, closeAfter := 1, 1
	if _, err := client.UpdateChatService(ctx, s.admin, svc, client.ChatServiceInput{
		InactivityWarningSeconds: &warn, InactivityCloseSeconds: &closeAfter}); err != nil {
		t.Fatal(err)
	}
	sc := strings.Replace(waitScenario(600), `{"name": "customerLeft", "to": "end"}`, `{"name": "customerLeft", "to": "gone"}`, 1)
	sc = strings.Replace(sc, `{"id": "end",`,
		`{"id": "gone", "type": "SEND_MESSAGE", "sendMessage": {"text": "We closed this chat as you seem to have gone."}, "exits": [{"name": "next", "to": "end"}]},
    {"id": "end",`, 1)
	if _, err := client.SaveScenario(ctx, s.admin, svc, scenarioInput(t, sc)); err != nil {
		t.Fatal(err)
	}
	for _, e := range []client.SystemMessageEvent{client.SystemMessageEventConversationStarted, client.SystemMessageEventQueued,
		client.SystemMessageEventPositionChanged, client.SystemMessageEventAgentJoined, client.SystemMessageEventConversationClosed} {
		if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{{Event: e, Mode: client.SystemMessageModeDisabled}}); err != nil {
			t.Fatal(err)
		}
	}
	ann := subscribeRouted(t, s, s.agent, 1, client.SkillInput{Name: "billing", Level: 5})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 7101, "help"), s.secret)
	offer := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, offer.Offer.Id); err != nil {
		t.Fatal(err)
	}
	convID := s.onlyConversation(t)
	if _, err := client.SendMessage(ctx, ann.c, client.SendMessageInput{ConversationId: convID, Text: ptr("Hello?")}); err != nil {
		t.Fatal(err)
	}
	got := s.waitTexts(t, 7101, 4)
	want := []string{"Hello?", "Are you still there? This chat will close soon if we do not hear from you.",
		"We closed this chat as you seem to have gone.", "Bye."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("texts %q, want %q", got, want)
	}
	eventually(t, "the chat closed", func() bool {
		c := s.conversation(t, s.admin, convID)
		return c != nil && c.Status == client.ConversationStatusClosed
	})
}
