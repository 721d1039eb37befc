package facebook

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/facebook/facebooktest"
	"github.com/switchboard/switchboard/providers/meta"
	"github.com/switchboard/switchboard/providers/providertest"
)

// FuzzParseWebhook: any body gives events or a *ParseError, never a panic;
// every event passes the shared kit's checks (the core can store and route
// it), is never the Page's own, and a location is a place on the globe.
func FuzzParseWebhook(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	f.Add([]byte(`{"object":"page","entry":[{"id":"` + testPage + `","messaging":[{"sender":{"id":1e400},"message":{"mid":"m","sticker_id":"-1","attachments":[{"type":"sticker","payload":{"sticker_id":"x"}}]}}]}]}`))
	f.Add([]byte(`{"object":"page","entry":[{"id":"` + testPage + `","time":"9223372036854775807","messaging":[{"sender":{"id":"1"},"delivery":{"mids":["",""],"watermark":-5}}]}]}`))
	f.Add([]byte(`{"object":"page","entry":[{"id":"` + testPage + `","messaging":[{"sender":{"id":"1"},"timestamp":1,"message":{"mid":"m","attachments":[{"type":"location","payload":{"coordinates":{"lat":"NaN","long":"-Inf"}}}]}}]}]}`))
	p := New("")
	f.Fuzz(func(t *testing.T, body []byte) {
		events, resp, err := p.ParseWebhook(testAccount, &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{}, Body: body, Received: received})
		if resp != nil {
			t.Errorf("resp = %+v", resp)
		}
		providertest.CheckParsed(t, beyondKit(t, events, err), err, providertest.Knobs{})
		for _, ev := range events {
			if ev.SenderID == testPage {
				t.Errorf("%s from the Page itself", ev.Kind)
			}
			if l := ev.Location; l != nil && !onGlobe(l.Latitude, l.Longitude) {
				t.Errorf("location off the globe: %+v", *l)
			}
		}
	})
}

// beyondKit checks the events Messenger gives that the shared kit would
// refuse, and returns the others for the kit: a delivery may name no message
// (its watermark says "every message up to now", which the core applies by
// time), and a postback of the Get Started button or the persistent menu has
// no mid (its DedupKey is the sender and time).
func beyondKit(t *testing.T, events []providers.Event, err error) []providers.Event {
	t.Helper()
	if err != nil {
		return events
	}
	var rest []providers.Event
	for _, ev := range events {
		switch {
		case ev.Kind == providers.EventDelivered && len(ev.RefMessageIDs) == 0,
			ev.Kind == providers.EventPostback && ev.MessageID == "":
			if ev.DedupKey == "" || ev.SenderID == "" || ev.Timestamp.IsZero() {
				t.Errorf("%s without a message ID lacks DedupKey, SenderID or time: %+v", ev.Kind, ev)
			}
		default:
			rest = append(rest, ev)
		}
	}
	return rest
}

// FuzzRouteKeys: the shared address reads the Page IDs before any signature
// is checked, so any body gives keys or a *ParseError, never a panic, and
// never an empty key. A body the account's parser takes events from names
// the account's Page, so the shared address hands it to that account.
func FuzzRouteKeys(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	f.Add([]byte(`{"object":"page","entry":[{"id":1e400},{"id":null},{"id":"` + testPage + `"}]}`))
	f.Add([]byte(`{"entry":{}}`))
	p := New("")
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, err := p.RouteKeys(body)
		if err != nil {
			var pe *providers.ParseError
			if !errors.As(err, &pe) || keys != nil {
				t.Fatalf("keys %q, err = %v (%T), want a *providers.ParseError", keys, err, err)
			}
		}
		for _, k := range keys {
			if k == "" {
				t.Errorf("empty key in %q", keys)
			}
		}
		events, _, perr := p.ParseWebhook(testAccount, &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{}, Body: body, Received: received})
		if perr == nil && len(events) > 0 && !slices.Contains(keys, p.RouteKey(testAccount)) {
			t.Errorf("events for Page %s, but the body routes to %q", testPage, keys)
		}
	})
}

// FuzzVerifyWebhook: any signature header and any handshake query are handled
// without panic; only the body's signature under the app secret passes a POST,
// and only the verify token passes a handshake.
func FuzzVerifyWebhook(f *testing.F) {
	body, err := os.ReadFile(filepath.Join("testdata", "text.json"))
	if err != nil {
		f.Fatal(err)
	}
	good := facebooktest.Sign(testSecret, body)
	for _, s := range []string{good, strings.ToUpper(good), "", " ", good[:70], good + "0", "sha256=", "\x00", "ä"} {
		f.Add(s, body, "hub.mode=subscribe&hub.verify_token="+testVerify+"&hub.challenge=1")
	}
	f.Add(good, body, "hub.mode=subscribe&hub.verify_token=x&hub.challenge=%00")
	f.Add("", []byte{}, "hub.mode=subscribe&hub.challenge=1&hub.verify_token="+testVerify+"&hub.verify_token="+testVerify)
	p := New("")
	f.Fuzz(func(t *testing.T, header string, body []byte, query string) {
		req := &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{facebooktest.SignatureHeader: {header}}, Body: body}
		_, hs, err := p.VerifyWebhook(testAccount, req)
		if meta.ValidSignature(testSecret, body, header) {
			if err != nil || hs {
				t.Errorf("the right signature failed: %v", err)
			}
		} else if !errors.Is(err, providers.ErrUnauthorized) {
			t.Errorf("header %q: err = %v, want ErrUnauthorized", header, err)
		}
		u := &url.URL{Path: "/w", RawQuery: query}
		resp, hs, err := p.VerifyWebhook(testAccount, &providers.WebhookRequest{Method: http.MethodGet, URL: u, Header: http.Header{}})
		q := u.Query()
		if err == nil {
			if !hs || resp == nil || q.Get("hub.mode") != "subscribe" || len(q["hub.verify_token"]) != 1 || q.Get("hub.verify_token") != testVerify ||
				string(resp.Body) != q.Get("hub.challenge") {
				t.Errorf("query %q passed: %+v", query, resp)
			}
		} else if !(errors.Is(err, providers.ErrNotAllowed) || errors.Is(err, providers.ErrForbidden)) || hs {
			t.Errorf("query %q: %v", query, err)
		}
	})
}
