package line

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// APIError is an error answer of the Messaging API: its HTTP status and LINE's
// error body ({"message":..., "details":[...]}). Callers branch on Status (401 bad
// token, 409 retry key already accepted, 429 limits) and read Message, which
// never contains a credential.
type APIError struct {
	Status  int
	Message string
	Details []ErrorDetail
	// SentMessages are the IDs LINE reports in a 409 for a push whose retry key
	// it had already accepted: the messages the first attempt delivered.
	SentMessages []string
	// AcceptedRequestID is x-line-accepted-request-id of such a 409.
	AcceptedRequestID string
	// RequestID is x-line-request-id, which LINE support asks for.
	RequestID string
	// RetryAfter is a Retry-After header's delay, if LINE sent one.
	RetryAfter time.Duration
	// op names the call that failed, for context in Error.
	op string
}

// ErrorDetail is one entry of an error body's details: which request property
// was wrong and why.
type ErrorDetail struct {
	Message  string `json:"message"`
	Property string `json:"property"`
}

// Error reports the call, the status and LINE's explanation.
func (e *APIError) Error() string {
	return fmt.Sprintf("line: %s: %d %s", e.op, e.Status, e.Reason())
}

// Reason is LINE's message with its details, in words safe to show a person.
func (e *APIError) Reason() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	var parts []string
	for _, d := range e.Details {
		switch {
		case d.Property != "" && d.Message != "":
			parts = append(parts, d.Property+": "+d.Message)
		case d.Message != "":
			parts = append(parts, d.Message)
		}
	}
	if len(parts) > 0 {
		msg += " (" + strings.Join(parts, "; ") + ")"
	}
	return msg
}

// statusError is an answer without LINE's error body (a proxy's 502 page, an
// empty 202 from the content host): only the status is known.
type statusError struct {
	op         string
	status     int
	retryAfter time.Duration
}

// Error reports the HTTP status.
func (e *statusError) Error() string {
	return fmt.Sprintf("line: %s: HTTP %d %s", e.op, e.status, http.StatusText(e.status))
}

// decodeError is a 2xx answer whose body has an unexpected shape: LINE did what
// was asked, so the caller must not simply repeat it.
type decodeError struct {
	op  string
	err error
}

// Error says which call answered in an unexpected shape.
func (e *decodeError) Error() string { return fmt.Sprintf("line: %s: decode answer: %v", e.op, e.err) }

// Unwrap exposes the decoding error.
func (e *decodeError) Unwrap() error { return e.err }

// errBadToken is a channel access token that cannot go into a header. Its text
// never shows the token.
var errBadToken = errors.New("line: the channel access token has characters a token cannot have")

// errorBody is LINE's error response.
type errorBody struct {
	Message      string        `json:"message"`
	Details      []ErrorDetail `json:"details"`
	SentMessages []sentMessage `json:"sentMessages"`
}

// sentMessage names one message LINE sent for us.
type sentMessage struct {
	ID         flexString `json:"id"`
	QuoteToken string     `json:"quoteToken"`
}

// flexString is an ID that LINE documents as a string in some places and as a
// number in others: both are accepted, numbers digit for digit.
type flexString string

// UnmarshalJSON accepts a JSON string or number.
func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n)
	return nil
}

// maxAnswer bounds how much of a JSON answer is read.
const maxAnswer = 1 << 20

// request is one JSON call to the Messaging API.
type request struct {
	op     string // what the call does, for errors ("push")
	method string
	url    string
	token  string
	body   any         // encoded as JSON when not nil
	header http.Header // extra headers (X-Line-Retry-Key)
}

// do sends r and decodes a 2xx answer into out (when not nil). Error answers
// become *APIError, or *statusError without LINE's body. The token travels
// only in the Authorization header, and transport errors are stripped of the
// request URL and any credential before they are returned.
func do(ctx context.Context, hc *http.Client, r request, out any) error {
	resp, err := send(ctx, hc, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("line: %s: read answer: %w", r.op, stripURL(err, r.token))
	}
	if resp.StatusCode/100 != 2 {
		return answerError(r.op, resp, b)
	}
	if out == nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &decodeError{op: r.op, err: err}
	}
	return nil
}

// send builds and sends r; the caller closes the answer's body.
func send(ctx context.Context, hc *http.Client, r request) (*http.Response, error) {
	if !validToken(r.token) {
		return nil, errBadToken
	}
	var body io.Reader = http.NoBody
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("line: %s: encode: %w", r.op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return nil, fmt.Errorf("line: %s: bad API URL", r.op)
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	resp, err := client(hc).Do(req)
	if err != nil {
		return nil, fmt.Errorf("line: %s: %w", r.op, stripURL(err, r.token))
	}
	return resp, nil
}

// answerError turns a non-2xx answer into *APIError, or *statusError when the
// body is not LINE's error JSON.
func answerError(op string, resp *http.Response, b []byte) error {
	retryAfter := retryAfterHeader(resp.Header)
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err != nil || (eb.Message == "" && len(eb.Details) == 0 && len(eb.SentMessages) == 0) {
		return &statusError{op: op, status: resp.StatusCode, retryAfter: retryAfter}
	}
	e := &APIError{
		Status:            resp.StatusCode,
		Message:           eb.Message,
		Details:           eb.Details,
		AcceptedRequestID: resp.Header.Get("X-Line-Accepted-Request-Id"),
		RequestID:         resp.Header.Get("X-Line-Request-Id"),
		RetryAfter:        retryAfter,
		op:                op,
	}
	for _, m := range eb.SentMessages {
		if m.ID != "" {
			e.SentMessages = append(e.SentMessages, string(m.ID))
		}
	}
	return e
}

// validToken reports whether a token can go into a header as is: LINE's tokens
// are printable ASCII without spaces. Anything else would make net/http refuse
// the request with an error that might quote it.
func validToken(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] > '~' {
			return false
		}
	}
	return true
}

// stripURL drops the request URL from a transport error (Env.HTTP's errors
// below it are worded for people) and, as a second guard, removes the token
// from whatever text remains.
func stripURL(err error, secrets ...string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return redact(err, secrets...)
}

// redact replaces any of secrets in err's text. An error that shows none is
// returned unchanged, so errors.Is and errors.As keep working on it.
func redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	for _, s := range secrets {
		if len(s) >= 4 && strings.Contains(msg, s) {
			msg, changed = strings.ReplaceAll(msg, s, "<redacted>"), true
		}
	}
	if !changed {
		return err
	}
	return errors.New(msg)
}

// client is hc, or the default client when the caller gave none.
func client(hc *http.Client) *http.Client {
	if hc == nil {
		return http.DefaultClient
	}
	return hc
}

// retryAfterHeader reads a Retry-After in seconds.
func retryAfterHeader(h http.Header) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// pathID escapes an ID for one path segment; an ID that is empty or could
// leave its segment is refused.
func pathID(id string) (string, bool) {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, "/\\?#") {
		return "", false
	}
	return url.PathEscape(id), true
}
