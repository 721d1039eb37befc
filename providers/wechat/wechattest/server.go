// Package wechattest is a fake of WeChat's Official Account API for tests and
// load runs: one place that knows what WeChat checks and answers, used by the
// provider's unit tests, the server's end-to-end tests, the crash test and
// the load tool. It also builds what WeChat sends to a server URL: signed (and
// in safe mode encrypted) message pushes and the console's URL check.
//
// A Server runs two listeners with the same API, as WeChat serves accounts
// from two hosts: URL stands for https://api.weixin.qq.com (China) and
// InternationalURL for https://api.wechat.com; requests record which one they
// reached. Requests are checked the way WeChat checks them (method, path,
// access_token present, known, not expired; the body's shape, WeChat's limits
// and its refusal of \u escapes in JSON) and answered with WeChat's bodies:
// JSON with errcode and errmsg (and a rid) on HTTP 200. Access tokens expire
// on the fake's clock, which tests can advance; stable_token behaves as
// WeChat documents its normal mode. Customer service messages are recorded,
// the 48-hour reply window is enforced, and failures can be injected per
// endpoint. A Server is safe for concurrent use.
package wechattest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The default account every new Server knows. The AppID looks like WeChat's
// (wx and 16 hex digits), the AppSecret like one (32 hex digits), the server
// token and EncodingAESKey like what an admin enters in the console, so that
// tests can check that none of them leaks.
const (
	AppID       = "wx8f3a1c5e9b2d7046"
	AppSecret   = "c3f9a2e17b5d4086e1f2a3b4c5d6e7f8"
	ServerToken = "Sw1tchb0ardT0kenQ7"
	AESKey      = "kQ7rT2wX9zB4nM6pL1sV8cF3hJ5dG0aY2eU7iO9tR4y"
	OriginalID  = "gh_7c3e9a1f5b2d"
	// OpenID is a follower of the default account who has just written to
	// it, so replies to them are within the 48-hour window.
	OpenID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
)

// TokenTTL is how long tokens last unless SetTokenTTL says otherwise, as
// WeChat's do.
const TokenTTL = 7200 * time.Second

// stableRenewal is how long before expiry stable_token's normal mode hands
// out a new token.
const stableRenewal = 5 * time.Minute

// ReplyWindow is how long after a user's last interaction customer service
// messages to them are accepted.
const ReplyWindow = 48 * time.Hour

// Endpoint names one API operation of the fake, for injecting faults.
type Endpoint string

// The endpoints the fake serves.
const (
	EndpointStableToken Endpoint = "POST /cgi-bin/stable_token"
	EndpointToken       Endpoint = "GET /cgi-bin/token"
	EndpointCustomSend  Endpoint = "POST /cgi-bin/message/custom/send"
	EndpointMediaUpload Endpoint = "POST /cgi-bin/media/upload"
	EndpointMediaGet    Endpoint = "GET /cgi-bin/media/get"
	EndpointUserInfo    Endpoint = "GET /cgi-bin/user/info"
	EndpointAPIDomainIP Endpoint = "GET /cgi-bin/get_api_domain_ip"
	EndpointCallbackIP  Endpoint = "GET /cgi-bin/getcallbackip"
	// EndpointVideo serves a video's download URL (media/get's video_url),
	// which needs no token.
	EndpointVideo Endpoint = "GET /video/{id}"
)

// The hosts a request can reach.
const (
	HostChina         = "china"
	HostInternational = "international"
)

// App is an Official Account the fake knows, found by its AppID.
type App struct {
	AppID  string
	Secret string
	// IPNotWhitelisted makes token requests fail with 40164, as from a server
	// whose address is not on the account's API IP whitelist.
	IPNotWhitelisted bool
	// NeedsIPConfirmation makes token requests fail with 89503, as when
	// WeChat asks the administrator to confirm a new caller.
	NeedsIPConfirmation bool
	// SecretFrozen makes token requests fail with 40243.
	SecretFrozen bool
}

// User is a WeChat user as the default account (or another) sees them.
type User struct {
	OpenID string
	// AppID is the account the user follows; empty is the default account.
	AppID string
	// Nickname and HeadImgURL are empty by default, as WeChat no longer gives
	// them (since 2021); Remark is what staff named the user.
	Nickname   string
	HeadImgURL string
	Remark     string
	UnionID    string
	// Unsubscribed users have unfollowed the account.
	Unsubscribed  bool
	SubscribeTime time.Time
	// LastInteraction is when the user last wrote, clicked a menu or
	// followed; replies are accepted for ReplyWindow after it.
	LastInteraction time.Time
}

// Media is a temporary media file: one uploaded for sending, or one a
// customer sent (AddMedia), served by media/get.
type Media struct {
	ID          string
	AppID       string
	Type        string // image, voice, video or thumb
	FileName    string
	ContentType string
	Data        []byte
	CreatedAt   time.Time
}

// Message is a customer service message the fake accepted.
type Message struct {
	AppID   string
	ToUser  string
	MsgType string
	// Text is a text message's content; MediaID the media of others, whose
	// upload is Media.
	Text    string
	MediaID string
	Media   *Media
	Raw     json.RawMessage
	At      time.Time
}

// Request is one request the fake received, as received.
type Request struct {
	// Host is HostChina or HostInternational.
	Host   string
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Status and Errcode are what the fake answered (Errcode 0 for success
	// and non-JSON answers).
	Status  int
	Errcode int
}

// issued is an access token the fake gave out.
type issued struct {
	app     string
	expires time.Time
	revoked bool
}

// Server is the fake. Its zero value is not usable: call New.
type Server struct {
	// URL stands for https://api.weixin.qq.com, InternationalURL for
	// https://api.wechat.com.
	URL              string
	InternationalURL string

	china, intl *httptest.Server

	mu         sync.Mutex
	offset     time.Duration
	ttl        time.Duration
	noStable   bool
	apps       map[string]*App
	tokens     map[string]*issued
	stable     map[string]string // app → current stable token
	legacy     map[string]string // app → current legacy token
	users      map[string]*User  // by AppID + "/" + OpenID
	media      map[string]*Media
	messages   []Message
	uploads    []Media
	requests   []Request
	tokenCalls int
	changed    chan struct{}
	faults     map[Endpoint][]Fault
	failing    map[Endpoint]Fault
}

// New starts a fake with the default account (AppID, AppSecret) and its
// follower OpenID, who has just interacted. Close it when done.
func New() *Server {
	s := &Server{
		ttl:     TokenTTL,
		apps:    map[string]*App{},
		tokens:  map[string]*issued{},
		stable:  map[string]string{},
		legacy:  map[string]string{},
		users:   map[string]*User{},
		media:   map[string]*Media{},
		changed: make(chan struct{}),
		faults:  map[Endpoint][]Fault{},
		failing: map[Endpoint]Fault{},
	}
	s.AddApp(App{AppID: AppID, Secret: AppSecret})
	s.AddUser(User{OpenID: OpenID, SubscribeTime: s.Now().Add(-30 * 24 * time.Hour), LastInteraction: s.Now()})
	s.china = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(HostChina, w, r) }))
	s.intl = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(HostInternational, w, r) }))
	s.URL, s.InternationalURL = s.china.URL, s.intl.URL
	return s
}

// Close stops both listeners.
func (s *Server) Close() {
	s.china.Close()
	s.intl.Close()
}

// Client is an HTTP client for the fake's listeners.
func (s *Server) Client() *http.Client { return s.china.Client() }

// Now is the fake's clock: the real time moved by Advance. Give it to the
// provider as Env.Now so both agree on when tokens expire.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// now is the clock; s.mu is held.
func (s *Server) now() time.Time { return time.Now().Add(s.offset) }

// Advance moves the fake's clock forward.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// SetTokenTTL sets the lifetime of tokens issued from now on.
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ttl = d
}

// DisableStableToken makes both hosts answer 404 for stable_token, as a
// host without it would, so callers fall back to /cgi-bin/token.
func (s *Server) DisableStableToken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noStable = true
}

// AddApp makes the fake know another account; one with the same AppID is
// replaced.
func (s *Server) AddApp(a App) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[a.AppID] = &a
}

// UpdateApp changes an account in place (its secret, whitelist, freezing).
func (s *Server) UpdateApp(appID string, f func(a *App)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.apps[appID]; ok {
		f(a)
	}
}

// ExpireTokens makes every token of the account expired now, so the next
// call with one is answered 42001.
func (s *Server) ExpireTokens(appID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, t := range s.tokens {
		if t.app == appID && t.expires.After(now) {
			t.expires = now
		}
	}
}

// RevokeTokens invalidates every token of the account, as a forced refresh
// elsewhere does, so the next call with one is answered 40001.
func (s *Server) RevokeTokens(appID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if t.app == appID {
			t.revoked = true
		}
	}
	delete(s.stable, appID)
	delete(s.legacy, appID)
}

// TokenRequests counts the calls to either token endpoint.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls
}

// AddUser makes the fake know a user of an account (the default account
// when u.AppID is empty); one with the same OpenID is replaced.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.AppID == "" {
		u.AppID = AppID
	}
	s.users[u.AppID+"/"+u.OpenID] = &u
}

// Interact records that a user of the default account just wrote to it (as
// a delivered message push does), opening the 48-hour reply window. An
// unknown user becomes a follower.
func (s *Server) Interact(openID string) { s.InteractWith(AppID, openID) }

// InteractWith is Interact for the user of another account.
func (s *Server) InteractWith(appID, openID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[appID+"/"+openID]
	if !ok {
		u = &User{OpenID: openID, AppID: appID, SubscribeTime: s.now()}
		s.users[appID+"/"+openID] = u
	}
	u.LastInteraction = s.now()
}

// AddMedia stores a file as WeChat keeps what customers send, for media/get,
// and returns its media ID (m.ID, or a new one). Type is image, voice, video
// or thumb; AppID defaults to the default account's.
func (s *Server) AddMedia(m Media) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.ID == "" {
		m.ID = newMediaID()
	}
	if m.AppID == "" {
		m.AppID = AppID
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = s.now()
	}
	m.Data = bytes.Clone(m.Data)
	s.media[m.ID] = &m
	return m.ID
}

// RemoveMedia forgets a file, as WeChat does after three days: media/get
// then answers 40007.
func (s *Server) RemoveMedia(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.media, id)
}

// Messages returns every customer service message accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Texts returns the texts sent to a user, in order.
func (s *Server) Texts(openID string) []string {
	var out []string
	for _, m := range s.Messages() {
		if m.ToUser == openID && m.MsgType == "text" {
			out = append(out, m.Text)
		}
	}
	return out
}

// Uploads returns every media file uploaded so far, in order.
func (s *Server) Uploads() []Media {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Media(nil), s.uploads...)
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// WaitMessages waits until at least n customer service messages were
// accepted, or ctx ends, and returns them.
func (s *Server) WaitMessages(ctx context.Context, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		if len(s.messages) >= n {
			out := append([]Message(nil), s.messages...)
			s.mu.Unlock()
			return out, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Messages(), ctx.Err()
		}
	}
}

// notify wakes WaitMessages; s.mu is held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// serve routes one request of host.
func (s *Server) serve(host string, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	s.handle(host, rec, r, body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Host: host, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(),
		Body: body, Status: rec.status, Errcode: rec.errcode,
	})
	s.mu.Unlock()
}

// paths maps each path to its endpoint, for WeChat's wrong-method answers.
var paths = map[string]Endpoint{
	"/cgi-bin/stable_token":        EndpointStableToken,
	"/cgi-bin/token":               EndpointToken,
	"/cgi-bin/message/custom/send": EndpointCustomSend,
	"/cgi-bin/media/upload":        EndpointMediaUpload,
	"/cgi-bin/media/get":           EndpointMediaGet,
	"/cgi-bin/user/info":           EndpointUserInfo,
	"/cgi-bin/get_api_domain_ip":   EndpointAPIDomainIP,
	"/cgi-bin/getcallbackip":       EndpointCallbackIP,
}

// handle answers one request.
func (s *Server) handle(host string, w *recorder, r *http.Request, body []byte) {
	if id, ok := strings.CutPrefix(r.URL.Path, "/video/"); ok && r.Method == http.MethodGet {
		s.serveVideo(w, id)
		return
	}
	ep, known := paths[r.URL.Path]
	s.mu.Lock()
	noStable := s.noStable
	s.mu.Unlock()
	if !known || ep == EndpointStableToken && noStable {
		http.NotFound(w, r)
		return
	}
	if want, _, _ := strings.Cut(string(ep), " "); r.Method != want {
		if want == http.MethodGet {
			writeError(w, 43001, "require GET method")
		} else {
			writeError(w, 43002, "require POST method")
		}
		return
	}
	fault, hasFault := s.takeFault(ep)
	if hasFault && !fault.Accept {
		fault.write(w)
		return
	}
	var out responseWriter = w
	if hasFault {
		out = &discard{header: http.Header{}} // WeChat does the work; the caller sees the fault
	}
	switch ep {
	case EndpointStableToken:
		s.stableToken(out, r, body)
	case EndpointToken:
		s.legacyToken(out, r)
	default:
		app, ok := s.authenticate(out, r)
		if ok {
			s.do(ep, app, host, out, r, body)
		}
	}
	if hasFault {
		fault.write(w)
	}
}

// do performs an authenticated endpoint's work.
func (s *Server) do(ep Endpoint, app, host string, w responseWriter, r *http.Request, body []byte) {
	switch ep {
	case EndpointCustomSend:
		s.customSend(app, w, body)
	case EndpointMediaUpload:
		s.upload(app, w, r)
	case EndpointMediaGet:
		s.mediaGet(app, host, w, r)
	case EndpointUserInfo:
		s.userInfo(app, w, r)
	case EndpointAPIDomainIP:
		writeJSON(w, map[string]any{"ip_list": []string{"101.226.62.77", "101.226.62.78", "101.226.62.79", "101.226.62.80"}})
	case EndpointCallbackIP:
		writeJSON(w, map[string]any{"ip_list": []string{"101.226.103.0/25", "101.226.233.128/25", "58.247.206.128/25"}})
	}
}

// authenticate finds the account of the request's access_token, or answers
// as WeChat does: 41001 without one, 40001 for one it does not know (or that
// was replaced), 42001 for an expired one.
func (s *Server) authenticate(w responseWriter, r *http.Request) (string, bool) {
	tok := r.URL.Query().Get("access_token")
	if tok == "" {
		writeError(w, 41001, "access_token missing")
		return "", false
	}
	s.mu.Lock()
	t, ok := s.tokens[tok]
	now := s.now()
	s.mu.Unlock()
	switch {
	case !ok || t.revoked:
		writeError(w, 40001, "invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r")
		return "", false
	case !now.Before(t.expires):
		writeError(w, 42001, "access_token expired")
		return "", false
	}
	return t.app, true
}

// serveVideo answers a video's download URL.
func (s *Server) serveVideo(w responseWriter, id string) {
	s.mu.Lock()
	m, ok := s.media[id]
	s.mu.Unlock()
	if !ok || m.Type != "video" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("Content-Length", fmt.Sprint(len(m.Data)))
	w.WriteHeader(http.StatusOK)
	w.Write(m.Data)
}

// callerIP is the address WeChat sees the caller at.
func callerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// responseWriter is what handlers write to: the real answer, or a discarded
// one when a fault replaces it.
type responseWriter interface {
	Header() http.Header
	WriteHeader(int)
	Write([]byte) (int, error)
}

// recorder remembers the status and errcode written.
type recorder struct {
	http.ResponseWriter
	status  int
	errcode int
}

// WriteHeader records the status.
func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// discard is an answer nobody sees.
type discard struct{ header http.Header }

// Header is the discarded answer's header.
func (d *discard) Header() http.Header { return d.header }

// WriteHeader ignores the status.
func (*discard) WriteHeader(int) {}

// Write ignores the body.
func (*discard) Write(b []byte) (int, error) { return len(b), nil }

// jsonType is the Content-Type of WeChat's JSON answers.
const jsonType = "application/json; encoding=utf-8"

// writeJSON answers v as JSON with HTTP 200, as WeChat answers everything.
func writeJSON(w responseWriter, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	w.Header().Set("Content-Type", jsonType)
	w.WriteHeader(http.StatusOK)
	w.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}

// writeError answers WeChat's error body, with a request ID in errmsg as
// WeChat adds one.
func writeError(w responseWriter, code int, msg string) {
	if rec, ok := w.(*recorder); ok {
		rec.errcode = code
	}
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg + " rid: " + newRID()})
}

// newRID is a request ID in WeChat's form.
func newRID() string {
	var b [12]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:16] + "-" + h[16:24]
}

// newToken is an access token in WeChat's form: a version prefix and a long
// random string.
func newToken() string {
	var b [96]byte
	rand.Read(b[:])
	return "86_" + strings.NewReplacer("+", "-", "/", "_", "=", "").Replace(encodeBase64(b[:]))
}

// newMediaID is a media ID in WeChat's form.
func newMediaID() string {
	var b [48]byte
	rand.Read(b[:])
	return strings.NewReplacer("+", "-", "/", "_", "=", "").Replace(encodeBase64(b[:]))
}
