package whatsappcloud

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

// WhatsApp's limits on a message
// (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages),
// counted in UTF-16 code units, the strictest reading of "characters".
const (
	maxTextLen    = 4096
	maxCaptionLen = 1024
)

// sendRequest is the body of POST /{phone-number-id}/messages.
type sendRequest struct {
	MessagingProduct string `json:"messaging_product"`
	RecipientType    string `json:"recipient_type"`
	// To is a phone number (wa_id); Recipient a business-scoped user ID,
	// for users who hide their number behind a username.
	To        string       `json:"to,omitempty"`
	Recipient string       `json:"recipient,omitempty"`
	Type      string       `json:"type"`
	Text      *textBody    `json:"text,omitempty"`
	Image     *mediaObject `json:"image,omitempty"`
	Video     *mediaObject `json:"video,omitempty"`
	Audio     *mediaObject `json:"audio,omitempty"`
	Document  *mediaObject `json:"document,omitempty"`
	Sticker   *mediaObject `json:"sticker,omitempty"`
}

type textBody struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

// mediaObject names media by link (WhatsApp downloads it) or by the ID of an
// upload.
type mediaObject struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// sendAnswer is the messages endpoint's success.
type sendAnswer struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

// outMedia is an attachment ready to send: its WhatsApp type and object.
type outMedia struct {
	typ string
	obj mediaObject
	att providers.OutboundAttachment
}

// captionable types take a caption.
var captionable = map[string]bool{"image": true, "video": true, "document": true}

// Send delivers a reply to the customer msg.To (their wa_id, or a
// business-scoped user ID, which is sent as "recipient") from the account's
// number. Text goes out as text messages of at most 4096 characters, split in
// order (at a line break or space when there is one), with a link preview when
// it contains a link; media go out one message each: images, videos and
// documents (with their file name), audio and voice as audio, and stickers as
// stickers when they are WebP, else as images. Media are sent by link, or, for
// an attachment with bytes and no URL, uploaded first (POST
// /{phone-number-id}/media) and sent by ID. The text is the first medium's
// caption when that medium takes one and it fits in 1024 characters; otherwise
// it goes first.
//
// Attachments are checked and uploaded before any message is sent, so a reply
// WhatsApp cannot take fails whole. MessageIDs are the wamids statuses name, one
// per message in order; when a later part fails, the result still lists the
// parts already sent.
//
// Failures are *providers.SendError (see meta.SendError): rate limits (4,
// 80007, 130429, 131048, 131056), outages (1, 2, 131000, 131016, 133004), a
// media WhatsApp could not fetch (131053), HTTP 429/5xx and transport errors are
// retryable; the rest is permanent with Meta's message and details as Reason,
// notably 131047 (more than 24 hours since the customer last wrote: only
// templates may be sent), 131026 (undeliverable), 190 (token), 10 and 200-299
// (permission) and 100 (bad parameter); the token's and the permissions'
// refusals, and 100/33 for a number the token may not see, are Credentials
// failures (see meta.AccountSendError), the customer's are not. No error
// carries the token.
func (p Provider) Send(ctx context.Context, env providers.Env, acct providers.Account, msg providers.OutboundMessage) (providers.SendResult, error) {
	var res providers.SendResult
	token, number, to := accessToken(acct), phoneNumberID(acct), strings.TrimSpace(msg.To)
	switch {
	case token == "":
		return res, noToken("the account has no access token")
	case number == "":
		return res, permanent("the account has no phone number ID")
	case to == "":
		return res, permanent("the reply has no recipient")
	}
	var media []outMedia
	for i, att := range msg.Attachments {
		m, err := outgoing(att)
		if err != nil {
			return res, inAttachment(i, err)
		}
		media = append(media, m)
	}
	for i := range media {
		if media[i].obj.Link != "" {
			continue
		}
		id, err := p.upload(ctx, env.HTTP, token, number, media[i].att)
		if err != nil {
			return res, inAttachment(i, err)
		}
		media[i].obj.ID = id
	}

	text := strings.TrimSpace(msg.Text)
	var out []sendRequest
	if len(media) > 0 && captionable[media[0].typ] && text != "" && meta.TextLen(text) <= maxCaptionLen {
		media[0].obj.Caption, text = text, ""
	}
	for _, part := range meta.SplitText(text, maxTextLen) {
		out = append(out, sendRequest{Type: "text", Text: &textBody{Body: part, PreviewURL: hasLink(part)}})
	}
	for _, m := range media {
		r := sendRequest{Type: m.typ}
		obj := m.obj
		switch m.typ {
		case "image":
			r.Image = &obj
		case "video":
			r.Video = &obj
		case "audio":
			r.Audio = &obj
		case "sticker":
			r.Sticker = &obj
		default:
			r.Document = &obj
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return res, permanent("nothing to send: WhatsApp refuses empty messages")
	}
	for _, r := range out {
		r.MessagingProduct, r.RecipientType = "whatsapp", "individual"
		if isUserID(to) {
			r.Recipient = to
		} else {
			r.To = to
		}
		var ans sendAnswer
		err := p.graph.Do(ctx, env.HTTP, meta.Call{
			Op: "whatsappcloud: send", Method: http.MethodPost, Path: []string{number, "messages"}, Token: token, JSON: r,
		}, &ans)
		if err != nil {
			return res, meta.AccountSendError(err)
		}
		// An accepted message without an ID cannot be named by statuses.
		if len(ans.Messages) > 0 && ans.Messages[0].ID != "" {
			res.MessageIDs = append(res.MessageIDs, ans.Messages[0].ID)
		}
	}
	return res, nil
}

// outgoing turns an attachment into a WhatsApp media message, by link when it
// has a URL.
func outgoing(att providers.OutboundAttachment) (outMedia, error) {
	m := outMedia{att: att}
	switch {
	case att.URL != "":
		if u, err := url.Parse(att.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return m, permanent("the attachment URL is not an absolute http(s) URL, which WhatsApp requires")
		}
		m.obj.Link = att.URL
	case len(att.Data) == 0:
		return m, permanent("the attachment has neither a URL nor data")
	}
	switch att.Type {
	case providers.AttachmentImage:
		m.typ = "image"
	case providers.AttachmentVideo:
		m.typ = "video"
	case providers.AttachmentAudio, providers.AttachmentVoice:
		m.typ = "audio"
	case providers.AttachmentSticker:
		// WhatsApp stickers are WebP; another image goes as an image.
		m.typ = "image"
		if strings.EqualFold(mediaType(att), "image/webp") {
			m.typ = "sticker"
		}
	default:
		m.typ = "document"
		m.obj.Filename = fileName(att)
	}
	return m, nil
}

// isUserID reports whether to is a business-scoped user ID ("US.1349...")
// rather than a phone number: phone numbers never contain a dot.
func isUserID(to string) bool { return strings.Contains(to, ".") }

// hasLink reports whether text contains a link WhatsApp can preview.
func hasLink(text string) bool {
	return strings.Contains(text, "https://") || strings.Contains(text, "http://")
}

// inAttachment names the attachment a failure is about, in the reason a person
// reads and in the error's chain.
func inAttachment(i int, err error) error {
	var se *providers.SendError
	if !errors.As(err, &se) {
		return fmt.Errorf("whatsappcloud: send: attachment %d: %w", i+1, err)
	}
	return &providers.SendError{
		Retryable: se.Retryable, RetryAfter: se.RetryAfter, Credentials: se.Credentials,
		Reason: fmt.Sprintf("attachment %d: %s", i+1, se.Reason),
		Err:    fmt.Errorf("attachment %d: %w", i+1, se.Err),
	}
}

// permanent is a failure no retry can fix.
func permanent(reason string) error {
	return &providers.SendError{Reason: reason, Err: errors.New("whatsappcloud: send: " + reason)}
}

// noToken is the failure of an account without an access token.
func noToken(reason string) error {
	return &providers.SendError{Credentials: true, Reason: reason, Err: errors.New("whatsappcloud: send: " + reason)}
}
