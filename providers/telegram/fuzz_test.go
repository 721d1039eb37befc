package telegram

import (
	"errors"
	"net/http"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/providertest"
)

// FuzzParseWebhook: any body gives events or a *ParseError, never a panic, and
// every event can be stored (DedupKey) and routed (Kind).
func FuzzParseWebhook(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	f.Add([]byte(`{"update_id":1,"message":{"message_id":1,"from":{"id":1},"chat":{"id":1},"photo":[{"file_id":"a","width":9223372036854775807,"height":2}]}}`))
	f.Add([]byte(`{"update_id":-1,"callback_query":{"id":"x","from":{"id":-5},"message":{"chat":{"id":1}}}}`))
	p := New("")
	f.Fuzz(func(t *testing.T, body []byte) {
		events, resp, err := p.ParseWebhook(testAccount, &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{}, Body: body})
		if resp != nil {
			t.Errorf("resp = %+v", resp)
		}
		providertest.CheckParsed(t, events, err, providertest.Knobs{NoTimestamps: true})
	})
}

// FuzzVerifyWebhook: any header value is handled without panic, and only the
// exact secret passes.
func FuzzVerifyWebhook(f *testing.F) {
	for _, s := range []string{testSecret, "", " ", testSecret + " ", " " + testSecret, testSecret[:len(testSecret)-1], "S3CR3T-TOKEN_42", "\x00", "ä"} {
		f.Add(s)
	}
	p := New("")
	body := []byte(`{"update_id":1}`)
	f.Fuzz(func(t *testing.T, header string) {
		req := &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{SecretHeader: {header}}, Body: body}
		_, handshake, err := p.VerifyWebhook(testAccount, req)
		if handshake {
			t.Errorf("handshake for %q", header)
		}
		if header == testSecret {
			if err != nil {
				t.Errorf("the right secret failed: %v", err)
			}
			return
		}
		if !errors.Is(err, providers.ErrUnauthorized) {
			t.Errorf("header %q: err = %v, want ErrUnauthorized", header, err)
		}
	})
}
