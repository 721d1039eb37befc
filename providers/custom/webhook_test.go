package custom

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestParseWebhook(t *testing.T) {
	tests := []struct {
		file string
		want []providers.Event
	}{
		{"message_text.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "evt:evt_1001", MessageID: "m-1001",
			SenderID: "user-42", SenderName: "Ada Lovelace", SenderLanguage: "en-GB", Timestamp: ts("2026-05-01T11:59:30Z"),
			Text: "Hello, is my order on its way? Привет 👋",
		}}},
		{"message_attachments.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "evt:evt_1002", MessageID: "m-1002",
			SenderID: "user-42", Timestamp: ts("2026-05-01T09:59:31.25Z"), Text: "Here are the photos",
			Attachments: []providers.Attachment{
				{Type: providers.AttachmentImage, URL: "https://cdn.example.com/a.jpg", MimeType: "image/jpeg", FileName: "a.jpg", Size: 48213},
				{Type: providers.AttachmentVoice, URL: "https://cdn.example.com/v.ogg", MimeType: "audio/ogg"},
				{Type: providers.AttachmentFile, URL: "https://cdn.example.com/invoice.pdf", FileName: "invoice.pdf"},
			},
		}}},
		{"message_location.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "evt:evt_1003", MessageID: "m-1003",
			SenderID: "user-42", Timestamp: ts("2026-05-01T11:59:32Z"),
			Location: &providers.Location{Latitude: 52.5163, Longitude: 13.3777, Title: "Brandenburg Gate"},
		}}},
		{"message_contact.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "evt:evt_1004", MessageID: "m-1004",
			SenderID: "user-42", Timestamp: ts("2026-05-01T11:59:33Z"),
			Contact: &providers.ContactCard{Name: "Grace Hopper", Phone: "+15550100"},
		}}},
		{"postback.json", []providers.Event{{
			Kind: providers.EventPostback, DedupKey: "evt:evt_1005", MessageID: "m-1005",
			SenderID: "user-42", SenderName: "Ada Lovelace", Timestamp: ts("2026-05-01T11:59:34Z"),
			Text: "Track my order", Payload: "TRACK_ORDER:8812",
		}}},
		{"edited.json", []providers.Event{{
			Kind: providers.EventEdited, DedupKey: "evt:evt_1006", MessageID: "m-1006", RefMessageIDs: []string{"m-1001"},
			SenderID: "user-42", Timestamp: ts("2026-05-01T11:59:35Z"), Text: "Hello, is my order on its way yet?",
		}}},
		{"delivered.json", []providers.Event{{
			Kind: providers.EventDelivered, DedupKey: "evt:evt_1007", RefMessageIDs: []string{"out-77", "out-78"},
			SenderID: "user-42", Timestamp: ts("2026-05-01T11:59:36Z"),
		}}},
		{"read.json", []providers.Event{{
			Kind: providers.EventRead, DedupKey: "evt:evt_1008", RefMessageIDs: []string{"out-78"},
			SenderID: "user-42", Timestamp: ts("2026-05-01T11:59:37Z"),
		}}},
		{"subscribed.json", []providers.Event{{
			Kind: providers.EventSubscribed, DedupKey: "evt:evt_1009",
			SenderID: "user-43", SenderName: "Alan Turing", Timestamp: ts("2026-05-01T11:59:38Z"),
		}}},
		{"batch.json", []providers.Event{
			{Kind: providers.EventMessage, DedupKey: "evt:evt_2001", MessageID: "m-2001", SenderID: "user-44", Timestamp: ts("2026-05-01T11:59:40Z"), Text: "first"},
			{Kind: providers.EventRead, DedupKey: "evt:evt_2002", RefMessageIDs: []string{"out-90"}, SenderID: "user-44", Timestamp: ts("2026-05-01T11:59:41Z")},
			{Kind: providers.EventUnsubscribe, DedupKey: "evt:evt_2003", SenderID: "user-44", Timestamp: ts("2026-05-01T11:59:42Z")},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			req := signedRequest(readFixture(t, tc.file))
			if _, _, err := (Provider{}).VerifyWebhook(testAccount(""), req); err != nil {
				t.Fatalf("VerifyWebhook: %v", err)
			}
			got, resp, err := Provider{}.ParseWebhook(testAccount(""), req)
			if err != nil {
				t.Fatalf("ParseWebhook: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("events:\n got %+v\nwant %+v", got, tc.want)
			}
			if resp == nil || resp.Status != http.StatusOK || string(resp.Body) != `{"ok":true}` || resp.ContentType != "application/json" {
				t.Errorf("answer = %+v, want 200 {\"ok\":true}", resp)
			}
		})
	}
}

func TestParseWebhookInvalid(t *testing.T) {
	tooMany := tooManyEvents(MaxEvents + 1)
	tests := []struct {
		file string
		body []byte // instead of file
		want string
	}{
		{file: "invalid_missing_sender.json", want: "events[2].sender.id is required"},
		{file: "invalid_unknown_type.json", want: `events[0].type "typing" is not one of message, edited, postback, delivered, read, subscribed, unsubscribed`},
		{file: "invalid_empty_events.json", want: "events is empty"},
		{file: "invalid_no_events.json", want: "events is required"},
		{file: "invalid_not_json.json", want: "body is not valid JSON (at byte 28: invalid character '}' looking for beginning of object key string)"},
		{file: "invalid_events_not_array.json", want: "events must be an array, not object"},
		{file: "invalid_event_not_object.json", want: "events[0] must be an object"},
		{file: "invalid_wrong_type.json", want: "events[0].sender.id must be a string, not number"},
		{file: "invalid_missing_id.json", want: "events[0].id is required"},
		{file: "invalid_timestamp.json", want: `events[0].timestamp "1 May 2026" is not an RFC 3339 time`},
		{file: "invalid_no_message_id.json", want: "events[0].message.id is required"},
		{file: "invalid_empty_message.json", want: "events[0].message needs text, attachments, a location or a contact"},
		{file: "invalid_attachment_url.json", want: "events[0].message.attachments[1].url must be an absolute https URL"},
		{file: "invalid_attachment_type.json", want: `events[0].message.attachments[0].type "gif" is not one of image, video, audio, voice, file, sticker`},
		{file: "invalid_location.json", want: "events[0].message.location.latitude must be between -90 and 90"},
		{file: "invalid_postback_payload.json", want: `events[0].message.payload is required for type "postback"`},
		{file: "invalid_read_no_ids.json", want: `events[0].messageIds is required for type "read"`},
		{file: "invalid_duplicate_id.json", want: `events[1].id "evt_1" repeats events[0].id`},
		{file: "too many events", body: tooMany, want: "events has 101 entries; at most 100 are allowed"},
		{file: "not an object", body: []byte(`[1,2]`), want: "body must be an object, not array"},
		{file: "empty body", body: []byte{}, want: "body is not valid JSON (at byte 0: unexpected end of JSON input)"},
		{file: "trailing data", body: []byte(`{"events":[]} x`), want: "body is not valid JSON (at byte 15: invalid character 'x' after top-level value)"},
		{file: "long id", body: []byte(fmt.Sprintf(`{"events":[{"id":%q}]}`, strings.Repeat("x", MaxIDLength+1))), want: "events[0].id is longer than 200 bytes"},
		{file: "message missing", body: []byte(`{"events":[{"id":"e","type":"edited","timestamp":"2026-05-01T12:00:00Z","sender":{"id":"u"}}]}`), want: `events[0].message is required for type "edited"`},
		{file: "empty messageIds entry", body: []byte(`{"events":[{"id":"e","type":"delivered","timestamp":"2026-05-01T12:00:00Z","sender":{"id":"u"},"messageIds":["a",""]}]}`), want: "events[0].messageIds[1] is required"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			body := tc.body
			if body == nil {
				body = readFixture(t, tc.file)
			}
			events, resp, err := Provider{}.ParseWebhook(testAccount(""), signedRequest(body))
			var pe *providers.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *providers.ParseError", err)
			}
			if pe.Reason != tc.want {
				t.Errorf("reason = %q\n           want %q", pe.Reason, tc.want)
			}
			if events != nil {
				t.Errorf("events = %+v, want none: a batch is all or nothing", events)
			}
			if resp == nil || resp.Status != http.StatusBadRequest || resp.ContentType != "application/json" {
				t.Fatalf("answer = %+v, want 400 JSON", resp)
			}
			var answer struct{ Error string }
			if err := json.Unmarshal(resp.Body, &answer); err != nil || answer.Error != tc.want {
				t.Errorf("answer body = %s, want {\"error\": %q}", resp.Body, tc.want)
			}
		})
	}
}

func TestVerifyWebhook(t *testing.T) {
	body := readFixture(t, "message_text.json")
	tests := []struct {
		name string
		req  func() *providers.WebhookRequest
		want error
	}{
		{name: "signed JSON POST", req: func() *providers.WebhookRequest { return signedRequest(body) }},
		{name: "charset parameter", req: func() *providers.WebhookRequest {
			r := signedRequest(body)
			r.Header.Set("Content-Type", "application/json; charset=utf-8")
			return r
		}},
		{name: "GET", want: providers.ErrNotAllowed, req: func() *providers.WebhookRequest {
			r := signedRequest(body)
			r.Method = http.MethodGet
			return r
		}},
		{name: "unsigned", want: ErrMissingSignature, req: func() *providers.WebhookRequest {
			r := signedRequest(body)
			r.Header.Del(HeaderSignature)
			return r
		}},
		{name: "body changed in transit", want: ErrBadSignature, req: func() *providers.WebhookRequest {
			r := signedRequest(body)
			r.Body = append([]byte(nil), body...)
			r.Body[len(r.Body)-3] = ' '
			return r
		}},
		{name: "replayed 10 minutes later", want: ErrStaleTimestamp, req: func() *providers.WebhookRequest {
			r := signedRequest(body)
			r.Received = testNow.Add(10 * time.Minute)
			return r
		}},
		{name: "wrong content type", want: providers.ErrNotAllowed, req: func() *providers.WebhookRequest {
			r := signedRequest(body)
			r.Header.Set("Content-Type", "text/plain")
			return r
		}},
		{name: "unsigned with wrong content type is just unauthorized", want: ErrMissingSignature, req: func() *providers.WebhookRequest {
			r := signedRequest(body)
			r.Header.Set("Content-Type", "text/plain")
			r.Header.Del(HeaderTimestamp)
			return r
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, handshake, err := Provider{}.VerifyWebhook(testAccount(""), tc.req())
			if handshake {
				t.Error("handshake = true; the contract has no inbound handshake")
			}
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if resp != nil {
				t.Errorf("answer = %+v, want none: the ingest layer answers by error", resp)
			}
		})
	}

	t.Run("account without a confirmation code", func(t *testing.T) {
		acct := testAccount("")
		acct.Secrets = nil
		req := signedRequest(body)
		signHeaders(req.Header, "", testNow, body)
		if _, _, err := (Provider{}).VerifyWebhook(acct, req); !errors.Is(err, providers.ErrUnauthorized) {
			t.Fatalf("err = %v, want unauthorized", err)
		}
	})

	t.Run("replay window from the provider", func(t *testing.T) {
		req := signedRequest(body)
		req.Received = testNow.Add(2 * time.Minute)
		if _, _, err := (Provider{ReplayWindow: time.Minute}).VerifyWebhook(testAccount(""), req); !errors.Is(err, ErrStaleTimestamp) {
			t.Fatalf("err = %v, want stale with a 1 minute window", err)
		}
		if _, _, err := (Provider{}).VerifyWebhook(testAccount(""), req); err != nil {
			t.Fatalf("err = %v, want accepted with the default window", err)
		}
	})
}

// tooManyEvents is a body of n valid events.
func tooManyEvents(n int) []byte {
	evs := make([]string, n)
	for i := range evs {
		evs[i] = fmt.Sprintf(`{"id":"evt_%d","type":"subscribed","timestamp":"2026-05-01T12:00:00Z","sender":{"id":"u"}}`, i)
	}
	return []byte(`{"events":[` + strings.Join(evs, ",") + `]}`)
}

func TestParseWebhookMaxEvents(t *testing.T) {
	events, _, err := Provider{}.ParseWebhook(testAccount(""), signedRequest(tooManyEvents(MaxEvents)))
	if err != nil || len(events) != MaxEvents {
		t.Fatalf("got %d events, err %v; want %d", len(events), err, MaxEvents)
	}
	for i, ev := range events {
		if want := fmt.Sprintf("evt:evt_%d", i); ev.DedupKey != want {
			t.Fatalf("events[%d].DedupKey = %q, want %q: order must be kept", i, ev.DedupKey, want)
		}
	}
}
