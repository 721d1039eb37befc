package viber

import "encoding/json"

// The callbacks Viber POSTs to a webhook
// (https://developers.viber.com/docs/api/rest-bot-api/#callbacks), with the
// fields the mapping reads. Numbers are json.Number: message tokens exceed
// float64's exact range, and some senders quote numbers as strings.

type callback struct {
	Event        string      `json:"event"`
	Timestamp    json.Number `json:"timestamp"`
	MessageToken json.Number `json:"message_token"`
	// Sender is the author of a message callback.
	Sender *user `json:"sender"`
	// User is who subscribed or started a conversation.
	User *user `json:"user"`
	// UserID is the user of delivered, seen, failed and unsubscribed.
	UserID  string   `json:"user_id"`
	Message *message `json:"message"`
	// Subscribed tells, on conversation_started, whether the user already is.
	Subscribed bool `json:"subscribed"`
	// Desc is why a failed message failed.
	Desc string `json:"desc"`
}

type user struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Avatar   string `json:"avatar"`
	Language string `json:"language"`
}

type message struct {
	Type      string      `json:"type"`
	Text      string      `json:"text"`
	Media     string      `json:"media"`
	Location  *location   `json:"location"`
	Contact   *contact    `json:"contact"`
	FileName  string      `json:"file_name"`
	FileSize  json.Number `json:"file_size"`
	StickerID json.Number `json:"sticker_id"`
}

type location struct {
	Lat json.Number `json:"lat"`
	Lon json.Number `json:"lon"`
}

type contact struct {
	Name        string `json:"name"`
	PhoneNumber string `json:"phone_number"`
}
