// Package linetest is a fake of the LINE Messaging API for tests and load runs:
// one place that knows what LINE checks and answers, used by the provider's
// unit tests, the server's end-to-end tests, the crash test and the load tool.
//
// A Server runs two listeners, as LINE has two hosts: URL stands for
// https://api.line.me (bot info, webhook settings, push, profiles) and DataURL
// for https://api-data.line.me (content customers sent). Each serves only its
// own paths. Requests are checked the way LINE checks them (method, path,
// Authorization: Bearer with a known channel access token, X-Line-Retry-Key as
// a UUID, the body's shape and limits) and answered with LINE's documented
// bodies, errors and headers. Pushes are recorded, retry keys are honoured
// with LINE's 409, and failures can be injected per endpoint. A Server is safe
// for concurrent use.
package linetest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/providers/fakeapi"
)

// The default channel every new Server has. The token looks like a long-lived
// channel access token (long Base64), the secret like a channel secret (32 hex
// digits), the bot user ID like LINE's (U and 32 hex digits), so that tests
// can check that none of them leaks.
const (
	Token       = "s1N9xLq3Vb8zK2rT7yWc4Hf6Jd0Pm5Ga1Ue8Ro3Iw2Qt9Zx4Cv7Bn6Ml5Kj0Hg3Fd8Sa1Pq7Wo2Ei4Ru9Ty6Yu3Ii8Op5As0Df2Gh7Jk4Lz1Xc6Vb9Nm3Qw8Er5Ty0Ui7Op2As4Df9Gh6Jk1Lz3Xc8Vb5Nm0Qw7Er2Ty9Ui4Op6As1Df3Gh8Jk5Lz=="
	Secret      = "8c5b2d1e6f4a3c2b1d0e9f8a7b6c5d4e"
	BotUserID   = "Ub9952f8a1c2d3e4f5a6b7c8d9e0f1a2b"
	BotBasicID  = "@216ruxyz"
	BotName     = "Switchboard Support"
	BotPicture  = "https://profile.line-scdn.net/abcdefghijklmn"
	firstSentID = 600000000000000000
)

// Endpoint names one API operation of the fake, for injecting faults.
type Endpoint string

// The endpoints the fake serves.
const (
	EndpointBotInfo     Endpoint = "GET /v2/bot/info"
	EndpointGetWebhook  Endpoint = "GET /v2/bot/channel/webhook/endpoint"
	EndpointSetWebhook  Endpoint = "PUT /v2/bot/channel/webhook/endpoint"
	EndpointTestWebhook Endpoint = "POST /v2/bot/channel/webhook/test"
	EndpointPush        Endpoint = "POST /v2/bot/message/push"
	EndpointProfile     Endpoint = "GET /v2/bot/profile/{userId}"
	EndpointMember      Endpoint = "GET /v2/bot/{group|room}/{id}/member/{userId}"
	EndpointContent     Endpoint = "GET /v2/bot/message/{messageId}/content"
)

// Channel is one Messaging API channel the fake knows, found by its token.
type Channel struct {
	Token  string
	Secret string
	Bot    BotInfo
	// WebhookEndpoint is the URL LINE would send webhooks to ("" = not set).
	WebhookEndpoint string
	// WebhookActive is the console's "Use webhook" switch.
	WebhookActive bool
	// MonthlyLimit, when above zero, is how many messages the channel may push
	// before LINE answers 429 "You have reached your monthly limit.".
	MonthlyLimit int

	sent     int
	accepted map[string]acceptance // by retry key
}

// acceptance is what LINE remembers of a push it accepted with a retry key.
type acceptance struct {
	requestID string
	sent      []sentMessage
}

// BotInfo is GET /v2/bot/info's answer.
type BotInfo struct {
	UserID         string `json:"userId"`
	BasicID        string `json:"basicId"`
	PremiumID      string `json:"premiumId,omitempty"`
	DisplayName    string `json:"displayName"`
	PictureURL     string `json:"pictureUrl,omitempty"`
	ChatMode       string `json:"chatMode"`
	MarkAsReadMode string `json:"markAsReadMode"`
}

// Profile is a user's profile as GET /v2/bot/profile/{userId} (or a group or
// room member's profile) answers it.
type Profile struct {
	DisplayName   string `json:"displayName"`
	UserID        string `json:"userId"`
	PictureURL    string `json:"pictureUrl,omitempty"`
	StatusMessage string `json:"statusMessage,omitempty"`
	Language      string `json:"language,omitempty"`
}

// Request is one request the fake received, as received.
type Request struct {
	// Host is "api" or "api-data".
	Host   string
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// Status is what the fake answered.
	Status int
}

// content is a file customers sent, served by the data host.
type content struct {
	state       contentState
	contentType string
	data        []byte
}

type contentState int

const (
	contentReady contentState = iota
	contentPreparing
	contentGone
)

// Server is the fake. Its zero value is not usable: call New.
type Server struct {
	// URL is the base URL standing for https://api.line.me.
	URL string
	// DataURL is the base URL standing for https://api-data.line.me.
	DataURL string

	api, data *httptest.Server

	mu          sync.Mutex
	channels    map[string]*Channel // by token
	requests    []Request
	pushes      []Push
	changed     chan struct{} // closed and replaced on every push
	faults      map[Endpoint][]Fault
	failing     map[Endpoint]Fault
	contents    map[string]content
	profiles    map[string]Profile // by user ID
	members     map[string]Profile // by chat ID + "/" + user ID
	nextSent    int64
	webhookTest func(endpoint string) WebhookTestResult

	// MediaFetches, once given a client, fetches the media URLs pushed, as
	// LINE does to deliver them (see Fetches).
	fakeapi.MediaFetches
}

// New starts a fake with the default channel (Token, Secret, BotUserID, no
// webhook endpoint yet, "Use webhook" on). Close it when done.
func New() *Server {
	s := &Server{
		channels: map[string]*Channel{},
		changed:  make(chan struct{}),
		faults:   map[Endpoint][]Fault{},
		failing:  map[Endpoint]Fault{},
		contents: map[string]content{},
		profiles: map[string]Profile{},
		members:  map[string]Profile{},
		nextSent: firstSentID,
	}
	s.AddChannel(Channel{
		Token: Token, Secret: Secret, WebhookActive: true,
		Bot: BotInfo{UserID: BotUserID, BasicID: BotBasicID, DisplayName: BotName, PictureURL: BotPicture, ChatMode: "bot", MarkAsReadMode: "auto"},
	})
	s.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve("api", w, r) }))
	s.data = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve("api-data", w, r) }))
	s.URL, s.DataURL = s.api.URL, s.data.URL
	return s
}

// Close stops both listeners.
func (s *Server) Close() {
	s.api.Close()
	s.data.Close()
}

// Client is an HTTP client for the fake's listeners.
func (s *Server) Client() *http.Client { return s.api.Client() }

// AddChannel makes the fake know another channel (another account's token
// and secret). A channel with the same token is replaced.
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.accepted = map[string]acceptance{}
	s.channels[c.Token] = &c
}

// Channel returns a copy of the channel of token, as the fake has it now.
func (s *Server) Channel(token string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[token]
	if !ok {
		return Channel{}, false
	}
	cp := *c
	cp.accepted = nil
	return cp, true
}

// UpdateChannel changes the channel of token in place (its endpoint, "Use
// webhook", limits).
func (s *Server) UpdateChannel(token string, f func(c *Channel)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.channels[token]; ok {
		f(c)
	}
}

// SetContent makes the data host serve a file for a message ID.
func (s *Server) SetContent(messageID, contentType string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contents[messageID] = content{state: contentReady, contentType: contentType, data: append([]byte(nil), data...)}
}

// SetPreparing makes the data host answer 202 for a message ID, as LINE does
// while a large video or audio is being prepared.
func (s *Server) SetPreparing(messageID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contents[messageID] = content{state: contentPreparing}
}

// SetGone makes the data host answer 410, as for a message the user unsent.
func (s *Server) SetGone(messageID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contents[messageID] = content{state: contentGone}
}

// AddProfile makes GET /v2/bot/profile/{userId} know a user.
func (s *Server) AddProfile(p Profile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.profiles[p.UserID] = p
}

// AddMemberProfile makes a group's or room's member profile known.
func (s *Server) AddMemberProfile(chatID string, p Profile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[chatID+"/"+p.UserID] = Profile{DisplayName: p.DisplayName, UserID: p.UserID, PictureURL: p.PictureURL}
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// serve routes one request of host.
func (s *Server) serve(host string, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	rec.Header().Set("X-Line-Request-Id", newUUID())
	ep, args := route(host, r.Method, r.URL.Path)
	s.handle(ep, args, rec, r, body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Host: host, Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Status: rec.status})
	s.mu.Unlock()
}

// route finds the endpoint of a request, with its path arguments.
func route(host, method, path string) (Endpoint, []string) {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if host == "api-data" {
		if method == http.MethodGet && len(seg) == 5 && seg[0] == "v2" && seg[1] == "bot" && seg[2] == "message" && seg[3] != "" && seg[4] == "content" {
			return EndpointContent, []string{seg[3]}
		}
		return "", nil
	}
	switch {
	case method == http.MethodGet && path == "/v2/bot/info":
		return EndpointBotInfo, nil
	case method == http.MethodGet && path == "/v2/bot/channel/webhook/endpoint":
		return EndpointGetWebhook, nil
	case method == http.MethodPut && path == "/v2/bot/channel/webhook/endpoint":
		return EndpointSetWebhook, nil
	case method == http.MethodPost && path == "/v2/bot/channel/webhook/test":
		return EndpointTestWebhook, nil
	case method == http.MethodPost && path == "/v2/bot/message/push":
		return EndpointPush, nil
	case method == http.MethodGet && len(seg) == 4 && seg[0] == "v2" && seg[1] == "bot" && seg[2] == "profile" && seg[3] != "":
		return EndpointProfile, []string{seg[3]}
	case method == http.MethodGet && len(seg) == 6 && seg[0] == "v2" && seg[1] == "bot" && (seg[2] == "group" || seg[2] == "room") && seg[4] == "member" && seg[3] != "" && seg[5] != "":
		return EndpointMember, []string{seg[3], seg[5]}
	}
	return "", nil
}

// handle answers one routed request.
func (s *Server) handle(ep Endpoint, args []string, w *recorder, r *http.Request, body []byte) {
	if ep == "" {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	fault, hasFault := s.takeFault(ep)
	if hasFault && !fault.Accept {
		fault.write(w)
		return
	}
	ch, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if hasFault {
		// LINE does the work, then the caller sees the fault.
		s.do(ep, args, ch, discard{header: http.Header{}}, r, body)
		fault.write(w)
		return
	}
	s.do(ep, args, ch, w, r, body)
}

// do performs an endpoint's work for an authenticated channel.
func (s *Server) do(ep Endpoint, args []string, ch *Channel, w responseWriter, r *http.Request, body []byte) {
	switch ep {
	case EndpointBotInfo:
		s.mu.Lock()
		bot := ch.Bot
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, bot)
	case EndpointGetWebhook:
		s.mu.Lock()
		ep, active := ch.WebhookEndpoint, ch.WebhookActive
		s.mu.Unlock()
		if ep == "" {
			writeError(w, http.StatusNotFound, "Webhook endpoint not found")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"endpoint": ep, "active": active})
	case EndpointSetWebhook:
		s.setWebhook(ch, w, r, body)
	case EndpointTestWebhook:
		s.testWebhook(ch, w, r, body)
	case EndpointPush:
		s.push(ch, w, r, body)
	case EndpointProfile:
		s.mu.Lock()
		p, found := s.profiles[args[0]]
		s.mu.Unlock()
		if !found {
			writeError(w, http.StatusNotFound, "Not found")
			return
		}
		writeJSON(w, http.StatusOK, p)
	case EndpointMember:
		s.mu.Lock()
		p, found := s.members[args[0]+"/"+args[1]]
		s.mu.Unlock()
		if !found {
			writeError(w, http.StatusNotFound, "Not found")
			return
		}
		writeJSON(w, http.StatusOK, p)
	case EndpointContent:
		s.serveContent(w, args[0])
	}
}

// authenticate finds the channel of the request's Bearer token, or answers
// 401 as LINE does.
func (s *Server) authenticate(w responseWriter, r *http.Request) (*Channel, bool) {
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if auth == "" || !ok || token == "" {
		writeError(w, http.StatusUnauthorized, "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'")
		return nil, false
	}
	s.mu.Lock()
	ch, found := s.channels[token]
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusUnauthorized, "Authentication failed due to the following reason: invalid token. Confirm that the access token in the authorization header is valid.")
		return nil, false
	}
	return ch, true
}

// setWebhook is PUT /v2/bot/channel/webhook/endpoint.
func (s *Server) setWebhook(ch *Channel, w responseWriter, r *http.Request, body []byte) {
	if !isJSON(w, r) {
		return
	}
	var req struct {
		Endpoint *string `json:"endpoint"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "The request body could not be parsed as JSON (line: -, column: -)")
		return
	}
	if req.Endpoint == nil || !validWebhookURL(*req.Endpoint) {
		writeError(w, http.StatusBadRequest, "Invalid webhook endpoint URL")
		return
	}
	s.mu.Lock()
	ch.WebhookEndpoint = *req.Endpoint
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, struct{}{})
}

// serveContent is GET /v2/bot/message/{messageId}/content on the data host.
func (s *Server) serveContent(w responseWriter, messageID string) {
	s.mu.Lock()
	c, found := s.contents[messageID]
	s.mu.Unlock()
	switch {
	case !found:
		writeError(w, http.StatusNotFound, "not found")
	case c.state == contentPreparing:
		w.WriteHeader(http.StatusAccepted)
	case c.state == contentGone:
		writeError(w, http.StatusGone, "The content is gone")
	default:
		w.Header().Set("Content-Type", c.contentType)
		w.Header().Set("Content-Length", fmt.Sprint(len(c.data)))
		w.WriteHeader(http.StatusOK)
		w.Write(c.data)
	}
}

// isJSON checks the Content-Type of a request with a body, as LINE does.
func isJSON(w responseWriter, r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "The content type, "+ct+", is not supported")
		return false
	}
	return true
}

// responseWriter is what handlers write to: the real answer, or a discarded
// one when a fault replaces it.
type responseWriter interface {
	Header() http.Header
	WriteHeader(int)
	Write([]byte) (int, error)
}

// recorder remembers the status written.
type recorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status.
func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// discard is an answer nobody sees.
type discard struct{ header http.Header }

func (d discard) Header() http.Header       { return d.header }
func (discard) WriteHeader(int)             {}
func (discard) Write(b []byte) (int, error) { return len(b), nil }

// writeJSON answers v as JSON.
func writeJSON(w responseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers LINE's error body.
func writeError(w responseWriter, status int, message string, details ...ErrorDetail) {
	writeJSON(w, status, errorBody{Message: message, Details: details})
}

// errorBody is LINE's error response.
type errorBody struct {
	Message      string        `json:"message"`
	Details      []ErrorDetail `json:"details,omitempty"`
	SentMessages []sentMessage `json:"sentMessages,omitempty"`
}

// ErrorDetail is one entry of an error body's details.
type ErrorDetail struct {
	Message  string `json:"message"`
	Property string `json:"property"`
}

// newUUID is a random (version 4) UUID, as LINE's request IDs are.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// now is the time LINE reports.
func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

// notify wakes WaitPushes; s.mu is held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitPushes waits until at least n pushes were accepted, or ctx ends, and
// returns them.
func (s *Server) WaitPushes(ctx context.Context, n int) ([]Push, error) {
	for {
		s.mu.Lock()
		if len(s.pushes) >= n {
			out := append([]Push(nil), s.pushes...)
			s.mu.Unlock()
			return out, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Pushes(), ctx.Err()
		}
	}
}
