// Package twiliotest is a fake of Twilio's REST API (https://api.twilio.com,
// API version 2010-04-01) as a WhatsApp sender uses it, and a signer of
// Twilio's webhooks, shared by the provider's unit tests, the server's
// end-to-end tests, the crash test and the load tool, so that one fix to its
// realism fixes every one of them.
//
// The fake checks what the real API checks: HTTP Basic authentication with the
// Account SID and Auth Token (401 with error 20003 otherwise), the path and
// method, and the form fields of a message (To, From, Body of at most 1600
// characters, one MediaUrl per WhatsApp message, StatusCallback). It answers
// with Twilio's documented JSON: the Message and Account resources on success,
// {"code","message","more_info","status"} on failure. It hosts inbound media the
// way Twilio does: the media URL answers the account's credentials with a
// redirect to a short-lived URL on a CDN path that needs none. Failures can be
// queued or decided by a hook; every request and every accepted message is
// recorded; status callbacks about a sent message are built signed, ready to
// post to the provider. All methods are safe for concurrent use.
//
// The package imports nothing from the provider, so that the provider's tests
// can use it and its signer is an independent implementation of Twilio's.
package twiliotest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/switchboard/switchboard/providers/fakeapi"
)

// Credentials the fake accepts when it is given none. They have the shape of
// real ones (AC and 32 hex digits; 32 hex digits), so that a test checking that
// no error shows the Auth Token is meaningful.
const (
	DefaultAccountSID = "ACf2c8a7d1e4b3964c0a5d8e7f6b1c2d3e"
	DefaultAuthToken  = "8c4f1e2d9b7a6053f1e8d2c4b6a90715"
)

// SandboxNumber is the number of Twilio's WhatsApp Sandbox, the sender every
// account can use for tests; the fake accepts it as a sender by default.
const SandboxNumber = "+14155238886"

// APIVersion is the only REST API version the fake serves.
const APIVersion = "2010-04-01"

// MaxBodyLen is the longest Body Twilio accepts, in characters (counted here as
// UTF-16 code units, the strictest reading): error 21617 beyond it.
const MaxBodyLen = 1600

// Account is what the Account resource reports.
type Account struct {
	FriendlyName string
	// Status is "active", "suspended" or "closed".
	Status string
	// Type is "Trial" or "Full".
	Type string
}

// DefaultAccount is a new account as Twilio names it.
var DefaultAccount = Account{FriendlyName: "My first Twilio account", Status: "active", Type: "Full"}

// The endpoints the fake serves, as Request.Endpoint names them and FailNext
// takes them.
const (
	EndpointMessages = "Messages" // POST /2010-04-01/Accounts/{sid}/Messages.json
	EndpointAccount  = "Account"  // GET /2010-04-01/Accounts/{sid}.json
	EndpointMedia    = "Media"    // GET /2010-04-01/Accounts/{sid}/Messages/{MM}/Media/{ME}
	EndpointCDN      = "CDN"      // GET /cdn/{token}: where Media redirects
	// EndpointPhoneNumbers lists the account's phone numbers, filtered by
	// the PhoneNumber query parameter:
	// GET /2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json.
	EndpointPhoneNumbers = "IncomingPhoneNumbers"
)

// Request is one call the fake received, recorded whatever it was answered.
type Request struct {
	// Endpoint is one of the Endpoint constants, or "" for a path the fake
	// does not serve.
	Endpoint string
	Method   string
	Path     string
	// User is the Basic authentication user name ("" without Basic auth);
	// Authorized says whether user and password were the account's.
	User        string
	Authorized  bool
	ContentType string
	// Form is the parsed form body of a POST, or the query of a GET.
	Form url.Values
	// HTTPStatus and Code are what the fake answered (Code 0 on success).
	HTTPStatus int
	Code       int
}

// Message is one message the fake accepted, as Twilio would send it.
type Message struct {
	// SID is the "SM..." (text) or "MM..." (media) SID answered.
	SID            string
	From, To       string
	Body           string
	MediaURLs      []string
	StatusCallback string
	// Status is the last status: "queued" when accepted, then what status
	// callbacks reported.
	Status string
	// ErrorCode is why delivery failed (63016 for a recipient whose window
	// is closed), 0 otherwise.
	ErrorCode int
	At        time.Time
}

// Reply is an answer the fake gives instead of its own, to simulate failures.
type Reply struct {
	// HTTPStatus is the HTTP status (400 when 0 and Code is set, 200 when
	// both are 0).
	HTTPStatus int
	// Code and Message make Twilio's error body when Body is empty.
	Code    int
	Message string
	// Body, when set, is sent as is (an HTML error page, broken JSON).
	Body   string
	Header http.Header
	// Delay holds the answer back, or until the client gives up.
	Delay time.Duration
}

// ErrorReply is Twilio's error answer with the given HTTP status, error code
// and message.
func ErrorReply(httpStatus, code int, message string) Reply {
	return Reply{HTTPStatus: httpStatus, Code: code, Message: message}
}

// Replies of the real API that tests commonly need.
var (
	// TooManyRequests is the API's rate limit answer.
	TooManyRequests = Reply{HTTPStatus: http.StatusTooManyRequests, Code: 20429, Message: "Too Many Requests",
		Header: http.Header{"Retry-After": {"2"}}}
	// ServiceUnavailable is a transient failure of Twilio.
	ServiceUnavailable = Reply{HTTPStatus: http.StatusServiceUnavailable, Code: 20503, Message: "Service unavailable"}
	// BadGateway is a load balancer's page instead of a Twilio body.
	BadGateway = Reply{HTTPStatus: http.StatusBadGateway, Header: http.Header{"Content-Type": {"text/html"}},
		Body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"}
	// OutsideWindow is WhatsApp's refusal of a free-form message more than 24
	// hours after the customer last wrote (Twilio mostly reports it in a
	// status callback; some senders get it at once).
	OutsideWindow = Reply{HTTPStatus: http.StatusBadRequest, Code: 63016,
		Message: "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template."}
)

// API is the fake's state and HTTP handler. Serve it with NewServer (httptest)
// or on any http.Server, as the load tool does, after SetBaseURL.
type API struct {
	sid, token string

	mu       sync.Mutex
	baseURL  string
	account  Account
	senders  map[string]bool
	numbers  map[string]string // E.164 → friendly name of the account's phone numbers
	closed   map[string]bool
	messages []Message
	// faults are the requests received and the answers tests inject.
	faults    fakeapi.Faults[Request, Reply]
	onMessage func(Message)
	media     map[string]mediaFile
	cdn       map[string]string
	mediaAuth bool
	// forwardFrom and forwardTo redirect the webhooks the fake builds.
	forwardFrom, forwardTo string
	next                   int64
	now                    func() time.Time
}

// NewAPI returns a fake for the account accountSID with authToken
// (DefaultAccountSID and DefaultAuthToken when empty), whose WhatsApp sender is
// SandboxNumber and whose media need the account's credentials.
func NewAPI(accountSID, authToken string) *API {
	if accountSID == "" {
		accountSID = DefaultAccountSID
	}
	if authToken == "" {
		authToken = DefaultAuthToken
	}
	return &API{
		sid:       accountSID,
		token:     authToken,
		account:   DefaultAccount,
		senders:   map[string]bool{SandboxNumber: true},
		numbers:   map[string]string{},
		closed:    map[string]bool{},
		media:     map[string]mediaFile{},
		cdn:       map[string]string{},
		mediaAuth: true,
		next:      1,
		now:       time.Now,
	}
}

// Server is the fake served by httptest: use its URL as the account's apiUrl.
type Server struct {
	*httptest.Server
	*API
}

// NewServer starts a fake for accountSID and authToken (the defaults when
// empty). Close it when done.
func NewServer(accountSID, authToken string) *Server {
	a := NewAPI(accountSID, authToken)
	s := &Server{Server: httptest.NewServer(a), API: a}
	a.SetBaseURL(s.URL)
	return s
}

// AccountSID is the Account SID the fake accepts.
func (a *API) AccountSID() string { return a.sid }

// AuthToken is the Auth Token the fake accepts.
func (a *API) AuthToken() string { return a.token }

// SetBaseURL tells the fake where it is served, for the absolute URLs it
// hands out (media, redirects, resource URIs are relative).
func (a *API) SetBaseURL(u string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.baseURL = strings.TrimRight(u, "/")
}

// SetAccount replaces what the Account resource reports.
func (a *API) SetAccount(acct Account) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.account = acct
}

// AddSender makes numbers (E.164) WhatsApp senders of the account, which
// From=whatsapp:<number> may name; others are refused with error 63007.
func (a *API) AddSender(numbers ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range numbers {
		a.senders[n] = true
	}
}

// AddPhoneNumber makes number (E.164) a phone number of the account, as
// IncomingPhoneNumbers lists it, with its friendly name (Twilio's default is
// the number formatted for people), and a WhatsApp sender.
func (a *API) AddPhoneNumber(number, friendlyName string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.numbers[number] = friendlyName
	a.senders[number] = true
}

// CloseWindow makes messages to numbers (E.164) fail as WhatsApp fails a
// free-form message outside the 24-hour window: Twilio accepts them (201,
// queued) and they end failed with error 63016, which the status callback
// reports.
func (a *API) CloseWindow(numbers ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range numbers {
		a.closed[n] = true
	}
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
		r.Form = cloneValues(r.Form)
		return r
	})
}

// Messages returns every accepted message so far, in the order accepted.
func (a *API) Messages() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Message, len(a.messages))
	for i, m := range a.messages {
		m.MediaURLs = append([]string(nil), m.MediaURLs...)
		out[i] = m
	}
	return out
}

// Message returns the accepted message sid.
func (a *API) Message(sid string) (Message, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.messages {
		if m.SID == sid {
			m.MediaURLs = append([]string(nil), m.MediaURLs...)
			return m, true
		}
	}
	return Message{}, false
}

// Reset forgets recorded requests and messages, queued replies and the hook,
// keeping the credentials, account, senders, closed windows and media.
func (a *API) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.messages = nil
	a.faults.Reset()
}

// NewSID is a SID of the given two-letter prefix ("SM", "MM", "ME") with the
// serial n in its 32 hex digits: the shape of Twilio's SIDs, and stable
// across runs.
func NewSID(prefix string, n int64) string {
	return fmt.Sprintf("%s%032x", prefix, n)
}

// nextSID hands out a fresh SID; a.mu must be held.
func (a *API) nextSID(prefix string) string {
	n := a.next
	a.next++
	return NewSID(prefix, n)
}

// ServeHTTP answers one API call.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	endpoint, pathSID, mediaSID := route(r.URL.Path)
	user, pass, hasAuth := r.BasicAuth()
	req := Request{
		Endpoint: endpoint, Method: r.Method, Path: r.URL.Path, User: user,
		Authorized:  hasAuth && user == a.sid && pass == a.token,
		ContentType: r.Header.Get("Content-Type"),
	}
	if r.Method == http.MethodPost {
		req.Form, _ = url.ParseQuery(string(body))
	} else {
		req.Form = r.URL.Query()
	}

	if rep := a.injected(req); rep != nil {
		a.writeReply(w, r, &req, *rep)
		return
	}
	switch {
	case endpoint == "":
		a.writeError(w, &req, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	case endpoint == EndpointCDN:
		a.serveCDN(w, r, &req)
	case endpoint == EndpointMedia && !hasAuth && !a.mediaNeedsAuth():
		a.serveMedia(w, r, &req, pathSID, mediaSID)
	case !req.Authorized || pathSID != a.sid:
		// Twilio answers a request for another account as one without
		// valid credentials.
		a.writeError(w, &req, http.StatusUnauthorized, 20003, "Authenticate")
	case endpoint == EndpointMessages && r.Method == http.MethodPost:
		a.createMessage(w, &req)
	case endpoint == EndpointAccount && r.Method == http.MethodGet:
		a.fetchAccount(w, &req)
	case endpoint == EndpointPhoneNumbers && r.Method == http.MethodGet:
		a.listPhoneNumbers(w, &req)
	case endpoint == EndpointMedia && r.Method == http.MethodGet:
		a.serveMedia(w, r, &req, pathSID, mediaSID)
	default:
		a.writeError(w, &req, http.StatusMethodNotAllowed, 20004, "Method not allowed")
	}
}

var mediaPath = regexp.MustCompile(`^([^/]+)/Messages/((?:SM|MM)[0-9a-fA-F]{32})/Media/(ME[0-9a-fA-F]{32})$`)

// route names the endpoint of path, with the account SID and media SID it
// names.
func route(path string) (endpoint, sid, media string) {
	if tok, ok := strings.CutPrefix(path, "/cdn/"); ok && tok != "" && !strings.Contains(tok, "/") {
		return EndpointCDN, "", tok
	}
	rest, ok := strings.CutPrefix(path, "/"+APIVersion+"/Accounts/")
	if !ok {
		return "", "", ""
	}
	if s, ok := strings.CutSuffix(rest, "/Messages.json"); ok && !strings.Contains(s, "/") {
		return EndpointMessages, s, ""
	}
	if s, ok := strings.CutSuffix(rest, "/IncomingPhoneNumbers.json"); ok && !strings.Contains(s, "/") {
		return EndpointPhoneNumbers, s, ""
	}
	if s, ok := strings.CutSuffix(rest, ".json"); ok && !strings.Contains(s, "/") {
		return EndpointAccount, s, ""
	}
	if m := mediaPath.FindStringSubmatch(rest); m != nil {
		return EndpointMedia, m[1], m[3]
	}
	return "", "", ""
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
	if code == 0 && rep.Code != 0 {
		code = http.StatusBadRequest
	}
	if code == 0 {
		code = http.StatusOK
	}
	if rep.Body != "" {
		req.HTTPStatus = code
		a.record(req)
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(code)
		io.WriteString(w, rep.Body)
		return
	}
	a.writeError(w, req, code, rep.Code, rep.Message)
}

// errorBody is Twilio's error answer
// (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions).
type errorBody struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func (a *API) writeError(w http.ResponseWriter, req *Request, status, code int, message string) {
	req.HTTPStatus, req.Code = status, code
	a.record(req)
	b, _ := json.Marshal(errorBody{Code: code, Message: message, MoreInfo: "https://www.twilio.com/docs/errors/" + strconv.Itoa(code), Status: status})
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
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

// e164 is a phone number as Twilio's WhatsApp addresses carry it.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// createMessage is POST Messages.json
// (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource).
func (a *API) createMessage(w http.ResponseWriter, req *Request) {
	f := req.Form
	to, from, body := f.Get("To"), f.Get("From"), f.Get("Body")
	mediaURLs := f["MediaUrl"]
	toNum, toWA := strings.CutPrefix(to, "whatsapp:")
	fromNum, fromWA := strings.CutPrefix(from, "whatsapp:")
	switch {
	case !strings.HasPrefix(req.ContentType, "application/x-www-form-urlencoded"):
		a.writeError(w, req, http.StatusBadRequest, 21619, "Unable to create record")
		return
	case to == "":
		a.writeError(w, req, http.StatusBadRequest, 21604, "The destination 'To' phone number is required to send an SMS")
		return
	case from == "" && f.Get("MessagingServiceSid") == "":
		a.writeError(w, req, http.StatusBadRequest, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message")
		return
	case body == "" && len(mediaURLs) == 0 && f.Get("ContentSid") == "":
		a.writeError(w, req, http.StatusBadRequest, 21602, "Message body is required")
		return
	case utf16Len(body) > MaxBodyLen:
		a.writeError(w, req, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit")
		return
	case from == "":
		a.writeError(w, req, http.StatusBadRequest, 21703, "The Messaging Service does not have a phone number available to send a message")
		return
	case !fromWA:
		a.writeError(w, req, http.StatusBadRequest, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination.")
		return
	case !toWA:
		a.writeError(w, req, http.StatusBadRequest, 21910, "Invalid From and To pair. From and To should be of the same channel.")
		return
	case !a.isSender(fromNum):
		a.writeError(w, req, http.StatusBadRequest, 63007, "Twilio could not find a Channel with the specified From address")
		return
	case !e164.MatchString(toNum):
		a.writeError(w, req, http.StatusBadRequest, 21211, "Invalid 'To' Phone Number: "+to)
		return
	case len(mediaURLs) > 1:
		a.writeError(w, req, http.StatusBadRequest, 21623, "Number of media files exceeds allowed limit")
		return
	}
	for _, m := range mediaURLs {
		if !absoluteURL(m) {
			a.writeError(w, req, http.StatusBadRequest, 21620, "Invalid media URL(s)")
			return
		}
	}
	cb := f.Get("StatusCallback")
	if cb != "" && !absoluteURL(cb) {
		a.writeError(w, req, http.StatusBadRequest, 21609, "Invalid 'StatusCallback'")
		return
	}

	a.mu.Lock()
	prefix := "SM"
	if len(mediaURLs) > 0 {
		prefix = "MM"
	}
	m := Message{
		SID: a.nextSID(prefix), From: from, To: to, Body: body, MediaURLs: append([]string(nil), mediaURLs...),
		StatusCallback: cb, Status: "queued", At: a.now().UTC(),
	}
	if a.closed[toNum] {
		m.ErrorCode = 63016
	}
	a.messages = append(a.messages, m)
	on := a.onMessage
	acct := a.sid
	a.mu.Unlock()
	if on != nil {
		on(m)
	}
	uri := "/" + APIVersion + "/Accounts/" + acct + "/Messages/" + m.SID
	date := m.At.Format(time.RFC1123Z)
	a.writeJSON(w, req, http.StatusCreated, map[string]any{
		"account_sid": acct, "api_version": APIVersion, "body": body,
		"date_created": date, "date_sent": nil, "date_updated": date,
		"direction": "outbound-api", "error_code": nil, "error_message": nil,
		"from": from, "messaging_service_sid": nil,
		"num_media": strconv.Itoa(len(mediaURLs)), "num_segments": "1",
		"price": nil, "price_unit": nil, "sid": m.SID, "status": "queued", "to": to,
		"subresource_uris": map[string]string{"media": uri + "/Media.json"},
		"uri":              uri + ".json",
	})
}

func (a *API) isSender(number string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.senders[number]
}

// fetchAccount is GET Accounts/{sid}.json
// (https://www.twilio.com/docs/iam/api/account#fetch-an-account-resource). Like
// Twilio's, the answer carries the account's auth_token, which a client must
// never show.
func (a *API) fetchAccount(w http.ResponseWriter, req *Request) {
	a.mu.Lock()
	acct := a.account
	a.mu.Unlock()
	uri := "/" + APIVersion + "/Accounts/" + a.sid
	a.writeJSON(w, req, http.StatusOK, map[string]any{
		"auth_token":        a.token,
		"date_created":      "Thu, 15 Feb 2024 10:20:30 +0000",
		"date_updated":      "Thu, 15 Feb 2024 10:20:30 +0000",
		"friendly_name":     acct.FriendlyName,
		"owner_account_sid": a.sid,
		"sid":               a.sid,
		"status":            acct.Status,
		"subresource_uris": map[string]string{
			"messages":               uri + "/Messages.json",
			"incoming_phone_numbers": uri + "/IncomingPhoneNumbers.json",
			"balance":                uri + "/Balance.json",
		},
		"type": acct.Type,
		"uri":  uri + ".json",
	})
}

// listPhoneNumbers answers the IncomingPhoneNumbers list
// (https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource#read-multiple-incomingphonenumber-resources):
// one page of the account's numbers, only the one named by PhoneNumber when
// it is given (exactly, in E.164).
func (a *API) listPhoneNumbers(w http.ResponseWriter, req *Request) {
	want := req.Form.Get("PhoneNumber")
	a.mu.Lock()
	list := []map[string]any{}
	for n, name := range a.numbers {
		if want != "" && n != want {
			continue
		}
		sid := NewSID("PN", int64(len(list)+1))
		list = append(list, map[string]any{
			"account_sid": a.sid, "sid": sid, "phone_number": n, "friendly_name": name,
			"capabilities": map[string]bool{"sms": true, "mms": true, "voice": true, "fax": false},
			"status":       "in-use", "api_version": APIVersion,
			"uri": "/" + APIVersion + "/Accounts/" + a.sid + "/IncomingPhoneNumbers/" + sid + ".json",
		})
	}
	a.mu.Unlock()
	uri := "/" + APIVersion + "/Accounts/" + a.sid + "/IncomingPhoneNumbers.json"
	a.writeJSON(w, req, http.StatusOK, map[string]any{
		"incoming_phone_numbers": list,
		"page":                   0, "page_size": 50, "start": 0, "end": len(list),
		"first_page_uri": uri + "?PageSize=50&Page=0", "next_page_uri": nil, "previous_page_uri": nil,
		"uri": uri + "?PageSize=50&Page=0",
	})
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// utf16Len counts s in UTF-16 code units, the strictest reading of Twilio's
// "characters".
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

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
