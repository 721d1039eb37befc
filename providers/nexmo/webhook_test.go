package nexmo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/nexmo/nexmotest"
	"github.com/switchboard/switchboard/providers/providertest"
)

func TestParseWebhook(t *testing.T) {
	const customer = "447700900001"
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	msg := func(id, ts string) providers.Event {
		return providers.Event{Kind: providers.EventMessage, DedupKey: "message:" + id, MessageID: id,
			SenderID: customer, SenderName: "Jane Smith", Timestamp: at(ts)}
	}
	att := func(typ providers.AttachmentType, u, name string) []providers.Attachment {
		return []providers.Attachment{{Type: typ, FileID: u, URL: u, FileName: name}}
	}
	const ours = "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab"
	receipt := func(kind providers.EventKind, status string) providers.Event {
		return providers.Event{Kind: kind, DedupKey: "status:" + ours + ":" + status, RefMessageIDs: []string{ours},
			SenderID: customer, Timestamp: at("2025-02-03T12:14:25Z")}
	}
	tests := []struct {
		fixture string
		want    []providers.Event
	}{
		{"text.json", func() []providers.Event {
			e := msg("52afe398-e31a-4362-8c42-beb0c3b1d098", "2020-01-01T14:00:00Z")
			e.Text = "Hello, I need help with order #123 & my invoice 🙂"
			return []providers.Event{e}
		}()},
		{"image.json", func() []providers.Event {
			e := msg("0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f", "2020-01-01T14:01:00Z")
			e.Attachments = att(providers.AttachmentImage, "https://api-eu.nexmo.com/v3/media/1b456509-974c-458b-aafa-45fc48a4d976", "damage.jpg")
			return []providers.Event{e}
		}()},
		{"audio.json", func() []providers.Event {
			e := msg("1c2d3e4f-5061-4728-9930-4b5c6d7e8f90", "2020-01-01T14:02:00Z")
			e.Attachments = att(providers.AttachmentAudio, "https://api-eu.nexmo.com/v3/media/2c567610-a85d-469c-bbfb-56fd59b5e087", "audio.mp3")
			return []providers.Event{e}
		}()},
		{"video.json", func() []providers.Event {
			e := msg("2d3e4f50-6172-4839-8a41-5c6d7e8f90a1", "2020-01-01T14:03:00Z")
			e.Attachments = att(providers.AttachmentVideo, "https://api-eu.nexmo.com/v3/media/3d678721-b96e-47ad-8c0c-67fe6ac6f198", "video.mp4")
			return []providers.Event{e}
		}()},
		{"file.json", func() []providers.Event {
			e := msg("3e4f5061-7283-494a-9b52-6d7e8f90a1b2", "2020-01-01T14:04:00Z")
			e.Attachments = att(providers.AttachmentFile, "https://api-eu.nexmo.com/v3/media/4e789832-ca7f-48be-9d1d-78af7bd7a2a9", "invoice-123.pdf")
			return []providers.Event{e}
		}()},
		{"sticker.json", func() []providers.Event {
			e := msg("4f506172-8394-4a5b-8c63-7e8f90a1b2c3", "2020-01-01T14:05:00Z")
			e.Attachments = att(providers.AttachmentSticker, "https://api-us.nexmo.com/v3/media/1b456509-974c-458b-aafa-45fc48a4d976", "")
			return []providers.Event{e}
		}()},
		{"location.json", func() []providers.Event {
			e := msg("50617283-94a5-4b6c-9d74-8f90a1b2c3d4", "2020-01-01T14:06:00Z")
			e.Location = &providers.Location{Latitude: 40.34772, Longitude: -74.18847, Title: "Vonage, 23 Main St, Holmdel, NJ 07733, USA"}
			return []providers.Event{e}
		}()},
		{"reply.json", func() []providers.Event {
			e := msg("61728394-a5b6-4c7d-8e85-90a1b2c3d4e5", "2020-01-01T14:07:00Z")
			e.Kind, e.Payload, e.Text = providers.EventPostback, "row1", "9am"
			return []providers.Event{e}
		}()},
		{"button.json", func() []providers.Event {
			e := msg("728394a5-b6c7-4d8e-9f96-a1b2c3d4e5f6", "2020-01-01T14:08:00Z")
			e.Kind, e.Payload, e.Text = providers.EventPostback, "confirm_order_123", "Yes, confirm"
			return []providers.Event{e}
		}()},
		{"status_delivered.json", []providers.Event{receipt(providers.EventDelivered, "delivered")}},
		{"status_read.json", []providers.Event{receipt(providers.EventRead, "read")}},
		// Understood, but nothing Switchboard records.
		{"status_submitted.json", nil},
		{"status_rejected.json", []providers.Event{{Kind: providers.EventFailed, DedupKey: "status:aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab:rejected",
			RefMessageIDs: []string{"aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab"}, SenderID: "447700900001", Timestamp: time.Date(2025, 2, 3, 12, 14, 25, 0, time.UTC),
			Reason: "WhatsApp could not deliver it (Vonage: rejected, 1300: Not part of the provider network)"}}},
		{"status_sms.json", nil},
		{"order.json", nil},
		{"unsupported.json", nil},
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
			if resp != nil {
				t.Errorf("resp = %+v, want nil (an empty 200)", resp)
			}
			if !reflect.DeepEqual(events, tt.want) {
				t.Errorf("events\n got %+v\nwant %+v", events, tt.want)
			}
			providertest.CheckParsed(t, events, err, providertest.Knobs{})
		})
	}
}

// TestParseWebhookFromTheFake: what the fake posts is what the provider reads,
// signature included.
func TestParseWebhookFromTheFake(t *testing.T) {
	lat, lon := -33.8568, 151.2153
	srv, acct, _ := newFake(t)
	srv.SetMessagesWebhooks(testWebhookURL, testWebhookURL)
	when := time.Date(2024, 3, 5, 9, 59, 30, 0, time.UTC)
	tests := []struct {
		name string
		m    nexmotest.Inbound
		want providers.Event
	}{
		{"text", nexmotest.Inbound{From: "61400000001", Text: "G'day", ProfileName: " Bruce "},
			providers.Event{Kind: providers.EventMessage, Text: "G'day", SenderName: "Bruce"}},
		{"voice note", nexmotest.Inbound{From: "61400000001", Type: "audio", MediaURL: "https://api-eu.nexmo.com/v3/media/1", MediaName: "voice.ogg"},
			providers.Event{Kind: providers.EventMessage, Attachments: []providers.Attachment{{Type: providers.AttachmentVoice,
				FileID: "https://api-eu.nexmo.com/v3/media/1", URL: "https://api-eu.nexmo.com/v3/media/1", FileName: "voice.ogg"}}}},
		{"image with caption", nexmotest.Inbound{From: "61400000001", MediaURL: "https://api-eu.nexmo.com/v3/media/2", Caption: "the box"},
			providers.Event{Kind: providers.EventMessage, Text: "the box", Attachments: []providers.Attachment{{Type: providers.AttachmentImage,
				FileID: "https://api-eu.nexmo.com/v3/media/2", URL: "https://api-eu.nexmo.com/v3/media/2"}}}},
		{"location without a name", nexmotest.Inbound{From: "61400000001", Latitude: &lat, Longitude: &lon},
			providers.Event{Kind: providers.EventMessage, Location: &providers.Location{Latitude: lat, Longitude: lon}}},
		{"button with an object payload", nexmotest.Inbound{From: "61400000001", ButtonText: "Stop", ButtonPayload: map[string]any{"id": "stop"}},
			providers.Event{Kind: providers.EventPostback, Text: "Stop", Payload: `{"id":"stop"}`}},
		{"button without payload", nexmotest.Inbound{From: "61400000001", ButtonText: "Stop"},
			providers.Event{Kind: providers.EventPostback, Text: "Stop", Payload: "Stop"}},
		{"list row without id", nexmotest.Inbound{From: "61400000001", ReplyTitle: "Tomorrow"},
			providers.Event{Kind: providers.EventPostback, Text: "Tomorrow", Payload: "Tomorrow"}},
		{"a reply to our message", nexmotest.Inbound{From: "61400000001", Text: "yes", ContextUUID: "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab", ContextFrom: testNumber},
			providers.Event{Kind: providers.EventMessage, Text: "yes"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.m.MessageUUID = nexmotest.NewUUID(int64(1000 + i))
			tt.m.Timestamp = when
			r, err := srv.Inbound(context.Background(), "", tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if r.URL.String() != testWebhookURL {
				t.Errorf("posted to %s", r.URL)
			}
			body, _ := io.ReadAll(r.Body)
			req := webhookRequest(body, r.Header.Values("Authorization")...)
			req.Received = time.Now()
			if _, _, err := (Provider{}).VerifyWebhook(acct, req); err != nil {
				t.Fatalf("verify: %v", err)
			}
			events, _, err := Provider{}.ParseWebhook(acct, req)
			if err != nil || len(events) != 1 {
				t.Fatalf("events %+v, err %v", events, err)
			}
			want := tt.want
			want.DedupKey, want.MessageID, want.SenderID, want.Timestamp = "message:"+tt.m.MessageUUID, tt.m.MessageUUID, tt.m.From, when
			if !reflect.DeepEqual(events[0], want) {
				t.Errorf("event\n got %+v\nwant %+v", events[0], want)
			}
		})
	}
}

// TestStatusFromTheFake: a status of a sent message comes back to the
// webhook_url Send named, signed, and reads as a receipt about it.
func TestStatusFromTheFake(t *testing.T) {
	srv, acct, env := newFake(t)
	res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "+447700900001", Text: "hi", ID: "m-1"})
	if err != nil || len(res.MessageIDs) != 1 {
		t.Fatalf("send: %+v, %v", res, err)
	}
	id := res.MessageIDs[0]
	for _, status := range []string{"delivered", "read", "rejected"} {
		r, err := srv.StatusWebhook(context.Background(), id, status, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.URL.String() != testWebhookURL {
			t.Errorf("status posted to %s", r.URL)
		}
		body, _ := io.ReadAll(r.Body)
		req := webhookRequest(body, r.Header.Values("Authorization")...)
		req.Received = time.Now()
		if _, _, err := (Provider{}).VerifyWebhook(acct, req); err != nil {
			t.Fatalf("%s: verify: %v", status, err)
		}
		events, _, err := Provider{}.ParseWebhook(acct, req)
		if err != nil {
			t.Fatalf("%s: %v", status, err)
		}
		if status == "rejected" {
			if len(events) != 1 || events[0].Kind != providers.EventFailed || !strings.Contains(events[0].Reason, "rejected") {
				t.Errorf("rejected gave %+v", events)
			}
			continue
		}
		if len(events) != 1 || events[0].RefMessageIDs[0] != id || events[0].SenderID != "447700900001" ||
			events[0].DedupKey != "status:"+id+":"+status {
			t.Errorf("%s: events %+v", status, events)
		}
	}
}

func TestParseWebhookMalformed(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"empty", ``},
		{"not JSON", `hello`},
		{"an array", `[{"message_uuid":"1"}]`},
		{"broken JSON", `{"message_uuid":`},
		{"v0.1 format", `{"message_uuid":"1","to":{"type":"whatsapp","number":"447700900000"},"from":{"type":"whatsapp","number":"447700900001"},"timestamp":"2020-01-01T14:00:00.000Z","message":{"content":{"type":"text","text":"hi"}}}`},
		{"from a number", `{"channel":"whatsapp","message_uuid":"1","from":447700900001,"message_type":"text","text":"hi"}`},
		{"no message_uuid", `{"channel":"whatsapp","from":"447700900001","message_type":"text","text":"hi"}`},
		{"no from", `{"channel":"whatsapp","message_uuid":"1","message_type":"text","text":"hi"}`},
		{"bad timestamp", `{"channel":"whatsapp","message_uuid":"1","from":"1","timestamp":"yesterday","message_type":"text","text":"hi"}`},
		{"image without url", `{"channel":"whatsapp","message_uuid":"1","from":"1","message_type":"image","image":{"name":"a.jpg"}}`},
		{"image without object", `{"channel":"whatsapp","message_uuid":"1","from":"1","message_type":"image"}`},
		{"relative media url", `{"channel":"whatsapp","message_uuid":"1","from":"1","message_type":"file","file":{"url":"/v3/media/1"}}`},
		{"location without long", `{"channel":"whatsapp","message_uuid":"1","from":"1","message_type":"location","location":{"lat":1}}`},
		{"location out of range", `{"channel":"whatsapp","message_uuid":"1","from":"1","message_type":"location","location":{"lat":91,"long":0}}`},
		{"coordinates as text", `{"channel":"whatsapp","message_uuid":"1","from":"1","message_type":"location","location":{"lat":"north","long":"east"}}`},
		{"reply without reply", `{"channel":"whatsapp","message_uuid":"1","from":"1","message_type":"reply"}`},
		{"button without anything", `{"channel":"whatsapp","message_uuid":"1","from":"1","message_type":"button","button":{}}`},
		{"status without message_uuid", `{"to":"447700900001","from":"447700900000","status":"read","channel":"whatsapp"}`},
		{"receipt without to", `{"message_uuid":"1","from":"447700900000","status":"delivered","channel":"whatsapp"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, resp, err := Provider{}.ParseWebhook(testAccount, webhookRequest([]byte(tt.body)))
			var pe *providers.ParseError
			if !errors.As(err, &pe) || pe.Reason == "" {
				t.Fatalf("err = %v (%T), want *providers.ParseError", err, err)
			}
			if len(events) != 0 || resp != nil {
				t.Errorf("events %+v, resp %+v alongside an error", events, resp)
			}
		})
	}
	if _, _, err := (Provider{}).ParseWebhook(testAccount, nil); err == nil {
		t.Errorf("nil request parsed")
	}
}

func TestParseWebhookNothingToRecord(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"empty text", `{"channel":"whatsapp","message_uuid":"1","from":"1","message_type":"text","text":" \n"}`},
		{"reaction", `{"channel":"whatsapp","message_uuid":"1","from":"1","message_type":"reaction","reaction":{"action":"react","emoji":"👍"}}`},
		{"a type Vonage adds later", `{"channel":"whatsapp","message_uuid":"1","from":"1","message_type":"hologram"}`},
		{"an SMS", `{"channel":"sms","message_uuid":"1","from":"1","message_type":"text","text":"hi"}`},
		{"a Messenger message", `{"channel":"messenger","message_uuid":"1","from":"1","message_type":"text","text":"hi"}`},
		{"a status Vonage adds later", `{"message_uuid":"1","to":"1","from":"2","status":"deleted","channel":"whatsapp"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, _, err := Provider{}.ParseWebhook(testAccount, webhookRequest([]byte(tt.body)))
			if err != nil || len(events) != 0 {
				t.Errorf("events %+v, err %v", events, err)
			}
		})
	}
}

// TestParseWithoutTimestamp: a webhook without timestamp (or channel) has the
// time of receipt.
func TestParseWithoutTimestamp(t *testing.T) {
	body := nexmotest.Inbound{MessageUUID: "u1", From: "447700900001", To: testNumber, Text: "hi", OmitTime: true, OmitChannel: true}.Body()
	events, _, err := Provider{}.ParseWebhook(testAccount, webhookRequest(body))
	if err != nil || len(events) != 1 || !events[0].Timestamp.Equal(received) || events[0].Text != "hi" {
		t.Errorf("events %+v, err %v", events, err)
	}
}

// TestParseReplay: a stored webhook is parsed again without its signature, as
// the replay of a failed webhook does.
func TestParseReplay(t *testing.T) {
	req := &providers.WebhookRequest{Method: http.MethodPost, Body: fixture(t, "text.json"), Header: http.Header{}}
	events, _, err := Provider{}.ParseWebhook(testAccount, req)
	if err != nil || len(events) != 1 || events[0].MessageID != "52afe398-e31a-4362-8c42-beb0c3b1d098" {
		t.Errorf("events %+v, err %v", events, err)
	}
}

func TestAttachmentType(t *testing.T) {
	tests := []struct {
		typ, name, url string
		want           providers.AttachmentType
	}{
		{"audio", "voice.OGG", "https://x/1", providers.AttachmentVoice},
		{"audio", "", "https://x/media/note.opus?x=1", providers.AttachmentVoice},
		{"audio", "", "https://x/v3/media/1", providers.AttachmentAudio},
		{"audio", "song.m4a", "https://x/1.ogg", providers.AttachmentAudio},
		{"file", "a.jpg", "https://x/1", providers.AttachmentFile},
	}
	for _, tt := range tests {
		if got := attachmentType(tt.typ, tt.name, tt.url); got != tt.want {
			t.Errorf("attachmentType(%q, %q, %q) = %s, want %s", tt.typ, tt.name, tt.url, got, tt.want)
		}
	}
	if s := providers.Truncate(strings.Repeat("é", 30), 41); s != strings.Repeat("é", 20)+"..." {
		t.Errorf("truncate = %q", s)
	}
}
