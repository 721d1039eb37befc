package line

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/line/linetest"
	"github.com/switchboard/switchboard/providers/providertest"
)

// FuzzParseWebhook: any body gives events or a *ParseError, never a panic, and
// every event can be stored (DedupKey), routed (Kind) and answered (SenderID).
func FuzzParseWebhook(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	f.Add([]byte(`{"events":[{"type":"message","webhookEventId":"x","source":{"type":"group","groupId":"C"},"message":{"id":"1","type":"location","latitude":1e308,"longitude":-1e308}}]}`))
	f.Add([]byte(`{"events":[{"type":"message","webhookEventId":"x","timestamp":-9223372036854775808,"source":{"type":"room","roomId":"R"},"message":{"id":"1","type":"file","fileSize":"-5"}}]}`))
	f.Add([]byte(`{"events":[{"type":"postback","webhookEventId":"x","source":{"type":"user","userId":"U"},"postback":{"data":"","params":{"":""}}}]}`))
	p := Provider{}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, resp, err := p.ParseWebhook(testAccount, &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{}, Body: body, Received: received})
		if resp != nil {
			t.Errorf("resp = %+v", resp)
		}
		providertest.CheckParsed(t, events, err, providertest.Knobs{NoTimestamps: true})
		for _, ev := range events {
			for _, a := range ev.Attachments {
				if (a.FileID == "") == (a.URL == "") || a.Size < 0 {
					t.Errorf("attachment %+v: want exactly one of FileID and URL", a)
				}
			}
		}
	})
}

// FuzzVerifyWebhook: any signature header is handled without panic, and only
// the body's own signature passes.
func FuzzVerifyWebhook(f *testing.F) {
	body, err := os.ReadFile(filepath.Join("testdata", "batch.json"))
	if err != nil {
		f.Fatal(err)
	}
	good := linetest.Sign(linetest.Secret, body)
	for _, s := range []string{good, "", " ", good + " ", " " + good, good[:len(good)-1], good[:len(good)-1] + "A", "\x00", "ä", signature("", body)} {
		f.Add(s)
	}
	p := Provider{}
	f.Fuzz(func(t *testing.T, header string) {
		req := &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{SignatureHeader: {header}}, Body: body}
		_, handshake, err := p.VerifyWebhook(testAccount, req)
		if handshake {
			t.Errorf("handshake for a batch of events")
		}
		if header == good {
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
