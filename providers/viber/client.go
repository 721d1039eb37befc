package viber

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

// AuthHeader carries the bot's token on every API call.
const AuthHeader = "X-Viber-Auth-Token"

// maxResponse bounds what we read of an API answer.
const maxResponse = 1 << 20

// APIError is an answer with a non-zero status: Viber refused the call. Callers
// branch on Status (2 bad token, 5/6 receiver gone, 12 rate limit).
type APIError struct {
	// Status is Viber's status code; StatusMessage its own words for it.
	Status        int
	StatusMessage string
	// HTTPStatus is the HTTP status of the answer (200 for Viber's refusals).
	HTTPStatus int
	// endpoint is the API endpoint that failed, for context in Error.
	endpoint string
}

// Error reports the endpoint and Viber's status, which never contains the token.
func (e *APIError) Error() string {
	return fmt.Sprintf("viber: %s: status %d %s", e.endpoint, e.Status, e.StatusMessage)
}

// Reason is the refusal in words a person can act on: Viber's status_message
// (kept as given, so it can be looked up) and what the status means.
func (e *APIError) Reason() string {
	name := e.StatusMessage
	if name == "" {
		name = StatusName(e.Status)
	}
	if help := statusHelp[e.Status]; help != "" && !strings.EqualFold(help, name) {
		return name + ": " + help
	}
	return name
}

// statusError is an HTTP answer without a Viber body (a proxy's 502 page, a 429
// from a load balancer): only the HTTP status is known.
type statusError struct {
	endpoint   string
	code       int
	retryAfter time.Duration
}

// Error reports the HTTP status Viber answered with.
func (e *statusError) Error() string {
	return fmt.Sprintf("viber: %s: HTTP %d without a Viber answer", e.endpoint, e.code)
}

// decodeError is a status-0 answer whose fields have an unexpected shape: the
// call succeeded, so it must not be retried blindly.
type decodeError struct {
	endpoint string
	err      error
}

// Error says which endpoint answered in an unexpected shape.
func (e *decodeError) Error() string {
	return fmt.Sprintf("viber: %s: decode answer: %v", e.endpoint, e.err)
}

// Unwrap exposes the decoding error.
func (e *decodeError) Unwrap() error { return e.err }

// envelope is the part every answer shares.
type envelope struct {
	Status        *int   `json:"status"`
	StatusMessage string `json:"status_message"`
}

// call POSTs params as JSON to /pa/<endpoint> with the token and decodes a
// status-0 answer into out. Transport errors are wrapped with the endpoint and,
// as a guard, stripped of the token should any layer quote it.
func (p Provider) call(ctx context.Context, hc *http.Client, token, endpoint string, params, out any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<" stays one byte: Viber limits the body to 30 KB
	if err := enc.Encode(params); err != nil {
		return fmt.Errorf("viber: %s: encode: %w", endpoint, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base()+"/pa/"+endpoint, &buf)
	if err != nil {
		return fmt.Errorf("viber: %s: bad API URL", endpoint)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set(AuthHeader, token)
	resp, err := client(hc).Do(req)
	if err != nil {
		return fmt.Errorf("viber: %s: %w", endpoint, scrub(err, token))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("viber: %s: read answer: %w", endpoint, scrub(err, token))
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Status == nil {
		if resp.StatusCode == http.StatusOK && err == nil {
			return &decodeError{endpoint: endpoint, err: errors.New("answer without status")}
		}
		return &statusError{endpoint: endpoint, code: resp.StatusCode, retryAfter: retryAfterHeader(resp.Header)}
	}
	if *env.Status != 0 {
		return &APIError{Status: *env.Status, StatusMessage: env.StatusMessage, HTTPStatus: resp.StatusCode, endpoint: endpoint}
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return &decodeError{endpoint: endpoint, err: err}
		}
	}
	return nil
}

// scrub drops the *url.Error wrapper, whose text names the request URL, and as a
// second guard replaces the token wherever it appears in what remains.
func scrub(err error, token string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if token != "" && strings.Contains(err.Error(), token) {
		return errors.New(strings.ReplaceAll(err.Error(), token, "<token>"))
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

// retryAfterHeader reads a Retry-After in seconds, for 429s without a Viber body.
func retryAfterHeader(h http.Header) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
