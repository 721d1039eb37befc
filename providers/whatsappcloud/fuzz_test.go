package whatsappcloud

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta"
	"github.com/switchboard/switchboard/providers/whatsappcloud/whatsappcloudtest"
)

var validKinds = map[providers.EventKind]bool{
	providers.EventMessage: true, providers.EventEdited: true, providers.EventPostback: true,
	providers.EventDelivered: true, providers.EventRead: true, providers.EventFailed: true,
}

// FuzzParseWebhook: any body gives events or a *ParseError, never a panic, and
// every event can be stored (DedupKey) and routed (Kind; SenderID for what a
// customer sent; RefMessageIDs for receipts and edits).
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
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":` + testNumber + `},"messages":[{"id":"w","from":"1","timestamp":"-1","type":"location","location":{"latitude":"NaN","longitude":1e999}}]}}]}]}`))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"` + testNumber + `"},"messages":[{"id":"w","from_user_id":"US.1","type":"contacts","contacts":[{},{"phones":[{}]}]}],"statuses":[{"id":"","status":"sent"}]}}]}]}`))
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
			switch ev.Kind {
			case providers.EventMessage, providers.EventPostback:
				if ev.SenderID == "" || ev.MessageID == "" {
					t.Errorf("%s without SenderID or MessageID: %+v", ev.Kind, ev)
				}
			case providers.EventEdited, providers.EventDelivered, providers.EventRead:
				if len(ev.RefMessageIDs) != 1 || ev.RefMessageIDs[0] == "" {
					t.Errorf("%s about %v", ev.Kind, ev.RefMessageIDs)
				}
			}
			for _, a := range ev.Attachments {
				if a.FileID == "" {
					t.Errorf("attachment without FileID: %+v", a)
				}
			}
			if ev.Timestamp.IsZero() {
				t.Errorf("%s without a time", ev.Kind)
			}
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
