package twitter

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

	"github.com/dghubble/oauth1"
)

// APIError is an error answer of the X API: its HTTP status and whatever X
// said, in any of its shapes (v2 problem details with title, detail and type;
// v1.1 and OAuth errors[] with code and message). Callers branch on Status and
// on Has/HasCode (DuplicateUrlFailed, 349) and show Reason, which never holds a
// credential.
type APIError struct {
	Status int
	Title  string
	Detail string
	Type   string
	Errors []ErrorItem
	// RetryAfter is how long X asked to wait: until x-rate-limit-reset (a
	// Unix time in seconds), else a Retry-After header's seconds.
	RetryAfter time.Duration
	// op names the call that failed, for context in Error.
	op string
}

// ErrorItem is one entry of an error body's errors[]: v1.1 gives code and
// message, v2 message or title and detail.
type ErrorItem struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Title   string `json:"title"`
	Detail  string `json:"detail"`
	Type    string `json:"type"`
}

// Error reports the call, the status and X's explanation.
func (e *APIError) Error() string {
	return fmt.Sprintf("twitter: %s: %d %s", e.op, e.Status, e.Reason())
}

// Reason is X's explanation in words safe to show a person: the messages of
// errors[] (with their codes), else the problem's detail and title, else the
// HTTP status text.
func (e *APIError) Reason() string {
	var parts []string
	for _, it := range e.Errors {
		msg := firstNonEmpty(it.Message, it.Detail, it.Title)
		switch {
		case msg != "" && it.Code != 0:
			parts = append(parts, fmt.Sprintf("%s (code %d)", strings.TrimSuffix(msg, "."), it.Code))
		case msg != "":
			parts = append(parts, strings.TrimSuffix(msg, "."))
		}
	}
	if len(parts) == 0 {
		switch {
		case e.Detail != "" && e.Title != "" && !strings.EqualFold(e.Detail, e.Title):
			parts = append(parts, e.Title+": "+strings.TrimSuffix(e.Detail, "."))
		default:
			if s := firstNonEmpty(e.Detail, e.Title); s != "" {
				parts = append(parts, strings.TrimSuffix(s, "."))
			}
		}
	}
	if len(parts) == 0 {
		return "HTTP " + strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	}
	return strings.Join(parts, "; ")
}

// Has reports whether X's answer mentions text (a reason such as
// "DuplicateUrlFailed"), case-insensitively.
func (e *APIError) Has(text string) bool {
	text = strings.ToLower(text)
	in := func(s string) bool { return s != "" && strings.Contains(strings.ToLower(s), text) }
	if in(e.Title) || in(e.Detail) || in(e.Type) {
		return true
	}
	for _, it := range e.Errors {
		if in(it.Message) || in(it.Title) || in(it.Detail) || in(it.Type) {
			return true
		}
	}
	return false
}

// HasCode reports whether errors[] has the numeric code (v1.1 codes such as
// 349, "You cannot send messages to this user").
func (e *APIError) HasCode(code int) bool {
	for _, it := range e.Errors {
		if it.Code == code {
			return true
		}
	}
	return false
}

// decodeError is a 2xx answer whose body has an unexpected shape: X did what
// was asked, so the caller must not simply repeat it.
type decodeError struct {
	op  string
	err error
}

// Error says which call answered in an unexpected shape.
func (e *decodeError) Error() string {
	return fmt.Sprintf("twitter: %s: decode answer: %v", e.op, e.err)
}

// Unwrap exposes the decoding error.
func (e *decodeError) Unwrap() error { return e.err }

// errorBody is every shape of X's error answers at once.
type errorBody struct {
	Title  string      `json:"title"`
	Detail string      `json:"detail"`
	Type   string      `json:"type"`
	Errors []ErrorItem `json:"errors"`
}

// authKind is how a request proves who it is.
type authKind int

const (
	// authUser signs with OAuth 1.0a in the account owner's user context.
	authUser authKind = iota
	// authApp sends the app-only bearer token (webhook management).
	authApp
	// authBasic sends the consumer key and secret (POST /oauth2/token).
	authBasic
)

// maxAnswer bounds how much of a JSON answer is read.
const maxAnswer = 1 << 20

// request is one call to the X API.
type request struct {
	op     string // what the call does, for errors ("send direct message")
	method string
	url    string
	auth   authKind
	creds  credentials
	bearer string     // for authApp
	body   any        // encoded as JSON when not nil
	form   url.Values // encoded as a form when not nil
}

// secrets lists what must never appear in an error of r.
func (r request) secrets() []string {
	return append(r.creds.secrets(), r.bearer)
}

// do sends r and decodes a 2xx answer into out (when not nil). Error answers
// become *APIError; transport errors are stripped of the request URL and of
// every credential before they are returned.
func do(ctx context.Context, hc *http.Client, now func() time.Time, r request, out any) error {
	resp, err := send(ctx, hc, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("twitter: %s: read answer: %w", r.op, stripURL(err, r.secrets()...))
	}
	if resp.StatusCode/100 != 2 {
		return answerError(r.op, resp, b, now)
	}
	if out == nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &decodeError{op: r.op, err: err}
	}
	return nil
}

// send builds and sends r with its authentication; the caller closes the
// answer's body.
func send(ctx context.Context, hc *http.Client, r request) (*http.Response, error) {
	var body io.Reader = http.NoBody
	contentType := ""
	switch {
	case r.body != nil:
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("twitter: %s: encode: %w", r.op, err)
		}
		body, contentType = bytes.NewReader(b), "application/json"
	case r.form != nil:
		body, contentType = strings.NewReader(r.form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return nil, fmt.Errorf("twitter: %s: bad API URL", r.op)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	c := refuseRedirects(client(hc))
	switch r.auth {
	case authUser:
		c = userClient(hc, r.creds)
	case authApp:
		if !headerSafe(r.bearer) {
			return nil, fmt.Errorf("twitter: %s: X gave an app-only token that cannot be sent", r.op)
		}
		req.Header.Set("Authorization", "Bearer "+r.bearer)
	case authBasic:
		// RFC 6749 2.3.1, as X's application-only authentication asks.
		req.SetBasicAuth(url.QueryEscape(r.creds.consumerKey), url.QueryEscape(r.creds.consumerSecret))
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("twitter: %s: %w", r.op, stripURL(err, r.secrets()...))
	}
	return resp, nil
}

// errRedirect refuses the redirects of signed requests: every request to X
// carries credentials (an OAuth 1.0a signature, a bearer token or the
// consumer secret), which a redirect must not carry anywhere, not even to the
// same host (a hop to http would send them in the clear). X's API does not
// redirect its API calls.
var errRedirect = errors.New("refusing to follow a redirect of a signed request")

// refuseRedirects is c with its redirects refused (see errRedirect), its
// timeout and transport (Env.HTTP's guards) kept.
func refuseRedirects(c *http.Client) *http.Client {
	out := *c
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return errRedirect }
	return &out
}

// userClient is hc with every request signed by OAuth 1.0a (HMAC-SHA1) in the
// account owner's user context. It keeps hc's timeout and transport
// (Env.HTTP's guards) and follows no redirect.
func userClient(hc *http.Client, c credentials) *http.Client {
	base := client(hc)
	cfg := oauth1.NewConfig(c.consumerKey, c.consumerSecret)
	ctx := context.WithValue(context.Background(), oauth1.HTTPClient, base)
	signed := cfg.Client(ctx, oauth1.NewToken(c.accessToken, c.accessTokenSecret))
	out := refuseRedirects(base)
	out.Transport = signed.Transport
	return out
}

// answerError turns a non-2xx answer into *APIError.
func answerError(op string, resp *http.Response, b []byte, now func() time.Time) error {
	e := &APIError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header, now), op: op}
	var eb errorBody
	if json.Unmarshal(b, &eb) == nil {
		e.Title, e.Detail, e.Type, e.Errors = eb.Title, eb.Detail, eb.Type, eb.Errors
	}
	return e
}

// retryAfter reads how long X asked to wait: x-rate-limit-reset is the Unix
// time (seconds) when the window resets; Retry-After, when a proxy sends it,
// is seconds.
func retryAfter(h http.Header, now func() time.Time) time.Duration {
	if now == nil {
		now = time.Now
	}
	if reset, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 10, 64); err == nil && reset > 0 {
		if d := time.Unix(reset, 0).Sub(now()); d > 0 {
			return d.Round(time.Second)
		}
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// stripURL drops the request URL from a transport error (Env.HTTP's errors
// below it are worded for people) and, as a second guard, removes every
// credential from whatever text remains.
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

// headerSafe reports whether a token can go into a header as is: printable
// ASCII without spaces, so net/http never refuses it with an error quoting it.
func headerSafe(t string) bool {
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

// firstNonEmpty is the first non-blank of ss, trimmed.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}
