package custom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/providers"
)

// Limits of an inbound request, stated in CONTRACT.md.
const (
	// MaxEvents is how many events one request may carry; larger batches are
	// refused whole, so one request never holds the ingest transaction for long.
	MaxEvents = 100
	// MaxIDLength bounds event and message IDs, which become storage keys.
	MaxIDLength = 200
)

// DedupPrefix starts every inbound event's DedupKey ("evt:" + the event id), so
// keys of this contract can never collide with keys a future revision derives
// differently.
const DedupPrefix = "evt:"

// The inbound event types, as the messenger spells them.
var eventKinds = map[string]providers.EventKind{
	"message":      providers.EventMessage,
	"edited":       providers.EventEdited,
	"postback":     providers.EventPostback,
	"delivered":    providers.EventDelivered,
	"read":         providers.EventRead,
	"subscribed":   providers.EventSubscribed,
	"unsubscribed": providers.EventUnsubscribe,
}

const eventTypeList = "message, edited, postback, delivered, read, subscribed, unsubscribed"

var attachmentTypes = map[string]providers.AttachmentType{
	"image":   providers.AttachmentImage,
	"video":   providers.AttachmentVideo,
	"audio":   providers.AttachmentAudio,
	"voice":   providers.AttachmentVoice,
	"file":    providers.AttachmentFile,
	"sticker": providers.AttachmentSticker,
}

const attachmentTypeList = "image, video, audio, voice, file, sticker"

// inboundBody is a request from the messenger. Events stay raw until each is
// decoded on its own, so errors can name the event's index.
type inboundBody struct {
	Events *[]json.RawMessage `json:"events"`
}

type wireEvent struct {
	ID           string       `json:"id"`
	Type         string       `json:"type"`
	Timestamp    string       `json:"timestamp"`
	Sender       *wireSender  `json:"sender"`
	Message      *wireMessage `json:"message"`
	MessageIDs   []string     `json:"messageIds"`
	RefMessageID string       `json:"refMessageId"`
}

type wireSender struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Language string `json:"language"`
}

type wireMessage struct {
	ID          string           `json:"id"`
	Text        string           `json:"text"`
	Attachments []wireAttachment `json:"attachments"`
	Location    *wireLocation    `json:"location"`
	Contact     *wireContact     `json:"contact"`
	Payload     string           `json:"payload"`
	// ReplyTo is accepted but not yet carried: providers.Event has no field for it.
	ReplyTo string `json:"replyTo"`
}

type wireAttachment struct {
	Type     string `json:"type"`
	URL      string `json:"url"`
	MimeType string `json:"mimeType"`
	FileName string `json:"fileName"`
	Size     int64  `json:"size"`
}

type wireLocation struct {
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Title     string   `json:"title"`
}

type wireContact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// VerifyWebhook accepts only signed JSON POSTs. There is no handshake on the
// inbound side: Switchboard proves itself with the signed ping (Handshake). A
// wrong method or Content-Type is providers.ErrNotAllowed, which the ingest layer
// answers 405, as CONTRACT.md says.
func (p Provider) VerifyWebhook(acct providers.Account, req *providers.WebhookRequest) (*providers.WebhookResponse, bool, error) {
	if req.Method != http.MethodPost {
		return nil, false, fmt.Errorf("custom: webhook: method %s: %w", req.Method, providers.ErrNotAllowed)
	}
	if err := Verify(acct.Secrets["confirmationCode"], req.Header, req.Body, received(req), p.window()); err != nil {
		return nil, false, fmt.Errorf("custom: webhook: %w", err)
	}
	// Checked after the signature so that strangers learn nothing but 401.
	if mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, false, fmt.Errorf("custom: webhook: Content-Type %s is not application/json: %w",
			quote(req.Header.Get("Content-Type")), providers.ErrNotAllowed)
	}
	return nil, false, nil
}

// ParseWebhook turns a batch into events, in the batch's order. A batch is all
// or nothing: an invalid body yields a *providers.ParseError and a 400 answer
// whose "error" names the field, because the messenger's developer, unlike a
// public messenger, can fix it and resend.
func (Provider) ParseWebhook(_ providers.Account, req *providers.WebhookRequest) ([]providers.Event, *providers.WebhookResponse, error) {
	events, err := parseBody(req.Body)
	if err != nil {
		var pe *providers.ParseError
		reason := err.Error()
		if errors.As(err, &pe) {
			reason = pe.Reason
		}
		return nil, jsonAnswer(http.StatusBadRequest, reason), err
	}
	return events, &providers.WebhookResponse{Status: http.StatusOK, ContentType: "application/json", Body: []byte(`{"ok":true}`)}, nil
}

// parseBody decodes and validates a whole request body.
func parseBody(body []byte) ([]providers.Event, error) {
	wires, err := decodeBody(body)
	if err != nil {
		return nil, err
	}
	switch {
	case wires == nil:
		return nil, providers.Parsef("events is required")
	case len(wires) == 0:
		return nil, providers.Parsef("events is empty")
	case len(wires) > MaxEvents:
		return nil, providers.Parsef("events has %d entries; at most %d are allowed", len(wires), MaxEvents)
	}
	events := make([]providers.Event, 0, len(wires))
	seen := make(map[string]int, len(wires))
	for i := range wires {
		w := &wires[i]
		ev, err := w.event(fmt.Sprintf("events[%d]", i))
		if err != nil {
			return nil, err
		}
		if j, dup := seen[w.ID]; dup {
			return nil, providers.Parsef("events[%d].id %s repeats events[%d].id", i, quote(w.ID), j)
		}
		seen[w.ID] = i
		events = append(events, ev)
	}
	return events, nil
}

// decodeBody decodes the body in one pass; nil events mean "events" is absent.
// Only when that fails is it decoded again event by event, so that the error
// can name the event's index.
func decodeBody(body []byte) ([]wireEvent, error) {
	var fast struct {
		Events *[]wireEvent `json:"events"`
	}
	if err := json.Unmarshal(body, &fast); err == nil {
		if fast.Events == nil {
			return nil, nil
		}
		if *fast.Events == nil {
			return []wireEvent{}, nil
		}
		return *fast.Events, nil
	}
	var in inboundBody
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, jsonError("", err)
	}
	if in.Events == nil {
		return nil, providers.Parsef("events is required")
	}
	for i, raw := range *in.Events {
		at := fmt.Sprintf("events[%d]", i)
		if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
			return nil, providers.Parsef("%s must be an object", at)
		}
		var w wireEvent
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, jsonError(at, err)
		}
	}
	// Unreachable in practice: the fast pass failed, so one of the above did.
	return nil, providers.Parsef("body could not be decoded")
}

// event validates one event and maps it; at is its path ("events[2]").
func (w *wireEvent) event(at string) (providers.Event, error) {
	if err := checkID(at+".id", w.ID); err != nil {
		return providers.Event{}, err
	}
	if w.Type == "" {
		return providers.Event{}, providers.Parsef("%s.type is required", at)
	}
	kind, ok := eventKinds[w.Type]
	if !ok {
		return providers.Event{}, providers.Parsef("%s.type %s is not one of %s", at, quote(w.Type), eventTypeList)
	}
	if w.Timestamp == "" {
		return providers.Event{}, providers.Parsef("%s.timestamp is required", at)
	}
	ts, err := time.Parse(time.RFC3339Nano, w.Timestamp)
	if err != nil {
		return providers.Event{}, providers.Parsef("%s.timestamp %s is not an RFC 3339 time", at, quote(w.Timestamp))
	}
	if w.Sender == nil || w.Sender.ID == "" {
		return providers.Event{}, providers.Parsef("%s.sender.id is required", at)
	}
	ev := providers.Event{
		Kind:           kind,
		DedupKey:       DedupPrefix + w.ID,
		SenderID:       w.Sender.ID,
		SenderName:     w.Sender.Name,
		SenderLanguage: providers.LanguageTag(w.Sender.Language),
		Timestamp:      ts.UTC(),
	}
	switch kind {
	case providers.EventMessage, providers.EventEdited, providers.EventPostback:
		if err := w.mapMessage(at, &ev); err != nil {
			return providers.Event{}, err
		}
	case providers.EventDelivered, providers.EventRead:
		if len(w.MessageIDs) == 0 {
			return providers.Event{}, providers.Parsef("%s.messageIds is required for type %q", at, w.Type)
		}
		for j, id := range w.MessageIDs {
			if err := checkID(fmt.Sprintf("%s.messageIds[%d]", at, j), id); err != nil {
				return providers.Event{}, err
			}
		}
		ev.RefMessageIDs = append([]string(nil), w.MessageIDs...)
	}
	return ev, nil
}

// mapMessage fills the message fields of a message, edited or postback event.
func (w *wireEvent) mapMessage(at string, ev *providers.Event) error {
	m := w.Message
	if m == nil {
		return providers.Parsef("%s.message is required for type %q", at, w.Type)
	}
	if err := checkID(at+".message.id", m.ID); err != nil {
		return err
	}
	ev.MessageID = m.ID
	ev.Text = m.Text
	ev.Payload = m.Payload
	for j, a := range m.Attachments {
		att, err := a.attachment(fmt.Sprintf("%s.message.attachments[%d]", at, j))
		if err != nil {
			return err
		}
		ev.Attachments = append(ev.Attachments, att)
	}
	if m.Location != nil {
		loc, err := m.Location.location(at + ".message.location")
		if err != nil {
			return err
		}
		ev.Location = loc
	}
	if m.Contact != nil {
		if m.Contact.Name == "" && m.Contact.Phone == "" {
			return providers.Parsef("%s.message.contact needs a name or a phone", at)
		}
		ev.Contact = &providers.ContactCard{Name: m.Contact.Name, Phone: m.Contact.Phone}
	}
	switch ev.Kind {
	case providers.EventPostback:
		if m.Payload == "" {
			return providers.Parsef("%s.message.payload is required for type %q", at, w.Type)
		}
	case providers.EventEdited:
		ref := w.RefMessageID
		if ref == "" {
			// Messengers whose edits keep the message's id need not repeat it.
			ref = m.ID
		}
		if err := checkID(at+".refMessageId", ref); err != nil {
			return err
		}
		ev.RefMessageIDs = []string{ref}
		fallthrough
	default:
		if m.Text == "" && len(m.Attachments) == 0 && m.Location == nil && m.Contact == nil {
			return providers.Parsef("%s.message needs text, attachments, a location or a contact", at)
		}
	}
	return nil
}

func (a wireAttachment) attachment(at string) (providers.Attachment, error) {
	if a.Type == "" {
		return providers.Attachment{}, providers.Parsef("%s.type is required", at)
	}
	typ, ok := attachmentTypes[a.Type]
	if !ok {
		return providers.Attachment{}, providers.Parsef("%s.type %s is not one of %s", at, quote(a.Type), attachmentTypeList)
	}
	if a.URL == "" {
		return providers.Attachment{}, providers.Parsef("%s.url is required", at)
	}
	if u, err := url.Parse(a.URL); err != nil || u.Scheme != "https" || u.Host == "" {
		return providers.Attachment{}, providers.Parsef("%s.url must be an absolute https URL", at)
	}
	if a.Size < 0 {
		return providers.Attachment{}, providers.Parsef("%s.size must not be negative", at)
	}
	return providers.Attachment{Type: typ, URL: a.URL, MimeType: a.MimeType, FileName: a.FileName, Size: a.Size}, nil
}

func (l wireLocation) location(at string) (*providers.Location, error) {
	switch {
	case l.Latitude == nil:
		return nil, providers.Parsef("%s.latitude is required", at)
	case l.Longitude == nil:
		return nil, providers.Parsef("%s.longitude is required", at)
	case *l.Latitude < -90 || *l.Latitude > 90:
		return nil, providers.Parsef("%s.latitude must be between -90 and 90", at)
	case *l.Longitude < -180 || *l.Longitude > 180:
		return nil, providers.Parsef("%s.longitude must be between -180 and 180", at)
	}
	return &providers.Location{Latitude: *l.Latitude, Longitude: *l.Longitude, Title: l.Title}, nil
}

// checkID requires a non-empty ID of at most MaxIDLength bytes.
func checkID(at, id string) error {
	switch {
	case id == "":
		return providers.Parsef("%s is required", at)
	case len(id) > MaxIDLength:
		return providers.Parsef("%s is longer than %d bytes", at, MaxIDLength)
	}
	return nil
}

// jsonError words a decoding error for the messenger's developer; at is the
// path of the value being decoded ("" for the body).
func jsonError(at string, err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		switch {
		case at != "" && field != "":
			field = at + "." + field
		case at != "":
			field = at
		case field == "":
			field = "body"
		}
		return &providers.ParseError{Reason: fmt.Sprintf("%s must be %s, not %s", field, jsonKind(typeErr.Type), typeErr.Value), Err: err}
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return &providers.ParseError{Reason: fmt.Sprintf("body is not valid JSON (at byte %d: %s)", syntaxErr.Offset, strings.TrimPrefix(syntaxErr.Error(), "json: ")), Err: err}
	}
	return &providers.ParseError{Reason: "body is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: "), Err: err}
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	default:
		return "an object"
	}
}

// quote shows a value from the body in an error, shortened so one huge field
// cannot make a huge answer.
func quote(s string) string {
	const maxLen = 40
	if len(s) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// jsonAnswer is a JSON {"error": reason} answer with the given status.
func jsonAnswer(status int, reason string) *providers.WebhookResponse {
	b, _ := json.Marshal(map[string]string{"error": reason})
	return &providers.WebhookResponse{Status: status, ContentType: "application/json", Body: b}
}

// received is when the request arrived, for the replay window; the arrival
// time rather than "now" so a request queued behind others is judged fairly.
func received(req *providers.WebhookRequest) time.Time {
	if req.Received.IsZero() {
		return time.Now()
	}
	return req.Received
}
