package facebooktest

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

// Event is one entry of a webhook's messaging array; set one of its kinds.
type Event struct {
	// Sender and Recipient are PSIDs or Page IDs (swapped for echoes).
	Sender    string
	Recipient string
	At        time.Time
	Message   *InMessage
	Postback  *Postback
	Delivery  *Delivery
	Read      *Read
	Edit      *Edit
}

// InMessage is a message event's message.
type InMessage struct {
	MID    string
	Text   string
	IsEcho bool
	// AppID is the app that sent an echo.
	AppID int64
	// QuickReplyPayload is the payload of a tapped quick reply.
	QuickReplyPayload string
	StickerID         int64
	Attachments       []Attachment
}

// Attachment is media in a message.
type Attachment struct {
	// Type is image, video, audio, file, sticker, fallback or location.
	Type      string
	URL       string
	Title     string
	StickerID int64
	// Lat and Long are a location attachment's coordinates.
	Lat, Long float64
}

// Postback is a button tap.
type Postback struct {
	MID     string
	Title   string
	Payload string
}

// Delivery is a delivery receipt for the Page's messages.
type Delivery struct {
	MIDs      []string
	Watermark time.Time
}

// Read is a read receipt for the Page's messages.
type Read struct {
	Watermark time.Time
}

// Edit is a person's edit of their message.
type Edit struct {
	MID     string
	Text    string
	NumEdit int
}

// Entry is one Page's events in a webhook.
type Entry struct {
	PageID string
	Time   time.Time
	Events []Event
}

// Body is a webhook body ({"object":"page","entry":[...]}) with entries, in
// Meta's field names and order.
func Body(entries ...Entry) []byte {
	type party struct {
		ID string `json:"id"`
	}
	var out struct {
		Object string           `json:"object"`
		Entry  []map[string]any `json:"entry"`
	}
	out.Object = "page"
	for _, e := range entries {
		var msgs []map[string]any
		for _, ev := range e.Events {
			m := map[string]any{"sender": party{ev.Sender}, "recipient": party{ev.Recipient}}
			if !ev.At.IsZero() {
				m["timestamp"] = ev.At.UnixMilli()
			}
			switch {
			case ev.Message != nil:
				m["message"] = messageJSON(ev.Message)
			case ev.Postback != nil:
				m["postback"] = map[string]any{"mid": ev.Postback.MID, "title": ev.Postback.Title, "payload": ev.Postback.Payload}
			case ev.Delivery != nil:
				d := map[string]any{"watermark": ev.Delivery.Watermark.UnixMilli()}
				if len(ev.Delivery.MIDs) > 0 {
					d["mids"] = ev.Delivery.MIDs
				}
				m["delivery"] = d
			case ev.Read != nil:
				m["read"] = map[string]any{"watermark": ev.Read.Watermark.UnixMilli()}
			case ev.Edit != nil:
				m["message_edit"] = map[string]any{"mid": ev.Edit.MID, "text": ev.Edit.Text, "num_edit": ev.Edit.NumEdit}
			}
			msgs = append(msgs, m)
		}
		t := e.Time
		if t.IsZero() && len(e.Events) > 0 {
			t = e.Events[0].At
		}
		out.Entry = append(out.Entry, map[string]any{"id": e.PageID, "time": t.UnixMilli(), "messaging": msgs})
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic("facebooktest: encode webhook: " + err.Error()) // only plain values: cannot happen
	}
	return b
}

func messageJSON(m *InMessage) map[string]any {
	out := map[string]any{"mid": m.MID}
	if m.IsEcho {
		out["is_echo"] = true
		out["app_id"] = m.AppID
	}
	if m.Text != "" {
		out["text"] = m.Text
	}
	if m.QuickReplyPayload != "" {
		out["quick_reply"] = map[string]string{"payload": m.QuickReplyPayload}
	}
	if m.StickerID != 0 {
		out["sticker_id"] = m.StickerID
	}
	var atts []map[string]any
	for _, a := range m.Attachments {
		att := map[string]any{"type": a.Type}
		payload := map[string]any{}
		switch a.Type {
		case "location":
			payload["coordinates"] = map[string]float64{"lat": a.Lat, "long": a.Long}
		case "fallback":
			if a.Title != "" {
				att["title"] = a.Title
			}
			fallthrough
		default:
			if a.URL != "" {
				payload["url"] = a.URL
			}
		}
		if a.StickerID != 0 {
			payload["sticker_id"] = a.StickerID
		}
		if a.Type == "location" && a.Title != "" {
			att["title"] = a.Title
		}
		att["payload"] = payload
		atts = append(atts, att)
	}
	if len(atts) > 0 {
		out["attachments"] = atts
	}
	return out
}

// TextMessage is the body of one text message from psid to the Page.
func TextMessage(pageID, psid, mid, text string, at time.Time) []byte {
	return Body(Entry{PageID: pageID, Events: []Event{{Sender: psid, Recipient: pageID, At: at,
		Message: &InMessage{MID: mid, Text: text}}}})
}

// AttachmentMessage is the body of one message with a media attachment (image,
// video, audio or file) by URL.
func AttachmentMessage(pageID, psid, mid, kind, mediaURL string, at time.Time) []byte {
	return Body(Entry{PageID: pageID, Events: []Event{{Sender: psid, Recipient: pageID, At: at,
		Message: &InMessage{MID: mid, Attachments: []Attachment{{Type: kind, URL: mediaURL}}}}}})
}

// Echo is the body of the message_echoes event Meta sends for a message the
// Page sent (sender and recipient swapped), by the app DefaultAppID.
func Echo(pageID, psid, mid, text string, at time.Time) []byte {
	appID, _ := strconv.ParseInt(DefaultAppID, 10, 64)
	return Body(Entry{PageID: pageID, Events: []Event{{Sender: pageID, Recipient: psid, At: at,
		Message: &InMessage{MID: mid, Text: text, IsEcho: true, AppID: appID}}}})
}

// PostbackEvent is the body of a postback button tap.
func PostbackEvent(pageID, psid, mid, title, payload string, at time.Time) []byte {
	return Body(Entry{PageID: pageID, Events: []Event{{Sender: psid, Recipient: pageID, At: at,
		Postback: &Postback{MID: mid, Title: title, Payload: payload}}}})
}

// DeliveryEvent is the body of a delivery receipt for the Page's messages mids.
func DeliveryEvent(pageID, psid string, mids []string, watermark time.Time) []byte {
	return Body(Entry{PageID: pageID, Events: []Event{{Sender: psid, Recipient: pageID, At: watermark,
		Delivery: &Delivery{MIDs: mids, Watermark: watermark}}}})
}

// ReadEvent is the body of a read receipt: psid read the Page's messages sent
// up to watermark.
func ReadEvent(pageID, psid string, watermark time.Time) []byte {
	return Body(Entry{PageID: pageID, Events: []Event{{Sender: psid, Recipient: pageID, At: watermark,
		Read: &Read{Watermark: watermark}}}})
}
