package twilio

import (
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

// APIError is Twilio's refusal: an HTTP error with Twilio's error body
// {"code","message","more_info","status"}. Callers branch on Code
// (https://www.twilio.com/docs/api/errors).
type APIError struct {
	HTTPStatus int
	// Code is Twilio's error code; Message its own words for this case.
	Code     int
	Message  string
	MoreInfo string
	// RetryAfter is the Retry-After of a 429, 0 when absent.
	RetryAfter time.Duration
	// op is what was being done, for context in Error.
	op string
}

// Error reports the operation and Twilio's error, which never contains the
// Auth Token.
func (e *APIError) Error() string {
	return fmt.Sprintf("twilio: %s: HTTP %d, error %d: %s", e.op, e.HTTPStatus, e.Code, e.Message)
}

// Reason is the refusal in words a person can act on: Twilio's message, kept as
// given so it can be looked up, with the code and what it means.
func (e *APIError) Reason() string {
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		msg = "Twilio refused the request"
	}
	ref := "Twilio error " + strconv.Itoa(e.Code)
	if help := codeHelp[e.Code]; help != "" {
		ref += ": " + help
	}
	return msg + " (" + ref + ")"
}

// statusError is an HTTP error without Twilio's body (a proxy's 502 page): only
// the HTTP status is known.
type statusError struct {
	op         string
	code       int
	retryAfter time.Duration
}

// Error reports the HTTP status Twilio answered with.
func (e *statusError) Error() string {
	return fmt.Sprintf("twilio: %s: HTTP %d without a Twilio answer", e.op, e.code)
}

// decodeError is a success answer in an unexpected shape: the call succeeded,
// so it must not be retried blindly.
type decodeError struct {
	op  string
	err error
}

// Error says which operation answered in an unexpected shape.
func (e *decodeError) Error() string {
	return fmt.Sprintf("twilio: %s: decode answer: %v", e.op, e.err)
}

// Unwrap exposes the decoding error.
func (e *decodeError) Unwrap() error { return e.err }

// errorBody is Twilio's error answer
// (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions).
type errorBody struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// accountPath is the path of the account's resource below the base URL:
// /2010-04-01/Accounts/<sid><suffix>.
func (a account) accountPath(suffix string) string {
	return "/" + apiVersion + "/Accounts/" + url.PathEscape(a.sid) + suffix
}

// call makes one authenticated request to path (below the base URL): a GET, or a
// POST of form, and decodes a 2xx answer into out. Transport errors are wrapped
// with op and, as a guard, stripped of the Auth Token should any layer quote it.
func (a account) call(ctx context.Context, hc *http.Client, op, method, path string, form url.Values, out any) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return fmt.Errorf("twilio: %s: %w", op, errBadAPI)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(a.sid, a.token)
	resp, err := client(hc).Do(req)
	if err != nil {
		return fmt.Errorf("twilio: %s: %w", op, scrub(err, a.token))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("twilio: %s: read answer: %w", op, scrub(err, a.token))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var eb errorBody
		if json.Unmarshal(b, &eb) == nil && eb.Code != 0 {
			return &APIError{HTTPStatus: resp.StatusCode, Code: eb.Code, Message: eb.Message, MoreInfo: eb.MoreInfo,
				RetryAfter: retryAfterHeader(resp.Header), op: op}
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
// second guard replaces the token wherever it appears in what remains.
func scrub(err error, token string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if token != "" && strings.Contains(err.Error(), token) {
		return errors.New(strings.ReplaceAll(err.Error(), token, "<auth token>"))
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
