package viber

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// VerifyWebhook accepts a POST whose X-Viber-Content-Signature is the HMAC of the
// raw body under the account's token, compared in constant time; a missing token
// or signature, or several signatures, are ErrUnauthorized. Viber has no GET
// handshake, so other methods are ErrNotAllowed. The signed {"event":"webhook"}
// callback that set_webhook triggers is the handshake: it is answered with an
// empty 200 and nothing is stored. An unsigned one is refused like any forgery.
func (Provider) VerifyWebhook(acct providers.Account, req *providers.WebhookRequest) (*providers.WebhookResponse, bool, error) {
	if req == nil || req.Method != http.MethodPost {
		return nil, false, providers.ErrNotAllowed
	}
	sigs := req.Header.Values(SignatureHeader)
	if len(sigs) != 1 || !validSignature(authToken(acct), req.Body, strings.TrimSpace(sigs[0])) {
		return nil, false, providers.ErrUnauthorized
	}
	if isWebhookCheck(req.Body) {
		return nil, true, nil
	}
	return nil, false, nil
}

// isWebhookCheck reports whether body is the {"event":"webhook"} callback. The
// word must appear in it, so other callbacks skip the decoding.
func isWebhookCheck(body []byte) bool {
	if !bytes.Contains(body, []byte(`"webhook"`)) {
		return false
	}
	var head struct {
		Event string `json:"event"`
	}
	return json.Unmarshal(body, &head) == nil && head.Event == "webhook"
}

// ParseWebhook maps one callback to at most one event:
//
//   - message: MESSAGE with the message_token as MessageID, the sender's id and
//     name, and the content: text; picture, video and file as an attachment by
//     Viber's media URL (which expires: download it soon) with the file name and size
//     Viber gives; sticker as a sticker attachment (by URL when Viber gives one);
//     contact; location; url as text. A caption comes as Text. Unknown message
//     types keep their text.
//   - delivered and seen: DELIVERED and READ about our message message_token.
//     Viber sends one seen when the user reads their unread messages, however
//     many there are, so a READ covers our earlier messages too.
//   - subscribed: SUBSCRIBED with the user's name; unsubscribed: UNSUBSCRIBED.
//   - conversation_started: SUBSCRIBED, with the user's name, only when Viber
//     says the user already is subscribed. Otherwise the user only opened the
//     chat: Viber lets the bot answer with one welcome message but not message
//     them, so there is nothing to record.
//   - failed: FAILED about our message message_token, with Viber's desc.
//   - webhook and unknown events give no events and no error: they are
//     authentic and understood.
//
// Every event's DedupKey is "<event>:<message_token>", so that a delivered and
// a seen about the same message do not collide. Viber needs no answer beyond an
// empty 200.
func (Provider) ParseWebhook(acct providers.Account, req *providers.WebhookRequest) ([]providers.Event, *providers.WebhookResponse, error) {
	if req == nil {
		return nil, nil, providers.Parsef("no request")
	}
	var c callback
	if err := json.Unmarshal(req.Body, &c); err != nil {
		return nil, nil, &providers.ParseError{Reason: "invalid callback JSON: " + err.Error(), Err: err}
	}
	if c.Event == "" {
		return nil, nil, providers.Parsef("callback without event")
	}
	tok, err := messageToken(c.MessageToken)
	if err != nil {
		return nil, nil, providers.Parsef("%s callback: %v", c.Event, err)
	}
	at := timestamp(c.Timestamp, req.Received)

	var ev *providers.Event
	switch c.Event {
	case "message":
		ev, err = messageEvent(&c, tok, at)
	case "delivered":
		ev, err = receiptEvent(&c, providers.EventDelivered, tok, at)
	case "seen":
		ev, err = receiptEvent(&c, providers.EventRead, tok, at)
	case "subscribed":
		ev, err = subscribedEvent(&c, c.User, tok, at)
	case "conversation_started":
		if c.Subscribed {
			ev, err = subscribedEvent(&c, c.User, tok, at)
		}
	case "failed":
		ev, err = receiptEvent(&c, providers.EventFailed, tok, at)
		if ev != nil {
			ev.Reason = "Viber could not deliver it"
			if d := strings.TrimSpace(c.Desc); d != "" {
				ev.Reason += ": " + d
			}
		}
	case "unsubscribed":
		if c.UserID == "" {
			return nil, nil, providers.Parsef("unsubscribed callback without user_id")
		}
		ev = &providers.Event{Kind: providers.EventUnsubscribe, SenderID: c.UserID, Timestamp: at,
			DedupKey: dedupKey(&c, tok, c.UserID)}
	}
	if err != nil || ev == nil {
		return nil, nil, err
	}
	return []providers.Event{*ev}, nil, nil
}

// messageEvent maps a message callback to EventMessage, or to nil when it has
// nothing to show.
func messageEvent(c *callback, tok string, at time.Time) (*providers.Event, error) {
	if tok == "" {
		return nil, providers.Parsef("message callback without message_token")
	}
	if c.Sender == nil || c.Sender.ID == "" {
		return nil, providers.Parsef("message %s without sender.id", tok)
	}
	m := c.Message
	if m == nil {
		return nil, providers.Parsef("message %s without message", tok)
	}
	ev := &providers.Event{
		Kind:       providers.EventMessage,
		DedupKey:   "message:" + tok,
		MessageID:  tok,
		SenderID:   c.Sender.ID,
		SenderName: strings.TrimSpace(c.Sender.Name),
		Timestamp:  at,
		Text:       m.Text,
	}
	ev.SenderLanguage = providers.LanguageTag(c.Sender.Language)
	media := func(t providers.AttachmentType) error {
		if m.Media == "" {
			if m.Text != "" {
				return nil // keep the caption rather than lose the message
			}
			return providers.Parsef("%s message %s without media", m.Type, tok)
		}
		ev.Attachments = []providers.Attachment{{
			Type: t, URL: m.Media, FileName: m.FileName, Size: size(m.FileSize), MimeType: typeByName(m.FileName),
		}}
		return nil
	}
	var err error
	switch m.Type {
	case "picture":
		err = media(providers.AttachmentImage)
	case "video":
		err = media(providers.AttachmentVideo)
	case "file":
		err = media(providers.AttachmentFile)
	case "sticker":
		err = stickerContent(ev, m, tok)
	case "contact":
		if m.Contact != nil && (m.Contact.Name != "" || m.Contact.PhoneNumber != "") {
			ev.Contact = &providers.ContactCard{Name: strings.TrimSpace(m.Contact.Name), Phone: m.Contact.PhoneNumber}
		}
	case "location":
		err = locationContent(ev, m, tok)
	case "url":
		ev.Text = withURL(m.Text, m.Media)
	}
	if err != nil {
		return nil, err
	}
	if ev.Text == "" && len(ev.Attachments) == 0 && ev.Location == nil && ev.Contact == nil {
		return nil, nil
	}
	return ev, nil
}

// stickerContent attaches a sticker: by its image URL when Viber gives one, else
// by sticker ID, which FetchMedia explains cannot be downloaded.
func stickerContent(ev *providers.Event, m *message, tok string) error {
	att := providers.Attachment{Type: providers.AttachmentSticker, URL: m.Media}
	if att.URL == "" {
		id, err := strconv.ParseInt(string(m.StickerID), 10, 64)
		if err != nil || id <= 0 {
			if m.Text != "" {
				return nil
			}
			return providers.Parsef("sticker message %s without sticker_id or media", tok)
		}
		att.FileID = stickerFilePrefix + strconv.FormatInt(id, 10)
	}
	ev.Attachments = []providers.Attachment{att}
	return nil
}

// locationContent sets a shared place; coordinates out of range are malformed.
func locationContent(ev *providers.Event, m *message, tok string) error {
	if m.Location == nil {
		if m.Text != "" {
			return nil
		}
		return providers.Parsef("location message %s without location", tok)
	}
	lat, err1 := strconv.ParseFloat(string(m.Location.Lat), 64)
	lon, err2 := strconv.ParseFloat(string(m.Location.Lon), 64)
	if err1 != nil || err2 != nil || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return providers.Parsef("location message %s with invalid coordinates", tok)
	}
	ev.Location = &providers.Location{Latitude: lat, Longitude: lon}
	return nil
}

// receiptEvent maps delivered and seen, which are about the bot's own message.
func receiptEvent(c *callback, kind providers.EventKind, tok string, at time.Time) (*providers.Event, error) {
	if tok == "" {
		return nil, providers.Parsef("%s callback without message_token", c.Event)
	}
	if c.UserID == "" {
		return nil, providers.Parsef("%s callback for %s without user_id", c.Event, tok)
	}
	return &providers.Event{
		Kind:          kind,
		DedupKey:      c.Event + ":" + tok,
		RefMessageIDs: []string{tok},
		SenderID:      c.UserID,
		Timestamp:     at,
	}, nil
}

// subscribedEvent maps a user who subscribed (or started a conversation already
// subscribed), with their name.
func subscribedEvent(c *callback, u *user, tok string, at time.Time) (*providers.Event, error) {
	if u == nil || u.ID == "" {
		return nil, providers.Parsef("%s callback without user.id", c.Event)
	}
	return &providers.Event{
		Kind:           providers.EventSubscribed,
		DedupKey:       dedupKey(c, tok, u.ID),
		SenderID:       u.ID,
		SenderName:     strings.TrimSpace(u.Name),
		SenderLanguage: providers.LanguageTag(u.Language),
		Timestamp:      at,
	}, nil
}

// dedupKey is "<event>:<message_token>", or, for a callback without a token,
// "<event>:<user>:<timestamp>", which Viber's retries repeat as well.
func dedupKey(c *callback, tok, userID string) string {
	if tok != "" {
		return c.Event + ":" + tok
	}
	return c.Event + ":" + userID + ":" + string(c.Timestamp)
}

// messageToken normalizes a message_token given as a JSON number or a quoted
// one; "" when absent. Tokens are 64-bit integers.
func messageToken(n json.Number) (string, error) {
	if n == "" {
		return "", nil
	}
	if v, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return strconv.FormatInt(v, 10), nil
	}
	if v, err := strconv.ParseUint(string(n), 10, 64); err == nil {
		return strconv.FormatUint(v, 10), nil
	}
	return "", &tokenError{string(n)}
}

// tokenError is a message_token that is not a 64-bit integer.
type tokenError struct{ token string }

// Error quotes the token, which is public data, not a credential.
func (e *tokenError) Error() string {
	t := e.token
	if len(t) > 40 {
		t = t[:40] + "..."
	}
	return "message_token " + strconv.Quote(t) + " is not a 64-bit integer"
}

// timestamp converts Viber's epoch milliseconds to UTC; a missing or malformed
// one is replaced by the time of receipt.
func timestamp(n json.Number, received time.Time) time.Time {
	ms, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || ms <= 0 {
		return received.UTC()
	}
	return time.UnixMilli(ms).UTC()
}

// size reads a file_size, 0 when absent or not a count of bytes.
func size(n json.Number) int64 {
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// withURL is the text of a url message: Viber puts the link in media, and any
// text the user typed with it in text.
func withURL(text, link string) string {
	switch {
	case link == "" || strings.Contains(text, link):
		return text
	case strings.TrimSpace(text) == "":
		return link
	}
	return text + "\n" + link
}
