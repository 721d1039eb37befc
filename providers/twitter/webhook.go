package twitter

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// maxCRCToken bounds the crc_token answered: X's tokens are short.
const maxCRCToken = 1024

// VerifyWebhook checks a request from X:
//   - a GET with one crc_token is the Challenge-Response Check: it is answered
//     200 {"response_token":"sha256=..."} (HMAC-SHA256 of the token under the
//     consumer secret, Base64) as a handshake, so nothing is stored;
//   - a POST must carry exactly one x-twitter-webhooks-signature equal, in
//     constant time, to "sha256=" + Base64 HMAC-SHA256 of the raw body under
//     the consumer secret, and its body must be a JSON object.
//
// A missing secret or signature is ErrUnauthorized, a GET without crc_token
// or another method ErrNotAllowed.
//
// The CRC answer is the webhook signature of whatever token it is asked
// about, so anyone could ask it to sign a forged body. Two rules close that:
// a crc_token containing "{" is refused (ErrUnauthorized), and a signed POST
// whose body is not a JSON object (which always contains "{") is refused
// too. X's tokens are opaque Base64-like strings and its bodies are objects,
// so neither rule turns X away.
func (Provider) VerifyWebhook(acct providers.Account, req *providers.WebhookRequest) (*providers.WebhookResponse, bool, error) {
	if req == nil {
		return nil, false, providers.ErrNotAllowed
	}
	secret := acct.Secrets["consumerSecret"]
	switch req.Method {
	case http.MethodGet:
		var q url.Values
		if req.URL != nil {
			q = req.URL.Query()
		}
		tokens := q["crc_token"]
		if len(tokens) == 0 {
			return nil, false, providers.ErrNotAllowed
		}
		if len(tokens) != 1 || tokens[0] == "" || len(tokens[0]) > maxCRCToken || strings.Contains(tokens[0], "{") || secret == "" {
			return nil, false, providers.ErrUnauthorized
		}
		body, err := json.Marshal(map[string]string{"response_token": CRCResponseToken(secret, tokens[0])})
		if err != nil {
			return nil, false, err
		}
		return &providers.WebhookResponse{Status: http.StatusOK, ContentType: "application/json; charset=utf-8", Body: body}, true, nil
	case http.MethodPost:
		got := req.Header.Values(SignatureHeader)
		if len(got) != 1 || !validSignature(secret, req.Body, got[0]) || !isObject(req.Body) {
			return nil, false, providers.ErrUnauthorized
		}
		return nil, false, nil
	}
	return nil, false, providers.ErrNotAllowed
}

// isObject reports whether b starts, after JSON whitespace, with "{".
func isObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// ParseWebhook maps one Account Activity delivery to normalized events, in
// X's order (direct messages, then read receipts, then follows):
//   - direct_message_events of type message_create from a customer to MESSAGE
//     (MessageID and DedupKey: the event id, which X repeats when it resends),
//     or to POSTBACK with the option's metadata as Payload when the customer
//     tapped a quick reply. The text is unescaped (X sends "&amp;"), the t.co
//     link of attached media is removed and other t.co links are expanded.
//     Attached media (photo, video, animated_gif) carries its URL as FileID:
//     X serves direct message media only to OAuth-signed requests, so
//     FetchMedia downloads it; a video or GIF is its best MP4 variant.
//     SenderName comes from the users map (name, else @screen_name);
//   - direct_message_mark_read_events by a customer to READ of
//     last_read_event_id (and everything before it), at created_timestamp;
//   - follow_events where a customer follows or unfollows the account to
//     SUBSCRIBED or UNSUBSCRIBED.
//
// Activity of the account itself is never a customer's: messages whose
// sender is for_user_id (the replies Switchboard sent, and those sent from
// X's apps, which X echoes), its own read receipts and whom it follows are
// left out. X has one webhook per app, so a delivery can be about another
// account subscribed to the same app: when the access token names the
// account ("<user id>-...") and for_user_id is someone else, the delivery
// gives no events. Typing indicators, tweets, likes, blocks, mutes and
// authorization revokes carry nothing an agent acts on and give none either.
func (p Provider) ParseWebhook(acct providers.Account, req *providers.WebhookRequest) ([]providers.Event, *providers.WebhookResponse, error) {
	if req == nil {
		return nil, nil, providers.Parsef("no request")
	}
	if !isObject(req.Body) {
		return nil, nil, providers.Parsef("webhook body is not a JSON object")
	}
	var a activity
	if err := json.Unmarshal(req.Body, &a); err != nil {
		return nil, nil, &providers.ParseError{Reason: "invalid webhook JSON: " + err.Error(), Err: err}
	}
	tokenUser := TokenUserID(acct.Secrets["accessToken"])
	if tokenUser != "" && a.ForUserID != "" && a.ForUserID != tokenUser {
		return nil, nil, nil
	}
	own := firstNonEmpty(a.ForUserID, tokenUser)
	if own == "" && (len(a.DirectMessageEvents) > 0 || len(a.MarkReadEvents) > 0 || len(a.FollowEvents) > 0) {
		return nil, nil, providers.Parsef("activity without for_user_id: the account's own messages cannot be told from customers'")
	}
	var out []providers.Event
	for i, raw := range a.DirectMessageEvents {
		ev, err := p.mapMessage(raw, i, own, a.Users, req.Received)
		if err != nil {
			return nil, nil, err
		}
		if ev != nil {
			out = append(out, *ev)
		}
	}
	for i := range a.MarkReadEvents {
		ev, err := mapRead(&a.MarkReadEvents[i], i, own, a.Users, req.Received)
		if err != nil {
			return nil, nil, err
		}
		if ev != nil {
			out = append(out, *ev)
		}
	}
	for i := range a.FollowEvents {
		ev, err := mapFollow(&a.FollowEvents[i], i, own, req.Received)
		if err != nil {
			return nil, nil, err
		}
		if ev != nil {
			out = append(out, *ev)
		}
	}
	return out, nil, nil
}

// mapMessage maps one direct message event, or returns nil when it is not a
// customer's message with something to show.
func (p Provider) mapMessage(raw json.RawMessage, i int, own string, users map[string]user, received time.Time) (*providers.Event, error) {
	var e dmEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		var t struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(raw, &t) == nil && t.Type != "message_create" {
			return nil, nil // a shape of its own, in an event type we do not read
		}
		return nil, &providers.ParseError{Reason: "direct message event " + strconv.Itoa(i) + ": " + err.Error(), Err: err}
	}
	if e.Type != "message_create" {
		return nil, nil
	}
	switch {
	case e.ID == "":
		return nil, providers.Parsef("direct message event %d without id", i)
	case e.MessageCreate == nil:
		return nil, providers.Parsef("direct message event %s without message_create", e.ID)
	case e.MessageCreate.SenderID == "":
		return nil, providers.Parsef("direct message event %s without sender_id", e.ID)
	case e.MessageCreate.SenderID == own:
		return nil, nil // the account's own message, echoed
	}
	ts, ok := millis(e.CreatedTimestamp, received)
	if !ok {
		return nil, providers.Parsef("direct message event %s: created_timestamp %q is not a time", e.ID, e.CreatedTimestamp)
	}
	m := e.MessageCreate
	ev := &providers.Event{
		Kind:       providers.EventMessage,
		DedupKey:   e.ID,
		MessageID:  e.ID,
		SenderID:   m.SenderID,
		SenderName: displayName(users[m.SenderID]),
		Timestamp:  ts,
	}
	var mediaLink string
	if a := m.MessageData.Attachment; a != nil && a.Media != nil {
		mediaLink = a.Media.URL
		if att, ok := p.mediaAttachment(a.Media); ok {
			ev.Attachments = []providers.Attachment{att}
		}
	}
	ev.Text = messageText(&m.MessageData, mediaLink)
	if q := m.MessageData.QuickReplyResponse; q != nil && q.Metadata != "" {
		ev.Kind, ev.Payload = providers.EventPostback, q.Metadata
		return ev, nil
	}
	if ev.Text == "" && len(ev.Attachments) == 0 {
		return nil, nil
	}
	return ev, nil
}

// messageText is what the customer wrote: X's text without the t.co link of
// attached media, with other t.co links expanded, HTML entities unescaped.
func messageText(d *messageData, mediaLink string) string {
	text := d.Text
	if mediaLink != "" {
		text = strings.ReplaceAll(text, mediaLink, "")
	}
	for _, u := range d.Entities.URLs {
		if u.URL == "" || u.URL == mediaLink {
			continue
		}
		if u.ExpandedURL != "" {
			text = strings.ReplaceAll(text, u.URL, u.ExpandedURL)
		}
	}
	return strings.TrimSpace(html.UnescapeString(text))
}

// mediaAttachment maps attached media; it reports false for media without a
// usable URL: https, or the configured API host (a fake serving media).
func (p Provider) mediaAttachment(m *media) (providers.Attachment, bool) {
	att := providers.Attachment{Type: providers.AttachmentImage, FileID: m.MediaURLHTTPS}
	switch m.Type {
	case "video", "animated_gif":
		if v := bestMP4(m.VideoInfo); v != "" {
			att = providers.Attachment{Type: providers.AttachmentVideo, FileID: v, MimeType: "video/mp4"}
		}
	}
	u, err := url.Parse(att.FileID)
	if err != nil || u.Host == "" || u.Scheme != "https" && (p.apiURL == "" || !strings.EqualFold(u.Host, p.apiHost())) {
		return providers.Attachment{}, false
	}
	att.FileName = path.Base(u.Path)
	if att.FileName == "/" || att.FileName == "." {
		att.FileName = ""
	}
	if att.MimeType == "" {
		att.MimeType = typeByExtension(att.FileName)
	}
	return att, true
}

// bestMP4 is the URL of the highest-bitrate MP4 variant, or "".
func bestMP4(v *videoInfo) string {
	if v == nil {
		return ""
	}
	best, rate := "", int64(-1)
	for _, x := range v.Variants {
		if x.ContentType == "video/mp4" && x.URL != "" && x.Bitrate > rate {
			best, rate = x.URL, x.Bitrate
		}
	}
	return best
}

// mapRead maps a read receipt by a customer, or returns nil for the account's
// own.
func mapRead(e *markReadEvent, i int, own string, users map[string]user, received time.Time) (*providers.Event, error) {
	switch {
	case e.SenderID == "":
		return nil, providers.Parsef("read event %d without sender_id", i)
	case e.SenderID == own:
		return nil, nil // an agent or the account's owner read the customer's message
	}
	ts, ok := millis(e.CreatedTimestamp, received)
	if !ok {
		return nil, providers.Parsef("read event %d: created_timestamp %q is not a time", i, e.CreatedTimestamp)
	}
	ev := &providers.Event{
		Kind:       providers.EventRead,
		DedupKey:   "read:" + e.SenderID + ":" + firstNonEmpty(e.LastReadEventID, e.CreatedTimestamp),
		SenderID:   e.SenderID,
		SenderName: displayName(users[e.SenderID]),
		Timestamp:  ts,
	}
	if e.LastReadEventID != "" {
		ev.RefMessageIDs = []string{e.LastReadEventID}
	}
	return ev, nil
}

// mapFollow maps a customer following or unfollowing the account, or returns
// nil for other follows (the account following someone).
func mapFollow(e *followEvent, i int, own string, received time.Time) (*providers.Event, error) {
	if e.Target.id() != own {
		return nil, nil
	}
	var kind providers.EventKind
	switch e.Type {
	case "follow":
		kind = providers.EventSubscribed
	case "unfollow":
		kind = providers.EventUnsubscribe
	default:
		return nil, nil
	}
	src := e.Source.id()
	if src == "" {
		return nil, providers.Parsef("follow event %d without its source user", i)
	}
	ts, ok := millis(e.CreatedTimestamp, received)
	if !ok {
		return nil, providers.Parsef("follow event %d: created_timestamp %q is not a time", i, e.CreatedTimestamp)
	}
	ev := &providers.Event{
		Kind:      kind,
		DedupKey:  e.Type + ":" + src + ":" + e.CreatedTimestamp,
		SenderID:  src,
		Timestamp: ts,
	}
	if e.Source != nil {
		ev.SenderName = displayName(*e.Source)
	}
	return ev, nil
}

// displayName is a user's name, else their @handle, else "".
func displayName(u user) string {
	if n := strings.TrimSpace(u.Name); n != "" {
		return n
	}
	if s := strings.TrimSpace(u.ScreenName); s != "" {
		return "@" + s
	}
	return ""
}

// millis converts X's millisecond timestamp (a string of digits) to UTC; an
// event without one takes the time it was received. It reports false for a
// timestamp that is not a number.
func millis(s string, received time.Time) (time.Time, bool) {
	if s == "" {
		return received.UTC(), true
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	if ms <= 0 {
		return received.UTC(), true
	}
	return time.UnixMilli(ms).UTC(), true
}
