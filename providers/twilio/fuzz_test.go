package twilio

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/twilio/twiliotest"
)

var validKinds = map[providers.EventKind]bool{
	providers.EventFailed:  true,
	providers.EventMessage: true, providers.EventPostback: true,
	providers.EventDelivered: true, providers.EventRead: true,
}

// seeds are the fixtures, Twilio's own format.
func seeds(f *testing.F) [][]byte {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.form"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	var out [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// jsonSeeds are JSON bodies as Twilio posts them to webhooks signed with
// bodySHA256 (Event Streams, Conversations): the JSON content-type path.
var jsonSeeds = [][]byte{
	[]byte(`{"specversion":"1.0","type":"com.twilio.messaging.inbound-message.received","source":"/2010-04-01/Accounts/AC1/Messages/SM1.json","id":"EZ1","dataschema":"https://events-schemas.twilio.com/Messaging.InboundMessageV1/3","datacontenttype":"application/json","time":"2024-03-05T10:00:00.000Z","data":{"numMedia":0,"timestamp":"2024-03-05T10:00:00.000Z","accountSid":"AC1","to":"whatsapp:+14155238886","numSegments":1,"messageSid":"SM1","body":"Hello","from":"whatsapp:+14155551234"}}`),
	[]byte(`{"EventType":"onMessageAdded","ConversationSid":"CH1","MessageSid":"IM1","Body":"Hello","Author":"whatsapp:+14155551234"}`),
	[]byte(`[]`),
	[]byte(`{`),
}

// FuzzParseWebhook: any body, as a form or as JSON, gives events or a
// *ParseError, never a panic, always with Twilio's TwiML answer, and every
// event can be stored (DedupKey) and routed (Kind, SenderID, RefMessageIDs).
func FuzzParseWebhook(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b, false)
	}
	f.Add([]byte("MessageSid=SM1&From=whatsapp%3A%2B1&NumMedia=10&MediaUrl0=http%3A%2F%2Fx"), false)
	f.Add([]byte("MessageSid=SM1&From=whatsapp%3A%2B1&Latitude=1e400&Longitude=-0"), false)
	f.Add([]byte("MessageSid=SM1&MessageStatus=READ&To=whatsapp%3A"), false)
	f.Add([]byte("SmsSid=SM1&From=whatsapp%3A%E2%80%8B&ButtonPayload=%00"), false)
	f.Add([]byte("MessageSid=SM1&From=whatsapp%3A%2B1&NumMedia=1&MediaUrl0=https%3A%2F%2Fx%2Fm&MediaContentType0=text%2Fx-vcard&Body=%00"), false)
	for _, b := range jsonSeeds {
		f.Add(b, true)
	}
	p := Provider{}
	f.Fuzz(func(t *testing.T, body []byte, asJSON bool) {
		req := &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{}, Body: body, Received: received}
		if asJSON {
			req.Header.Set("Content-Type", "application/json")
		}
		events, resp, err := p.ParseWebhook(testAccount, req)
		checkTwiML(t, resp)
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
		if len(events) > 1 {
			t.Errorf("%d events from one webhook", len(events))
		}
		for _, ev := range events {
			if !strings.Contains(ev.DedupKey, ":") || len(ev.DedupKey) < 3 || !validKinds[ev.Kind] {
				t.Errorf("event without DedupKey or with kind %q: %+v", ev.Kind, ev)
			}
			switch ev.Kind {
			case providers.EventMessage, providers.EventPostback:
				if ev.MessageID == "" || ev.SenderID == "" || ev.DedupKey != "message:"+ev.MessageID {
					t.Errorf("%s without MessageID or SenderID: %+v", ev.Kind, ev)
				}
			case providers.EventDelivered, providers.EventRead:
				if len(ev.RefMessageIDs) != 1 || ev.RefMessageIDs[0] == "" {
					t.Errorf("%s about %v", ev.Kind, ev.RefMessageIDs)
				}
			}
			for _, a := range ev.Attachments {
				if a.URL == "" || a.FileID != a.URL {
					t.Errorf("attachment without its media URL: %+v", a)
				}
			}
			if l := ev.Location; l != nil && (math.IsNaN(l.Latitude) || math.IsNaN(l.Longitude) || math.Abs(l.Latitude) > 90 || math.Abs(l.Longitude) > 180) {
				t.Errorf("location %+v", l)
			}
			if ev.Timestamp.IsZero() {
				t.Errorf("%s without a time", ev.Kind)
			}
		}
	})
}

// FuzzVerifyWebhook: any signature header, body and URL are handled without a
// panic, and only Twilio's signature of that URL and body under the account's
// token passes.
func FuzzVerifyWebhook(f *testing.F) {
	for _, b := range seeds(f) {
		good := twiliotest.Sign(testToken, testWebhookURL, parseForm(f, b))
		f.Add(good, b, testWebhookURL)
	}
	body := []byte("MessageSid=SM1&Body=a+b")
	good := twiliotest.Sign(testToken, testWebhookURL, parseForm(f, body))
	for _, s := range []string{"", " ", good[:27], good + "=", "\x00", "ä", strings.ToLower(good)} {
		f.Add(s, body, testWebhookURL)
	}
	f.Add(good, body, "https://switchboard.example:443/webhooks/acc1")
	f.Add(good, body, "https://[::1/x")
	f.Add(good, []byte(`{"a":1}`), testWebhookURL+"?bodySHA256="+twiliotest.BodySHA256([]byte(`{"a":1}`)))
	for _, b := range jsonSeeds {
		signed := testWebhookURL + "?bodySHA256=" + twiliotest.BodySHA256(b)
		f.Add(twiliotest.Sign(testToken, signed, nil), b, signed)
	}
	p := Provider{}
	f.Fuzz(func(t *testing.T, header string, body []byte, publicURL string) {
		req := &providers.WebhookRequest{Method: http.MethodPost, PublicURL: publicURL,
			Header: http.Header{SignatureHeader: {header}}, Body: body}
		_, _, err := p.VerifyWebhook(testAccount, req)
		if err != nil && !errors.Is(err, providers.ErrUnauthorized) {
			t.Fatalf("err = %v, want nil or ErrUnauthorized", err)
		}
		if err != nil || publicURL == "" {
			return
		}
		// Accepted: the header must be Twilio's signature of some spelling
		// of the URL (with or without its port) and of the body.
		var form url.Values
		if u, perr := url.Parse(publicURL); perr == nil && u.Query().Has(bodyHashParam) {
			form = nil
		} else if form, perr = url.ParseQuery(string(body)); perr != nil {
			t.Fatalf("accepted a body that is not a form: %q", body)
		}
		for _, u := range urlVariants(publicURL) {
			if strings.TrimSpace(header) == twiliotest.Sign(testToken, u, form) {
				return
			}
		}
		t.Errorf("accepted header %q for %q and body %q", header, publicURL, body)
	})
}
