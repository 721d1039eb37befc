package infobiptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// TimeLayout is how Infobip writes times in webhooks
// ("2019-07-19T11:23:26.998+0000").
const TimeLayout = "2006-01-02T15:04:05.000-0700"

// Inbound is a message from a customer as Infobip posts it to the webhook of
// the sender's inbound configuration or INBOUND_MESSAGE subscription
// (https://www.infobip.com/docs/api/channels/whatsapp/whatsapp-inbound-messages).
type Inbound struct {
	// MessageID is WhatsApp's ID of the message.
	MessageID string
	// From is the customer, To the account's sender (digits).
	From, To    string
	ReceivedAt  time.Time
	ContactName string
	Message     InboundMessage
}

// InboundMessage is the message of an inbound result; which fields are set
// depends on Type.
type InboundMessage struct {
	// Type is TEXT, IMAGE, DOCUMENT, AUDIO, VOICE, VIDEO, STICKER, LOCATION,
	// CONTACT, BUTTON, INTERACTIVE_BUTTON_REPLY, INTERACTIVE_LIST_REPLY...
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
	// Payload is a BUTTON's (a template's quick reply).
	Payload string `json:"payload,omitempty"`
	// URL is a media's download URL (AddMedia), Caption its caption.
	URL     string `json:"url,omitempty"`
	Caption string `json:"caption,omitempty"`
	// Latitude, Longitude, Name and Address are a LOCATION's.
	Latitude  *float64 `json:"latitude,omitempty"`
	Longitude *float64 `json:"longitude,omitempty"`
	Name      string   `json:"name,omitempty"`
	Address   string   `json:"address,omitempty"`
	// Contacts are a CONTACT's cards.
	Contacts []Contact `json:"contacts,omitempty"`
	// ID, Title and Description are an interactive reply's choice.
	ID          string `json:"id,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

// Contact is a shared contact card.
type Contact struct {
	Name   ContactName    `json:"name"`
	Phones []ContactPhone `json:"phones,omitempty"`
}

// ContactName is a card's name.
type ContactName struct {
	FirstName     string `json:"firstName,omitempty"`
	LastName      string `json:"lastName,omitempty"`
	FormattedName string `json:"formattedName,omitempty"`
}

// ContactPhone is one of a card's phones.
type ContactPhone struct {
	Phone string `json:"phone,omitempty"`
	Type  string `json:"type,omitempty"`
	WaID  string `json:"waId,omitempty"`
}

// Text is a TEXT message.
func Text(s string) InboundMessage { return InboundMessage{Type: "TEXT", Text: s} }

// Media is a media message (IMAGE, VIDEO, DOCUMENT, AUDIO, VOICE, STICKER) of
// the download URL u.
func Media(typ, u, caption string) InboundMessage {
	return InboundMessage{Type: typ, URL: u, Caption: caption}
}

// Location is a LOCATION message.
func Location(lat, lon float64, name, address string) InboundMessage {
	return InboundMessage{Type: "LOCATION", Latitude: &lat, Longitude: &lon, Name: name, Address: address}
}

// ButtonReply is the press of a reply button of an interactive message.
func ButtonReply(id, title string) InboundMessage {
	return InboundMessage{Type: "INTERACTIVE_BUTTON_REPLY", ID: id, Title: title}
}

// inboundResult is Inbound as JSON.
type inboundResult struct {
	From            string         `json:"from"`
	To              string         `json:"to"`
	IntegrationType string         `json:"integrationType"`
	ReceivedAt      string         `json:"receivedAt"`
	MessageID       string         `json:"messageId"`
	PairedMessageID *string        `json:"pairedMessageId"`
	CallbackData    *string        `json:"callbackData"`
	Message         InboundMessage `json:"message"`
	Contact         *contactName   `json:"contact,omitempty"`
	Price           map[string]any `json:"price"`
}

// contactName is the contact of an inbound result: the customer's WhatsApp
// profile name.
type contactName struct {
	Name string `json:"name"`
}

// InboundBody is the JSON Infobip posts for inbound messages: one batch of
// results, with the MO_OTT_CONTACT renderer's contact name.
func InboundBody(msgs ...Inbound) []byte {
	results := make([]inboundResult, 0, len(msgs))
	for _, m := range msgs {
		r := inboundResult{From: m.From, To: m.To, IntegrationType: "WHATSAPP", ReceivedAt: m.ReceivedAt.Format(TimeLayout),
			MessageID: m.MessageID, Message: m.Message, Price: map[string]any{"pricePerMessage": 0, "currency": "EUR"}}
		if m.ContactName != "" {
			r.Contact = &contactName{Name: m.ContactName}
		}
		results = append(results, r)
	}
	return mustJSON(map[string]any{"results": results, "messageCount": len(results), "pendingMessageCount": 0})
}

// Delivery is a delivery report about a message the account sent
// (https://www.infobip.com/docs/api/channels/whatsapp/whatsapp-message-status-reports/receive-whatsapp-delivery-reports).
type Delivery struct {
	MessageID string
	// To is the recipient (the customer).
	To string
	// GroupName is PENDING, UNDELIVERABLE, DELIVERED, EXPIRED or REJECTED.
	GroupName      string
	SentAt, DoneAt time.Time
}

// statuses are the status of each group as delivery reports carry it.
var statuses = map[string]map[string]any{
	"PENDING":       {"groupId": 1, "groupName": "PENDING", "id": 7, "name": "PENDING_ENROUTE", "description": "Message sent to next instance"},
	"UNDELIVERABLE": {"groupId": 2, "groupName": "UNDELIVERABLE", "id": 9, "name": "UNDELIVERABLE_NOT_DELIVERED", "description": "Message sent not delivered"},
	"DELIVERED":     {"groupId": 3, "groupName": "DELIVERED", "id": 5, "name": "DELIVERED_TO_HANDSET", "description": "Message delivered to handset"},
	"EXPIRED":       {"groupId": 4, "groupName": "EXPIRED", "id": 15, "name": "EXPIRED_EXPIRED", "description": "Message expired"},
	"REJECTED":      {"groupId": 5, "groupName": "REJECTED", "id": 14, "name": "REJECTED_SOURCE", "description": "Invalid Source address"},
}

// DeliveryBody is the JSON Infobip posts for delivery reports.
func DeliveryBody(reports ...Delivery) []byte {
	results := make([]map[string]any, 0, len(reports))
	for _, d := range reports {
		st, ok := statuses[d.GroupName]
		if !ok {
			st = map[string]any{"groupId": 0, "groupName": d.GroupName, "id": 0, "name": d.GroupName, "description": d.GroupName}
		}
		results = append(results, map[string]any{
			"bulkId": "", "messageId": d.MessageID, "to": d.To,
			"sentAt": d.SentAt.Format(TimeLayout), "doneAt": d.DoneAt.Format(TimeLayout), "messageCount": 1,
			"price":  map[string]any{"pricePerMessage": 0, "currency": "EUR"},
			"status": st,
			"error":  map[string]any{"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR", "description": "No Error", "permanent": false},
		})
	}
	return mustJSON(map[string]any{"results": results})
}

// Seen is a seen report about a message the account sent
// (https://www.infobip.com/docs/api/channels/whatsapp/whatsapp-message-status-reports/receive-whatsapp-seen-reports).
type Seen struct {
	MessageID string
	// From is the customer who saw the message, To the account's sender, as
	// the documentation's example has them.
	From, To       string
	SentAt, SeenAt time.Time
}

// SeenBody is the JSON Infobip posts for seen reports.
func SeenBody(reports ...Seen) []byte {
	results := make([]map[string]any, 0, len(reports))
	for _, s := range reports {
		results = append(results, map[string]any{
			"messageId": s.MessageID, "from": s.From, "to": s.To,
			"sentAt": s.SentAt.Format(TimeLayout), "seenAt": s.SeenAt.Format(TimeLayout),
		})
	}
	return mustJSON(map[string]any{"results": results})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// NewWebhookRequest builds the POST Infobip makes to target with body, with
// HTTP Basic authentication when user is not empty (a subscription's security
// settings).
func NewWebhookRequest(ctx context.Context, target string, body []byte, user, password string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("infobiptest: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Infobip-webhook")
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	return req, nil
}

// ForwardWebhooks makes the webhooks the fake builds for URLs starting with
// publicBase go to target instead, path and query kept: end-to-end tests serve
// on a local address behind a public URL nobody resolves. Pass "" to stop.
func (a *API) ForwardWebhooks(publicBase, target string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.forwardFrom, a.forwardTo = strings.TrimRight(publicBase, "/"), strings.TrimRight(target, "/")
}

// webhookRequest builds a webhook to publicURL, forwarded as ForwardWebhooks
// says.
func (a *API) webhookRequest(ctx context.Context, publicURL string, body []byte, user, password string) (*http.Request, error) {
	a.mu.Lock()
	target := publicURL
	if a.forwardFrom != "" {
		if rest, ok := strings.CutPrefix(publicURL, a.forwardFrom); ok && (rest == "" || strings.ContainsAny(rest[:1], "/?")) {
			target = a.forwardTo + rest
		}
	}
	a.mu.Unlock()
	return NewWebhookRequest(ctx, target, body, user, password)
}

// subscriptionFor is the subscription of event for sender, if any; a.mu must
// be held.
func (a *API) subscriptionFor(event, sender string) (Subscription, bool) {
	for i := len(a.subscriptions) - 1; i >= 0; i-- {
		if s := a.subscriptions[i]; s.Channel == "WHATSAPP" && s.has(event, sender) {
			return s, true
		}
	}
	return Subscription{}, false
}

// Inbound builds the webhook Infobip posts to webhookURL for m. When a
// WhatsApp subscription to INBOUND_MESSAGE for m.To posts to webhookURL, the
// request carries its Basic credentials, as Infobip sends them; otherwise (an
// inbound configuration pasted by hand) none. Fields m leaves empty are filled
// as Infobip would: a fresh MessageID, DefaultSender as To, now as ReceivedAt.
func (a *API) Inbound(ctx context.Context, webhookURL string, m Inbound) (*http.Request, error) {
	a.mu.Lock()
	if m.MessageID == "" {
		m.MessageID = fmt.Sprintf("ABEGOFl3VCQoAhB%021d", a.nextID())
	}
	if m.To == "" {
		m.To = DefaultSender
	}
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = a.now()
	}
	var user, pass string
	if s, ok := a.subscriptionFor("INBOUND_MESSAGE", m.To); ok && s.NotifyURL == webhookURL && s.AuthType == "BASIC" {
		user, pass = s.Username, s.Password
	}
	a.mu.Unlock()
	return a.webhookRequest(ctx, webhookURL, InboundBody(m), user, pass)
}

// report finds where a report about message id goes: the message's notifyUrl
// (without credentials), else the sender's subscription to event (with its
// Basic credentials), and records status as the message's.
func (a *API) report(id, event, status string) (Message, string, string, string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range a.messages {
		m := &a.messages[i]
		if m.MessageID != id {
			continue
		}
		m.Status = status
		if m.NotifyURL != "" {
			return *m, m.NotifyURL, "", "", nil
		}
		if s, ok := a.subscriptionFor(event, strings.TrimPrefix(m.From, "+")); ok {
			user, pass := "", ""
			if s.AuthType == "BASIC" {
				user, pass = s.Username, s.Password
			}
			return *m, s.NotifyURL, user, pass, nil
		}
		return *m, "", "", "", errors.New("infobiptest: message " + id + " has no notifyUrl and its sender no subscription to " + event)
	}
	return Message{}, "", "", "", errors.New("infobiptest: no message " + id)
}

// DeliveryReport builds the delivery report Infobip posts when the accepted
// message id reaches groupName (DELIVERED, UNDELIVERABLE...), to the message's
// notifyUrl or the sender's DELIVERY subscription (forwarded as
// ForwardWebhooks says), and records the status.
func (a *API) DeliveryReport(ctx context.Context, id, groupName string) (*http.Request, error) {
	m, target, user, pass, err := a.report(id, "DELIVERY", groupName)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	now := a.now()
	a.mu.Unlock()
	body := DeliveryBody(Delivery{MessageID: id, To: m.To, GroupName: groupName, SentAt: m.At, DoneAt: now})
	return a.webhookRequest(ctx, target, body, user, pass)
}

// SeenReport builds the seen report Infobip posts when the customer has seen
// the accepted message id, to its notifyUrl or the sender's SEEN subscription,
// and records the status SEEN.
func (a *API) SeenReport(ctx context.Context, id string) (*http.Request, error) {
	m, target, user, pass, err := a.report(id, "SEEN", "SEEN")
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	now := a.now()
	a.mu.Unlock()
	body := SeenBody(Seen{MessageID: id, From: m.To, To: m.From, SentAt: m.At, SeenAt: now})
	return a.webhookRequest(ctx, target, body, user, pass)
}
