package main

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
)

// heldReply makes the fake Bot API take one reply and never answer it, so
// the reply is in flight when the server sending it is killed.
type heldReply struct {
	text    string
	sends   atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func holdReply(text string) *heldReply {
	return &heldReply{text: text, entered: make(chan struct{}, 1), release: make(chan struct{})}
}

// answer holds r when it sends the held reply (and answers 502 once let go);
// nil for any other request.
func (h *heldReply) answer(r telegramtest.Request) *telegramtest.Reply {
	if r.Endpoint != "sendMessage" || r.Params["text"] != h.text {
		return nil
	}
	h.sends.Add(1)
	select {
	case h.entered <- struct{}{}:
	default:
	}
	<-h.release
	rep := telegramtest.ErrorReply(502, "Bad Gateway")
	return &rep
}

// letGo ends every held request; call it before the fake closes, which
// waits for them.
func (h *heldReply) letGo() { close(h.release) }

// waitHeld waits until the Bot API holds the reply.
func (h *heldReply) waitHeld(t *testing.T) {
	t.Helper()
	select {
	case <-h.entered:
	case <-time.After(20 * time.Second):
		t.Fatalf("%q never reached the Bot API", h.text)
	}
}

// checkSettled waits until the held reply, message id of conversation convID,
// is FAILED as not confirmed through c, and checks that it reached the Bot API
// once: a reply that may have reached the customer is left to an agent, never
// sent a second time behind their back.
func (h *heldReply) checkSettled(t *testing.T, c *client.Client, convID, id string) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(30 * time.Second); ; {
		r, err := client.Conversation(ctx, c, convID, ptrTo(100))
		if err != nil {
			t.Fatal(err)
		}
		var status client.MessageStatus
		var reason string
		for _, m := range (*r.Node).(*client.ConversationNodeConversation).Messages.Edges {
			if m.Node.Id == id {
				status, reason = m.Node.Status, m.Node.Error
			}
		}
		if status == client.MessageStatusFailed && strings.Contains(reason, "not confirmed") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q, in flight when its sender died, is %s (%q), want FAILED as not confirmed", h.text, status, reason)
		}
		<-time.After(20 * time.Millisecond)
	}
	if n := h.sends.Load(); n != 1 {
		t.Fatalf("%q, in flight when its sender died, reached Telegram %d times", h.text, n)
	}
}

// sendHeld sends the held reply through c into the conversation other than
// first (the test has two), waits until the Bot API holds it, and queues
// behind it the replies texts: each conversation's replies go out in order,
// so those are QUEUED, never in flight, when the sender dies. It returns the
// conversation and the held reply's ID.
func (h *heldReply) sendHeld(t *testing.T, c *client.Client, first string, texts ...string) (convID, id string) {
	t.Helper()
	ctx := context.Background()
	all, err := client.Conversations(ctx, c, ptrTo(10), nil, nil, nil)
	if err != nil || all.Conversations.TotalCount != 2 {
		t.Fatalf("conversations: %v %+v", err, all)
	}
	for _, e := range all.Conversations.Edges {
		if e.Node.Id != first {
			convID = e.Node.Id
		}
	}
	sent, err := client.SendMessage(ctx, c, client.SendMessageInput{ConversationId: convID, Text: ptrTo(h.text)})
	if err != nil {
		t.Fatal(err)
	}
	h.waitHeld(t)
	for _, text := range texts {
		if _, err := client.SendMessage(ctx, c, client.SendMessageInput{ConversationId: convID, Text: ptrTo(text)}); err != nil {
			t.Fatal(err)
		}
	}
	return convID, sent.SendMessage.Id
}
