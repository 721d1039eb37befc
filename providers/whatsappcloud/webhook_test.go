package whatsappcloud

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta"
	"github.com/switchboard/switchboard/providers/whatsappcloud/whatsappcloudtest"
)

func TestVerifyWebhookHandshake(t *testing.T) {
	p := New("")
	get := func(q url.Values) *providers.WebhookRequest {
		return &providers.WebhookRequest{Method: http.MethodGet, URL: &url.URL{Path: "/webhooks/acc1", RawQuery: q.Encode()}, Header: http.Header{}}
	}
	resp, handshake, err := p.VerifyWebhook(testAccount, get(url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"1158201444"}, "hub.verify_token": {testVerify}}))
	if err != nil || !handshake || resp.Status != 200 || string(resp.Body) != "1158201444" {
		t.Fatalf("right token: %+v %v %v", resp, handshake, err)
	}
	_, handshake, err = p.VerifyWebhook(testAccount, get(url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"1"}, "hub.verify_token": {"vt-other"}}))
	if !errors.Is(err, meta.ErrWrongVerifyToken) || !errors.Is(err, providers.ErrForbidden) || handshake {
		t.Errorf("wrong token: %v %v", handshake, err)
	}
	hs, err := whatsappcloudtest.NewHandshakeRequest(t.Context(), testAccount.WebhookURL, testVerify, "7")
	if err != nil {
		t.Fatal(err)
	}
	if resp, handshake, err := p.VerifyWebhook(testAccount, &providers.WebhookRequest{Method: hs.Method, URL: hs.URL, Header: hs.Header}); err != nil || !handshake || string(resp.Body) != "7" {
		t.Errorf("fake's handshake: %+v %v %v", resp, handshake, err)
	}
}

func TestVerifyWebhookSignature(t *testing.T) {
	p := New("")
	body := fixture(t, "text_unicode.json")
	good := whatsappcloudtest.Sign(testSecret, body)
	tests := []struct {
		name string
		sigs []string
		acct providers.Account
		want error
	}{
		{"right signature over escaped unicode", []string{good}, testAccount, nil},
		{"wrong secret", []string{whatsappcloudtest.Sign("x", body)}, testAccount, providers.ErrUnauthorized},
		{"signature of the decoded body", []string{whatsappcloudtest.Sign(testSecret, []byte(strings.ReplaceAll(string(body), `\u00fc`, "ü")))}, testAccount, providers.ErrUnauthorized},
		{"signature of another body", []string{whatsappcloudtest.Sign(testSecret, fixture(t, "text.json"))}, testAccount, providers.ErrUnauthorized},
		{"missing", nil, testAccount, providers.ErrUnauthorized},
		{"two", []string{good, good}, testAccount, providers.ErrUnauthorized},
		{"account without secret", []string{whatsappcloudtest.Sign("", body)}, providers.Account{Settings: testAccount.Settings}, providers.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := webhookRequest(t, body, "")
			for _, s := range tt.sigs {
				req.Header.Add(whatsappcloudtest.SignatureHeader, s)
			}
			resp, handshake, err := p.VerifyWebhook(tt.acct, req)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) || resp != nil || handshake {
				t.Errorf("got %v %v %v, want %v", resp, handshake, err, tt.want)
			}
		})
	}
	req := signed(t, body)
	req.Method = http.MethodPut
	if _, _, err := p.VerifyWebhook(testAccount, req); !errors.Is(err, providers.ErrNotAllowed) {
		t.Errorf("PUT: %v", err)
	}
}

func TestParseWebhook(t *testing.T) {
	sec := func(n int64) time.Time { return time.Unix(n, 0).UTC() }
	msg := func(id string, at int64) providers.Event {
		return providers.Event{Kind: providers.EventMessage, DedupKey: "message:" + id, MessageID: id, SenderID: testCustomer, SenderName: "Kerry Fisher", Timestamp: sec(at)}
	}
	with := func(ev providers.Event, f func(*providers.Event)) providers.Event { f(&ev); return ev }
	postback := func(id string, at int64, text, payload string) providers.Event {
		return providers.Event{Kind: providers.EventPostback, DedupKey: "postback:" + id, MessageID: id, SenderID: testCustomer, SenderName: "Kerry Fisher",
			Timestamp: sec(at), Text: text, Payload: payload}
	}
	const out = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
	first := "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdBMjg3OEI2RjE2NjQ1QkIzMgA="
	tests := []struct {
		file string
		want []providers.Event
	}{
		{"text.json", []providers.Event{with(msg(first, 1697043223), func(e *providers.Event) { e.Text = "Hello, I need help with my order" })}},
		{"text_unicode.json", []providers.Event{with(msg("wamid.unicode1", 1697043224), func(e *providers.Event) { e.Text = "Grüße aus Köln 🙂" })}},
		{"reply.json", []providers.Event{with(msg("wamid.reply1", 1697044746), func(e *providers.Event) { e.Text = "replied text" })}},
		{"referral.json", []providers.Event{with(msg("wamid.referral1", 1697045000), func(e *providers.Event) { e.Text = "Is this still available?" })}},
		{"image.json", []providers.Event{with(msg("wamid.image1", 1697043379), func(e *providers.Event) {
			e.Text = "my receipt"
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentImage, FileID: "1234567890123456", MimeType: "image/jpeg"}}
		})}},
		{"video.json", []providers.Event{with(msg("wamid.video1", 1697044362), func(e *providers.Event) {
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentVideo, FileID: "765756756765756", MimeType: "video/mp4"}}
		})}},
		{"audio.json", []providers.Event{with(msg("wamid.audio1", 1697043509), func(e *providers.Event) {
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentAudio, FileID: "1234567890987654", MimeType: "audio/mpeg"}}
		})}},
		{"voice.json", []providers.Event{with(msg("wamid.voice1", 1697043473), func(e *providers.Event) {
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentVoice, FileID: "1234567890987655", MimeType: "audio/ogg; codecs=opus"}}
		})}},
		{"document.json", []providers.Event{with(msg("wamid.document1", 1697043666), func(e *providers.Event) {
			e.Text = "the invoice"
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentFile, FileID: "1234567890987656", MimeType: "application/pdf", FileName: "Invoice March.pdf"}}
		})}},
		{"sticker.json", []providers.Event{with(msg("wamid.sticker1", 1697043785), func(e *providers.Event) {
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentSticker, FileID: "1234567890987657", MimeType: "image/webp"}}
		})}},
		{"location.json", []providers.Event{with(msg("wamid.location1", 1697044557), func(e *providers.Event) {
			e.Location = &providers.Location{Latitude: 37.4611978, Longitude: -122.2164385, Title: "Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025"}
		})}},
		{"location_current.json", []providers.Event{with(msg("wamid.location2", 1697044558), func(e *providers.Event) {
			e.Location = &providers.Location{Latitude: 12.25089, Longitude: 43.90539}
		})}},
		{"contacts.json", []providers.Event{with(msg("wamid.contacts1", 1697044621), func(e *providers.Event) {
			e.Contact = &providers.ContactCard{Name: "Chandler Bing", Phone: "+1 555-555-5555"}
			e.Text = "Monica: +1 666-666-6666"
		})}},
		{"button_reply.json", []providers.Event{postback("wamid.buttonreply1", 1698266730, "Talk to an agent", "talk_to_agent")}},
		{"list_reply.json", []providers.Event{postback("wamid.listreply1", 1698266905, "Billing", "billing")}},
		{"button.json", []providers.Event{postback("wamid.button1", 1698269027, "Stop promotions", "STOP_PROMOTIONS")}},
		{"nfm_reply.json", []providers.Event{postback("wamid.nfm1", 1698269100, "Sent", `{"flow_token":"t1","rating":"5"}`)}},
		{"edit.json", []providers.Event{{Kind: providers.EventEdited, DedupKey: "edit:wamid.edit1", MessageID: "wamid.edit1", RefMessageIDs: []string{first},
			SenderID: testCustomer, SenderName: "Kerry Fisher", Timestamp: sec(1697044968), Text: "Hello, I need help with my order #1234"}}},
		{"bsuid.json", []providers.Event{{Kind: providers.EventMessage, DedupKey: "message:wamid.bsuid1", MessageID: "wamid.bsuid1",
			SenderID: "US.13491208655302741918", SenderName: "Sheena Nelson", Timestamp: sec(1454119029), Text: "Hello World"}}},
		{"reaction.json", nil},
		{"unsupported.json", nil},
		{"status_sent.json", nil},
		{"status_delivered.json", []providers.Event{{Kind: providers.EventDelivered, DedupKey: "status:" + out + ":delivered", RefMessageIDs: []string{out}, SenderID: testCustomer, Timestamp: sec(1698266946)}}},
		{"status_read.json", []providers.Event{{Kind: providers.EventRead, DedupKey: "status:" + out + ":read", RefMessageIDs: []string{out}, SenderID: testCustomer, Timestamp: sec(1698266950)}}},
		// A late failure (here outside the 24-hour window), with WhatsApp's reason.
		{"status_failed.json", []providers.Event{{Kind: providers.EventFailed, DedupKey: "status:" + out + ":failed", RefMessageIDs: []string{out},
			SenderID: testCustomer, Timestamp: sec(1698266947),
			Reason: "WhatsApp could not deliver it: Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number. (error 131047)"}}},
		{"other_number.json", nil},
		{"template_status.json", nil},
		// This number's changes, from both business accounts, in order; the
		// other number's value and the sent status are left out.
		{"batch.json", []providers.Event{
			with(msg("wamid.batch1", 1697043223), func(e *providers.Event) { e.Text = "first" }),
			with(msg("wamid.batch2", 1697043224), func(e *providers.Event) { e.Text = "second" }),
			{Kind: providers.EventDelivered, DedupKey: "status:wamid.out9:delivered", RefMessageIDs: []string{"wamid.out9"}, SenderID: testCustomer, Timestamp: sec(1697043225)},
			{Kind: providers.EventRead, DedupKey: "status:wamid.out9:read", RefMessageIDs: []string{"wamid.out9"}, SenderID: testCustomer, Timestamp: sec(1697043230)},
		}},
	}
	p := New("")
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			req := signed(t, fixture(t, tt.file))
			if _, _, err := p.VerifyWebhook(testAccount, req); err != nil {
				t.Fatalf("VerifyWebhook: %v", err)
			}
			events, resp, err := p.ParseWebhook(testAccount, req)
			if err != nil || resp != nil {
				t.Fatalf("ParseWebhook: %v %v", resp, err)
			}
			if !reflect.DeepEqual(events, tt.want) {
				t.Errorf("events\n got %+v\nwant %+v", events, tt.want)
			}
		})
	}
}

func TestParseWebhookVariants(t *testing.T) {
	p := New("")
	wrap := func(messages string) string {
		return `{"object":"whatsapp_business_account","entry":[{"id":"` + testWABA + `","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550967852","phone_number_id":"` + testNumber + `"},"messages":[` + messages + `]}}]}]}`
	}
	tests := []struct {
		name    string
		body    string
		want    []providers.Event
		wantErr string
	}{
		{name: "milliseconds", body: wrap(`{"from":"1","id":"w1","timestamp":"1697043223000","type":"text","text":{"body":"hi"}}`),
			want: []providers.Event{{Kind: providers.EventMessage, DedupKey: "message:w1", MessageID: "w1", SenderID: "1", Timestamp: time.Unix(1697043223, 0).UTC(), Text: "hi"}}},
		{name: "numeric timestamp and no time", body: wrap(`{"from":"1","id":"w2","timestamp":1697043223,"type":"text","text":{"body":"a"}},{"from":"1","id":"w3","type":"text","text":{"body":"b"}}`),
			want: []providers.Event{
				{Kind: providers.EventMessage, DedupKey: "message:w2", MessageID: "w2", SenderID: "1", Timestamp: time.Unix(1697043223, 0).UTC(), Text: "a"},
				{Kind: providers.EventMessage, DedupKey: "message:w3", MessageID: "w3", SenderID: "1", Timestamp: received, Text: "b"},
			}},
		{name: "legacy voice type", body: wrap(`{"from":"1","id":"w4","timestamp":"1","type":"voice","voice":{"id":"m1","mime_type":"audio/ogg"}}`),
			want: []providers.Event{{Kind: providers.EventMessage, DedupKey: "message:w4", MessageID: "w4", SenderID: "1", Timestamp: time.Unix(1, 0).UTC(),
				Attachments: []providers.Attachment{{Type: providers.AttachmentVoice, FileID: "m1", MimeType: "audio/ogg"}}}}},
		{name: "edited caption", body: wrap(`{"from":"1","id":"w5","timestamp":"1","type":"edit","edit":{"original_message_id":"w0","message":{"type":"image","image":{"id":"m","caption":"new caption"}}}}`),
			want: []providers.Event{{Kind: providers.EventEdited, DedupKey: "edit:w5", MessageID: "w5", RefMessageIDs: []string{"w0"}, SenderID: "1", Timestamp: time.Unix(1, 0).UTC(), Text: "new caption"}}},
		{name: "unknown interactive", body: wrap(`{"from":"1","id":"w6","timestamp":"1","type":"interactive","interactive":{"type":"call_permission_reply"}}`)},
		{name: "empty text", body: wrap(`{"from":"1","id":"w7","timestamp":"1","type":"text","text":{"body":" "}}`)},
		{name: "other object", body: `{"object":"page","entry":[]}`},
		{name: "malformed JSON", body: `{"object":"whatsapp_business_account",`, wantErr: "invalid webhook JSON"},
		{name: "not an object", body: `"x"`, wantErr: "invalid webhook JSON"},
		{name: "changes not a list", body: `{"object":"whatsapp_business_account","entry":[{"changes":{}}]}`, wantErr: "invalid webhook JSON"},
		{name: "message without id", body: wrap(`{"from":"1","type":"text","text":{"body":"x"}}`), wantErr: "without id"},
		{name: "message without from", body: wrap(`{"id":"w8","type":"text","text":{"body":"x"}}`), wantErr: "without from"},
		{name: "text without text", body: wrap(`{"from":"1","id":"w9","type":"text"}`), wantErr: "without text"},
		{name: "image without media id", body: wrap(`{"from":"1","id":"w10","type":"image","image":{"caption":"x"}}`), wantErr: "without a media id"},
		{name: "location off the globe", body: wrap(`{"from":"1","id":"w11","type":"location","location":{"latitude":100,"longitude":0}}`), wantErr: "invalid coordinates"},
		{name: "location NaN", body: wrap(`{"from":"1","id":"w11","type":"location","location":{"latitude":"NaN","longitude":0}}`), wantErr: "invalid coordinates"},
		{name: "location Inf", body: wrap(`{"from":"1","id":"w11","type":"location","location":{"latitude":1,"longitude":"-Inf"}}`), wantErr: "invalid coordinates"},
		{name: "status to a user known by username", body: strings.Replace(wrap(""), `"messages":[]`, `"statuses":[{"id":"wamid.out1","status":"read","timestamp":"1","recipient_user_id":"US.13491208655302741918"}]`, 1),
			want: []providers.Event{{Kind: providers.EventRead, DedupKey: "status:wamid.out1:read", RefMessageIDs: []string{"wamid.out1"}, SenderID: "US.13491208655302741918", Timestamp: time.Unix(1, 0).UTC()}}},
		{name: "status without recipient", body: strings.Replace(wrap(""), `"messages":[]`, `"statuses":[{"id":"wamid.out3","status":"read","timestamp":"1"}]`, 1), wantErr: "without recipient_id or recipient_user_id"},
		{name: "status with both recipient IDs", body: strings.Replace(wrap(""), `"messages":[]`, `"statuses":[{"id":"wamid.out2","status":"delivered","timestamp":"1","recipient_id":"15551234567","recipient_user_id":"US.13491208655302741918"}]`, 1),
			want: []providers.Event{{Kind: providers.EventDelivered, DedupKey: "status:wamid.out2:delivered", RefMessageIDs: []string{"wamid.out2"}, SenderID: "15551234567", Timestamp: time.Unix(1, 0).UTC()}}},
		{name: "button without button", body: wrap(`{"from":"1","id":"w12","type":"button"}`), wantErr: "without button"},
		{name: "edit without original", body: wrap(`{"from":"1","id":"w13","type":"edit","edit":{}}`), wantErr: "without original_message_id"},
		{name: "status without id", body: strings.Replace(wrap(""), `"messages":[]`, `"statuses":[{"status":"read","timestamp":"1"}]`, 1), wantErr: "status without id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, _, err := p.ParseWebhook(testAccount, signed(t, []byte(tt.body)))
			if tt.wantErr != "" {
				var pe *providers.ParseError
				if !errors.As(err, &pe) || !strings.Contains(pe.Reason, tt.wantErr) || events != nil {
					t.Fatalf("err = %v, events %v, want a ParseError about %q", err, events, tt.wantErr)
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
	var pe *providers.ParseError
	if _, _, err := p.ParseWebhook(testAccount, nil); !errors.As(err, &pe) {
		t.Errorf("nil request: %v", err)
	}
}

// TestDedupKeysDiffer: a message, its statuses and an edit never share a
// DedupKey.
func TestDedupKeysDiffer(t *testing.T) {
	p := New("")
	seen := map[string]string{}
	for _, f := range []string{"text.json", "edit.json", "button_reply.json", "status_delivered.json", "status_read.json", "batch.json"} {
		evs, _, err := p.ParseWebhook(testAccount, signed(t, fixture(t, f)))
		if err != nil || len(evs) == 0 {
			t.Fatalf("%s: %v %v", f, evs, err)
		}
		for _, ev := range evs {
			if other, dup := seen[ev.DedupKey]; dup {
				t.Errorf("%s and %s share DedupKey %s", f, other, ev.DedupKey)
			}
			seen[ev.DedupKey] = f
		}
	}
}

// TestFakeWebhooksParse: the bodies whatsappcloudtest builds for the server's
// tests verify and parse as Meta's do.
func TestFakeWebhooksParse(t *testing.T) {
	p := New("")
	at := time.Unix(1697043223, 0).UTC()
	tests := []struct {
		body []byte
		kind providers.EventKind
	}{
		{whatsappcloudtest.TextMessage(testNumber, testCustomer, "Kerry", "wamid.1", "hi", at), providers.EventMessage},
		{whatsappcloudtest.MediaMessage(testNumber, testCustomer, "Kerry", "wamid.2", "document", "42", "application/pdf", "invoice", at), providers.EventMessage},
		{whatsappcloudtest.StatusUpdate(testNumber, "wamid.out", testCustomer, "delivered", at), providers.EventDelivered},
		{whatsappcloudtest.StatusUpdate(testNumber, "wamid.out", testCustomer, "read", at), providers.EventRead},
		{whatsappcloudtest.Body(whatsappcloudtest.Entry{WABAID: testWABA, Values: []whatsappcloudtest.Value{{PhoneNumberID: testNumber,
			Messages: []whatsappcloudtest.InMessage{{ID: "wamid.3", From: testCustomer, At: at, Type: "interactive", ReplyID: "yes", ReplyTitle: "Yes", ListReply: true}}}}}),
			providers.EventPostback},
	}
	for _, tt := range tests {
		req := signed(t, tt.body)
		if _, hs, err := p.VerifyWebhook(testAccount, req); err != nil || hs {
			t.Errorf("%s: verify: %v %v", tt.body, hs, err)
		}
		evs, _, err := p.ParseWebhook(testAccount, req)
		if err != nil || len(evs) != 1 || evs[0].Kind != tt.kind || evs[0].SenderID != testCustomer || !evs[0].Timestamp.Equal(at) {
			t.Errorf("%s: %+v %v", tt.body, evs, err)
		}
	}
	failed := whatsappcloudtest.FailedStatus(testNumber, "wamid.out", testCustomer, 131047, "Re-engagement message", "more than 24 hours", at)
	if evs, _, err := p.ParseWebhook(testAccount, signed(t, failed)); err != nil || len(evs) != 1 || evs[0].Kind != providers.EventFailed ||
		evs[0].Reason != "WhatsApp could not deliver it: Re-engagement message: more than 24 hours (error 131047)" {
		t.Errorf("failed status: %+v %v", evs, err)
	}
}
