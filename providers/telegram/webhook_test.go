package telegram

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
)

const testSecret = "s3cr3t-Token_42"

var testAccount = providers.Account{
	ID:       "acc1",
	Settings: map[string]string{"botUsername": "switchboard_bot"},
	Secrets:  map[string]string{"botToken": testToken, "webhookSecret": testSecret},
}

// webhookRequest is a request as the ingest handler builds it from Telegram's POST.
func webhookRequest(t testing.TB, body []byte, secret string) *providers.WebhookRequest {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	if secret != "" {
		h.Set(SecretHeader, secret)
	}
	return &providers.WebhookRequest{
		Method:   http.MethodPost,
		URL:      &url.URL{Path: "/webhooks/acc1"},
		Header:   h,
		Body:     body,
		Received: time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC),
	}
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
	tests := []struct {
		name    string
		method  string
		headers []string // values of the secret header
		acct    providers.Account
		want    error
	}{
		{"right secret", http.MethodPost, []string{testSecret}, testAccount, nil},
		{"wrong secret", http.MethodPost, []string{"s3cr3t-Token_43"}, testAccount, providers.ErrUnauthorized},
		{"prefix of secret", http.MethodPost, []string{testSecret[:5]}, testAccount, providers.ErrUnauthorized},
		{"secret plus suffix", http.MethodPost, []string{testSecret + "x"}, testAccount, providers.ErrUnauthorized},
		{"missing header", http.MethodPost, nil, testAccount, providers.ErrUnauthorized},
		{"empty header", http.MethodPost, []string{""}, testAccount, providers.ErrUnauthorized},
		{"two headers", http.MethodPost, []string{testSecret, testSecret}, testAccount, providers.ErrUnauthorized},
		{"account without secret", http.MethodPost, []string{""},
			providers.Account{Secrets: map[string]string{"botToken": testToken}}, providers.ErrUnauthorized},
		{"account without secret, header set", http.MethodPost, []string{"x"},
			providers.Account{Secrets: map[string]string{}}, providers.ErrUnauthorized},
		{"GET", http.MethodGet, []string{testSecret}, testAccount, providers.ErrNotAllowed},
		{"PUT", http.MethodPut, []string{testSecret}, testAccount, providers.ErrNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := webhookRequest(t, fixture(t, "text.json"), "")
			req.Method = tt.method
			for _, v := range tt.headers {
				req.Header.Add(SecretHeader, v)
			}
			resp, handshake, err := p.VerifyWebhook(tt.acct, req)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if resp != nil || handshake {
				t.Errorf("resp %v, handshake %v: Telegram has no handshake", resp, handshake)
			}
		})
	}
	t.Run("nil request", func(t *testing.T) {
		if _, _, err := p.VerifyWebhook(testAccount, nil); !errors.Is(err, providers.ErrNotAllowed) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestParseWebhook(t *testing.T) {
	received := time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)
	nic := func(ev providers.Event) providers.Event {
		ev.SenderID, ev.SenderName, ev.ChatID = "3527065", "Nic Pottier", "3527065"
		return ev
	}
	irina := func(ev providers.Event) providers.Event {
		ev.SenderID, ev.SenderName, ev.ChatID = "86815320", "Irina", "86815320"
		return ev
	}
	tests := []struct {
		file string
		want []providers.Event
	}{
		{"text.json", []providers.Event{nic(providers.Event{
			Kind: providers.EventMessage, DedupKey: "update:174114370", MessageID: "3527065:41",
			Timestamp: time.Date(2016, 1, 30, 1, 57, 9, 0, time.UTC), Text: "Hello World", SenderLanguage: "en",
		})}},
		{"photo_caption.json", []providers.Event{nic(providers.Event{
			Kind: providers.EventMessage, DedupKey: "update:900946525", MessageID: "3527065:85",
			Timestamp: time.Date(2017, 5, 3, 20, 28, 38, 0, time.UTC), Text: "Photo Caption",
			Attachments: []providers.Attachment{{
				Type:     providers.AttachmentImage,
				FileID:   "AgACAgIAAxkBAAN0YGcNFhTg9v2fpl5DHsgz0Nw_ElkAAiSzMRv9YTFLzjcXgUKkVQEg0CybLgADAQADAgADeQADiLgFAAEeBA",
				MimeType: "image/jpeg", Size: 104737,
			}},
		})}},
		{"document.json", []providers.Event{nic(providers.Event{
			Kind: providers.EventMessage, DedupKey: "update:900946532", MessageID: "3527065:92",
			Timestamp: time.Unix(1493845100, 0).UTC(),
			Attachments: []providers.Attachment{{
				Type: providers.AttachmentFile, FileID: "BQACAgIAAxkBAAN2YGcNHPupviOv5YmiZyq1pUNOYZEAAjIKAALuqDhLa648Y7Okgg0eBA",
				MimeType: "application/vnd.ms-excel", FileName: "TabFig2015prel.xls", Size: 4540928,
			}},
		})}},
		{"voice.json", []providers.Event{nic(providers.Event{
			Kind: providers.EventMessage, DedupKey: "update:900946531", MessageID: "3527065:91",
			Timestamp: time.Unix(1493844646, 0).UTC(),
			Attachments: []providers.Attachment{{
				Type: providers.AttachmentVoice, FileID: "AwACAgIAAxkBAAIBZ2ZQm4AAAQbR8q0Vj5c2H1uJtV0TAAJ9SgACqXeASqZ0hXrq7x3kNAQ",
				MimeType: "audio/ogg", Size: 4288,
			}},
		})}},
		{"video.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "update:494890297", MessageID: "86815320:2",
			SenderID: "86815320", SenderName: "Ирина Киселёва", SenderLanguage: "en", ChatID: "86815320",
			Timestamp: time.Unix(1680375312, 0).UTC(),
			Attachments: []providers.Attachment{{
				Type: providers.AttachmentVideo, FileID: "BAACAgIAAxkBAAMCZCh-D8QVRB7fOwjAjzmb0mSkLIkAAnopAAIgQEBJ8HF86bDwCy8vBA",
				MimeType: "video/mp4", FileName: "clip.mp4", Size: 18081996,
			}},
		}}},
		{"video_note.json", []providers.Event{irina(providers.Event{
			Kind: providers.EventMessage, DedupKey: "update:494890301", MessageID: "86815320:7",
			Timestamp: time.Unix(1680375900, 0).UTC(),
			Attachments: []providers.Attachment{{
				Type: providers.AttachmentVideo, FileID: "DQACAgIAAxkBAAMHZCiBptEOG-L2MgqtZt6T-5tChj4AApgpAAIgQEBJNMUNwNnSIdEvBA",
				MimeType: "video/mp4", Size: 298765,
			}},
		})}},
		{"audio.json", []providers.Event{irina(providers.Event{
			Kind: providers.EventMessage, DedupKey: "update:494890302", MessageID: "86815320:8",
			Timestamp: time.Unix(1680376000, 0).UTC(),
			Attachments: []providers.Attachment{{
				Type: providers.AttachmentAudio, FileID: "CQACAgIAAxkBAAMIZCiB9Xr4mN2h3T1q0j8hqO7bJ1kAApkpAAIgQEBJ1kB3Y2xB8u8vBA",
				MimeType: "audio/mpeg", FileName: "song.mp3", Size: 3897845,
			}},
		})}},
		{"animation.json", []providers.Event{irina(providers.Event{
			Kind: providers.EventMessage, DedupKey: "update:494890303", MessageID: "86815320:9",
			Timestamp: time.Unix(1680376100, 0).UTC(),
			Attachments: []providers.Attachment{{
				Type: providers.AttachmentVideo, FileID: "CgACAgQAAxkBAAMJZCiCPxk0aT3dYH4l0mC8AAHnQ6Q2AAKKAwACW1qNUxvD2r9m4Xz8LwQ",
				MimeType: "video/mp4", FileName: "giphy.mp4", Size: 184320,
			}},
		})}},
		{"sticker.json", []providers.Event{nic(providers.Event{
			Kind: providers.EventMessage, DedupKey: "update:174114373", MessageID: "3527065:44",
			Timestamp: time.Date(2016, 1, 30, 2, 7, 48, 0, time.UTC),
			Attachments: []providers.Attachment{{
				Type: providers.AttachmentSticker, FileID: "CAACAgIAAxkBAAIsZ2UAAZlavJlXc9wAAT55NWIfAAHlcAACSAADeKkVDjtse7AOFb4BMwQ",
				MimeType: "image/webp", Size: 38440,
			}},
		})}},
		{"sticker_animated.json", []providers.Event{nic(providers.Event{
			Kind: providers.EventMessage, DedupKey: "update:174114374", MessageID: "3527065:45",
			Timestamp: time.Unix(1454119700, 0).UTC(),
			Attachments: []providers.Attachment{{
				Type: providers.AttachmentSticker, FileID: "CAACAgIAAxkBAAIsaGUAAZl1yJl3QkF2uG2lJ0d6rWqJAAJVAANZu_wlKIGgbd0bgvcwBA",
				MimeType: "application/x-tgsticker", Size: 27613,
			}},
		})}},
		{"location.json", []providers.Event{nic(providers.Event{
			Kind: providers.EventMessage, DedupKey: "update:900946534", MessageID: "3527065:94",
			Timestamp: time.Unix(1493845244, 0).UTC(),
			Location:  &providers.Location{Latitude: -2.890287, Longitude: -79.004333},
		})}},
		{"venue.json", []providers.Event{nic(providers.Event{
			Kind: providers.EventMessage, DedupKey: "update:900946535", MessageID: "3527065:95",
			Timestamp: time.Unix(1493845520, 0).UTC(),
			Location:  &providers.Location{Latitude: -2.898944, Longitude: -79.006835, Title: "Cuenca"},
		})}},
		{"contact.json", []providers.Event{nic(providers.Event{
			Kind: providers.EventMessage, DedupKey: "update:900946536", MessageID: "3527065:96",
			Timestamp: time.Unix(1493845755, 0).UTC(),
			Contact:   &providers.ContactCard{Name: "Adolf Taxi", Phone: "0788531373"},
		})}},
		{"edited_message.json", []providers.Event{{
			Kind: providers.EventEdited, DedupKey: "update:633291230",
			MessageID: "714862471:121:edit:1709661075", RefMessageIDs: []string{"714862471:121"},
			SenderID: "714862471", SenderName: "Chris", SenderLanguage: "en", ChatID: "714862471",
			Timestamp: time.Unix(1709661075, 0).UTC(), Text: "I meant Tuesday",
		}}},
		{"callback_query.json", []providers.Event{{
			Kind: providers.EventPostback, DedupKey: "update:633291231",
			MessageID: "cb:3070295286512783523", RefMessageIDs: []string{"714862471:122"},
			SenderID: "714862471", SenderName: "Chris", SenderLanguage: "en", ChatID: "714862471",
			Timestamp: received, Payload: "day:tue", Text: "day:tue",
		}}},
		{"my_chat_member_kicked.json", []providers.Event{{
			Kind: providers.EventUnsubscribe, DedupKey: "update:633291232",
			SenderID: "5342492667", SenderName: "Nelson II", SenderLanguage: "en", ChatID: "5342492667",
			Timestamp: time.Unix(1737277000, 0).UTC(),
		}}},
		{"my_chat_member_member.json", []providers.Event{{
			Kind: providers.EventSubscribed, DedupKey: "update:633291233",
			SenderID: "5342492667", SenderName: "Nelson II", SenderLanguage: "en", ChatID: "5342492667",
			Timestamp: time.Unix(1737277338, 0).UTC(),
		}}},
		{"my_chat_member_promoted.json", nil},
		{"album_item.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "update:900946540", MessageID: "-1001234567890:101",
			SenderID: "3527065", SenderName: "Nic Pottier", ChatID: "-1001234567890",
			Timestamp: time.Unix(1493846000, 0).UTC(), Text: "Both sides of the box",
			GroupID: "13471838418382466",
			Attachments: []providers.Attachment{{
				Type:     providers.AttachmentImage,
				FileID:   "AgACAgIAAxkBAAIBZWZQlAABqTnCzAlbh7fYx1oV1ThBAAJS2TEbqXeASs0gH3kTHzTKAQADAgADeQADNAQ",
				MimeType: "image/jpeg", Size: 96843,
			}},
		}}},
		{"channel_post.json", nil},
		{"new_chat_members.json", nil},
	}
	p := New("")
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			events, resp, err := p.ParseWebhook(testAccount, webhookRequest(t, fixture(t, tt.file), testSecret))
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

func TestParseWebhookErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"not JSON", `foo`},
		{"empty body", ``},
		{"JSON array", `[{"update_id":1}]`},
		{"null", `null`},
		{"missing update_id", `{"message":{"message_id":1,"from":{"id":2},"chat":{"id":2,"type":"private"},"date":1,"text":"hi"}}`},
		{"update_id null", `{"update_id":null}`},
		{"update_id string", `{"update_id":"12"}`},
		{"message without chat", `{"update_id":1,"message":{"message_id":1,"from":{"id":2,"is_bot":false,"first_name":"A"},"date":1,"text":"hi"}}`},
		{"message without from", `{"update_id":1,"message":{"message_id":1,"chat":{"id":2,"type":"private"},"date":1,"text":"hi"}}`},
		{"message without message_id", `{"update_id":1,"message":{"from":{"id":2,"is_bot":false,"first_name":"A"},"chat":{"id":2,"type":"private"},"date":1,"text":"hi"}}`},
		{"edited without chat", `{"update_id":1,"edited_message":{"message_id":1,"from":{"id":2,"is_bot":false,"first_name":"A"},"date":1,"edit_date":2,"text":"hi"}}`},
		{"callback without from", `{"update_id":1,"callback_query":{"id":"9","chat_instance":"1","data":"x"}}`},
		{"callback without id", `{"update_id":1,"callback_query":{"from":{"id":2,"is_bot":false,"first_name":"A"},"chat_instance":"1","data":"x"}}`},
		{"my_chat_member without chat", `{"update_id":1,"my_chat_member":{"from":{"id":2,"is_bot":false,"first_name":"A"},"date":1,"old_chat_member":{"status":"member"},"new_chat_member":{"status":"kicked"}}}`},
		{"chat id not a number", `{"update_id":1,"message":{"message_id":1,"from":{"id":2},"chat":{"id":"x"},"date":1,"text":"hi"}}`},
	}
	p := New("")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, _, err := p.ParseWebhook(testAccount, webhookRequest(t, []byte(tt.body), testSecret))
			var pe *providers.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *providers.ParseError", err, err)
			}
			if events != nil {
				t.Errorf("events = %+v alongside an error", events)
			}
		})
	}
}

func TestParseWebhookNameFallsBackToUsername(t *testing.T) {
	body := `{"update_id":5,"message":{"message_id":3,"from":{"id":77,"is_bot":false,"first_name":"","username":"anon_user"},"chat":{"id":77,"type":"private"},"date":1700000000,"text":"hi"}}`
	events, _, err := New("").ParseWebhook(testAccount, webhookRequest(t, []byte(body), testSecret))
	if err != nil || len(events) != 1 {
		t.Fatalf("events %v, err %v", events, err)
	}
	if events[0].SenderName != "anon_user" {
		t.Errorf("SenderName = %q, want the username", events[0].SenderName)
	}
}
