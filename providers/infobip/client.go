package infobip

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxResponse bounds what we read of an API answer.
const maxResponse = 1 << 20

// APIError is Infobip's refusal: an HTTP error with Infobip's error body, either
// {"requestError":{"serviceException":{"messageId","text","validationErrors"}}}
// (the WhatsApp and account APIs) or {"errorCode","description","violations"}
// (newer platform APIs). Callers branch on HTTPStatus and Code.
type APIError struct {
	HTTPStatus int
	// Code is Infobip's word for the case ("UNAUTHORIZED", "BAD_REQUEST",
	// "TOO_MANY_REQUESTS", "E400"); Text its own explanation.
	Code string
	Text string
	// Violations are the fields Infobip refused, as "field: problem".
	Violations []string
	// RetryAfter is the Retry-After of a 429 or 503, 0 when absent.
	RetryAfter time.Duration
	// op is what was being done, for context in Error.
	op string
}

// Error reports the operation and Infobip's error, which never contains the
// API key.
func (e *APIError) Error() string {
	return fmt.Sprintf("infobip: %s: HTTP %d, %s: %s", e.op, e.HTTPStatus, e.Code, e.Text)
}

// Reason is the refusal in words a person can act on: Infobip's text, kept as
// given so it can be looked up, its code, and the fields it refused.
func (e *APIError) Reason() string {
	text := strings.TrimSpace(e.Text)
	if text == "" {
		text = "Infobip refused the request"
	}
	if e.Code != "" {
		text += " (" + e.Code + ")"
	}
	if len(e.Violations) > 0 {
		text += ": " + strings.Join(e.Violations, "; ")
	}
	return text
}

// statusError is an HTTP error without Infobip's body (a proxy's 502 page): only
// the HTTP status is known.
type statusError struct {
	op         string
	code       int
	retryAfter time.Duration
}

// Error reports the HTTP status Infobip answered with.
func (e *statusError) Error() string {
	return fmt.Sprintf("infobip: %s: HTTP %d without an Infobip answer", e.op, e.code)
}

// decodeError is a success answer in an unexpected shape: the call succeeded,
// so it must not be retried blindly.
type decodeError struct {
	op  string
	err error
}

// Error says which operation answered in an unexpected shape.
func (e *decodeError) Error() string {
	return fmt.Sprintf("infobip: %s: decode answer: %v", e.op, e.err)
}

// Unwrap exposes the decoding error.
func (e *decodeError) Unwrap() error { return e.err }

// errorBody holds both of Infobip's error shapes.
type errorBody struct {
	RequestError *struct {
		ServiceException *exception `json:"serviceException"`
		PolicyException  *exception `json:"policyException"`
	} `json:"requestError"`
	ErrorCode   string `json:"errorCode"`
	Description string `json:"description"`
	Violations  []struct {
		Property  string `json:"property"`
		Violation string `json:"violation"`
	} `json:"violations"`
}

// exception is the classic error of Infobip's APIs; messageId is a word
// ("BAD_REQUEST"), validationErrors the refused fields.
type exception struct {
	MessageID        string              `json:"messageId"`
	Text             string              `json:"text"`
	ValidationErrors map[string][]string `json:"validationErrors"`
}

// apiError reads Infobip's error body b; nil when b is neither shape.
func apiError(op string, status int, h http.Header, b []byte) *APIError {
	var eb errorBody
	if json.Unmarshal(b, &eb) != nil {
		return nil
	}
	e := &APIError{HTTPStatus: status, RetryAfter: retryAfterHeader(h), op: op}
	switch {
	case eb.RequestError != nil && (eb.RequestError.ServiceException != nil || eb.RequestError.PolicyException != nil):
		ex := eb.RequestError.ServiceException
		if ex == nil {
			ex = eb.RequestError.PolicyException
		}
		e.Code, e.Text = ex.MessageID, ex.Text
		for _, field := range slices.Sorted(maps.Keys(ex.ValidationErrors)) {
			e.Violations = append(e.Violations, field+": "+strings.Join(ex.ValidationErrors[field], ", "))
		}
	case eb.ErrorCode != "":
		e.Code, e.Text = eb.ErrorCode, eb.Description
		for _, v := range eb.Violations {
			e.Violations = append(e.Violations, v.Property+": "+v.Violation)
		}
	default:
		return nil
	}
	return e
}

// call makes one authenticated request to path (below the base URL): a GET or
// DELETE, or a POST of body as JSON, and decodes a 2xx answer into out.
// Transport errors are wrapped with op and, as a guard, stripped of the API key
// should any layer quote it.
func (a account) call(ctx context.Context, hc *http.Client, op, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("infobip: %s: encode request: %w", op, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return fmt.Errorf("infobip: %s: %w", op, errBadAPI)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "App "+a.key)
	resp, err := client(hc).Do(req)
	if err != nil {
		return fmt.Errorf("infobip: %s: %w", op, scrub(err, a.key))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("infobip: %s: read answer: %w", op, scrub(err, a.key))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if e := apiError(op, resp.StatusCode, resp.Header, b); e != nil {
			// Infobip's words are shown to people: never with the key.
			e.Text = redact(e.Text, a.key)
			for i, v := range e.Violations {
				e.Violations[i] = redact(v, a.key)
			}
			return e
		}
		return &statusError{op: op, code: resp.StatusCode, retryAfter: retryAfterHeader(resp.Header)}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return &decodeError{op: op, err: err}
		}
	}
	return nil
}

// scrub drops the *url.Error wrapper, whose text names the request URL, and as a
// second guard replaces the key wherever it appears in what remains.
func scrub(err error, key string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if key != "" && strings.Contains(err.Error(), key) {
		return errors.New(strings.ReplaceAll(err.Error(), key, "<api key>"))
	}
	return err
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

// retryable reports whether a refusal may pass on a later try: rate limits and
// Infobip's own failures. Everything else needs a person to change something.
func retryable(httpStatus int) bool {
	return httpStatus == http.StatusTooManyRequests || httpStatus >= 500
}
