package whatsappcloud

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
	"github.com/switchboard/switchboard/providers/meta"
	"github.com/switchboard/switchboard/providers/providertest"
	"github.com/switchboard/switchboard/providers/whatsappcloud/whatsappcloudtest"
)

// FuzzParseWebhook: any body gives events or a *ParseError, never a panic;
// every event passes the shared kit's checks (the core can store and route
// it), media comes by media ID, and a location is a place on the globe.
func FuzzParseWebhook(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":` + testNumber + `},"messages":[{"id":"w","from":"1","timestamp":"-1","type":"location","location":{"latitude":"NaN","longitude":1e999}}]}}]}]}`))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"` + testNumber + `"},"messages":[{"id":"w","from_user_id":"US.1","type":"contacts","contacts":[{},{"phones":[{}]}]}],"statuses":[{"id":"","status":"sent"}]}}]}]}`))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"` + testNumber + `"},"statuses":[{"id":"wamid.1","status":"read","timestamp":"1","recipient_user_id":""}]}}]}]}`))
	p := New("")
	f.Fuzz(func(t *testing.T, body []byte) {
		events, resp, err := p.ParseWebhook(testAccount, &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{}, Body: body, Received: received})
		if resp != nil {
			t.Errorf("resp = %+v", resp)
		}
		providertest.CheckParsed(t, events, err, providertest.Knobs{})
		for _, ev := range events {
			for _, a := range ev.Attachments {
				if a.FileID == "" {
					t.Errorf("attachment without FileID: %+v", a)
				}
			}
			if l := ev.Location; l != nil && !onGlobe(l.Latitude, l.Longitude) {
				t.Errorf("location off the globe: %+v", *l)
			}
		}
	})
}

// FuzzRouteKeys: the shared address reads the phone number IDs before any
// signature is checked, so any body gives keys or a *ParseError, never a
// panic, and never an empty key. A body the account's parser takes events
// from names the account's number, so the shared address hands it to that
// account.
func FuzzRouteKeys(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"phone_number_id":1e400}}},{"value":{"metadata":null}},{"value":{"metadata":{"phone_number_id":"` + testNumber + `"}}}]}]}`))
	f.Add([]byte(`{"entry":[{"changes":{}}]}`))
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
			t.Errorf("events for number %s, but the body routes to %q", testNumber, keys)
		}
	})
}

// FuzzVerifyWebhook: any signature header and any handshake query are handled
// without panic; only the body's signature under the app secret passes a POST,
// and only the verify token passes a handshake.
func FuzzVerifyWebhook(f *testing.F) {
	body, err := os.ReadFile(filepath.Join("testdata", "text_unicode.json"))
	if err != nil {
		f.Fatal(err)
	}
	good := whatsappcloudtest.Sign(testSecret, body)
	for _, s := range []string{good, strings.ToUpper(good), "", " ", good[:70], good + "0", "sha256=", "\x00", "ä"} {
		f.Add(s, body, "hub.mode=subscribe&hub.verify_token="+testVerify+"&hub.challenge=1158201444")
	}
	f.Add(good, body, "hub.mode=subscribe&hub.verify_token="+testVerify+"&hub.challenge=%0A")
	f.Add("", []byte{}, "hub.mode=subscribe&hub.challenge=1&hub.verify_token=")
	p := New("")
	f.Fuzz(func(t *testing.T, header string, body []byte, query string) {
		req := &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{whatsappcloudtest.SignatureHeader: {header}}, Body: body}
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
