package line

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf16"

	"github.com/switchboard/switchboard/providers"
)

// Messaging API limits: a push carries at most 5 message objects; a text is at
// most 5000 characters counted in UTF-16 code units (an emoji outside the
// Basic Multilingual Plane counts 2); a media URL is https and at most 2000
// characters.
const (
	maxPerPush  = 5
	maxTextLen  = 5000
	maxURLLen   = 2000
	retryHeader = "X-Line-Retry-Key"
)

// errNeedsURL is an attachment we hold only as bytes: LINE fetches media from
// a URL and has no upload for bots.
var errNeedsURL = errors.New("line: LINE needs an https URL for media: bots cannot upload files to it, and this attachment has only its bytes")

// MediaByURL asks the core for a public link to each file an agent uploads:
// LINE fetches media from an https URL and has no upload for bots.
func (Provider) MediaByURL() {}

var _ providers.MediaByURL = Provider{}

// message is one LINE message object of a push.
type message struct {
	Type               string `json:"type"`
	Text               string `json:"text,omitempty"`
	OriginalContentURL string `json:"originalContentUrl,omitempty"`
	PreviewImageURL    string `json:"previewImageUrl,omitempty"`
}

// pushRequest is the body of POST /v2/bot/message/push.
type pushRequest struct {
	To       string    `json:"to"`
	Messages []message `json:"messages"`
}

// pushResponse is the answer to a push.
type pushResponse struct {
	SentMessages []sentMessage `json:"sentMessages"`
}

// IdempotentSends marks the provider's sends as safe to repeat: LINE drops a push whose X-Line-Retry-Key it has accepted (409), and the key is derived from Switchboard's message ID.
func (Provider) IdempotentSends() {}

var _ providers.IdempotentSender = Provider{}

// Send delivers a reply as push messages to msg.To (a user, group or room ID):
// the text first, split into parts of at most 5000 UTF-16 code units (at a line
// break or space when there is one), then each attachment. Images go as image
// messages (the same https URL as original and preview). LINE's video needs a
// preview image and its audio a duration, which Switchboard does not have, and
// LINE has no file message for bots, so those and any other attachment go as a
// text message with the file's name and link. An attachment held only as
// bytes cannot be sent: LINE needs a URL, so for an agent's upload the core
// gives the file's public link (see MediaByURL), which LINE fetches when it
// delivers the message; a link sent as text works only until that link
// expires.
//
// Messages go out in order, five per push. Each push carries an
// X-Line-Retry-Key derived from the account, Switchboard's message ID, the
// push's place and its content, so a retry of the same reply sends the same
// keys and LINE delivers each push once; its 409 for an accepted key counts as
// success, with the IDs LINE sent then. MessageIDs are LINE's
// sentMessages[].id, in order.
//
// Failures are *providers.SendError: 5xx, transport errors and rate limits
// (429) are retryable, except 429 for the monthly message limit, which waits
// for next month; other refusals (400 bad recipient or message, 401 bad token,
// 403) are permanent with LINE's message and details as Reason, and those about
// the channel access token (401, 403: the channel may not use the endpoint) are
// Credentials failures. When a later push fails, the result still lists the
// messages already delivered.
func (p Provider) Send(ctx context.Context, env providers.Env, acct providers.Account, msg providers.OutboundMessage) (providers.SendResult, error) {
	var res providers.SendResult
	token := acct.Secrets["channelAccessToken"]
	switch {
	case token == "":
		return res, noToken("line: send: the account has no channel access token")
	case msg.To == "":
		return res, permanent("line: send: the message has no recipient")
	case len(msg.Attachments) == 0 && strings.TrimSpace(msg.Text) == "":
		return res, permanent("line: send: nothing to send: LINE refuses empty messages")
	}
	msgs, err := messages(msg)
	if err != nil {
		return res, &providers.SendError{Reason: err.Error(), Err: err}
	}
	for n := 0; n*maxPerPush < len(msgs); n++ {
		batch := msgs[n*maxPerPush : min((n+1)*maxPerPush, len(msgs))]
		ids, err := p.push(ctx, env.HTTP, token, acct.ID, msg, n, batch)
		res.MessageIDs = append(res.MessageIDs, ids...)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// push sends the n-th batch of a reply and returns the IDs LINE gave it.
func (p Provider) push(ctx context.Context, hc *http.Client, token, accountID string, msg providers.OutboundMessage, n int, batch []message) ([]string, error) {
	body := pushRequest{To: msg.To, Messages: batch}
	var hdr http.Header
	if msg.ID != "" {
		key, err := retryKey(accountID, msg.ID, n, body)
		if err != nil {
			return nil, permanent("line: send: encode: " + err.Error())
		}
		hdr = http.Header{retryHeader: {key}}
	}
	var out pushResponse
	err := do(ctx, hc, request{op: "push", method: http.MethodPost, url: p.api() + "/v2/bot/message/push", token: token, body: body, header: hdr}, &out)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict && hdr != nil {
		// An earlier attempt with this retry key was accepted: it is delivered.
		return apiErr.SentMessages, nil
	}
	if err != nil {
		return nil, sendError(err, hdr != nil)
	}
	ids := make([]string, 0, len(out.SentMessages))
	for _, m := range out.SentMessages {
		ids = append(ids, string(m.ID))
	}
	return ids, nil
}

// messages turns a reply into LINE message objects, in order.
func messages(msg providers.OutboundMessage) ([]message, error) {
	var out []message
	for _, part := range splitText(msg.Text, maxTextLen) {
		out = append(out, message{Type: "text", Text: part})
	}
	for _, att := range msg.Attachments {
		if att.URL == "" {
			if len(att.Data) > 0 {
				return nil, errNeedsURL
			}
			return nil, errors.New("line: send: an attachment has neither a URL nor data")
		}
		if err := checkMediaURL(att.URL); err != nil {
			return nil, err
		}
		if att.Type == providers.AttachmentImage {
			out = append(out, message{Type: "image", OriginalContentURL: att.URL, PreviewImageURL: att.URL})
			continue
		}
		link := att.URL
		if name := strings.TrimSpace(att.FileName); name != "" {
			link = name + "\n" + att.URL
		}
		for _, part := range splitText(link, maxTextLen) {
			out = append(out, message{Type: "text", Text: part})
		}
	}
	return out, nil
}

// checkMediaURL refuses what LINE would: media URLs must be https and at most
// 2000 characters.
func checkMediaURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return errors.New("line: send: LINE fetches media only from https URLs")
	}
	if len(raw) > maxURLLen {
		return fmt.Errorf("line: send: the media URL is longer than LINE's %d characters", maxURLLen)
	}
	return nil
}

// splitText cuts s into parts of at most limit UTF-16 code units, as LINE
// counts, in order (see providers.SplitText).
func splitText(s string, limit int) []string {
	return providers.SplitText(s, providers.TextLimit{Max: limit, Cost: providers.UTF16Cost})
}

// utf16Len counts s the way LINE counts a text's length.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if utf16.RuneLen(r) == 2 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// sendError classifies a failed call for the delivery queue. withKey says the
// call carried a retry key, which makes repeating an accepted call harmless.
func sendError(err error, withKey bool) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		e := &providers.SendError{Reason: apiErr.Reason(), Err: err}
		switch {
		case apiErr.Status == http.StatusUnauthorized:
			e.Credentials = true
			e.Reason = "LINE does not accept the channel access token: " + apiErr.Reason()
		case apiErr.Status == http.StatusForbidden:
			// The channel's plan or permissions do not include the endpoint.
			e.Credentials = true
		case apiErr.Status == http.StatusTooManyRequests && isMonthlyLimit(apiErr):
			e.Reason = "LINE's monthly message limit for this account is used up: " + apiErr.Reason()
		case apiErr.Status == http.StatusTooManyRequests, apiErr.Status >= 500:
			e.Retryable, e.RetryAfter = true, apiErr.RetryAfter
		}
		return e
	}
	var stErr *statusError
	if errors.As(err, &stErr) {
		e := &providers.SendError{Reason: stErr.Error(), Err: err}
		if stErr.status == http.StatusTooManyRequests || stErr.status >= 500 {
			e.Retryable, e.RetryAfter = true, stErr.retryAfter
		}
		return e
	}
	var decErr *decodeError
	if errors.As(err, &decErr) {
		// LINE said yes: only a retry key makes asking again safe.
		return &providers.SendError{Retryable: withKey, Reason: decErr.Error(), Err: err}
	}
	if errors.Is(err, errBadToken) {
		return &providers.SendError{Credentials: true, Reason: errBadToken.Error(), Err: err}
	}
	// Transport errors and timeouts: the request may not have reached LINE.
	return &providers.SendError{Retryable: true, Reason: err.Error(), Err: err}
}

// isMonthlyLimit reports whether a 429 is the monthly message limit rather than
// a rate limit: LINE tells them apart only by the message.
func isMonthlyLimit(e *APIError) bool {
	return strings.Contains(strings.ToLower(e.Message), "monthly limit")
}

// permanent is a failure no retry can fix.
func permanent(reason string) error {
	return &providers.SendError{Reason: reason, Err: errors.New(reason)}
}

// noToken is the failure of an account without a channel access token.
func noToken(reason string) error {
	return &providers.SendError{Credentials: true, Reason: reason, Err: errors.New(reason)}
}
