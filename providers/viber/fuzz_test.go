package viber

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/viber/vibertest"
)

var validKinds = map[providers.EventKind]bool{
	providers.EventMessage: true, providers.EventEdited: true, providers.EventPostback: true,
	providers.EventDelivered: true, providers.EventRead: true,
	providers.EventSubscribed: true, providers.EventUnsubscribe: true,
}

// FuzzParseWebhook: any body gives events or a *ParseError, never a panic, and
// every event can be stored (DedupKey) and routed (Kind, SenderID).
func FuzzParseWebhook(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"event":"message","message_token":"-9223372036854775808","sender":{"id":"u"},"message":{"type":"location","location":{"lat":"1e400","lon":0}}}`))
	f.Add([]byte(`{"event":"seen","message_token":18446744073709551616,"user_id":"u"}`))
	f.Add([]byte(`{"event":"message","timestamp":9223372036854775807,"message_token":1,"sender":{"id":"u"},"message":{"type":"sticker","sticker_id":"0x10"}}`))
	p := New("")
	f.Fuzz(func(t *testing.T, body []byte) {
		events, resp, err := p.ParseWebhook(testAccount, &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{}, Body: body, Received: received})
		if resp != nil {
			t.Errorf("resp = %+v", resp)
		}
		if err != nil {
			var pe *providers.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *providers.ParseError", err, err)
			}
			if len(events) != 0 {
				t.Errorf("events alongside an error")
			}
			return
		}
		for _, ev := range events {
			if !strings.Contains(ev.DedupKey, ":") || !validKinds[ev.Kind] {
				t.Errorf("event without DedupKey or with kind %q: %+v", ev.Kind, ev)
			}
			if ev.Kind == providers.EventMessage && ev.MessageID == "" {
				t.Errorf("%s without MessageID", ev.Kind)
			}
			if (ev.Kind == providers.EventDelivered || ev.Kind == providers.EventRead) && len(ev.RefMessageIDs) != 1 {
				t.Errorf("%s about %v", ev.Kind, ev.RefMessageIDs)
			}
			if ev.SenderID == "" {
				t.Errorf("%s without SenderID", ev.Kind)
			}
			for _, a := range ev.Attachments {
				if a.URL == "" && a.FileID == "" {
					t.Errorf("attachment with neither URL nor FileID: %+v", a)
				}
			}
			if ev.Timestamp.IsZero() {
				t.Errorf("%s without a time", ev.Kind)
			}
		}
	})
}

// FuzzVerifyWebhook: any signature header is handled without panic, and only
// the body's signature under the account's token passes.
func FuzzVerifyWebhook(f *testing.F) {
	body := []byte(`{"event":"seen","timestamp":1457764197627,"message_token":4912661846655238145,"user_id":"01234567890A="}`)
	good := vibertest.Sign(testToken, body)
	for _, s := range []string{good, strings.ToUpper(good), "", " ", good[:63], good + "0", "\x00", "ä", vibertest.Sign("", body)} {
		f.Add(s, body)
	}
	p := New("")
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		req := &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{SignatureHeader: {header}}, Body: body}
		_, _, err := p.VerifyWebhook(testAccount, req)
		if strings.EqualFold(strings.TrimSpace(header), vibertest.Sign(testToken, body)) {
			if err != nil {
				t.Errorf("the right signature failed: %v", err)
			}
			return
		}
		if !errors.Is(err, providers.ErrUnauthorized) {
			t.Errorf("header %q: err = %v, want ErrUnauthorized", header, err)
		}
	})
}
