package facebook

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/facebook/facebooktest"
	"github.com/switchboard/switchboard/providers/meta"
)

var validKinds = map[providers.EventKind]bool{
	providers.EventMessage: true, providers.EventEdited: true, providers.EventPostback: true,
	providers.EventDelivered: true, providers.EventRead: true,
}

// FuzzParseWebhook: any body gives events or a *ParseError, never a panic, and
// every event can be stored (DedupKey) and routed (Kind, SenderID), and is
// never the Page's own.
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
	f.Add([]byte(`{"object":"page","entry":[{"id":"` + testPage + `","messaging":[{"sender":{"id":1e400},"message":{"mid":"m","sticker_id":"-1","attachments":[{"type":"sticker","payload":{"sticker_id":"x"}}]}}]}]}`))
	f.Add([]byte(`{"object":"page","entry":[{"id":"` + testPage + `","time":"9223372036854775807","messaging":[{"sender":{"id":"1"},"delivery":{"mids":["",""],"watermark":-5}}]}]}`))
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
			if ev.SenderID == "" || ev.SenderID == testPage {
				t.Errorf("%s from %q", ev.Kind, ev.SenderID)
			}
			if (ev.Kind == providers.EventMessage || ev.Kind == providers.EventEdited) && ev.MessageID == "" {
				t.Errorf("%s without MessageID", ev.Kind)
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
