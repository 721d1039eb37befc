// Package vibertest is a fake of Viber's REST Bot API (https://chatapi.viber.com)
// and a signer of Viber's callbacks, shared by the provider's unit tests, the
// server's end-to-end tests, the crash test and the load tool, so that one fix to
// its realism fixes every one of them.
//
// The fake checks what the real API checks (POST to /pa/<endpoint>, the
// X-Viber-Auth-Token header, the JSON body's shape and Viber's limits) and answers
// with Viber's documented bodies: {"status":0,"status_message":"ok",...} on
// success and the documented status codes on failure. Failures can be queued or
// decided by a hook; every request and every accepted message is recorded. All
// methods are safe for concurrent use.
//
// The package imports nothing from the provider, so that the provider's own
// tests can use it and its signer is an independent implementation of Viber's.
package vibertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/switchboard/switchboard/providers/fakeapi"
)

// DefaultToken is the example authentication token of Viber's documentation; the
// fake accepts it when it is given no other.
const DefaultToken = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"

// AuthHeader carries the bot's token on every API call.
const AuthHeader = "X-Viber-Auth-Token"

// Limits of the real API the fake enforces.
const (
	// MaxRequestBytes is the largest JSON body ("Maximum total JSON size of the
	// request is 30kb").
	MaxRequestBytes = 30 << 10
	// MaxTextLen is the longest text message, in characters (counted here as
	// UTF-16 code units, the strictest reading).
	MaxTextLen = 7000
	// MaxPictureTextLen is the longest description of a picture message.
	MaxPictureTextLen = 512
	// MaxSenderNameLen is the longest sender.name.
	MaxSenderNameLen = 28
)

// firstToken is the first message_token the fake hands out: above 2^53, as real
// tokens are, so that a client decoding tokens as float64 is caught.
const firstToken int64 = 5741311803571721087

// Account is what get_account_info reports about the bot.
type Account struct {
	ID               string
	Name             string
	URI              string
	Icon             string
	Background       string
	Category         string
	Subcategory      string
	Country          string
	SubscribersCount int
}

// DefaultAccount is the account of Viber's get_account_info example.
var DefaultAccount = Account{
	ID:               "pa:75346594275468546724",
	Name:             "account name",
	URI:              "accountUri",
	Icon:             "http://example.com",
	Background:       "http://example.com",
	Category:         "category",
	Subcategory:      "sub category",
	Country:          "UK",
	SubscribersCount: 35,
}

// Request is one call the fake received, recorded whatever it was answered.
type Request struct {
	// Endpoint is the path below /pa/ ("send_message").
	Endpoint string
	Method   string
	// Token is the X-Viber-Auth-Token header as received.
	Token       string
	ContentType string
	Body        []byte
	// Status is the Viber status the fake answered (-1 when it answered
	// without a Viber body: a queued raw reply, a 404, a 405).
	Status int
}

// Message is one send_message call the fake accepted, as Viber would deliver it.
type Message struct {
	// Token is the message_token answered, the message's ID in receipts.
	Token         int64
	Receiver      string
	Type          string
	Text          string
	Media         string
	Thumbnail     string
	Size          int64
	Duration      int64
	FileName      string
	SenderName    string
	SenderAvatar  string
	TrackingData  string
	MinAPIVersion int
	At            time.Time
}

// Reply is an answer the fake gives instead of its own, to simulate failures.
type Reply struct {
	// HTTPStatus is the HTTP status (0: 200, as Viber answers even its errors).
	HTTPStatus int
	// Status and StatusMessage make the body {"status":..,"status_message":..}
	// when Body is empty.
	Status        int
	StatusMessage string
	// Body, when set, is sent as is (an HTML error page, broken JSON).
	Body   string
	Header http.Header
	// Delay holds the answer back, or until the client gives up, to simulate
	// a slow or hanging API.
	Delay time.Duration
}

// StatusReply is Viber's answer with status code and its documented name as
// status_message.
func StatusReply(code int) Reply {
	return Reply{Status: code, StatusMessage: StatusName(code)}
}

// Replies of the real API that tests commonly need.
var (
	// BadGateway is a load balancer's error page instead of a Viber body.
	BadGateway = Reply{HTTPStatus: http.StatusBadGateway, Header: http.Header{"Content-Type": {"text/html"}},
		Body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"}
	// TooManyRequests is Viber's rate limit answer ("You can send up to 100
	// messages to a user within an hour without receiving a reply").
	TooManyRequests = Reply{Status: 12, StatusMessage: "Too many requests"}
	// GeneralError is Viber's catch-all failure.
	GeneralError = Reply{Status: 99, StatusMessage: "General error"}
)

// statusNames are the documented names of Viber's status codes
// (https://developers.viber.com/docs/api/rest-bot-api/#error-codes).
var statusNames = map[int]string{
	0: "ok", 1: "invalidUrl", 2: "invalidAuthToken", 3: "badData", 4: "missingData",
	5: "receiverNotRegistered", 6: "receiverNotSubscribed", 7: "publicAccountBlocked",
	8: "publicAccountNotFound", 9: "publicAccountSuspended", 10: "webhookNotSet",
	11: "receiverNoSuitableDevice", 12: "tooManyRequests", 13: "apiVersionNotSupported",
	14: "incompatibleWithVersion", 15: "publicAccountNotAuthorized", 16: "inchatReplyMessageNotAllowed",
	17: "publicAccountIsNotInline", 18: "noPublicChat", 19: "cannotSendBroadcast",
	20: "broadcastNotAllowed", 21: "unsupportedCountry", 22: "paymentUnsupported",
	23: "freeMessagesExceeded", 24: "noBalance",
}

// StatusName is the documented name of a Viber status code ("generalError" for
// codes outside the list).
func StatusName(code int) string {
	if n, ok := statusNames[code]; ok {
		return n
	}
	return "generalError"
}

// EventTypes are the callbacks set_webhook can filter; Viber sends message
// callbacks (and the webhook check) whatever the filter says.
var EventTypes = []string{"delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"}

// API is the fake's state and HTTP handler. Serve it with NewServer (httptest)
// or on any http.Server, as the load tool does.
type API struct {
	token string

	mu           sync.Mutex
	account      Account
	webhook      string
	eventTypes   []string
	sendName     bool
	sendPhoto    bool
	checkClient  *http.Client
	requests     []Request
	messages     []Message
	queued       map[string][]Reply
	hook         func(Request) *Reply
	onMessage    func(Message)
	unsubscribed map[string]bool
	unregistered map[string]bool
	users        map[string]User
	lookups      map[string][]time.Time
	next         int64
	now          func() time.Time

	// MediaFetches, once given a client, fetches the media of the messages
	// sent, as Viber does to deliver them (see Fetches).
	fakeapi.MediaFetches
}

// NewAPI returns a fake that accepts token (DefaultToken when empty).
func NewAPI(token string) *API {
	if token == "" {
		token = DefaultToken
	}
	return &API{
		token:        token,
		account:      DefaultAccount,
		queued:       map[string][]Reply{},
		unsubscribed: map[string]bool{},
		unregistered: map[string]bool{},
		users:        map[string]User{},
		lookups:      map[string][]time.Time{},
		next:         firstToken,
		now:          time.Now,
	}
}

// Server is the fake served by httptest: pass its URL to viber.New.
type Server struct {
	*httptest.Server
	*API
}

// NewServer starts a fake that accepts token (DefaultToken when empty). Close it
// when done.
func NewServer(token string) *Server {
	a := NewAPI(token)
	return &Server{Server: httptest.NewServer(a), API: a}
}

// Token is the authentication token the fake accepts.
func (a *API) Token() string { return a.token }

// SetAccount replaces what get_account_info reports.
func (a *API) SetAccount(acct Account) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.account = acct
}

// SetWebhookClient makes set_webhook behave as Viber's does: POST a signed
// {"event":"webhook"} callback to the URL with c and refuse the URL (invalidUrl)
// unless it answers 200. Without a client (the default) the URL is only checked
// to be https, so that unit tests can use addresses nobody serves.
func (a *API) SetWebhookClient(c *http.Client) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.checkClient = c
}

// WebhookConfig is what the last accepted set_webhook asked for.
type WebhookConfig struct {
	// URL is "" when no webhook is set, or it was removed.
	URL                 string
	EventTypes          []string
	SendName, SendPhoto bool
}

// Webhook is the configuration of the last accepted set_webhook.
func (a *API) Webhook() WebhookConfig {
	a.mu.Lock()
	defer a.mu.Unlock()
	return WebhookConfig{URL: a.webhook, EventTypes: append([]string(nil), a.eventTypes...), SendName: a.sendName, SendPhoto: a.sendPhoto}
}

// FailNext queues replies for the next calls to endpoint ("send_message"), one
// call each, in order. They are given before any check of the request.
func (a *API) FailNext(endpoint string, replies ...Reply) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.queued[endpoint] = append(a.queued[endpoint], replies...)
}

// SetHook decides replies by request: a non-nil reply is given instead of the
// fake's own (after queued ones). Pass nil to remove it. The hook is called
// without the fake's lock held, so it may call the fake.
func (a *API) SetHook(hook func(Request) *Reply) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hook = hook
}

// OnMessage calls f with every accepted message, after it is recorded; the load
// tool counts deliveries with it. f must be safe for concurrent use.
func (a *API) OnMessage(f func(Message)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onMessage = f
}

// Unsubscribe makes sends to receivers fail with receiverNotSubscribed (status 6),
// as for a user who blocked the bot.
func (a *API) Unsubscribe(receivers ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range receivers {
		a.unsubscribed[r] = true
	}
}

// Unregister makes sends to receivers fail with receiverNotRegistered (status 5),
// as for a user who left Viber.
func (a *API) Unregister(receivers ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range receivers {
		a.unregistered[r] = true
	}
}

// Requests returns every call received so far, in order.
func (a *API) Requests() []Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Request, len(a.requests))
	for i, r := range a.requests {
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// Messages returns every accepted message so far, in the order accepted.
func (a *API) Messages() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Message(nil), a.messages...)
}

// Reset forgets recorded requests and messages, queued replies, the hook, the
// webhook and the count of user lookups, keeping the token, account and users.
func (a *API) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests, a.messages = nil, nil
	a.queued = map[string][]Reply{}
	a.hook = nil
	a.webhook, a.eventTypes, a.sendName, a.sendPhoto = "", nil, false, false
	a.lookups = map[string][]time.Time{}
}

// answer is one reply of the fake: a Viber body (fields merged into the status
// envelope) or a raw Reply.
type answer struct {
	status int
	msg    string
	fields map[string]any
	raw    *Reply
}

func statusAnswer(code int, msg string) answer {
	if msg == "" {
		msg = StatusName(code)
	}
	return answer{status: code, msg: msg}
}

// ServeHTTP answers one API call.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	endpoint, ok := strings.CutPrefix(r.URL.Path, "/pa/")
	if !ok || endpoint == "" || strings.Contains(endpoint, "/") {
		a.record(Request{Endpoint: strings.TrimPrefix(r.URL.Path, "/"), Method: r.Method, Token: r.Header.Get(AuthHeader), Status: -1})
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4*MaxRequestBytes))
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	req := Request{Endpoint: endpoint, Method: r.Method, Token: r.Header.Get(AuthHeader), ContentType: r.Header.Get("Content-Type"), Body: body}

	if rep := a.injected(req); rep != nil {
		req.Status = rep.Status
		if rep.Body != "" {
			req.Status = -1
		}
		a.record(req)
		a.writeReply(w, r, *rep)
		return
	}

	var ans answer
	switch {
	case r.Method != http.MethodPost:
		req.Status = -1
		a.record(req)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	case req.Token == "":
		ans = statusAnswer(2, "missing_auth_token")
	case req.Token != a.token:
		ans = statusAnswer(2, "")
	case len(body) > MaxRequestBytes:
		ans = statusAnswer(3, "")
	default:
		switch endpoint {
		case "send_message":
			ans = a.sendMessage(body)
		case "get_account_info":
			ans = a.accountInfo(body)
		case "set_webhook":
			ans = a.setWebhook(r.Context(), body)
		case "get_user_details":
			ans = a.userDetails(body)
		default:
			req.Status = -1
			a.record(req)
			http.NotFound(w, r)
			return
		}
	}
	req.Status = ans.status
	a.record(req)
	a.writeAnswer(w, ans)
}

// injected is the queued or hooked reply for req, if any.
func (a *API) injected(req Request) *Reply {
	a.mu.Lock()
	if q := a.queued[req.Endpoint]; len(q) > 0 {
		rep := q[0]
		a.queued[req.Endpoint] = q[1:]
		a.mu.Unlock()
		return &rep
	}
	hook := a.hook
	a.mu.Unlock()
	if hook == nil {
		return nil
	}
	return hook(req)
}

func (a *API) record(req Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, req)
}

func (a *API) writeReply(w http.ResponseWriter, r *http.Request, rep Reply) {
	if rep.Delay > 0 {
		t := time.NewTimer(rep.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	for k, v := range rep.Header {
		w.Header()[k] = v
	}
	if rep.Body == "" {
		a.writeAnswer(w, answer{status: rep.Status, msg: rep.StatusMessage, raw: &rep})
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	code := rep.HTTPStatus
	if code == 0 {
		code = http.StatusOK
	}
	w.WriteHeader(code)
	io.WriteString(w, rep.Body)
}

func (a *API) writeAnswer(w http.ResponseWriter, ans answer) {
	out := map[string]any{}
	for k, v := range ans.fields {
		out[k] = v
	}
	out["status"] = ans.status
	out["status_message"] = ans.msg
	if ans.status == 0 {
		out["status_message"] = "ok"
	}
	b, err := json.Marshal(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	code := http.StatusOK
	if ans.raw != nil && ans.raw.HTTPStatus != 0 {
		code = ans.raw.HTTPStatus
	}
	w.WriteHeader(code)
	w.Write(b)
}

// sendRequest is the body of send_message
// (https://developers.viber.com/docs/api/rest-bot-api/#send-message).
type sendRequest struct {
	Receiver      *string `json:"receiver"`
	MinAPIVersion int     `json:"min_api_version"`
	Sender        *struct {
		Name   string `json:"name"`
		Avatar string `json:"avatar"`
	} `json:"sender"`
	TrackingData string  `json:"tracking_data"`
	Type         string  `json:"type"`
	Text         *string `json:"text"`
	Media        string  `json:"media"`
	Thumbnail    string  `json:"thumbnail"`
	Size         int64   `json:"size"`
	Duration     int64   `json:"duration"`
	FileName     string  `json:"file_name"`
	StickerID    int64   `json:"sticker_id"`
}

func (a *API) sendMessage(body []byte) answer {
	var m sendRequest
	if err := json.Unmarshal(body, &m); err != nil {
		return statusAnswer(3, "")
	}
	text := ""
	if m.Text != nil {
		text = *m.Text
	}
	switch {
	case m.Receiver == nil || *m.Receiver == "":
		return statusAnswer(4, "")
	case m.Sender == nil || m.Sender.Name == "":
		return statusAnswer(4, "")
	case utf16Len(m.Sender.Name) > MaxSenderNameLen:
		return statusAnswer(3, "")
	}
	switch m.Type {
	case "text":
		if text == "" {
			return statusAnswer(4, "")
		}
		if utf16Len(text) > MaxTextLen {
			return statusAnswer(3, "")
		}
	case "picture":
		if m.Media == "" {
			return statusAnswer(4, "")
		}
		if utf16Len(text) > MaxPictureTextLen {
			return statusAnswer(3, "")
		}
	case "video":
		if m.Media == "" || m.Size <= 0 {
			return statusAnswer(4, "")
		}
	case "file":
		if m.Media == "" || m.Size <= 0 || m.FileName == "" {
			return statusAnswer(4, "")
		}
	case "url":
		if m.Media == "" {
			return statusAnswer(4, "")
		}
	case "sticker":
		if m.StickerID == 0 {
			return statusAnswer(4, "")
		}
	case "contact", "location", "rich_media":
	case "":
		return statusAnswer(4, "")
	default:
		return statusAnswer(3, "")
	}
	if (m.Type == "picture" || m.Type == "video" || m.Type == "file" || m.Type == "url") && !absoluteURL(m.Media) {
		return statusAnswer(3, "")
	}
	if m.Type == "picture" || m.Type == "video" || m.Type == "file" {
		// Viber downloads the media to deliver it; a test that gave the fake
		// a media client sees whether the URL works.
		a.FetchMedia(context.Background(), m.Media)
	}

	a.mu.Lock()
	switch {
	case a.unregistered[*m.Receiver]:
		a.mu.Unlock()
		return statusAnswer(5, "")
	case a.unsubscribed[*m.Receiver]:
		a.mu.Unlock()
		return statusAnswer(6, "")
	}
	tok := a.next
	a.next++
	msg := Message{
		Token: tok, Receiver: *m.Receiver, Type: m.Type, Text: text, Media: m.Media, Thumbnail: m.Thumbnail,
		Size: m.Size, Duration: m.Duration, FileName: m.FileName, SenderName: m.Sender.Name,
		SenderAvatar: m.Sender.Avatar, TrackingData: m.TrackingData, MinAPIVersion: m.MinAPIVersion, At: a.now(),
	}
	a.messages = append(a.messages, msg)
	on := a.onMessage
	a.mu.Unlock()
	if on != nil {
		on(msg)
	}
	return answer{fields: map[string]any{
		"message_token": tok, "chat_hostname": "SN-CHAT-05_", "billing_status": 1,
	}}
}

func (a *API) accountInfo(body []byte) answer {
	if len(bytes.TrimSpace(body)) > 0 {
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			return statusAnswer(3, "")
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	acct := a.account
	events := a.eventTypes
	if events == nil {
		events = []string{}
	}
	return answer{fields: map[string]any{
		"id": acct.ID, "name": acct.Name, "uri": acct.URI, "icon": acct.Icon, "background": acct.Background,
		"category": acct.Category, "subcategory": acct.Subcategory,
		"location": map[string]float64{"lon": 0.1, "lat": 0.2}, "country": acct.Country,
		"webhook": a.webhook, "event_types": events, "subscribers_count": acct.SubscribersCount,
		"members": []map[string]string{{"id": "01234567890A=", "name": "my name", "avatar": "http://example.com", "role": "admin"}},
	}}
}

// webhookRequest is the body of set_webhook
// (https://developers.viber.com/docs/api/rest-bot-api/#setting-a-webhook).
type webhookRequest struct {
	URL        *string  `json:"url"`
	EventTypes []string `json:"event_types"`
	SendName   bool     `json:"send_name"`
	SendPhoto  bool     `json:"send_photo"`
}

func (a *API) setWebhook(ctx context.Context, body []byte) answer {
	var req webhookRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return statusAnswer(3, "")
	}
	if req.URL == nil {
		return statusAnswer(4, "")
	}
	if *req.URL == "" { // removing the webhook
		a.mu.Lock()
		a.webhook, a.eventTypes, a.sendName, a.sendPhoto = "", nil, false, false
		a.mu.Unlock()
		return answer{}
	}
	allowed := map[string]bool{}
	for _, e := range EventTypes {
		allowed[e] = true
	}
	for _, e := range req.EventTypes {
		if !allowed[e] {
			return statusAnswer(3, "")
		}
	}
	u, err := url.Parse(*req.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return statusAnswer(1, "")
	}
	a.mu.Lock()
	client := a.checkClient
	a.mu.Unlock()
	if client != nil {
		if msg := a.checkWebhook(ctx, client, *req.URL); msg != "" {
			return statusAnswer(1, msg)
		}
	}
	events := req.EventTypes
	if events == nil {
		events = EventTypes
	}
	a.mu.Lock()
	a.webhook, a.eventTypes = *req.URL, append([]string(nil), events...)
	a.sendName, a.sendPhoto = req.SendName, req.SendPhoto
	a.mu.Unlock()
	return answer{fields: map[string]any{"event_types": events}}
}

// checkWebhook POSTs the signed webhook check as Viber does and says what was
// wrong with the answer ("" when it was 200).
func (a *API) checkWebhook(ctx context.Context, client *http.Client, target string) string {
	a.mu.Lock()
	tok := a.next
	a.next++
	now := a.now()
	a.mu.Unlock()
	req, err := NewCallbackRequest(ctx, target, a.token, WebhookCheck(tok, now))
	if err != nil {
		return "invalidUrl"
	}
	resp, err := client.Do(req)
	if err != nil {
		return "Result[HttpCallbackResult{statusCode=-1}]"
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("Result[HttpCallbackResult{statusCode=%d}]", resp.StatusCode)
	}
	return ""
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// utf16Len counts s in UTF-16 code units, the strictest reading of Viber's
// "characters".
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
