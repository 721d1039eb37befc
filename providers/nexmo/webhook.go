package nexmo

import (
	"bytes"
	"encoding/json"
	"math"
	"path"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// inbound is a Messages API v1 webhook: an inbound message or a message
// status (https://developer.vonage.com/en/api/messages#webhooks). Both carry
// message_uuid, to, from, timestamp and channel; a status has status, a
// message message_type.
type inbound struct {
	Channel     string          `json:"channel"`
	MessageUUID string          `json:"message_uuid"`
	To          json.RawMessage `json:"to"`
	From        json.RawMessage `json:"from"`
	Timestamp   string          `json:"timestamp"`
	Status      string          `json:"status"`
	MessageType string          `json:"message_type"`
	// Error says why a rejected or undeliverable message failed.
	Error *struct {
		Type   string          `json:"type"`
		Title  json.RawMessage `json:"title"`
		Detail string          `json:"detail"`
	} `json:"error"`

	Text     string    `json:"text"`
	Image    *media    `json:"image"`
	Audio    *media    `json:"audio"`
	Video    *media    `json:"video"`
	File     *media    `json:"file"`
	Sticker  *media    `json:"sticker"`
	Location *location `json:"location"`
	Reply    *struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Description string `json:"description"`
	} `json:"reply"`
	Button *struct {
		Text    string          `json:"text"`
		Payload json.RawMessage `json:"payload"`
		Subtype string          `json:"subtype"`
	} `json:"button"`
	Profile *struct {
		Name string `json:"name"`
	} `json:"profile"`
}

// media is an inbound medium: a URL on Vonage's media servers, its file name
// and caption.
type media struct {
	URL     string `json:"url"`
	Name    string `json:"name"`
	Caption string `json:"caption"`
}

// location is a shared place; Vonage writes the coordinates as numbers.
type location struct {
	Lat     *float64 `json:"lat"`
	Long    *float64 `json:"long"`
	Name    string   `json:"name"`
	Address string   `json:"address"`
}

// ParseWebhook maps one webhook to at most one event (Vonage answers need no
// body: nil, an empty 200):
//
//   - An inbound WhatsApp message: MESSAGE with message_uuid as MessageID,
//     the customer's number (from, digits as Vonage writes them, which Send
//     takes back) as SenderID, profile.name as SenderName and timestamp as
//     Timestamp. text is the Text; image, video, audio (a voice note when it
//     is Ogg/Opus), file and sticker are an attachment by Vonage's media URL
//     (also the FileID, which FetchMedia downloads) with its file name, their
//     caption the Text; location is a Location titled with its name and
//     address. reply (an interactive button or list row) is a POSTBACK whose
//     Payload is the row's id and Text its title; button (a template's quick
//     reply) is a POSTBACK with its payload (the button text when it has none).
//     order, reaction, unsupported and other types give nothing. context (the
//     message a customer replied to) has no place in an event and is left out.
//     DedupKey "message:<message_uuid>".
//   - A status about a message Switchboard sent: delivered and read are
//     DELIVERED and READ about message_uuid, SenderID the customer (to),
//     DedupKey "status:<message_uuid>:<status>". submitted gives nothing (the
//     message is SENT when Send returns); rejected and undeliverable (a
//     free-form message outside WhatsApp's 24-hour window ends so) are FAILED
//     with their error's title and detail as the reason.
//   - Webhooks of other channels (an SMS to the same application) give nothing.
//
// A body that is not a JSON object, the v0.1 format (to and from as objects:
// set the application's Messages webhook version to v1, which SetWebhook
// does), a webhook without message_uuid, a message without from, a receipt
// without to, a bad timestamp, a medium
// without its URL or impossible coordinates are a *providers.ParseError. The
// time is the webhook's timestamp, else the time of receipt.
func (Provider) ParseWebhook(acct providers.Account, req *providers.WebhookRequest) ([]providers.Event, *providers.WebhookResponse, error) {
	if req == nil {
		return nil, nil, providers.Parsef("no request")
	}
	body := bytes.TrimSpace(req.Body)
	if len(body) == 0 || body[0] != '{' {
		return nil, nil, providers.Parsef("the body is not a JSON object")
	}
	var in inbound
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, nil, &providers.ParseError{Reason: "invalid webhook JSON: " + err.Error(), Err: err}
	}
	if isObject(in.To) || isObject(in.From) {
		return nil, nil, providers.Parsef("a Messages API v0.1 webhook: set the Vonage application's Messages webhook version to v1 (Set Webhook does)")
	}
	to, err := jsonString(in.To, "to")
	if err != nil {
		return nil, nil, err
	}
	from, err := jsonString(in.From, "from")
	if err != nil {
		return nil, nil, err
	}
	if ch := strings.ToLower(strings.TrimSpace(in.Channel)); ch != "" && ch != "whatsapp" {
		return nil, nil, nil
	}
	id := strings.TrimSpace(in.MessageUUID)
	if id == "" {
		return nil, nil, providers.Parsef("webhook without message_uuid")
	}
	at, err := timestamp(in.Timestamp, req.Received)
	if err != nil {
		return nil, nil, err
	}
	var ev *providers.Event
	if status := strings.ToLower(strings.TrimSpace(in.Status)); status != "" {
		ev = statusEvent(id, status, to, at)
		if ev != nil && ev.Kind == providers.EventFailed {
			ev.Reason = failureReason(&in)
		}
		if ev != nil && to == "" {
			return nil, nil, providers.Parsef("%s status of message %s without to", status, providers.Truncate(id, 40))
		}
	} else {
		ev, err = messageEvent(&in, id, from, at)
	}
	if err != nil || ev == nil {
		return nil, nil, err
	}
	return []providers.Event{*ev}, nil, nil
}

// isObject reports whether raw is a JSON object.
func isObject(raw json.RawMessage) bool {
	b := bytes.TrimSpace(raw)
	return len(b) > 0 && b[0] == '{'
}

// jsonString reads an optional string field.
func jsonString(raw json.RawMessage, name string) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", providers.Parsef("%s is not a string", name)
	}
	return strings.TrimSpace(s), nil
}

// timestamp parses Vonage's ISO 8601 time ("2020-01-01T14:00:00.000Z"); an
// absent one is the time of receipt.
func timestamp(s string, received time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return received.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 2000 || t.Year() > 9999 {
		return time.Time{}, providers.Parsef("timestamp %q is not an ISO 8601 time", providers.Truncate(s, 40))
	}
	return t.UTC(), nil
}

// statusEvent maps a message status to DELIVERED or READ, or to nil for the
// statuses Switchboard does not record.
func statusEvent(id, status, customer string, at time.Time) *providers.Event {
	var kind providers.EventKind
	switch status {
	case "delivered":
		kind = providers.EventDelivered
	case "read":
		kind = providers.EventRead
	case "rejected", "undeliverable":
		kind = providers.EventFailed
	default:
		return nil
	}
	return &providers.Event{
		Kind:          kind,
		DedupKey:      "status:" + id + ":" + status,
		RefMessageIDs: []string{id},
		SenderID:      customer,
		Timestamp:     at,
	}
}

// messageEvent maps an inbound message to MESSAGE or POSTBACK, or to nil for
// the types Switchboard does not show.
func messageEvent(in *inbound, id, from string, at time.Time) (*providers.Event, error) {
	if from == "" {
		return nil, providers.Parsef("message %s without from", providers.Truncate(id, 40))
	}
	ev := &providers.Event{
		Kind:      providers.EventMessage,
		DedupKey:  "message:" + id,
		MessageID: id,
		SenderID:  from,
		Timestamp: at,
	}
	if in.Profile != nil {
		ev.SenderName = strings.TrimSpace(in.Profile.Name)
	}
	typ := strings.ToLower(strings.TrimSpace(in.MessageType))
	switch typ {
	case "text":
		ev.Text = in.Text
	case "image", "video", "audio", "file", "sticker":
		m := map[string]*media{"image": in.Image, "video": in.Video, "audio": in.Audio, "file": in.File, "sticker": in.Sticker}[typ]
		if m == nil || strings.TrimSpace(m.URL) == "" {
			return nil, providers.Parsef("%s message %s without its url", typ, providers.Truncate(id, 40))
		}
		u := strings.TrimSpace(m.URL)
		if !absoluteURL(u) {
			return nil, providers.Parsef("%s message %s: the url is not an absolute http(s) URL", typ, providers.Truncate(id, 40))
		}
		name := strings.TrimSpace(m.Name)
		ev.Attachments = []providers.Attachment{{Type: attachmentType(typ, name, u), FileID: u, URL: u, FileName: name}}
		ev.Text = m.Caption
	case "location":
		l, err := place(in.Location, id)
		if err != nil {
			return nil, err
		}
		ev.Location = l
	case "reply":
		if in.Reply == nil || (in.Reply.ID == "" && in.Reply.Title == "") {
			return nil, providers.Parsef("reply message %s without its reply", providers.Truncate(id, 40))
		}
		ev.Kind, ev.Payload, ev.Text = providers.EventPostback, in.Reply.ID, in.Reply.Title
		if ev.Payload == "" {
			ev.Payload = in.Reply.Title
		}
	case "button":
		if in.Button == nil {
			return nil, providers.Parsef("button message %s without its button", providers.Truncate(id, 40))
		}
		ev.Kind, ev.Text, ev.Payload = providers.EventPostback, in.Button.Text, buttonPayload(in.Button.Payload)
		if ev.Payload == "" {
			ev.Payload = in.Button.Text
		}
		if ev.Payload == "" {
			return nil, providers.Parsef("button message %s without payload or text", providers.Truncate(id, 40))
		}
	default:
		return nil, nil // order, reaction, unsupported, and types Vonage adds later
	}
	if ev.Kind == providers.EventMessage && strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 && ev.Location == nil {
		return nil, nil
	}
	return ev, nil
}

// buttonPayload is a quick reply's payload: a string as is, anything else
// (Vonage's Java SDK reads it as an object) as compact JSON.
func buttonPayload(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return ""
	}
	return buf.String()
}

// place is a shared location; one coordinate without the other, or one out of
// range, is malformed.
func place(l *location, id string) (*providers.Location, error) {
	if l == nil || l.Lat == nil || l.Long == nil {
		return nil, providers.Parsef("location message %s without lat and long", providers.Truncate(id, 40))
	}
	lat, lon := *l.Lat, *l.Long
	if math.IsNaN(lat) || math.IsNaN(lon) || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return nil, providers.Parsef("location message %s with invalid coordinates", providers.Truncate(id, 40))
	}
	var title []string
	for _, s := range []string{l.Name, l.Address} {
		if s = strings.TrimSpace(s); s != "" {
			title = append(title, s)
		}
	}
	return &providers.Location{Latitude: lat, Longitude: lon, Title: strings.Join(title, ", ")}, nil
}

// attachmentType names the kind of medium by its message type. WhatsApp's
// voice notes are Ogg/Opus; Vonage gives no MIME type, so the file name's or
// URL's extension tells them from other audio.
func attachmentType(typ, name, rawURL string) providers.AttachmentType {
	switch typ {
	case "image":
		return providers.AttachmentImage
	case "video":
		return providers.AttachmentVideo
	case "sticker":
		return providers.AttachmentSticker
	case "audio":
		ext := strings.ToLower(path.Ext(name))
		if ext == "" {
			ext = strings.ToLower(path.Ext(strings.SplitN(rawURL, "?", 2)[0]))
		}
		if ext == ".ogg" || ext == ".opus" || ext == ".oga" {
			return providers.AttachmentVoice
		}
		return providers.AttachmentAudio
	}
	return providers.AttachmentFile
}

// failureReason words a rejected or undeliverable status for the agent, with
// Vonage's title (a code, in some versions a number) and detail.
func failureReason(in *inbound) string {
	reason := "WhatsApp could not deliver it (Vonage: " + strings.ToLower(strings.TrimSpace(in.Status))
	if e := in.Error; e != nil {
		if t := strings.Trim(strings.TrimSpace(string(e.Title)), `"`); t != "" && t != "null" {
			reason += ", " + providers.Truncate(t, 40)
		}
		if d := strings.TrimSpace(e.Detail); d != "" {
			reason += ": " + providers.Truncate(d, 200)
		}
	}
	return reason + ")"
}
