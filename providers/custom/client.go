package custom

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/switchboard/switchboard/providers"
)

// maxAnswer bounds how much of the messenger's answer is read.
const maxAnswer = 1 << 20

// userAgent identifies Switchboard in the messenger's logs.
const userAgent = "Switchboard-Custom/1"

// setupError is an account or server set-up problem found before anything was
// sent: retrying cannot help.
type setupError string

// Error says what is misconfigured.
func (e setupError) Error() string { return string(e) }

// errNoCode is an account without the confirmation code every request is
// signed with.
const errNoCode setupError = "the account has no confirmationCode"

// answer is the messenger's answer to a signed request.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	tooBig  bool
	latency time.Duration
	// verifyErr is why the answer's signature was refused (nil: signed).
	verifyErr error
}

// post sends body, signed at env's now, to the account's webhookUrl and reads
// the answer, checking its signature. It fails only for set-up problems and
// transport errors, which never carry the confirmation code.
func (p Provider) post(ctx context.Context, env providers.Env, acct providers.Account, body []byte, extra http.Header) (answer, error) {
	target := acct.Settings["webhookUrl"]
	secret := acct.Secrets["confirmationCode"]
	switch {
	case target == "":
		return answer{}, setupError("the account has no webhookUrl")
	case secret == "":
		return answer{}, errNoCode
	case env.HTTP == nil:
		return answer{}, setupError("no HTTP client")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return answer{}, setupError("the account's webhookUrl is not a valid URL")
	}
	for k, vs := range extra {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	signHeaders(req.Header, secret, now(env), body)

	start := time.Now()
	resp, err := noRedirects(env.HTTP).Do(req)
	if err != nil {
		return answer{}, transportError(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return answer{}, transportError(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: b, latency: time.Since(start)}
	if len(b) > maxAnswer {
		a.tooBig, a.body = true, nil
		a.verifyErr = fmt.Errorf("custom: answer larger than %d bytes: %w", maxAnswer, ErrBadSignature)
	} else {
		a.verifyErr = Verify(secret, resp.Header, b, now(env), p.window())
	}
	return a, nil
}

// noRedirects returns a copy of hc that never follows a redirect: a 3xx is
// the messenger's answer, as the contract says. Following it would send the
// signed request, or for a 307 or 308 the signed body and its Idempotency-Key,
// wherever the Location points, or quietly turn the POST into a GET.
func noRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// transportError drops the *url.Error wrapper, whose text repeats the method and
// URL, keeping the cause (timeouts stay recognisable to errors.Is).
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// errorField is the answer's {"error": "..."} text, made safe to show: one line,
// short, and without the confirmation code should the messenger echo it.
func (a answer) errorField(secret string) string {
	var v struct {
		Error any `json:"error"`
	}
	if json.Unmarshal(a.body, &v) != nil || v.Error == nil {
		return ""
	}
	var s string
	switch e := v.Error.(type) {
	case string:
		s = e
	case map[string]any:
		// {"error":{"message":"..."}} is common enough to deserve a look.
		if m, ok := e["message"].(string); ok {
			s = m
		}
	}
	return safeText(s, secret)
}

// safeText trims s to one short printable line without secret in it.
func safeText(s, secret string) string {
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// retryAfter reads Retry-After as seconds or an HTTP date; zero when absent.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// randomHex returns n random bytes as 2n hex characters.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b)
}

// now is env's clock, or the real one.
func now(env providers.Env) time.Time {
	if env.Now != nil {
		return env.Now()
	}
	return time.Now()
}
