package nexmo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/switchboard/switchboard/providers"
)

// WhatsApp's limits on a message as the Messages API documents them (text:
// 4096 characters) and as WhatsApp sets them for a caption (1024), counted in
// UTF-16 code units, the strictest reading of "characters".
const (
	maxTextLen    = 4096
	maxCaptionLen = 1024
	// maxClientRef is the longest client_ref the Messages API documented
	// (40 characters; later documentation allows more); a longer ID is not
	// sent rather than cut.
	maxClientRef = 40
)

// textLimit measures a text part as WhatsApp does.
var textLimit = providers.TextLimit{Max: maxTextLen, Cost: providers.UTF16Cost}

// messageRequest is the body of POST /v1/messages for the whatsapp channel
// (https://developer.vonage.com/en/api/messages#SendMessage).
type messageRequest struct {
	MessageType string    `json:"message_type"`
	Channel     string    `json:"channel"`
	To          string    `json:"to"`
	From        string    `json:"from"`
	Text        string    `json:"text,omitempty"`
	Image       *outMedia `json:"image,omitempty"`
	Audio       *outMedia `json:"audio,omitempty"`
	Video       *outMedia `json:"video,omitempty"`
	File        *outMedia `json:"file,omitempty"`
	Sticker     *outMedia `json:"sticker,omitempty"`
	ClientRef   string    `json:"client_ref,omitempty"`
	// WebhookURL and WebhookVersion send this message's statuses to the
	// account's webhook URL in the v1 format, whatever the application (or,
	// for Basic authentication, the account) has set.
	WebhookURL     string `json:"webhook_url,omitempty"`
	WebhookVersion string `json:"webhook_version,omitempty"`
}

// outMedia is a medium by URL, which Vonage fetches.
type outMedia struct {
	URL     string `json:"url"`
	Caption string `json:"caption,omitempty"`
	Name    string `json:"name,omitempty"`
}

// messageAnswer is the 202 of POST /v1/messages.
type messageAnswer struct {
	MessageUUID string `json:"message_uuid"`
}

// captionable message types take a caption.
var captionable = map[string]bool{"image": true, "video": true, "file": true}

// Send delivers a reply to the WhatsApp user msg.To (their number, as
// ParseWebhook gives it; "+", "00" and blanks are dropped) from the account's
// whatsappNumber, one POST to /v1/messages per message with Basic
// authentication. Text goes out as text messages of at most 4096 characters,
// split in order (at a line break or space when there is one); media go out
// one message each, by URL (Vonage fetches them and has no upload, so an
// attachment with only bytes fails the whole reply before anything is sent):
// images, videos and files (with their name), audio and voice as audio, and
// stickers as stickers when they are WebP, else as images. The text is the
// first medium's caption when that medium takes one and the text fits in 1024
// characters; otherwise it goes first. Every message carries msg.ID as
// client_ref (when it fits) and the account's webhook URL as webhook_url, so
// its statuses come back as DELIVERED and READ.
//
// MessageIDs are Vonage's message_uuids, which statuses name, one per message
// in order; when a later part fails, the result still lists the parts already
// accepted.
//
// Authentication BASIC sends every message with the API key and secret.
// Authentication JWT sends it with the account's JWT instead: signed RS256 with
// the privateKey setting for the applicationId, reused until most of its
// 15-minute life has passed and shared by concurrent sends (see tokens.go);
// the clock is env.Now.
//
// Failures are *providers.SendError: HTTP 429, 5xx and transport errors are
// retryable; other refusals are permanent with Vonage's title and detail as
// Reason: 401 (the API key and secret, or under JWT the private key), 422 (a
// field Vonage refuses, a whatsappNumber that is not the account's WhatsApp
// sender, or a free-form message WhatsApp does not allow now). WhatsApp mostly
// refuses a message outside its 24-hour window after Vonage accepted it, in a
// rejected status, which ParseWebhook turns into FAILED. A 401, a missing API
// key or secret (BASIC), a missing or unusable private key or application ID
// (JWT; ErrNoPrivateKey when the key is not set) and an authentication
// Switchboard does not know are Credentials failures, found before anything
// is sent. Under JWT a 401 also drops the cached token, so the next send signs
// a new one. No error carries the API secret, the private key or the JWT.
func (p Provider) Send(ctx context.Context, env providers.Env, acct providers.Account, msg providers.OutboundMessage) (providers.SendResult, error) {
	var res providers.SendResult
	a, err := settings(acct)
	if err != nil {
		return res, permanent("nexmo: send: " + err.Error())
	}
	if err := p.authorize(&a, acct.ID, now(env)); err != nil {
		return res, credentialsError("nexmo: send", err)
	}
	to := msisdn(msg.To)
	switch {
	case a.number == "":
		return res, permanent("nexmo: send: " + errNoNumber.Error())
	case to == "":
		return res, permanent("nexmo: send: the reply has no recipient WhatsApp number")
	case len(msg.Attachments) == 0 && strings.TrimSpace(msg.Text) == "":
		return res, permanent("nexmo: send: nothing to send: WhatsApp refuses empty messages")
	}
	var media []messageRequest
	for i, att := range msg.Attachments {
		m, err := outgoing(att)
		if err != nil {
			return res, inAttachment(i, err)
		}
		media = append(media, m)
	}
	text := msg.Text
	if len(media) > 0 && captionable[media[0].MessageType] && strings.TrimSpace(text) != "" && utf16Len(text) <= maxCaptionLen {
		media[0].medium().Caption = text
		text = ""
	}
	var reqs []messageRequest
	for _, part := range providers.SplitText(text, textLimit) {
		reqs = append(reqs, messageRequest{MessageType: "text", Text: part})
	}
	reqs = append(reqs, media...)
	ref := ""
	if n := len(msg.ID); n > 0 && n <= maxClientRef {
		ref = msg.ID
	}
	for _, r := range reqs {
		r.Channel, r.To, r.From, r.ClientRef = "whatsapp", to, a.number, ref
		if acct.WebhookURL != "" {
			r.WebhookURL, r.WebhookVersion = acct.WebhookURL, "v1"
		}
		var ans messageAnswer
		if err := a.call(ctx, env.HTTP, "send", http.MethodPost, "/v1/messages", r, &ans); err != nil {
			if unauthorized(err) {
				p.cache().drop(acct.ID, a, a.bearer)
			}
			return res, sendError(err, a)
		}
		// A 2xx answer is an accepted message even without a readable
		// UUID; it then has no ID receipts could name.
		if id := strings.TrimSpace(ans.MessageUUID); id != "" {
			res.MessageIDs = append(res.MessageIDs, id)
		}
	}
	return res, nil
}

// medium is the request's medium, whichever its type.
func (r *messageRequest) medium() *outMedia {
	for _, m := range []*outMedia{r.Image, r.Audio, r.Video, r.File, r.Sticker} {
		if m != nil {
			return m
		}
	}
	return nil
}

// outgoing is an attachment as a message of its WhatsApp type.
func outgoing(att providers.OutboundAttachment) (messageRequest, error) {
	if att.URL == "" {
		if len(att.Data) > 0 {
			return messageRequest{}, permanent("Vonage takes media only from a public URL and has no upload: the file must be published at a URL to be sent")
		}
		return messageRequest{}, permanent("the attachment has neither a URL nor data")
	}
	if !absoluteURL(att.URL) {
		return messageRequest{}, permanent("the attachment URL is not an absolute http(s) URL, which Vonage requires")
	}
	m := &outMedia{URL: att.URL}
	switch att.Type {
	case providers.AttachmentImage:
		return messageRequest{MessageType: "image", Image: m}, nil
	case providers.AttachmentVideo:
		return messageRequest{MessageType: "video", Video: m}, nil
	case providers.AttachmentAudio, providers.AttachmentVoice:
		return messageRequest{MessageType: "audio", Audio: m}, nil
	case providers.AttachmentSticker:
		if isWebP(att) {
			return messageRequest{MessageType: "sticker", Sticker: m}, nil
		}
		return messageRequest{MessageType: "image", Image: m}, nil
	}
	m.Name = strings.TrimSpace(att.FileName)
	return messageRequest{MessageType: "file", File: m}, nil
}

// isWebP reports whether a sticker is WebP, the only format WhatsApp takes
// for stickers.
func isWebP(att providers.OutboundAttachment) bool {
	if strings.EqualFold(att.MimeType, "image/webp") {
		return true
	}
	for _, name := range []string{att.FileName, urlPath(att.URL)} {
		if strings.EqualFold(path.Ext(name), ".webp") {
			return true
		}
	}
	return false
}

// urlPath is the path of a URL, "" when it is not one.
func urlPath(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Path
}

// absoluteURL reports whether s is an absolute http(s) URL.
func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// utf16Len is s's length in UTF-16 code units.
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

// sendError classifies a failed call of account a for the delivery queue.
func sendError(err error, a account) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		e := &providers.SendError{Reason: apiErr.Reason(), Err: err}
		if apiErr.HTTPStatus == http.StatusUnauthorized {
			e.Credentials = true
			e.Reason += " (" + a.unauthorizedHint() + ")"
		}
		if retryable(apiErr.HTTPStatus) {
			e.Retryable, e.RetryAfter = true, apiErr.RetryAfter
		}
		return e
	}
	var stErr *statusError
	if errors.As(err, &stErr) {
		e := &providers.SendError{Reason: "Vonage answered HTTP " + strconv.Itoa(stErr.code), Err: err, Credentials: stErr.code == http.StatusUnauthorized}
		if retryable(stErr.code) {
			e.Retryable, e.RetryAfter = true, stErr.retryAfter
		}
		return e
	}
	var decErr *decodeError
	if errors.As(err, &decErr) {
		// Vonage accepted the message but its answer is not what it
		// documents: retrying could deliver the message twice.
		return &providers.SendError{Reason: err.Error(), Err: err}
	}
	// Transport errors and timeouts: the request may not have reached Vonage.
	return &providers.SendError{Retryable: true, Reason: err.Error(), Err: err}
}

// inAttachment names the attachment a failure is about, in the reason a person
// reads and in the error's chain.
func inAttachment(i int, err error) error {
	var se *providers.SendError
	if !errors.As(err, &se) {
		return fmt.Errorf("nexmo: send: attachment %d: %w", i+1, err)
	}
	return &providers.SendError{
		Retryable: se.Retryable, RetryAfter: se.RetryAfter, Credentials: se.Credentials,
		Reason: fmt.Sprintf("nexmo: send: attachment %d: %s", i+1, se.Reason),
		Err:    fmt.Errorf("nexmo: send: attachment %d: %w", i+1, se.Err),
	}
}

// authorize readies account a for calls to the Messages API: with
// authentication BASIC it checks the API key and secret are set; with JWT it
// checks the application ID and sets a.bearer to the account's JWT, from the
// provider's cache or signed at now. accountID keys the cache. The errors say
// what an admin must set, and none carries a credential.
func (p Provider) authorize(a *account, accountID string, now time.Time) error {
	switch a.auth {
	case AuthBasic:
		return a.credentials()
	case AuthJWT:
		if err := a.application(); err != nil {
			return err
		}
		tok, err := p.cache().token(accountID, *a, now)
		if err != nil {
			return err
		}
		a.bearer = tok
		return nil
	}
	return fmt.Errorf("authentication must be BASIC or JWT, not %s", strconv.Quote(providers.Truncate(a.auth, 20)))
}

// unauthorized reports whether Vonage answered a call with HTTP 401.
func unauthorized(err error) bool {
	var apiErr *APIError
	var stErr *statusError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.HTTPStatus == http.StatusUnauthorized
	case errors.As(err, &stErr):
		return stErr.code == http.StatusUnauthorized
	}
	return false
}

// unauthorizedHint says what to check when Vonage answers 401.
func (a account) unauthorizedHint() string {
	if a.bearer != "" {
		return "Vonage refused the JWT: check that privateKey is the private key of the Vonage application " + a.appID +
			", whose public key Vonage checks it with, and that this server's clock is right"
	}
	return "check the API key and secret in the Vonage Dashboard, API Settings"
}

// credentialsError is the permanent Credentials failure of an account that
// cannot authenticate: settings an admin must fix before anything is sent.
func credentialsError(op string, err error) error {
	reason := op + ": " + err.Error()
	return &providers.SendError{Credentials: true, Reason: reason, Err: fmt.Errorf("%s: %w", op, err)}
}

// now is env's clock, or the system's.
func now(env providers.Env) time.Time {
	if env.Now != nil {
		return env.Now()
	}
	return time.Now()
}

// permanent is a failure no retry can fix.
func permanent(reason string) error {
	return &providers.SendError{Reason: reason, Err: errors.New(reason)}
}

// unusableCredentials is the permanent failure of an account whose
// credentials cannot be used: a Credentials failure.
func unusableCredentials(reason string) error {
	return &providers.SendError{Credentials: true, Reason: reason, Err: errors.New(reason)}
}
