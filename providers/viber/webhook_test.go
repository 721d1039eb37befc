package viber

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
	"github.com/switchboard/switchboard/providers/viber/vibertest"
)

// testToken has the shape of a real token (Viber's documentation example); tests
// check that no error, result or detail shows it.
const testToken = vibertest.DefaultToken

var testAccount = providers.Account{
	ID:         "acc1",
	Settings:   map[string]string{"botUsername": "acmeviber"},
	Secrets:    map[string]string{"token": testToken},
	WebhookURL: "https://switchboard.example/webhooks/acc1",
}

var received = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)

// webhookRequest is a request as the ingest handler builds it from Viber's POST,
// signed with sig ("" for none).
func webhookRequest(t testing.TB, body []byte, sig string) *providers.WebhookRequest {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	if sig != "" {
		h.Set(SignatureHeader, sig)
	}
	return &providers.WebhookRequest{
		Method:   http.MethodPost,
		URL:      &url.URL{Path: "/webhooks/acc1"},
		Header:   h,
		Body:     body,
		Received: received,
	}
}

// signed is body as Viber would send it to testAccount.
func signed(t testing.TB, body []byte) *providers.WebhookRequest {
	t.Helper()
	return webhookRequest(t, body, vibertest.Sign(testToken, body))
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
	p := New("")
	body := fixture(t, "text.json")
	good := vibertest.Sign(testToken, body)
	tests := []struct {
		name    string
		method  string
		sigs    []string // values of the signature header
		acct    providers.Account
		want    error
		handsha bool
	}{
		{"right signature", http.MethodPost, []string{good}, testAccount, nil, false},
		{"uppercase hex", http.MethodPost, []string{strings.ToUpper(good)}, testAccount, nil, false},
		{"surrounding blanks", http.MethodPost, []string{" " + good + " "}, testAccount, nil, false},
		{"wrong signature", http.MethodPost, []string{vibertest.Sign("another-token", body)}, testAccount, providers.ErrUnauthorized, false},
		{"signature of another body", http.MethodPost, []string{vibertest.Sign(testToken, fixture(t, "seen.json"))}, testAccount, providers.ErrUnauthorized, false},
		{"truncated signature", http.MethodPost, []string{good[:62]}, testAccount, providers.ErrUnauthorized, false},
		{"signature plus suffix", http.MethodPost, []string{good + "00"}, testAccount, providers.ErrUnauthorized, false},
		{"not hex", http.MethodPost, []string{strings.Repeat("zz", 32)}, testAccount, providers.ErrUnauthorized, false},
		{"missing header", http.MethodPost, nil, testAccount, providers.ErrUnauthorized, false},
		{"empty header", http.MethodPost, []string{""}, testAccount, providers.ErrUnauthorized, false},
		{"two headers", http.MethodPost, []string{good, good}, testAccount, providers.ErrUnauthorized, false},
		{"account without token", http.MethodPost, []string{vibertest.Sign("", body)},
			providers.Account{Secrets: map[string]string{}}, providers.ErrUnauthorized, false},
		{"token pasted with blanks", http.MethodPost, []string{good},
			providers.Account{Secrets: map[string]string{"token": " " + testToken + "\n"}}, nil, false},
		{"GET", http.MethodGet, []string{good}, testAccount, providers.ErrNotAllowed, false},
		{"PUT", http.MethodPut, []string{good}, testAccount, providers.ErrNotAllowed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := webhookRequest(t, body, "")
			req.Method = tt.method
			for _, v := range tt.sigs {
				req.Header.Add(SignatureHeader, v)
			}
			resp, handshake, err := p.VerifyWebhook(tt.acct, req)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if resp != nil || handshake != tt.handsha {
				t.Errorf("resp %v, handshake %v", resp, handshake)
			}
		})
	}
	t.Run("nil request", func(t *testing.T) {
		if _, _, err := p.VerifyWebhook(testAccount, nil); !errors.Is(err, providers.ErrNotAllowed) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestHandshake: the webhook callback set_webhook triggers is answered with an
// empty 200 and stored nowhere, but only when it is signed.
func TestHandshake(t *testing.T) {
	p := Provider{}
	body := fixture(t, "webhook.json")
	resp, handshake, err := p.VerifyWebhook(testAccount, signed(t, body))
	if err != nil || !handshake || resp != nil {
		t.Errorf("signed: resp %v, handshake %v, err %v", resp, handshake, err)
	}
	_, handshake, err = p.VerifyWebhook(testAccount, webhookRequest(t, body, ""))
	if !errors.Is(err, providers.ErrUnauthorized) || handshake {
		t.Errorf("unsigned: handshake %v, err %v", handshake, err)
	}
	_, handshake, err = p.VerifyWebhook(testAccount, webhookRequest(t, body, vibertest.Sign("other", body)))
	if !errors.Is(err, providers.ErrUnauthorized) || handshake {
		t.Errorf("forged: handshake %v, err %v", handshake, err)
	}
	// The fake's own check body is a handshake too.
	check := vibertest.WebhookCheck(1, received)
	if _, handshake, err := p.VerifyWebhook(testAccount, signed(t, check)); err != nil || !handshake {
		t.Errorf("fake's check: handshake %v, err %v", handshake, err)
	}
	// Parsed anyway (a replay), it gives nothing.
	if evs, _, err := p.ParseWebhook(testAccount, signed(t, body)); err != nil || len(evs) != 0 {
		t.Errorf("parse: %v %v", evs, err)
	}
}

func TestParseWebhook(t *testing.T) {
	et3 := func(ev providers.Event) providers.Event {
		ev.SenderID, ev.SenderName = "xy5/5y6O81+/kbWHpLhBoA==", "ET3"
		return ev
	}
	msg := func(tok string, ms int64) providers.Event {
		return et3(providers.Event{Kind: providers.EventMessage, DedupKey: "message:" + tok, MessageID: tok, Timestamp: time.UnixMilli(ms).UTC()})
	}
	john := time.Date(2016, 3, 12, 6, 29, 57, 627e6, time.UTC) // 1457764197627
	tests := []struct {
		file string
		want []providers.Event
	}{
		{"text.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "message:4912661846655238145", MessageID: "4912661846655238145",
			SenderID: "01234567890A=", SenderName: "John McClane", SenderLanguage: "en", Timestamp: john, Text: "a message to the service",
		}}},
		{"picture.json", []providers.Event{func() providers.Event {
			ev := msg("4987381189870374000", 1481142112807)
			ev.SenderLanguage = "en"
			ev.Text = "my receipt"
			ev.Attachments = []providers.Attachment{{
				Type: providers.AttachmentImage, MimeType: "image/jpeg", FileName: "IMG_2045.jpg", Size: 182934,
				URL: "https://dl-media.viber.com/5/share/2/long/vibes/icon/image/0x0/95e0/e01f0a5b7a2c4d3e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e.jpg",
			}}
			return ev
		}()}},
		{"video.json", []providers.Event{func() providers.Event {
			ev := msg("4987381189870374001", 1481142113807)
			ev.SenderLanguage = "en"
			ev.Attachments = []providers.Attachment{{
				Type: providers.AttachmentVideo, Size: 10358247,
				URL: "https://dl-media.viber.com/5/share/2/long/vibes/video/0x0/1c2d/8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e.mp4",
			}}
			return ev
		}()}},
		{"file.json", []providers.Event{func() providers.Event {
			ev := msg("4987381189870374002", 1481142114807)
			ev.SenderLanguage = "en"
			ev.Attachments = []providers.Attachment{{
				Type: providers.AttachmentFile, MimeType: "application/pdf", FileName: "Invoice March.pdf", Size: 48211,
				URL: "https://dl-media.viber.com/5/share/2/long/vibes/file/0x0/7a8b/3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a.pdf",
			}}
			return ev
		}()}},
		{"sticker.json", []providers.Event{func() providers.Event {
			ev := msg("4987381189870374003", 1481142115807)
			ev.Attachments = []providers.Attachment{{Type: providers.AttachmentSticker, FileID: "sticker:40133"}}
			return ev
		}()}},
		{"sticker_media.json", []providers.Event{func() providers.Event {
			ev := msg("4987381189870374004", 1481142116807)
			ev.Attachments = []providers.Attachment{{Type: providers.AttachmentSticker, URL: "https://viber.github.io/docs/img/stickers/114406.png"}}
			return ev
		}()}},
		{"contact.json", []providers.Event{func() providers.Event {
			ev := msg("4987381189870374005", 1481142117807)
			ev.Contact = &providers.ContactCard{Name: "Itamar", Phone: "+972511123123"}
			return ev
		}()}},
		{"location.json", []providers.Event{func() providers.Event {
			ev := msg("4987381189870374006", 1481142118807)
			ev.Location = &providers.Location{Latitude: 37.7898, Longitude: -122.3942}
			return ev
		}()}},
		{"url.json", []providers.Event{func() providers.Event {
			ev := msg("4987381189870374007", 1481142119807)
			ev.Text = "http://developers.viber.com"
			return ev
		}()}},
		{"delivered.json", []providers.Event{{
			Kind: providers.EventDelivered, DedupKey: "delivered:4912661846655238145",
			RefMessageIDs: []string{"4912661846655238145"}, SenderID: "01234567890A=", Timestamp: john,
		}}},
		{"seen.json", []providers.Event{{
			Kind: providers.EventRead, DedupKey: "seen:4912661846655238145",
			RefMessageIDs: []string{"4912661846655238145"}, SenderID: "01234567890A=", Timestamp: john,
		}}},
		{"subscribed.json", []providers.Event{{
			Kind: providers.EventSubscribed, DedupKey: "subscribed:4912661846655238145",
			SenderID: "01234567890A=", SenderName: "John McClane", SenderLanguage: "en", Timestamp: john,
		}}},
		{"unsubscribed.json", []providers.Event{{
			Kind: providers.EventUnsubscribe, DedupKey: "unsubscribed:4912661846655238145",
			SenderID: "01234567890A=", Timestamp: john,
		}}},
		{"conversation_started_subscribed.json", []providers.Event{{
			Kind: providers.EventSubscribed, DedupKey: "conversation_started:5466358343372472277",
			SenderID: "3SQNc4FPUQmysaM/AQEhXg==", SenderName: "Jane Doe", SenderLanguage: "en-CA", Timestamp: time.UnixMilli(1595339165214).UTC(),
		}}},
		// Opening the chat without subscribing lets the bot send one welcome
		// message, not message the user: nothing to record.
		{"conversation_started.json", nil},
		// A late delivery failure, with Viber's reason for the agent.
		{"failed.json", []providers.Event{{Kind: providers.EventFailed, DedupKey: "failed:4912661846655238145",
			RefMessageIDs: []string{"4912661846655238145"}, SenderID: "01234567890A=", Timestamp: time.UnixMilli(1457764197627).UTC(),
			Reason: "Viber could not deliver it: failure description"}}},
		{"webhook.json", nil},
		{"unknown_event.json", nil},
	}
	p := New("")
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			events, resp, err := p.ParseWebhook(testAccount, signed(t, fixture(t, tt.file)))
			if err != nil {
				t.Fatalf("ParseWebhook: %v", err)
			}
			if resp != nil {
				t.Errorf("resp = %+v, want nil", resp)
			}
			if !reflect.DeepEqual(events, tt.want) {
				t.Errorf("events\n got %+v\nwant %+v", events, tt.want)
			}
		})
	}
}

// TestDedupKeysDiffer: receipts and the message share a message_token but not a
// DedupKey.
func TestDedupKeysDiffer(t *testing.T) {
	p := New("")
	seen := map[string]string{}
	for _, f := range []string{"text.json", "delivered.json", "seen.json", "subscribed.json", "unsubscribed.json"} {
		evs, _, err := p.ParseWebhook(testAccount, signed(t, fixture(t, f)))
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v %v", f, evs, err)
		}
		if other, dup := seen[evs[0].DedupKey]; dup {
			t.Errorf("%s and %s share DedupKey %s", f, other, evs[0].DedupKey)
		}
		seen[evs[0].DedupKey] = f
	}
}

func TestParseWebhookVariants(t *testing.T) {
	p := New("")
	tests := []struct {
		name string
		body string
		want []providers.Event // nil with wantErr false: no events
		// wantErr is a substring of the ParseError's reason.
		wantErr string
	}{
		{name: "token as a string", body: `{"event":"message","timestamp":1457764197627,"message_token":"912661846655238145","sender":{"id":"u="},"message":{"type":"text","text":"hi"}}`,
			want: []providers.Event{{Kind: providers.EventMessage, DedupKey: "message:912661846655238145", MessageID: "912661846655238145", SenderID: "u=", Timestamp: time.UnixMilli(1457764197627).UTC(), Text: "hi"}}},
		{name: "largest token", body: `{"event":"seen","timestamp":1,"message_token":18446744073709551615,"user_id":"u="}`,
			want: []providers.Event{{Kind: providers.EventRead, DedupKey: "seen:18446744073709551615", RefMessageIDs: []string{"18446744073709551615"}, SenderID: "u=", Timestamp: time.UnixMilli(1).UTC()}}},
		{name: "no timestamp: time of receipt", body: `{"event":"message","message_token":7,"sender":{"id":"u=","name":" Ann "},"message":{"type":"text","text":"hi"}}`,
			want: []providers.Event{{Kind: providers.EventMessage, DedupKey: "message:7", MessageID: "7", SenderID: "u=", SenderName: "Ann", Timestamp: received, Text: "hi"}}},
		{name: "url with text", body: `{"event":"message","timestamp":1,"message_token":8,"sender":{"id":"u="},"message":{"type":"url","text":"look","media":"https://x.example/"}}`,
			want: []providers.Event{{Kind: providers.EventMessage, DedupKey: "message:8", MessageID: "8", SenderID: "u=", Timestamp: time.UnixMilli(1).UTC(), Text: "look\nhttps://x.example/"}}},
		{name: "unknown message type keeps its text", body: `{"event":"message","timestamp":1,"message_token":9,"sender":{"id":"u="},"message":{"type":"rich_media","text":"Buy"}}`,
			want: []providers.Event{{Kind: providers.EventMessage, DedupKey: "message:9", MessageID: "9", SenderID: "u=", Timestamp: time.UnixMilli(1).UTC(), Text: "Buy"}}},
		{name: "empty text message", body: `{"event":"message","timestamp":1,"message_token":10,"sender":{"id":"u="},"message":{"type":"text","text":""}}`},
		{name: "subscribed without token", body: `{"event":"subscribed","timestamp":1457764197627,"user":{"id":"u=","name":"Ann"}}`,
			want: []providers.Event{{Kind: providers.EventSubscribed, DedupKey: "subscribed:u=:1457764197627", SenderID: "u=", SenderName: "Ann", Timestamp: time.UnixMilli(1457764197627).UTC()}}},
		{name: "malformed JSON", body: `{"event":"message",`, wantErr: "invalid callback JSON"},
		{name: "not an object", body: `[1,2]`, wantErr: "invalid callback JSON"},
		{name: "no event", body: `{"timestamp":1}`, wantErr: "without event"},
		{name: "fractional token", body: `{"event":"message","message_token":1.5,"sender":{"id":"u="},"message":{"type":"text","text":"x"}}`, wantErr: "not a 64-bit integer"},
		{name: "message without token", body: `{"event":"message","sender":{"id":"u="},"message":{"type":"text","text":"x"}}`, wantErr: "without message_token"},
		{name: "message without sender", body: `{"event":"message","message_token":1,"message":{"type":"text","text":"x"}}`, wantErr: "without sender.id"},
		{name: "message without message", body: `{"event":"message","message_token":1,"sender":{"id":"u="}}`, wantErr: "without message"},
		{name: "picture without media", body: `{"event":"message","message_token":1,"sender":{"id":"u="},"message":{"type":"picture"}}`, wantErr: "without media"},
		{name: "sticker without id", body: `{"event":"message","message_token":1,"sender":{"id":"u="},"message":{"type":"sticker"}}`, wantErr: "without sticker_id"},
		{name: "location out of range", body: `{"event":"message","message_token":1,"sender":{"id":"u="},"message":{"type":"location","location":{"lat":91,"lon":0}}}`, wantErr: "invalid coordinates"},
		{name: "seen without user", body: `{"event":"seen","message_token":1}`, wantErr: "without user_id"},
		{name: "delivered without token", body: `{"event":"delivered","user_id":"u="}`, wantErr: "without message_token"},
		{name: "unsubscribed without user", body: `{"event":"unsubscribed","message_token":1}`, wantErr: "without user_id"},
		{name: "subscribed without user", body: `{"event":"subscribed","message_token":1}`, wantErr: "without user.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, _, err := p.ParseWebhook(testAccount, signed(t, []byte(tt.body)))
			if tt.wantErr != "" {
				var pe *providers.ParseError
				if !errors.As(err, &pe) || !strings.Contains(pe.Reason, tt.wantErr) {
					t.Fatalf("err = %v, want a ParseError about %q", err, tt.wantErr)
				}
				if events != nil {
					t.Errorf("events alongside an error: %+v", events)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseWebhook: %v", err)
			}
			if !reflect.DeepEqual(events, tt.want) {
				t.Errorf("events\n got %+v\nwant %+v", events, tt.want)
			}
		})
	}
	t.Run("nil request", func(t *testing.T) {
		var pe *providers.ParseError
		if _, _, err := p.ParseWebhook(testAccount, nil); !errors.As(err, &pe) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestFakeCallbacksParse: the bodies vibertest builds for the server's tests
// parse to the events the fixtures do.
func TestFakeCallbacksParse(t *testing.T) {
	p := New("")
	at := time.UnixMilli(1457764197627)
	u := vibertest.User{ID: "01234567890A=", Name: "John McClane"}
	tests := []struct {
		body []byte
		kind providers.EventKind
	}{
		{vibertest.TextMessage(5741311803571721087, at, u, "hi"), providers.EventMessage},
		{vibertest.Receipt("delivered", 5741311803571721087, at, u.ID), providers.EventDelivered},
		{vibertest.Receipt("seen", 5741311803571721087, at, u.ID), providers.EventRead},
		{vibertest.Subscribed(1, at, u), providers.EventSubscribed},
		{vibertest.Unsubscribed(1, at, u.ID), providers.EventUnsubscribe},
		{vibertest.ConversationStarted(1, at, u, true, ""), providers.EventSubscribed},
	}
	for _, tt := range tests {
		req := signed(t, tt.body)
		if _, hs, err := p.VerifyWebhook(testAccount, req); err != nil || hs {
			t.Errorf("%s: verify: %v handshake %v", tt.body, err, hs)
		}
		evs, _, err := p.ParseWebhook(testAccount, req)
		if err != nil || len(evs) != 1 || evs[0].Kind != tt.kind || evs[0].SenderID != u.ID {
			t.Errorf("%s: %+v %v", tt.body, evs, err)
		}
	}
	if evs, _, err := p.ParseWebhook(testAccount, signed(t, vibertest.Failed(1, at, u.ID, "x"))); err != nil || len(evs) != 1 || evs[0].Kind != providers.EventFailed {
		t.Errorf("failed: %+v %v", evs, err)
	}
}

func TestFetchMediaSticker(t *testing.T) {
	_, err := New("").FetchMedia(t.Context(), providers.Env{}, testAccount, providers.Attachment{Type: providers.AttachmentSticker, FileID: "sticker:40133"})
	var se *providers.SendError
	if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "40133") {
		t.Errorf("err = %v", err)
	}
}
