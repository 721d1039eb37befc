package twilio

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/twilio/twiliotest"
)

// testToken has the shape of a real Auth Token; tests check that no error,
// result or detail shows it.
const testToken = twiliotest.DefaultAuthToken

// testWebhookURL is the account's webhook URL, which Twilio calls and signs.
const testWebhookURL = "https://switchboard.example/webhooks/acc1"

var testAccount = providers.Account{
	ID: "acc1",
	Settings: map[string]string{
		"apiUrl":         DefaultAPIURL,
		"accountSid":     twiliotest.DefaultAccountSID,
		"whatsappNumber": twiliotest.SandboxNumber,
	},
	Secrets:    map[string]string{"authToken": testToken},
	WebhookURL: testWebhookURL,
}

var received = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)

// webhookRequest is a request as the ingest handler builds it from Twilio's POST
// to publicURL, signed with sig ("" for none).
func webhookRequest(t testing.TB, body []byte, publicURL, sig string) *providers.WebhookRequest {
	t.Helper()
	u, err := url.Parse(publicURL)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if sig != "" {
		h.Set(SignatureHeader, sig)
	}
	return &providers.WebhookRequest{
		Method:    http.MethodPost,
		URL:       &url.URL{Path: u.Path, RawQuery: u.RawQuery},
		PublicURL: publicURL,
		Header:    h,
		Body:      body,
		Received:  received,
	}
}

// signed is body as Twilio would post it to testAccount's webhook.
func signed(t testing.TB, body []byte) *providers.WebhookRequest {
	t.Helper()
	return webhookRequest(t, body, testWebhookURL, twiliotest.Sign(testToken, testWebhookURL, parseForm(t, body)))
}

func parseForm(t testing.TB, body []byte) url.Values {
	t.Helper()
	f, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyWebhook(t *testing.T) {
	p := Provider{}
	body := fixture(t, "text.form")
	form := parseForm(t, body)
	good := twiliotest.Sign(testToken, testWebhookURL, form)
	withPort := "https://switchboard.example:443/webhooks/acc1"
	tests := []struct {
		name      string
		method    string
		publicURL string
		sigs      []string // values of the signature header
		body      []byte
		acct      providers.Account
		want      error
	}{
		{"right signature", http.MethodPost, testWebhookURL, []string{good}, body, testAccount, nil},
		{"surrounding blanks", http.MethodPost, testWebhookURL, []string{" " + good + " "}, body, testAccount, nil},
		{"Twilio signed the default port", http.MethodPost, testWebhookURL, []string{twiliotest.Sign(testToken, withPort, form)}, body, testAccount, nil},
		{"configured with the default port", http.MethodPost, withPort, []string{good}, body, testAccount, nil},
		{"token pasted with blanks", http.MethodPost, testWebhookURL, []string{good}, body,
			providers.Account{Secrets: map[string]string{"authToken": " " + testToken + "\n"}}, nil},
		{"wrong token", http.MethodPost, testWebhookURL, []string{twiliotest.Sign("another-token", testWebhookURL, form)}, body, testAccount, providers.ErrUnauthorized},
		{"signature of another body", http.MethodPost, testWebhookURL, []string{good}, fixture(t, "image.form"), testAccount, providers.ErrUnauthorized},
		{"a parameter changed", http.MethodPost, testWebhookURL, []string{good},
			[]byte(strings.Replace(string(body), "ProfileName=Jane", "ProfileName=John", 1)), testAccount, providers.ErrUnauthorized},
		{"a parameter added", http.MethodPost, testWebhookURL, []string{good}, append(append([]byte(nil), body...), "&Extra=1"...), testAccount, providers.ErrUnauthorized},
		{"another path", http.MethodPost, "https://switchboard.example/webhooks/acc2", []string{good}, body, testAccount, providers.ErrUnauthorized},
		{"another host", http.MethodPost, "https://evil.example/webhooks/acc1", []string{good}, body, testAccount, providers.ErrUnauthorized},
		{"plain http", http.MethodPost, "http://switchboard.example/webhooks/acc1", []string{good}, body, testAccount, providers.ErrUnauthorized},
		{"a query Twilio did not sign", http.MethodPost, testWebhookURL + "?x=1", []string{good}, body, testAccount, providers.ErrUnauthorized},
		{"another port", http.MethodPost, "https://switchboard.example:8443/webhooks/acc1", []string{twiliotest.Sign(testToken, "https://switchboard.example:9443/webhooks/acc1", form)}, body, testAccount, providers.ErrUnauthorized},
		{"truncated signature", http.MethodPost, testWebhookURL, []string{good[:len(good)-2]}, body, testAccount, providers.ErrUnauthorized},
		{"not base64", http.MethodPost, testWebhookURL, []string{"not a signature!"}, body, testAccount, providers.ErrUnauthorized},
		{"hex instead of base64", http.MethodPost, testWebhookURL, []string{strings.Repeat("ab", 20)}, body, testAccount, providers.ErrUnauthorized},
		{"missing header", http.MethodPost, testWebhookURL, nil, body, testAccount, providers.ErrUnauthorized},
		{"empty header", http.MethodPost, testWebhookURL, []string{""}, body, testAccount, providers.ErrUnauthorized},
		{"two headers", http.MethodPost, testWebhookURL, []string{good, good}, body, testAccount, providers.ErrUnauthorized},
		{"no public URL", http.MethodPost, "", []string{twiliotest.Sign(testToken, "", form)}, body, testAccount, providers.ErrUnauthorized},
		{"account without token", http.MethodPost, testWebhookURL, []string{twiliotest.Sign("", testWebhookURL, form)}, body,
			providers.Account{Secrets: map[string]string{}}, providers.ErrUnauthorized},
		{"body that is not a form", http.MethodPost, testWebhookURL, []string{twiliotest.Sign(testToken, testWebhookURL, nil)}, []byte("a=%zz"), testAccount, providers.ErrUnauthorized},
		{"GET", http.MethodGet, testWebhookURL, []string{good}, body, testAccount, providers.ErrNotAllowed},
		{"PUT", http.MethodPut, testWebhookURL, []string{good}, body, testAccount, providers.ErrNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := webhookRequest(t, tt.body, "https://x.example/", "")
			req.Method, req.PublicURL = tt.method, tt.publicURL
			for _, v := range tt.sigs {
				req.Header.Add(SignatureHeader, v)
			}
			resp, handshake, err := p.VerifyWebhook(tt.acct, req)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if resp != nil || handshake {
				t.Errorf("resp %v, handshake %v: Twilio has no handshake", resp, handshake)
			}
		})
	}
	t.Run("nil request", func(t *testing.T) {
		if _, _, err := p.VerifyWebhook(testAccount, nil); !errors.Is(err, providers.ErrNotAllowed) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestVerifyPublishedExample verifies the worked example of Twilio's security
// documentation: auth token 12345, the URL Twilio called and its POST
// parameters, and the signature Twilio published for them.
func TestVerifyPublishedExample(t *testing.T) {
	const exampleURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
	acct := providers.Account{Secrets: map[string]string{"authToken": "12345"}}
	form := func(caller string) []byte {
		return []byte(url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {caller}, "Digits": {"1234"},
			"From": {caller}, "To": {"+18005551212"}}.Encode())
	}
	tests := []struct {
		name      string
		publicURL string
		body      []byte
		sig       string
		want      error
	}{
		{"current docs", exampleURL, form("+14158675309"), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", nil},
		{"older docs", exampleURL, form("+12349013030"), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", nil},
		{"with a port Twilio left out", "https://mycompany.com:1234/myapp.php?foo=1&bar=2", form("+14158675309"), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", nil},
		{"another query", "https://mycompany.com/myapp.php?foo=1&bar=3", form("+14158675309"), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", providers.ErrUnauthorized},
		{"query reordered", "https://mycompany.com/myapp.php?bar=2&foo=1", form("+14158675309"), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", providers.ErrUnauthorized},
		{"another caller", exampleURL, form("+14158675300"), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", providers.ErrUnauthorized},
		{"another token's example", exampleURL, form("+14158675309"), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", providers.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Provider{}.VerifyWebhook(acct, webhookRequest(t, tt.body, tt.publicURL, tt.sig))
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestVerifyJSONBody checks the bodySHA256 variant with the vector of Twilio's
// Go SDK: the signature covers the URL with the body's hash, and the body must
// hash to it.
func TestVerifyJSONBody(t *testing.T) {
	const base = "https://mycompany.com/myapp.php?foo=1&bar=2"
	const hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
	acct := providers.Account{Secrets: map[string]string{"authToken": "12345"}}
	body := []byte(`{"property": "value", "boolean": true}`)
	tests := []struct {
		name      string
		publicURL string
		body      []byte
		sig       string
		want      error
	}{
		{"SDK vector", base + "&bodySHA256=" + hash, body, "a9nBmqA0ju/hNViExpshrM61xv4=", nil},
		{"only the hash in the query", "https://mycompany.com/myapp.php?bodySHA256=" + hash, body, "y77kIzt2vzLz71DgmJGsen2scGs=", nil},
		{"uppercase hash", base + "&bodySHA256=" + strings.ToUpper(hash), body,
			twiliotest.Sign("12345", base+"&bodySHA256="+strings.ToUpper(hash), nil), nil},
		{"body changed", base + "&bodySHA256=" + hash, []byte(`{"property": "value", "boolean": false}`), "a9nBmqA0ju/hNViExpshrM61xv4=", providers.ErrUnauthorized},
		{"hash of another body, signed", base + "&bodySHA256=" + strings.Repeat("0", 64), body,
			twiliotest.Sign("12345", base+"&bodySHA256="+strings.Repeat("0", 64), nil), providers.ErrUnauthorized},
		{"two hashes", base + "&bodySHA256=" + hash + "&bodySHA256=" + hash, body,
			twiliotest.Sign("12345", base+"&bodySHA256="+hash+"&bodySHA256="+hash, nil), providers.ErrUnauthorized},
		{"the form signature of a JSON URL", base + "&bodySHA256=" + hash, body, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", providers.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := webhookRequest(t, tt.body, tt.publicURL, tt.sig)
			req.Header.Set("Content-Type", "application/json")
			_, _, err := Provider{}.VerifyWebhook(acct, req)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseWebhook(t *testing.T) {
	const customer = "+14155551234"
	mediaURL := func(mm, me string) string {
		return "https://api.twilio.com/2010-04-01/Accounts/" + twiliotest.DefaultAccountSID + "/Messages/" + mm + "/Media/" + me
	}
	msg := func(sid string) providers.Event {
		return providers.Event{Kind: providers.EventMessage, DedupKey: "message:" + sid, MessageID: sid,
			SenderID: customer, SenderName: "Jane Doe", Timestamp: received}
	}
	att := func(typ providers.AttachmentType, u, mt string) []providers.Attachment {
		return []providers.Attachment{{Type: typ, FileID: u, URL: u, MimeType: mt}}
	}
	const out = "SM00000000000000000000000000000007"
	receipt := func(kind providers.EventKind, status string) providers.Event {
		return providers.Event{Kind: kind, DedupKey: "status:" + out + ":" + status, RefMessageIDs: []string{out},
			SenderID: customer, Timestamp: received}
	}
	tests := []struct {
		fixture string
		want    []providers.Event
	}{
		{"text.form", func() []providers.Event {
			e := msg("SM9f3bb1d23c6f4d5a8e2c71b0a4d6e5f1")
			e.Text = "Hello, I need help with my order #123 & my invoice"
			return []providers.Event{e}
		}()},
		{"image.form", func() []providers.Event {
			e := msg("MM4b2e0c8f1d7a49e6b3c5d2a1f0e9b8c7")
			e.Text = "Here is the photo of the damage"
			e.Attachments = att(providers.AttachmentImage, mediaURL("MM4b2e0c8f1d7a49e6b3c5d2a1f0e9b8c7", "ME1c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f"), "image/jpeg")
			return []providers.Event{e}
		}()},
		{"voice.form", func() []providers.Event {
			e := msg("MM7d6c5b4a39281706f5e4d3c2b1a09f8e")
			e.Attachments = att(providers.AttachmentVoice, mediaURL("MM7d6c5b4a39281706f5e4d3c2b1a09f8e", "ME2a3b4c5d6e7f8091a2b3c4d5e6f70812"), "audio/ogg")
			return []providers.Event{e}
		}()},
		{"document.form", func() []providers.Event {
			e := msg("MM0a1b2c3d4e5f60718293a4b5c6d7e8f9")
			e.Attachments = att(providers.AttachmentFile, mediaURL("MM0a1b2c3d4e5f60718293a4b5c6d7e8f9", "ME9f8e7d6c5b4a39281706f5e4d3c2b1a0"), "application/pdf")
			return []providers.Event{e}
		}()},
		{"sticker.form", func() []providers.Event {
			e := msg("MM5e4d3c2b1a0f9e8d7c6b5a4938271605")
			e.Attachments = att(providers.AttachmentSticker, mediaURL("MM5e4d3c2b1a0f9e8d7c6b5a4938271605", "ME6f5e4d3c2b1a0f9e8d7c6b5a49382716"), "image/webp")
			return []providers.Event{e}
		}()},
		{"contact.form", func() []providers.Event {
			e := msg("MM2c3d4e5f60718293a4b5c6d7e8f90a1b")
			e.Contact = &providers.ContactCard{Name: "Shared contact (vCard)"}
			e.Attachments = att(providers.AttachmentFile, mediaURL("MM2c3d4e5f60718293a4b5c6d7e8f90a1b", "ME3d4e5f60718293a4b5c6d7e8f90a1b2c"), "text/vcard")
			e.Attachments[0].FileName = "contact.vcf"
			return []providers.Event{e}
		}()},
		{"location.form", func() []providers.Event {
			e := msg("SM3c2b1a0f9e8d7c6b5a4938271605f4e3")
			e.Location = &providers.Location{Latitude: 37.7879277, Longitude: -122.3937508, Title: "Twilio Inc, 375 Beale St, San Francisco, CA 94105"}
			return []providers.Event{e}
		}()},
		{"button.form", func() []providers.Event {
			e := msg("SM8e7d6c5b4a3928170f6e5d4c3b2a1908")
			e.Kind, e.Text, e.Payload = providers.EventPostback, "Yes, confirm", "confirm_order_123"
			return []providers.Event{e}
		}()},
		{"reply.form", func() []providers.Event {
			e := msg("SM1a2b3c4d5e6f708192a3b4c5d6e7f809")
			e.Text = "Thanks, that worked!"
			return []providers.Event{e}
		}()},
		{"status_delivered.form", []providers.Event{receipt(providers.EventDelivered, "delivered")}},
		{"status_read.form", []providers.Event{receipt(providers.EventRead, "read")}},
		{"status_failed.form", []providers.Event{func() providers.Event {
			e := receipt(providers.EventFailed, "failed")
			e.Reason = "WhatsApp could not deliver it (Twilio: failed, error 63016: the customer last wrote more than 24 hours ago: WhatsApp then allows only approved templates until they write again)"
			return e
		}()}},
		{"status_undelivered.form", []providers.Event{func() providers.Event {
			e := receipt(providers.EventFailed, "undelivered")
			e.Reason = "WhatsApp could not deliver it (Twilio: undelivered, error 63024: the recipient is not a valid WhatsApp user)"
			return e
		}()}},
		// Understood, but nothing Switchboard records.
		{"status_sent.form", nil},
		{"sms.form", nil},
	}
	p := Provider{}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			req := signed(t, fixture(t, tt.fixture))
			if _, _, err := p.VerifyWebhook(testAccount, req); err != nil {
				t.Fatalf("verify: %v", err)
			}
			events, resp, err := p.ParseWebhook(testAccount, req)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !reflect.DeepEqual(events, tt.want) {
				t.Errorf("events\n got %+v\nwant %+v", events, tt.want)
			}
			checkTwiML(t, resp)
		})
	}
}

// checkTwiML fails unless resp is the empty TwiML Twilio expects.
func checkTwiML(t testing.TB, resp *providers.WebhookResponse) {
	t.Helper()
	if resp == nil || resp.Status != http.StatusOK || resp.ContentType != "text/xml" ||
		string(resp.Body) != `<?xml version="1.0" encoding="UTF-8"?><Response/>` {
		t.Errorf("response %+v, want empty TwiML", resp)
	}
}

// TestParseWebhookFromTheFake: what the fake posts is what the provider reads.
func TestParseWebhookFromTheFake(t *testing.T) {
	lat, lon := -33.8568, 151.2153
	tests := []struct {
		name string
		m    twiliotest.Inbound
		want providers.Event
	}{
		{"text", twiliotest.Inbound{MessageSID: twiliotest.NewSID("SM", 1), From: "+61400000001", To: twiliotest.SandboxNumber, Body: "G'day", ProfileName: " Bruce "},
			providers.Event{Kind: providers.EventMessage, Text: "G'day", SenderName: "Bruce"}},
		{"media", twiliotest.Inbound{MessageSID: twiliotest.NewSID("MM", 2), From: "+61400000001", To: twiliotest.SandboxNumber,
			Media: []twiliotest.Media{{URL: "https://api.twilio.com/m/1", ContentType: "video/mp4"}}},
			providers.Event{Kind: providers.EventMessage, Attachments: []providers.Attachment{{Type: providers.AttachmentVideo,
				FileID: "https://api.twilio.com/m/1", URL: "https://api.twilio.com/m/1", MimeType: "video/mp4"}}}},
		{"location without a name", twiliotest.Inbound{MessageSID: twiliotest.NewSID("SM", 3), From: "+61400000001", To: twiliotest.SandboxNumber, Latitude: &lat, Longitude: &lon},
			providers.Event{Kind: providers.EventMessage, Location: &providers.Location{Latitude: lat, Longitude: lon}}},
		{"button without payload", twiliotest.Inbound{MessageSID: twiliotest.NewSID("SM", 4), From: "+61400000001", To: twiliotest.SandboxNumber, ButtonText: "Stop"},
			providers.Event{Kind: providers.EventPostback, Text: "Stop", Payload: "Stop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.m.Form().Encode())
			events, _, err := Provider{}.ParseWebhook(testAccount, signed(t, body))
			if err != nil || len(events) != 1 {
				t.Fatalf("events %+v, err %v", events, err)
			}
			want := tt.want
			want.DedupKey, want.MessageID, want.SenderID, want.Timestamp = "message:"+tt.m.MessageSID, tt.m.MessageSID, tt.m.From, received
			if !reflect.DeepEqual(events[0], want) {
				t.Errorf("event\n got %+v\nwant %+v", events[0], want)
			}
		})
	}
}

func TestParseWebhookMalformed(t *testing.T) {
	base := url.Values{"MessageSid": {"SM1"}, "From": {"whatsapp:+14155551234"}, "To": {"whatsapp:+14155238886"}, "Body": {"hi"}}
	with := func(kv ...string) []byte {
		f := url.Values{}
		for k, v := range base {
			f[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "<delete>" {
				f.Del(kv[i])
				continue
			}
			f.Set(kv[i], kv[i+1])
		}
		return []byte(f.Encode())
	}
	tests := []struct {
		name        string
		body        []byte
		contentType string
	}{
		{"not a form", []byte("Body=%zz"), ""},
		{"semicolon separator", []byte("MessageSid=SM1;From=whatsapp:+1"), ""},
		{"JSON", []byte(`{"MessageSid":"SM1"}`), "application/json; charset=utf-8"},
		{"empty body", nil, ""},
		{"no MessageSid", with("MessageSid", "<delete>"), ""},
		{"no From", with("From", "<delete>"), ""},
		{"empty WhatsApp address", with("From", "whatsapp:"), ""},
		{"NumMedia not a number", with("NumMedia", "one"), ""},
		{"NumMedia negative", with("NumMedia", "-1"), ""},
		{"NumMedia too large", with("NumMedia", "11"), ""},
		{"NumMedia without MediaUrl", with("NumMedia", "2", "MediaUrl0", "https://api.twilio.com/m/0"), ""},
		{"relative MediaUrl", with("NumMedia", "1", "MediaUrl0", "/m/0"), ""},
		{"latitude only", with("Latitude", "1.5"), ""},
		{"latitude out of range", with("Latitude", "91", "Longitude", "0"), ""},
		{"longitude NaN", with("Latitude", "1", "Longitude", "NaN"), ""},
		{"coordinates not numbers", with("Latitude", "north", "Longitude", "east"), ""},
		{"status without MessageSid", with("MessageSid", "<delete>", "MessageStatus", "delivered"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := webhookRequest(t, tt.body, testWebhookURL, "")
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			events, resp, err := Provider{}.ParseWebhook(testAccount, req)
			var pe *providers.ParseError
			if !errors.As(err, &pe) || pe.Reason == "" {
				t.Fatalf("err = %v (%T), want *providers.ParseError", err, err)
			}
			if len(events) != 0 {
				t.Errorf("events alongside an error: %+v", events)
			}
			// Twilio gets its TwiML even so, and logs no error.
			checkTwiML(t, resp)
		})
	}
	if _, resp, err := (Provider{}).ParseWebhook(testAccount, nil); err == nil {
		t.Errorf("nil request parsed")
	} else {
		checkTwiML(t, resp)
	}
}

func TestParseWebhookNothingToRecord(t *testing.T) {
	tests := []struct {
		name string
		form url.Values
	}{
		{"empty message", url.Values{"MessageSid": {"SM1"}, "From": {"whatsapp:+1415"}, "Body": {" \n"}, "NumMedia": {"0"}}},
		{"received status", url.Values{"MessageSid": {"SM1"}, "From": {"whatsapp:+1415"}, "MessageStatus": {"received"}}},
		{"queued", url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"queued"}}},
		{"sending", url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"sending"}}},
		{"accepted", url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"accepted"}}},
		{"a status Twilio adds later", url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"partially_delivered"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, resp, err := Provider{}.ParseWebhook(testAccount, signed(t, []byte(tt.form.Encode())))
			if err != nil || len(events) != 0 {
				t.Errorf("events %+v, err %v", events, err)
			}
			checkTwiML(t, resp)
		})
	}
}

// TestParseReplay: a stored webhook is parsed again without its URL or
// signature, as the replay of a failed webhook does.
func TestParseReplay(t *testing.T) {
	req := &providers.WebhookRequest{Method: "POST", Body: fixture(t, "text.form"), Received: received,
		Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}}
	events, _, err := Provider{}.ParseWebhook(testAccount, req)
	if err != nil || len(events) != 1 || events[0].MessageID != "SM9f3bb1d23c6f4d5a8e2c71b0a4d6e5f1" {
		t.Errorf("events %+v, err %v", events, err)
	}
}
