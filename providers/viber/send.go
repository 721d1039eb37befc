package viber

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/switchboard/switchboard/providers"
)

// Viber's limits on what a message carries
// (https://developers.viber.com/docs/api/rest-bot-api/#send-message). Lengths are
// counted in UTF-16 code units, the strictest reading of "characters": an emoji
// counts twice, so a part never exceeds the limit however Viber counts.
const (
	maxTextLen     = 7000
	maxCaptionLen  = 512
	maxSenderName  = 28
	maxFileNameLen = 256
	// maxTextBytes bounds a part's JSON-encoded text so that the request stays
	// under Viber's 30 KB, with room for the rest of the message.
	maxTextBytes = 29 << 10
)

// outMessage is the body of send_message.
type outMessage struct {
	Receiver string      `json:"receiver"`
	Sender   senderField `json:"sender"`
	Type     string      `json:"type"`
	// Text is the message of type text and the description of a picture,
	// which Viber requires even when empty; other types have none.
	Text     *string `json:"text,omitempty"`
	Media    string  `json:"media,omitempty"`
	Size     int64   `json:"size,omitempty"`
	FileName string  `json:"file_name,omitempty"`
}

type senderField struct {
	Name string `json:"name"`
}

// sendAnswer is the part of send_message's answer that names the message. The
// token is read raw so that an odd one cannot turn a delivered message into a
// failure.
type sendAnswer struct {
	MessageToken json.RawMessage `json:"message_token"`
}

// Send delivers a reply to the Viber user msg.To. Text goes out as text messages
// of at most 7000 characters, split in order (at a line break or space when
// there is one); media go out one message each, by URL (Viber has no upload;
// an agent's upload comes with its public link, see MediaByURL):
// images and stickers as pictures, videos as videos, everything else as files.
// Viber requires the size of videos and files, which is taken from Data when the
// attachment has it and otherwise asked of the file's server with HEAD. The text
// is the first picture's description when it fits in 512 characters, and goes
// before the media otherwise. Every message is signed with the sender name
// Viber requires: the bot's display name once Test Connection has learned it
// (botName), its botUsername until then.
//
// Every attachment is checked before anything is sent, so a message Viber
// cannot take (an upload without a URL) fails whole and permanently. MessageIDs
// are Viber's message tokens, the IDs delivered and seen callbacks name, one per
// Viber message in order; when a later part fails, the result still lists the
// parts already delivered.
//
// Failures are *providers.SendError: Viber's rate limit (status 12), its general
// error, HTTP 429/5xx and transport errors are retryable; other refusals (bad
// token, receiverNotSubscribed, receiverNotRegistered, bad data) are permanent,
// with Viber's status_message and what it means as Reason; those about the
// token or the bot itself (2, 7, 8, 9, 15) are Credentials failures. No error
// carries the token.
func (p Provider) Send(ctx context.Context, env providers.Env, acct providers.Account, msg providers.OutboundMessage) (providers.SendResult, error) {
	var res providers.SendResult
	token := authToken(acct)
	name := senderName(acct)
	switch {
	case token == "":
		return res, noToken()
	case name == "":
		return res, permanent("viber: send: the account has no botUsername, which Viber requires as the sender name")
	case msg.To == "":
		return res, permanent("viber: send: the message has no recipient")
	case len(msg.Attachments) == 0 && strings.TrimSpace(msg.Text) == "":
		return res, permanent("viber: send: nothing to send: Viber refuses empty messages")
	}

	media := make([]outMessage, 0, len(msg.Attachments))
	for i, att := range msg.Attachments {
		m, err := p.mediaMessage(ctx, env.HTTP, att)
		if err != nil {
			return res, inAttachment(i, err)
		}
		media = append(media, m)
	}
	text := msg.Text
	if len(media) > 0 && media[0].Type == "picture" && fits(strings.TrimSpace(text), maxCaptionLen, maxTextBytes) {
		caption := strings.TrimSpace(text)
		media[0].Text, text = &caption, ""
	}

	var out []outMessage
	for _, part := range splitText(text, maxTextLen, maxTextBytes) {
		out = append(out, outMessage{Type: "text", Text: &part})
	}
	out = append(out, media...)
	for _, m := range out {
		m.Receiver, m.Sender = msg.To, senderField{Name: name}
		var ans sendAnswer
		if err := p.call(ctx, env.HTTP, token, "send_message", m, &ans); err != nil {
			return res, sendError(err)
		}
		// A status-0 answer is a delivered message even without a readable
		// token; it then has no ID receipts could name.
		if id, err := messageToken(json.Number(strings.Trim(string(ans.MessageToken), `"`))); err == nil && id != "" {
			res.MessageIDs = append(res.MessageIDs, id)
		}
	}
	return res, nil
}

// MediaByURL asks the core for a public link to each file an agent uploads:
// Viber takes media only by URL and has no upload.
func (Provider) MediaByURL() {}

var _ providers.MediaByURL = Provider{}

// mediaMessage turns an attachment into the Viber message that carries it.
func (p Provider) mediaMessage(ctx context.Context, hc *http.Client, att providers.OutboundAttachment) (outMessage, error) {
	if att.URL == "" {
		if len(att.Data) > 0 {
			return outMessage{}, permanent("Viber takes media only by URL and has no upload: the file must be published at a URL to be sent")
		}
		return outMessage{}, permanent("the attachment has neither a URL nor data")
	}
	if u, err := url.Parse(att.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return outMessage{}, permanent("the attachment URL is not an absolute http(s) URL, which Viber requires")
	}
	m := outMessage{Media: att.URL}
	switch att.Type {
	case providers.AttachmentImage, providers.AttachmentSticker:
		// Viber sends stickers only from its own catalogue, by ID: an image
		// goes as a picture.
		empty := ""
		m.Type, m.Text = "picture", &empty
		return m, nil
	case providers.AttachmentVideo:
		m.Type = "video"
	default:
		// Viber bots cannot send audio or voice messages: those go as files.
		m.Type = "file"
		m.FileName = fileName(att)
	}
	n, err := p.mediaSize(ctx, hc, att)
	if err != nil {
		return outMessage{}, err
	}
	m.Size = n
	return m, nil
}

// mediaSize is the size in bytes Viber requires of videos and files: the data's
// length when we hold it, else the Content-Length the file's server reports to a
// HEAD request.
func (Provider) mediaSize(ctx context.Context, hc *http.Client, att providers.OutboundAttachment) (int64, error) {
	if len(att.Data) > 0 {
		return int64(len(att.Data)), nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, att.URL, nil)
	if err != nil {
		return 0, permanent("the attachment URL cannot be requested")
	}
	resp, err := client(hc).Do(req)
	if err != nil {
		// The URL (which may carry a signature) is dropped from the reason.
		err = scrub(err, "")
		return 0, &providers.SendError{Retryable: true, Reason: "could not ask the file's server for the size Viber requires: " + err.Error(), Err: err}
	}
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests || code >= 500:
		reason := fmt.Sprintf("the file's server answered %d when asked for the size Viber requires", code)
		return 0, &providers.SendError{Retryable: true, RetryAfter: retryAfterHeader(resp.Header), Reason: reason, Err: errors.New(reason)}
	case code < 200 || code > 299:
		return 0, permanent(fmt.Sprintf("the file's server answered %d when asked for the size Viber requires", code))
	case resp.ContentLength <= 0:
		return 0, permanent("Viber requires the size of videos and files, and the file's server does not report it (no Content-Length)")
	}
	return resp.ContentLength, nil
}

// fileName is the name a file is shown with: the attachment's, else the last
// segment of its URL, else one made from its type. Viber requires one.
func fileName(att providers.OutboundAttachment) string {
	name := strings.TrimSpace(att.FileName)
	if name == "" {
		if u, err := url.Parse(att.URL); err == nil {
			if base := path.Base(u.Path); base != "." && base != "/" {
				name = base
			}
		}
	}
	if name == "" {
		name = "file" + extensionFor(att.MimeType)
	}
	return truncate(name, maxFileNameLen)
}

// senderName is the sender.name every message needs: the bot's display name
// as get_account_info reported it (botName), else the botUsername, cut to
// Viber's 28 characters.
func senderName(acct providers.Account) string {
	name := strings.TrimSpace(acct.Settings["botName"])
	if name == "" {
		name = strings.TrimSpace(acct.Settings["botUsername"])
	}
	return truncate(name, maxSenderName)
}

// truncate keeps the longest prefix of s within limit UTF-16 code units.
func truncate(s string, limit int) string {
	n := 0
	for i, r := range s {
		if n += utf16Len(r); n > limit {
			return s[:i]
		}
	}
	return s
}

// fits reports whether s is within both limits.
func fits(s string, units, bytes int) bool {
	u, b := 0, 0
	for i, r := range s {
		_, size := utf8.DecodeRuneInString(s[i:])
		ru, rb := runeCost(r, size)
		u, b = u+ru, b+rb
	}
	return u <= units && b <= bytes
}

// splitText cuts s into parts of at most limit UTF-16 units and maxBytes bytes
// of JSON string, in order (see providers.SplitText).
func splitText(s string, limit, maxBytes int) []string {
	return providers.SplitText(s, providers.TextLimit{Max: limit, MaxBytes: maxBytes, Cost: runeCost})
}

// runeCost is what one rune of text costs against Viber's limits: UTF-16 code
// units, and bytes once JSON-encoded without HTML escaping. size is the rune's
// length in the input: invalid UTF-8 is encoded as U+FFFD.
func runeCost(r rune, size int) (units, bytes int) {
	switch {
	case r == utf8.RuneError && size == 1:
		return 1, 6 // \ufffd
	case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t' || r == '\b' || r == '\f':
		return 1, 2
	case r < 0x20 || r == '\u2028' || r == '\u2029':
		return 1, 6
	}
	return utf16Len(r), utf8.RuneLen(r)
}

// utf16Len is a rune's length in UTF-16 code units.
func utf16Len(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1 // invalid runes are encoded as U+FFFD
}

// sendError classifies a failed call for the delivery queue.
func sendError(err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return &providers.SendError{
			Retryable:   retryableStatus(apiErr.Status) || apiErr.HTTPStatus >= 500,
			Credentials: credentialStatus(apiErr.Status),
			Reason:      apiErr.Reason(),
			Err:         err,
		}
	}
	var stErr *statusError
	if errors.As(err, &stErr) {
		e := &providers.SendError{Reason: "Viber answered HTTP " + strconv.Itoa(stErr.code), Err: err}
		if stErr.code == http.StatusTooManyRequests || stErr.code >= 500 {
			e.Retryable, e.RetryAfter = true, stErr.retryAfter
		}
		return e
	}
	var decErr *decodeError
	if errors.As(err, &decErr) {
		// Viber's answer is not what it documents: retrying could deliver the
		// message twice.
		return &providers.SendError{Reason: err.Error(), Err: err}
	}
	// Transport errors and timeouts: the request may not have reached Viber.
	return &providers.SendError{Retryable: true, Reason: err.Error(), Err: err}
}

// inAttachment names the attachment a failure is about, in the reason a person
// reads and in the error's chain.
func inAttachment(i int, err error) error {
	var se *providers.SendError
	if !errors.As(err, &se) {
		return fmt.Errorf("viber: send: attachment %d: %w", i+1, err)
	}
	return &providers.SendError{
		Retryable: se.Retryable, RetryAfter: se.RetryAfter, Credentials: se.Credentials,
		Reason: fmt.Sprintf("attachment %d: %s", i+1, se.Reason),
		Err:    fmt.Errorf("viber: send: attachment %d: %w", i+1, se.Err),
	}
}

// permanent is a failure no retry can fix.
func permanent(reason string) error {
	return &providers.SendError{Reason: reason, Err: errors.New(reason)}
}

// noToken is the failure of an account without an authentication token.
func noToken() error {
	const reason = "viber: send: the account has no token"
	return &providers.SendError{Credentials: true, Reason: reason, Err: errors.New(reason)}
}
