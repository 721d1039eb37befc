package twitter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// maxTextLen is the most characters X accepts in one direct message's text.
const maxTextLen = 10000

// errNeedsURL is an attachment held only as bytes that X cannot take as
// media (a document, audio, a file over X's limits): it could go only as a
// link, and it has none.
var errNeedsURL = errors.New("twitter: send: X direct messages carry only images, GIFs and videos, and this file has no link to send instead")

// MediaByURL asks the core for a public link to each file an agent uploads:
// X takes images, GIFs and videos as direct message media, uploaded from the
// bytes, and everything else only as a link.
func (Provider) MediaByURL() {}

var _ providers.MediaByURL = Provider{}

// dmRequest is the body of POST /2/dm_conversations/with/:participant_id/messages.
type dmRequest struct {
	Text        string         `json:"text,omitempty"`
	Attachments []dmAttachment `json:"attachments,omitempty"`
}

// dmAttachment names uploaded media; a direct message carries at most one.
type dmAttachment struct {
	MediaID string `json:"media_id"`
}

// dmPart is one direct message of a reply: a text, or media to upload.
type dmPart struct {
	text     string
	media    *providers.OutboundAttachment
	category string
	mimeType string
	mediaID  string
}

// dmResponse is its answer (201).
type dmResponse struct {
	Data struct {
		DMConversationID string `json:"dm_conversation_id"`
		DMEventID        string `json:"dm_event_id"`
	} `json:"data"`
}

// Send delivers a reply as direct messages to msg.To (the customer's user
// ID) with POST /2/dm_conversations/with/:participant_id/messages (X API v2,
// OAuth 1.0a user context; v1.1's direct_messages/events/new is retired). The
// text goes first, split into parts of at most 10,000 characters (at a line
// break or space when there is one); then each attachment, one message each:
// images, GIFs and videos whose bytes we hold (an agent's upload) as media,
// uploaded first with X's chunked v2 upload under a dm_* category (see
// upload), and everything else as a message with its name and link (for an
// upload, the public link the core gives, see MediaByURL). Every upload is done
// before the first message goes, so a file X refuses fails the reply whole.
// MessageIDs are the dm_event_id of each message, in order; they are the ids
// X's read receipts and echoes use.
//
// Failures are *providers.SendError: 429 (after x-rate-limit-reset) and 5xx
// and transport errors are retryable; refusals are permanent with X's
// message as Reason: 401 (credentials), 403 (the customer does not accept
// direct messages from the account, blocked it, or the app may not send
// them), 400 and 404. Refusals of the account's credentials or standing (see
// refusedCredentials) are Credentials failures. X has no idempotency key for direct messages, so a
// retry after a timeout that X did act on sends the part twice. When a later
// part fails, the result still lists the parts already delivered.
func (p Provider) Send(ctx context.Context, env providers.Env, acct providers.Account, msg providers.OutboundMessage) (providers.SendResult, error) {
	var res providers.SendResult
	creds := credentialsOf(acct)
	if m := creds.missing(); m != "" {
		return res, noCredentials("twitter: send: the account has no " + m)
	}
	if !isUserID(msg.To) {
		return res, permanent("twitter: send: the recipient is not an X user ID")
	}
	parts, err := messageParts(msg)
	if err != nil {
		return res, &providers.SendError{Reason: err.Error(), Err: err}
	}
	if len(parts) == 0 {
		return res, permanent("twitter: send: nothing to send: X refuses empty messages")
	}
	for i := range parts {
		if m := parts[i].media; m != nil {
			id, err := p.upload(ctx, env, creds, *m, parts[i].category, parts[i].mimeType)
			if err != nil {
				return res, inAttachment(mediaName(*m), err)
			}
			parts[i].mediaID = id
		}
	}
	for _, part := range parts {
		body := dmRequest{Text: part.text}
		if part.mediaID != "" {
			body.Attachments = []dmAttachment{{MediaID: part.mediaID}}
		}
		var out dmResponse
		err := do(ctx, env.HTTP, env.Now, request{
			op: "send direct message", method: http.MethodPost, auth: authUser, creds: creds,
			url:  p.api() + "/2/dm_conversations/with/" + url.PathEscape(msg.To) + "/messages",
			body: body,
		}, &out)
		if err == nil && out.Data.DMEventID == "" {
			err = &decodeError{op: "send direct message", err: errors.New("no dm_event_id")}
		}
		if err != nil {
			return res, sendError(err, "")
		}
		res.MessageIDs = append(res.MessageIDs, out.Data.DMEventID)
	}
	return res, nil
}

// messageParts turns a reply into its direct messages, in order.
func messageParts(msg providers.OutboundMessage) ([]dmPart, error) {
	var parts []dmPart
	for _, text := range splitText(msg.Text) {
		parts = append(parts, dmPart{text: text})
	}
	for i, att := range msg.Attachments {
		if len(att.Data) > 0 {
			if category, mt, ok := dmMedia(att); ok {
				parts = append(parts, dmPart{media: &msg.Attachments[i], category: category, mimeType: mt})
				continue
			}
		}
		if att.URL == "" {
			if len(att.Data) > 0 {
				return nil, errNeedsURL
			}
			return nil, errors.New("twitter: send: an attachment has neither a URL nor data")
		}
		link := att.URL
		if name := strings.TrimSpace(att.FileName); name != "" {
			link = name + "\n" + att.URL
		}
		for _, text := range splitText(link) {
			parts = append(parts, dmPart{text: text})
		}
	}
	return parts, nil
}

// inAttachment names the file a failure is about, in the reason a person
// reads and in the error's chain.
func inAttachment(name string, err error) error {
	var se *providers.SendError
	if !errors.As(err, &se) {
		return fmt.Errorf("twitter: send: %s: %w", name, err)
	}
	return &providers.SendError{
		Retryable: se.Retryable, RetryAfter: se.RetryAfter, Credentials: se.Credentials,
		Reason: name + ": " + se.Reason,
		Err:    fmt.Errorf("twitter: send: %s: %w", name, se.Err),
	}
}

// splitText cuts s into parts of at most maxTextLen characters, in order (see
// providers.SplitText).
func splitText(s string) []string {
	return providers.SplitText(s, providers.TextLimit{Max: maxTextLen})
}

// sendError classifies a failed call for the delivery queue. prefix, when
// set, starts the reason.
func sendError(err error, prefix string) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		e := &providers.SendError{Reason: prefix + "X refused: " + apiErr.Reason(), Err: err, Credentials: refusedCredentials(apiErr)}
		switch {
		case apiErr.Status == http.StatusTooManyRequests:
			e.Retryable, e.RetryAfter = true, apiErr.RetryAfter
			e.Reason = prefix + "X's rate limit: " + apiErr.Reason()
		case apiErr.Status >= 500:
			e.Retryable, e.RetryAfter = true, apiErr.RetryAfter
			e.Reason = prefix + "X failed: " + apiErr.Reason()
		case apiErr.Status == http.StatusUnauthorized:
			e.Reason = prefix + "X does not accept the account's credentials (consumer key and secret, access token and secret): " + apiErr.Reason()
		}
		return e
	}
	var decErr *decodeError
	if errors.As(err, &decErr) {
		// X said yes; without an idempotency key asking again may send twice.
		return &providers.SendError{Reason: prefix + decErr.Error(), Err: err}
	}
	// Transport errors and timeouts: the request may not have reached X.
	return &providers.SendError{Retryable: true, Reason: prefix + err.Error(), Err: err}
}

// credentialCodes are v1.1 error codes about the account's credentials or
// standing rather than a message or recipient
// (https://developer.x.com/en/docs/basics/response-codes): 32 could
// not authenticate, 64 suspended account, 89 invalid or expired token, 215 bad
// authentication data, 220 credentials without access to the resource, 261 an
// app that may not write, 326 a locked account.
var credentialCodes = map[int]bool{32: true, 64: true, 89: true, 215: true, 220: true, 261: true, 326: true}

// refusedCredentials reports whether X refused the account's credentials: a
// 401, one of credentialCodes, or v2's problems for an app without the access
// level or authentication the endpoint needs. Every reply fails alike until an
// admin acts; a recipient who does not accept messages (349, 150) does not.
func refusedCredentials(e *APIError) bool {
	if e.Status == http.StatusUnauthorized ||
		strings.HasSuffix(e.Type, "/problems/client-forbidden") || strings.HasSuffix(e.Type, "/problems/unsupported-authentication") {
		return true
	}
	for _, it := range e.Errors {
		if credentialCodes[it.Code] {
			return true
		}
	}
	return false
}

// permanent is a failure no retry can fix.
func permanent(reason string) error {
	return &providers.SendError{Reason: reason, Err: errors.New(reason)}
}

// noCredentials is the failure of an account missing one of its credentials.
func noCredentials(reason string) error {
	return &providers.SendError{Credentials: true, Reason: reason, Err: errors.New(reason)}
}
