package custom

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
)

func TestSignKnownValue(t *testing.T) {
	// Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
	got := Sign("secret", time.Unix(1700000000, 0), []byte(`{"a":1}`))
	const want = "v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if !strings.HasPrefix(got, "v1=") || len(got) != 3+64 || strings.ToLower(got) != got {
		t.Errorf("Sign = %q, want v1= and 64 lowercase hex digits", got)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"events":[]}`)
	ts := strconv.FormatInt(testNow.Unix(), 10)
	good := Sign(testSecret, testNow, body)
	other := Sign("another-confirmation-code", testNow, body)
	at := func(d time.Duration) (string, string) {
		t := testNow.Add(d)
		return strconv.FormatInt(t.Unix(), 10), Sign(testSecret, t, body)
	}
	staleTS, staleSig := at(-5*time.Minute - time.Second)
	futureTS, futureSig := at(5*time.Minute + time.Second)
	edgeTS, edgeSig := at(-5 * time.Minute)
	twoMinTS, twoMinSig := at(-2 * time.Minute)

	tests := []struct {
		name   string
		secret string
		header http.Header
		body   []byte
		window time.Duration
		want   error // nil: accepted
	}{
		{name: "valid", header: hdr(ts, good)},
		{name: "several values while rolling over", header: hdr(ts, other+", "+good)},
		{name: "split over two header lines", header: http.Header{HeaderTimestamp: {ts}, HeaderSignature: {other, good}}},
		{name: "unknown scheme ignored", header: hdr(ts, "v0=abc,"+good)},
		{name: "upper-case hex", header: hdr(ts, "v1="+strings.ToUpper(strings.TrimPrefix(good, "v1=")))},
		{name: "at the window's edge", header: hdr(edgeTS, edgeSig)},
		{name: "zero window means default", header: hdr(twoMinTS, twoMinSig), window: 0},
		{name: "missing timestamp", header: http.Header{HeaderSignature: {good}}, want: ErrMissingSignature},
		{name: "missing signature", header: http.Header{HeaderTimestamp: {ts}}, want: ErrMissingSignature},
		{name: "no headers", header: http.Header{}, want: ErrMissingSignature},
		{name: "empty signature", header: hdr(ts, ""), want: ErrMissingSignature},
		{name: "only other schemes", header: hdr(ts, "v0="+strings.TrimPrefix(good, "v1=")), want: ErrMissingSignature},
		{name: "tampered body", header: hdr(ts, good), body: []byte(`{"events":[1]}`), want: ErrBadSignature},
		{name: "tampered timestamp", header: hdr(strconv.FormatInt(testNow.Unix()+1, 10), good), want: ErrBadSignature},
		{name: "wrong confirmation code", header: hdr(ts, other), want: ErrBadSignature},
		{name: "signature not hex", header: hdr(ts, "v1=zz"), want: ErrBadSignature},
		{name: "truncated signature", header: hdr(ts, good[:40]), want: ErrBadSignature},
		{name: "timestamp with sign", header: hdr("+"+ts, good), want: ErrBadSignature},
		{name: "timestamp in milliseconds", header: hdr(ts+"000", good), want: ErrBadSignature},
		{name: "timestamp not a number", header: hdr("yesterday", good), want: ErrBadSignature},
		{name: "two timestamps", header: http.Header{HeaderTimestamp: {ts, ts}, HeaderSignature: {good}}, want: ErrBadSignature},
		{name: "too many values", header: hdr(ts, strings.Repeat("v1=00,", maxSignatures)+good), want: ErrBadSignature},
		{name: "empty secret never verifies", secret: "-", header: hdr(ts, Sign("", testNow, body)), want: ErrBadSignature},
		{name: "stale", header: hdr(staleTS, staleSig), want: ErrStaleTimestamp},
		{name: "from the future", header: hdr(futureTS, futureSig), want: ErrStaleTimestamp},
		{name: "narrower window", header: hdr(twoMinTS, twoMinSig), window: time.Minute, want: ErrStaleTimestamp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			secret := tc.secret
			switch secret {
			case "":
				secret = testSecret
			case "-":
				secret = ""
			}
			b := body
			if tc.body != nil {
				b = tc.body
			}
			err := Verify(secret, tc.header, b, testNow, tc.window)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			if !errors.Is(err, providers.ErrUnauthorized) {
				t.Errorf("Verify = %v, does not wrap providers.ErrUnauthorized", err)
			}
			mustNotLeak(t, "the error", err.Error())
		})
	}
}

func TestSentinelsAreUnauthorized(t *testing.T) {
	for _, err := range []error{ErrMissingSignature, ErrStaleTimestamp, ErrBadSignature} {
		if !errors.Is(err, providers.ErrUnauthorized) {
			t.Errorf("%v does not wrap providers.ErrUnauthorized", err)
		}
	}
}

func hdr(ts, sig string) http.Header {
	return http.Header{HeaderTimestamp: {ts}, HeaderSignature: {sig}}
}
