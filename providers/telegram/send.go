package telegram

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/switchboard/switchboard/providers"
)

// Bot API limits on plain text (no parse_mode), in characters. Telegram counts
// Unicode scalars here (an emoji is one); only entity offsets use UTF-16.
const (
	maxTextLen    = 4096
	maxCaptionLen = 1024
)

// sentMessage is the part of a sent Message that names it.
type sentMessage struct {
	MessageID int64 `json:"message_id"`
	Chat      struct {
		ID int64 `json:"id"`
	} `json:"chat"`
}

// Send delivers a reply to the chat msg.To. Text goes out with sendMessage, split
// into parts of at most 4096 characters (at a line break or space when there is
// one); media go out one message each (sendPhoto, sendVideo, sendAudio,
// sendVoice, else sendDocument), by URL or uploaded from Data, with the text as
// the first one's caption when it fits in 1024 characters and as separate
// messages before them otherwise. MessageIDs are "<chat id>:<message_id>", the
// format of inbound IDs, one per Telegram message in order.
//
// Failures are *providers.SendError: 429 (with retry_after), 5xx and transport
// errors are retryable; other refusals (bad token, chat not found, bot blocked)
// are permanent with Telegram's description as Reason, and a refused token (401,
// or 404 for a malformed one) is a Credentials failure. When a later part fails,
// the result still lists the parts already delivered, so a caller that retries
// can tell the customer already has them. No error carries the bot token.
func (p Provider) Send(ctx context.Context, env providers.Env, acct providers.Account, msg providers.OutboundMessage) (providers.SendResult, error) {
	var res providers.SendResult
	token := acct.Secrets["botToken"]
	switch {
	case token == "":
		return res, noToken("telegram: the account has no bot token")
	case msg.To == "":
		return res, permanent("telegram: the message has no recipient chat")
	case len(msg.Attachments) == 0 && strings.TrimSpace(msg.Text) == "":
		return res, permanent("telegram: nothing to send: Telegram refuses empty messages")
	}

	text, caption := msg.Text, ""
	if len(msg.Attachments) > 0 && utf8.RuneCountInString(text) <= maxCaptionLen {
		text, caption = "", strings.TrimSpace(text)
	}
	for _, part := range splitText(text, maxTextLen) {
		var out sentMessage
		params := map[string]string{"chat_id": msg.To, "text": part}
		if err := p.call(ctx, env.HTTP, token, "sendMessage", params, &out); err != nil {
			return res, sendError(err)
		}
		res.MessageIDs = append(res.MessageIDs, sentID(out, msg.To))
	}
	for i, att := range msg.Attachments {
		c := ""
		if i == 0 {
			c = caption
		}
		out, err := p.sendMedia(ctx, env.HTTP, token, msg.To, att, c)
		if err != nil {
			return res, err
		}
		res.MessageIDs = append(res.MessageIDs, sentID(out, msg.To))
	}
	return res, nil
}

// sendMedia sends one attachment, uploading Data when we have the bytes and
// letting Telegram fetch URL otherwise.
func (p Provider) sendMedia(ctx context.Context, hc *http.Client, token, to string, att providers.OutboundAttachment, caption string) (sentMessage, error) {
	method, field := mediaMethod(att.Type)
	var out sentMessage
	switch {
	case len(att.Data) > 0:
		fields := []formField{{"chat_id", to}}
		if caption != "" {
			fields = append(fields, formField{"caption", caption})
		}
		name := att.FileName
		if name == "" {
			name = field + extensionFor(att.MimeType)
		}
		file := filePart{field: field, fileName: name, mimeType: att.MimeType, data: att.Data}
		if err := p.callMultipart(ctx, hc, token, method, fields, file, &out); err != nil {
			return out, sendError(err)
		}
	case att.URL != "":
		params := map[string]string{"chat_id": to, field: att.URL}
		if caption != "" {
			params["caption"] = caption
		}
		if err := p.call(ctx, hc, token, method, params, &out); err != nil {
			return out, sendError(err)
		}
	default:
		return out, permanent(fmt.Sprintf("telegram: %s: attachment has neither data nor URL", method))
	}
	return out, nil
}

// mediaMethod is the Bot API method and file parameter for a kind of media.
// Stickers and files go as documents: sendSticker accepts only WEBP/TGS/WEBM.
func mediaMethod(t providers.AttachmentType) (method, field string) {
	switch t {
	case providers.AttachmentImage:
		return "sendPhoto", "photo"
	case providers.AttachmentVideo:
		return "sendVideo", "video"
	case providers.AttachmentAudio:
		return "sendAudio", "audio"
	case providers.AttachmentVoice:
		return "sendVoice", "voice"
	}
	return "sendDocument", "document"
}

// sentID formats a sent message's ID like inbound ones; to stands in for a
// chat Telegram did not echo.
func sentID(m sentMessage, to string) string {
	if m.Chat.ID == 0 {
		return to + ":" + strconv.FormatInt(m.MessageID, 10)
	}
	return messageID(m.Chat.ID, m.MessageID)
}

// splitText cuts s into parts of at most limit characters, in order (see
// providers.SplitText).
func splitText(s string, limit int) []string {
	return providers.SplitText(s, providers.TextLimit{Max: limit})
}

// extensionFor gives an upload without a file name one that matches its type,
// so Telegram shows it sensibly.
func extensionFor(mimeType string) string {
	mt, _, err := mime.ParseMediaType(mimeType)
	if err != nil {
		return ""
	}
	return mimeExtensions[mt]
}

// sendError classifies a Bot API failure for the delivery queue.
func sendError(err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		e := &providers.SendError{Reason: apiErr.Description, Err: err}
		if e.Reason == "" {
			e.Reason = "Telegram answered " + strconv.Itoa(apiErr.Code)
		}
		switch {
		case apiErr.Code == http.StatusTooManyRequests:
			e.Retryable, e.RetryAfter = true, apiErr.RetryAfter
		case apiErr.Code >= 500:
			e.Retryable = true
		case refusedToken(apiErr):
			e.Credentials = true
		}
		return e
	}
	var stErr *statusError
	if errors.As(err, &stErr) {
		e := &providers.SendError{Reason: err.Error(), Err: err, Credentials: stErr.code == http.StatusUnauthorized}
		if stErr.code == http.StatusTooManyRequests || stErr.code >= 500 {
			e.Retryable, e.RetryAfter = true, stErr.retryAfter
		}
		return e
	}
	if errors.Is(err, errFileTooBig) || errors.Is(err, errBadFilePath) {
		return &providers.SendError{Reason: err.Error(), Err: err}
	}
	var decodeErr *decodeError
	if errors.As(err, &decodeErr) {
		// Telegram said ok: retrying could deliver the message twice.
		return &providers.SendError{Reason: err.Error(), Err: err}
	}
	// Transport errors and timeouts: the request may not have reached Telegram.
	return &providers.SendError{Retryable: true, Reason: err.Error(), Err: err}
}

// refusedToken reports whether the Bot API refused the bot token rather than
// the call: 401 for a token it does not know (revoked, or another bot's), and
// its bare 404 "Not Found" for a path whose token has the wrong shape (a
// method Switchboard calls always exists).
func refusedToken(e *APIError) bool {
	return e.Code == http.StatusUnauthorized || e.Code == http.StatusNotFound && e.Description == "Not Found"
}

// permanent is a failure no retry can fix.
func permanent(reason string) error {
	return &providers.SendError{Reason: reason, Err: errors.New(reason)}
}

// noToken is the permanent failure of an account without a bot token.
func noToken(reason string) error {
	return &providers.SendError{Credentials: true, Reason: reason, Err: errors.New(reason)}
}
