package line

import (
	"encoding/json"
)

// The subset of LINE's webhook body (https://developers.line.biz/en/reference/messaging-api/#webhooks)
// that Switchboard maps to events. Fields the mapping does not read are left out.

type callback struct {
	Destination string `json:"destination"`
	// Events is decoded event by event, so that an event type LINE adds later
	// cannot make the known ones of the batch unreadable.
	Events *[]json.RawMessage `json:"events"`
}

type event struct {
	Type           string           `json:"type"`
	Mode           string           `json:"mode"`
	Timestamp      int64            `json:"timestamp"`
	Source         *source          `json:"source"`
	WebhookEventID string           `json:"webhookEventId"`
	ReplyToken     string           `json:"replyToken"`
	Message        *messageContent  `json:"message"`
	Postback       *postbackContent `json:"postback"`
	Follow         *followDetail    `json:"follow"`
}

type source struct {
	Type    string `json:"type"` // user, group or room
	UserID  string `json:"userId"`
	GroupID string `json:"groupId"`
	RoomID  string `json:"roomId"`
}

type messageContent struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	// Text is a text message's text, or the text a user typed on a message sticker.
	Text            string           `json:"text"`
	ContentProvider *contentProvider `json:"contentProvider"`
	ImageSet        *imageSet        `json:"imageSet"`
	FileName        string           `json:"fileName"`
	FileSize        flexString       `json:"fileSize"`
	Title           string           `json:"title"`
	Address         string           `json:"address"`
	Latitude        *float64         `json:"latitude"`
	Longitude       *float64         `json:"longitude"`
	PackageID       string           `json:"packageId"`
	StickerID       string           `json:"stickerId"`
}

type contentProvider struct {
	Type               string `json:"type"` // line or external
	OriginalContentURL string `json:"originalContentUrl"`
}

type imageSet struct {
	ID string `json:"id"`
}

type postbackContent struct {
	Data   string            `json:"data"`
	Params map[string]string `json:"params"`
}

type followDetail struct {
	IsUnblocked bool `json:"isUnblocked"`
}
