package vibertest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// SignatureHeader carries the signature of every callback Viber sends.
const SignatureHeader = "X-Viber-Content-Signature"

// Sign is Viber's callback signature: the lowercase hex HMAC-SHA256 of the raw
// body, keyed with the bot's authentication token.
func Sign(token string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// NewCallbackRequest builds the POST Viber makes to a webhook: the JSON body
// signed with token.
func NewCallbackRequest(ctx context.Context, url, token string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("vibertest: callback request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(token, body))
	return req, nil
}

// User is a Viber user as callbacks describe one (sender, user).
type User struct {
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	Avatar     string `json:"avatar,omitempty"`
	Country    string `json:"country,omitempty"`
	Language   string `json:"language,omitempty"`
	APIVersion int    `json:"api_version,omitempty"`
}

// Location is a shared place in a message callback.
type Location struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Contact is a shared contact in a message callback.
type Contact struct {
	Name        string `json:"name"`
	PhoneNumber string `json:"phone_number,omitempty"`
	Avatar      string `json:"avatar,omitempty"`
}

// InMessage is the message object of a message callback
// (https://developers.viber.com/docs/api/rest-bot-api/#receive-message-from-user).
type InMessage struct {
	Type         string    `json:"type"`
	Text         string    `json:"text,omitempty"`
	Media        string    `json:"media,omitempty"`
	Thumbnail    string    `json:"thumbnail,omitempty"`
	Location     *Location `json:"location,omitempty"`
	Contact      *Contact  `json:"contact,omitempty"`
	TrackingData string    `json:"tracking_data,omitempty"`
	FileName     string    `json:"file_name,omitempty"`
	FileSize     int64     `json:"file_size,omitempty"`
	Duration     int64     `json:"duration,omitempty"`
	StickerID    int64     `json:"sticker_id,omitempty"`
}

// callback is every field a callback may carry, in Viber's order.
type callback struct {
	Event        string     `json:"event"`
	Timestamp    int64      `json:"timestamp"`
	ChatHostname string     `json:"chat_hostname,omitempty"`
	MessageToken int64      `json:"message_token"`
	Type         string     `json:"type,omitempty"`
	Context      string     `json:"context,omitempty"`
	User         *User      `json:"user,omitempty"`
	UserID       string     `json:"user_id,omitempty"`
	Desc         string     `json:"desc,omitempty"`
	Sender       *User      `json:"sender,omitempty"`
	Message      *InMessage `json:"message,omitempty"`
	Subscribed   *bool      `json:"subscribed,omitempty"`
	Silent       *bool      `json:"silent,omitempty"`
}

func (c callback) body() []byte {
	b, err := json.Marshal(c)
	if err != nil {
		panic("vibertest: encode callback: " + err.Error()) // only plain values: cannot happen
	}
	return b
}

// MessageCallback is the body of a message callback: from sent m at at.
func MessageCallback(messageToken int64, at time.Time, from User, m InMessage) []byte {
	silent := false
	return callback{Event: "message", Timestamp: at.UnixMilli(), ChatHostname: "SN-CHAT-04_",
		MessageToken: messageToken, Sender: &from, Message: &m, Silent: &silent}.body()
}

// TextMessage is the body of a message callback carrying text.
func TextMessage(messageToken int64, at time.Time, from User, text string) []byte {
	return MessageCallback(messageToken, at, from, InMessage{Type: "text", Text: text})
}

// Receipt is the body of a delivered or seen callback about the bot's message
// messageToken.
func Receipt(event string, messageToken int64, at time.Time, userID string) []byte {
	return callback{Event: event, Timestamp: at.UnixMilli(), ChatHostname: "SN-CHAT-04_",
		MessageToken: messageToken, UserID: userID}.body()
}

// Failed is the body of a failed callback: the bot's message messageToken could
// not be delivered, for the reason desc.
func Failed(messageToken int64, at time.Time, userID, desc string) []byte {
	return callback{Event: "failed", Timestamp: at.UnixMilli(), ChatHostname: "SN-CHAT-04_",
		MessageToken: messageToken, UserID: userID, Desc: desc}.body()
}

// Subscribed is the body of a subscribed callback.
func Subscribed(messageToken int64, at time.Time, user User) []byte {
	return callback{Event: "subscribed", Timestamp: at.UnixMilli(), ChatHostname: "SN-CHAT-04_",
		MessageToken: messageToken, User: &user}.body()
}

// Unsubscribed is the body of an unsubscribed callback.
func Unsubscribed(messageToken int64, at time.Time, userID string) []byte {
	return callback{Event: "unsubscribed", Timestamp: at.UnixMilli(), ChatHostname: "SN-CHAT-04_",
		MessageToken: messageToken, UserID: userID}.body()
}

// ConversationStarted is the body of a conversation_started callback: user opened
// the chat, with context from the deep link ("" without one).
func ConversationStarted(messageToken int64, at time.Time, user User, subscribed bool, context string) []byte {
	return callback{Event: "conversation_started", Timestamp: at.UnixMilli(), ChatHostname: "SN-CHAT-04_",
		MessageToken: messageToken, Type: "open", Context: context, User: &user, Subscribed: &subscribed}.body()
}

// WebhookCheck is the body Viber posts to a webhook while set_webhook runs.
func WebhookCheck(messageToken int64, at time.Time) []byte {
	return callback{Event: "webhook", Timestamp: at.UnixMilli(), ChatHostname: "SN-CHAT-04_",
		MessageToken: messageToken}.body()
}
