package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
	"github.com/switchboard/switchboard/server"
)

// photoUpdate is a real-format Telegram update with a photo in two sizes.
func photoUpdate(updateID int, chatID int64) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,"first_name":"Pat"},
	"chat":{"id":%d,"type":"private"},"date":1700000000,"caption":"look",
	"photo":[{"file_id":"small-id","file_unique_id":"s1","file_size":100,"width":90,"height":60},
	{"file_id":"big-id","file_unique_id":"b1","file_size":2000,"width":800,"height":600}]}}`, updateID, updateID, chatID, chatID)
}

func TestInboundMediaIsCopiedAndServed(t *testing.T) {
	s := newTelegramSetup(t)
	s.fake.AddFile(telegramtest.File{ID: "big-id", Path: "photos/file_7.jpg", Data: fakeJPEG, MimeType: "image/jpeg"})
	if got := s.deliver(t, photoUpdate(1, 901), s.secret); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	convID := s.onlyConversation(t)
	var att client.MessageFieldsAttachmentsAttachment
	eventually(t, "the photo to be copied", func() bool {
		conv := s.conversation(t, s.admin, convID)
		att = conv.Messages.Edges[0].Node.Attachments[0]
		return att.Status == client.MediaStatusReady
	})
	if att.Type != client.AttachmentTypeImage || att.FileId == nil || *att.FileId != "big-id" {
		t.Fatalf("attachment: %+v", att)
	}
	get := func(token string) *http.Response {
		// downloadUrl uses the public URL; ask the test server for the same path.
		path := att.DownloadUrl[len("https://switchboard.example.com"):]
		req, _ := http.NewRequest(http.MethodGet, s.http.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := get(s.adminToken)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, fakeJPEG) || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("media: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// The copy outlives the provider's file: it is served from the data folder.
	s.fake.Close()
	resp = get(s.adminToken)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after the provider went away: %d", resp.StatusCode)
	}
	resp = get("")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous media download: %d", resp.StatusCode)
	}
	// Another tenant's token gets nothing, exactly as for a file that does not exist.
	resp = get(tokenOf(t, s.testServer, "globex"))
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another tenant's download: %d", resp.StatusCode)
	}
}

func tokenOf(t *testing.T, ts *testServer, tenant string) string {
	t.Helper()
	token, _, err := ts.srv.Auth.EnsureUser(context.Background(), tenant, "boss", "ADMIN", "test")
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestReplyWithUploadedFile(t *testing.T) {
	s := newTelegramSetup(t)
	s.deliver(t, telegramUpdate(1, 1, 902, "send me the invoice"), s.secret)
	convID := s.onlyConversation(t)

	// A GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec).
	ops, _ := json.Marshal(map[string]any{
		"query":     `mutation($in: SendMessageInput!) { sendMessage(input: $in) { id status attachments { type fileName status } } }`,
		"variables": map[string]any{"in": map[string]any{"conversationId": convID, "text": "here it is", "files": []any{nil}}},
	})
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("operations", string(ops))
	mw.WriteField("map", `{"0": ["variables.in.files.0"]}`)
	part, _ := mw.CreatePart(map[string][]string{
		"Content-Disposition": {`form-data; name="0"; filename="photo.jpg"`},
		"Content-Type":        {"image/jpeg"},
	})
	part.Write(fakeJPEG)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.http.URL+"/query", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Data struct {
			SendMessage struct {
				ID          string `json:"id"`
				Attachments []struct{ Type, FileName, Status string }
			}
		}
		Errors []any
	}
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if len(out.Errors) > 0 || len(out.Data.SendMessage.Attachments) != 1 || out.Data.SendMessage.Attachments[0].Type != "IMAGE" {
		t.Fatalf("upload: %+v", out)
	}
	s.waitMessage(t, convID, out.Data.SendMessage.ID, client.MessageStatusSent)
	sent := s.fake.Messages()
	if len(sent) != 1 || sent[0].Method != "sendPhoto" || sent[0].File == nil || !bytes.Equal(sent[0].File.Data, fakeJPEG) || sent[0].Caption != "here it is" {
		t.Fatalf("Telegram received %v", sent)
	}
}

func TestMediaDownloadFailuresAreRetriedAndShown(t *testing.T) {
	s := newTelegramSetup(t)
	update := func(id int, fileID string) string {
		return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"from":{"id":903,"is_bot":false,"first_name":"Pat"},
		"chat":{"id":903,"type":"private"},"date":1700000000,"document":{"file_id":%q,"file_unique_id":"d%d","file_name":"report.pdf","mime_type":"application/pdf","file_size":10}}}`,
			id, id, fileID, id)
	}
	// gone-id is unknown to the Bot API (a permanent refusal); flaky-id is
	// refused once with a 502, then served.
	s.fake.AddFile(telegramtest.File{ID: "flaky-id", Path: "documents/file_8.pdf", Data: []byte("%PDF-1.7 report"), MimeType: "application/pdf"})
	var flaky atomic.Int32
	s.fake.SetHook(func(r telegramtest.Request) *telegramtest.Reply {
		if r.Endpoint == "getFile" && r.Params["file_id"] == "flaky-id" && flaky.Add(1) == 1 {
			return &telegramtest.Reply{ErrorCode: 502, Description: "Bad Gateway"}
		}
		return nil
	})
	s.deliver(t, update(1, "gone-id"), s.secret)
	s.deliver(t, update(2, "flaky-id"), s.secret)
	convID := s.onlyConversation(t)
	eventually(t, "both downloads to settle", func() bool {
		conv := s.conversation(t, s.admin, convID)
		if conv.Messages.TotalCount != 2 {
			return false
		}
		gone, flaky := conv.Messages.Edges[0].Node.Attachments[0], conv.Messages.Edges[1].Node.Attachments[0]
		return gone.Status == client.MediaStatusFailed && flaky.Status == client.MediaStatusReady &&
			gone.Error != nil && *gone.Error != ""
	})
	conv := s.conversation(t, s.admin, convID)
	gone := conv.Messages.Edges[0].Node.Attachments[0]
	req, _ := http.NewRequest(http.MethodGet, s.http.URL+gone.DownloadUrl[len("https://switchboard.example.com"):], nil)
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("download of a failed copy: %d, want 502", resp.StatusCode)
	}
}

// closedPort returns an https URL on loopback where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "https://" + addr + "/photo.jpg"
}

// TestInboundMediaThatCannotBeCopiedFails: a custom messenger's attachment whose
// URL cannot be fetched is retried a bounded number of times, then FAILED with a
// reason a tenant may see (no internal address), and subscribed agents see the
// FAILED attachment live. An internal address fails at once: no retry changes it.
func TestInboundMediaThatCannotBeCopiedFails(t *testing.T) {
	for _, tc := range []struct {
		name         string
		allowPrivate bool
		wantError    string
	}{
		{"host down", true, "could not connect to the file's server (gave up after 8 attempts)"},
		{"internal address", false, "the file's address is not allowed: it points to a private, loopback or link-local network"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *server.Config) {
				c.AllowPrivateURLs = tc.allowPrivate
				c.RetryBase = time.Millisecond
			})
			ctx := context.Background()
			a, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: "app", Settings: client.IntegrationSettingsInput{
				Custom: &client.CustomSettingsInput{WebhookUrl: ptr("https://messenger.example.com/switchboard"), ConfirmationCode: ptr(confirmationCode)}}})
			if err != nil {
				t.Fatal(err)
			}
			ws, err := ts.admin.Subscribe(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			inbox, _, err := client.InboxEvents(ctx, ws, nil)
			if err != nil {
				t.Fatal(err)
			}
			eventually(t, "admin subscribed", func() bool { return ts.srv.Subscribers() == 1 })

			url := closedPort(t)
			code, body := postEvents(t, ts.http.URL+"/webhooks/"+a.CreateIntegrationAccount.AccountId, map[string]any{
				"id": "e1", "type": "message", "timestamp": time.Now().UTC().Format(time.RFC3339),
				"sender":  map[string]any{"id": "u1", "name": "Ann"},
				"message": map[string]any{"id": "m1", "attachments": []any{map[string]any{"type": "image", "url": url}}},
			})
			if code != http.StatusOK {
				t.Fatalf("events: %d %s", code, body)
			}
			created := nextInbox(t, inbox, client.ConversationEventKindMessageCreated)
			if st := created.Message.Attachments[0].Status; st != client.MediaStatusPending && st != client.MediaStatusFailed {
				t.Fatalf("new attachment: %s", st)
			}
			updated := nextInbox(t, inbox, client.ConversationEventKindMessageUpdated)
			att := updated.Message.Attachments[0]
			if att.Status != client.MediaStatusFailed || att.Error == nil || *att.Error != tc.wantError {
				t.Fatalf("live attachment: %s %v, want FAILED %q", att.Status, deref(att.Error), tc.wantError)
			}
			if strings.Contains(*att.Error, "127.0.0.1") {
				t.Fatalf("the reason shows an internal address: %q", *att.Error)
			}
			// The query agrees with the event, and the download says why.
			r, err := client.Conversation(ctx, ts.admin, created.Conversation.Id, ptr(10))
			if err != nil {
				t.Fatal(err)
			}
			conv := (*r.Node).(*client.ConversationNodeConversation)
			if got := conv.Messages.Edges[0].Node.Attachments[0]; got.Status != client.MediaStatusFailed || deref(got.Error) != tc.wantError {
				t.Fatalf("queried attachment: %s %v", got.Status, deref(got.Error))
			}
			req, _ := http.NewRequest(http.MethodGet, ts.http.URL+att.DownloadUrl[len("https://switchboard.example.com"):], nil)
			req.Header.Set("Authorization", "Bearer "+ts.adminToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), tc.wantError) {
				t.Fatalf("download of a failed copy: %d %s", resp.StatusCode, b)
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
