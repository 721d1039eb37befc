package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// botAPI speaks the Bot API's documented format: POST /bot<token>/<method>
// with JSON, answering {"ok":true,"result":...} or {"ok":false,"error_code":...}.
type botAPI struct {
	*httptest.Server
	token string

	mu     sync.Mutex
	secret string
	sent   []map[string]any
	nextID int
	flaky  int
	// fail, when set, answers the next sendMessage calls with this status and
	// description (and retry_after for 429) and is consumed one call at a time.
	fail []botFailure
	// answered are the callback query IDs of answerCallbackQuery calls.
	answered []string
}

func (f *botAPI) answeredCallbacks() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.answered...)
}

type botFailure struct {
	code        int
	description string
	retryAfter  int
}

func newBotAPI(t *testing.T, token string) *botAPI {
	t.Helper()
	f := &botAPI{token: token, nextID: 100}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *botAPI) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	prefix := "/bot" + f.token + "/"
	if r.Method == http.MethodGet && r.URL.Path == "/file/bot"+f.token+"/photos/file_7.jpg" {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(fakeJPEG)
		return
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") && strings.HasPrefix(r.URL.Path, prefix) {
		r.ParseMultipartForm(32 << 20)
		f.mu.Lock()
		defer f.mu.Unlock()
		file, hdr, err := r.FormFile("photo")
		params := map[string]any{"method": strings.TrimPrefix(r.URL.Path, prefix), "chat_id": r.FormValue("chat_id"), "caption": r.FormValue("caption")}
		if err == nil {
			b, _ := io.ReadAll(file)
			params["file"], params["filename"] = string(b), hdr.Filename
		}
		f.sent = append(f.sent, params)
		f.nextID++
		fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"date":1700000000,"chat":{"id":%v,"type":"private"}}}`, f.nextID, r.FormValue("chat_id"))
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, prefix) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
		return
	}
	var params map[string]any
	if r.ContentLength != 0 {
		json.NewDecoder(r.Body).Decode(&params)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch method := strings.TrimPrefix(r.URL.Path, prefix); method {
	case "getFile":
		switch params["file_id"] {
		case "gone-id":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"ok":false,"error_code":400,"description":"Bad Request: wrong file_id or the file is temporarily unavailable"}`)
			return
		case "flaky-id":
			f.flaky++
			if f.flaky == 1 {
				w.WriteHeader(http.StatusBadGateway)
				fmt.Fprint(w, `{"ok":false,"error_code":502,"description":"Bad Gateway"}`)
				return
			}
		}
		fmt.Fprintf(w, `{"ok":true,"result":{"file_id":%q,"file_unique_id":"u7","file_size":%d,"file_path":"photos/file_7.jpg"}}`, params["file_id"], len(fakeJPEG))
	case "answerCallbackQuery":
		id, _ := params["callback_query_id"].(string)
		f.answered = append(f.answered, id)
		fmt.Fprint(w, `{"ok":true,"result":true}`)
	case "getMe":
		fmt.Fprint(w, `{"ok":true,"result":{"id":42,"is_bot":true,"first_name":"Acme","username":"acme_bot"}}`)
	case "getWebhookInfo":
		fmt.Fprint(w, `{"ok":true,"result":{"url":"","pending_update_count":0}}`)
	case "setWebhook":
		f.secret, _ = params["secret_token"].(string)
		fmt.Fprint(w, `{"ok":true,"result":true,"description":"Webhook was set"}`)
	case "sendMessage", "sendPhoto", "sendDocument":
		if len(f.fail) > 0 {
			fl := f.fail[0]
			f.fail = f.fail[1:]
			w.WriteHeader(fl.code)
			fmt.Fprintf(w, `{"ok":false,"error_code":%d,"description":%q,"parameters":{"retry_after":%d}}`, fl.code, fl.description, fl.retryAfter)
			return
		}
		params["method"] = method
		f.sent = append(f.sent, params)
		f.nextID++
		chat := params["chat_id"]
		fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"date":1700000000,"chat":{"id":%v,"type":"private"},"text":%q}}`,
			f.nextID, chat, fmt.Sprint(params["text"]))
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"ok":false,"error_code":404,"description":"Not Found: method not found"}`)
	}
}

func (f *botAPI) sentMessages() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.sent...)
}

func (f *botAPI) webhookSecret() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.secret
}

func (f *botAPI) failNext(fl ...botFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = append(f.fail, fl...)
}

// telegramUpdate is a real-format text update from chat (and user) chatID.
func telegramUpdate(updateID, messageID int, chatID int64, text string) string {
	b, _ := json.Marshal(map[string]any{
		"update_id": updateID,
		"message": map[string]any{
			"message_id": messageID,
			"from":       map[string]any{"id": chatID, "is_bot": false, "first_name": "Nic", "last_name": "Pottier", "username": "nicpottier"},
			"chat":       map[string]any{"id": chatID, "first_name": "Nic", "type": "private"},
			"date":       1700000000 + messageID,
			"text":       text,
		},
	})
	return string(b)
}

// fakeJPEG stands for a photo's bytes.
var fakeJPEG = []byte("\xff\xd8\xff\xe0 a small jpeg")
