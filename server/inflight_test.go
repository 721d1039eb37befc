package server_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
	"github.com/switchboard/switchboard/server"
)

// A reply whose send is cut off by a stop (the provider has not answered
// within the delivery grace) may or may not have reached the customer.
// Telegram would deliver a second send again, so after the restart the reply
// is FAILED with a reason an agent understands, and never sent a second time
// behind the agent's back; the replies after it go out as usual.
func TestReplyCutOffByAStopIsNeverSentTwice(t *testing.T) {
	s := newTelegramSetup(t, func(c *server.Config) { c.DeliveryGrace = 50 * time.Millisecond })
	ctx := context.Background()
	if code := s.deliver(t, telegramUpdate(1, 1, 777, "hi"), s.secret); code != 200 {
		t.Fatalf("webhook: %d", code)
	}
	var convID string
	eventually(t, "the conversation", func() bool {
		list, err := client.Conversations(ctx, s.admin, ptr(10), nil, nil, nil)
		if err != nil || list.Conversations.TotalCount != 1 {
			return false
		}
		convID = list.Conversations.Edges[0].Node.Id
		return true
	})
	token := s.userToken(t, "agent bo", client.UserRoleAgent)
	agent := s.as(token)
	if _, err := client.TakeConversation(ctx, agent, convID); err != nil {
		t.Fatal(err)
	}

	// Telegram takes the first reply and never answers.
	var sends atomic.Int32
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	defer close(release)
	s.fake.SetHook(func(r telegramtest.Request) *telegramtest.Reply {
		if r.Endpoint == "sendMessage" && strings.Contains(r.Params["text"], "first") {
			sends.Add(1)
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
			return &telegramtest.Reply{HTTPStatus: 502}
		}
		return nil
	})
	first, err := client.SendMessage(ctx, agent, client.SendMessageInput{ConversationId: convID, Text: ptr("first reply")})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the reply never reached Telegram")
	}

	s.restart(t)
	agent = s.as(token)
	second, err := client.SendMessage(ctx, agent, client.SendMessageInput{ConversationId: convID, Text: ptr("second reply")})
	if err != nil {
		t.Fatal(err)
	}
	var firstMsg, secondMsg client.MessageFields
	eventually(t, "the second reply sent and the first settled", func() bool {
		conv := s.conversation(t, s.admin, convID)
		for _, e := range conv.Messages.Edges {
			switch e.Node.Id {
			case first.SendMessage.Id:
				firstMsg = e.Node.MessageFields
			case second.SendMessage.Id:
				secondMsg = e.Node.MessageFields
			}
		}
		return secondMsg.Status == client.MessageStatusSent && firstMsg.Status != client.MessageStatusQueued
	})
	if firstMsg.Status != client.MessageStatusFailed || !strings.Contains(firstMsg.Error, "not confirmed") {
		t.Fatalf("the cut-off reply is %s (%q), want FAILED as not confirmed", firstMsg.Status, firstMsg.Error)
	}
	if n := sends.Load(); n != 1 {
		t.Fatalf("the cut-off reply reached Telegram %d times, want once", n)
	}
	// An agent may send it again: then it goes out.
	s.fake.SetHook(nil)
	if _, err := client.RetryMessage(ctx, agent, first.SendMessage.Id); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the retried reply sent", func() bool {
		for _, e := range s.conversation(t, s.admin, convID).Messages.Edges {
			if e.Node.Id == first.SendMessage.Id {
				return e.Node.Status == client.MessageStatusSent
			}
		}
		return false
	})
}
