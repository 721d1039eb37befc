package bench

import (
	"encoding/json"
	"fmt"

	"github.com/Khan/genqlient/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/switchboard/switchboard/client"
)

// The agents subscribe with the product's own InboxEvents operation, so the
// server does exactly the work a real agent's client costs it, but decode
// each event into only the fields the checks read, once. The generated
// decoder unmarshals every response twice (once into a generic map), which
// with a thousand agents in the bench's process took the CPU the in-process
// server needed.

// leanEvent is what an agent of the load reads of an inboxEvents event.
type leanEvent struct {
	Cursor       string                       `json:"cursor"`
	Kind         client.ConversationEventKind `json:"kind"`
	Conversation struct {
		ID       string `json:"id"`
		Assignee *struct {
			ID string `json:"id"`
		} `json:"assignee"`
		Contact struct {
			ProviderUserID string `json:"providerUserID"`
		} `json:"contact"`
		IntegrationAccount struct {
			Type client.IntegrationAccountType `json:"type"`
		} `json:"integrationAccount"`
	} `json:"conversation"`
	Offer *struct {
		ID     string             `json:"id"`
		Status client.OfferStatus `json:"status"`
	} `json:"offer"`
	Message *struct {
		ID        string                  `json:"id"`
		Direction client.MessageDirection `json:"direction"`
		Text      string                  `json:"text"`
	} `json:"message"`
}

// leanResponse is one inboxEvents response: an event or errors.
type leanResponse struct {
	Data *struct {
		InboxEvents leanEvent `json:"inboxEvents"`
	} `json:"data"`
	Errors gqlerror.List `json:"errors"`
}

// leanForward decodes one response onto the subscription's channel; the
// websocket client calls it on its reader goroutine.
func leanForward(ch any, raw json.RawMessage) error {
	out, ok := ch.(chan leanResponse)
	if !ok {
		return fmt.Errorf("bench: inboxEvents channel is a %T", ch)
	}
	var r leanResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("bench: decode inboxEvents: %w", err)
	}
	out <- r
	return nil
}

// subscribeInbox starts InboxEvents on ws, resuming after the cursor after
// when it is not empty. The channel closes when the subscription ends.
func subscribeInbox(ws *client.Subscriptions, after string) (chan leanResponse, error) {
	vars := map[string]any{"after": nil}
	if after != "" {
		vars["after"] = after
	}
	ch := make(chan leanResponse)
	if _, err := ws.Subscribe(&graphql.Request{OpName: "InboxEvents", Query: client.InboxEvents_Operation, Variables: vars}, ch, leanForward); err != nil {
		return nil, fmt.Errorf("subscribe inboxEvents: %w", err)
	}
	return ch, nil
}
