package customtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers that carry a signature, on requests in both directions and on
// the messenger's answers.
const (
	HeaderTimestamp = "X-Switchboard-Timestamp"
	HeaderSignature = "X-Switchboard-Signature"
)

// ReplayWindow is how far a signed timestamp may be from the verifier's clock.
const ReplayWindow = 5 * time.Minute

// Why Verify refused a signature.
var (
	// ErrUnsigned: a signature header is missing, or holds no v1= value.
	ErrUnsigned = errors.New("customtest: not signed")
	// ErrBadSignature: no v1= value matches, or the timestamp is not Unix seconds.
	ErrBadSignature = errors.New("customtest: signature does not match")
	// ErrStale: the signature matches but the timestamp is outside ReplayWindow.
	ErrStale = errors.New("customtest: timestamp outside the replay window")
)

// Sign is the X-Switchboard-Signature value for body signed at ts with the
// confirmation code: "v1=" and the lowercase hex of HMAC-SHA256(code,
// "<unix seconds>.<body>").
func Sign(code string, ts time.Time, body []byte) string {
	return "v1=" + hex.EncodeToString(mac(code, strconv.FormatInt(ts.Unix(), 10), body))
}

// SignHeaders sets both signature headers on h for body signed at ts.
func SignHeaders(h http.Header, code string, ts time.Time, body []byte) {
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Sign(code, ts, body))
}

// Verify checks h's signature of body as the contract tells a messenger to:
// one timestamp of decimal seconds within ReplayWindow of now, and any of the
// comma-separated v1= values matching, compared in constant time; other
// schemes are ignored. Errors wrap ErrUnsigned, ErrBadSignature or ErrStale.
func Verify(code string, h http.Header, body []byte, now time.Time) error {
	stamps, sigs := h.Values(HeaderTimestamp), h.Values(HeaderSignature)
	if len(stamps) == 0 || len(sigs) == 0 {
		return ErrUnsigned
	}
	if len(stamps) != 1 {
		return fmt.Errorf("%d timestamps: %w", len(stamps), ErrBadSignature)
	}
	stamp := strings.TrimSpace(stamps[0])
	secs, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil || strings.ContainsAny(stamp, "+-") {
		return fmt.Errorf("timestamp %q: %w", stamp, ErrBadSignature)
	}
	want := mac(code, stamp, body)
	found, matched := false, false
	for _, line := range sigs {
		for v := range strings.SplitSeq(line, ",") {
			scheme, value, _ := strings.Cut(strings.TrimSpace(v), "=")
			if scheme != "v1" {
				continue
			}
			found = true
			got, err := hex.DecodeString(value)
			if err == nil && hmac.Equal(got, want) {
				matched = true
			}
		}
	}
	switch {
	case !found:
		return ErrUnsigned
	case !matched:
		return ErrBadSignature
	}
	if skew := now.Sub(time.Unix(secs, 0)); skew > ReplayWindow || skew < -ReplayWindow {
		return fmt.Errorf("timestamp %s off: %w", skew, ErrStale)
	}
	return nil
}

// mac is HMAC-SHA256(code, "<stamp>.<body>").
func mac(code, stamp string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(code))
	m.Write([]byte(stamp + "."))
	m.Write(body)
	return m.Sum(nil)
}

// NewEventsRequest builds the POST a messenger makes to an account's webhook:
// body (an {"events":[...]} batch) as JSON, signed with code at ts.
func NewEventsRequest(ctx context.Context, target, code string, ts time.Time, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("customtest: events request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	SignHeaders(req.Header, code, ts, body)
	return req, nil
}
