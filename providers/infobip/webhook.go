package infobip

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// VerifyWebhook accepts a POST that proves it comes from Infobip in one of
// the two ways Switchboard gives it: exactly one Authorization that is HTTP
// Basic with WebhookUser and the account's password (the subscription
// SetWebhook registers sends it), or, without Authorization, the account's
// token in the query (TokenParam: every notifyUrl, the subscription's profile
// and the URL to paste by hand carry it, because Infobip's reports to a
// notifyUrl and a number's inbound configuration send no credentials).
// Anything else is ErrUnauthorized: no credentials at all, a wrong or stale
// token or password, another scheme, several headers. Both are compared in
// constant time. Infobip has no handshake; other methods are ErrNotAllowed.
func (Provider) VerifyWebhook(acct providers.Account, req *providers.WebhookRequest) (*providers.WebhookResponse, bool, error) {
	if req == nil || req.Method != http.MethodPost {
		return nil, false, providers.ErrNotAllowed
	}
	switch auth := req.Header.Values("Authorization"); len(auth) {
	case 0:
		if validToken(acct, req) {
			return nil, false, nil
		}
	case 1:
		if validBasic(auth[0], apiKey(acct.Secrets["apiKey"]), acct.ID) {
			return nil, false, nil
		}
	}
	return nil, false, providers.ErrUnauthorized
}

// webhookBody is every webhook Infobip posts about WhatsApp messages: a batch
// of inbound messages, delivery reports or seen reports.
type webhookBody struct {
	Results *[]json.RawMessage `json:"results"`
	// Notifications of other events have no results: an identity change
	// ({"from","content","createdAt"}) or a template update
	// ({"messageTemplateId",...}).
	Content           json.RawMessage `json:"content"`
	MessageTemplateID json.RawMessage `json:"messageTemplateId"`
}

// result is one member of results, of any of the three kinds: an inbound
// message has message (and receivedAt), a delivery report status (and doneAt),
// a seen report seenAt; a deleted report has deletedAt.
type result struct {
	MessageID  *string         `json:"messageId"`
	From       string          `json:"from"`
	To         string          `json:"to"`
	ReceivedAt string          `json:"receivedAt"`
	Message    *inboundMessage `json:"message"`
	Contact    *struct {
		Name string `json:"name"`
	} `json:"contact"`
	Status *struct {
		GroupName   string `json:"groupName"`
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"status"`
	// Error says why a report's message failed ("NO_ERROR" when it did
	// not): EC_FREE_FORM_MESSAGE_NOT_ALLOWED, "Free form message not
	// allowed".
	Error *struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"error"`
	SentAt    string  `json:"sentAt"`
	DoneAt    string  `json:"doneAt"`
	SeenAt    *string `json:"seenAt"`
	DeletedAt *string `json:"deletedAt"`
}

// inboundMessage is the message of an inbound result, whose fields depend on
// its type
// (https://www.infobip.com/docs/api/channels/whatsapp/whatsapp-inbound-messages,
// with the fields of Infobip's OpenAPI models as its client libraries carry them).
type inboundMessage struct {
	Type string `json:"type"`
	// TEXT, and BUTTON (a template's quick reply) with Payload.
	Text    string `json:"text"`
	Payload string `json:"payload"`
	// IMAGE, DOCUMENT, VIDEO, AUDIO, VOICE, STICKER: the media's URL on
	// Infobip's API (it needs the API key), with a caption for some.
	URL     string `json:"url"`
	Caption string `json:"caption"`
	// LOCATION.
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Name      string   `json:"name"`
	Address   string   `json:"address"`
	// CONTACT.
	Contacts []contactCard `json:"contacts"`
	// INTERACTIVE_BUTTON_REPLY and INTERACTIVE_LIST_REPLY: the chosen
	// button's or row's ID and title.
	ID    string `json:"id"`
	Title string `json:"title"`
}

// contactCard is one shared contact of a CONTACT message.
type contactCard struct {
	Name struct {
		FirstName     string `json:"firstName"`
		LastName      string `json:"lastName"`
		FormattedName string `json:"formattedName"`
	} `json:"name"`
	Phones []struct {
		Phone string `json:"phone"`
		WaID  string `json:"waId"`
	} `json:"phones"`
}

// mediaTypes maps the media message types to attachments.
var mediaTypes = map[string]providers.AttachmentType{
	"IMAGE":    providers.AttachmentImage,
	"DOCUMENT": providers.AttachmentFile,
	"VIDEO":    providers.AttachmentVideo,
	"AUDIO":    providers.AttachmentAudio,
	"VOICE":    providers.AttachmentVoice,
	"STICKER":  providers.AttachmentSticker,
}

// ParseWebhook maps every result of a batch to at most one event, in order,
// and answers with an empty 200:
//
//   - An inbound message: MESSAGE with Infobip's messageId as MessageID and
//     DedupKey "message:<messageId>", from (the customer's number, digits as
//     Infobip gives it; replies go to it) as SenderID, contact.name as
//     SenderName, receivedAt as Timestamp. TEXT is Text; IMAGE, DOCUMENT,
//     VIDEO, AUDIO, VOICE and STICKER are an attachment by their url (which
//     FetchMedia downloads with the API key, so it is also the FileID) with
//     the caption as Text; LOCATION a Location titled with its name and
//     address; CONTACT the first card as Contact (all of them listed in Text
//     when there are several). BUTTON (a template's quick reply),
//     INTERACTIVE_BUTTON_REPLY and INTERACTIVE_LIST_REPLY are POSTBACK with
//     the payload or the chosen ID as Payload and the text or title as Text.
//     Types Switchboard cannot show (REACTION, ORDER, UNSUPPORTED,
//     INTERACTIVE_FLOW_REPLY, ...) give nothing; their body stays stored.
//   - A delivery report (status.groupName DELIVERED): DELIVERED about our
//     message messageId, SenderID the recipient (to), DedupKey
//     "status:<messageId>:DELIVERED", at doneAt. UNDELIVERABLE, EXPIRED and
//     REJECTED are FAILED with Infobip's status description and, when the
//     report has one, its error's name and description as the reason
//     (EC_FREE_FORM_MESSAGE_NOT_ALLOWED: "Free form message not allowed");
//     PENDING gives nothing (the message is already SENT when Send returns).
//   - A seen report (seenAt): READ about messageId, DedupKey
//     "status:<messageId>:SEEN", at seenAt. Its SenderID is whichever of from
//     and to is not the account's number, as Infobip's descriptions of the two
//     disagree.
//   - A deleted report, and notifications of other events (identity change,
//     template update), give nothing.
//
// Times are Infobip's "2019-07-19T11:23:26.998+0000" (or RFC 3339); a missing
// or unreadable time is the time of receipt. A body that is not a JSON object,
// or results that are not an array, are a *providers.ParseError. A result
// that cannot be mapped (not an object, without messageId or of unknown
// shape, an inbound message without from or type, media without an absolute
// URL, a location without valid coordinates, a report without its recipient)
// is skipped so that the others of its batch are not lost with it; when no
// result of the batch could be mapped, the first one's problem is the
// *providers.ParseError, so that the body is kept for an admin to replay.
// (The core drops every event of a batch with a ParseError, so a batch with
// both kinds cannot be stored and reported at once: the good events win.)
func (Provider) ParseWebhook(acct providers.Account, req *providers.WebhookRequest) ([]providers.Event, *providers.WebhookResponse, error) {
	if req == nil {
		return nil, nil, providers.Parsef("no request")
	}
	var body webhookBody
	if err := strictObject(req.Body, &body); err != nil {
		return nil, nil, &providers.ParseError{Reason: "not an Infobip JSON webhook: " + err.Error(), Err: err}
	}
	if body.Results == nil {
		if body.Content != nil || body.MessageTemplateID != nil {
			return nil, nil, nil
		}
		return nil, nil, providers.Parsef("a JSON object without results: not an Infobip WhatsApp message or report")
	}
	received := req.Received.UTC()
	number := digits(acct.Settings["whatsappNumber"])
	var events []providers.Event
	var firstErr error
	good := 0
	for i, raw := range *body.Results {
		ev, err := parseResult(i, raw, number, received)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		good++
		if ev != nil {
			events = append(events, *ev)
		}
	}
	if good == 0 && firstErr != nil {
		return nil, nil, firstErr
	}
	return events, nil, nil
}

// parseResult maps result i of a batch, raw JSON, to its event (nil when it
// needs none), or a *providers.ParseError.
func parseResult(i int, raw json.RawMessage, number string, received time.Time) (*providers.Event, error) {
	var r result
	if err := strictObject(raw, &r); err != nil {
		return nil, &providers.ParseError{Reason: "result " + strconv.Itoa(i) + " is not an Infobip result: " + err.Error(), Err: err}
	}
	return r.event(i, number, received)
}

// strictObject decodes b, which must be one JSON object, into v.
func strictObject(b []byte, v any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return errNotObject
	}
	return json.Unmarshal(b, v)
}

var errNotObject = errors.New("not a JSON object")

// event maps result i to its event, or nil when it needs none.
func (r result) event(i int, number string, received time.Time) (*providers.Event, error) {
	if r.MessageID == nil || strings.TrimSpace(*r.MessageID) == "" {
		return nil, providers.Parsef("result %d without messageId", i)
	}
	id := strings.TrimSpace(*r.MessageID)
	switch {
	case r.Message != nil:
		return r.inbound(id, received)
	case r.Status != nil:
		return r.delivery(id, received)
	case r.SeenAt != nil:
		return r.seen(id, number, received)
	case r.DeletedAt != nil:
		return nil, nil
	}
	return nil, providers.Parsef("result %d (%s) is neither a message nor a delivery or seen report", i, providers.Truncate(id, 40))
}

// inbound maps a message from the customer.
func (r result) inbound(id string, received time.Time) (*providers.Event, error) {
	from := strings.TrimSpace(r.From)
	if from == "" {
		return nil, providers.Parsef("message %s without from", providers.Truncate(id, 40))
	}
	m := r.Message
	ev := &providers.Event{
		Kind:      providers.EventMessage,
		DedupKey:  "message:" + id,
		MessageID: id,
		SenderID:  from,
		Timestamp: timeOr(r.ReceivedAt, received),
	}
	if r.Contact != nil {
		ev.SenderName = strings.TrimSpace(r.Contact.Name)
	}
	typ := strings.ToUpper(strings.TrimSpace(m.Type))
	if kind, ok := mediaTypes[typ]; ok {
		u := strings.TrimSpace(m.URL)
		if !absoluteURL(u) {
			return nil, providers.Parsef("%s message %s without an absolute http(s) url", typ, providers.Truncate(id, 40))
		}
		ev.Attachments = []providers.Attachment{{Type: kind, FileID: u, URL: u}}
		ev.Text = m.Caption
		return ev, nil
	}
	switch typ {
	case "":
		return nil, providers.Parsef("message %s without a type", providers.Truncate(id, 40))
	case "TEXT":
		ev.Text = m.Text
		if strings.TrimSpace(ev.Text) == "" {
			return nil, nil
		}
	case "LOCATION":
		if m.Latitude == nil || m.Longitude == nil || math.IsNaN(*m.Latitude) || math.IsNaN(*m.Longitude) ||
			math.Abs(*m.Latitude) > 90 || math.Abs(*m.Longitude) > 180 {
			return nil, providers.Parsef("location %s with invalid coordinates", providers.Truncate(id, 40))
		}
		ev.Location = &providers.Location{Latitude: *m.Latitude, Longitude: *m.Longitude, Title: joinNonBlank(", ", m.Name, m.Address)}
	case "CONTACT":
		if len(m.Contacts) == 0 {
			return nil, nil
		}
		ev.Contact = m.Contacts[0].card()
		if len(m.Contacts) > 1 {
			lines := make([]string, 0, len(m.Contacts))
			for _, c := range m.Contacts {
				cc := c.card()
				lines = append(lines, joinNonBlank(" ", cc.Name, cc.Phone))
			}
			ev.Text = strings.Join(lines, "\n")
		}
	case "BUTTON":
		ev.Kind, ev.Text, ev.Payload = providers.EventPostback, m.Text, m.Payload
		if ev.Payload == "" {
			ev.Payload = m.Text
		}
	case "INTERACTIVE_BUTTON_REPLY", "INTERACTIVE_LIST_REPLY":
		ev.Kind, ev.Text, ev.Payload = providers.EventPostback, m.Title, m.ID
		if ev.Payload == "" {
			ev.Payload = m.Title
		}
	default:
		return nil, nil
	}
	return ev, nil
}

// card is the contact as Switchboard shows it: the formatted name (else first
// and last), and the first phone (else its WhatsApp ID).
func (c contactCard) card() *providers.ContactCard {
	name := strings.TrimSpace(c.Name.FormattedName)
	if name == "" {
		name = joinNonBlank(" ", c.Name.FirstName, c.Name.LastName)
	}
	var phone string
	for _, p := range c.Phones {
		if phone = strings.TrimSpace(p.Phone); phone == "" {
			phone = strings.TrimSpace(p.WaID)
		}
		if phone != "" {
			break
		}
	}
	return &providers.ContactCard{Name: name, Phone: phone}
}

// delivery maps a delivery report about our message.
func (r result) delivery(id string, received time.Time) (*providers.Event, error) {
	group := strings.ToUpper(strings.TrimSpace(r.Status.GroupName))
	kind := providers.EventDelivered
	switch group {
	case "DELIVERED":
	case "UNDELIVERABLE", "EXPIRED", "REJECTED":
		kind = providers.EventFailed
	default:
		return nil, nil
	}
	to := strings.TrimSpace(r.To)
	if to == "" {
		return nil, providers.Parsef("delivery report %s without to", providers.Truncate(id, 40))
	}
	at := r.DoneAt
	if strings.TrimSpace(at) == "" {
		at = r.SentAt
	}
	ev := &providers.Event{
		Kind:          kind,
		DedupKey:      "status:" + id + ":" + group,
		RefMessageIDs: []string{id},
		SenderID:      to,
		Timestamp:     timeOr(at, received),
	}
	if kind == providers.EventFailed {
		ev.Reason = "WhatsApp could not deliver it (Infobip: " + strings.ToLower(group)
		if d := strings.TrimSpace(r.Status.Description); d != "" {
			ev.Reason += ": " + providers.Truncate(d, 200)
		}
		if e := r.Error; e != nil {
			name, desc := strings.TrimSpace(e.Name), strings.TrimSpace(e.Description)
			if name != "" && !strings.EqualFold(name, "NO_ERROR") {
				ev.Reason += "; " + providers.Truncate(name, 100)
				if desc != "" {
					ev.Reason += ": " + providers.Truncate(desc, 200)
				}
			}
		}
		ev.Reason += ")"
	}
	return ev, nil
}

// seen maps a seen report about our message.
func (r result) seen(id, number string, received time.Time) (*providers.Event, error) {
	customer := strings.TrimSpace(r.To)
	if from := strings.TrimSpace(r.From); customer == "" || (number != "" && digits(customer) == number && from != "") {
		customer = from
	}
	if customer == "" {
		return nil, providers.Parsef("seen report %s without from or to", providers.Truncate(id, 40))
	}
	return &providers.Event{
		Kind:          providers.EventRead,
		DedupKey:      "status:" + id + ":SEEN",
		RefMessageIDs: []string{id},
		SenderID:      customer,
		Timestamp:     timeOr(*r.SeenAt, received),
	}, nil
}

// timeLayouts are the spellings of Infobip's times: "+0000" offsets in the
// documentation's examples, "+00:00" or "Z" in its SDKs' (fractional seconds
// are accepted by both).
var timeLayouts = []string{"2006-01-02T15:04:05Z0700", time.RFC3339Nano}

// timeOr is s as a time in UTC, or fallback when s is blank or unreadable.
func timeOr(s string, fallback time.Time) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil && s != "" {
			return t.UTC()
		}
	}
	return fallback
}

// absoluteURL reports whether s is an absolute http(s) URL.
func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func joinNonBlank(sep string, parts ...string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
