package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// SecretHeader carries setWebhook's secret_token on every update Telegram
// posts to the webhook.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Sender is a user writing to the bot in their private chat, whose ID is the
// user's ID.
type Sender struct {
	ID        int64
	FirstName string
	LastName  string
	Username  string
	// LanguageCode is the user's app language ("de"), sent when not empty.
	LanguageCode string
}

// updateUser is the User object of an update's sender.
type updateUser struct {
	ID        int64  `json:"id"`
	IsBot     bool   `json:"is_bot"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name,omitempty"`
	Username  string `json:"username,omitempty"`
	// LanguageCode is the IETF tag of the user's app language.
	LanguageCode string `json:"language_code,omitempty"`
}

// privateChat is the Chat object of a private chat, which names the user.
type privateChat struct {
	ID        int64  `json:"id"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Username  string `json:"username,omitempty"`
	Type      string `json:"type"`
}

type textMessage struct {
	MessageID int64       `json:"message_id"`
	From      updateUser  `json:"from"`
	Chat      privateChat `json:"chat"`
	Date      int64       `json:"date"`
	Text      string      `json:"text"`
}

type textUpdate struct {
	UpdateID int64       `json:"update_id"`
	Message  textMessage `json:"message"`
}

// TextUpdate is the update Telegram posts for a text message from one user in
// their private chat with the bot, sent at at.
func TextUpdate(updateID, messageID int64, from Sender, text string, at time.Time) []byte {
	b, err := json.Marshal(textUpdate{UpdateID: updateID, Message: textMessage{
		MessageID: messageID,
		From:      updateUser{ID: from.ID, FirstName: from.FirstName, LastName: from.LastName, Username: from.Username, LanguageCode: from.LanguageCode},
		Chat:      privateChat{ID: from.ID, FirstName: from.FirstName, LastName: from.LastName, Username: from.Username, Type: "private"},
		Date:      at.Unix(),
		Text:      text,
	}})
	if err != nil {
		// Only strings and numbers: encoding cannot fail.
		panic(fmt.Sprintf("telegramtest: encode update: %v", err))
	}
	return b
}

// NewWebhookRequest builds the POST Telegram makes to a webhook: update as
// JSON, with secret in SecretHeader (none when secret is empty).
func NewWebhookRequest(ctx context.Context, target, secret string, update []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(update))
	if err != nil {
		return nil, fmt.Errorf("telegramtest: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(SecretHeader, secret)
	}
	return req, nil
}
