package whatsappcloudtest

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/providers/meta/metatest"
)

// SignatureHeader carries the signature of every webhook Meta POSTs.
const SignatureHeader = metatest.SignatureHeader

// Sign is Meta's webhook signature: "sha256=" and the lowercase hex
// HMAC-SHA256 of the raw body, keyed with the app secret.
func Sign(appSecret string, body []byte) string { return metatest.Sign(appSecret, body) }

// NewWebhookRequest builds the POST Meta makes to the app's callback URL: the
// JSON body signed with appSecret.
func NewWebhookRequest(ctx context.Context, callbackURL, appSecret string, body []byte) (*http.Request, error) {
	return metatest.NewWebhookRequest(ctx, callbackURL, appSecret, body)
}

// NewHandshakeRequest builds the GET Meta makes when the callback URL is saved
// in the App Dashboard.
func NewHandshakeRequest(ctx context.Context, callbackURL, verifyToken, challenge string) (*http.Request, error) {
	return metatest.NewHandshakeRequest(ctx, callbackURL, verifyToken, challenge)
}

// Contact is a customer's profile in a webhook's contacts array.
type Contact struct {
	WaID string
	Name string
}

// InMedia is a media message's object.
type InMedia struct {
	ID       string
	MimeType string
	Caption  string
	Filename string
	// Voice marks an audio recorded in WhatsApp; Animated an animated sticker.
	Voice    bool
	Animated bool
}

// InMessage is one entry of a webhook's messages array; set the field of its
// Type.
type InMessage struct {
	ID   string
	From string
	At   time.Time
	// Type is text, image, video, audio, document, sticker, location,
	// interactive, button or any other WhatsApp type.
	Type  string
	Text  string
	Media *InMedia
	// Lat, Long, Name and Address are a location's.
	Lat, Long     float64
	Name, Address string
	// ReplyID and ReplyTitle are an interactive button_reply's (ListReply
	// true: a list_reply), or a template button's payload and text.
	ReplyID, ReplyTitle string
	ListReply           bool
}

// Status is one entry of a webhook's statuses array: what happened to a message
// the business sent.
type Status struct {
	ID          string
	Status      string
	At          time.Time
	RecipientID string
	// ErrorCode, ErrorTitle and ErrorDetails describe a failed status.
	ErrorCode    int
	ErrorTitle   string
	ErrorDetails string
}

// Value is one change's value: events of one business number.
type Value struct {
	PhoneNumberID      string
	DisplayPhoneNumber string
	Contacts           []Contact
	Messages           []InMessage
	Statuses           []Status
}

// Entry is one business account's changes in a webhook.
type Entry struct {
	WABAID string
	Values []Value
}

// Body is a webhook body ({"object":"whatsapp_business_account","entry":[...]})
// with entries, in Meta's field names, each value a change of field "messages".
func Body(entries ...Entry) []byte {
	var out struct {
		Object string           `json:"object"`
		Entry  []map[string]any `json:"entry"`
	}
	out.Object = "whatsapp_business_account"
	for _, e := range entries {
		var changes []map[string]any
		for _, v := range e.Values {
			display := v.DisplayPhoneNumber
			if display == "" {
				display = "15550967852"
			}
			val := map[string]any{
				"messaging_product": "whatsapp",
				"metadata":          map[string]string{"display_phone_number": display, "phone_number_id": v.PhoneNumberID},
			}
			if len(v.Contacts) > 0 {
				var cs []map[string]any
				for _, c := range v.Contacts {
					cs = append(cs, map[string]any{"profile": map[string]string{"name": c.Name}, "wa_id": c.WaID})
				}
				val["contacts"] = cs
			}
			if len(v.Messages) > 0 {
				var ms []map[string]any
				for _, m := range v.Messages {
					ms = append(ms, messageJSON(m))
				}
				val["messages"] = ms
			}
			if len(v.Statuses) > 0 {
				var ss []map[string]any
				for _, s := range v.Statuses {
					ss = append(ss, statusJSON(s))
				}
				val["statuses"] = ss
			}
			changes = append(changes, map[string]any{"value": val, "field": "messages"})
		}
		out.Entry = append(out.Entry, map[string]any{"id": e.WABAID, "changes": changes})
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic("whatsappcloudtest: encode webhook: " + err.Error()) // only plain values: cannot happen
	}
	return b
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func messageJSON(m InMessage) map[string]any {
	out := map[string]any{"from": m.From, "id": m.ID, "timestamp": unix(m.At), "type": m.Type}
	switch m.Type {
	case "text":
		out["text"] = map[string]string{"body": m.Text}
	case "image", "video", "audio", "document", "sticker", "voice":
		if m.Media != nil {
			obj := map[string]any{"id": m.Media.ID, "mime_type": m.Media.MimeType, "sha256": "4654+8g="}
			if m.Media.Caption != "" {
				obj["caption"] = m.Media.Caption
			}
			if m.Media.Filename != "" {
				obj["filename"] = m.Media.Filename
			}
			if m.Type == "audio" {
				obj["voice"] = m.Media.Voice
			}
			if m.Type == "sticker" {
				obj["animated"] = m.Media.Animated
			}
			out[m.Type] = obj
		}
	case "location":
		loc := map[string]any{"latitude": m.Lat, "longitude": m.Long}
		if m.Name != "" {
			loc["name"] = m.Name
		}
		if m.Address != "" {
			loc["address"] = m.Address
		}
		out["location"] = loc
	case "interactive":
		kind := "button_reply"
		if m.ListReply {
			kind = "list_reply"
		}
		out["interactive"] = map[string]any{"type": kind, kind: map[string]string{"id": m.ReplyID, "title": m.ReplyTitle}}
	case "button":
		out["button"] = map[string]string{"payload": m.ReplyID, "text": m.ReplyTitle}
	}
	return out
}

func statusJSON(s Status) map[string]any {
	out := map[string]any{"id": s.ID, "status": s.Status, "timestamp": unix(s.At), "recipient_id": s.RecipientID}
	if s.Status != "failed" {
		out["conversation"] = map[string]any{"id": "7270432eae37498234f4444b35ffc5", "origin": map[string]string{"type": "service"}}
		out["pricing"] = map[string]any{"billable": true, "pricing_model": "CBP", "category": "service"}
	}
	if s.ErrorCode != 0 {
		out["errors"] = []map[string]any{{
			"code": s.ErrorCode, "title": s.ErrorTitle, "message": s.ErrorTitle,
			"error_data": map[string]string{"details": s.ErrorDetails},
			"href":       "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
		}}
	}
	return out
}

// TextMessage is the body of one text message from a customer (wa_id from, with
// profile name) to the business number.
func TextMessage(phoneNumberID, from, name, id, text string, at time.Time) []byte {
	return Body(Entry{WABAID: DefaultWABAID, Values: []Value{{PhoneNumberID: phoneNumberID,
		Contacts: []Contact{{WaID: from, Name: name}},
		Messages: []InMessage{{ID: id, From: from, At: at, Type: "text", Text: text}}}}})
}

// MediaMessage is the body of one media message (kind image, video, audio,
// document or sticker) naming mediaID, as AddMedia returns it.
func MediaMessage(phoneNumberID, from, name, id, kind, mediaID, mimeType, caption string, at time.Time) []byte {
	return Body(Entry{WABAID: DefaultWABAID, Values: []Value{{PhoneNumberID: phoneNumberID,
		Contacts: []Contact{{WaID: from, Name: name}},
		Messages: []InMessage{{ID: id, From: from, At: at, Type: kind, Media: &InMedia{ID: mediaID, MimeType: mimeType, Caption: caption}}}}}})
}

// StatusUpdate is the body of a status (sent, delivered, read) of the
// business's message id to recipient.
func StatusUpdate(phoneNumberID, id, recipient, status string, at time.Time) []byte {
	return Body(Entry{WABAID: DefaultWABAID, Values: []Value{{PhoneNumberID: phoneNumberID,
		Statuses: []Status{{ID: id, Status: status, At: at, RecipientID: recipient}}}}})
}

// FailedStatus is the body of a failed status: the business's message id could
// not be delivered, for the error code (131047: outside the 24-hour window).
func FailedStatus(phoneNumberID, id, recipient string, code int, title, details string, at time.Time) []byte {
	return Body(Entry{WABAID: DefaultWABAID, Values: []Value{{PhoneNumberID: phoneNumberID,
		Statuses: []Status{{ID: id, Status: "failed", At: at, RecipientID: recipient, ErrorCode: code, ErrorTitle: title, ErrorDetails: details}}}}})
}
