package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/switchboard/switchboard/providers"
)

// maxBodyLen is the longest Body Twilio takes (error 21617 beyond), in
// characters, counted here as UTF-16 code units, the strictest reading: an emoji
// counts twice, so a part never exceeds the limit however Twilio counts.
const maxBodyLen = 1600

// messageResource is the part of Twilio's Message resource Send reads.
type messageResource struct {
	SID    string `json:"sid"`
	Status string `json:"status"`
}

// Send delivers a reply to the WhatsApp user msg.To (an E.164 number, as
// ParseWebhook gives it) from the account's whatsappNumber, one Twilio message
// per POST to Messages.json. Text goes first, split in order into parts of at
// most 1600 characters (at a line break or space when there is one); then each
// attachment goes as its own message without text, as WhatsApp takes one media
// per message and Twilio sets no caption or file name on documents. Media go by
// URL only: Twilio fetches them from a public URL and has no upload, so an
// attachment with only Data fails the whole message, permanently, before
// anything is sent. Every message asks for status callbacks at the account's
// webhook URL, which bring the DELIVERED and READ receipts back.
//
// MessageIDs are Twilio's message SIDs, the MessageSid of the status callbacks,
// one per message in order; when a later part fails, the result still lists the
// parts already accepted.
//
// Failures are *providers.SendError: HTTP 429, 5xx, Twilio's rate limits
// (20429, 63017, 63018) and transport errors are retryable; other refusals
// (20003 bad credentials, 21211 invalid number, 63007 not a WhatsApp sender,
// 63016 outside the 24-hour window...) are permanent, with Twilio's message, the
// code and what it means as Reason; those of the credentials (401, 20003, and
// an inactive account) are Credentials failures. WhatsApp mostly reports a refusal such as
// 63016 after accepting the message, in a failed status callback, which
// ParseWebhook cannot yet record. No error carries the Auth Token.
func (p Provider) Send(ctx context.Context, env providers.Env, acct providers.Account, msg providers.OutboundMessage) (providers.SendResult, error) {
	var res providers.SendResult
	a, err := settings(acct)
	switch {
	case err != nil:
		return res, settingsError("send", err)
	case a.number == "":
		return res, permanent("twilio: send: " + errNoNumber.Error())
	case e164(msg.To) == "":
		return res, permanent("twilio: send: the message has no recipient")
	case len(msg.Attachments) == 0 && strings.TrimSpace(msg.Text) == "":
		return res, permanent("twilio: send: nothing to send: Twilio refuses empty messages")
	}
	mediaURLs := make([]string, 0, len(msg.Attachments))
	for i, att := range msg.Attachments {
		u, err := mediaURL(att)
		if err != nil {
			return res, inAttachment(i, err)
		}
		mediaURLs = append(mediaURLs, u)
	}

	base := url.Values{"From": {whatsappPrefix + a.number}, "To": {whatsappPrefix + e164(msg.To)}}
	if acct.WebhookURL != "" {
		base.Set("StatusCallback", acct.WebhookURL)
	}
	var forms []url.Values
	for _, part := range splitText(msg.Text, maxBodyLen) {
		f := cloneForm(base)
		f.Set("Body", part)
		forms = append(forms, f)
	}
	for _, u := range mediaURLs {
		f := cloneForm(base)
		f.Set("MediaUrl", u)
		forms = append(forms, f)
	}
	for _, f := range forms {
		var m messageResource
		if err := a.call(ctx, env.HTTP, "send", http.MethodPost, a.accountPath("/Messages.json"), f, &m); err != nil {
			return res, sendError(err)
		}
		// A 2xx answer is an accepted message even without a readable SID;
		// it then has no ID receipts could name.
		if m.SID != "" {
			res.MessageIDs = append(res.MessageIDs, m.SID)
		}
	}
	return res, nil
}

// mediaURL is the URL Twilio fetches an attachment from.
func mediaURL(att providers.OutboundAttachment) (string, error) {
	if att.URL == "" {
		if len(att.Data) > 0 {
			return "", permanent("Twilio takes media only from a public URL and has no upload: the file must be published at a URL to be sent")
		}
		return "", permanent("the attachment has neither a URL nor data")
	}
	if !absoluteURL(att.URL) {
		return "", permanent("the attachment URL is not an absolute http(s) URL, which Twilio requires")
	}
	return att.URL, nil
}

func cloneForm(f url.Values) url.Values {
	out := make(url.Values, len(f)+1)
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// splitText cuts s into parts of at most limit UTF-16 code units, in order,
// preferring to cut at the last line break, else the last space, in the second
// half of the window; the whitespace cut at is dropped. Blank parts are left
// out.
func splitText(s string, limit int) []string {
	var parts []string
	add := func(p string) {
		if strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
	}
	for s != "" {
		var (
			units, end        int
			lastNL, lastSpace = -1, -1
		)
		for end < len(s) {
			r, size := utf8.DecodeRuneInString(s[end:])
			if units+utf16Len(r) > limit {
				break
			}
			if r == '\n' {
				lastNL = end
			} else if unicode.IsSpace(r) {
				lastSpace = end
			}
			units, end = units+utf16Len(r), end+size
		}
		if end == len(s) {
			add(s)
			break
		}
		half := end / 2
		switch {
		case lastNL >= half && lastNL > 0:
			add(s[:lastNL])
			s = s[lastNL+1:]
		case lastSpace >= half && lastSpace > 0:
			_, size := utf8.DecodeRuneInString(s[lastSpace:])
			add(s[:lastSpace])
			s = s[lastSpace+size:]
		default:
			add(s[:end])
			s = s[end:]
		}
	}
	return parts
}

// utf16Len is a rune's length in UTF-16 code units.
func utf16Len(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1 // invalid runes are sent as U+FFFD
}

// sendError classifies a failed call for the delivery queue.
func sendError(err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return &providers.SendError{
			Retryable:   retryable(apiErr.HTTPStatus, apiErr.Code),
			RetryAfter:  apiErr.RetryAfter,
			Credentials: credentials(apiErr.HTTPStatus, apiErr.Code),
			Reason:      apiErr.Reason(),
			Err:         err,
		}
	}
	var stErr *statusError
	if errors.As(err, &stErr) {
		e := &providers.SendError{Reason: "Twilio answered HTTP " + strconv.Itoa(stErr.code), Err: err, Credentials: credentials(stErr.code, 0)}
		if retryable(stErr.code, 0) {
			e.Retryable, e.RetryAfter = true, stErr.retryAfter
		}
		return e
	}
	var decErr *decodeError
	if errors.As(err, &decErr) {
		// Twilio accepted the message but its answer is not what it
		// documents: retrying could deliver the message twice.
		return &providers.SendError{Reason: err.Error(), Err: err}
	}
	// Transport errors and timeouts: the request may not have reached Twilio.
	return &providers.SendError{Retryable: true, Reason: err.Error(), Err: err}
}

// inAttachment names the attachment a failure is about, in the reason a person
// reads and in the error's chain.
func inAttachment(i int, err error) error {
	var se *providers.SendError
	if !errors.As(err, &se) {
		return fmt.Errorf("twilio: send: attachment %d: %w", i+1, err)
	}
	return &providers.SendError{
		Retryable: se.Retryable, RetryAfter: se.RetryAfter, Credentials: se.Credentials,
		Reason: fmt.Sprintf("attachment %d: %s", i+1, se.Reason),
		Err:    fmt.Errorf("twilio: send: attachment %d: %w", i+1, se.Err),
	}
}

// permanent is a failure no retry can fix.
func permanent(reason string) error {
	return &providers.SendError{Reason: reason, Err: errors.New(reason)}
}

// settingsError is the permanent failure of an account whose settings cannot
// be used; a missing or malformed Account SID or Auth Token is a Credentials
// failure.
func settingsError(op string, err error) error {
	reason := "twilio: " + op + ": " + err.Error()
	return &providers.SendError{
		Credentials: errors.Is(err, errNoSID) || errors.Is(err, errBadSID) || errors.Is(err, errNoToken),
		Reason:      reason, Err: errors.New(reason),
	}
}
