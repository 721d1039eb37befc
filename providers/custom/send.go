package custom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// MaxInlineData bounds the attachment bytes one reply carries inline (base64 in
// "data"); larger media must be sent by URL.
const MaxInlineData = 10 << 20

type outboundBody struct {
	Type      string          `json:"type"`
	ID        string          `json:"id"`
	Timestamp string          `json:"timestamp"`
	Recipient outboundParty   `json:"recipient"`
	Message   outboundMessage `json:"message"`
}

type outboundParty struct {
	ID string `json:"id"`
}

type outboundMessage struct {
	Text        string               `json:"text,omitempty"`
	Attachments []outboundAttachment `json:"attachments,omitempty"`
}

type outboundAttachment struct {
	Type     string `json:"type"`
	URL      string `json:"url,omitempty"`
	Data     []byte `json:"data,omitempty"` // standard base64, as encoding/json writes []byte
	MimeType string `json:"mimeType,omitempty"`
	FileName string `json:"fileName,omitempty"`
}

type sendAnswer struct {
	MessageID string `json:"messageId"`
}

// IdempotentSends marks the provider's sends as safe to repeat: the contract asks the messenger to deduplicate replies on Idempotency-Key, Switchboard's message ID.
func (Provider) IdempotentSends() {}

var _ providers.IdempotentSender = Provider{}

// Send POSTs a signed reply to the account's webhookUrl. The messenger's signed
// answer must name its message ID, which its delivered and read events refer to.
// Failures are *providers.SendError: retryable for transport errors, 408, 425,
// 429 and 5xx (after Retry-After when given), permanent otherwise. A 401 or 403
// (the messenger refuses Switchboard's signature or access) and an account
// without a confirmation code are Credentials failures.
func (p Provider) Send(ctx context.Context, env providers.Env, acct providers.Account, msg providers.OutboundMessage) (providers.SendResult, error) {
	if msg.ID == "" {
		// Without Switchboard's ID the messenger cannot drop our retries; a random
		// one at least keeps "id" and Idempotency-Key meaningful for this attempt.
		msg.ID = "msg_" + randomHex(12)
	}
	body, err := replyBody(msg, now(env))
	if err != nil {
		return providers.SendResult{}, permanent(err.Error(), err)
	}
	a, err := p.post(ctx, env, acct, body, http.Header{"Idempotency-Key": {msg.ID}})
	if err != nil {
		var setup setupError
		if errors.As(err, &setup) {
			e := permanent(err.Error(), err)
			e.Credentials = setup == errNoCode
			return providers.SendResult{}, e
		}
		return providers.SendResult{}, &providers.SendError{
			Retryable: true,
			Reason:    "could not reach the messenger: " + err.Error(),
			Err:       fmt.Errorf("custom: send: %w", err),
		}
	}
	return a.sendResult(acct.Secrets["confirmationCode"], now(env))
}

// replyBody encodes msg as the contract's "message" request.
func replyBody(msg providers.OutboundMessage, ts time.Time) ([]byte, error) {
	if msg.To == "" {
		return nil, errors.New("the reply has no recipient")
	}
	if msg.Text == "" && len(msg.Attachments) == 0 {
		return nil, errors.New("the reply has no text and no attachments")
	}
	out := outboundBody{
		Type:      "message",
		ID:        msg.ID,
		Timestamp: ts.UTC().Format(time.RFC3339),
		Recipient: outboundParty{ID: msg.To},
		Message:   outboundMessage{Text: msg.Text},
	}
	inline := 0
	for i, att := range msg.Attachments {
		if att.URL == "" && len(att.Data) == 0 {
			return nil, fmt.Errorf("attachment %d has neither a URL nor data", i)
		}
		if inline += len(att.Data); inline > MaxInlineData {
			return nil, fmt.Errorf("inline attachments exceed %d MiB; send large media by URL", MaxInlineData>>20)
		}
		typ := strings.ToLower(string(att.Type))
		if typ == "" {
			typ = "file"
		}
		out.Message.Attachments = append(out.Message.Attachments, outboundAttachment{
			Type: typ, URL: att.URL, Data: att.Data, MimeType: att.MimeType, FileName: att.FileName,
		})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b, nil
}

// sendResult maps the messenger's answer to a reply.
func (a answer) sendResult(secret string, now time.Time) (providers.SendResult, error) {
	switch {
	case a.status >= 200 && a.status < 300:
		if a.tooBig {
			return providers.SendResult{}, permanent(fmt.Sprintf("the messenger's answer is larger than %d KiB; the reply may have been delivered", maxAnswer>>10), nil)
		}
		if a.verifyErr != nil {
			// The cause is not wrapped: this is a failed send, not an
			// unauthorized request, and must not look like one to errors.Is.
			return providers.SendResult{}, permanent("the messenger's answer was not signed with the confirmation code ("+
				signatureProblem(a.verifyErr)+"); the reply may have been delivered", nil)
		}
		var v sendAnswer
		if err := json.Unmarshal(a.body, &v); err != nil || v.MessageID == "" {
			return providers.SendResult{}, permanent(fmt.Sprintf("the messenger answered %d without a messageId; the reply may have been delivered", a.status), err)
		}
		return providers.SendResult{MessageIDs: []string{v.MessageID}}, nil
	case a.status == http.StatusRequestTimeout, a.status == http.StatusTooEarly, a.status == http.StatusTooManyRequests, a.status >= 500:
		return providers.SendResult{}, &providers.SendError{
			Retryable:  true,
			RetryAfter: retryAfter(a.header, now),
			Reason:     a.statusReason(secret),
			Err:        fmt.Errorf("custom: send: HTTP %d", a.status),
		}
	case a.status == http.StatusUnauthorized, a.status == http.StatusForbidden:
		// The messenger refuses Switchboard's signature or access, not this
		// reply: every reply fails alike until the confirmation code or the
		// messenger is fixed.
		e := permanent(a.statusReason(secret), nil)
		e.Credentials = true
		return providers.SendResult{}, e
	default:
		// 400, 404, 410, 422 and anything else unexpected: sending the same
		// request again would get the same answer.
		return providers.SendResult{}, permanent(a.statusReason(secret), nil)
	}
}

// statusReason is "the messenger answered 404: no such user".
func (a answer) statusReason(secret string) string {
	r := fmt.Sprintf("the messenger answered %d", a.status)
	if a.status >= 300 && a.status < 400 {
		return r + ", a redirect; redirects are not followed: set the webhookUrl to the address that answers"
	}
	if e := a.errorField(secret); e != "" {
		r += ": " + e
	}
	return r
}

// permanent is a SendError that retrying cannot fix.
func permanent(reason string, cause error) *providers.SendError {
	err := fmt.Errorf("custom: send: %s", reason)
	if cause != nil {
		err = fmt.Errorf("custom: send: %s: %w", reason, cause)
	}
	return &providers.SendError{Reason: reason, Err: err}
}

// signatureProblem says in a few words why an answer's signature was refused.
func signatureProblem(err error) string {
	switch {
	case errors.Is(err, ErrMissingSignature):
		return "no " + HeaderSignature + " header"
	case errors.Is(err, ErrStaleTimestamp):
		return "its timestamp is outside the replay window; check the messenger's clock"
	default:
		return "the signature does not match"
	}
}
