package telegramtest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/providers/fakeapi"
)

// DefaultToken is the example bot token of Telegram's documentation; the fake
// accepts it when it is given no other. Tests check that no error shows it.
const DefaultToken = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

// Download is the endpoint name of the file server (GET
// /file/bot<token>/<file_path>) in Request.Endpoint and FailNext; no Bot API
// method has this name.
const Download = "download"

// Limits of the real API the fake enforces.
const (
	// MaxTextLen is the longest sendMessage text, in characters (counted as
	// Unicode code points, as the provider reads Telegram's limit).
	MaxTextLen = 4096
	// MaxCaptionLen is the longest caption of a media message.
	MaxCaptionLen = 1024
	// MaxUploadBytes is the largest request the API accepts (a multipart
	// upload); nginx refuses larger ones with 413.
	MaxUploadBytes = 50 << 20
	// MaxDownloadBytes is the largest file getFile lets a bot download.
	MaxDownloadBytes = 20 << 20
)

// FirstMessageID is the message_id of the first message the fake sends in each
// chat; the next ones count up from it.
const FirstMessageID = 1000

// tokenShape is a bot token as BotFather issues it; the API answers 404 for a
// path whose token has another shape, 401 for a well-formed token it does not know.
var tokenShape = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

// Bot is what getMe reports.
type Bot struct {
	// ID is the bot's user ID; 0 means the number before the token's colon,
	// which is what Telegram's tokens carry.
	ID        int64
	FirstName string
	Username  string
}

// DefaultBot is the bot the fake reports unless told otherwise.
var DefaultBot = Bot{FirstName: "Switchboard", Username: "switchboard_bot"}

// Request is one call the fake received, recorded whatever it was answered.
type Request struct {
	// Endpoint is the Bot API method ("sendMessage"), Download for a file
	// download, or "" for a path the fake does not serve.
	Endpoint string
	// HTTPMethod is GET or POST (the Bot API takes both).
	HTTPMethod string
	// Authorized says whether the path carried the fake's token.
	Authorized  bool
	ContentType string
	// Params are the parameters from the query and the JSON, form or
	// multipart body: strings as they are, other JSON values (numbers,
	// arrays, booleans) as their JSON text.
	Params map[string]string
	// Files are the file parts of a multipart upload, in order.
	Files []Upload
	// Body is the raw body of a call that is not a multipart upload (whose
	// parts are in Params and Files).
	Body []byte
	// FilePath is the path below /file/bot<token>/ of a download.
	FilePath string
	// Status is the HTTP status answered (-1 when the client gave up first),
	// ErrorCode the Bot API's error_code (0 on success).
	Status    int
	ErrorCode int
}

// Upload is a file part of a multipart request.
type Upload struct {
	// Field is the part's form name, the method's parameter ("photo").
	Field    string
	FileName string
	MimeType string
	Data     []byte
}

// Message is one message the fake sent on the bot's behalf.
type Message struct {
	// ID is the message_id answered.
	ID     int64
	ChatID int64
	// Method is the Bot API method that sent it (sendMessage, sendPhoto...).
	Method string
	// Text is a sendMessage text; Caption a media message's caption.
	Text    string
	Caption string
	// Media is the URL or file_id a media message named, "" for an upload.
	Media string
	// File is the uploaded file of a media message.
	File *Upload
	At   time.Time
}

// Reply is an answer the fake gives instead of its own, to simulate failures.
// With only Delay set, the fake answers as usual after the delay.
type Reply struct {
	// HTTPStatus is the HTTP status (0: ErrorCode when set, else 200).
	HTTPStatus int
	// ErrorCode and Description make {"ok":false,...}; RetryAfter adds
	// parameters.retry_after (seconds), as flood-limit answers carry.
	ErrorCode   int
	Description string
	RetryAfter  int
	// Result, when set, makes {"ok":true,"result":Result}.
	Result any
	// Body, when set, is sent as is (an HTML error page, broken JSON).
	Body   string
	Header http.Header
	// Delay holds the answer back, or until the client gives up, to simulate
	// a slow or hanging API.
	Delay time.Duration
}

// ErrorReply is the Bot API's refusal with error_code code and description.
func ErrorReply(code int, description string) Reply {
	return Reply{ErrorCode: code, Description: description}
}

// Answers of the real API that tests commonly need.
var (
	// TooManyRequests is the flood limit, to be retried after 5 seconds.
	TooManyRequests = Reply{ErrorCode: 429, Description: "Too Many Requests: retry after 5", RetryAfter: 5}
	// Blocked is a send to a user who blocked the bot.
	Blocked = ErrorReply(403, "Forbidden: bot was blocked by the user")
	// ChatNotFound is a send to a chat the bot does not know.
	ChatNotFound = ErrorReply(400, "Bad Request: chat not found")
	// Unauthorized is the answer to a token Telegram does not know.
	Unauthorized = ErrorReply(401, "Unauthorized")
	// InternalError is a transient failure of Telegram.
	InternalError = ErrorReply(500, "Internal Server Error")
	// BadGateway is the nginx page Telegram's front answers when the API
	// behind it is down: not a Bot API body.
	BadGateway = Reply{HTTPStatus: http.StatusBadGateway, Header: http.Header{"Content-Type": {"text/html"}},
		Body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"}
)

// API is the fake's state and HTTP handler. Serve it with NewServer (httptest)
// or on any http.Server, as the load tool does.
type API struct {
	token string
	botID int64

	mu  sync.Mutex
	bot Bot
	// faults are the requests received and the answers tests inject.
	faults    fakeapi.Faults[Request, Reply]
	logging   bool
	messages  []Message
	callbacks []string
	onMessage func(Message)
	nextID    map[int64]int64
	blocked   map[int64]bool
	webhook   WebhookConfig
	status    WebhookStatus
	plainHTTP bool
	files     map[string]File // by file_id
	paths     map[string]string
	fileSeq   int64
	now       func() time.Time
}

// NewAPI returns a fake that accepts token (DefaultToken when empty).
func NewAPI(token string) *API {
	if token == "" {
		token = DefaultToken
	}
	id, _ := strconv.ParseInt(strings.SplitN(token, ":", 2)[0], 10, 64)
	return &API{
		token:   token,
		botID:   id,
		bot:     DefaultBot,
		logging: true,
		nextID:  map[int64]int64{},
		blocked: map[int64]bool{},
		files:   map[string]File{},
		paths:   map[string]string{},
		now:     time.Now,
	}
}

// Server is the fake served by httptest: pass its URL to telegram.New.
type Server struct {
	*httptest.Server
	*API
}

// NewServer starts a fake that accepts token (DefaultToken when empty). Close
// it when done.
func NewServer(token string) *Server {
	a := NewAPI(token)
	return &Server{Server: httptest.NewServer(a), API: a}
}

// Token is the bot token the fake accepts.
func (a *API) Token() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.token
}

// RevokeToken makes the fake accept token instead of the one it accepted, as
// BotFather's /revoke does: calls with the old token are answered 401 from
// then on. The bot keeps its ID.
func (a *API) RevokeToken(token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.token = token
}

// SetBot replaces what getMe reports.
func (a *API) SetBot(b Bot) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.bot = b
}

// SetClock replaces the clock that dates sent messages.
func (a *API) SetClock(now func() time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.now = now
}

// SetLogging turns the log of requests, messages and answered callbacks on
// (the default) or off. The load tool turns it off so that the fake's memory
// stays flat under thousands of requests a second; OnMessage still sees every
// message.
func (a *API) SetLogging(on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.logging = on
}

// FailNext queues replies for the next calls to endpoint (a method name, or
// Download), one call each, in order. They are given before any check of the
// request, the token included.
func (a *API) FailNext(endpoint string, replies ...Reply) {
	a.faults.Queue(endpoint, replies...)
}

// SetHook decides replies by request: a non-nil reply is given instead of the
// fake's own (after queued ones). Pass nil to remove it. The hook is called
// without the fake's lock held, so it may call the fake; Request.Status and
// ErrorCode are not yet known when it runs.
func (a *API) SetHook(hook func(Request) *Reply) {
	a.faults.SetHook(hook)
}

// OnMessage calls f with every message sent, after it is recorded; the load
// tool counts deliveries with it. f must be safe for concurrent use.
func (a *API) OnMessage(f func(Message)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onMessage = f
}

// Block makes sends to chats fail as for users who blocked the bot (403).
func (a *API) Block(chats ...int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range chats {
		a.blocked[c] = true
	}
}

// Recorded returns a channel closed when the next request is logged (take
// it before reading Requests), so a test waits for a call without polling.
func (a *API) Recorded() <-chan struct{} { return a.faults.Changed() }

// Requests returns every call received so far, in the order answered.
func (a *API) Requests() []Request {
	return a.faults.Requests(func(r Request) Request {
		r.Params = maps.Clone(r.Params)
		r.Files = cloneUploads(r.Files)
		r.Body = bytes.Clone(r.Body)
		return r
	})
}

// Messages returns every message sent so far, in order.
func (a *API) Messages() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Message, len(a.messages))
	for i, m := range a.messages {
		if m.File != nil {
			f := cloneUploads([]Upload{*m.File})[0]
			m.File = &f
		}
		out[i] = m
	}
	return out
}

// AnsweredCallbacks returns the callback_query_id of every answerCallbackQuery
// call accepted, in order.
func (a *API) AnsweredCallbacks() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.callbacks...)
}

// Reset forgets recorded requests, messages and callbacks, queued replies and
// the hook, keeping the token, bot, files, blocked chats and webhook.
func (a *API) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.messages, a.callbacks = nil, nil
	a.faults.Reset()
}

// ServeHTTP answers one Bot API call or file download.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := Request{HTTPMethod: r.Method, ContentType: r.Header.Get("Content-Type")}
	token, rest, download := route(r.URL.Path)
	req.Authorized = token != "" && token == a.Token()
	if download {
		req.Endpoint, req.FilePath = Download, rest
		a.serveDownload(w, r, &req)
		return
	}
	req.Endpoint = rest
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxUploadBytes+1))
	if err != nil {
		req.Status = -1
		a.record(&req)
		return
	}
	if len(body) > MaxUploadBytes {
		a.writeRaw(w, &req, Reply{HTTPStatus: http.StatusRequestEntityTooLarge, Header: http.Header{"Content-Type": {"text/html"}},
			Body: "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"})
		return
	}
	var perr *apiError
	req.Params, req.Files, perr = parseParams(r, body)
	if req.Files == nil && len(body) > 0 && !strings.HasPrefix(req.ContentType, "multipart/") {
		req.Body = body
	}

	if rep := a.faults.Injected(req.Endpoint, req); rep != nil {
		if !a.hold(r, &req, *rep) {
			return
		}
		if !delayOnly(*rep) {
			a.writeReply(w, &req, *rep)
			return
		}
	}
	switch {
	case req.Endpoint == "" || !req.Authorized && !tokenShape.MatchString(token):
		a.writeError(w, &req, &apiError{404, "Not Found"})
	case !req.Authorized:
		a.writeError(w, &req, &apiError{401, "Unauthorized"})
	case perr != nil:
		a.writeError(w, &req, perr)
	default:
		result, aerr := a.call(r, &req)
		if aerr != nil {
			a.writeError(w, &req, aerr)
			return
		}
		a.writeResult(w, &req, result)
	}
}

// route splits a path into the token and the method (or, for a download, the
// file path); token is "" for a path the API does not serve.
func route(path string) (token, rest string, download bool) {
	if p, ok := strings.CutPrefix(path, "/file/bot"); ok {
		token, rest, ok = strings.Cut(p, "/")
		if !ok || rest == "" {
			return "", "", false
		}
		return token, rest, true
	}
	p, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		return "", "", false
	}
	token, rest, ok = strings.Cut(p, "/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", "", false
	}
	return token, rest, false
}

// call runs one authorized method.
func (a *API) call(r *http.Request, req *Request) (any, *apiError) {
	switch req.Endpoint {
	case "getMe":
		return a.getMe(), nil
	case "getWebhookInfo":
		return a.webhookInfo(), nil
	case "setWebhook":
		return a.setWebhook(req)
	case "deleteWebhook":
		return a.deleteWebhook(req)
	case "sendMessage":
		return a.sendMessage(req)
	case "sendPhoto", "sendVideo", "sendAudio", "sendVoice", "sendDocument", "sendAnimation", "sendSticker", "sendVideoNote":
		return a.sendMedia(req)
	case "answerCallbackQuery":
		return a.answerCallbackQuery(req)
	case "getFile":
		return a.getFile(req)
	}
	return nil, &apiError{404, "Not Found"}
}

// apiError is a Bot API refusal.
type apiError struct {
	code        int
	description string
}

// envelope is every Bot API answer.
type envelope struct {
	OK          bool        `json:"ok"`
	Result      any         `json:"result,omitempty"`
	ErrorCode   int         `json:"error_code,omitempty"`
	Description string      `json:"description,omitempty"`
	Parameters  *parameters `json:"parameters,omitempty"`
}

type parameters struct {
	RetryAfter int `json:"retry_after,omitempty"`
}

// hold waits out rep's delay; false when the client gave up first, and the
// request is then recorded as unanswered.
func (a *API) hold(r *http.Request, req *Request, rep Reply) bool {
	if fakeapi.Hold(r.Context(), rep.Delay) {
		return true
	}
	req.Status = -1
	a.record(req)
	return false
}

// delayOnly says whether rep only slows the fake's own answer down.
func delayOnly(rep Reply) bool {
	return rep.HTTPStatus == 0 && rep.ErrorCode == 0 && rep.Result == nil && rep.Body == "" && rep.Header == nil
}

func (a *API) writeReply(w http.ResponseWriter, req *Request, rep Reply) {
	switch {
	case rep.Body != "":
		a.writeRaw(w, req, rep)
	case rep.ErrorCode != 0:
		status := rep.HTTPStatus
		if status == 0 {
			status = rep.ErrorCode
		}
		env := envelope{ErrorCode: rep.ErrorCode, Description: rep.Description}
		if rep.RetryAfter > 0 {
			env.Parameters = &parameters{RetryAfter: rep.RetryAfter}
		}
		req.ErrorCode = rep.ErrorCode
		a.writeJSON(w, req, status, rep.Header, env)
	default:
		status := rep.HTTPStatus
		if status == 0 {
			status = http.StatusOK
		}
		result := rep.Result
		if result == nil {
			result = true
		}
		a.writeJSON(w, req, status, rep.Header, envelope{OK: true, Result: result})
	}
}

func (a *API) writeRaw(w http.ResponseWriter, req *Request, rep Reply) {
	maps.Copy(w.Header(), rep.Header)
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	status := rep.HTTPStatus
	if status == 0 {
		status = http.StatusOK
	}
	req.Status = status
	a.record(req)
	w.WriteHeader(status)
	io.WriteString(w, rep.Body)
}

func (a *API) writeError(w http.ResponseWriter, req *Request, e *apiError) {
	req.ErrorCode = e.code
	a.writeJSON(w, req, e.code, nil, envelope{ErrorCode: e.code, Description: e.description})
}

func (a *API) writeResult(w http.ResponseWriter, req *Request, result any) {
	env := envelope{OK: true, Result: result}
	if d, ok := result.(described); ok {
		env.Result, env.Description = d.result, d.description
	}
	a.writeJSON(w, req, http.StatusOK, nil, env)
}

func (a *API) writeJSON(w http.ResponseWriter, req *Request, status int, header http.Header, env envelope) {
	b, err := json.Marshal(env)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
	}
	req.Status = status
	a.record(req)
	maps.Copy(w.Header(), header)
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// record logs req unless logging is off.
func (a *API) record(req *Request) {
	a.mu.Lock()
	on := a.logging
	a.mu.Unlock()
	if on {
		a.faults.Record(*req)
	}
}

func cloneUploads(in []Upload) []Upload {
	if in == nil {
		return nil
	}
	out := make([]Upload, len(in))
	for i, u := range in {
		u.Data = bytes.Clone(u.Data)
		out[i] = u
	}
	return out
}
