package linetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"unicode/utf16"
)

// Push is one push LINE accepted.
type Push struct {
	// Channel is the bot user ID of the channel that pushed.
	Channel  string
	To       string
	Messages []Message
	// RetryKey is the X-Line-Retry-Key sent, if any.
	RetryKey string
	// RequestID is the x-line-request-id LINE answered with.
	RequestID string
	// SentIDs are the message IDs LINE gave, one per message.
	SentIDs []string
}

// Message is one message object of a push, with the fields Switchboard uses
// decoded and the object as sent in Raw.
type Message struct {
	Type               string          `json:"type"`
	Text               string          `json:"text,omitempty"`
	OriginalContentURL string          `json:"originalContentUrl,omitempty"`
	PreviewImageURL    string          `json:"previewImageUrl,omitempty"`
	Duration           int64           `json:"duration,omitempty"`
	PackageID          string          `json:"packageId,omitempty"`
	StickerID          string          `json:"stickerId,omitempty"`
	Raw                json.RawMessage `json:"-"`
}

// sentMessage is an entry of sentMessages in LINE's answers.
type sentMessage struct {
	ID         string `json:"id"`
	QuoteToken string `json:"quoteToken,omitempty"`
}

// Pushes returns every push accepted so far, in order.
func (s *Server) Pushes() []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Push(nil), s.pushes...)
}

// Texts returns the text of every text message pushed to `to`, in order.
func (s *Server) Texts(to string) []string {
	var out []string
	for _, p := range s.Pushes() {
		if p.To != to {
			continue
		}
		for _, m := range p.Messages {
			if m.Type == "text" {
				out = append(out, m.Text)
			}
		}
	}
	return out
}

// Limits of the Messaging API the fake enforces.
const (
	maxMessages = 5
	maxTextLen  = 5000 // UTF-16 code units
	maxURLLen   = 2000
)

var (
	// uuidPattern is the form LINE takes for X-Line-Retry-Key: a UUID in hex.
	uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// recipientPattern is a user (U), group (C) or room (R) ID.
	recipientPattern = regexp.MustCompile(`^[UCR][0-9a-f]{32}$`)
	// messageTypes are the message objects LINE takes, as its error names them.
	messageTypes = map[string]bool{"text": true, "textV2": true, "image": true, "video": true, "audio": true, "location": true,
		"sticker": true, "template": true, "imagemap": true, "flex": true, "coupon": true}
	// messageFields are the properties a message object may have.
	messageFields = map[string]bool{"type": true, "text": true, "emojis": true, "quoteToken": true, "quickReply": true, "sender": true,
		"substitution": true, "originalContentUrl": true, "previewImageUrl": true, "trackingId": true, "duration": true,
		"packageId": true, "stickerId": true, "title": true, "address": true, "latitude": true, "longitude": true,
		"altText": true, "template": true, "contents": true, "baseUrl": true, "baseSize": true, "actions": true, "video": true, "couponId": true}
)

// push is POST /v2/bot/message/push: checks as LINE does, honours the retry
// key, records the push and answers sentMessages.
func (s *Server) push(ch *Channel, w responseWriter, r *http.Request, body []byte) {
	if !isJSON(w, r) {
		return
	}
	key := r.Header.Get("X-Line-Retry-Key")
	if key != "" && !uuidPattern.MatchString(key) {
		writeError(w, http.StatusBadRequest, "The value of the X-Line-Retry-Key header is invalid")
		return
	}
	if key != "" {
		s.mu.Lock()
		prev, seen := ch.accepted[key]
		s.mu.Unlock()
		if seen {
			w.Header().Set("X-Line-Accepted-Request-Id", prev.requestID)
			writeJSON(w, http.StatusConflict, errorBody{Message: "The retry key is already accepted", SentMessages: prev.sent})
			return
		}
	}
	to, msgs, details, bad := parsePush(body)
	if bad != "" {
		writeError(w, http.StatusBadRequest, bad)
		return
	}
	if len(details) > 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The request body has %d error(s)", len(details)), details...)
		return
	}
	if !recipientPattern.MatchString(to) {
		writeError(w, http.StatusBadRequest, "The property, to, in the request body is invalid (line: -, column: -)")
		return
	}
	// LINE downloads the media of a push to deliver it; a test that gave the
	// fake a media client sees whether the URLs work.
	for _, m := range msgs {
		if m.Type == "image" || m.Type == "video" || m.Type == "audio" {
			s.FetchMedia(r.Context(), m.OriginalContentURL)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" {
		if prev, seen := ch.accepted[key]; seen { // a concurrent attempt won
			w.Header().Set("X-Line-Accepted-Request-Id", prev.requestID)
			writeJSON(w, http.StatusConflict, errorBody{Message: "The retry key is already accepted", SentMessages: prev.sent})
			return
		}
	}
	if ch.MonthlyLimit > 0 && ch.sent+len(msgs) > ch.MonthlyLimit {
		writeError(w, http.StatusTooManyRequests, "You have reached your monthly limit.")
		return
	}
	requestID := w.Header().Get("X-Line-Request-Id")
	sent := make([]sentMessage, len(msgs))
	p := Push{Channel: ch.Bot.UserID, To: to, Messages: msgs, RetryKey: key, RequestID: requestID}
	for i := range msgs {
		id := strconv.FormatInt(s.nextSent, 10)
		s.nextSent++
		sent[i] = sentMessage{ID: id, QuoteToken: "q" + id[len(id)-8:] + "..."}
		p.SentIDs = append(p.SentIDs, id)
	}
	ch.sent += len(msgs)
	if key != "" {
		ch.accepted[key] = acceptance{requestID: requestID, sent: sent}
	}
	s.pushes = append(s.pushes, p)
	s.notify()
	writeJSON(w, http.StatusOK, map[string]any{"sentMessages": sent})
}

// parsePush decodes and checks a push body. bad is a whole-body refusal;
// details are property errors, reported together as LINE does.
func parsePush(body []byte) (to string, msgs []Message, details []ErrorDetail, bad string) {
	var req map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil || req == nil {
		return "", nil, nil, "The request body could not be parsed as JSON (line: -, column: -)"
	}
	for k := range req {
		switch k {
		case "to", "messages", "notificationDisabled", "customAggregationUnits":
		default:
			return "", nil, nil, "The property, " + k + ", in the request body is invalid (line: -, column: -)"
		}
	}
	if raw, ok := req["to"]; !ok || json.Unmarshal(raw, &to) != nil || to == "" {
		details = append(details, ErrorDetail{Message: "May not be empty", Property: "to"})
	}
	var raws []json.RawMessage
	if raw, ok := req["messages"]; !ok || json.Unmarshal(raw, &raws) != nil || len(raws) == 0 {
		details = append(details, ErrorDetail{Message: "Size must be between 1 and 5", Property: "messages"})
		return to, nil, details, ""
	}
	if len(raws) > maxMessages {
		details = append(details, ErrorDetail{Message: "Size must be between 1 and 5", Property: "messages"})
	}
	for i, raw := range raws {
		prop := fmt.Sprintf("messages[%d]", i)
		var fields map[string]json.RawMessage
		var m Message
		if json.Unmarshal(raw, &fields) != nil || json.Unmarshal(raw, &m) != nil {
			return "", nil, nil, "The property, " + prop + ", in the request body is invalid (line: -, column: -)"
		}
		for k := range fields {
			if !messageFields[k] {
				return "", nil, nil, "The property, " + prop + "." + k + ", in the request body is invalid (line: -, column: -)"
			}
		}
		m.Raw = append(json.RawMessage(nil), raw...)
		msgs = append(msgs, m)
		details = append(details, checkMessage(prop, m)...)
	}
	return to, msgs, details, ""
}

// checkMessage checks one message object's required properties and limits.
func checkMessage(prop string, m Message) []ErrorDetail {
	var d []ErrorDetail
	add := func(field, msg string) { d = append(d, ErrorDetail{Message: msg, Property: prop + "." + field}) }
	if !messageTypes[m.Type] {
		add("type", "Must be one of the following values: [text, image, video, audio, location, sticker, template, imagemap, flex]")
		return d
	}
	switch m.Type {
	case "text":
		switch n := len(utf16.Encode([]rune(m.Text))); {
		case m.Text == "":
			add("text", "May not be empty")
		case n > maxTextLen:
			add("text", "Length must be between 0 and 5000")
		}
	case "image", "video":
		checkURL(add, "originalContentUrl", m.OriginalContentURL)
		checkURL(add, "previewImageUrl", m.PreviewImageURL)
	case "audio":
		checkURL(add, "originalContentUrl", m.OriginalContentURL)
		if m.Duration <= 0 {
			add("duration", "Must be a positive number")
		}
	case "sticker":
		if m.PackageID == "" {
			add("packageId", "May not be empty")
		}
		if m.StickerID == "" {
			add("stickerId", "May not be empty")
		}
	}
	return d
}

// checkURL checks a media URL: required, https, at most 2000 characters.
func checkURL(add func(field, msg string), field, raw string) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		add(field, "May not be empty")
	case len(raw) > maxURLLen:
		add(field, "Length must be between 0 and 2000")
	case err != nil || u.Scheme != "https" || u.Host == "":
		add(field, "Must be a valid HTTPS URL")
	}
}
