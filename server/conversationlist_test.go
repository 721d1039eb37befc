package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/switchboard/switchboard/client"
)

// TestConversationListShowsTheLastMessage follows a conversation's lastMessage
// through the list the front end loads (ConversationList) as the customer
// writes and the agent replies: it is kept on the conversation where messages
// are written, and both the admin and the agent who took it see it.
func TestConversationListShowsTheLastMessage(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	last := func(c *client.Client) (convID, msgID, text string) {
		t.Helper()
		list, err := client.ConversationList(ctx, c, 50, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Conversations.Edges) != 1 {
			t.Fatalf("%d conversations listed, want 1", len(list.Conversations.Edges))
		}
		n := list.Conversations.Edges[0].Node
		if n.LastMessage == nil {
			return n.Id, "", ""
		}
		return n.Id, n.LastMessage.Id, n.LastMessage.Text
	}
	inbound := func(update int, text string) {
		t.Helper()
		if got := s.deliver(t, telegramUpdate(update, update, 777, text), s.secret); got != http.StatusOK {
			t.Fatalf("webhook: %d", got)
		}
		eventually(t, "the list shows "+text, func() bool { _, _, got := last(s.admin); return got == text })
	}

	inbound(1, "Hello")
	convID, _, _ := last(s.admin)
	if _, err := client.TakeConversation(ctx, s.agent, convID); err != nil {
		t.Fatal(err)
	}
	sent, err := client.SendMessage(ctx, s.agent, client.SendMessageInput{ConversationId: convID, Text: ptr("How can I help?")})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*client.Client{"admin": s.admin, "agent": s.agent} {
		if _, id, text := last(c); id != sent.SendMessage.Id || text != "How can I help?" {
			t.Errorf("%s: last message %s %q, want the reply %s", name, id, text, sent.SendMessage.Id)
		}
	}
	inbound(2, "My order is late")
	if _, _, text := last(s.agent); text != "My order is late" {
		t.Errorf("agent: last message %q", text)
	}
}
