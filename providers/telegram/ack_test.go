package telegram

import (
	"context"
	"testing"

	"github.com/switchboard/switchboard/providers"
)

func TestAcknowledgeAnswersButtonPresses(t *testing.T) {
	fake := newFakeAPI(t)
	p := New(fake.URL)
	body := []byte(`{"update_id":9,"callback_query":{"id":"4382bfdwdsb323b2d9","from":{"id":1111,"is_bot":false,"first_name":"Ann"},"message":{"message_id":7,"date":1700000000,"chat":{"id":1111,"type":"private"}},"chat_instance":"-1","data":"yes"}}`)
	events, _, err := p.ParseWebhook(testAccount, &providers.WebhookRequest{Body: body})
	if err != nil || len(events) != 1 {
		t.Fatalf("parse: %v %v", events, err)
	}
	if err := p.Acknowledge(context.Background(), fake.env(), testAccount, events[0]); err != nil {
		t.Fatal(err)
	}
	// A message needs no acknowledgement.
	if err := p.Acknowledge(context.Background(), fake.env(), testAccount, providers.Event{Kind: providers.EventMessage, MessageID: "1111:8"}); err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].Method != "answerCallbackQuery" || calls[0].Params["callback_query_id"] != "4382bfdwdsb323b2d9" {
		t.Fatalf("calls = %+v", calls)
	}
}
