package twittertest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxDMText is the most characters X accepts in a direct message's text.
const maxDMText = 10000

// DM is a direct message the fake accepted.
type DM struct {
	// EventID is the dm_event_id X answered (and would send in webhooks).
	EventID        string
	ConversationID string
	SenderID       string
	RecipientID    string
	Text           string
	// Media is the uploaded file the message carries, if any.
	Media *Upload
	At    time.Time
}

// DMs returns the direct messages sent so far, in order.
func (s *Server) DMs() []DM {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]DM(nil), s.dms...)
}

// sendDM is POST /2/dm_conversations/with/:participant_id/messages.
func (s *Server) sendDM(c caller, w responseWriter, r *http.Request, participant string, body []byte) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeProblem(w, http.StatusUnsupportedMediaType, "Unsupported Media Type", "Content-Type must be application/json", "about:blank")
		return
	}
	if !isDigits(participant) {
		writeInvalid(w, "The `participant_id` query parameter value ["+participant+"] does not match ^[0-9]{1,19}$")
		return
	}
	var req struct {
		Text        *string `json:"text"`
		Attachments []struct {
			MediaID string `json:"media_id"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeInvalid(w, "Request body is not valid JSON")
		return
	}
	switch {
	case (req.Text == nil || *req.Text == "") && len(req.Attachments) == 0:
		writeInvalid(w, "$.text: is missing but it is required")
		return
	case req.Text != nil && utf8.RuneCountInString(*req.Text) > maxDMText:
		writeInvalid(w, "$.text: must be at most "+strconv.Itoa(maxDMText)+" characters long")
		return
	case len(req.Attachments) > 1:
		writeInvalid(w, "$.attachments: must have at most 1 items")
		return
	}
	var media *Upload
	if len(req.Attachments) == 1 {
		var reason string
		if media, reason = s.useMedia(c.account.User.ID, req.Attachments[0].MediaID); media == nil {
			writeInvalid(w, reason)
			return
		}
	}
	text := ""
	if req.Text != nil {
		text = *req.Text
	}
	s.mu.Lock()
	if reason, refused := s.refusing[participant]; refused {
		s.mu.Unlock()
		writeProblem(w, http.StatusForbidden, "Forbidden", reason, "about:blank")
		return
	}
	id := strconv.FormatInt(s.nextEvent, 10)
	s.nextEvent++
	a, b := c.account.User.ID, participant
	if len(a) > len(b) || len(a) == len(b) && a > b {
		a, b = b, a
	}
	dm := DM{EventID: id, ConversationID: a + "-" + b, SenderID: c.account.User.ID, RecipientID: participant, Text: text, Media: media, At: s.now().UTC()}
	s.dms = append(s.dms, dm)
	s.notify()
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]string{"dm_conversation_id": dm.ConversationID, "dm_event_id": dm.EventID}})
}
