package facebook

import (
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta"
)

// stickerFilePrefix marks the FileID of a sticker Meta sent without an image
// URL: "sticker:<sticker_id>".
const stickerFilePrefix = "sticker:"

// VerifyWebhook answers Meta's GET subscription handshake when hub.verify_token
// is the account's webhookVerifyToken (a wrong one is meta.ErrWrongVerifyToken,
// which wraps providers.ErrForbidden: 403), and accepts a POST only when its
// X-Hub-Signature-256 is the raw body's signature under the account's app
// secret (providers.ErrUnauthorized otherwise). See meta.VerifyWebhook.
func (Provider) VerifyWebhook(acct providers.Account, req *providers.WebhookRequest) (*providers.WebhookResponse, bool, error) {
	return meta.VerifyWebhook(req, verifyToken(acct), appSecret(acct))
}

// ParseWebhook maps a batch to events, in Meta's order. Only entries of the
// account's Page are read (an app subscribed to several Pages sends them all to
// one callback URL); bodies for another object than "page" give nothing.
//
//   - message: MESSAGE with the mid, the sender's PSID, the text and the
//     attachments: image, video (and reels), audio and file by Meta's CDN URL
//     (which expires: download it soon), sticker (by URL, or by sticker_id when
//     Meta gives none, which FetchMedia explains cannot be downloaded), legacy
//     location as a Location, and a shared link (fallback) as text. During
//     Meta's sticker transition a sticker comes as both a "sticker" and an
//     "image" attachment: it is kept once. A quick reply tap is a POSTBACK with
//     its payload and the tapped title as Text.
//   - message with is_echo: the Page's own message (sent by Switchboard, another
//     app or the Page inbox) is never a customer message: ignored.
//   - postback: POSTBACK with the button's title as Text and its payload.
//   - delivery: DELIVERED about the mids listed (Meta may list none) with the
//     watermark as Timestamp: every message sent before it was delivered.
//   - read: READ with the watermark as Timestamp and no IDs: the person read
//     every message the Page sent before it.
//   - message_edit: EDITED with the new text, about the edited mid.
//   - Reactions, opt-ins, referrals, handovers and other fields give nothing:
//     Switchboard has no kind for them, and none needs an answer.
//
// DedupKeys are per kind: "message:<mid>", "postback:<mid>" (or
// "postback:<psid>:<timestamp>" for postbacks without a mid),
// "edit:<mid>:<num_edit>", "delivery:<psid>:<watermark>" and
// "read:<psid>:<watermark>", which Meta's retries repeat. A body that is not
// JSON, or an event without the IDs it must have, is a *providers.ParseError.
func (Provider) ParseWebhook(acct providers.Account, req *providers.WebhookRequest) ([]providers.Event, *providers.WebhookResponse, error) {
	if req == nil {
		return nil, nil, providers.Parsef("no request")
	}
	var n notification
	if err := json.Unmarshal(req.Body, &n); err != nil {
		return nil, nil, &providers.ParseError{Reason: "invalid webhook JSON: " + err.Error(), Err: err}
	}
	if n.Object != "page" {
		return nil, nil, nil
	}
	page := pageID(acct)
	var events []providers.Event
	for _, e := range n.Entry {
		if page == "" || string(e.ID) != page {
			continue
		}
		fallback := millis(e.Time, req.Received)
		for i := range e.Messaging {
			ev, err := event(page, &e.Messaging[i], fallback)
			if err != nil {
				return nil, nil, err
			}
			if ev != nil {
				events = append(events, *ev)
			}
		}
	}
	return events, nil, nil
}

// event maps one messaging event to at most one event.
func event(page string, m *messaging, fallback time.Time) (*providers.Event, error) {
	sender, recipient := string(m.Sender.ID), string(m.Recipient.ID)
	if m.Message != nil && m.Message.IsEcho {
		return nil, nil // the Page's own message
	}
	if sender == page || (recipient != "" && recipient != page) {
		return nil, nil // not from a person to this Page
	}
	at := millis(m.Timestamp, fallback)
	switch {
	case m.Message != nil:
		return messageEvent(sender, m.Message, at)
	case m.Postback != nil:
		return postbackEvent(sender, m, at)
	case m.Delivery != nil:
		return deliveryEvent(sender, m.Delivery, at)
	case m.Read != nil:
		if sender == "" || m.Read.Watermark == "" {
			return nil, providers.Parsef("read event without sender.id or watermark")
		}
		return &providers.Event{
			Kind: providers.EventRead, DedupKey: "read:" + sender + ":" + string(m.Read.Watermark),
			SenderID: sender, Timestamp: millis(m.Read.Watermark, at),
		}, nil
	case m.MessageEdit != nil:
		return editEvent(sender, m.MessageEdit, at)
	}
	return nil, nil
}

// messageEvent maps a customer's message, or nil when it carries nothing
// Switchboard can show.
func messageEvent(sender string, m *message, at time.Time) (*providers.Event, error) {
	if m.MID == "" {
		return nil, providers.Parsef("message without mid")
	}
	if sender == "" {
		return nil, providers.Parsef("message %s without sender.id", m.MID)
	}
	ev := &providers.Event{
		Kind: providers.EventMessage, DedupKey: "message:" + m.MID, MessageID: m.MID,
		SenderID: sender, Timestamp: at, Text: m.Text,
	}
	if err := content(ev, m); err != nil {
		return nil, err
	}
	if m.QuickReply != nil && m.QuickReply.Payload != "" {
		ev.Kind, ev.DedupKey, ev.Payload = providers.EventPostback, "postback:"+m.MID, m.QuickReply.Payload
		return ev, nil
	}
	if strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 && ev.Location == nil {
		return nil, nil
	}
	return ev, nil
}

// content adds a message's attachments to ev.
func content(ev *providers.Event, m *message) error {
	stickers := map[string]int{} // sticker key -> index in ev.Attachments
	addSticker := func(p *attachmentPayload) {
		id := string(p.StickerID)
		if id == "" {
			id = string(m.StickerID)
		}
		key := id
		if key == "" {
			key = p.URL
		}
		if i, ok := stickers[key]; ok {
			if ev.Attachments[i].URL == "" && p.URL != "" {
				ev.Attachments[i].URL, ev.Attachments[i].FileID = p.URL, ""
			}
			return
		}
		att := providers.Attachment{Type: providers.AttachmentSticker, URL: p.URL}
		if att.URL == "" {
			if n, ok := meta.StringNumber(id).Int64(); !ok || n <= 0 {
				return
			}
			att.FileID = stickerFilePrefix + id
		}
		stickers[key] = len(ev.Attachments)
		ev.Attachments = append(ev.Attachments, att)
	}
	for _, a := range m.Attachments {
		p := a.Payload
		if p == nil {
			p = &attachmentPayload{}
		}
		media := func(t providers.AttachmentType) {
			if p.URL == "" {
				return // an unsupported share: nothing to download
			}
			att := providers.Attachment{Type: t, URL: p.URL}
			if t == providers.AttachmentFile {
				att.FileName = fileName(p.URL)
			}
			ev.Attachments = append(ev.Attachments, att)
		}
		switch a.Type {
		case "image":
			if p.StickerID != "" || m.StickerID != "" {
				addSticker(p)
			} else {
				media(providers.AttachmentImage)
			}
		case "sticker":
			addSticker(p)
		case "video", "reel", "ig_reel":
			media(providers.AttachmentVideo)
		case "audio":
			media(providers.AttachmentAudio)
		case "file":
			media(providers.AttachmentFile)
		case "location":
			if err := location(ev, a, p); err != nil {
				return providers.Parsef("message %s: %v", m.MID, err)
			}
		case "fallback", "post", "ig_post":
			link := p.URL
			if link == "" {
				link = a.URL
			}
			title := strings.TrimSpace(a.Title)
			if title == "" {
				title = strings.TrimSpace(p.Title)
			}
			ev.Text = withLink(ev.Text, title, link)
		}
	}
	return nil
}

// location reads a legacy location attachment's coordinates.
func location(ev *providers.Event, a attachment, p *attachmentPayload) error {
	if p.Coordinates == nil {
		return nil
	}
	lat, err1 := strconv.ParseFloat(string(p.Coordinates.Lat), 64)
	lon, err2 := strconv.ParseFloat(string(p.Coordinates.Long), 64)
	if err1 != nil || err2 != nil || !onGlobe(lat, lon) {
		return errInvalidCoordinates
	}
	ev.Location = &providers.Location{Latitude: lat, Longitude: lon, Title: strings.TrimSpace(a.Title)}
	return nil
}

// errInvalidCoordinates is a location outside the globe.
var errInvalidCoordinates = errors.New("location with invalid coordinates")

// postbackEvent maps a postback button tap.
func postbackEvent(sender string, m *messaging, at time.Time) (*providers.Event, error) {
	if sender == "" {
		return nil, providers.Parsef("postback without sender.id")
	}
	pb := m.Postback
	key := "postback:" + pb.MID
	if pb.MID == "" {
		key = "postback:" + sender + ":" + strconv.FormatInt(at.UnixMilli(), 10)
	}
	return &providers.Event{
		Kind: providers.EventPostback, DedupKey: key, MessageID: pb.MID,
		SenderID: sender, Timestamp: at, Text: pb.Title, Payload: pb.Payload,
	}, nil
}

// deliveryEvent maps a delivery receipt.
func deliveryEvent(sender string, d *delivery, at time.Time) (*providers.Event, error) {
	if sender == "" {
		return nil, providers.Parsef("delivery event without sender.id")
	}
	var ids []string
	seen := map[string]bool{}
	for _, id := range d.MIDs {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if d.Watermark == "" && len(ids) == 0 {
		return nil, providers.Parsef("delivery event without watermark or mids")
	}
	key := string(d.Watermark)
	if key == "" {
		key = ids[0]
	}
	return &providers.Event{
		Kind: providers.EventDelivered, DedupKey: "delivery:" + sender + ":" + key,
		RefMessageIDs: ids, SenderID: sender, Timestamp: millis(d.Watermark, at),
	}, nil
}

// editEvent maps a person's edit of their message.
func editEvent(sender string, e *messageEdit, at time.Time) (*providers.Event, error) {
	if e.MID == "" || sender == "" {
		return nil, providers.Parsef("message_edit without mid or sender.id")
	}
	n := string(e.NumEdit)
	if n == "" {
		n = strconv.FormatInt(at.UnixMilli(), 10)
	}
	return &providers.Event{
		Kind: providers.EventEdited, DedupKey: "edit:" + e.MID + ":" + n, MessageID: e.MID,
		RefMessageIDs: []string{e.MID}, SenderID: sender, Timestamp: at, Text: e.Text,
	}, nil
}

// millis converts Meta's epoch milliseconds to UTC; a missing or malformed one
// is replaced by fallback. A value too small to be milliseconds of this century
// is read as seconds, as Meta's postback example prints it.
func millis(n meta.StringNumber, fallback time.Time) time.Time {
	ms, ok := n.Int64()
	switch {
	case !ok || ms <= 0 || ms > 1e15:
		return fallback.UTC()
	case ms < 1e11:
		return time.Unix(ms, 0).UTC()
	}
	return time.UnixMilli(ms).UTC()
}

// fileName is the name of a file in its CDN URL's last path segment, or "".
func fileName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	base := path.Base(u.Path)
	if base == "." || base == "/" || path.Ext(base) == "" {
		return ""
	}
	return base
}

// withLink adds a shared link to a message's text, unless the text has it.
func withLink(text, title, link string) string {
	add := strings.TrimSpace(strings.Join(nonEmpty(title, link), "\n"))
	switch {
	case add == "" || (link != "" && strings.Contains(text, link)):
		return text
	case strings.TrimSpace(text) == "":
		return add
	}
	return text + "\n" + add
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// onGlobe reports whether lat and lon are a place: finite and in range.
// ParseFloat takes "NaN" and "Inf", which no comparison with a bound refuses.
func onGlobe(lat, lon float64) bool {
	for _, v := range []float64{lat, lon} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return math.Abs(lat) <= 90 && math.Abs(lon) <= 180
}
