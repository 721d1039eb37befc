package infobip

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/switchboard/switchboard/providers"
)

// Infobip's limits for a WhatsApp message, in characters as its Java API
// counts them (UTF-16 code units: an emoji outside the BMP counts twice).
const (
	maxTextLen    = 4096 // content.text
	maxCaptionLen = 3000 // content.caption of an image, video or document
	maxURLLen     = 2048 // content.mediaUrl and notifyUrl
	maxIDLen      = 100  // messageId
	maxNumberLen  = 24   // from and to
)

// textLimit splits a reply into texts Infobip takes.
var textLimit = providers.TextLimit{Max: maxTextLen, Cost: providers.UTF16Cost}

// sendResponse is Infobip's answer to a message
// ({"to","messageCount","messageId","status":{...}}).
type sendResponse struct {
	MessageID string `json:"messageId"`
	Status    struct {
		GroupName   string `json:"groupName"`
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"status"`
}

// outMessage is the body of every /whatsapp/1/message/<kind> call.
type outMessage struct {
	From      string     `json:"from"`
	To        string     `json:"to"`
	MessageID string     `json:"messageId,omitempty"`
	Content   outContent `json:"content"`
	NotifyURL string     `json:"notifyUrl,omitempty"`
	// kind is the path's last element: text, image, document...
	kind string
}

// outContent is a message's content: text, or media by URL.
type outContent struct {
	Text     string `json:"text,omitempty"`
	MediaURL string `json:"mediaUrl,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// mediaKinds are the paths of the media messages by attachment type: audio
// and stickers take no caption.
var mediaKinds = map[providers.AttachmentType]string{
	providers.AttachmentImage:   "image",
	providers.AttachmentVideo:   "video",
	providers.AttachmentAudio:   "audio",
	providers.AttachmentVoice:   "audio",
	providers.AttachmentFile:    "document",
	providers.AttachmentSticker: "sticker",
}

// captioned are the kinds whose content takes a caption.
var captioned = map[string]bool{"image": true, "video": true, "document": true}

// Send delivers a reply to the WhatsApp user msg.To (the number ParseWebhook
// gives, in any spelling: only its digits count) from the account's
// whatsappNumber, one Infobip message per POST to /whatsapp/1/message/<kind>.
//
// Text goes to /text, split in order into parts of at most 4096 characters
// (at a line break or space when there is one). Each attachment is its own
// message by URL (/image, /video, /audio, /document with its file name,
// /sticker): Infobip fetches media from a public URL, so an attachment with
// only Data fails the whole message, permanently, before anything is sent.
// When the text fits a caption (3000 characters) and the first attachment
// takes one, the text is that caption instead of a message of its own.
//
// Every message carries notifyUrl, the account's webhook URL with its token
// (NotifyURL, since Infobip sends these reports without credentials), so its delivery
// and seen reports come back as DELIVERED and READ; and messageId, derived
// from msg.ID ("<ID>", or "<ID>-<n>" for the n-th of several), so a report
// names the message in Switchboard's words. Infobip does not document that it
// deduplicates by messageId, so a retried Send may deliver a part twice.
//
// MessageIDs are Infobip's messageId of each message, in order; when a later
// message fails, the result still lists those already accepted.
//
// Failures are *providers.SendError: HTTP 429, 5xx and transport errors are
// retryable; 401 is permanent ("Infobip does not accept the API key"); other
// refusals, and a message Infobip answers as REJECTED, are permanent with
// Infobip's text, code and refused fields as Reason. Refusals of the API key
// (401, and 403 for a key without the permission) are Credentials failures. No
// error carries the API key.
func (Provider) Send(ctx context.Context, env providers.Env, acct providers.Account, msg providers.OutboundMessage) (providers.SendResult, error) {
	var res providers.SendResult
	a, err := settings(acct)
	to := digits(msg.To)
	switch {
	case err != nil:
		return res, settingsError("send", err)
	case a.number == "":
		return res, permanent("infobip: send: " + errNoNumber.Error())
	case len(a.number) > maxNumberLen:
		return res, permanent("infobip: send: the whatsappNumber is longer than the 24 digits Infobip takes")
	case to == "" || len(to) > maxNumberLen:
		return res, permanent("infobip: send: the message has no valid recipient number")
	case len(msg.Attachments) == 0 && strings.TrimSpace(msg.Text) == "":
		return res, permanent("infobip: send: nothing to send: Infobip refuses empty messages")
	}
	media := make([]outMessage, 0, len(msg.Attachments))
	for i, att := range msg.Attachments {
		m, err := mediaMessage(att)
		if err != nil {
			return res, inAttachment(i, err)
		}
		media = append(media, m)
	}

	var parts []outMessage
	if len(media) > 0 && captioned[media[0].kind] && utf16Len(strings.TrimSpace(msg.Text)) <= maxCaptionLen {
		media[0].Content.Caption = strings.TrimSpace(msg.Text)
	} else {
		for _, p := range providers.SplitText(msg.Text, textLimit) {
			parts = append(parts, outMessage{kind: "text", Content: outContent{Text: p}})
		}
	}
	parts = append(parts, media...)
	notify := NotifyURL(acct)
	if len(notify) > maxURLLen {
		notify = ""
	}
	for i := range parts {
		p := &parts[i]
		p.From, p.To, p.NotifyURL = a.number, to, notify
		p.MessageID = messageID(msg.ID, i, len(parts))
		var out sendResponse
		if err := a.call(ctx, env.HTTP, "send", http.MethodPost, "/whatsapp/1/message/"+p.kind, p, &out); err != nil {
			return res, sendError(err)
		}
		if strings.EqualFold(out.Status.GroupName, "REJECTED") {
			return res, permanent(rejected(out))
		}
		// A 2xx answer is an accepted message even without a messageId;
		// it then has no ID reports could name.
		if out.MessageID != "" {
			res.MessageIDs = append(res.MessageIDs, out.MessageID)
		}
	}
	return res, nil
}

// mediaMessage is the message of an attachment, without sender and recipient.
func mediaMessage(att providers.OutboundAttachment) (outMessage, error) {
	if att.URL == "" {
		if len(att.Data) > 0 {
			return outMessage{}, permanent("Infobip takes WhatsApp media only from a public URL: the file must be published at a URL to be sent")
		}
		return outMessage{}, permanent("the attachment has neither a URL nor data")
	}
	if !absoluteURL(att.URL) {
		return outMessage{}, permanent("the attachment URL is not an absolute http(s) URL, which Infobip requires")
	}
	if len(att.URL) > maxURLLen {
		return outMessage{}, permanent("the attachment URL is longer than the 2048 characters Infobip takes")
	}
	kind, ok := mediaKinds[att.Type]
	if !ok {
		kind = kindByMIME(att.MimeType)
	}
	m := outMessage{kind: kind, Content: outContent{MediaURL: att.URL}}
	if kind == "document" {
		m.Content.Filename = strings.TrimSpace(att.FileName)
	}
	return m, nil
}

// kindByMIME names the message kind of an attachment without a known type.
func kindByMIME(mt string) string {
	switch t, _, _ := strings.Cut(mt, "/"); t {
	case "image":
		return "image"
	case "video":
		return "video"
	case "audio":
		return "audio"
	}
	return "document"
}

// messageID is the messageId of part i of n of Switchboard's message id: id
// itself for one part, "<id>-<i+1>" for several; "" (Infobip picks one) when
// there is no id or it would exceed Infobip's 100 characters.
func messageID(id string, i, n int) string {
	id = strings.TrimSpace(id)
	if id == "" {
		return ""
	}
	if n > 1 {
		id += "-" + strconv.Itoa(i+1)
	}
	if len(id) > maxIDLen {
		return ""
	}
	return id
}

// rejected is the reason of a message Infobip accepted the request for but
// rejected at once (its status group REJECTED).
func rejected(out sendResponse) string {
	s := "Infobip rejected the message"
	if d := joinNonBlank(": ", out.Status.Name, out.Status.Description); d != "" {
		s += " (" + d + ")"
	}
	return s
}

// utf16Len counts s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if l := utf16.RuneLen(r); l > 0 {
			n += l
		} else {
			n++
		}
	}
	return n
}

// sendError classifies a failed call for the delivery queue.
func sendError(err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		e := &providers.SendError{Reason: apiErr.Reason(), Err: err, Credentials: refusedKey(apiErr.HTTPStatus)}
		switch {
		case apiErr.HTTPStatus == http.StatusUnauthorized:
			e.Reason = "Infobip does not accept the API key: " + e.Reason + "; check the account's apiKey and apiUrl"
		case retryable(apiErr.HTTPStatus):
			e.Retryable, e.RetryAfter = true, apiErr.RetryAfter
		}
		return e
	}
	var stErr *statusError
	if errors.As(err, &stErr) {
		e := &providers.SendError{Reason: "Infobip answered HTTP " + strconv.Itoa(stErr.code), Err: err, Credentials: refusedKey(stErr.code)}
		switch {
		case stErr.code == http.StatusUnauthorized:
			e.Reason = "Infobip does not accept the API key (HTTP 401): check the account's apiKey and apiUrl"
		case stErr.code == http.StatusNotFound:
			e.Reason += ": the apiUrl may not be the account's Infobip API base URL"
		case retryable(stErr.code):
			e.Retryable, e.RetryAfter = true, stErr.retryAfter
		}
		return e
	}
	var decErr *decodeError
	if errors.As(err, &decErr) {
		// Infobip accepted the message but its answer is not what it
		// documents: retrying could deliver the message twice.
		return &providers.SendError{Reason: err.Error(), Err: err}
	}
	// Transport errors and timeouts: the request may not have reached Infobip.
	return &providers.SendError{Retryable: true, Reason: err.Error(), Err: err}
}

// inAttachment names the attachment a failure is about, in the reason a person
// reads and in the error's chain.
func inAttachment(i int, err error) error {
	var se *providers.SendError
	if !errors.As(err, &se) {
		return fmt.Errorf("infobip: send: attachment %d: %w", i+1, err)
	}
	return &providers.SendError{
		Retryable: se.Retryable, RetryAfter: se.RetryAfter, Credentials: se.Credentials,
		Reason: fmt.Sprintf("attachment %d: %s", i+1, se.Reason),
		Err:    fmt.Errorf("infobip: send: attachment %d: %w", i+1, se.Err),
	}
}

// permanent is a failure no retry can fix.
func permanent(reason string) error {
	return &providers.SendError{Reason: reason, Err: errors.New(reason)}
}

// refusedKey reports whether an HTTP status is Infobip's refusal of the API
// key rather than of the message: 401 for a key it does not accept, 403 for
// one without the permission (scope) the call needs. Every reply fails alike
// until an admin changes the key.
func refusedKey(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden
}

// settingsError is the permanent failure of an account whose settings cannot
// be used; a missing API key is a Credentials failure.
func settingsError(op string, err error) error {
	reason := "infobip: " + op + ": " + err.Error()
	return &providers.SendError{Credentials: errors.Is(err, errNoKey), Reason: reason, Err: errors.New(reason)}
}
