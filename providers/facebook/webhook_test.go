package facebook

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/facebook/facebooktest"
	"github.com/switchboard/switchboard/providers/meta"
)

func TestVerifyWebhookHandshake(t *testing.T) {
	p := New("")
	get := func(q url.Values) *providers.WebhookRequest {
		return &providers.WebhookRequest{Method: http.MethodGet, URL: &url.URL{Path: "/webhooks/acc1", RawQuery: q.Encode()}, Header: http.Header{}}
	}
	resp, handshake, err := p.VerifyWebhook(testAccount, get(url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"1158201444"}, "hub.verify_token": {testVerify}}))
	if err != nil || !handshake || resp == nil || resp.Status != 200 || string(resp.Body) != "1158201444" || !strings.HasPrefix(resp.ContentType, "text/plain") {
		t.Fatalf("right token: %+v %v %v", resp, handshake, err)
	}
	_, handshake, err = p.VerifyWebhook(testAccount, get(url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"1"}, "hub.verify_token": {"meatyhamhock"}}))
	if !errors.Is(err, meta.ErrWrongVerifyToken) || !errors.Is(err, providers.ErrForbidden) || handshake {
		t.Errorf("wrong token: %v %v", handshake, err)
	}
	// The handshake as the fake makes it, through the request the server sees.
	hs, err := facebooktest.NewHandshakeRequest(t.Context(), testAccount.WebhookURL, testVerify, "42")
	if err != nil {
		t.Fatal(err)
	}
	resp, handshake, err = p.VerifyWebhook(testAccount, &providers.WebhookRequest{Method: hs.Method, URL: hs.URL, Header: hs.Header})
	if err != nil || !handshake || string(resp.Body) != "42" {
		t.Errorf("fake's handshake: %+v %v %v", resp, handshake, err)
	}
	// An account whose verify token was never generated accepts no handshake.
	noToken := testAccount
	noToken.Settings = map[string]string{"pageId": testPage}
	if _, _, err := p.VerifyWebhook(noToken, get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {""}})); !errors.Is(err, meta.ErrWrongVerifyToken) {
		t.Errorf("no verify token: %v", err)
	}
}

func TestVerifyWebhookSignature(t *testing.T) {
	p := New("")
	body := fixture(t, "text.json")
	good := facebooktest.Sign(testSecret, body)
	tests := []struct {
		name string
		sigs []string
		acct providers.Account
		want error
	}{
		{"right signature", []string{good}, testAccount, nil},
		{"uppercase hex", []string{"sha256=" + strings.ToUpper(good[7:])}, testAccount, nil},
		{"wrong secret", []string{facebooktest.Sign("another-secret", body)}, testAccount, providers.ErrUnauthorized},
		{"signature of another body", []string{facebooktest.Sign(testSecret, fixture(t, "read.json"))}, testAccount, providers.ErrUnauthorized},
		{"without prefix", []string{good[7:]}, testAccount, providers.ErrUnauthorized},
		{"missing", nil, testAccount, providers.ErrUnauthorized},
		{"two", []string{good, good}, testAccount, providers.ErrUnauthorized},
		{"account without secret", []string{facebooktest.Sign("", body)}, providers.Account{Settings: testAccount.Settings}, providers.ErrUnauthorized},
		{"secret pasted with blanks", []string{good},
			providers.Account{Settings: testAccount.Settings, Secrets: map[string]string{"appSecret": " " + testSecret + "\n"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := webhookRequest(t, body, "")
			for _, s := range tt.sigs {
				req.Header.Add(facebooktest.SignatureHeader, s)
			}
			resp, handshake, err := p.VerifyWebhook(tt.acct, req)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) || resp != nil || handshake {
				t.Errorf("got %v %v %v, want %v", resp, handshake, err, tt.want)
			}
		})
	}
	for _, m := range []string{http.MethodPut, http.MethodDelete} {
		req := signed(t, body)
		req.Method = m
		if _, _, err := p.VerifyWebhook(testAccount, req); !errors.Is(err, providers.ErrNotAllowed) {
			t.Errorf("%s: %v", m, err)
		}
	}
}

func TestParseWebhook(t *testing.T) {
	ms := func(n int64) time.Time { return time.UnixMilli(n).UTC() }
	msg := func(mid string, at int64) providers.Event {
		return providers.Event{Kind: providers.EventMessage, DedupKey: "message:" + mid, MessageID: mid, SenderID: testPSID, Timestamp: ms(at)}
	}
	with := func(ev providers.Event, f func(*providers.Event)) providers.Event { f(&ev); return ev }
	tests := []struct {
		file string
		want []providers.Event
	}{
		{"text.json", []providers.Event{with(msg("mid.1457764197618:41d102a3e1ae206a38", 1458692752478), func(e *providers.Event) { e.Text = "hello, world!" })}},
		{"reply_to.json", []providers.Event{with(msg("m_1457764197618:41d102a3e1ae206a38", 1458692752478), func(e *providers.Event) { e.Text = "hello, world!" })}},
		{"quick_reply.json", []providers.Event{{
			Kind: providers.EventPostback, DedupKey: "postback:m_1457764197618:41d102a3e1ae206a39", MessageID: "m_1457764197618:41d102a3e1ae206a39",
			SenderID: testPSID, Timestamp: ms(1458692752478), Text: "Red", Payload: "DEVELOPER_DEFINED_PAYLOAD_FOR_PICKING_RED",
		}}},
		{"image.json", []providers.Event{with(msg("mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c", 1518479195308), func(e *providers.Event) {
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentImage, URL: "https://scontent.xx.fbcdn.net/v/t1.15752-9/283455129_n.jpg?_nc_cat=1&oh=00_AT8&oe=62B1A2C3"}}
		})}},
		{"attachments.json", []providers.Event{with(msg("m_cAAJdkrCd2ORnva8ErFhjGm0X_Q_d", 1518479195308), func(e *providers.Event) {
			e.Text = "my files"
			e.Attachments = []providers.Attachment{
				{Type: providers.AttachmentVideo, URL: "https://video.xx.fbcdn.net/v/t42.3356-2/10000000_clip.mp4?_nc_cat=103&oe=62B1A2C3"},
				{Type: providers.AttachmentAudio, URL: "https://cdn.fbsbx.com/v/t59.3654-21/283455129_audioclip-1655899000000-3000.mp4?_nc_cat=104"},
				{Type: providers.AttachmentFile, FileName: "Invoice_March.pdf", URL: "https://cdn.fbsbx.com/v/t59.2708-21/283455129_Invoice_March.pdf/Invoice_March.pdf?_nc_cat=105&oe=62B1A2C3"},
			}
		})}},
		{"sticker.json", []providers.Event{with(msg("m_sticker1", 1458692752478), func(e *providers.Event) {
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentSticker, URL: "https://scontent.xx.fbcdn.net/v/t39.1997-6/851557_369239266556155_759568595_n.png?_nc_cat=1"}}
		})}},
		// Both attachments of Meta's sticker transition are one sticker.
		{"sticker_transition.json", []providers.Event{with(msg("m_sticker2", 1458692752478), func(e *providers.Event) {
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentSticker, URL: "https://scontent.xx.fbcdn.net/v/t39.1997-6/767226160478561_n.png"}}
		})}},
		{"location.json", []providers.Event{with(msg("m_location1", 1458692752478), func(e *providers.Event) {
			e.Location = &providers.Location{Latitude: 48.8583701, Longitude: 2.2944813, Title: "Pinned Location"}
		})}},
		{"fallback.json", []providers.Event{with(msg("m_fallback1", 1458692752478), func(e *providers.Event) {
			e.Text = "look at this\nSwitchboard release notes\nhttps://switchboard.example/releases"
		})}},
		// Meta's postback example prints its timestamp in seconds.
		{"postback.json", []providers.Event{{
			Kind: providers.EventPostback, DedupKey: "postback:m_MESSAGE-ID", MessageID: "m_MESSAGE-ID", SenderID: testPSID,
			Timestamp: time.Unix(1527459824, 0).UTC(), Text: "Talk to an agent", Payload: "TALK_TO_AGENT",
		}}},
		{"postback_no_mid.json", []providers.Event{{
			Kind: providers.EventPostback, DedupKey: "postback:" + testPSID + ":1458692752478", SenderID: testPSID,
			Timestamp: ms(1458692752478), Text: "Get Started", Payload: "GET_STARTED",
		}}},
		{"delivery.json", []providers.Event{{
			Kind: providers.EventDelivered, DedupKey: "delivery:" + testPSID + ":1458668856253",
			RefMessageIDs: []string{"mid.1458668856218:ed81099e15d3f4f233"}, SenderID: testPSID, Timestamp: ms(1458668856253),
		}}},
		{"delivery_watermark.json", []providers.Event{{
			Kind: providers.EventDelivered, DedupKey: "delivery:" + testPSID + ":1458668856253", SenderID: testPSID, Timestamp: ms(1458668856253),
		}}},
		{"read.json", []providers.Event{{
			Kind: providers.EventRead, DedupKey: "read:" + testPSID + ":1458668856253", SenderID: testPSID, Timestamp: ms(1458668856253),
		}}},
		{"edit.json", []providers.Event{{
			Kind: providers.EventEdited, DedupKey: "edit:mid.1457764197618:41d102a3e1ae206a38:1", MessageID: "mid.1457764197618:41d102a3e1ae206a38",
			RefMessageIDs: []string{"mid.1457764197618:41d102a3e1ae206a38"}, SenderID: testPSID, Timestamp: ms(1458668856463), Text: "hello, world! (edited)",
		}}},
		// The Page's own messages are never customer messages.
		{"echo.json", nil},
		{"reaction.json", nil},
		{"optin.json", nil},
		// Another app owns the thread.
		{"standby.json", nil},
		{"other_page.json", nil},
		{"not_messenger.json", nil},
		// Entries of this Page in order; the other Page's entry and the echo
		// are left out.
		{"batch.json", []providers.Event{
			with(msg("m_batch1", 1458692752478), func(e *providers.Event) { e.Text = "first" }),
			with(msg("m_batch2", 1458692752479), func(e *providers.Event) { e.Text = "second" }),
			{Kind: providers.EventRead, DedupKey: "read:" + testPSID + ":1458692752000", SenderID: testPSID, Timestamp: ms(1458692752000)},
			{Kind: providers.EventPostback, DedupKey: "postback:m_batch3", MessageID: "m_batch3", SenderID: testPSID, Timestamp: ms(1458692752483), Text: "Yes", Payload: "YES"},
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

// TestDedupKeysDiffer: the events of every fixture have distinct DedupKeys.
func TestDedupKeysDiffer(t *testing.T) {
	p := New("")
	seen := map[string]string{}
	for _, f := range []string{"text.json", "quick_reply.json", "postback.json", "delivery.json", "read.json", "edit.json", "batch.json"} {
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

func TestParseWebhookVariants(t *testing.T) {
	p := New("")
	page := `{"object":"page","entry":[{"id":"` + testPage + `","time":1458692752478,"messaging":[%s]}]}`
	wrap := func(ev string) string { return strings.Replace(page, "%s", ev, 1) }
	from := `"sender":{"id":"` + testPSID + `"},"recipient":{"id":"` + testPage + `"}`
	tests := []struct {
		name    string
		body    string
		want    []providers.Event
		wantErr string
	}{
		{name: "no timestamp: the entry's time", body: wrap(`{` + from + `,"message":{"mid":"m1","text":"hi"}}`),
			want: []providers.Event{{Kind: providers.EventMessage, DedupKey: "message:m1", MessageID: "m1", SenderID: testPSID, Timestamp: time.UnixMilli(1458692752478).UTC(), Text: "hi"}}},
		{name: "numeric IDs", body: `{"object":"page","entry":[{"id":` + testPage + `,"messaging":[{"sender":{"id":` + testPSID + `},"recipient":{"id":` + testPage + `},"timestamp":"1458692752478","message":{"mid":"m2","text":"hi"}}]}]}`,
			want: []providers.Event{{Kind: providers.EventMessage, DedupKey: "message:m2", MessageID: "m2", SenderID: testPSID, Timestamp: time.UnixMilli(1458692752478).UTC(), Text: "hi"}}},
		{name: "sticker by ID only", body: wrap(`{` + from + `,"timestamp":1,"message":{"mid":"m3","sticker_id":369239263222822,"attachments":[{"type":"sticker","payload":{"sticker_id":369239263222822}}]}}`),
			want: []providers.Event{{Kind: providers.EventMessage, DedupKey: "message:m3", MessageID: "m3", SenderID: testPSID, Timestamp: time.Unix(1, 0).UTC(),
				Attachments: []providers.Attachment{{Type: providers.AttachmentSticker, FileID: "sticker:369239263222822"}}}}},
		{name: "fallback without payload gives nothing", body: wrap(`{` + from + `,"message":{"mid":"m4","attachments":[{"type":"fallback","payload":null}]}}`)},
		{name: "empty text", body: wrap(`{` + from + `,"message":{"mid":"m5","text":"  "}}`)},
		{name: "from the Page without is_echo", body: wrap(`{"sender":{"id":"` + testPage + `"},"recipient":{"id":"` + testPSID + `"},"message":{"mid":"m6","text":"x"}}`)},
		{name: "unknown event", body: wrap(`{` + from + `,"account_linking":{"status":"linked"}}`)},
		{name: "no entries", body: `{"object":"page","entry":[]}`},
		{name: "malformed JSON", body: `{"object":"page",`, wantErr: "invalid webhook JSON"},
		{name: "not an object", body: `[1]`, wantErr: "invalid webhook JSON"},
		{name: "entry not a list", body: `{"object":"page","entry":{}}`, wantErr: "invalid webhook JSON"},
		{name: "message without mid", body: wrap(`{` + from + `,"message":{"text":"x"}}`), wantErr: "without mid"},
		{name: "message without sender", body: wrap(`{"recipient":{"id":"` + testPage + `"},"message":{"mid":"m7","text":"x"}}`), wantErr: "without sender.id"},
		{name: "read without watermark", body: wrap(`{` + from + `,"read":{}}`), wantErr: "without sender.id or watermark"},
		{name: "delivery without anything", body: wrap(`{` + from + `,"delivery":{}}`), wantErr: "without watermark or mids"},
		{name: "edit without mid", body: wrap(`{` + from + `,"message_edit":{"text":"x"}}`), wantErr: "without mid"},
		{name: "location off the globe", body: wrap(`{` + from + `,"message":{"mid":"m8","attachments":[{"type":"location","payload":{"coordinates":{"lat":91,"long":0}}}]}}`), wantErr: "invalid coordinates"},
		{name: "location NaN", body: wrap(`{` + from + `,"message":{"mid":"m8","attachments":[{"type":"location","payload":{"coordinates":{"lat":"NaN","long":0}}}]}}`), wantErr: "invalid coordinates"},
		{name: "location Inf", body: wrap(`{` + from + `,"message":{"mid":"m8","attachments":[{"type":"location","payload":{"coordinates":{"lat":0,"long":"+Inf"}}}]}}`), wantErr: "invalid coordinates"},
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

// TestFakeWebhooksParse: the bodies facebooktest builds for the server's tests
// verify and parse as Meta's do.
func TestFakeWebhooksParse(t *testing.T) {
	p := New("")
	at := time.UnixMilli(1458692752478)
	tests := []struct {
		body []byte
		kind providers.EventKind
	}{
		{facebooktest.TextMessage(testPage, testPSID, "m_1", "hi", at), providers.EventMessage},
		{facebooktest.AttachmentMessage(testPage, testPSID, "m_2", "image", "https://cdn.example/a.jpg", at), providers.EventMessage},
		{facebooktest.PostbackEvent(testPage, testPSID, "m_3", "Yes", "YES", at), providers.EventPostback},
		{facebooktest.DeliveryEvent(testPage, testPSID, []string{"m_out"}, at), providers.EventDelivered},
		{facebooktest.ReadEvent(testPage, testPSID, at), providers.EventRead},
	}
	for _, tt := range tests {
		req := signed(t, tt.body)
		if _, hs, err := p.VerifyWebhook(testAccount, req); err != nil || hs {
			t.Errorf("%s: verify: %v %v", tt.body, hs, err)
		}
		evs, _, err := p.ParseWebhook(testAccount, req)
		if err != nil || len(evs) != 1 || evs[0].Kind != tt.kind || evs[0].SenderID != testPSID || !evs[0].Timestamp.Equal(at) {
			t.Errorf("%s: %+v %v", tt.body, evs, err)
		}
	}
	if evs, _, err := p.ParseWebhook(testAccount, signed(t, facebooktest.Echo(testPage, testPSID, "m_4", "ours", at))); err != nil || len(evs) != 0 {
		t.Errorf("echo: %+v %v", evs, err)
	}
	multi := facebooktest.Body(
		facebooktest.Entry{PageID: testPage, Events: []facebooktest.Event{
			{Sender: testPSID, Recipient: testPage, At: at, Message: &facebooktest.InMessage{MID: "a", Text: "1"}},
			{Sender: testPSID, Recipient: testPage, At: at, Edit: &facebooktest.Edit{MID: "a", Text: "1!", NumEdit: 1}},
		}},
		facebooktest.Entry{PageID: "1", Events: []facebooktest.Event{{Sender: "2", Recipient: "1", At: at, Message: &facebooktest.InMessage{MID: "b", Text: "x"}}}},
	)
	if evs, _, err := p.ParseWebhook(testAccount, signed(t, multi)); err != nil || len(evs) != 2 || evs[1].Kind != providers.EventEdited {
		t.Errorf("batch: %+v %v", evs, err)
	}
}

func TestFetchMediaSticker(t *testing.T) {
	_, err := New("").FetchMedia(t.Context(), providers.Env{}, testAccount, providers.Attachment{Type: providers.AttachmentSticker, FileID: "sticker:369239263222822"})
	var se *providers.SendError
	if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "369239263222822") {
		t.Errorf("err = %v", err)
	}
	if _, err := New("").FetchMedia(t.Context(), providers.Env{}, testAccount, providers.Attachment{FileID: "x"}); !errors.As(err, &se) || se.Retryable {
		t.Errorf("err = %v", err)
	}
}
