package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/providers/facebook/facebooktest"
	"github.com/switchboard/switchboard/providers/infobip/infobiptest"
	"github.com/switchboard/switchboard/providers/nexmo/nexmotest"
	"github.com/switchboard/switchboard/providers/twilio/twiliotest"
	"github.com/switchboard/switchboard/providers/whatsappcloud/whatsappcloudtest"
)

// windowMessenger is one messenger with a 24-hour reply window, driven
// through its fake.
type windowMessenger struct {
	*testServer
	agent *client.Client
	// write delivers a customer's text in the messenger's webhook format,
	// with the messenger's time of the message at (when it carries one).
	write func(t *testing.T, customer, id, text string, at time.Time)
	// sent is how many replies the messenger's API has taken.
	sent func() int
	// customers are two of the messenger's users, as its webhooks name them.
	customers [2]string
	// timed says the webhook carries the time the customer wrote (Twilio's
	// does not: its messages count from when they arrive).
	timed bool
}

// windowMessengers are the messengers with a reply window, by account type.
var windowMessengers = []struct {
	name string
	open func(t *testing.T) windowMessenger
}{
	{"FACEBOOK", func(t *testing.T) windowMessenger {
		s := newFacebookSetup(t)
		return windowMessenger{testServer: s.testServer, agent: s.agent, timed: true,
			customers: [2]string{facebookPSID, "7654321098765432"},
			sent:      func() int { return len(s.fake.Messages()) },
			write: func(t *testing.T, customer, id, text string, at time.Time) {
				wantTaken(t, s.deliver(t, facebooktest.TextMessage(facebooktest.DefaultPageID, customer, id, text, at)))
			}}
	}},
	{"INFOBIP", func(t *testing.T) windowMessenger {
		s := newInfobipSetup(t)
		return windowMessenger{testServer: s.testServer, agent: s.agent, timed: true,
			customers: [2]string{infobipCustomer, "385911112222"},
			sent:      func() int { return len(s.fake.Messages()) },
			write: func(t *testing.T, customer, id, text string, at time.Time) {
				wantTaken(t, deliverWebhook(t, s.inbound(t, infobiptest.Inbound{MessageID: id, From: customer, ReceivedAt: at,
					ContactName: infobipName, Message: infobiptest.Text(text)})))
			}}
	}},
	{"TWILIO", func(t *testing.T) windowMessenger {
		s := newTwilioSetup(t)
		return windowMessenger{testServer: s.testServer, agent: s.agent,
			customers: [2]string{twilioCustomer, "+5511911112222"},
			sent:      func() int { return len(s.fake.Messages()) },
			write: func(t *testing.T, customer, id, text string, _ time.Time) {
				wantTaken(t, deliverWebhook(t, s.inbound(t, twiliotest.Inbound{From: customer, Body: text, ProfileName: twilioName})))
			}}
	}},
	{"NEXMO", func(t *testing.T) windowMessenger {
		s := newNexmoSetup(t)
		return windowMessenger{testServer: s.testServer, agent: s.agent, timed: true,
			customers: [2]string{nexmoCustomer, "5511911112222"},
			sent:      func() int { return len(s.fake.Messages()) },
			write: func(t *testing.T, customer, id, text string, at time.Time) {
				wantTaken(t, deliverWebhook(t, s.inbound(t, nexmotest.Inbound{MessageUUID: id, From: customer, ProfileName: nexmoName,
					Timestamp: at, Text: text})))
			}}
	}},
	{"META_CLOUD", func(t *testing.T) windowMessenger {
		s := newWhatsappCloudSetup(t)
		return windowMessenger{testServer: s.testServer, agent: s.agent, timed: true,
			customers: [2]string{whatsappCustomer, "16505559999"},
			sent:      func() int { return len(s.fake.Messages()) },
			write: func(t *testing.T, customer, id, text string, at time.Time) {
				wantTaken(t, s.deliver(t, whatsappcloudtest.TextMessage(whatsappcloudtest.DefaultPhoneNumberID, customer, whatsappName, id, text, at)))
			}}
	}},
}

// wantTaken fails t unless a webhook was answered 200.
func wantTaken(t *testing.T, status int) {
	t.Helper()
	if status != http.StatusOK {
		t.Fatalf("webhook: %d", status)
	}
}

// conversationOf finds the conversation of the customer whose messenger ID
// ends in customer's digits.
func (m windowMessenger) conversationOf(t *testing.T, customer string) client.ConversationFields {
	t.Helper()
	list, err := client.Conversations(context.Background(), m.admin, ptr(20), nil, nil, nil)
	if err != nil {
		t.Fatalf("conversations: %v", err)
	}
	digits := strings.TrimPrefix(customer, "+")
	for _, e := range list.Conversations.Edges {
		if strings.HasSuffix(e.Node.Contact.ProviderUserID, digits) && e.Node.Status == client.ConversationStatusOpen {
			return e.Node.ConversationFields
		}
	}
	t.Fatalf("no open conversation of %s", customer)
	return client.ConversationFields{}
}

// refused sends text in conv as the agent and fails t unless the reply is
// refused at once with REPLY_WINDOW_CLOSED and never queued for the messenger.
func (m windowMessenger) refused(t *testing.T, convID, text string, sentBefore int) {
	t.Helper()
	_, err := client.SendMessage(context.Background(), m.agent, client.SendMessageInput{ConversationId: convID, Text: ptr(text)})
	wantCode(t, err, "REPLY_WINDOW_CLOSED")
	for _, msg := range m.messages(t, m.admin, convID) {
		if msg.Text == text {
			t.Errorf("the refused reply %q was stored as %+v", text, msg)
		}
	}
	if got := m.sent(); got != sentBefore {
		t.Errorf("the messenger took %d replies, want %d: nothing after the window closed", got, sentBefore)
	}
}

// closesNear fails t unless closes is want, to the second (the messengers
// give times in seconds).
func closesNear(t *testing.T, what string, closes *time.Time, want time.Time) {
	t.Helper()
	if closes == nil || closes.Sub(want).Abs() > time.Second {
		t.Errorf("%s: replyWindowClosesAt = %v, want %v", what, closes, want)
	}
}

// TestReplyWindowPerMessenger: for every messenger with a 24-hour window,
// the conversation shows when it closes, counted from the messenger's time
// of the customer's last message; a reply after it is refused at once with
// REPLY_WINDOW_CLOSED and nothing reaches the messenger; a conversation an
// agent starts with a customer who wrote 25 hours ago is refused alike; and a
// message the messenger delivers 25 hours late opens no window.
func TestReplyWindowPerMessenger(t *testing.T) {
	for _, tc := range windowMessengers {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.open(t)
			ctx := context.Background()
			first, late := m.customers[0], m.customers[1]

			// The customer writes; the window closes 24 hours after.
			at := time.Now().Add(-time.Minute).Truncate(time.Second)
			arrived := time.Now()
			m.write(t, first, "wamid.w1", "Hello?", at)
			conv := m.conversationOf(t, first)
			if m.timed {
				closesNear(t, "after the customer wrote", conv.ReplyWindowClosesAt, at.Add(24*time.Hour))
			} else if c := conv.ReplyWindowClosesAt; c == nil || c.Before(arrived.Add(24*time.Hour-time.Second)) || c.After(time.Now().Add(24*time.Hour)) {
				t.Errorf("replyWindowClosesAt = %v, want 24 hours after the message arrived", c)
			}
			if _, err := client.TakeConversation(ctx, m.agent, conv.Id); err != nil {
				t.Fatal(err)
			}
			if _, err := client.SendMessage(ctx, m.agent, client.SendMessageInput{ConversationId: conv.Id, Text: ptr("Yes!")}); err != nil {
				t.Fatalf("a reply inside the window: %v", err)
			}
			eventually(t, "the reply inside the window to reach the messenger", func() bool { return m.sent() == 1 })

			// A day passes without a word from the customer.
			wrote := time.Now().Add(-25 * time.Hour).Truncate(time.Second)
			contactID, _ := strconv.Atoi(conv.Contact.Id)
			if err := m.srv.Client().Conversation.Update().Where(conversation.ContactID(contactID)).SetLastInboundAt(wrote).Exec(core.SystemContext(ctx)); err != nil {
				t.Fatal(err)
			}
			closesNear(t, "a day later", m.conversationOf(t, first).ReplyWindowClosesAt, wrote.Add(24*time.Hour))
			m.refused(t, conv.Id, "Still there?", 1)

			// An agent starts a new conversation with that customer.
			if _, err := client.CloseConversation(ctx, m.agent, conv.Id); err != nil {
				t.Fatal(err)
			}
			started, err := client.StartConversation(ctx, m.agent, conv.Contact.Id)
			if err != nil {
				t.Fatalf("startConversation: %v", err)
			}
			again := started.StartConversation.ConversationFields
			if again.Id == conv.Id {
				t.Fatalf("startConversation returned the closed conversation")
			}
			closesNear(t, "in a conversation an agent started", again.ReplyWindowClosesAt, wrote.Add(24*time.Hour))
			m.refused(t, again.Id, "We have news about your order", 1)

			if !m.timed {
				return
			}
			// A customer's message the messenger delivers 25 hours late.
			old := time.Now().Add(-25 * time.Hour).Truncate(time.Second)
			m.write(t, late, "wamid.w2", "Sent yesterday", old)
			lateConv := m.conversationOf(t, late)
			closesNear(t, "after a message 25 hours old", lateConv.ReplyWindowClosesAt, old.Add(24*time.Hour))
			if _, err := client.TakeConversation(ctx, m.agent, lateConv.Id); err != nil {
				t.Fatal(err)
			}
			m.refused(t, lateConv.Id, fmt.Sprintf("Sorry, %s", "we missed this"), 1)
		})
	}
}
