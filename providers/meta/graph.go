package meta

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

// DefaultGraphURL is Meta's production Graph API host.
const DefaultGraphURL = "https://graph.facebook.com"

// APIVersion is the Graph API version every call names. It is pinned so that
// Meta's changes reach Switchboard only with a release that tested them; v25.0
// (February 2026) is available until July 2028
// (https://developers.facebook.com/docs/graph-api/changelog/versions).
const APIVersion = "v25.0"

// maxResponse bounds what is read of an API answer (media are read elsewhere).
const maxResponse = 1 << 20

// Graph is the Graph API at one base URL. The zero value talks to
// DefaultGraphURL, so providers built from Graph{} are ready for production.
type Graph struct {
	base string
}

// NewGraph returns the Graph API at graphURL (DefaultGraphURL when empty);
// tests and sandboxes point it at a fake.
func NewGraph(graphURL string) Graph {
	return Graph{base: strings.TrimRight(strings.TrimSpace(graphURL), "/")}
}

// Base is the base URL without a trailing slash.
func (g Graph) Base() string {
	if g.base == "" {
		return DefaultGraphURL
	}
	return g.base
}

// URL is the versioned URL of a node or edge: each segment is path-escaped,
// so an ID from a webhook cannot reach another path.
func (g Graph) URL(segments ...string) string {
	var b strings.Builder
	b.WriteString(g.Base())
	b.WriteString("/")
	b.WriteString(APIVersion)
	for _, s := range segments {
		b.WriteString("/")
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// Call is one Graph API request.
type Call struct {
	// Op names the call in errors ("facebook: send").
	Op     string
	Method string
	// Path is the node and edge after the version (["me", "messages"]).
	Path  []string
	Query url.Values
	// JSON, when set, is the body, encoded without HTML escaping.
	JSON any
	// Form, when set (and JSON is not), is a form-encoded body.
	Form url.Values
	// Body and ContentType are a raw body (a multipart upload).
	Body        []byte
	ContentType string
	// Token is the access token, sent as "Authorization: Bearer": never in
	// the URL, where errors and logs would show it.
	Token string
}

// Do makes the call and decodes a successful answer into out (nil: ignored).
// Errors are *Error (Graph refused, with its error body), *HTTPError (an answer
// without a Graph body), *DecodeError (a success that cannot be read), or the
// transport error wrapped with Op; none contains the token.
func (g Graph) Do(ctx context.Context, hc *http.Client, c Call, out any) error {
	u := g.URL(c.Path...)
	if len(c.Query) > 0 {
		u += "?" + c.Query.Encode()
	}
	var body io.Reader
	contentType := c.ContentType
	switch {
	case c.JSON != nil:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(c.JSON); err != nil {
			return fmt.Errorf("%s: encode: %w", c.Op, err)
		}
		body, contentType = &buf, "application/json"
	case c.Form != nil:
		body, contentType = strings.NewReader(c.Form.Encode()), "application/x-www-form-urlencoded"
	case c.Body != nil:
		body = bytes.NewReader(c.Body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, u, body)
	if err != nil {
		return fmt.Errorf("%s: bad Graph API URL", c.Op)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := Client(hc).Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Op, Scrub(err, c.Token))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", c.Op, Scrub(err, c.Token))
	}
	if gerr := parseError(raw); gerr != nil {
		gerr.Op, gerr.HTTPStatus, gerr.RetryAfter = c.Op, resp.StatusCode, RetryAfter(resp.Header)
		gerr.scrub(c.Token)
		return gerr
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &HTTPError{Op: c.Op, Status: resp.StatusCode, RetryAfter: RetryAfter(resp.Header)}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return &DecodeError{Op: c.Op, Err: err}
		}
	}
	return nil
}

// HTTPError is an answer without a Graph error body (a proxy's 502 page, a 429
// from a load balancer): only the HTTP status is known.
type HTTPError struct {
	Op         string
	Status     int
	RetryAfter time.Duration
}

// Error reports the status Meta answered with.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s: HTTP %d without a Graph API answer", e.Op, e.Status)
}

// Retryable reports whether a later try may pass: rate limits, timeouts and
// server errors.
func (e *HTTPError) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout || e.Status >= 500
}

// DecodeError is a success whose body has an unexpected shape: the call was
// accepted, so it must not be retried blindly (a message would go twice).
type DecodeError struct {
	Op  string
	Err error
}

// Error says which call answered in an unexpected shape.
func (e *DecodeError) Error() string { return fmt.Sprintf("%s: decode answer: %v", e.Op, e.Err) }

// Unwrap exposes the decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Scrub drops the *url.Error wrapper, whose text names the request URL, and as a
// second guard replaces the token wherever it appears in what remains.
func Scrub(err error, token string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if token != "" && strings.Contains(err.Error(), token) {
		return errors.New(strings.ReplaceAll(err.Error(), token, "<token>"))
	}
	return err
}

// Client is hc, or the default client when the caller gave none.
func Client(hc *http.Client) *http.Client {
	if hc == nil {
		return http.DefaultClient
	}
	return hc
}

// RetryAfter reads a Retry-After in seconds; 0 when absent or malformed.
func RetryAfter(h http.Header) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
