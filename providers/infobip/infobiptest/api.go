// Package infobiptest is a fake of Infobip's API (a personal base URL such as
// https://xxxxx.api.infobip.com) as a WhatsApp sender uses it, and a builder of
// Infobip's webhooks, shared by the provider's unit tests, the server's
// end-to-end tests, the crash test and the load tool, so that one fix to its
// realism fixes every one of them.
//
// The fake checks what the real API checks: "Authorization: App <key>" (401
// UNAUTHORIZED "Invalid login details" otherwise), the path and method, and the
// JSON of a message (from, to, content.text of 1 to 4096 characters or
// content.mediaUrl of at most 2048, a caption of at most 3000, messageId of at
// most 100, notifyUrl). It answers with Infobip's documented JSON: the send
// answer {"to","messageCount","messageId","status"} and the account balance
// on success, {"requestError":{"serviceException":{"messageId","text",
// "validationErrors"}}} on failure, and the newer {"errorCode","description"}
// for the Subscriptions API. A message from a number that is not one of the
// account's senders is answered 200 with a REJECTED status, as Infobip's
// message APIs report rejected sources. It hosts inbound media behind the API
// key, and keeps the subscriptions created through it, whose webhook
// credentials the webhooks it builds then carry.
//
// The texts of refusals the documentation does not show (FORBIDDEN,
// SERVICE_UNAVAILABLE, NOT_FOUND, the Subscriptions API's), and the status IDs
// of groups other than PENDING and DELIVERED, are the fake's own.
//
// Failures can be queued or decided by a hook; every request and every
// accepted message is recorded; inbound messages and delivery and seen reports
// are built as Infobip posts them. All methods are safe for concurrent use.
//
// The package imports nothing from the provider, so that the provider's tests
// can use it as an independent implementation of Infobip's formats.
package infobiptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/switchboard/switchboard/providers/fakeapi"
)

// DefaultAPIKey is the API key the fake accepts when it is given none. It has
// the shape of a real one (32 hex digits, "-", a UUID), so that a test checking
// that no error shows the key is meaningful.
const DefaultAPIKey = "4f1c2e9a7b3d5f60818293a4b5c6d7e8-2f6a1b3c-4d5e-6f70-8192-a3b4c5d6e7f8"

// DefaultSender is the account's WhatsApp sender by default (the number of
// Infobip's documentation examples).
const DefaultSender = "447860099299"

// Infobip's limits, in characters (UTF-16 code units, as its Java API counts).
const (
	MaxTextLen      = 4096
	MaxCaptionLen   = 3000
	MaxURLLen       = 2048
	MaxMessageIDLen = 100
	MaxNumberLen    = 24
	// MaxProfileURLLen is the longest notifyUrl of a notification profile.
	MaxProfileURLLen = 512
)

// The endpoints the fake serves, as Request.Endpoint names them and FailNext
// takes them.
const (
	EndpointText     = "text"     // POST /whatsapp/1/message/text
	EndpointImage    = "image"    // POST /whatsapp/1/message/image
	EndpointVideo    = "video"    // POST /whatsapp/1/message/video
	EndpointAudio    = "audio"    // POST /whatsapp/1/message/audio
	EndpointDocument = "document" // POST /whatsapp/1/message/document
	EndpointSticker  = "sticker"  // POST /whatsapp/1/message/sticker
	EndpointBalance  = "balance"  // GET /account/1/balance
	EndpointMedia    = "media"    // GET /whatsapp/1/senders/{sender}/media/{id}
	// EndpointBusinessInfo is GET /whatsapp/1/senders/{sender}/business-info.
	EndpointBusinessInfo = "business-info"
	// EndpointSubscription is POST /subscriptions/1/subscription/{channel}
	// and DELETE .../{channel}/{subscriptionId}.
	EndpointSubscription = "subscription"
	EndpointProfile      = "profile"  // DELETE /subscriptions/1/profiles/{profileId}
	EndpointSecurity     = "security" // DELETE /subscriptions/1/security/{authId}
)

// messageKinds are the message endpoints; captioned take a caption.
var (
	messageKinds = map[string]bool{EndpointText: true, EndpointImage: true, EndpointVideo: true,
		EndpointAudio: true, EndpointDocument: true, EndpointSticker: true}
	captioned = map[string]bool{EndpointImage: true, EndpointVideo: true, EndpointDocument: true}
)

// Request is one call the fake received, recorded whatever it was answered.
type Request struct {
	// Endpoint is one of the Endpoint constants, or "" for a path the fake
	// does not serve.
	Endpoint string
	Method   string
	Path     string
	// Scheme is the Authorization scheme ("App", "Basic", "" without one);
	// Authorized says whether it was "App" with the account's key.
	Scheme      string
	Authorized  bool
	ContentType string
	Body        []byte
	// HTTPStatus and Code are what the fake answered (Code "" on success).
	HTTPStatus int
	Code       string
}

// Message is one message the fake accepted, as Infobip would send it.
type Message struct {
	// MessageID is the messageId answered: the client's, or one the fake
	// made up.
	MessageID string
	// Kind is the endpoint: text, image, video, audio, document, sticker.
	Kind      string
	From, To  string
	Text      string
	MediaURL  string
	Caption   string
	Filename  string
	NotifyURL string
	// Status is the status group: PENDING when accepted, REJECTED for an
	// unknown sender, then what reports said (DELIVERED, SEEN...).
	Status string
	At     time.Time
}

// Reply is an answer the fake gives instead of its own, to simulate failures.
type Reply struct {
	// HTTPStatus is the HTTP status (400 when 0 and Code is set, 200 when
	// both are unset).
	HTTPStatus int
	// Code and Text make Infobip's requestError body when Body is empty.
	Code string
	Text string
	// Body, when set, is sent as is (an HTML error page, broken JSON).
	Body   string
	Header http.Header
	// Delay holds the answer back, or until the client gives up.
	Delay time.Duration
}

// ErrorReply is Infobip's error answer with the given HTTP status, messageId
// (its error word) and text.
func ErrorReply(httpStatus int, code, text string) Reply {
	return Reply{HTTPStatus: httpStatus, Code: code, Text: text}
}

// Replies of the real API that tests commonly need.
var (
	// Unauthorized is the answer to a wrong or missing API key.
	Unauthorized = ErrorReply(http.StatusUnauthorized, "UNAUTHORIZED", "Invalid login details")
	// Forbidden is the answer to a key without permission for the call.
	Forbidden = ErrorReply(http.StatusForbidden, "FORBIDDEN", "Forbidden")
	// TooManyRequests is the API's rate limit answer.
	TooManyRequests = Reply{HTTPStatus: http.StatusTooManyRequests, Code: "TOO_MANY_REQUESTS", Text: "Too many requests",
		Header: http.Header{"Retry-After": {"2"}}}
	// ServiceUnavailable is a transient failure of Infobip.
	ServiceUnavailable = ErrorReply(http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", "Service unavailable")
	// BadGateway is a load balancer's page instead of an Infobip body.
	BadGateway = Reply{HTTPStatus: http.StatusBadGateway, Header: http.Header{"Content-Type": {"text/html"}},
		Body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"}
)

// Subscription is a subscription created through the Subscriptions API, with
// its notification profile and security settings.
type Subscription struct {
	ID, Channel, Name string
	Events, Resources []string
	ProfileID         string
	NotifyURL         string
	ContentType       string
	// AuthID, AuthType ("BASIC"...) and the Basic credentials Infobip sends
	// with every webhook of the subscription.
	AuthID, AuthType   string
	Username, Password string
}

// has reports whether the subscription covers event for sender.
func (s Subscription) has(event, sender string) bool {
	return slices.Contains(s.Events, event) && (len(s.Resources) == 0 || slices.Contains(s.Resources, sender))
}

// API is the fake's state and HTTP handler. Serve it with NewServer (httptest)
// or on any http.Server, as the load tool does, after SetBaseURL.
type API struct {
	key string

	mu            sync.Mutex
	baseURL       string
	balance       float64
	currency      string
	senders       map[string]bool
	displayNames  map[string]string // sender → business-info displayName
	messages      []Message
	subscriptions []Subscription
	profiles      map[string]bool
	security      map[string]bool
	// faults are the requests received and the answers tests inject.
	faults    fakeapi.Faults[Request, Reply]
	onMessage func(Message)
	media     map[string]mediaFile
	// forwardFrom and forwardTo redirect the webhooks the fake builds.
	forwardFrom, forwardTo string
	next                   int64
	now                    func() time.Time
}

// NewAPI returns a fake for the API key apiKey (DefaultAPIKey when empty),
// whose WhatsApp sender is DefaultSender and whose balance is 47.79134 EUR.
func NewAPI(apiKey string) *API {
	if apiKey == "" {
		apiKey = DefaultAPIKey
	}
	return &API{
		key:          apiKey,
		balance:      47.79134,
		currency:     "EUR",
		senders:      map[string]bool{DefaultSender: true},
		profiles:     map[string]bool{},
		displayNames: map[string]string{DefaultSender: DefaultDisplayName},
		security:     map[string]bool{},
		media:        map[string]mediaFile{},
		next:         1,
		now:          time.Now,
	}
}

// Server is the fake served by httptest: use its URL as the account's apiUrl.
type Server struct {
	*httptest.Server
	*API
}

// NewServer starts a fake for apiKey (DefaultAPIKey when empty). Close it when
// done.
func NewServer(apiKey string) *Server {
	a := NewAPI(apiKey)
	s := &Server{Server: httptest.NewServer(a), API: a}
	a.SetBaseURL(s.URL)
	return s
}

// APIKey is the API key the fake accepts.
func (a *API) APIKey() string { return a.key }

// SetBaseURL tells the fake where it is served, for the absolute URLs it hands
// out (media).
func (a *API) SetBaseURL(u string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.baseURL = strings.TrimRight(u, "/")
}

// SetBalance replaces what the account balance reports.
func (a *API) SetBalance(balance float64, currency string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.balance, a.currency = balance, currency
}

// AddSender makes numbers (digits, international format) WhatsApp senders of
// the account; a message from any other is REJECTED.
func (a *API) AddSender(numbers ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range numbers {
		a.senders[n] = true
	}
}

// DefaultDisplayName is the business-info displayName of a sender the fake
// was given no other for (the name of Infobip's documentation example).
const DefaultDisplayName = "Infobip"

// SetDisplayName makes sender a WhatsApp sender of the account whose
// business info shows displayName.
func (a *API) SetDisplayName(sender, displayName string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.senders[sender] = true
	a.displayNames[sender] = displayName
}

// FailNext queues replies for the next calls to endpoint (EndpointText...), one
// call each, in order. They are given before any check of the request,
// authentication included.
func (a *API) FailNext(endpoint string, replies ...Reply) {
	a.faults.Queue(endpoint, replies...)
}

// SetHook decides replies by request: a non-nil reply is given instead of the
// fake's own (after queued ones). Pass nil to remove it. The hook is called
// without the fake's lock held, so it may call the fake; Request.HTTPStatus
// and Code are not yet known when it runs.
func (a *API) SetHook(hook func(Request) *Reply) {
	a.faults.SetHook(hook)
}

// OnMessage calls f with every accepted message, after it is recorded; the
// load tool counts deliveries with it. f must be safe for concurrent use.
func (a *API) OnMessage(f func(Message)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onMessage = f
}

// Requests returns every call received so far, in order.
func (a *API) Requests() []Request {
	return a.faults.Requests(func(r Request) Request {
		r.Body = bytes.Clone(r.Body)
		return r
	})
}

// Messages returns every accepted message so far, in the order accepted.
func (a *API) Messages() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.messages)
}

// Message returns the accepted message with messageId id.
func (a *API) Message(id string) (Message, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.messages {
		if m.MessageID == id {
			return m, true
		}
	}
	return Message{}, false
}

// Subscriptions returns the subscriptions that exist, in the order created.
func (a *API) Subscriptions() []Subscription {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Subscription, len(a.subscriptions))
	for i, s := range a.subscriptions {
		s.Events, s.Resources = slices.Clone(s.Events), slices.Clone(s.Resources)
		out[i] = s
	}
	return out
}

// Reset forgets recorded requests and messages, queued replies and the hook,
// keeping the key, balance, senders, subscriptions and media.
func (a *API) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.messages = nil
	a.faults.Reset()
}

// NewMessageID is a messageId of Infobip's shape (a UUID) with the serial n:
// stable across runs.
func NewMessageID(n int64) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(n>>48), n&0xffffffffffff)
}

// nextID hands out a fresh serial; a.mu must be held.
func (a *API) nextID() int64 {
	n := a.next
	a.next++
	return n
}

var (
	mediaPath = regexp.MustCompile(`^/whatsapp/1/senders/([0-9]+)/media/([A-Za-z0-9_.-]+)$`)
	infoPath  = regexp.MustCompile(`^/whatsapp/1/senders/([0-9]+)/business-info$`)
	subPath   = regexp.MustCompile(`^/subscriptions/1/subscription/([A-Z_]+)(?:/([A-Za-z0-9_-]+))?$`)
	idPath    = regexp.MustCompile(`^/subscriptions/1/(profiles|security)/([A-Za-z0-9_-]+)$`)
)

// route names the endpoint of path, with the path's parameters.
func route(path string) (endpoint string, params []string) {
	if kind, ok := strings.CutPrefix(path, "/whatsapp/1/message/"); ok && messageKinds[kind] {
		return kind, nil
	}
	if path == "/account/1/balance" {
		return EndpointBalance, nil
	}
	if m := mediaPath.FindStringSubmatch(path); m != nil {
		return EndpointMedia, m[1:]
	}
	if m := infoPath.FindStringSubmatch(path); m != nil {
		return EndpointBusinessInfo, m[1:]
	}
	if m := subPath.FindStringSubmatch(path); m != nil {
		return EndpointSubscription, m[1:]
	}
	if m := idPath.FindStringSubmatch(path); m != nil {
		if m[1] == "profiles" {
			return EndpointProfile, m[2:]
		}
		return EndpointSecurity, m[2:]
	}
	return "", nil
}

// ServeHTTP answers one API call.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	endpoint, params := route(r.URL.Path)
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	req := Request{
		Endpoint: endpoint, Method: r.Method, Path: r.URL.Path, Scheme: scheme,
		Authorized:  scheme == "App" && cred == a.key,
		ContentType: r.Header.Get("Content-Type"), Body: body,
	}
	if rep := a.injected(req); rep != nil {
		a.writeReply(w, r, &req, *rep)
		return
	}
	switch {
	case endpoint == "":
		a.writeError(w, &req, http.StatusNotFound, "NOT_FOUND", "Requested URL not found: "+r.URL.Path)
	case !req.Authorized:
		a.writeError(w, &req, http.StatusUnauthorized, "UNAUTHORIZED", "Invalid login details")
	case messageKinds[endpoint] && r.Method == http.MethodPost:
		a.sendMessage(w, &req)
	case endpoint == EndpointBalance && r.Method == http.MethodGet:
		a.mu.Lock()
		bal, cur := a.balance, a.currency
		a.mu.Unlock()
		a.writeJSON(w, &req, http.StatusOK, map[string]any{"balance": bal, "currency": cur})
	case endpoint == EndpointBusinessInfo && r.Method == http.MethodGet:
		a.businessInfo(w, &req, params[0])
	case endpoint == EndpointMedia && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		a.serveMedia(w, r, &req, params[0], params[1])
	case endpoint == EndpointSubscription && r.Method == http.MethodPost && params[1] == "":
		a.createSubscription(w, &req, params[0])
	case endpoint == EndpointSubscription && r.Method == http.MethodDelete && params[1] != "":
		a.deleteSubscription(w, &req, params[0], params[1])
	case (endpoint == EndpointProfile || endpoint == EndpointSecurity) && r.Method == http.MethodDelete:
		a.deleteByID(w, &req, endpoint, params[0])
	default:
		a.writeError(w, &req, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Request method '"+r.Method+"' is not supported")
	}
}

// businessInfo answers a sender's business info
// (https://www.infobip.com/docs/api/channels/whatsapp/whatsapp-service-management/get-whatsapp-sender-business-info),
// 404 for a number that is not a sender of the account.
func (a *API) businessInfo(w http.ResponseWriter, req *Request, sender string) {
	a.mu.Lock()
	known, name := a.senders[sender], a.displayNames[sender]
	a.mu.Unlock()
	if !known {
		a.writeError(w, req, http.StatusNotFound, "NOT_FOUND", "Sender not found.")
		return
	}
	if name == "" {
		name = DefaultDisplayName
	}
	a.writeJSON(w, req, http.StatusOK, map[string]any{
		"about": "Infobip Business Account", "address": "35-38 New Bridge Street, London EC4V 6BW",
		"description": "Infobip is a global cloud communications platform.", "email": "info@example.com",
		"vertical": "PROFESSIONAL_SERVICES", "websites": []string{}, "displayName": name,
	})
}

// injected is the queued or hooked reply for req, if any.
func (a *API) injected(req Request) *Reply {
	return a.faults.Injected(req.Endpoint, req)
}

func (a *API) record(req *Request) {
	a.faults.Record(*req)
}

func (a *API) writeReply(w http.ResponseWriter, r *http.Request, req *Request, rep Reply) {
	if !fakeapi.Hold(r.Context(), rep.Delay) {
		req.HTTPStatus = -1
		a.record(req)
		return
	}
	for k, v := range rep.Header {
		w.Header()[k] = v
	}
	code := rep.HTTPStatus
	if code == 0 && rep.Code != "" {
		code = http.StatusBadRequest
	}
	if code == 0 {
		code = http.StatusOK
	}
	if rep.Body != "" || rep.Code == "" {
		req.HTTPStatus = code
		a.record(req)
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(code)
		io.WriteString(w, rep.Body)
		return
	}
	a.writeError(w, req, code, rep.Code, rep.Text)
}

// serviceException is Infobip's classic error body, as its SDKs' tests show it
// ({"requestError":{"serviceException":{"messageId":"UNAUTHORIZED","text":"Invalid login details"}}}).
type serviceException struct {
	MessageID        string              `json:"messageId"`
	Text             string              `json:"text"`
	ValidationErrors map[string][]string `json:"validationErrors,omitempty"`
}

func (a *API) writeError(w http.ResponseWriter, req *Request, status int, code, text string) {
	a.writeValidation(w, req, status, code, text, nil)
}

func (a *API) writeValidation(w http.ResponseWriter, req *Request, status int, code, text string, fields map[string][]string) {
	req.HTTPStatus, req.Code = status, code
	a.record(req)
	body := map[string]any{"requestError": map[string]any{"serviceException": serviceException{MessageID: code, Text: text, ValidationErrors: fields}}}
	b, _ := json.Marshal(body)
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	w.Write(b)
}

// writePlatformError is the error of newer platform APIs, such as the
// Subscriptions API ({"errorCode","description","action","violations","resources"}).
func (a *API) writePlatformError(w http.ResponseWriter, req *Request, status int, description string, violations ...[2]string) {
	code := fmt.Sprintf("E%d", status)
	req.HTTPStatus, req.Code = status, code
	a.record(req)
	vs := make([]map[string]string, 0, len(violations))
	for _, v := range violations {
		vs = append(vs, map[string]string{"property": v[0], "violation": v[1]})
	}
	b, _ := json.Marshal(map[string]any{"errorCode": code, "description": description, "action": "", "violations": vs, "resources": []any{}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func (a *API) writeJSON(w http.ResponseWriter, req *Request, status int, v any) {
	req.HTTPStatus = status
	a.record(req)
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// messageRequest is the body of every /whatsapp/1/message/<kind> call.
type messageRequest struct {
	From         string `json:"from"`
	To           string `json:"to"`
	MessageID    string `json:"messageId"`
	CallbackData string `json:"callbackData"`
	NotifyURL    string `json:"notifyUrl"`
	Content      *struct {
		Text     *string `json:"text"`
		MediaURL *string `json:"mediaUrl"`
		Caption  string  `json:"caption"`
		Filename string  `json:"filename"`
	} `json:"content"`
}

// number is a phone number in international format as Infobip's WhatsApp API
// takes it: digits, with an optional "+".
var number = regexp.MustCompile(`^\+?[0-9]{1,24}$`)

// sendMessage is POST /whatsapp/1/message/<kind>, with the limits of
// Infobip's OpenAPI specification as its client libraries carry them.
func (a *API) sendMessage(w http.ResponseWriter, req *Request) {
	if !strings.HasPrefix(req.ContentType, "application/json") {
		a.writeError(w, req, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Content type '"+req.ContentType+"' not supported")
		return
	}
	var m messageRequest
	if err := json.Unmarshal(req.Body, &m); err != nil {
		a.writeError(w, req, http.StatusBadRequest, "BAD_REQUEST", "Bad request")
		return
	}
	bad := map[string][]string{}
	size := func(field, v string, lo, hi int) {
		if n := utf16Len(v); n < lo || n > hi {
			bad[field] = append(bad[field], fmt.Sprintf("size must be between %d and %d", lo, hi))
		}
	}
	if strings.TrimSpace(m.From) == "" {
		bad["from"] = append(bad["from"], "must not be blank")
	}
	size("from", m.From, 1, MaxNumberLen)
	if !number.MatchString(m.To) {
		bad["to"] = append(bad["to"], "must be a valid phone number in international format")
	}
	size("messageId", m.MessageID, 0, MaxMessageIDLen)
	size("callbackData", m.CallbackData, 0, 4000)
	size("notifyUrl", m.NotifyURL, 0, MaxURLLen)
	if m.NotifyURL != "" && !absoluteURL(m.NotifyURL) {
		bad["notifyUrl"] = append(bad["notifyUrl"], "must be a valid URL")
	}
	kind := req.Endpoint
	msg := Message{Kind: kind, From: m.From, To: m.To, NotifyURL: m.NotifyURL, Status: "PENDING"}
	switch {
	case m.Content == nil:
		bad["content"] = append(bad["content"], "must not be null")
	case kind == EndpointText:
		text := ""
		if m.Content.Text != nil {
			text = *m.Content.Text
		}
		if strings.TrimSpace(text) == "" {
			bad["content.text"] = append(bad["content.text"], "must not be blank")
		}
		size("content.text", text, 1, MaxTextLen)
		msg.Text = text
	default:
		u := ""
		if m.Content.MediaURL != nil {
			u = *m.Content.MediaURL
		}
		if strings.TrimSpace(u) == "" {
			bad["content.mediaUrl"] = append(bad["content.mediaUrl"], "must not be blank")
		} else if !absoluteURL(u) {
			bad["content.mediaUrl"] = append(bad["content.mediaUrl"], "must be a valid URL")
		}
		size("content.mediaUrl", u, 1, MaxURLLen)
		if captioned[kind] {
			size("content.caption", m.Content.Caption, 0, MaxCaptionLen)
			msg.Caption = m.Content.Caption
		}
		if kind == EndpointDocument {
			msg.Filename = m.Content.Filename
		}
		msg.MediaURL = u
	}
	if len(bad) > 0 {
		a.writeValidation(w, req, http.StatusBadRequest, "BAD_REQUEST", "Bad request", bad)
		return
	}

	a.mu.Lock()
	msg.MessageID = m.MessageID
	if msg.MessageID == "" {
		msg.MessageID = NewMessageID(a.nextID())
	}
	if !a.senders[strings.TrimPrefix(m.From, "+")] {
		msg.Status = "REJECTED"
	}
	msg.At = a.now().UTC()
	a.messages = append(a.messages, msg)
	on := a.onMessage
	a.mu.Unlock()
	if on != nil {
		on(msg)
	}
	status := map[string]any{"groupId": 1, "groupName": "PENDING", "id": 7, "name": "PENDING_ENROUTE", "description": "Message sent to next instance"}
	if msg.Status == "REJECTED" {
		status = map[string]any{"groupId": 5, "groupName": "REJECTED", "id": 14, "name": "REJECTED_SOURCE", "description": "Invalid Source address"}
	}
	a.writeJSON(w, req, http.StatusOK, map[string]any{"to": m.To, "messageCount": 1, "messageId": msg.MessageID, "status": status})
}

// subscriptionRequest is the body of POST /subscriptions/1/subscription/{channel}
// (https://www.infobip.com/docs/api/platform/subscriptions-api/create-subscription).
type subscriptionRequest struct {
	SubscriptionID string   `json:"subscriptionId"`
	Name           string   `json:"name"`
	Events         []string `json:"events"`
	Resources      []string `json:"resources"`
	Profile        *struct {
		ProfileID string `json:"profileId"`
		Webhook   *struct {
			NotifyURL   string `json:"notifyUrl"`
			ContentType string `json:"contentType"`
		} `json:"webhook"`
		Security *struct {
			AuthID      string `json:"authId"`
			Type        string `json:"type"`
			Credentials struct {
				Username string `json:"username"`
				Password string `json:"password"`
			} `json:"credentials"`
		} `json:"security"`
	} `json:"profile"`
}

// pathID is an ID Infobip puts in paths: no character that needs encoding.
var pathID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// channels are the channels of the Subscriptions API.
var channels = map[string]bool{"BLOCKLIST": true, "CUSTOMER_ENGAGEMENT": true, "EMAIL": true, "FACEBOOK": true,
	"KAKAO_ALIM": true, "KAKAO_CHINGU": true, "LINE": true, "MMS": true, "MOBILE_IDENTITY": true, "MOBILE_PUSH": true,
	"NUMBER_LOOKUP": true, "OPEN_CHANNEL": true, "RCS": true, "REGISTRATION": true, "SMS": true, "VIBER": true,
	"VOICE_VIDEO": true, "WHATSAPP": true, "ZALO": true}

// createSubscription creates a subscription with a new profile and security
// settings.
func (a *API) createSubscription(w http.ResponseWriter, req *Request, channel string) {
	var s subscriptionRequest
	if !channels[channel] {
		a.writePlatformError(w, req, http.StatusBadRequest, "Bad request", [2]string{"channel", "unknown channel " + channel})
		return
	}
	if err := json.Unmarshal(req.Body, &s); err != nil {
		a.writePlatformError(w, req, http.StatusBadRequest, "Bad request")
		return
	}
	var bad [][2]string
	if !pathID.MatchString(s.SubscriptionID) {
		bad = append(bad, [2]string{"subscriptionId", "must match [A-Za-z0-9_-]{1,255}"})
	}
	if s.Events == nil {
		bad = append(bad, [2]string{"events", "must not be null"})
	}
	switch {
	case s.Profile == nil:
		bad = append(bad, [2]string{"profile", "must not be null"})
	case !pathID.MatchString(s.Profile.ProfileID):
		bad = append(bad, [2]string{"profile.profileId", "must match [A-Za-z0-9_-]{1,255}"})
	case s.Profile.Webhook == nil || !absoluteURL(s.Profile.Webhook.NotifyURL) || len(s.Profile.Webhook.NotifyURL) > MaxProfileURLLen:
		bad = append(bad, [2]string{"profile.webhook.notifyUrl", "must be a valid URL of at most 512 characters"})
	case s.Profile.Security != nil && (!pathID.MatchString(s.Profile.Security.AuthID) ||
		s.Profile.Security.Type == "BASIC" && (s.Profile.Security.Credentials.Username == "" || s.Profile.Security.Credentials.Password == "")):
		bad = append(bad, [2]string{"profile.security", "must have an authId and, for BASIC, a username and password"})
	}
	if len(bad) > 0 {
		a.writePlatformError(w, req, http.StatusBadRequest, "Bad request", bad...)
		return
	}
	sub := Subscription{ID: s.SubscriptionID, Channel: channel, Name: s.Name, Events: s.Events, Resources: s.Resources,
		ProfileID: s.Profile.ProfileID, NotifyURL: s.Profile.Webhook.NotifyURL, ContentType: s.Profile.Webhook.ContentType}
	if sec := s.Profile.Security; sec != nil {
		sub.AuthID, sub.AuthType = sec.AuthID, sec.Type
		sub.Username, sub.Password = sec.Credentials.Username, sec.Credentials.Password
	}
	a.mu.Lock()
	conflict := a.profiles[sub.ProfileID] || sub.AuthID != "" && a.security[sub.AuthID]
	for _, old := range a.subscriptions {
		conflict = conflict || old.ID == sub.ID && old.Channel == channel
	}
	if !conflict {
		a.subscriptions = append(a.subscriptions, sub)
		a.profiles[sub.ProfileID] = true
		if sub.AuthID != "" {
			a.security[sub.AuthID] = true
		}
	}
	a.mu.Unlock()
	if conflict {
		a.writePlatformError(w, req, http.StatusConflict, "A subscription, profile or security setting with this ID already exists")
		return
	}
	a.writeJSON(w, req, http.StatusCreated, map[string]string{"subscriptionId": sub.ID})
}

// deleteSubscription deletes a subscription, keeping its profile.
func (a *API) deleteSubscription(w http.ResponseWriter, req *Request, channel, id string) {
	a.mu.Lock()
	i := slices.IndexFunc(a.subscriptions, func(s Subscription) bool { return s.ID == id && s.Channel == channel })
	if i >= 0 {
		a.subscriptions = slices.Delete(a.subscriptions, i, i+1)
	}
	a.mu.Unlock()
	if i < 0 {
		a.writePlatformError(w, req, http.StatusNotFound, "Subscription "+id+" not found")
		return
	}
	req.HTTPStatus = http.StatusNoContent
	a.record(req)
	w.WriteHeader(http.StatusNoContent)
}

// deleteByID deletes a notification profile or security settings.
func (a *API) deleteByID(w http.ResponseWriter, req *Request, endpoint, id string) {
	a.mu.Lock()
	set := a.profiles
	if endpoint == EndpointSecurity {
		set = a.security
	}
	found := set[id]
	delete(set, id)
	a.mu.Unlock()
	if !found {
		a.writePlatformError(w, req, http.StatusNotFound, endpoint+" "+id+" not found")
		return
	}
	req.HTTPStatus = http.StatusNoContent
	a.record(req)
	w.WriteHeader(http.StatusNoContent)
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// utf16Len counts s in UTF-16 code units, as Infobip's Java API counts.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if l := utf16.RuneLen(r); l > 0 {
			n += l
		} else {
			n++
		}
	}
	return n
}
