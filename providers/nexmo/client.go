package nexmo

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

// maxResponse bounds what we read of an API answer.
const maxResponse = 1 << 20

// APIError is Vonage's refusal: an HTTP error with an RFC 7807 problem body
// (https://developer.vonage.com/en/api-errors). Callers branch on HTTPStatus
// and Code.
type APIError struct {
	HTTPStatus int
	// Type is the problem's URI; Code its fragment ("1120" of
	// ".../messages-olympus#1120", "unauthorized").
	Type, Code string
	// Title and Detail are Vonage's own words for this case.
	Title, Detail string
	// Instance identifies the failure for Vonage's support.
	Instance string
	// InvalidParams name the request fields Vonage refused, with why.
	InvalidParams []InvalidParam
	// RetryAfter is the Retry-After of a 429, 0 when absent.
	RetryAfter time.Duration
	// op is what was being done, for context in Error.
	op string
}

// InvalidParam is one entry of a problem's invalid_parameters.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Error reports the operation and Vonage's problem, which never contains the
// API secret.
func (e *APIError) Error() string {
	return fmt.Sprintf("nexmo: %s: HTTP %d: %s", e.op, e.HTTPStatus, e.Reason())
}

// Reason is the refusal in words a person can act on: Vonage's title and
// detail as given, the fields it refused, and the error code with what it
// means.
func (e *APIError) Reason() string {
	var b strings.Builder
	title, detail := strings.TrimSpace(e.Title), strings.TrimSpace(e.Detail)
	switch {
	case title != "" && detail != "" && title != detail:
		b.WriteString(title + ": " + detail)
	case title != "":
		b.WriteString(title)
	case detail != "":
		b.WriteString(detail)
	default:
		b.WriteString("Vonage refused the request")
	}
	for i, p := range e.InvalidParams {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.Name)
		if p.Reason != "" {
			b.WriteString(": " + p.Reason)
		}
		if i == len(e.InvalidParams)-1 {
			b.WriteString(")")
		}
	}
	if e.Code != "" {
		b.WriteString(" [Vonage error " + e.Code)
		if help := codeHelp[e.Code]; help != "" {
			b.WriteString(": " + help)
		}
		b.WriteString("]")
	}
	return b.String()
}

// codeHelp says what an error code means for the person reading a failed
// message or check (https://developer.vonage.com/en/api-errors and
// /api-errors/messages); Vonage's own title and detail come first.
var codeHelp = map[string]string{
	"unauthorized":      "Vonage does not accept the credentials (the API key and secret, or the JWT)",
	"forbidden":         "the Vonage account may not do this; check that the feature is enabled for it",
	"not-found":         "Vonage has no such resource, or these credentials cannot see it",
	"unprovisioned":     "these credentials have no access to this product",
	"account-suspended": "the Vonage account is suspended",
	"low-balance":       "the Vonage account's balance is too low",
	"invalid-api-key":   "Vonage knows no such API key",
	"1000":              "Vonage's submission rate limit was reached",
	"1020":              "a field of the message is invalid",
	"1050":              "the customer's number is barred",
	"1060":              "the Vonage account is barred from sending",
	"1070":              "the Vonage account has not enough credit",
	"1120":              "the whatsappNumber is not a WhatsApp sender of this Vonage account",
}

// retryable reports whether a refusal may pass on a later try: Vonage's rate
// limit (429) and its own failures (5xx). Everything else needs a person to
// change something.
func retryable(httpStatus int) bool {
	return httpStatus == http.StatusTooManyRequests || httpStatus >= 500
}

// statusError is an HTTP error without a problem body (a proxy's 502 page):
// only the HTTP status is known.
type statusError struct {
	op         string
	code       int
	retryAfter time.Duration
}

// Error reports the HTTP status Vonage answered with.
func (e *statusError) Error() string {
	return fmt.Sprintf("nexmo: %s: HTTP %d without a Vonage answer", e.op, e.code)
}

// decodeError is a success answer in an unexpected shape: the call succeeded,
// so it must not be retried blindly.
type decodeError struct {
	op  string
	err error
}

// Error says which operation answered in an unexpected shape.
func (e *decodeError) Error() string {
	return fmt.Sprintf("nexmo: %s: decode answer: %v", e.op, e.err)
}

// Unwrap exposes the decoding error.
func (e *decodeError) Unwrap() error { return e.err }

// problem is an RFC 7807 answer as Vonage writes it.
type problem struct {
	Type          string          `json:"type"`
	Title         json.RawMessage `json:"title"`
	Detail        string          `json:"detail"`
	Instance      string          `json:"instance"`
	InvalidParams []InvalidParam  `json:"invalid_parameters"`
}

// problemTitle reads a title, which Vonage writes as a string and, in status
// webhooks, sometimes as the error code ("1000").
func problemTitle(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// problemCode is the fragment of a problem type URI: "1120" of
// "https://developer.nexmo.com/api-errors/messages-olympus#1120".
func problemCode(typ string) string {
	_, code, ok := strings.Cut(typ, "#")
	if !ok {
		return ""
	}
	return strings.TrimSpace(code)
}

// call makes one request to path (below the base URL), authenticated by the
// account's JWT when a.bearer is set and by the API key and secret (HTTP
// Basic) otherwise: a GET, or a method with body encoded as JSON, and decodes
// a 2xx answer into out. Transport errors are wrapped with op and, as a
// guard, stripped of the API secret and the JWT should any layer quote them.
func (a account) call(ctx context.Context, hc *http.Client, op, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("nexmo: %s: encode request: %w", op, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return fmt.Errorf("nexmo: %s: %w", op, errBadAPI)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if a.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+a.bearer)
	} else {
		req.SetBasicAuth(a.key, a.secret)
	}
	resp, err := client(hc).Do(req)
	if err != nil {
		return fmt.Errorf("nexmo: %s: %w", op, scrub(err, a.secret, a.bearer))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("nexmo: %s: read answer: %w", op, scrub(err, a.secret, a.bearer))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var p problem
		if json.Unmarshal(b, &p) == nil && (p.Type != "" || len(p.Title) > 0 || p.Detail != "") {
			e := &APIError{HTTPStatus: resp.StatusCode, Type: p.Type, Code: problemCode(p.Type),
				Title: problemTitle(p.Title), Detail: p.Detail, Instance: p.Instance, InvalidParams: p.InvalidParams,
				RetryAfter: retryAfterHeader(resp.Header), op: op}
			e.Title, e.Detail = redact(e.Title, a.secret, a.bearer), redact(e.Detail, a.secret, a.bearer)
			for i := range e.InvalidParams {
				e.InvalidParams[i].Reason = redact(e.InvalidParams[i].Reason, a.secret, a.bearer)
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
// second guard replaces the API secret and the JWT wherever they appear in
// what remains.
func scrub(err error, secret, token string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if s := err.Error(); redact(s, secret, token) != s {
		return errors.New(redact(s, secret, token))
	}
	return err
}

// redact replaces the API secret and the JWT in s: Vonage never echoes
// either, but a proxy might. The private key never leaves the process, so no
// answer can quote it.
func redact(s, secret, token string) string {
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "<api secret>")
	}
	if token != "" {
		s = strings.ReplaceAll(s, token, "<jwt>")
	}
	return s
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
