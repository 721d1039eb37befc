package telegram

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// testToken has the shape of a real bot token; tests check that no error shows it.
const testToken = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

// apiCall is one request the fake Bot API received.
type apiCall struct {
	Method      string
	ContentType string
	// Params are the JSON body's or the multipart form's plain fields.
	Params map[string]string
	File   *upload
}

// upload is the file part of a multipart request.
type upload struct {
	Field, FileName, MimeType string
	Data                      []byte
}

// answer is what the fake says to one call.
type answer struct {
	status int
	body   string
	header http.Header
}

// fakeAPI speaks the Bot API: POST /bot<token>/<method> with JSON or multipart
// bodies, answered in the documented {"ok":...} format, and GET
// /file/bot<token>/<file_path> for downloads.
type fakeAPI struct {
	*httptest.Server
	t testing.TB

	mu    sync.Mutex
	calls []apiCall
	// reply answers the n-th Bot API call (from 0); nil, or a zero answer,
	// answers with a sent Message in the chat of chat_id.
	reply func(n int, c apiCall) answer
	// files are served below /file/bot<token>/.
	files map[string]answer
}

func newFakeAPI(t testing.TB) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, files: map[string]answer{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// env is what the provider is given in tests.
func (f *fakeAPI) env() providers.Env {
	return providers.Env{HTTP: f.Client(), Now: time.Now}
}

func (f *fakeAPI) Calls() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiCall(nil), f.calls...)
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"+testToken+"/"); ok {
		if r.Method != http.MethodGet {
			f.t.Errorf("download with %s", r.Method)
		}
		f.mu.Lock()
		a, found := f.files[rest]
		f.mu.Unlock()
		if !found {
			a = answer{status: 404, body: `{"ok":false,"error_code":404,"description":"Not Found"}`}
		}
		writeAnswer(w, a, "application/octet-stream")
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+testToken+"/")
	if !ok || method == "" || strings.Contains(method, "/") {
		f.t.Errorf("request to %s: not /bot<token>/<method>", r.URL.Path)
		writeAnswer(w, answer{status: 401, body: `{"ok":false,"error_code":401,"description":"Unauthorized"}`}, "")
		return
	}
	if r.Method != http.MethodPost {
		f.t.Errorf("%s with %s, want POST", method, r.Method)
	}
	c := apiCall{Method: method, ContentType: r.Header.Get("Content-Type"), Params: map[string]string{}}
	mt, params, _ := mime.ParseMediaType(c.ContentType)
	switch mt {
	case "application/json":
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			f.t.Errorf("%s: JSON body: %v", method, err)
		}
		for k, v := range body {
			s, isString := v.(string)
			if !isString {
				f.t.Errorf("%s: %s is %T, want a string", method, k, v)
			}
			c.Params[k] = s
		}
	case "multipart/form-data":
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				f.t.Errorf("%s: multipart: %v", method, err)
				break
			}
			data, _ := io.ReadAll(part)
			if part.FileName() != "" {
				if c.File != nil {
					f.t.Errorf("%s: two files", method)
				}
				c.File = &upload{Field: part.FormName(), FileName: part.FileName(), MimeType: part.Header.Get("Content-Type"), Data: data}
			} else {
				c.Params[part.FormName()] = string(data)
			}
		}
	default:
		f.t.Errorf("%s: Content-Type %q", method, c.ContentType)
	}
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, c)
	reply := f.reply
	f.mu.Unlock()

	var a answer
	if reply != nil {
		a = reply(n, c)
	}
	if a.status == 0 && a.body == "" {
		a = sentAnswer(c.Params["chat_id"], 1000+n)
	}
	writeAnswer(w, a, "application/json")
}

func writeAnswer(w http.ResponseWriter, a answer, contentType string) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	if w.Header().Get("Content-Type") == "" && contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	if a.status == 0 {
		a.status = http.StatusOK
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

// sentAnswer is the Bot API's answer to a successful send: the sent Message.
func sentAnswer(chatID string, messageID int) answer {
	return answer{status: 200, body: fmt.Sprintf(`{"ok":true,"result":{"message_id":%d,"from":{"id":110201543,"is_bot":true,"first_name":"Switchboard","username":"switchboard_bot"},"chat":{"id":%s,"first_name":"Nic","type":"private"},"date":1700000000,"text":"..."}}`, messageID, chatID)}
}

// Real error answers of the Bot API.
var (
	answerTooMany    = answer{status: 429, body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}`}
	answerBlocked    = answer{status: 403, body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`}
	answerNoChat     = answer{status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`}
	answerBadToken   = answer{status: 401, body: `{"ok":false,"error_code":401,"description":"Unauthorized"}`}
	answerInternal   = answer{status: 500, body: `{"ok":false,"error_code":500,"description":"Internal Server Error"}`}
	answerBadGateway = answer{status: 502, body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n", header: http.Header{"Content-Type": {"text/html"}}}
)

// checkNoToken fails when err, or anything it wraps, shows the bot token.
func checkNoToken(t testing.TB, err error) {
	t.Helper()
	for e := err; e != nil; {
		if strings.Contains(e.Error(), testToken) || strings.Contains(fmt.Sprintf("%+v %#v", e, e), testToken) {
			t.Errorf("error shows the bot token: %v", e)
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
}
