package custom

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// The headers that carry a signature. Both sides set them on every request, and
// the messenger sets them on its answers to Switchboard's requests.
const (
	// HeaderTimestamp holds the signing time in Unix seconds; it is part of the
	// signed text, so a captured request cannot be replayed outside the window.
	HeaderTimestamp = "X-Switchboard-Timestamp"
	// HeaderSignature holds one or more comma-separated "v1=<hex>" values, so a
	// sender can sign with an old and a new confirmation code while rolling over.
	HeaderSignature = "X-Switchboard-Signature"
)

// DefaultReplayWindow is how far a signed timestamp may be from the receiver's
// clock: wide enough for ordinary clock drift and retries in flight, narrow
// enough that a captured request is soon useless.
const DefaultReplayWindow = 5 * time.Minute

// signatureScheme names the only signing scheme so far; other schemes in the
// header are ignored so that a future "v2" can be added alongside it.
const signatureScheme = "v1"

// maxSignatures bounds the values one header may offer, so a hostile header
// cannot make us compare thousands of candidates.
const maxSignatures = 16

// Why a signature was refused. Each wraps providers.ErrUnauthorized, so the
// ingest layer answers 401 without knowing this package, while tests and logs can
// tell the cases apart with errors.Is.
var (
	// ErrMissingSignature: the timestamp or signature header is absent, or the
	// signature header holds no v1 value.
	ErrMissingSignature = fmt.Errorf("%w: missing %s or %s", providers.ErrUnauthorized, HeaderTimestamp, HeaderSignature)
	// ErrStaleTimestamp: the signature is right but the timestamp is outside the
	// replay window (a replayed request, or a clock that is off).
	ErrStaleTimestamp = fmt.Errorf("%w: timestamp outside the replay window", providers.ErrUnauthorized)
	// ErrBadSignature: no signature matches the body, the timestamp is not Unix
	// seconds, or there is no confirmation code to check against.
	ErrBadSignature = fmt.Errorf("%w: signature does not match", providers.ErrUnauthorized)
)

// Sign returns the X-Switchboard-Signature value for body signed at ts with the
// confirmation code secret. The X-Switchboard-Timestamp header must carry
// ts.Unix() for the signature to verify; signHeaders sets both.
func Sign(secret string, ts time.Time, body []byte) string {
	return signatureScheme + "=" + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

// Verify checks that header carries a timestamp within window of now and a v1
// signature of "<timestamp>.<body>" made with secret. A window of zero or less
// means DefaultReplayWindow. Errors wrap ErrMissingSignature, ErrStaleTimestamp or
// ErrBadSignature (all providers.ErrUnauthorized) and never contain the secret.
func Verify(secret string, header http.Header, body []byte, now time.Time, window time.Duration) error {
	if window <= 0 {
		window = DefaultReplayWindow
	}
	if secret == "" {
		// An empty key is a key everyone has: never accept anything with it.
		return fmt.Errorf("custom: verify: no confirmation code configured: %w", ErrBadSignature)
	}
	stamps := header.Values(HeaderTimestamp)
	sigHeaders := header.Values(HeaderSignature)
	if len(stamps) == 0 || len(sigHeaders) == 0 {
		return fmt.Errorf("custom: verify: %w", ErrMissingSignature)
	}
	if len(stamps) > 1 {
		return fmt.Errorf("custom: verify: %d %s headers: %w", len(stamps), HeaderTimestamp, ErrBadSignature)
	}
	stamp := strings.TrimSpace(stamps[0])
	ts, ok := parseUnix(stamp)
	if !ok {
		return fmt.Errorf("custom: verify: %s is not Unix seconds: %w", HeaderTimestamp, ErrBadSignature)
	}
	candidates, err := v1Values(sigHeaders)
	if err != nil {
		return err
	}
	want := mac(secret, stamp, body)
	matched := false
	for _, c := range candidates {
		// Compare every candidate, even after a match, so timing says nothing
		// about which one matched.
		if got, err := hex.DecodeString(c); err == nil && hmac.Equal(got, want) {
			matched = true
		}
	}
	if !matched {
		return fmt.Errorf("custom: verify: %w", ErrBadSignature)
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > window || skew < -window {
		return fmt.Errorf("custom: verify: timestamp is %s from now, more than %s: %w",
			skew.Abs().Truncate(time.Second), window, ErrStaleTimestamp)
	}
	return nil
}

// signHeaders sets both signature headers on h for body signed at ts.
func signHeaders(h http.Header, secret string, ts time.Time, body []byte) {
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Sign(secret, ts, body))
}

// mac is HMAC-SHA256(secret, "<stamp>.<body>") over the exact bytes given.
func mac(secret, stamp string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(stamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// parseUnix accepts plain decimal seconds only ("+5" or " 5" would sign
// differently on the two sides for the same instant).
func parseUnix(s string) (int64, bool) {
	if s == "" || len(s) > 12 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// v1Values collects the v1 signatures of every signature header line, ignoring
// other schemes.
func v1Values(lines []string) ([]string, error) {
	var out []string
	n := 0
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if n++; n > maxSignatures {
				return nil, fmt.Errorf("custom: verify: more than %d values in %s: %w", maxSignatures, HeaderSignature, ErrBadSignature)
			}
			scheme, value, ok := strings.Cut(part, "=")
			if ok && strings.TrimSpace(scheme) == signatureScheme {
				out = append(out, strings.TrimSpace(value))
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("custom: verify: no %s= value in %s: %w", signatureScheme, HeaderSignature, ErrMissingSignature)
	}
	return out, nil
}
