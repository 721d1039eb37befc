package customtest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard/switchboard/providers/fakeapi"
)

// DefaultCode is the confirmation code the fake holds when it is given none.
const DefaultCode = "customtest-shared-secret-0123456789"

// MaxRequestBytes bounds a request the fake reads: a reply carries at most
// 10 MiB of inline data, which base64 and JSON make about 14 MB.
const MaxRequestBytes = 20 << 20

// Request is one request the fake received, recorded whatever it was answered.
type Request struct {
	HTTPMethod string
	// Path is the URL path, which tests may route on (a hook answering one
	// path with a redirect).
	Path   string
	Header http.Header
	Body   []byte
	// VerifyErr is why the request's signature was refused (nil: signed with
	// the fake's code, within the replay window).
	VerifyErr error
	// Type is the body's "type" ("ping", "message"), "" when unreadable;
	// Challenge is a ping's challenge.
	Type      string
	Challenge string
	// Status is the HTTP status answered (-1 when the client gave up first).
	Status int
}

// Message is one reply the fake accepted, once however often it was retried.
type Message struct {
	// ID is the messageId the fake answered, which delivered and read events
	// refer to.
	ID string
	// ReplyID is Switchboard's "id" of the reply; IdempotencyKey its header.
	ReplyID        string
	IdempotencyKey string
	// Recipient is recipient.id, the user the reply is for.
	Recipient   string
	Text        string
	Attachments []Attachment
	At          time.Time
}

// Attachment is one of a reply's message.attachments.
type Attachment struct {
	Type string
	// URL or Data (decoded from base64) carries the file.
	URL      string
	Data     []byte
	MimeType string
	FileName string
}

// Reply is an answer the fake gives instead of its own. With only Delay set,
// the fake answers as usual after the delay.
type Reply struct {
	// Status is the HTTP status (0: 200).
	Status int
	// JSON is encoded as the body when Body is empty; with neither, the body
	// is empty.
	JSON any
	Body string
	// Header is added to the answer (Retry-After, Location, Content-Type).
	Header http.Header
	// Unsigned sends no signature headers. Otherwise the answer is signed
	// with SignWith (the fake's code when empty) at SignedAt (its clock when
	// zero), as the contract asks of every answer.
	Unsigned bool
	SignWith string
	SignedAt time.Time
	// Delay holds the answer back, or until the client gives up, to play a
	// slow or hanging messenger.
	Delay time.Duration
}

// Messenger is the fake's state and HTTP handler. Serve it with NewServer
// (httptest) or on any http.Server, as the load tool does.
type Messenger struct {
	code string

	mu sync.Mutex
	// faults are the requests received and the answers tests inject; the
	// endpoint name is the request's type.
	faults    fakeapi.Faults[Request, Reply]
	logging   bool
	now       func() time.Time
	byKey     map[string]string
	next      int64
	messages  []Message
	onMessage func(Message)
	refused   int
}

// NewMessenger returns a fake holding the confirmation code (DefaultCode when
// empty).
func NewMessenger(code string) *Messenger {
	if code == "" {
		code = DefaultCode
	}
	return &Messenger{code: code, logging: true, now: time.Now, byKey: map[string]string{}}
}

// Server is the fake served by httptest: its URL, with any path, is an
// account's webhookUrl.
type Server struct {
	*httptest.Server
	*Messenger
}

// NewServer starts a fake holding code (DefaultCode when empty). Close it when
// done.
func NewServer(code string) *Server {
	m := NewMessenger(code)
	return &Server{Server: httptest.NewServer(m), Messenger: m}
}

// Code is the confirmation code the fake holds.
func (m *Messenger) Code() string { return m.code }

// SetClock replaces the clock that checks and makes signatures, for tests on
// a fixed time.
func (m *Messenger) SetClock(now func() time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = now
}

// SetLogging turns the log of requests and messages on (the default) or off;
// the load tool turns it off so the fake's memory stays flat. OnMessage still
// sees every message.
func (m *Messenger) SetLogging(on bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.logging = on
}

// FailNext queues replies for the next requests of type typ ("ping",
// "message"), one each, in order. They are given before any check of the
// request, its signature included.
func (m *Messenger) FailNext(typ string, replies ...Reply) {
	m.faults.Queue(typ, replies...)
}

// SetHook decides replies by request: a non-nil reply is given instead of the
// fake's own (after queued ones). Pass nil to remove it. The hook is called
// without the fake's lock held; Request.Status is not yet known when it runs.
func (m *Messenger) SetHook(hook func(Request) *Reply) {
	m.faults.SetHook(hook)
}

// OnMessage calls f with every reply accepted for the first time, after it is
// recorded; the load tool counts deliveries with it. f must be safe for
// concurrent use.
func (m *Messenger) OnMessage(f func(Message)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onMessage = f
}

// Requests returns every request received so far, in the order answered.
func (m *Messenger) Requests() []Request {
	return m.faults.Requests(func(r Request) Request {
		r.Header = r.Header.Clone()
		r.Body = bytes.Clone(r.Body)
		return r
	})
}

// Messages returns every reply accepted so far, in order, each once.
func (m *Messenger) Messages() []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Message, len(m.messages))
	for i, msg := range m.messages {
		msg.Attachments = cloneAttachments(msg.Attachments)
		out[i] = msg
	}
	return out
}

// Refused is how many requests the fake refused because their signature did
// not verify; it counts even when logging is off.
func (m *Messenger) Refused() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.refused
}

// Reset forgets recorded requests and messages, the refusals, queued replies,
// the hook and the replies seen, keeping the code and clock.
func (m *Messenger) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.messages, m.refused = nil, 0
	m.byKey = map[string]string{}
	m.faults.Reset()
}

// inbound is the body of Switchboard's requests: a ping or a reply.
type inbound struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	Challenge string `json:"challenge"`
	Recipient *struct {
		ID string `json:"id"`
	} `json:"recipient"`
	Message *struct {
		Text        string `json:"text"`
		Attachments []struct {
			Type     string `json:"type"`
			URL      string `json:"url"`
			Data     []byte `json:"data"`
			MimeType string `json:"mimeType"`
			FileName string `json:"fileName"`
		} `json:"attachments"`
	} `json:"message"`
}

// ServeHTTP answers one request from Switchboard.
func (m *Messenger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := Request{HTTPMethod: r.Method, Path: r.URL.Path, Header: r.Header}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBytes+1))
	if err != nil {
		req.Status = -1
		m.record(&req)
		return
	}
	req.Body = body
	m.mu.Lock()
	now := m.now()
	m.mu.Unlock()
	req.VerifyErr = Verify(m.code, r.Header, body, now)
	var in inbound
	parseErr := json.Unmarshal(body, &in)
	req.Type, req.Challenge = in.Type, in.Challenge

	if rep := m.faults.Injected(req.Type, req); rep != nil {
		if !fakeapi.Hold(r.Context(), rep.Delay) {
			req.Status = -1
			m.record(&req)
			return
		}
		if !delayOnly(*rep) {
			m.write(w, &req, *rep, now)
			return
		}
	}
	switch {
	case r.Method != http.MethodPost:
		m.write(w, &req, unsignedError(http.StatusMethodNotAllowed, "POST only"), now)
	case len(body) > MaxRequestBytes:
		m.write(w, &req, unsignedError(http.StatusRequestEntityTooLarge, "request too large"), now)
	case req.VerifyErr != nil:
		m.mu.Lock()
		m.refused++
		m.mu.Unlock()
		m.write(w, &req, unsignedError(http.StatusUnauthorized, "bad signature"), now)
	case parseErr != nil:
		m.write(w, &req, unsignedError(http.StatusBadRequest, "invalid JSON"), now)
	case in.Type == "ping":
		if in.Challenge == "" {
			m.write(w, &req, unsignedError(http.StatusBadRequest, "ping without a challenge"), now)
			return
		}
		m.write(w, &req, Reply{JSON: map[string]string{"challenge": in.Challenge}}, now)
	case in.Type == "message":
		m.write(w, &req, m.accept(r, in, now), now)
	default:
		m.write(w, &req, unsignedError(http.StatusBadRequest, "unknown type "+strconv.Quote(in.Type)), now)
	}
}

// accept takes a reply, once per Idempotency-Key, and answers its messageId.
func (m *Messenger) accept(r *http.Request, in inbound, now time.Time) Reply {
	switch {
	case in.Recipient == nil || in.Recipient.ID == "":
		return unsignedError(http.StatusBadRequest, "recipient.id is required")
	case in.Message == nil || in.Message.Text == "" && len(in.Message.Attachments) == 0:
		return unsignedError(http.StatusBadRequest, "message needs text or attachments")
	}
	msg := Message{
		ReplyID: in.ID, IdempotencyKey: r.Header.Get("Idempotency-Key"), Recipient: in.Recipient.ID,
		Text: in.Message.Text, At: now,
	}
	for i, a := range in.Message.Attachments {
		if a.Type == "" || (a.URL == "") == (len(a.Data) == 0) {
			return unsignedError(http.StatusBadRequest, "message.attachments["+strconv.Itoa(i)+"] needs a type and either url or data")
		}
		msg.Attachments = append(msg.Attachments, Attachment{Type: a.Type, URL: a.URL, Data: a.Data, MimeType: a.MimeType, FileName: a.FileName})
	}
	m.mu.Lock()
	if id, seen := m.byKey[msg.IdempotencyKey]; seen && msg.IdempotencyKey != "" {
		m.mu.Unlock()
		return Reply{JSON: map[string]string{"messageId": id}}
	}
	m.next++
	msg.ID = "out-" + strconv.FormatInt(m.next, 10)
	if msg.IdempotencyKey != "" {
		m.byKey[msg.IdempotencyKey] = msg.ID
	}
	if m.logging {
		m.messages = append(m.messages, msg)
	}
	on := m.onMessage
	m.mu.Unlock()
	if on != nil {
		on(msg)
	}
	return Reply{JSON: map[string]string{"messageId": msg.ID}}
}

// unsignedError is an error answer: the contract lets them go unsigned.
func unsignedError(status int, msg string) Reply {
	return Reply{Status: status, JSON: map[string]string{"error": msg}, Unsigned: true}
}

// delayOnly says whether rep only slows the fake's own answer down.
func delayOnly(rep Reply) bool {
	return rep.Status == 0 && rep.JSON == nil && rep.Body == "" && rep.Header == nil &&
		!rep.Unsigned && rep.SignWith == "" && rep.SignedAt.IsZero()
}

// write sends rep, signed unless it says otherwise, and records req.
func (m *Messenger) write(w http.ResponseWriter, req *Request, rep Reply, now time.Time) {
	body := []byte(rep.Body)
	if rep.Body == "" && rep.JSON != nil {
		b, err := json.Marshal(rep.JSON)
		if err != nil {
			rep = unsignedError(http.StatusInternalServerError, "customtest: encode answer: "+err.Error())
			b, _ = json.Marshal(rep.JSON)
		}
		body = b
	}
	maps.Copy(w.Header(), rep.Header)
	if len(body) > 0 && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	if !rep.Unsigned {
		code, at := m.code, now
		if rep.SignWith != "" {
			code = rep.SignWith
		}
		if !rep.SignedAt.IsZero() {
			at = rep.SignedAt
		}
		SignHeaders(w.Header(), code, at, body)
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	req.Status = status
	m.record(req)
	w.WriteHeader(status)
	if len(body) > 0 && status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified {
		w.Write(body)
	}
}

// record logs req unless logging is off, with a copy of its header.
func (m *Messenger) record(req *Request) {
	m.mu.Lock()
	on := m.logging
	m.mu.Unlock()
	if on {
		r := *req
		r.Header = r.Header.Clone()
		m.faults.Record(r)
	}
}

func cloneAttachments(in []Attachment) []Attachment {
	if in == nil {
		return nil
	}
	out := make([]Attachment, len(in))
	for i, a := range in {
		a.Data = bytes.Clone(a.Data)
		out[i] = a
	}
	return out
}
