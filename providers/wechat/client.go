package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// APIError is WeChat's refusal: an answer (HTTP 200, as WeChat answers
// errors) whose errcode is not 0. Callers branch on Code; Message is WeChat's
// errmsg with its request ID ("rid: …", which WeChat support asks for) and
// never contains a credential.
type APIError struct {
	Code    int
	Message string
	// op names the call that failed, for context in Error.
	op string
}

// Error reports the call, the errcode and WeChat's errmsg.
func (e *APIError) Error() string {
	return fmt.Sprintf("wechat: %s: errcode %d: %s", e.op, e.Code, e.Message)
}

// Reason is the errcode and errmsg in words safe to show a person.
func (e *APIError) Reason() string {
	if e.Message == "" {
		return fmt.Sprintf("errcode %d", e.Code)
	}
	return fmt.Sprintf("%s (errcode %d)", e.Message, e.Code)
}

// WeChat's errcodes that callers act on.
const (
	codeSystemBusy         = -1
	codeInvalidCredential  = 40001 // a bad access token, or on the token endpoint a bad AppSecret
	codeInvalidGrantType   = 40002
	codeInvalidOpenID      = 40003
	codeInvalidMediaType   = 40004
	codeInvalidFileType    = 40005
	codeInvalidFileSize    = 40006
	codeInvalidMediaID     = 40007
	codeInvalidImageSize   = 40009
	codeInvalidVoiceSize   = 40010
	codeInvalidVideoSize   = 40011
	codeInvalidAppID       = 40013
	codeInvalidAccessToken = 40014
	codeInvalidAppSecret   = 40125
	codeIPNotWhitelisted   = 40164
	codeSecretFrozen       = 40243
	codeAppIDMissing       = 41002
	codeSecretMissing      = 41004
	codeTokenExpired       = 42001
	codeMediaSize          = 45001
	codeContentTooLong     = 45002
	codeDailyQuota         = 45009
	codeMinuteQuota        = 45011
	codeReplyWindow        = 45015
	codeReplyCount         = 45047
	codeNotAuthorized      = 48001
	codeIPNeedsConfirm     = 89503
)

// statusError is an answer that is not WeChat's JSON (a proxy's 502 page, a
// 404 for an endpoint a host does not have): only the status is known.
type statusError struct {
	op     string
	status int
}

// Error reports the HTTP status.
func (e *statusError) Error() string {
	return fmt.Sprintf("wechat: %s: HTTP %d %s", e.op, e.status, http.StatusText(e.status))
}

// decodeError is a 2xx answer of an unexpected shape: WeChat may have done
// what was asked, so the caller must not simply repeat it.
type decodeError struct {
	op  string
	err error
}

// Error says which call answered in an unexpected shape.
func (e *decodeError) Error() string {
	return fmt.Sprintf("wechat: %s: unexpected answer: %v", e.op, e.err)
}

// Unwrap exposes the decoding error.
func (e *decodeError) Unwrap() error { return e.err }

// tokenError is a failure to get an access token; the call it was for was
// not made.
type tokenError struct{ err error }

// Error says that no access token could be had.
func (e *tokenError) Error() string {
	return "wechat: get access token: " + strings.TrimPrefix(e.err.Error(), "wechat: get access token: ")
}

// Unwrap exposes the cause (an *APIError, a transport error).
func (e *tokenError) Unwrap() error { return e.err }

// maxAnswer bounds how much of a JSON answer is read.
const maxAnswer = 1 << 20

// client is one account's view of the API: its host, credentials, HTTP
// client and clock, and the provider's token cache.
type client struct {
	hc     *http.Client
	base   string
	acct   account
	now    func() time.Time
	tokens *tokenCache
}

// errNoCredentials is an account without an AppID or AppSecret.
var errNoCredentials = errors.New("wechat: the account has no AppID or AppSecret")

// client binds the provider to an account for API calls.
func (p Provider) client(env providers.Env, acct providers.Account) (*client, error) {
	a := accountOf(acct)
	if a.appID == "" || a.secret == "" {
		return nil, errNoCredentials
	}
	base, err := p.apiBase(a.typ)
	if err != nil {
		return nil, err
	}
	hc := env.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	now := env.Now
	if now == nil {
		now = time.Now
	}
	return &client{hc: hc, base: base, acct: a, now: now, tokens: &p.state().tokens}, nil
}

// body is a request body and its type.
type body struct {
	contentType string
	data        []byte
}

// jsonBody encodes v the way WeChat reads JSON: without \u escapes, which
// WeChat refuses ("40033 invalid char in request"), so HTML characters stay
// as they are. Text is cleaned by sendableText first, so nothing else is
// escaped that way.
func jsonBody(v any) (*body, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return &body{contentType: "application/json; charset=utf-8", data: bytes.TrimRight(buf.Bytes(), "\n")}, nil
}

// call makes an authenticated call: it adds the access token, and when WeChat
// says the token is invalid or expired (40001, 40014, 42001) it gets a fresh
// one and tries once more. Concurrent callers share one token refresh.
func (c *client) call(ctx context.Context, op, method, path string, query url.Values, b *body, out any) error {
	return c.withToken(ctx, func(token string) error {
		return c.do(ctx, op, method, path, withToken(query, token), b, out, token)
	})
}

// withToken runs f with the account's access token, once more with a new
// token when f's answer says the first was no longer good (force-refreshed
// when WeChat called it invalid, 40001: see token).
func (c *client) withToken(ctx context.Context, f func(token string) error) error {
	token, err := c.token(ctx, "", false)
	if err != nil {
		return err
	}
	err = f(token)
	if !staleToken(err) {
		return err
	}
	var apiErr *APIError
	invalid := errors.As(err, &apiErr) && apiErr.Code == codeInvalidCredential
	fresh, terr := c.token(ctx, token, invalid)
	if terr != nil {
		return terr
	}
	return f(fresh)
}

// staleToken reports whether err is WeChat refusing an access token that a
// new one would replace.
func staleToken(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.Code {
	case codeInvalidCredential, codeInvalidAccessToken, codeTokenExpired:
		return true
	}
	return false
}

// withToken is query with the access token added.
func withToken(query url.Values, token string) url.Values {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("access_token", token)
	return q
}

// do sends one request and decodes WeChat's JSON answer into out (when not
// nil). A non-zero errcode is *APIError; a non-2xx answer without WeChat's
// JSON is *statusError. Transport errors lose the request URL, which carries
// the access token (or, for the legacy token endpoint, the AppSecret).
func (c *client) do(ctx context.Context, op, method, path string, query url.Values, b *body, out any, token string) error {
	resp, err := c.send(ctx, op, method, path, query, b, token)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("wechat: %s: read answer: %w", op, c.strip(err, token))
	}
	return c.answer(op, resp.StatusCode, data, out, token)
}

// send builds and sends a request; the caller closes the answer's body.
func (c *client) send(ctx context.Context, op, method, path string, query url.Values, b *body, token string) (*http.Response, error) {
	target := c.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var rd io.Reader = http.NoBody
	if b != nil {
		rd = bytes.NewReader(b.data)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("wechat: %s: bad API URL", op)
	}
	if b != nil {
		req.Header.Set("Content-Type", b.contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("wechat: %s: %w", op, c.strip(err, token))
	}
	return resp, nil
}

// errorAnswer is the part of every answer that says whether it failed.
type errorAnswer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// answer decodes a JSON answer of op.
func (c *client) answer(op string, status int, data []byte, out any, token string) error {
	var ea errorAnswer
	jsonErr := json.Unmarshal(data, &ea)
	switch {
	case status/100 != 2 && (jsonErr != nil || ea.ErrCode == 0):
		return &statusError{op: op, status: status}
	case jsonErr != nil:
		return &decodeError{op: op, err: jsonErr}
	case ea.ErrCode != 0:
		return &APIError{Code: ea.ErrCode, Message: c.redactText(ea.ErrMsg, token), op: op}
	case out != nil:
		if err := json.Unmarshal(data, out); err != nil {
			return &decodeError{op: op, err: err}
		}
	}
	return nil
}

// strip drops the request URL from a transport error (Env.HTTP's errors
// below it are worded for people) and, as a second guard, any credential
// from what remains.
func (c *client) strip(err error, token string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	if red := c.redactText(msg, token); red != msg {
		return errors.New(red)
	}
	return err
}

// redactText replaces the account's credentials and the access token in s.
func (c *client) redactText(s, token string) string {
	for _, secret := range append(c.acct.secrets(), token) {
		if len(secret) >= 4 && strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}
