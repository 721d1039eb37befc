// Package providertest is the test kit every messenger's tests share: its
// fixtures in testdata/ seed the fuzzers, and one set of checks says what any
// parse result must be, so each new messenger gets the same scrutiny by
// calling a few functions instead of copying them.
package providertest

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/switchboard/switchboard/providers"
)

// Fixtures reads the files of testdata/ matching pattern (such as "*.json"),
// in name order, and fails the test when there is none.
func Fixtures(tb testing.TB, pattern string) map[string][]byte {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(names) == 0 {
		tb.Fatalf("providertest: no testdata/%s: %v", pattern, err)
	}
	sort.Strings(names)
	out := make(map[string][]byte, len(names))
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(name)] = b
	}
	return out
}

// SeedCorpus adds every fixture matching pattern to f's corpus.
func SeedCorpus(f *testing.F, pattern string) {
	f.Helper()
	fixtures := Fixtures(f, pattern)
	names := make([]string, 0, len(fixtures))
	for name := range fixtures {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f.Add(fixtures[name])
	}
}

// Knobs loosens CheckParsed for what a messenger does not report.
type Knobs struct {
	// NoTimestamps: the format carries no event time.
	NoTimestamps bool
}

var knownKinds = map[providers.EventKind]bool{
	providers.EventMessage: true, providers.EventEdited: true, providers.EventPostback: true,
	providers.EventDelivered: true, providers.EventRead: true,
	providers.EventSubscribed: true, providers.EventUnsubscribe: true, providers.EventFailed: true,
}

// CheckParsed checks what ParseWebhook returned for any input: either a
// *providers.ParseError and no events, or events that the core can store and
// route: a known kind, a dedup key, a sender, a message ID for messages,
// edits and postbacks, the messages a receipt is about, and attachments with a
// URL or file ID.
func CheckParsed(tb testing.TB, events []providers.Event, err error, k Knobs) {
	tb.Helper()
	if err != nil {
		var pe *providers.ParseError
		if !errors.As(err, &pe) {
			tb.Fatalf("err = %v (%T), want *providers.ParseError", err, err)
		}
		if len(events) != 0 {
			tb.Errorf("%d events alongside an error", len(events))
		}
		return
	}
	for _, ev := range events {
		if !knownKinds[ev.Kind] {
			tb.Errorf("event of unknown kind %q: %+v", ev.Kind, ev)
		}
		if ev.DedupKey == "" {
			tb.Errorf("%s without DedupKey: %+v", ev.Kind, ev)
		}
		if ev.SenderID == "" {
			tb.Errorf("%s without SenderID", ev.Kind)
		}
		switch ev.Kind {
		case providers.EventMessage, providers.EventEdited, providers.EventPostback:
			if ev.MessageID == "" {
				tb.Errorf("%s without MessageID", ev.Kind)
			}
		case providers.EventDelivered, providers.EventFailed:
			if len(ev.RefMessageIDs) == 0 {
				tb.Errorf("%s about no message", ev.Kind)
			}
		case providers.EventRead:
			if len(ev.RefMessageIDs) == 0 && ev.Timestamp.IsZero() {
				tb.Errorf("%s about no message and no time", ev.Kind)
			}
		}
		for _, a := range ev.Attachments {
			if a.URL == "" && a.FileID == "" {
				tb.Errorf("attachment with neither URL nor FileID: %+v", a)
			}
		}
		if !k.NoTimestamps && ev.Timestamp.IsZero() {
			tb.Errorf("%s without a time", ev.Kind)
		}
	}
}
