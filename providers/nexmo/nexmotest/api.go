// Package nexmotest is a fake of Vonage's (Nexmo's) APIs as a WhatsApp sender
// uses them: the Messages API v1 (POST /v1/messages), the Application API v2
// (GET and PUT /v2/applications/{id}) and the media servers
// (/v3/media/{id}), and a signer of Vonage's webhooks. The provider's unit
// tests, the server's end-to-end tests, the crash test and the load tool all
// use it, so that one fix to its realism fixes every one of them.
//
// The fake checks what the real APIs check: authentication (the Messages API
// takes HTTP Basic with the API key and secret or a Bearer JWT, RS256 under the
// application's public key, for the application and unexpired; the
// Application API takes only Basic; media of an application with Secure
// Inbound Media on take only the JWT), the path and method, and the JSON of a
// message (channel whatsapp, the account's number as from, digits as to, text
// of 1 to 4096 characters, one medium by absolute URL, client_ref,
// webhook_url and webhook_version). It answers with the documented JSON: {"message_uuid"}
// (202) for a message, the application resource, and RFC 7807 problems
// ({type, title, detail, instance}, invalid_parameters for a bad field) for
// failures. An update of the application replaces it whole, as Vonage's PUT
// does, and one without the public key makes a new key pair, so a client that
// does not read, modify and write it back is caught. Failures can be queued or
// decided by a hook; every request and every accepted message is recorded;
// inbound messages and statuses are built as signed webhooks, ready to post to
// the provider. All methods are safe for concurrent use.
//
// The package imports nothing from the provider, and signs webhooks with its
// own HS256 and checks API JWTs with its own RS256, so that it is an
// independent implementation of Vonage's schemes.
package nexmotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/switchboard/switchboard/providers/fakeapi"
)

// Credentials the fake accepts when it is given none. They have the shape of
// real ones (an 8-hex-digit API key, a 16-character secret, a UUID
// application ID, a long signature secret), so that a test checking that no
// error shows a secret is meaningful.
const (
	DefaultAPIKey          = "a1b2c3d4"
	DefaultAPISecret       = "Zx8kQ2mN7pR4tV6w"
	DefaultSignatureSecret = "sJ3kL9mQ2nR5tW8yB4cF7hK1pS6vX0zA"
	DefaultApplicationID   = "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab"
	// DefaultNumber is the account's WhatsApp number, digits as Vonage
	// writes them.
	DefaultNumber = "447700900000"
)

// MaxTextLen is the longest WhatsApp text the Messages API takes, in
// characters (counted here as UTF-16 code units, the strictest reading).
const MaxTextLen = 4096

// The endpoints the fake serves, as Request.Endpoint names them and FailNext
// takes them.
const (
	EndpointMessages    = "Messages"    // POST /v1/messages
	EndpointApplication = "Application" // GET, PUT /v2/applications/{id}
	EndpointMedia       = "Media"       // GET /v3/media/{id}
)

// Request is one call the fake received, recorded whatever it was answered.
type Request struct {
	// Endpoint is one of the Endpoint constants, or "" for a path the fake
	// does not serve.
	Endpoint string
	Method   string
	Path     string
	// User is the Basic authentication user name ("" without Basic auth).
	User string
	// Token is the Bearer JWT as received ("" without one), so tests can
	// see whether calls shared a token; TokenError is why VerifyToken
	// refused it ("" when it passed or there was none).
	Token, TokenError string
	// Authorized says whether the request carried credentials the endpoint
	// takes and they were good: the API key and secret, or for the
	// Messages API and media a JWT that VerifyToken accepts.
	Authorized bool
	// Authorization is whether the request carried any Authorization header.
	Authorization bool
	ContentType   string
	Body          []byte
	// HTTPStatus and ErrorType are what the fake answered (ErrorType ""
	// on success).
	HTTPStatus int
	ErrorType  string
}

// Message is one message the fake accepted, as Vonage would send it.
type Message struct {
	UUID        string
	MessageType string
	From, To    string
	Text        string
	// MediaURL, Caption and Name are the medium's, for a media message.
	MediaURL, Caption, Name string
	ClientRef               string
	// WebhookURL and WebhookVersion are where and how its statuses go, when
	// the message named them.
	WebhookURL, WebhookVersion string
	// Status is the last status: "submitted" when accepted, then what
	// StatusWebhook reported.
	Status string
	At     time.Time
}

// Reply is an answer the fake gives instead of its own, to simulate failures.
type Reply struct {
	// HTTPStatus is the HTTP status (422 when 0 and a problem is set, 200
	// when both are unset).
	HTTPStatus int
	// Type, Title, Detail and InvalidParams make Vonage's problem body when
	// Body is empty.
	Type, Title, Detail string
	InvalidParams       []InvalidParam
	// Body, when set, is sent as is (an HTML error page, broken JSON).
	Body   string
	Header http.Header
	// Delay holds the answer back, or until the client gives up.
	Delay time.Duration
}

// InvalidParam is one entry of a problem's invalid_parameters.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Problem is Vonage's problem answer with the given HTTP status, type URI,
// title and detail.
func Problem(httpStatus int, typ, title, detail string) Reply {
	return Reply{HTTPStatus: httpStatus, Type: typ, Title: title, Detail: detail}
}

// Replies of the real APIs that tests commonly need, in the words Vonage's
// SDKs' tests and API specification give.
var (
	// Unauthorized is the answer to wrong credentials
	// (Nexmo/api-specification common_errors.yml, BadCredentialsError).
	Unauthorized = Problem(http.StatusUnauthorized, "https://developer.nexmo.com/api-errors#unauthorized",
		"Invalid credentials supplied", "You did not provide correct credentials.")
	// TooManyRequests is the Messages API's rate limit (vonage-java-sdk
	// MessagesClientTest).
	TooManyRequests = Problem(http.StatusTooManyRequests, "https://developer.nexmo.com/api-errors/messages-olympus#1010",
		"Rate Limit Hit", "Please wait, then retry your request")
	// InvalidSender is the refusal of a from that is not the account's
	// WhatsApp number (vonage-java-sdk MessagesClientTest).
	InvalidSender = Problem(http.StatusUnprocessableEntity, "https://developer.nexmo.com/api-errors/messages-olympus#1120",
		"Invalid sender", "The `from` parameter is invalid for the given channel.")
	// InternalError is a failure of Vonage's platform (api-errors/messages
	// 1030).
	InternalError = Problem(http.StatusInternalServerError, "https://developer.nexmo.com/api-errors/messages-olympus#1030",
		"Internal error", "There was an error processing your request in the Platform.")
	// BadGateway is a load balancer's page instead of a Vonage body.
	BadGateway = Reply{HTTPStatus: http.StatusBadGateway, Header: http.Header{"Content-Type": {"text/html"}},
		Body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"}
)

// API is the fake's state and HTTP handler. Serve it with NewServer (httptest)
// or on any http.Server, as the load tool does, after SetBaseURL.
type API struct {
	key, secret, sigSecret, appID, number string

	mu       sync.Mutex
	baseURL  string
	app      map[string]any
	regens   int
	messages []Message
	// faults are the requests received and the answers tests inject.
	faults    fakeapi.Faults[Request, Reply]
	onMessage func(Message)
	media     map[string]mediaFile
	secureMed bool
	// forwardFrom and forwardTo redirect the webhooks the fake builds.
	forwardFrom, forwardTo string
	next                   int64
	now                    func() time.Time
}

// Config names the account the fake serves; empty fields take the defaults.
type Config struct {
	APIKey, APISecret, SignatureSecret, ApplicationID, Number string
}

// NewAPI returns a fake for the account cfg names, whose application is named
// "Switchboard WhatsApp", has a public key and a Messages capability without
// webhooks yet (webhook format v1), and a Voice capability that an update
// must keep.
func NewAPI(cfg Config) *API {
	def := func(s, d string) string {
		if s == "" {
			return d
		}
		return s
	}
	a := &API{
		key:       def(cfg.APIKey, DefaultAPIKey),
		secret:    def(cfg.APISecret, DefaultAPISecret),
		sigSecret: def(cfg.SignatureSecret, DefaultSignatureSecret),
		appID:     def(cfg.ApplicationID, DefaultApplicationID),
		number:    def(cfg.Number, DefaultNumber),
		media:     map[string]mediaFile{},
		next:      1,
		now:       time.Now,
	}
	a.app = map[string]any{
		"id":      a.appID,
		"name":    "Switchboard WhatsApp",
		"keys":    map[string]any{"public_key": DefaultPublicKey},
		"privacy": map[string]any{"improve_ai": false},
		"capabilities": map[string]any{
			"messages": map[string]any{
				"webhooks": map[string]any{
					"inbound_url": map[string]any{"address": "", "http_method": "POST"},
					"status_url":  map[string]any{"address": "", "http_method": "POST"},
				},
				"version":                    "v1",
				"authenticate_inbound_media": false,
			},
			"voice": map[string]any{
				"webhooks": map[string]any{
					"answer_url": map[string]any{"address": "https://example.com/webhooks/answer", "http_method": "GET"},
					"event_url":  map[string]any{"address": "https://example.com/webhooks/event", "http_method": "POST"},
				},
			},
		},
	}
	return a
}

// Server is the fake served by httptest: use its URL as the account's apiUrl.
type Server struct {
	*httptest.Server
	*API
}

// NewServer starts a fake for the account cfg names (the defaults for empty
// fields). Close it when done.
func NewServer(cfg Config) *Server {
	a := NewAPI(cfg)
	s := &Server{Server: httptest.NewServer(a), API: a}
	a.SetBaseURL(s.URL)
	return s
}

// APIKey is the API key the fake accepts.
func (a *API) APIKey() string { return a.key }

// APISecret is the API secret the fake accepts.
func (a *API) APISecret() string { return a.secret }

// SignatureSecret is the secret the fake signs webhooks with.
func (a *API) SignatureSecret() string { return a.sigSecret }

// ApplicationID is the application the fake serves.
func (a *API) ApplicationID() string { return a.appID }

// Number is the account's WhatsApp number (digits).
func (a *API) Number() string { return a.number }

// SetBaseURL tells the fake where it is served, for the absolute URLs it
// hands out (media).
func (a *API) SetBaseURL(u string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.baseURL = strings.TrimRight(u, "/")
}

// SetClock replaces the fake's clock, which stamps messages and webhooks.
func (a *API) SetClock(now func() time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.now = now
}

// Application returns a copy of the application resource as stored.
func (a *API) Application() map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	return clone(a.app)
}

// SetApplication replaces the application resource (its id is kept).
func (a *API) SetApplication(app map[string]any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.app = clone(app)
	a.app["id"] = a.appID
}

// MessagesWebhooks are the application's Messages inbound and status URLs.
func (a *API) MessagesWebhooks() (inbound, status string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.messagesWebhooksLocked()
}

func (a *API) messagesWebhooksLocked() (inbound, status string) {
	caps, _ := a.app["capabilities"].(map[string]any)
	msgs, _ := caps["messages"].(map[string]any)
	hooks, _ := msgs["webhooks"].(map[string]any)
	in, _ := hooks["inbound_url"].(map[string]any)
	st, _ := hooks["status_url"].(map[string]any)
	inbound, _ = in["address"].(string)
	status, _ = st["address"].(string)
	return inbound, status
}

// SetMessagesWebhooks sets the application's Messages inbound and status
// URLs, as an admin would in the Dashboard.
func (a *API) SetMessagesWebhooks(inbound, status string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	caps, _ := a.app["capabilities"].(map[string]any)
	if caps == nil {
		caps = map[string]any{}
		a.app["capabilities"] = caps
	}
	msgs, _ := caps["messages"].(map[string]any)
	if msgs == nil {
		msgs = map[string]any{"version": "v1"}
		caps["messages"] = msgs
	}
	msgs["webhooks"] = map[string]any{
		"inbound_url": map[string]any{"address": inbound, "http_method": "POST"},
		"status_url":  map[string]any{"address": status, "http_method": "POST"},
	}
}

// KeyRegenerations counts the updates that came without the public key, for
// which Vonage makes a new key pair.
func (a *API) KeyRegenerations() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.regens
}

// FailNext queues replies for the next calls to endpoint (EndpointMessages...),
// one call each, in order. They are given before any check of the request,
// authentication included.
func (a *API) FailNext(endpoint string, replies ...Reply) {
	a.faults.Queue(endpoint, replies...)
}

// SetHook decides replies by request: a non-nil reply is given instead of the
// fake's own (after queued ones). Pass nil to remove it. The hook is called
// without the fake's lock held, so it may call the fake; Request.HTTPStatus
// is not yet known when it runs.
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
		r.Body = append([]byte(nil), r.Body...)
		return r
	})
}

// Messages returns every accepted message so far, in the order accepted.
func (a *API) Messages() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Message(nil), a.messages...)
}

// Message returns the accepted message uuid.
func (a *API) Message(uuid string) (Message, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.messages {
		if m.UUID == uuid {
			return m, true
		}
	}
	return Message{}, false
}

// Reset forgets recorded requests and messages, queued replies and the hook,
// keeping the credentials, application and media.
func (a *API) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.messages = nil
	a.faults.Reset()
}

// NewUUID is a UUID with the serial n in its last 12 hex digits: the shape of
// Vonage's message UUIDs, and stable across runs.
func NewUUID(n int64) string {
	return fmt.Sprintf("5c2d0e1f-%04x-4a3b-9c8d-%012x", (n>>48)&0xffff, n&0xffffffffffff)
}

// nextUUID hands out a fresh UUID; a.mu must be held.
func (a *API) nextUUID() string {
	n := a.next
	a.next++
	return NewUUID(n)
}

var applicationPath = regexp.MustCompile(`^/v2/applications/([^/]+)$`)

// route names the endpoint of path, with the ID it names.
func route(path string) (endpoint, id string) {
	if path == "/v1/messages" {
		return EndpointMessages, ""
	}
	if m := applicationPath.FindStringSubmatch(path); m != nil {
		return EndpointApplication, m[1]
	}
	if id, ok := strings.CutPrefix(path, "/v3/media/"); ok && id != "" && !strings.Contains(id, "/") {
		return EndpointMedia, id
	}
	return "", ""
}

// ServeHTTP answers one API call.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	endpoint, id := route(r.URL.Path)
	user, pass, hasBasic := r.BasicAuth()
	req := Request{
		Endpoint: endpoint, Method: r.Method, Path: r.URL.Path, User: user,
		Authorized:    hasBasic && user == a.key && pass == a.secret,
		Authorization: r.Header.Get("Authorization") != "",
		ContentType:   r.Header.Get("Content-Type"),
		Body:          body,
	}
	if tok, ok := bearer(r.Header.Get("Authorization")); ok {
		req.Token = tok
		if _, err := a.VerifyToken(tok); err != nil {
			req.TokenError = err.Error()
		} else if endpoint != EndpointApplication {
			// The Application API takes only the API key and secret.
			req.Authorized = true
		}
	}
	if rep := a.injected(req); rep != nil {
		a.writeReply(w, r, &req, *rep)
		return
	}
	switch {
	case endpoint == "":
		a.writeProblem(w, &req, Problem(http.StatusNotFound, "https://developer.nexmo.com/api-errors#not-found", "Not Found",
			"The requested resource does not exist, or you do not have access to it"))
	case endpoint == EndpointMedia:
		a.serveMedia(w, r, &req, id)
	case !req.Authorized:
		a.writeProblem(w, &req, Unauthorized)
	case endpoint == EndpointMessages && r.Method == http.MethodPost:
		a.sendMessage(w, &req)
	case endpoint == EndpointApplication && id != a.appID:
		a.writeProblem(w, &req, Problem(http.StatusNotFound, "https://developer.nexmo.com/api-errors#not-found", "Not Found",
			fmt.Sprintf("ID '%s' does not exist, or you do not have access", id)))
	case endpoint == EndpointApplication && r.Method == http.MethodGet:
		a.getApplication(w, &req)
	case endpoint == EndpointApplication && r.Method == http.MethodPut:
		a.putApplication(w, &req)
	default:
		a.writeProblem(w, &req, Problem(http.StatusMethodNotAllowed, "https://developer.nexmo.com/api-errors#wrong-verb",
			"Request method not allowed", fmt.Sprintf("Request method '%s' not supported", r.Method)))
	}
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
	if rep.Body != "" || (rep.Type == "" && rep.Title == "" && rep.Detail == "") {
		code := rep.HTTPStatus
		if code == 0 {
			code = http.StatusOK
		}
		req.HTTPStatus = code
		a.record(req)
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(code)
		io.WriteString(w, rep.Body)
		return
	}
	a.writeProblem(w, req, rep)
}

// problemBody is Vonage's RFC 7807 answer (https://developer.vonage.com/en/api-errors).
type problemBody struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Detail        string         `json:"detail"`
	Instance      string         `json:"instance"`
	InvalidParams []InvalidParam `json:"invalid_parameters,omitempty"`
}

func (a *API) writeProblem(w http.ResponseWriter, req *Request, rep Reply) {
	status := rep.HTTPStatus
	if status == 0 {
		status = http.StatusUnprocessableEntity
	}
	req.HTTPStatus, req.ErrorType = status, rep.Type
	a.mu.Lock()
	instance := fmt.Sprintf("bf0ca0bf927b3b52e3cb0321%08x", a.next)
	a.next++
	a.mu.Unlock()
	a.record(req)
	b, _ := json.Marshal(problemBody{Type: rep.Type, Title: rep.Title, Detail: rep.Detail, Instance: instance, InvalidParams: rep.InvalidParams})
	for k, v := range rep.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
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

// invalid is the Messages API's refusal of a field.
func invalid(name, reason string) Reply {
	r := Problem(http.StatusUnprocessableEntity, "https://developer.nexmo.com/api-errors/messages-olympus#1020",
		"Invalid params", "The value of one or more parameters is invalid.")
	r.InvalidParams = []InvalidParam{{Name: name, Reason: reason}}
	return r
}

// outMedia is a medium of a message request.
type outMedia struct {
	URL     string `json:"url"`
	Caption string `json:"caption"`
	Name    string `json:"name"`
}

// messageRequest is the body of POST /v1/messages for WhatsApp.
type messageRequest struct {
	MessageType    string    `json:"message_type"`
	Channel        string    `json:"channel"`
	To             string    `json:"to"`
	From           string    `json:"from"`
	Text           *string   `json:"text"`
	Image          *outMedia `json:"image"`
	Audio          *outMedia `json:"audio"`
	Video          *outMedia `json:"video"`
	File           *outMedia `json:"file"`
	Sticker        *outMedia `json:"sticker"`
	ClientRef      string    `json:"client_ref"`
	WebhookURL     string    `json:"webhook_url"`
	WebhookVersion string    `json:"webhook_version"`
}

var msisdn = regexp.MustCompile(`^[1-9][0-9]{6,14}$`)

// sendMessage is POST /v1/messages
// (https://developer.vonage.com/en/api/messages#SendMessage).
func (a *API) sendMessage(w http.ResponseWriter, req *Request) {
	if !strings.HasPrefix(req.ContentType, "application/json") {
		a.writeProblem(w, req, Problem(http.StatusUnsupportedMediaType, "https://developer.nexmo.com/api-errors#content-type-header",
			"Unsupported Content-Type header", "Unsupported Content-Type header provided. Must be one of the following: 'application/json'"))
		return
	}
	var m messageRequest
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	if err := dec.Decode(&m); err != nil {
		a.writeProblem(w, req, Problem(http.StatusBadRequest, "https://developer.nexmo.com/api-errors/messages-olympus#1010",
			"Missing params", "Your request is incomplete and missing some mandatory parameters."))
		return
	}
	media := map[string]*outMedia{"image": m.Image, "audio": m.Audio, "video": m.Video, "file": m.File, "sticker": m.Sticker}
	var med *outMedia
	switch {
	case m.Channel != "whatsapp":
		a.writeProblem(w, req, invalid("channel", "must be whatsapp here"))
		return
	case !msisdn.MatchString(m.To):
		a.writeProblem(w, req, invalid("to", "must be a phone number in E.164 format without a leading + or 00"))
		return
	case m.From != a.number:
		a.writeProblem(w, req, InvalidSender)
		return
	case m.MessageType == "text":
		if m.Text == nil || *m.Text == "" || utf16Len(*m.Text) > MaxTextLen {
			a.writeProblem(w, req, invalid("text", "must be 1 to 4096 characters"))
			return
		}
	case media[m.MessageType] != nil:
		med = media[m.MessageType]
		if !absoluteURL(med.URL) {
			a.writeProblem(w, req, invalid(m.MessageType+".url", "must be an absolute URL"))
			return
		}
	default:
		a.writeProblem(w, req, invalid("message_type", "must be text, image, audio, video, file or sticker, with its object"))
		return
	}
	switch {
	case len(m.ClientRef) > 100:
		a.writeProblem(w, req, invalid("client_ref", "must be at most 100 characters"))
		return
	case m.WebhookURL != "" && !absoluteURL(m.WebhookURL):
		a.writeProblem(w, req, invalid("webhook_url", "must be an absolute URL"))
		return
	case m.WebhookVersion != "" && m.WebhookVersion != "v1" && m.WebhookVersion != "v0.1":
		a.writeProblem(w, req, invalid("webhook_version", "must be v0.1 or v1"))
		return
	}
	a.mu.Lock()
	msg := Message{UUID: a.nextUUID(), MessageType: m.MessageType, From: m.From, To: m.To, ClientRef: m.ClientRef,
		WebhookURL: m.WebhookURL, WebhookVersion: m.WebhookVersion, Status: "submitted", At: a.now().UTC()}
	if m.Text != nil {
		msg.Text = *m.Text
	}
	if med != nil {
		msg.MediaURL, msg.Caption, msg.Name = med.URL, med.Caption, med.Name
	}
	a.messages = append(a.messages, msg)
	on := a.onMessage
	a.mu.Unlock()
	if on != nil {
		on(msg)
	}
	a.writeJSON(w, req, http.StatusAccepted, map[string]string{"message_uuid": msg.UUID})
}

// getApplication is GET /v2/applications/{id}
// (https://developer.vonage.com/en/api/application.v2#getApplication).
func (a *API) getApplication(w http.ResponseWriter, req *Request) {
	a.mu.Lock()
	app := clone(a.app)
	a.mu.Unlock()
	app["_links"] = map[string]any{"self": map[string]any{"href": "/v2/applications/" + a.appID}}
	a.writeJSON(w, req, http.StatusOK, app)
}

// putApplication is PUT /v2/applications/{id}
// (https://developer.vonage.com/en/api/application.v2#updateApplication): the
// body replaces the application. Without keys.public_key Vonage makes a new
// key pair and answers with its private key.
func (a *API) putApplication(w http.ResponseWriter, req *Request) {
	var app map[string]any
	if err := json.Unmarshal(req.Body, &app); err != nil || app == nil {
		a.writeProblem(w, req, payloadInvalid("body", "must be a JSON object"))
		return
	}
	if name, _ := app["name"].(string); name == "" {
		a.writeProblem(w, req, payloadInvalid("name", "must not be empty"))
		return
	}
	caps, _ := app["capabilities"].(map[string]any)
	if msgs, ok := caps["messages"].(map[string]any); ok {
		hooks, _ := msgs["webhooks"].(map[string]any)
		for _, k := range []string{"inbound_url", "status_url"} {
			h, ok := hooks[k].(map[string]any)
			if !ok {
				continue
			}
			if m, _ := h["http_method"].(string); m != "POST" {
				a.writeProblem(w, req, payloadInvalid("capabilities.messages.webhooks."+k+".http_method", "must be one of: POST"))
				return
			}
			if addr, _ := h["address"].(string); addr != "" && !absoluteURL(addr) {
				a.writeProblem(w, req, payloadInvalid("capabilities.messages.webhooks."+k+".address", "must be a valid URL"))
				return
			}
		}
		if v, ok := msgs["version"].(string); ok && v != "v1" && v != "v0.1" {
			a.writeProblem(w, req, payloadInvalid("capabilities.messages.version", "must be one of: v0.1, v1"))
			return
		}
	}
	delete(app, "_links")
	app["id"] = a.appID
	keys, _ := app["keys"].(map[string]any)
	answer := clone(app)
	a.mu.Lock()
	if pk, _ := keys["public_key"].(string); pk == "" {
		a.regens++
		keys = map[string]any{"public_key": fmt.Sprintf("-----BEGIN PUBLIC KEY-----\nregenerated%d\n-----END PUBLIC KEY-----\n", a.regens)}
		app["keys"] = keys
		answer["keys"] = map[string]any{"public_key": keys["public_key"],
			"private_key": fmt.Sprintf("-----BEGIN PRIVATE KEY-----\nregenerated%d\n-----END PRIVATE KEY-----\n", a.regens)}
	}
	delete(keys, "private_key")
	a.app = clone(app)
	a.mu.Unlock()
	answer["_links"] = map[string]any{"self": map[string]any{"href": "/v2/applications/" + a.appID}}
	a.writeJSON(w, req, http.StatusOK, answer)
}

// payloadInvalid is the Application API's refusal of a field.
func payloadInvalid(name, reason string) Reply {
	r := Problem(http.StatusBadRequest, "https://developer.nexmo.com/api-errors/application#payload-validation",
		"Bad Request", "The request failed due to validation errors")
	r.InvalidParams = []InvalidParam{{Name: name, Reason: reason}}
	return r
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// utf16Len counts s in UTF-16 code units.
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

// clone deep-copies a JSON object.
func clone(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		panic("nexmotest: application is not JSON: " + err.Error())
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	if out == nil {
		out = map[string]any{}
	}
	return out
}
