package infobip

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/providertest"
)

// FuzzParseWebhook: any body gives events or a *ParseError, never a panic or a
// response, and every event can be stored and routed (providertest's checks),
// with Infobip's message ID as its dedup key and sane coordinates.
func FuzzParseWebhook(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	f.Add([]byte(`{"results":[{"messageId":"m","from":"1","message":{"type":"LOCATION","latitude":1e400,"longitude":-0}}]}`))
	f.Add([]byte(`{"results":[{"messageId":" ","from":"1","message":{"type":"TEXT","text":"x"}}]}`))
	f.Add([]byte(`{"results":[{"messageId":"m","to":"447860099299","from":"447860099299","seenAt":null}]}`))
	f.Add([]byte(`{"results":[{"messageId":"m","status":null,"seenAt":"x","deletedAt":"y","to":"1"}]}`))
	f.Add([]byte(`{"results":null,"content":{}}`))
	f.Add([]byte(`{"results":[{"messageId":"m","from":"1","message":{"type":"image","url":"http://[::1"}}]}`))
	p := Provider{}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{}, Body: body, Received: received}
		events, resp, err := p.ParseWebhook(testAccount, req)
		providertest.CheckParsed(t, events, err, providertest.Knobs{})
		if resp != nil {
			t.Errorf("response %+v", resp)
		}
		for _, ev := range events {
			switch ev.Kind {
			case providers.EventMessage, providers.EventPostback:
				if ev.DedupKey != "message:"+ev.MessageID || strings.TrimSpace(ev.MessageID) != ev.MessageID {
					t.Errorf("%s with DedupKey %q for %q", ev.Kind, ev.DedupKey, ev.MessageID)
				}
			case providers.EventDelivered, providers.EventRead, providers.EventFailed:
				if len(ev.RefMessageIDs) != 1 || !strings.HasPrefix(ev.DedupKey, "status:"+ev.RefMessageIDs[0]+":") {
					t.Errorf("%s about %v, DedupKey %q", ev.Kind, ev.RefMessageIDs, ev.DedupKey)
				}
			default:
				t.Errorf("event of kind %s", ev.Kind)
			}
			for _, a := range ev.Attachments {
				if a.FileID != a.URL || !absoluteURL(a.URL) {
					t.Errorf("attachment %+v", a)
				}
			}
			if l := ev.Location; l != nil && (math.IsNaN(l.Latitude) || math.IsNaN(l.Longitude) || math.Abs(l.Latitude) > 90 || math.Abs(l.Longitude) > 180) {
				t.Errorf("location %+v", l)
			}
		}
	})
}

// FuzzVerifyWebhook: any Authorization and body are handled without a panic,
// and only a request with exactly the account's Basic credentials passes: the
// fuzzed requests carry no token in their URL, so one without Authorization is
// refused. The input is the header, a NUL, then the body; an input without NUL
// is a body without Authorization (the fixtures).
func FuzzVerifyWebhook(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	good := basic(WebhookUser, webhookPassword(testKey, testAccount.ID))
	for _, h := range []string{good, "basic " + good[6:], good + "=", good[:20], basic(WebhookUser, ""), basic("", ""), "Basic", "Basic  ", "App " + testKey, "\x00", "ä"} {
		f.Add(append([]byte(h+"\x00"), `{"results":[]}`...))
	}
	p := Provider{}
	f.Fuzz(func(t *testing.T, data []byte) {
		header, body, hasHeader := bytes.Cut(data, []byte{0})
		if !hasHeader {
			body = data
		}
		req := &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{}, Body: body, Received: received}
		if hasHeader {
			req.Header.Set("Authorization", string(header))
		}
		_, handshake, err := p.VerifyWebhook(testAccount, req)
		if handshake || (err != nil && !errors.Is(err, providers.ErrUnauthorized)) {
			t.Fatalf("handshake %v, err = %v, want nil or ErrUnauthorized", handshake, err)
		}
		if err != nil {
			return
		}
		if !hasHeader {
			t.Fatal("a request without Authorization or token accepted")
		}
		// Accepted with a header: it must decode to the account's credentials.
		scheme, cred, _ := strings.Cut(strings.TrimSpace(string(header)), " ")
		raw, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if !strings.EqualFold(scheme, "Basic") || derr != nil || string(raw) != WebhookUser+":"+webhookPassword(testKey, testAccount.ID) {
			t.Errorf("accepted Authorization %q", header)
		}
	})
}
