package telegramtest

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// user is the Bot API's User object.
type user struct {
	ID        int64  `json:"id"`
	IsBot     bool   `json:"is_bot"`
	FirstName string `json:"first_name"`
	Username  string `json:"username,omitempty"`
}

// chat is the Bot API's Chat object, as the fake knows it.
type chat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

// sentMessage is the Bot API's Message object of a message the bot sent.
type sentMessage struct {
	MessageID int64          `json:"message_id"`
	From      user           `json:"from"`
	Chat      chat           `json:"chat"`
	Date      int64          `json:"date"`
	Text      string         `json:"text,omitempty"`
	Caption   string         `json:"caption,omitempty"`
	Photo     []photoSize    `json:"photo,omitempty"`
	Video     map[string]any `json:"video,omitempty"`
	Audio     map[string]any `json:"audio,omitempty"`
	Voice     map[string]any `json:"voice,omitempty"`
	Document  map[string]any `json:"document,omitempty"`
	Animation map[string]any `json:"animation,omitempty"`
	Sticker   map[string]any `json:"sticker,omitempty"`
	VideoNote map[string]any `json:"video_note,omitempty"`
}

type photoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int    `json:"file_size,omitempty"`
}

// mediaField is the parameter, and the field of the sent Message, of each
// media method.
var mediaField = map[string]string{
	"sendPhoto": "photo", "sendVideo": "video", "sendAudio": "audio", "sendVoice": "voice",
	"sendDocument": "document", "sendAnimation": "animation", "sendSticker": "sticker", "sendVideoNote": "video_note",
}

func (a *API) getMe() user {
	a.mu.Lock()
	b := a.bot
	a.mu.Unlock()
	if b.ID == 0 {
		b.ID = a.botID
	}
	return user{ID: b.ID, IsBot: true, FirstName: b.FirstName, Username: b.Username}
}

// chatID resolves chat_id: a number, as a JSON number or a string. An
// @username names a channel, which the fake does not know.
func (a *API) chatID(params map[string]string) (int64, *apiError) {
	s := strings.TrimSpace(params["chat_id"])
	if s == "" {
		return 0, &apiError{400, "Bad Request: chat_id is empty"}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id == 0 {
		return 0, &apiError{400, "Bad Request: chat not found"}
	}
	a.mu.Lock()
	blocked := a.blocked[id]
	a.mu.Unlock()
	if blocked {
		return 0, &apiError{403, "Forbidden: bot was blocked by the user"}
	}
	return id, nil
}

// sendMessage is https://core.telegram.org/bots/api#sendmessage.
func (a *API) sendMessage(req *Request) (any, *apiError) {
	id, err := a.chatID(req.Params)
	if err != nil {
		return nil, err
	}
	text := req.Params["text"]
	switch {
	case strings.TrimSpace(text) == "":
		return nil, &apiError{400, "Bad Request: message text is empty"}
	case utf8.RuneCountInString(text) > MaxTextLen:
		return nil, &apiError{400, "Bad Request: message is too long"}
	}
	m := a.deliver(Message{ChatID: id, Method: req.Endpoint, Text: text})
	return a.sent(m, nil), nil
}

// sendMedia is sendPhoto, sendDocument and the other methods that send one
// file: by URL, by file_id, or uploaded in the multipart body.
func (a *API) sendMedia(req *Request) (any, *apiError) {
	field := mediaField[req.Endpoint]
	id, err := a.chatID(req.Params)
	if err != nil {
		return nil, err
	}
	caption := req.Params["caption"]
	if utf8.RuneCountInString(caption) > MaxCaptionLen {
		return nil, &apiError{400, "Bad Request: message caption is too long"}
	}
	m := Message{ChatID: id, Method: req.Endpoint, Caption: caption}
	var f File
	switch named := req.Params[field]; {
	case uploadOf(req.Files, field) != nil:
		up := *uploadOf(req.Files, field)
		m.File = &up
		f = a.store(File{Data: up.Data, MimeType: up.MimeType, FileName: up.FileName}, field)
	case strings.HasPrefix(named, "https://") || strings.HasPrefix(named, "http://"):
		// Telegram fetches the URL itself; the fake takes it on trust.
		m.Media = named
		f = a.store(File{MimeType: "application/octet-stream", FileName: named[strings.LastIndex(named, "/")+1:]}, field)
	case named != "":
		known, ok := a.file(named)
		if !ok {
			return nil, &apiError{400, "Bad Request: wrong file identifier/HTTP URL specified"}
		}
		m.Media, f = named, known
	default:
		return nil, &apiError{400, "Bad Request: there is no " + field + " in the request"}
	}
	m = a.deliver(m)
	return a.sent(m, &f), nil
}

// uploadOf is the file part named field, if any.
func uploadOf(files []Upload, field string) *Upload {
	for i := range files {
		if files[i].Field == field {
			return &files[i]
		}
	}
	return nil
}

// deliver numbers m in its chat and records it.
func (a *API) deliver(m Message) Message {
	a.mu.Lock()
	n, ok := a.nextID[m.ChatID]
	if !ok {
		n = FirstMessageID
	}
	a.nextID[m.ChatID] = n + 1
	m.ID, m.At = n, a.now()
	if a.logging {
		a.messages = append(a.messages, m)
	}
	on := a.onMessage
	a.mu.Unlock()
	if on != nil {
		on(m)
	}
	return m
}

// sent is the Message object answered for m, with f as its media.
func (a *API) sent(m Message, f *File) sentMessage {
	me := a.getMe()
	out := sentMessage{
		MessageID: m.ID, From: me, Chat: chat{ID: m.ChatID, Type: chatType(m.ChatID)},
		Date: m.At.Unix(), Text: m.Text, Caption: m.Caption,
	}
	if f == nil {
		return out
	}
	obj := map[string]any{"file_id": f.ID, "file_unique_id": f.UniqueID, "file_size": len(f.Data)}
	if f.MimeType != "" {
		obj["mime_type"] = f.MimeType
	}
	if f.FileName != "" {
		obj["file_name"] = f.FileName
	}
	switch m.Method {
	case "sendPhoto":
		out.Photo = []photoSize{{FileID: f.ID, FileUniqueID: f.UniqueID, Width: 800, Height: 600, FileSize: len(f.Data)}}
	case "sendVideo":
		out.Video = obj
	case "sendAudio":
		out.Audio = obj
	case "sendVoice":
		out.Voice = obj
	case "sendAnimation":
		out.Animation = obj
	case "sendSticker":
		out.Sticker = obj
	case "sendVideoNote":
		out.VideoNote = obj
	default:
		out.Document = obj
	}
	return out
}

// chatType is what a chat's ID says it is: users are positive, groups and
// channels negative.
func chatType(id int64) string {
	if id < 0 {
		return "group"
	}
	return "private"
}

// answerCallbackQuery is https://core.telegram.org/bots/api#answercallbackquery.
func (a *API) answerCallbackQuery(req *Request) (any, *apiError) {
	id := req.Params["callback_query_id"]
	if id == "" {
		return nil, &apiError{400, "Bad Request: query is too old and response timeout expired or query ID is invalid"}
	}
	a.mu.Lock()
	if a.logging {
		a.callbacks = append(a.callbacks, id)
	}
	a.mu.Unlock()
	return true, nil
}
