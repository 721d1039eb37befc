package custom

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// FuzzParseWebhook: any authentic body yields events or a *ParseError with a 400
// answer, never a panic; every event has a DedupKey and a Kind.
func FuzzParseWebhook(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, resp, err := Provider{}.ParseWebhook(testAccount(""), signedRequest(body))
		if err != nil {
			var pe *providers.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want a *providers.ParseError", err, err)
			}
			if events != nil {
				t.Fatalf("events alongside an error: %+v", events)
			}
			var answer struct{ Error string }
			if resp == nil || resp.Status != http.StatusBadRequest || json.Unmarshal(resp.Body, &answer) != nil || answer.Error != pe.Reason {
				t.Fatalf("answer = %+v, want 400 {\"error\": %q}", resp, pe.Reason)
			}
			return
		}
		if len(events) == 0 || len(events) > MaxEvents {
			t.Fatalf("%d events without an error", len(events))
		}
		if resp == nil || resp.Status != http.StatusOK {
			t.Fatalf("answer = %+v, want 200", resp)
		}
		seen := map[string]bool{}
		for i, ev := range events {
			if !strings.HasPrefix(ev.DedupKey, DedupPrefix) || len(ev.DedupKey) == len(DedupPrefix) {
				t.Fatalf("events[%d].DedupKey = %q", i, ev.DedupKey)
			}
			if seen[ev.DedupKey] {
				t.Fatalf("events[%d].DedupKey %q repeats", i, ev.DedupKey)
			}
			seen[ev.DedupKey] = true
			if ev.Kind == "" || ev.SenderID == "" || ev.Timestamp.IsZero() {
				t.Fatalf("events[%d] = %+v, want Kind, SenderID and Timestamp", i, ev)
			}
			switch ev.Kind {
			case providers.EventMessage, providers.EventEdited, providers.EventPostback:
				if ev.MessageID == "" {
					t.Fatalf("events[%d] = %+v, want a MessageID", i, ev)
				}
			case providers.EventDelivered, providers.EventRead:
				if len(ev.RefMessageIDs) == 0 {
					t.Fatalf("events[%d] = %+v, want RefMessageIDs", i, ev)
				}
			}
		}
	})
}

// FuzzVerify: random headers and bodies never panic, refusals always wrap
// providers.ErrUnauthorized, only a correct signature passes, and a correct
// signature always passes.
func FuzzVerify(f *testing.F) {
	body := []byte(`{"events":[]}`)
	stamp := strconv.FormatInt(testNow.Unix(), 10)
	f.Add(stamp, Sign(testSecret, testNow, body), body, int64(0))
	f.Add(stamp, "v1=00,"+Sign(testSecret, testNow, body), body, int64(-299))
	f.Add("", "", []byte{}, int64(300))
	f.Add("abc", "v1=zz", []byte("x"), int64(1<<40))
	f.Add(stamp+"0", "v0=1,v1=,=,,", []byte(nil), int64(-1))
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte, offset int64) {
		h := http.Header{HeaderTimestamp: {ts}, HeaderSignature: {sig}}
		err := Verify(testSecret, h, body, testNow, 0)
		if err != nil {
			if !errors.Is(err, providers.ErrUnauthorized) {
				t.Fatalf("Verify = %v, not unauthorized", err)
			}
		} else {
			stamp := strings.TrimSpace(ts)
			n, perr := strconv.ParseInt(stamp, 10, 64)
			if perr != nil || testNow.Sub(time.Unix(n, 0)).Abs() > DefaultReplayWindow {
				t.Fatalf("accepted timestamp %q", ts)
			}
			want := hex.EncodeToString(mac(testSecret, stamp, body))
			if !strings.Contains(strings.ToLower(sig), "v1="+want) && !containsV1(sig, want) {
				t.Fatalf("accepted signature %q, want one containing v1=%s", sig, want)
			}
		}

		// Round trip within the window always passes; any change to the body fails.
		at := testNow.Add(time.Duration(offset%int64(DefaultReplayWindow/time.Second)) * time.Second)
		good := http.Header{}
		signHeaders(good, testSecret, at, body)
		if err := Verify(testSecret, good, body, testNow, 0); err != nil {
			t.Fatalf("a correct signature was refused: %v", err)
		}
		tampered := append(bytes.Clone(body), '!')
		if err := Verify(testSecret, good, tampered, testNow, 0); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("a changed body passed or failed oddly: %v", err)
		}
	})
}

// containsV1 reports whether header offers want as a v1 value, spaces allowed.
func containsV1(header, want string) bool {
	for part := range strings.SplitSeq(header, ",") {
		scheme, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.TrimSpace(scheme) == "v1" && strings.EqualFold(strings.TrimSpace(value), want) {
			return true
		}
	}
	return false
}
