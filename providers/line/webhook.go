package line

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// StickerFileIDPrefix starts the FileID of a sticker attachment
// ("sticker:<packageId>:<stickerId>"). LINE does not let bots download sticker
// images, so the ID only names the sticker; FetchMedia refuses it for good.
const StickerFileIDPrefix = "sticker:"

// VerifyWebhook accepts a POST whose x-line-signature is the Base64 HMAC-SHA256
// of the raw body under the account's channel secret, compared in constant
// time; a missing secret or signature is ErrUnauthorized, any other method
// ErrNotAllowed. A signed body without events is LINE's check that the webhook
// URL works (the console's Verify button, the test endpoint): it is answered
// with an empty 200 as a handshake, so nothing is stored.
func (Provider) VerifyWebhook(acct providers.Account, req *providers.WebhookRequest) (*providers.WebhookResponse, bool, error) {
	if req == nil || req.Method != http.MethodPost {
		return nil, false, providers.ErrNotAllowed
	}
	got := req.Header.Values(SignatureHeader)
	if len(got) != 1 || !validSignature(acct.Secrets["channelSecret"], req.Body, got[0]) {
		return nil, false, providers.ErrUnauthorized
	}
	return nil, isVerification(req.Body), nil
}

// Old verification requests carried two events with these placeholder reply
// tokens from this placeholder user; LINE now sends an empty events array.
const (
	verifyToken1 = "00000000000000000000000000000000"
	verifyToken2 = "ffffffffffffffffffffffffffffffff"
	verifyUser   = "Udeadbeefdeadbeefdeadbeefdeadbeef"
)

// isVerification reports whether body is one of LINE's connection checks. They
// are small and have an empty array or the placeholder user, so other bodies
// are not decoded here.
func isVerification(body []byte) bool {
	if len(body) > 4096 || !bytes.Contains(body, []byte("[]")) && !bytes.Contains(body, []byte(verifyUser)) {
		return false
	}
	var cb callback
	if json.Unmarshal(body, &cb) != nil || cb.Events == nil {
		return false
	}
	evs := *cb.Events
	if len(evs) > 2 {
		return false
	}
	for _, raw := range evs {
		var e event
		if json.Unmarshal(raw, &e) != nil || !isPlaceholder(&e) {
			return false
		}
	}
	return true
}

// isPlaceholder reports whether e is an event of an old verification request.
func isPlaceholder(e *event) bool {
	return (e.ReplyToken == verifyToken1 || e.ReplyToken == verifyToken2) &&
		e.Source != nil && e.Source.UserID == verifyUser
}

// ParseWebhook maps a batch of events, in LINE's order, to normalized events:
//   - message (text, image, video, audio, file, location, sticker) to MESSAGE;
//     media sent from LINE carries the message ID as FileID (FetchMedia gets it
//     from the content host), media LINE links to ("external") carries its URL;
//     a sticker carries "sticker:<packageId>:<stickerId>" (not downloadable);
//   - messageEdited (group chats only) to EDITED of the original message;
//   - postback to POSTBACK with the data as Payload;
//   - follow (added or unblocked) to SUBSCRIBED, unfollow (blocked) to UNSUBSCRIBED.
//
// Every event's DedupKey is its webhookEventId, which a redelivery
// (deliveryContext.isRedelivery) repeats. In a group or multi-person chat
// ChatID is the group or room, where replies go; the sender is the user, or
// the chat itself when LINE withholds the user's ID.
//
// Other events are authentic and understood but carry nothing an agent acts
// on, so they give no events: unsend (Switchboard cannot retract a stored
// message yet), join, leave, memberJoined and memberLeft (the bot's or others'
// group membership, with no customer to mark), videoPlayComplete, beacon,
// accountLink, membership and module events, and types LINE adds later.
// Events in standby mode (a module channel has the chat) are parsed all the same.
func (Provider) ParseWebhook(acct providers.Account, req *providers.WebhookRequest) ([]providers.Event, *providers.WebhookResponse, error) {
	if req == nil {
		return nil, nil, providers.Parsef("no request")
	}
	// Fast path: the whole batch in one pass. It fails only when some event
	// has a shape of its own, which the event-by-event path sorts out.
	var all struct {
		Events *[]event `json:"events"`
	}
	if err := json.Unmarshal(req.Body, &all); err == nil {
		if all.Events == nil {
			return nil, nil, providers.Parsef("webhook without events")
		}
		return mapEvents(*all.Events, req.Received)
	}
	var cb callback
	if err := json.Unmarshal(req.Body, &cb); err != nil {
		return nil, nil, &providers.ParseError{Reason: "invalid webhook JSON: " + err.Error(), Err: err}
	}
	if cb.Events == nil {
		return nil, nil, providers.Parsef("webhook without events")
	}
	events := make([]event, 0, len(*cb.Events))
	for i, raw := range *cb.Events {
		var e event
		if err := json.Unmarshal(raw, &e); err != nil {
			var t struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(raw, &t) == nil && !handled(t.Type) {
				events = append(events, event{}) // a shape of its own, in an event we do not read
				continue
			}
			return nil, nil, &providers.ParseError{Reason: "event " + strconv.Itoa(i) + ": " + err.Error(), Err: err}
		}
		events = append(events, e)
	}
	return mapEvents(events, req.Received)
}

// mapEvents maps decoded events in order; an event we cannot map fails the batch.
func mapEvents(events []event, received time.Time) ([]providers.Event, *providers.WebhookResponse, error) {
	var out []providers.Event
	for i := range events {
		e := &events[i]
		if !handled(e.Type) || isPlaceholder(e) {
			continue
		}
		ev, err := mapEvent(e, i, received)
		if err != nil {
			return nil, nil, err
		}
		if ev != nil {
			out = append(out, *ev)
		}
	}
	return out, nil, nil
}

// handled reports whether an event type maps to Switchboard events.
func handled(typ string) bool {
	switch typ {
	case "message", "messageEdited", "postback", "follow", "unfollow":
		return true
	}
	return false
}

// mapEvent maps one handled event, or returns nil when it has nothing to show.
func mapEvent(e *event, i int, received time.Time) (*providers.Event, error) {
	if e.WebhookEventID == "" {
		return nil, providers.Parsef("event %d (%s) without webhookEventId", i, e.Type)
	}
	sender, chat, err := parties(e.Source)
	if err != nil {
		return nil, providers.Parsef("event %d (%s): %s", i, e.Type, err.msg)
	}
	ev := &providers.Event{
		DedupKey:  e.WebhookEventID,
		SenderID:  sender,
		ChatID:    chat,
		Timestamp: millis(e.Timestamp, received),
	}
	switch e.Type {
	case "message":
		if e.Message == nil || e.Message.ID == "" {
			return nil, providers.Parsef("event %d: message without id", i)
		}
		ev.Kind, ev.MessageID = providers.EventMessage, e.Message.ID
		ok, err := setContent(ev, e.Message)
		if err != nil {
			return nil, providers.Parsef("event %d: %s message %s: %s", i, e.Message.Type, e.Message.ID, err.msg)
		}
		if !ok {
			return nil, nil
		}
	case "messageEdited":
		if e.Message == nil || e.Message.ID == "" {
			return nil, providers.Parsef("event %d: messageEdited without message id", i)
		}
		// Edits may arrive out of order; the timestamp tells them apart.
		ev.Kind = providers.EventEdited
		ev.MessageID = e.Message.ID + ":edit:" + strconv.FormatInt(e.Timestamp, 10)
		ev.RefMessageIDs = []string{e.Message.ID}
		ev.Text = e.Message.Text
	case "postback":
		if e.Postback == nil {
			return nil, providers.Parsef("event %d: postback without postback", i)
		}
		ev.Kind = providers.EventPostback
		ev.MessageID = "postback:" + e.WebhookEventID
		ev.Payload = e.Postback.Data
		ev.Text = postbackText(e.Postback)
	case "follow":
		ev.Kind = providers.EventSubscribed
	case "unfollow":
		ev.Kind = providers.EventUnsubscribe
	}
	return ev, nil
}

// fieldError is a reason a part of an event cannot be mapped.
type fieldError struct{ msg string }

// parties returns who sent an event and, in a group or multi-person chat,
// where replies go. LINE includes a group member's userId only for users of
// its mobile apps; without it the chat itself stands for the sender.
func parties(s *source) (sender, chat string, err *fieldError) {
	if s == nil {
		return "", "", &fieldError{"no source"}
	}
	switch s.Type {
	case "group":
		chat = s.GroupID
	case "room":
		chat = s.RoomID
	}
	if (s.Type == "group" || s.Type == "room") && chat == "" {
		return "", "", &fieldError{s.Type + " source without its ID"}
	}
	sender = s.UserID
	if sender == "" {
		sender = chat
	}
	if sender == "" {
		return "", "", &fieldError{"source without userId"}
	}
	return sender, chat, nil
}

// setContent fills a message event's content. It reports false for a message
// with nothing to show (an empty text, a type LINE adds later).
func setContent(ev *providers.Event, m *messageContent) (bool, *fieldError) {
	switch m.Type {
	case "text":
		ev.Text = m.Text
		return m.Text != "", nil
	case "image", "video", "audio":
		typ := map[string]providers.AttachmentType{
			"image": providers.AttachmentImage, "video": providers.AttachmentVideo, "audio": providers.AttachmentAudio,
		}[m.Type]
		att := providers.Attachment{Type: typ, FileID: m.ID}
		if m.ContentProvider != nil && m.ContentProvider.Type == "external" {
			// LINE only links to it: the content host does not have it.
			if m.ContentProvider.OriginalContentURL == "" {
				return false, nil
			}
			att = providers.Attachment{Type: typ, URL: m.ContentProvider.OriginalContentURL}
		}
		ev.Attachments = []providers.Attachment{att}
		if m.ImageSet != nil {
			ev.GroupID = m.ImageSet.ID
		}
	case "file":
		size, _ := strconv.ParseInt(string(m.FileSize), 10, 64)
		ev.Attachments = []providers.Attachment{{
			Type: providers.AttachmentFile, FileID: m.ID, FileName: m.FileName,
			MimeType: typeByExtension(m.FileName), Size: max(size, 0),
		}}
	case "location":
		if m.Latitude == nil || m.Longitude == nil {
			return false, &fieldError{"no latitude or longitude"}
		}
		ev.Location = &providers.Location{Latitude: *m.Latitude, Longitude: *m.Longitude, Title: joinNonEmpty(" — ", m.Title, m.Address)}
	case "sticker":
		if m.PackageID == "" || m.StickerID == "" {
			return false, &fieldError{"no packageId or stickerId"}
		}
		ev.Text = m.Text // what the user wrote on a message sticker
		ev.Attachments = []providers.Attachment{{
			Type: providers.AttachmentSticker, FileID: StickerFileIDPrefix + m.PackageID + ":" + m.StickerID,
		}}
	default:
		return false, nil
	}
	return true, nil
}

// postbackText is what an agent reads for a postback: the data, then what a
// date-time picker or rich menu switch added, in a stable order.
func postbackText(p *postbackContent) string {
	if len(p.Params) == 0 {
		return p.Data
	}
	keys := make([]string, 0, len(p.Params))
	for k := range p.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []string{p.Data}
	for _, k := range keys {
		parts = append(parts, k+"="+p.Params[k])
	}
	return joinNonEmpty(" ", parts...)
}

// joinNonEmpty joins the non-blank parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

// millis converts LINE's millisecond timestamp to UTC; an event without one
// takes the time it was received.
func millis(ms int64, received time.Time) time.Time {
	if ms <= 0 {
		return received.UTC()
	}
	return time.UnixMilli(ms).UTC()
}
