package viber

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/providertest"
	"github.com/switchboard/switchboard/providers/viber/vibertest"
)

// FuzzParseWebhook: any body gives events or a *ParseError, never a panic, and
// every event can be stored (DedupKey) and routed (Kind, SenderID).
func FuzzParseWebhook(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	f.Add([]byte(`{"event":"message","message_token":"-9223372036854775808","sender":{"id":"u"},"message":{"type":"location","location":{"lat":"1e400","lon":0}}}`))
	f.Add([]byte(`{"event":"seen","message_token":18446744073709551616,"user_id":"u"}`))
	f.Add([]byte(`{"event":"message","timestamp":9223372036854775807,"message_token":1,"sender":{"id":"u"},"message":{"type":"sticker","sticker_id":"0x10"}}`))
	p := New("")
	f.Fuzz(func(t *testing.T, body []byte) {
		events, resp, err := p.ParseWebhook(testAccount, &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{}, Body: body, Received: received})
		if resp != nil {
			t.Errorf("resp = %+v", resp)
		}
		providertest.CheckParsed(t, events, err, providertest.Knobs{})
		for _, ev := range events {
			if !strings.Contains(ev.DedupKey, ":") {
				t.Errorf("DedupKey %q does not name its kind", ev.DedupKey)
			}
			if (ev.Kind == providers.EventDelivered || ev.Kind == providers.EventRead) && len(ev.RefMessageIDs) != 1 {
				t.Errorf("%s about %v", ev.Kind, ev.RefMessageIDs)
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
