package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// answer is a decoded Bot API answer.
type answer struct {
	status      int
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func newFake(t *testing.T) *Server {
	t.Helper()
	s := NewServer("")
	t.Cleanup(s.Close)
	return s
}

// post calls method with a JSON body.
func post(t *testing.T, s *Server, token, method string, params any) answer {
	t.Helper()
	b, _ := json.Marshal(params)
	return do(t, s, http.MethodPost, "/bot"+token+"/"+method, "application/json", bytes.NewReader(b))
}

func do(t *testing.T, s *Server, httpMethod, path, contentType string, body io.Reader) answer {
	t.Helper()
	req, _ := http.NewRequest(httpMethod, s.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %v", httpMethod, path, err)
	}
	a.status = resp.StatusCode
	return a
}

func TestTokens(t *testing.T) {
	s := newFake(t)
	for _, tc := range []struct {
		name, path string
		code       int
		desc       string
	}{
		{"right token", "/bot" + DefaultToken + "/getMe", 200, ""},
		{"another bot's token", "/bot999999999:AAwrongTokenThatTelegramRefusesZZ/getMe", 401, "Unauthorized"},
		{"not a token", "/botnonsense/getMe", 404, "Not Found"},
		{"unknown method", "/bot" + DefaultToken + "/sendCarrierPigeon", 404, "Not Found"},
		{"not the API", "/getMe", 404, "Not Found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, s, http.MethodPost, tc.path, "", nil)
			if a.status != tc.code || a.OK != (tc.code == 200) || a.Description != tc.desc || (tc.code != 200 && a.ErrorCode != tc.code) {
				t.Errorf("answer %+v, want %d %q", a, tc.code, tc.desc)
			}
		})
	}
	var me struct {
		ID       int64  `json:"id"`
		IsBot    bool   `json:"is_bot"`
		Username string `json:"username"`
	}
	a := do(t, s, http.MethodGet, "/bot"+DefaultToken+"/getMe", "", nil)
	if err := json.Unmarshal(a.Result, &me); err != nil || me.ID != 110201543 || !me.IsBot || me.Username != DefaultBot.Username {
		t.Errorf("getMe = %s (%v), want the bot whose ID the token carries", a.Result, err)
	}
	reqs := s.Requests()
	if len(reqs) != 6 || !reqs[0].Authorized || reqs[1].Authorized || reqs[1].Status != 401 || reqs[5].HTTPMethod != http.MethodGet {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestRevokeToken(t *testing.T) {
	s := newFake(t)
	const fresh = "110201543:AAnewTokenAfterRevokeAAAAAAAAAAAAA"
	s.RevokeToken(fresh)
	if a := post(t, s, DefaultToken, "getMe", nil); a.status != 401 || a.Description != "Unauthorized" {
		t.Errorf("old token: %+v, want 401 Unauthorized", a)
	}
	if a := post(t, s, fresh, "getMe", nil); a.status != 200 || !a.OK {
		t.Errorf("new token: %+v, want 200", a)
	}
	if s.Token() != fresh {
		t.Errorf("Token() = %q, want %q", s.Token(), fresh)
	}
}

func TestSendMessage(t *testing.T) {
	s := newFake(t)
	type sent struct {
		MessageID int64 `json:"message_id"`
		Chat      struct {
			ID   json.Number `json:"id"`
			Type string      `json:"type"`
		} `json:"chat"`
		Text string `json:"text"`
	}
	for i, chatID := range []any{"3527065", 3527065} {
		a := post(t, s, DefaultToken, "sendMessage", map[string]any{"chat_id": chatID, "text": "Hello Nic"})
		var m sent
		dec := json.NewDecoder(bytes.NewReader(a.Result))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil || !a.OK {
			t.Fatalf("answer %+v: %v", a, err)
		}
		if m.Chat.ID.String() != "3527065" || bytes.Contains(a.Result, []byte(`"id":"3527065"`)) || m.MessageID != FirstMessageID+int64(i) || m.Text != "Hello Nic" {
			t.Errorf("sent %s, want chat.id the number 3527065 and message_id %d", a.Result, FirstMessageID+i)
		}
	}
	if a := post(t, s, DefaultToken, "sendMessage", map[string]any{"chat_id": 42, "text": "other chat"}); !bytes.Contains(a.Result, []byte(`"message_id":1000`)) {
		t.Errorf("first message of another chat: %s", a.Result)
	}
	msgs := s.Messages()
	if len(msgs) != 3 || msgs[0].ChatID != 3527065 || msgs[0].Text != "Hello Nic" || msgs[1].ID != 1001 || msgs[2].ChatID != 42 {
		t.Errorf("messages = %+v", msgs)
	}

	s.Block(77)
	for _, tc := range []struct {
		name   string
		params map[string]any
		code   int
		desc   string
	}{
		{"no chat", map[string]any{"text": "x"}, 400, "Bad Request: chat_id is empty"},
		{"channel username", map[string]any{"chat_id": "@nobody", "text": "x"}, 400, "Bad Request: chat not found"},
		{"blank text", map[string]any{"chat_id": 42, "text": " \n"}, 400, "Bad Request: message text is empty"},
		{"too long", map[string]any{"chat_id": 42, "text": strings.Repeat("ж", MaxTextLen+1)}, 400, "Bad Request: message is too long"},
		{"blocked", map[string]any{"chat_id": 77, "text": "x"}, 403, "Forbidden: bot was blocked by the user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a := post(t, s, DefaultToken, "sendMessage", tc.params); a.OK || a.status != tc.code || a.ErrorCode != tc.code || a.Description != tc.desc {
				t.Errorf("answer %+v, want %d %q", a, tc.code, tc.desc)
			}
		})
	}
	if a := post(t, s, DefaultToken, "sendMessage", map[string]any{"chat_id": 42, "text": strings.Repeat("🙂", MaxTextLen)}); !a.OK {
		t.Errorf("4096 emoji refused: %+v", a)
	}
}

func TestBodies(t *testing.T) {
	s := newFake(t)
	form := url.Values{"chat_id": {"42"}, "text": {"by form"}}
	if a := do(t, s, http.MethodPost, "/bot"+DefaultToken+"/sendMessage", "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); !a.OK {
		t.Errorf("form: %+v", a)
	}
	if a := do(t, s, http.MethodGet, "/bot"+DefaultToken+"/sendMessage?"+form.Encode(), "", nil); !a.OK {
		t.Errorf("query: %+v", a)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("chat_id", "42")
	mw.WriteField("caption", "the invoice")
	fw, _ := mw.CreateFormFile("document", "invoice.pdf")
	fw.Write([]byte("%PDF-1.7"))
	mw.Close()
	a := do(t, s, http.MethodPost, "/bot"+DefaultToken+"/sendDocument", mw.FormDataContentType(), &buf)
	var doc struct {
		Document struct {
			FileID   string `json:"file_id"`
			FileName string `json:"file_name"`
		} `json:"document"`
		Caption string `json:"caption"`
	}
	if err := json.Unmarshal(a.Result, &doc); err != nil || doc.Document.FileID == "" || doc.Document.FileName != "invoice.pdf" || doc.Caption != "the invoice" {
		t.Fatalf("upload answer %s: %v", a.Result, err)
	}
	// The uploaded file can be sent again by its file_id, and downloaded.
	if a := post(t, s, DefaultToken, "sendDocument", map[string]string{"chat_id": "42", "document": doc.Document.FileID}); !a.OK {
		t.Errorf("resend by file_id: %+v", a)
	}
	if a := post(t, s, DefaultToken, "sendDocument", map[string]string{"chat_id": "42", "document": "no-such-file"}); a.ErrorCode != 400 {
		t.Errorf("unknown file_id: %+v", a)
	}
	if a := post(t, s, DefaultToken, "sendPhoto", map[string]string{"chat_id": "42"}); a.Description != "Bad Request: there is no photo in the request" {
		t.Errorf("no photo: %+v", a)
	}
	if a := do(t, s, http.MethodPost, "/bot"+DefaultToken+"/sendMessage", "application/json", strings.NewReader("{")); a.ErrorCode != 400 {
		t.Errorf("broken JSON: %+v", a)
	}

	msgs := s.Messages()
	if len(msgs) != 4 || msgs[2].File == nil || string(msgs[2].File.Data) != "%PDF-1.7" || msgs[2].File.Field != "document" || msgs[3].Media != doc.Document.FileID {
		t.Errorf("messages = %+v", msgs)
	}
	reqs := s.Requests()
	if len(reqs) != 7 || reqs[0].Params["text"] != "by form" || reqs[2].Params["caption"] != "the invoice" || len(reqs[2].Files) != 1 {
		t.Errorf("requests = %+v", reqs)
	}
	// JSON values other than strings are kept as their JSON text.
	post(t, s, DefaultToken, "setWebhook", map[string]any{"url": "https://example.com/hook", "allowed_updates": []string{"message"}, "max_connections": 5})
	if p := s.Requests()[7].Params; p["allowed_updates"] != `["message"]` || p["max_connections"] != "5" {
		t.Errorf("params = %v", p)
	}
}

func TestFiles(t *testing.T) {
	s := newFake(t)
	f := s.AddFile(File{ID: "big-id", Path: "photos/file 7.jpg", Data: []byte("jpeg"), MimeType: "image/jpeg"})
	a := post(t, s, DefaultToken, "getFile", map[string]string{"file_id": "big-id"})
	var obj struct {
		FileID   string `json:"file_id"`
		FileSize int    `json:"file_size"`
		FilePath string `json:"file_path"`
	}
	if err := json.Unmarshal(a.Result, &obj); err != nil || obj.FileID != "big-id" || obj.FileSize != 4 || obj.FilePath != f.Path {
		t.Fatalf("getFile = %s (%v)", a.Result, err)
	}
	get := func(path string) (int, string, string) {
		resp, err := s.Client().Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	if code, ct, body := get("/file/bot" + DefaultToken + "/photos/file%207.jpg"); code != 200 || ct != "image/jpeg" || body != "jpeg" {
		t.Errorf("download: %d %s %q", code, ct, body)
	}
	if code, _, _ := get("/file/bot999:AAother/photos/file%207.jpg"); code != 404 {
		t.Errorf("download with another token: %d", code)
	}
	if code, _, _ := get("/file/bot" + DefaultToken + "/photos/nothing.jpg"); code != 404 {
		t.Errorf("missing file: %d", code)
	}
	if a := post(t, s, DefaultToken, "getFile", map[string]string{"file_id": "gone-id"}); a.ErrorCode != 400 || a.Description != "Bad Request: wrong file_id or the file is temporarily unavailable" {
		t.Errorf("unknown file_id: %+v", a)
	}
	s.AddFile(File{ID: "huge", Data: make([]byte, MaxDownloadBytes+1)})
	if a := post(t, s, DefaultToken, "getFile", map[string]string{"file_id": "huge"}); a.Description != "Bad Request: file is too big" {
		t.Errorf("file over the limit: %+v", a)
	}
	s.FailNext(Download, BadGateway)
	if code, ct, _ := get("/file/bot" + DefaultToken + "/photos/file%207.jpg"); code != 502 || ct != "text/html" {
		t.Errorf("queued download failure: %d %s", code, ct)
	}
}

func TestWebhook(t *testing.T) {
	s := newFake(t)
	info := func() map[string]any {
		var m map[string]any
		json.Unmarshal(post(t, s, DefaultToken, "getWebhookInfo", nil).Result, &m)
		return m
	}
	if m := info(); m["url"] != "" || m["pending_update_count"] != 0.0 || m["max_connections"] != nil {
		t.Errorf("no webhook: %v", m)
	}
	for _, tc := range []struct {
		url, secret, desc string
	}{
		{"http://example.com/hook", "s", "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"},
		{"https://example.com:8080/hook", "s", "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"},
		{"https://example.com/hook", "not allowed!", "Bad Request: secret token contains unallowed characters"},
	} {
		if a := post(t, s, DefaultToken, "setWebhook", map[string]any{"url": tc.url, "secret_token": tc.secret}); a.ErrorCode != 400 || a.Description != tc.desc {
			t.Errorf("setWebhook %s %q: %+v, want %q", tc.url, tc.secret, a, tc.desc)
		}
	}
	a := post(t, s, DefaultToken, "setWebhook", map[string]any{"url": "https://example.com/hook", "secret_token": "abc_DEF-1", "allowed_updates": []string{"message", "callback_query"}})
	if !a.OK || a.Description != "Webhook was set" || string(a.Result) != "true" {
		t.Fatalf("setWebhook: %+v", a)
	}
	if w := s.Webhook(); w.URL != "https://example.com/hook" || w.SecretToken != "abc_DEF-1" || len(w.AllowedUpdates) != 2 || w.ContentType != "application/json" {
		t.Errorf("webhook = %+v", w)
	}
	s.SetWebhookStatus(WebhookStatus{PendingUpdateCount: 3, LastErrorDate: time.Unix(1700000000, 0), LastErrorMessage: "Wrong response from the webhook: 502 Bad Gateway"})
	if m := info(); m["url"] != "https://example.com/hook" || m["pending_update_count"] != 3.0 || m["last_error_date"] != 1700000000.0 || m["max_connections"] != 40.0 {
		t.Errorf("webhook info: %v", m)
	}
	if a := post(t, s, DefaultToken, "deleteWebhook", map[string]any{"drop_pending_updates": true}); a.Description != "Webhook was deleted" {
		t.Errorf("deleteWebhook: %+v", a)
	}
	if m := info(); m["url"] != "" || m["pending_update_count"] != 0.0 {
		t.Errorf("after deleteWebhook: %v", m)
	}
	s.AllowHTTPWebhooks(true)
	if a := post(t, s, DefaultToken, "setWebhook", map[string]any{"url": "http://127.0.0.1:8080/hook"}); !a.OK {
		t.Errorf("plain HTTP allowed: %+v", a)
	}
}

func TestFaults(t *testing.T) {
	s := newFake(t)
	s.FailNext("sendMessage", TooManyRequests, BadGateway)
	hello := map[string]any{"chat_id": 42, "text": "hi"}
	if a := post(t, s, DefaultToken, "sendMessage", hello); a.status != 429 || a.ErrorCode != 429 || a.Parameters.RetryAfter != 5 {
		t.Errorf("first: %+v", a)
	}
	resp, err := s.Client().Post(s.URL+"/bot"+DefaultToken+"/sendMessage", "application/json", strings.NewReader(`{"chat_id":42,"text":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 || resp.Header.Get("Content-Type") != "text/html" {
		t.Errorf("second: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if a := post(t, s, DefaultToken, "sendMessage", hello); !a.OK {
		t.Errorf("third: %+v", a)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages, want only the one accepted", n)
	}

	var calls atomic.Int32
	s.SetHook(func(r Request) *Reply {
		if r.Endpoint == "getMe" && calls.Add(1) == 1 {
			return &Reply{Result: map[string]any{"id": "not a number"}}
		}
		return nil
	})
	if a := post(t, s, DefaultToken, "getMe", nil); string(a.Result) != `{"id":"not a number"}` {
		t.Errorf("hooked: %s", a.Result)
	}
	if a := post(t, s, DefaultToken, "getMe", nil); !a.OK || !bytes.Contains(a.Result, []byte(`"is_bot":true`)) {
		t.Errorf("after the hook passed: %+v", a)
	}

	// A delay alone slows the fake's own answer; a client that gives up is
	// recorded as unanswered.
	s.SetHook(nil)
	s.FailNext("getMe", Reply{Delay: 10 * time.Millisecond}, Reply{Delay: time.Minute})
	if a := post(t, s, DefaultToken, "getMe", nil); !a.OK {
		t.Errorf("delayed: %+v", a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/bot"+DefaultToken+"/getMe", nil)
	if _, err := s.Client().Do(req); err == nil {
		t.Fatal("a hanging answer came back")
	}
	timeout := time.After(5 * time.Second)
	for {
		recorded := s.Recorded()
		reqs := s.Requests()
		if last := reqs[len(reqs)-1]; last.Endpoint == "getMe" && last.Status == -1 {
			break
		}
		select {
		case <-recorded:
		case <-timeout:
			t.Fatalf("the given-up call was not recorded: %+v", reqs[len(reqs)-1])
		}
	}
}

func TestLoggingOff(t *testing.T) {
	s := newFake(t)
	s.SetLogging(false)
	var seen atomic.Int32
	s.OnMessage(func(m Message) {
		if m.Text == "counted" {
			seen.Add(1)
		}
	})
	for range 3 {
		post(t, s, DefaultToken, "sendMessage", map[string]any{"chat_id": 42, "text": "counted"})
	}
	post(t, s, DefaultToken, "answerCallbackQuery", map[string]any{"callback_query_id": "q"})
	if seen.Load() != 3 || len(s.Requests()) != 0 || len(s.Messages()) != 0 || len(s.AnsweredCallbacks()) != 0 {
		t.Errorf("seen %d, logged %d requests, %d messages", seen.Load(), len(s.Requests()), len(s.Messages()))
	}
}

func TestWebhookRequest(t *testing.T) {
	body := TextUpdate(7, 8, Sender{ID: 777, FirstName: "Nic", LastName: "Pottier", Username: "nicpottier"}, "hi", time.Unix(1700000000, 0))
	var u struct {
		UpdateID int64 `json:"update_id"`
		Message  struct {
			MessageID int64 `json:"message_id"`
			From      struct {
				ID    int64 `json:"id"`
				IsBot bool  `json:"is_bot"`
			} `json:"from"`
			Chat struct {
				ID   int64  `json:"id"`
				Type string `json:"type"`
			} `json:"chat"`
			Date int64  `json:"date"`
			Text string `json:"text"`
		} `json:"message"`
	}
	if err := json.Unmarshal(body, &u); err != nil || u.UpdateID != 7 || u.Message.MessageID != 8 || u.Message.From.ID != 777 ||
		u.Message.Chat.ID != 777 || u.Message.Chat.Type != "private" || u.Message.Date != 1700000000 || u.Message.Text != "hi" {
		t.Fatalf("update %s: %v", body, err)
	}
	req, err := NewWebhookRequest(context.Background(), "https://switchboard.example.com/webhooks/a", "s3cret", body)
	if err != nil || req.Header.Get(SecretHeader) != "s3cret" || req.Header.Get("Content-Type") != "application/json" || req.Method != http.MethodPost {
		t.Fatalf("request %+v: %v", req, err)
	}
	if req, _ := NewWebhookRequest(context.Background(), "https://x", "", body); req.Header.Values(SecretHeader) != nil {
		t.Error("an empty secret was sent")
	}
}
