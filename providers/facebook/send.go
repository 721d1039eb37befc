package facebook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta"
)

// maxTextLen is the Send API's limit on message.text: 2000 characters
// (https://developers.facebook.com/docs/messenger-platform/reference/send-api),
// counted here in UTF-16 code units, the strictest reading.
const maxTextLen = 2000

// sendRequest is the body of POST /{page-id}/messages.
type sendRequest struct {
	Recipient     recipient  `json:"recipient"`
	MessagingType string     `json:"messaging_type"`
	Message       outMessage `json:"message"`
}

type recipient struct {
	ID string `json:"id"`
}

// outMessage is a text or one attachment: the Send API takes one of them per
// message.
type outMessage struct {
	Text       string         `json:"text,omitempty"`
	Attachment *outAttachment `json:"attachment,omitempty"`
}

// outAttachment is media sent by URL, which Meta downloads, or uploaded with
// the message as its filedata (the payload then has no URL).
type outAttachment struct {
	Type    string     `json:"type"`
	Payload outPayload `json:"payload"`
}

type outPayload struct {
	URL string `json:"url,omitempty"`
	// IsReusable false: the file is the agent's, for this message only.
	IsReusable bool `json:"is_reusable"`
}

// outPart is one Send API call of a reply: a message, and the file uploaded
// with it when its attachment has no URL.
type outPart struct {
	msg  outMessage
	file *providers.OutboundAttachment
}

// sendAnswer is the Send API's success.
type sendAnswer struct {
	RecipientID string `json:"recipient_id"`
	MessageID   string `json:"message_id"`
}

// Send delivers a reply to the person msg.To (their PSID) as a RESPONSE, from
// the account's Page: the text first, split in order into messages of at most
// 2000 characters (at a line break or space when there is one), then one
// message per attachment (images and stickers as image, video, audio and voice
// as audio, everything else as file): by URL, which Meta downloads, or, for a
// file we hold only as bytes (an agent's upload), uploaded with the message as
// the multipart form the Send API documents: recipient, messaging_type and
// message as JSON fields, the bytes as filedata, is_reusable false.
// Attachments are checked before anything is sent, so one Messenger cannot take
// fails the reply whole and permanently.
//
// MessageIDs are the Send API's message_id, the mids delivery receipts name, one
// per message in order; when a later part fails, the result still lists the
// parts already sent.
//
// Failures are *providers.SendError (see meta.SendError): Meta's outages and
// rate limits (codes 1, 2, 4, 17, 32, 613...), HTTP 429/5xx and transport
// errors are retryable; the rest is permanent with Meta's message as Reason,
// notably an invalid or expired token (190), a missing permission (10, 200-299),
// a bad parameter (100), a person who isn't available (551) and a reply after
// the 24-hour window (10/2018278); the token's and the permissions' refusals,
// and 100/33 for a Page the token may not see, are Credentials failures (see
// meta.AccountSendError), the person's and the window's are not. No error
// carries the token.
func (p Provider) Send(ctx context.Context, env providers.Env, acct providers.Account, msg providers.OutboundMessage) (providers.SendResult, error) {
	var res providers.SendResult
	token, page, to := pageToken(acct), pageID(acct), strings.TrimSpace(msg.To)
	switch {
	case token == "":
		return res, noToken("the account has no Page access token")
	case page == "":
		return res, permanent("the account has no Page ID")
	case to == "":
		return res, permanent("the reply has no recipient")
	}
	var out []outPart
	for _, part := range meta.SplitText(msg.Text, maxTextLen) {
		out = append(out, outPart{msg: outMessage{Text: part}})
	}
	for i, att := range msg.Attachments {
		a, err := outgoing(att)
		if err != nil {
			return res, inAttachment(i, err)
		}
		op := outPart{msg: outMessage{Attachment: a}}
		if a.Payload.URL == "" {
			op.file = &msg.Attachments[i]
		}
		out = append(out, op)
	}
	if len(out) == 0 {
		return res, permanent("nothing to send: Messenger refuses empty messages")
	}
	for _, m := range out {
		var ans sendAnswer
		call := meta.Call{
			Op: "facebook: send", Method: http.MethodPost, Path: []string{page, "messages"}, Token: token,
			JSON: sendRequest{Recipient: recipient{ID: to}, MessagingType: "RESPONSE", Message: m.msg},
		}
		if m.file != nil {
			body, ct, err := uploadForm(to, m.msg, *m.file)
			if err != nil {
				return res, err
			}
			call.JSON, call.Body, call.ContentType = nil, body, ct
		}
		err := p.graph.Do(ctx, env.HTTP, call, &ans)
		if err != nil {
			return res, meta.AccountSendError(err)
		}
		// A success without a message_id is a delivered message that
		// receipts cannot name.
		if ans.MessageID != "" {
			res.MessageIDs = append(res.MessageIDs, ans.MessageID)
		}
	}
	return res, nil
}

// outgoing turns an attachment into the Send API's attachment: by URL, or
// without one for bytes uploaded as filedata.
func outgoing(att providers.OutboundAttachment) (*outAttachment, error) {
	a := &outAttachment{}
	switch {
	case att.URL == "" && len(att.Data) > maxUpload:
		return nil, permanent(fmt.Sprintf("the file is larger than the %d MB Messenger takes", maxUpload>>20))
	case att.URL == "" && len(att.Data) == 0:
		return nil, permanent("the attachment has neither a URL nor data")
	case att.URL != "":
		if u, err := url.Parse(att.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, permanent("the attachment URL is not an absolute http(s) URL, which Messenger requires")
		}
		a.Payload.URL = att.URL
	}
	switch att.Type {
	case providers.AttachmentImage, providers.AttachmentSticker:
		// Messenger sends stickers only from its catalogue, by ID.
		a.Type = "image"
	case providers.AttachmentVideo:
		a.Type = "video"
	case providers.AttachmentAudio, providers.AttachmentVoice:
		a.Type = "audio"
	default:
		a.Type = "file"
	}
	return a, nil
}

// inAttachment names the attachment a failure is about, in the reason a person
// reads and in the error's chain.
func inAttachment(i int, err error) error {
	var se *providers.SendError
	if !errors.As(err, &se) {
		return fmt.Errorf("facebook: send: attachment %d: %w", i+1, err)
	}
	return &providers.SendError{
		Retryable: se.Retryable, RetryAfter: se.RetryAfter, Credentials: se.Credentials,
		Reason: fmt.Sprintf("attachment %d: %s", i+1, se.Reason),
		Err:    fmt.Errorf("attachment %d: %w", i+1, se.Err),
	}
}

// permanent is a failure no retry can fix.
func permanent(reason string) error {
	return &providers.SendError{Reason: reason, Err: errors.New("facebook: send: " + reason)}
}

// noToken is the failure of an account without an access token.
func noToken(reason string) error {
	return &providers.SendError{Credentials: true, Reason: reason, Err: errors.New("facebook: send: " + reason)}
}
