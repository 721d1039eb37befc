package line

import (
	"bytes"
	"errors"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/line/linetest"
)

func TestSignature(t *testing.T) {
	// LINE publishes no signature example; RFC 4231 test case 2 is the same
	// computation (HMAC-SHA256), here in LINE's Base64 form.
	if got, want := signature("Jefe", []byte("what do ya want for nothing?")), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
	body := fixture(t, "batch.json")
	if got, want := signature(linetest.Secret, body), linetest.Sign(linetest.Secret, body); got != want {
		t.Errorf("signature %s, fake signs %s", got, want)
	}
}

func TestVerifyWebhook(t *testing.T) {
	body := fixture(t, "text_group_mention.json")
	good := linetest.Sign(linetest.Secret, body)
	noSecret := providers.Account{Secrets: map[string]string{"channelAccessToken": linetest.Token}}
	tests := []struct {
		name    string
		method  string
		headers []string // values of x-line-signature
		acct    providers.Account
		want    error
	}{
		{"right signature", http.MethodPost, []string{good}, testAccount, nil},
		{"wrong secret", http.MethodPost, []string{linetest.Sign("0123456789abcdef0123456789abcdef", body)}, testAccount, providers.ErrUnauthorized},
		{"other body", http.MethodPost, []string{linetest.Sign(linetest.Secret, fixture(t, "follow.json"))}, testAccount, providers.ErrUnauthorized},
		{"missing", http.MethodPost, nil, testAccount, providers.ErrUnauthorized},
		{"empty", http.MethodPost, []string{""}, testAccount, providers.ErrUnauthorized},
		{"truncated", http.MethodPost, []string{good[:len(good)-1]}, testAccount, providers.ErrUnauthorized},
		{"padding dropped", http.MethodPost, []string{strings.TrimRight(good, "=")}, testAccount, providers.ErrUnauthorized},
		{"hex instead of base64", http.MethodPost, []string{"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"}, testAccount, providers.ErrUnauthorized},
		{"two headers", http.MethodPost, []string{good, good}, testAccount, providers.ErrUnauthorized},
		{"account without secret", http.MethodPost, []string{linetest.Sign("", body)}, noSecret, providers.ErrUnauthorized},
		{"GET", http.MethodGet, []string{good}, testAccount, providers.ErrNotAllowed},
		{"PUT", http.MethodPut, []string{good}, testAccount, providers.ErrNotAllowed},
	}
	p := Provider{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := webhookRequest(t, body, "")
			req.Method = tt.method
			for _, v := range tt.headers {
				req.Header.Add(SignatureHeader, v)
			}
			resp, handshake, err := p.VerifyWebhook(tt.acct, req)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if resp != nil || handshake {
				t.Errorf("resp %v, handshake %v for a message", resp, handshake)
			}
		})
	}
	t.Run("header name in lower case", func(t *testing.T) {
		req := webhookRequest(t, body, "")
		req.Header = http.Header{}
		req.Header.Set("x-line-signature", good) // as LINE now sends it; net/http canonicalizes
		if _, _, err := p.VerifyWebhook(testAccount, req); err != nil {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("nil request", func(t *testing.T) {
		if _, _, err := p.VerifyWebhook(testAccount, nil); !errors.Is(err, providers.ErrNotAllowed) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestVerifyWebhookConnectionCheck(t *testing.T) {
	tests := []struct {
		name      string
		body      []byte
		handshake bool
	}{
		{"empty events (console Verify, test endpoint)", fixture(t, "verification.json"), true},
		{"the fake's check body", linetest.Body(), true},
		{"legacy placeholder events", fixture(t, "verification_legacy.json"), true},
		{"a message", fixture(t, "batch.json"), false},
		{"placeholder token from a real user", bytes.Replace(fixture(t, "verification_legacy.json"), []byte("Udeadbeefdeadbeefdeadbeefdeadbeef"), []byte("U4af4980629aaaaaaaaaaaaaaaaaaaaa"), 1), false},
		{"not JSON", []byte("events: []"), false},
		{"no events property", []byte(`{"destination":"xxxxxxxxxx"}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, handshake, err := Provider{}.VerifyWebhook(testAccount, webhookRequest(t, tt.body, linetest.Secret))
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if handshake != tt.handshake || resp != nil {
				t.Errorf("handshake = %v, resp %v; want handshake %v and an empty 200", handshake, resp, tt.handshake)
			}
		})
	}
	t.Run("unsigned check is not authentic", func(t *testing.T) {
		_, handshake, err := Provider{}.VerifyWebhook(testAccount, webhookRequest(t, fixture(t, "verification.json"), ""))
		if !errors.Is(err, providers.ErrUnauthorized) || handshake {
			t.Errorf("err = %v, handshake %v", err, handshake)
		}
	})
}

func TestParseWebhook(t *testing.T) {
	ms := func(v int64) time.Time { return time.UnixMilli(v).UTC() }
	tests := []struct {
		file string
		want []providers.Event
	}{
		{"batch.json", []providers.Event{
			{Kind: providers.EventMessage, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", MessageID: "14353798921116",
				SenderID: "U80696558e1aa831...", Timestamp: ms(1625665242211), Text: "Hello, world"},
			{Kind: providers.EventSubscribed, DedupKey: "01FZ74ASS536FW97EX38NKCZQK", SenderID: "Ufc729a925b3abef...", Timestamp: ms(1625665242214)},
			{Kind: providers.EventUnsubscribe, DedupKey: "01FZ74B5Y0F4TNKA5SCAVKPEDM", SenderID: "Ubbd4f124aee5113...", Timestamp: ms(1625665242215)},
		}},
		{"text_group_mention.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", MessageID: "444573844083572737",
			SenderID: "U4af4980629...", ChatID: "Ca56f94637c...", Timestamp: ms(1462629479859),
			Text: "@All @example Good Morning!! (love)",
		}}},
		{"image_set_1.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", MessageID: "354718705033693859",
			SenderID: "U4af4980629...", Timestamp: ms(1627356924513),
			Attachments: []providers.Attachment{{Type: providers.AttachmentImage, FileID: "354718705033693859"}},
			GroupID:     "E005D41A7288F41B65593ED38FF6E9834B046AB36A37921A56BC236F13A91855",
		}}},
		{"image_set_2.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", MessageID: "354718705033693861",
			SenderID: "U4af4980629...", Timestamp: ms(1627356924722),
			Attachments: []providers.Attachment{{Type: providers.AttachmentImage, FileID: "354718705033693861"}},
			GroupID:     "E005D41A7288F41B65593ED38FF6E9834B046AB36A37921A56BC236F13A91855",
		}}},
		{"video_external.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", MessageID: "325708",
			SenderID: "U4af4980629...", Timestamp: ms(1462629479859),
			Attachments: []providers.Attachment{{Type: providers.AttachmentVideo, URL: "https://example.com/original.mp4"}},
		}}},
		{"audio.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", MessageID: "325708",
			SenderID: "U4af4980629...", Timestamp: ms(1462629479859),
			Attachments: []providers.Attachment{{Type: providers.AttachmentAudio, FileID: "325708"}},
		}}},
		{"file.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", MessageID: "325708",
			SenderID: "U4af4980629...", Timestamp: ms(1462629479859),
			Attachments: []providers.Attachment{{Type: providers.AttachmentFile, FileID: "325708", FileName: "file.txt", MimeType: "text/plain", Size: 2138}},
		}}},
		{"location.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", MessageID: "325708",
			SenderID: "U4af4980629...", Timestamp: ms(1462629479859),
			Location: &providers.Location{Latitude: 35.67966, Longitude: 139.73669, Title: "my location — 1-3 Kioicho, Chiyoda-ku, Tokyo, 102-8282 Japan"},
		}}},
		{"sticker_animation.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", MessageID: "1501597916",
			SenderID: "U4af4980629...", Timestamp: ms(1462629479859),
			Attachments: []providers.Attachment{{Type: providers.AttachmentSticker, FileID: "sticker:11537:52002738"}},
		}}},
		{"sticker_message.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", MessageID: "123456789012345678",
			SenderID: "Ub82c8fd9b...", ChatID: "C99ae82bcd...", Timestamp: ms(1635756190879),
			Text:        "Let's\nhang out\nthis weekend!",
			Attachments: []providers.Attachment{{Type: providers.AttachmentSticker, FileID: "sticker:12287:738839"}},
		}}},
		{"message_edited.json", []providers.Event{{
			Kind: providers.EventEdited, DedupKey: "01KPW6071XGPXPAF4XCN96XEAN",
			MessageID: "610830548529053697:edit:1776914799524", RefMessageIDs: []string{"610830548529053697"},
			SenderID: "U4af4980629...", ChatID: "Ca56f94637c...", Timestamp: ms(1776914799524), Text: "Edited message",
		}}},
		{"postback_datetime.json", []providers.Event{{
			Kind: providers.EventPostback, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", MessageID: "postback:01FZ74A0TDDPYRVKNK77XKC3ZR",
			SenderID: "U91eeaf62d...", Timestamp: ms(1513669370317),
			Payload: "storeId=12345", Text: "storeId=12345 datetime=2017-12-25T01:00",
		}}},
		{"postback_richmenu.json", []providers.Event{{
			Kind: providers.EventPostback, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", MessageID: "postback:01FZ74A0TDDPYRVKNK77XKC3ZR",
			SenderID: "U91eeaf62d...", Timestamp: ms(1619754620404),
			Payload: "richmenu-changed-to-b", Text: "richmenu-changed-to-b newRichMenuAliasId=richmenu-alias-b status=SUCCESS",
		}}},
		{"follow.json", []providers.Event{{
			Kind: providers.EventSubscribed, DedupKey: "01HMQGW40RZJPJM3RAJP7BHC2Q",
			SenderID: "U3d3edab4f36c6292e6d8a8131f141b8b", Timestamp: ms(1705891467176),
		}}},
		{"follow_unblocked.json", []providers.Event{{
			Kind: providers.EventSubscribed, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", SenderID: "U4af4980629...", Timestamp: ms(1462629479859),
		}}},
		{"unfollow.json", []providers.Event{{
			Kind: providers.EventUnsubscribe, DedupKey: "01FZ74A0TDDPYRVKNK77XKC3ZR", SenderID: "U4af4980629...", Timestamp: ms(1462629479859),
		}}},
		// Understood, but nothing for an agent: no events.
		{"unsend.json", nil},
		{"join.json", nil},
		{"leave.json", nil},
		{"member_joined.json", nil},
		{"member_left.json", nil},
		{"video_play_complete.json", nil},
		{"beacon.json", nil},
		{"account_link.json", nil},
		{"membership.json", nil},
		{"verification.json", nil},
		{"verification_legacy.json", nil},
	}
	p := Provider{}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			events, resp, err := p.ParseWebhook(testAccount, webhookRequest(t, fixture(t, tt.file), linetest.Secret))
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
	// A fixture cannot be added without saying here what it means.
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("%s has no expectation in TestParseWebhook", f)
		}
	}
}

func TestParseWebhookSources(t *testing.T) {
	msg := func(source string) string {
		return `{"destination":"U1","events":[{"type":"message","mode":"active","timestamp":1700000000000,"webhookEventId":"01HZZZZZZZZZZZZZZZZZZZZZZZ","deliveryContext":{"isRedelivery":false},` +
			`"source":` + source + `,"message":{"id":"500","type":"text","text":"hi"}}]}`
	}
	tests := []struct {
		name           string
		source         string
		sender, chatID string
	}{
		{"user", `{"type":"user","userId":"Uaaa"}`, "Uaaa", ""},
		{"group member", `{"type":"group","groupId":"Cggg","userId":"Uaaa"}`, "Uaaa", "Cggg"},
		{"group member LINE does not name", `{"type":"group","groupId":"Cggg"}`, "Cggg", "Cggg"},
		{"room member", `{"type":"room","roomId":"Rrrr","userId":"Uaaa"}`, "Uaaa", "Rrrr"},
		{"room member LINE does not name", `{"type":"room","roomId":"Rrrr"}`, "Rrrr", "Rrrr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, _, err := Provider{}.ParseWebhook(testAccount, webhookRequest(t, []byte(msg(tt.source)), linetest.Secret))
			if err != nil || len(events) != 1 {
				t.Fatalf("events %+v, err %v", events, err)
			}
			if ev := events[0]; ev.SenderID != tt.sender || ev.ChatID != tt.chatID {
				t.Errorf("sender %q chat %q, want %q %q", ev.SenderID, ev.ChatID, tt.sender, tt.chatID)
			}
		})
	}
}

func TestParseWebhookRedeliveryKeepsDedupKey(t *testing.T) {
	first := fixture(t, "follow.json")
	again := bytes.Replace(first, []byte(`"isRedelivery": false`), []byte(`"isRedelivery": true`), 1)
	if bytes.Equal(first, again) {
		t.Fatal("fixture has no isRedelivery to flip")
	}
	a, _, err1 := Provider{}.ParseWebhook(testAccount, webhookRequest(t, first, linetest.Secret))
	b, _, err2 := Provider{}.ParseWebhook(testAccount, webhookRequest(t, again, linetest.Secret))
	if err1 != nil || err2 != nil || len(a) != 1 || len(b) != 1 {
		t.Fatalf("%v %v %v %v", a, b, err1, err2)
	}
	if a[0].DedupKey != b[0].DedupKey || !reflect.DeepEqual(a, b) {
		t.Errorf("redelivery maps to %+v, first delivery to %+v", b, a)
	}
}

func TestParseWebhookIgnoresUnknown(t *testing.T) {
	tests := []struct {
		name string
		body string
		n    int
	}{
		{"unknown event type", `{"destination":"U1","events":[{"type":"futureEvent","timestamp":1,"mode":"active","webhookEventId":"01A","deliveryContext":{"isRedelivery":false},"source":{"type":"user","userId":"U1"}}]}`, 0},
		{"unknown event of its own shape", `{"destination":"U1","events":[{"type":"futureEvent","message":42,"source":"x"},{"type":"follow","timestamp":1,"webhookEventId":"01B","source":{"type":"user","userId":"U1"}}]}`, 1},
		{"unknown message type", `{"destination":"U1","events":[{"type":"message","timestamp":1,"webhookEventId":"01C","source":{"type":"user","userId":"U1"},"message":{"id":"9","type":"hologram"}}]}`, 0},
		{"external media without a URL", `{"destination":"U1","events":[{"type":"message","timestamp":1,"webhookEventId":"01D","source":{"type":"user","userId":"U1"},"message":{"id":"9","type":"image","contentProvider":{"type":"external"}}}]}`, 0},
		{"empty text", `{"destination":"U1","events":[{"type":"message","timestamp":1,"webhookEventId":"01E","source":{"type":"user","userId":"U1"},"message":{"id":"9","type":"text","text":""}}]}`, 0},
		{"null event", `{"destination":"U1","events":[null]}`, 0},
		{"file size as a string", `{"destination":"U1","events":[{"type":"message","timestamp":1,"webhookEventId":"01F","source":{"type":"user","userId":"U1"},"message":{"id":"9","type":"file","fileName":"a.pdf","fileSize":"2138"}}]}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, _, err := Provider{}.ParseWebhook(testAccount, webhookRequest(t, []byte(tt.body), linetest.Secret))
			if err != nil || len(events) != tt.n {
				t.Errorf("events %+v, err %v; want %d events", events, err, tt.n)
			}
		})
	}
}

func TestParseWebhookErrors(t *testing.T) {
	ev := func(fields string) string {
		return `{"destination":"U1","events":[{"mode":"active","timestamp":1,"deliveryContext":{"isRedelivery":false},` + fields + `}]}`
	}
	tests := []struct {
		name string
		body string
	}{
		{"not JSON", `foo`},
		{"empty body", ``},
		{"JSON array", `[{"events":[]}]`},
		{"null", `null`},
		{"no events", `{"destination":"U1"}`},
		{"events null", `{"destination":"U1","events":null}`},
		{"events not an array", `{"destination":"U1","events":{}}`},
		{"message without webhookEventId", ev(`"type":"message","source":{"type":"user","userId":"U1"},"message":{"id":"1","type":"text","text":"hi"}`)},
		{"message without id", ev(`"type":"message","webhookEventId":"01A","source":{"type":"user","userId":"U1"},"message":{"type":"text","text":"hi"}`)},
		{"message without message", ev(`"type":"message","webhookEventId":"01A","source":{"type":"user","userId":"U1"}`)},
		{"message id a number", ev(`"type":"message","webhookEventId":"01A","source":{"type":"user","userId":"U1"},"message":{"id":1,"type":"text","text":"hi"}`)},
		{"message without source", ev(`"type":"message","webhookEventId":"01A","message":{"id":"1","type":"text","text":"hi"}`)},
		{"user source without userId", ev(`"type":"message","webhookEventId":"01A","source":{"type":"user"},"message":{"id":"1","type":"text","text":"hi"}`)},
		{"group source without groupId", ev(`"type":"message","webhookEventId":"01A","source":{"type":"group","userId":"U1"},"message":{"id":"1","type":"text","text":"hi"}`)},
		{"location without latitude", ev(`"type":"message","webhookEventId":"01A","source":{"type":"user","userId":"U1"},"message":{"id":"1","type":"location","longitude":139.7}`)},
		{"sticker without ids", ev(`"type":"message","webhookEventId":"01A","source":{"type":"user","userId":"U1"},"message":{"id":"1","type":"sticker"}`)},
		{"postback without postback", ev(`"type":"postback","webhookEventId":"01A","source":{"type":"user","userId":"U1"}`)},
		{"follow without source", ev(`"type":"follow","webhookEventId":"01A"`)},
		{"edit without message", ev(`"type":"messageEdited","webhookEventId":"01A","source":{"type":"group","groupId":"C1","userId":"U1"}`)},
		{"timestamp a string", ev(`"type":"follow","webhookEventId":"01A","timestamp":"soon","source":{"type":"user","userId":"U1"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, resp, err := Provider{}.ParseWebhook(testAccount, webhookRequest(t, []byte(tt.body), linetest.Secret))
			var pe *providers.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *providers.ParseError", err, err)
			}
			if events != nil || resp != nil {
				t.Errorf("events %+v, resp %+v alongside an error", events, resp)
			}
		})
	}
	t.Run("nil request", func(t *testing.T) {
		var pe *providers.ParseError
		if _, _, err := (Provider{}).ParseWebhook(testAccount, nil); !errors.As(err, &pe) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestParseWebhookTimestampFallsBackToReceipt(t *testing.T) {
	body := `{"destination":"U1","events":[{"type":"follow","webhookEventId":"01A","source":{"type":"user","userId":"U1"}}]}`
	events, _, err := Provider{}.ParseWebhook(testAccount, webhookRequest(t, []byte(body), linetest.Secret))
	if err != nil || len(events) != 1 || !events[0].Timestamp.Equal(received) {
		t.Errorf("events %+v, err %v; want the time of receipt", events, err)
	}
}
