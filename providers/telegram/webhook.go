package telegram

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// SecretHeader carries the secret_token given to setWebhook on every webhook
// Telegram sends; it is the only proof a request comes from Telegram.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

var (
	_ providers.WebhookReceiver = Provider{}
	_ providers.Sender          = Provider{}
	_ providers.MediaFetcher    = Provider{}
)

// VerifyWebhook accepts a POST whose secret-token header equals the account's
// webhookSecret, compared in constant time. Telegram has no handshake, so any
// other method is ErrNotAllowed; a missing secret on either side is
// ErrUnauthorized rather than a match of two empty strings.
func (Provider) VerifyWebhook(acct providers.Account, req *providers.WebhookRequest) (*providers.WebhookResponse, bool, error) {
	if req == nil || req.Method != http.MethodPost {
		return nil, false, providers.ErrNotAllowed
	}
	want := acct.Secrets["webhookSecret"]
	got := req.Header.Values(SecretHeader)
	if want == "" || len(got) != 1 || got[0] == "" {
		return nil, false, providers.ErrUnauthorized
	}
	if subtle.ConstantTimeCompare([]byte(got[0]), []byte(want)) != 1 {
		return nil, false, providers.ErrUnauthorized
	}
	return nil, false, nil
}

// ParseWebhook maps one Update to at most one event: message, edited_message,
// callback_query and my_chat_member (the types setWebhook asks for). Other
// updates (channel_post, poll, ...) and messages with no content Switchboard
// shows (service messages such as new_chat_members, dice, games) are authentic
// and understood, so they give no events and no error. Every event's DedupKey
// is "update:<update_id>". Telegram needs no answer beyond an empty 200.
func (Provider) ParseWebhook(acct providers.Account, req *providers.WebhookRequest) ([]providers.Event, *providers.WebhookResponse, error) {
	if req == nil {
		return nil, nil, providers.Parsef("no request")
	}
	var u update
	if err := json.Unmarshal(req.Body, &u); err != nil {
		return nil, nil, &providers.ParseError{Reason: "invalid Update JSON: " + err.Error(), Err: err}
	}
	if u.UpdateID == nil {
		return nil, nil, providers.Parsef("update without update_id")
	}
	key := "update:" + strconv.FormatInt(*u.UpdateID, 10)

	var (
		ev  *providers.Event
		err error
	)
	switch {
	case u.Message != nil:
		ev, err = messageEvent(u.Message)
	case u.EditedMessage != nil:
		ev, err = editedEvent(u.EditedMessage)
	case u.CallbackQuery != nil:
		ev, err = callbackEvent(u.CallbackQuery, req.Received)
	case u.MyChatMember != nil:
		ev, err = memberEvent(u.MyChatMember)
	}
	if err != nil || ev == nil {
		return nil, nil, err
	}
	ev.DedupKey = key
	return []providers.Event{*ev}, nil, nil
}

// messageEvent maps a message to EventMessage, or to nil when it has nothing to show.
func messageEvent(m *message) (*providers.Event, error) {
	if err := checkMessage(m, "message"); err != nil {
		return nil, err
	}
	ev := &providers.Event{
		Kind:      providers.EventMessage,
		MessageID: messageID(m.Chat.ID, m.MessageID),
		SenderID:  strconv.FormatInt(m.From.ID, 10),
		ChatID:    strconv.FormatInt(m.Chat.ID, 10),
		Timestamp: unix(m.Date),
		GroupID:   m.MediaGroupID,
	}
	setSender(ev, m.From)
	setContent(ev, m)
	if ev.Text == "" && len(ev.Attachments) == 0 && ev.Location == nil && ev.Contact == nil {
		return nil, nil
	}
	return ev, nil
}

// editedEvent maps an edited_message to EventEdited about the original message;
// the edit's own MessageID carries edit_date so that successive edits differ.
// Live locations arrive as a stream of such edits, each with the new position.
func editedEvent(m *message) (*providers.Event, error) {
	if err := checkMessage(m, "edited_message"); err != nil {
		return nil, err
	}
	when := m.EditDate
	if when == 0 {
		when = m.Date
	}
	orig := messageID(m.Chat.ID, m.MessageID)
	ev := &providers.Event{
		Kind:          providers.EventEdited,
		MessageID:     orig + ":edit:" + strconv.FormatInt(m.EditDate, 10),
		RefMessageIDs: []string{orig},
		SenderID:      strconv.FormatInt(m.From.ID, 10),
		ChatID:        strconv.FormatInt(m.Chat.ID, 10),
		Timestamp:     unix(when),
		GroupID:       m.MediaGroupID,
	}
	setSender(ev, m.From)
	setContent(ev, m)
	return ev, nil
}

// callbackEvent maps an inline-button press to EventPostback. A callback query
// carries no date, so the time of receipt stands in.
func callbackEvent(q *callbackQuery, received time.Time) (*providers.Event, error) {
	if q.ID == "" {
		return nil, providers.Parsef("callback_query without id")
	}
	if q.From == nil || q.From.ID == 0 {
		return nil, providers.Parsef("callback_query %s without from", q.ID)
	}
	ev := &providers.Event{
		Kind:      providers.EventPostback,
		MessageID: "cb:" + q.ID,
		SenderID:  strconv.FormatInt(q.From.ID, 10),
		Timestamp: received.UTC(),
		Payload:   q.Data,
		Text:      q.Data,
	}
	if q.Message != nil && q.Message.Chat != nil && q.Message.Chat.ID != 0 {
		ev.ChatID = strconv.FormatInt(q.Message.Chat.ID, 10)
		ev.RefMessageIDs = []string{messageID(q.Message.Chat.ID, q.Message.MessageID)}
	}
	setSender(ev, q.From)
	return ev, nil
}

// memberEvent maps a change of the bot's own membership: in a private chat
// "kicked" is the user blocking the bot and "member" unblocking or starting it.
// Only a change between in and out of the chat is an event; a promotion from
// member to administrator is not.
func memberEvent(c *chatMemberUpdated) (*providers.Event, error) {
	if c.Chat == nil || c.Chat.ID == 0 {
		return nil, providers.Parsef("my_chat_member without chat")
	}
	if c.From == nil || c.From.ID == 0 {
		return nil, providers.Parsef("my_chat_member in chat %d without from", c.Chat.ID)
	}
	was, is := inChat(c.OldChatMember), inChat(c.NewChatMember)
	if was == is {
		return nil, nil
	}
	kind := providers.EventSubscribed
	if !is {
		kind = providers.EventUnsubscribe
	}
	ev := &providers.Event{
		Kind:      kind,
		SenderID:  strconv.FormatInt(c.From.ID, 10),
		ChatID:    strconv.FormatInt(c.Chat.ID, 10),
		Timestamp: unix(c.Date),
	}
	setSender(ev, c.From)
	return ev, nil
}

// inChat reports whether a ChatMember status means the bot can receive and send
// messages in the chat.
func inChat(m chatMember) bool {
	switch m.Status {
	case "creator", "administrator", "member":
		return true
	case "restricted":
		return m.IsMember
	}
	return false // "left", "kicked", or missing
}

// checkMessage rejects a message we cannot attribute or identify.
func checkMessage(m *message, field string) error {
	if m.Chat == nil || m.Chat.ID == 0 {
		return providers.Parsef("%s without chat", field)
	}
	if m.From == nil || m.From.ID == 0 {
		return providers.Parsef("%s in chat %d without from", field, m.Chat.ID)
	}
	if m.MessageID == 0 {
		return providers.Parsef("%s in chat %d without message_id", field, m.Chat.ID)
	}
	return nil
}

// setSender fills the display name: first and last name, else the username.
func setSender(ev *providers.Event, u *user) {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" {
		name = u.Username
	}
	ev.SenderName = name
	ev.SenderLanguage = providers.LanguageTag(u.LanguageCode)
}

// setContent fills text, media, location and contact from a message.
func setContent(ev *providers.Event, m *message) {
	ev.Text = m.Text
	if ev.Text == "" {
		ev.Text = m.Caption
	}
	if att, ok := attachment(m); ok {
		ev.Attachments = []providers.Attachment{att}
	}
	switch {
	case m.Venue != nil:
		ev.Location = &providers.Location{Latitude: m.Venue.Location.Latitude, Longitude: m.Venue.Location.Longitude, Title: m.Venue.Title}
	case m.Location != nil:
		ev.Location = &providers.Location{Latitude: m.Location.Latitude, Longitude: m.Location.Longitude}
	}
	if c := m.Contact; c != nil {
		ev.Contact = &providers.ContactCard{Name: strings.TrimSpace(c.FirstName + " " + c.LastName), Phone: c.PhoneNumber}
	}
}

// attachment returns a message's media; a message carries at most one kind.
// Animation comes before document because Telegram also sets document on
// animations, for clients that predate them.
func attachment(m *message) (providers.Attachment, bool) {
	fromFile := func(t providers.AttachmentType, f *file, defaultMime string) (providers.Attachment, bool) {
		mt := f.MimeType
		if mt == "" {
			mt = defaultMime
		}
		return providers.Attachment{Type: t, FileID: f.FileID, MimeType: mt, FileName: f.FileName, Size: f.FileSize}, f.FileID != ""
	}
	switch {
	case len(m.Photo) > 0:
		best := m.Photo[0]
		for _, p := range m.Photo[1:] {
			if p.Width*p.Height > best.Width*best.Height ||
				(p.Width*p.Height == best.Width*best.Height && p.FileSize > best.FileSize) {
				best = p
			}
		}
		return providers.Attachment{Type: providers.AttachmentImage, FileID: best.FileID, MimeType: "image/jpeg", Size: best.FileSize}, best.FileID != ""
	case m.Animation != nil:
		return fromFile(providers.AttachmentVideo, m.Animation, "video/mp4")
	case m.Document != nil:
		return fromFile(providers.AttachmentFile, m.Document, "")
	case m.Video != nil:
		return fromFile(providers.AttachmentVideo, m.Video, "video/mp4")
	case m.VideoNote != nil:
		return fromFile(providers.AttachmentVideo, m.VideoNote, "video/mp4")
	case m.Audio != nil:
		return fromFile(providers.AttachmentAudio, m.Audio, "audio/mpeg")
	case m.Voice != nil:
		return fromFile(providers.AttachmentVoice, m.Voice, "audio/ogg")
	case m.Sticker != nil:
		mt := "image/webp"
		switch {
		case m.Sticker.IsAnimated:
			mt = "application/x-tgsticker"
		case m.Sticker.IsVideo:
			mt = "video/webm"
		}
		return providers.Attachment{Type: providers.AttachmentSticker, FileID: m.Sticker.FileID, MimeType: mt, Size: m.Sticker.FileSize}, m.Sticker.FileID != ""
	}
	return providers.Attachment{}, false
}

// messageID is the provider message ID: message_id is unique only within a chat.
func messageID(chatID, msgID int64) string {
	return strconv.FormatInt(chatID, 10) + ":" + strconv.FormatInt(msgID, 10)
}

// unix converts a Bot API date (Unix seconds) to UTC.
func unix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
