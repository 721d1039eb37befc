// Package twittertest is a fake of the X (Twitter) API for tests and load
// runs: one place that knows what X checks and answers, used by the
// provider's unit tests, the server's end-to-end tests, the crash test and
// the load tool.
//
// A Server stands for https://api.x.com and serves the calls Switchboard
// makes: who the account is (GET /2/users/me, /2/users/:id), sending direct
// messages (POST /2/dm_conversations/with/:participant_id/messages), the
// app-only token (POST /oauth2/token), the app's webhooks (GET, POST,
// DELETE, PUT /2/webhooks), Account Activity subscriptions and direct
// message media (what ton.twitter.com serves). Every request is
// authenticated the way X does it: OAuth 1.0a user-context signatures are
// recomputed from the known secrets (timestamp window and nonce reuse
// included), app-only bearer tokens and Basic consumer credentials are
// compared, and each endpoint accepts only the kinds X accepts there. Bodies
// are checked and answered with X's documented bodies and errors (v2
// problem details, errors[] with codes), sent direct messages are recorded,
// and failures can be injected per endpoint. A Server is safe for concurrent
// use.
//
// Webhook helpers (webhook.go) build X's Account Activity bodies, sign them
// and build CRC requests, for tests that play X calling Switchboard.
package twittertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// The default app and account every new Server has. The values look like
// X's (a 25-character consumer key, a 50-character secret, an access token
// starting with its user's ID), so that tests can check that none leaks.
const (
	ConsumerKey       = "q8Hn2Lx7Vb4Tz9Rk1Cw6Ym3Jd"
	ConsumerSecret    = "Wm4Fq9Lz2Xc7Vb1Nk8Hr3Tj6Gd5Sp0Ay9Ue2Io7Pl4Kj1Mn8Bv3"
	BearerToken       = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F"
	UserID            = "1598416530418069504"
	AccessToken       = UserID + "-Zr5Tq8Wn2Lx7Vc4Bk9Hm1Jd6Fs3Gp0Ae8Yu"
	AccessTokenSecret = "Xp7Lm2Qr9Tz4Wn8Vb1Kc6Hj3Fd5Gs0Ae7Yu2Io9Pl4Rt"
	Username          = "SwitchboardHelp"
	Name              = "Switchboard Support"
	// CustomerID is a customer the fake knows (GET /2/users/:id), the user
	// of X's own webhook examples.
	CustomerID       = "3001969357"
	CustomerName     = "Jordan Brinks"
	CustomerUsername = "furiouscamper"
	CustomerPicture  = "https://pbs.twimg.com/profile_images/851526626785480705/cW4WTi7C_normal.jpg"
	// firstEventID numbers the direct messages the fake sends.
	firstEventID = 1800000000000000001
	// firstWebhookID numbers the webhooks the fake creates.
	firstWebhookID = 1146654567674912769
)

// Endpoint names one API operation of the fake, for injecting faults.
type Endpoint string

// The endpoints the fake serves.
const (
	EndpointToken           Endpoint = "POST /oauth2/token"
	EndpointMe              Endpoint = "GET /2/users/me"
	EndpointUser            Endpoint = "GET /2/users/{id}"
	EndpointSendDM          Endpoint = "POST /2/dm_conversations/with/{participant_id}/messages"
	EndpointListWebhooks    Endpoint = "GET /2/webhooks"
	EndpointCreateWebhook   Endpoint = "POST /2/webhooks"
	EndpointDeleteWebhook   Endpoint = "DELETE /2/webhooks/{id}"
	EndpointValidateWebhook Endpoint = "PUT /2/webhooks/{id}"
	EndpointSubscribe       Endpoint = "POST /2/account_activity/webhooks/{id}/subscriptions/all"
	EndpointSubscription    Endpoint = "GET /2/account_activity/webhooks/{id}/subscriptions/all"
	EndpointMedia           Endpoint = "GET /1.1/ton/data/dm/..."
)

// App is an X developer app: its consumer credentials, its app-only bearer
// token and how many webhooks X lets it have (Self-Serve Pro: 1).
type App struct {
	ConsumerKey    string
	ConsumerSecret string
	BearerToken    string
	WebhookLimit   int
}

// Account is an access token of an app's user: whose direct messages it
// reads and sends.
type Account struct {
	ConsumerKey string
	Token       string
	TokenSecret string
	User        User
}

// User is an X user as the v2 API answers it.
type User struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Username        string `json:"username"`
	ProfileImageURL string `json:"profile_image_url,omitempty"`
}

// Webhook is one of an app's webhooks.
type Webhook struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Valid       bool      `json:"valid"`
	CreatedAt   time.Time `json:"-"`
	ConsumerKey string    `json:"-"`
	// Subscribed are the user IDs subscribed to it.
	Subscribed []string `json:"-"`
}

// Request is one request the fake received, as received.
type Request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
	// Auth is how it authenticated: "oauth1", "bearer", "basic" or "".
	Auth string
	// Status is what the fake answered.
	Status int
}

// media is a file served under the fake's media paths.
type media struct {
	contentType string
	data        []byte
}

// Server is the fake. Its zero value is not usable: call New.
type Server struct {
	// URL is the base URL standing for https://api.x.com.
	URL string

	srv *httptest.Server

	mu        sync.Mutex
	now       func() time.Time
	apps      map[string]*App     // by consumer key
	accounts  map[string]*Account // by access token
	users     map[string]User     // by ID
	refusing  map[string]string   // recipient ID -> X's reason
	webhooks  []*Webhook
	nextHook  int64
	nextEvent int64
	dms       []DM
	requests  []Request
	changed   chan struct{} // closed and replaced on every sent DM
	faults    map[Endpoint][]Fault
	failing   map[Endpoint]Fault
	media     map[string]media // by path
	nonces    map[string]bool
	crc       func(url string) bool
	uploads   uploads
}

// New starts a fake with the default app (ConsumerKey, ConsumerSecret,
// BearerToken, one webhook allowed), its account (AccessToken of UserID
// @Username) and one known customer (CustomerID). Close it when done.
func New() *Server {
	s := &Server{
		now:       time.Now,
		apps:      map[string]*App{},
		accounts:  map[string]*Account{},
		users:     map[string]User{},
		refusing:  map[string]string{},
		nextHook:  firstWebhookID,
		nextEvent: firstEventID,
		changed:   make(chan struct{}),
		faults:    map[Endpoint][]Fault{},
		failing:   map[Endpoint]Fault{},
		media:     map[string]media{},
		nonces:    map[string]bool{},
	}
	s.AddApp(App{ConsumerKey: ConsumerKey, ConsumerSecret: ConsumerSecret, BearerToken: BearerToken, WebhookLimit: 1})
	s.AddAccount(Account{ConsumerKey: ConsumerKey, Token: AccessToken, TokenSecret: AccessTokenSecret,
		User: User{ID: UserID, Name: Name, Username: Username, ProfileImageURL: "https://pbs.twimg.com/profile_images/1598416530418069504/aB3dE5fG_normal.jpg"}})
	s.AddUser(User{ID: CustomerID, Name: CustomerName, Username: CustomerUsername, ProfileImageURL: CustomerPicture})
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the listener.
func (s *Server) Close() { s.srv.Close() }

// Client is an HTTP client for the fake's listener.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// SetClock replaces the clock the fake checks OAuth timestamps against and
// reports times with.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// clock is the fake's current time.
func (s *Server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// AddApp makes the fake know another app (its consumer key, secret and
// bearer token). An app with the same key is replaced; a WebhookLimit of 0
// means 1.
func (s *Server) AddApp(a App) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.WebhookLimit <= 0 {
		a.WebhookLimit = 1
	}
	s.apps[a.ConsumerKey] = &a
}

// SetWebhookLimit changes how many webhooks an app may have.
func (s *Server) SetWebhookLimit(consumerKey string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.apps[consumerKey]; a != nil {
		a.WebhookLimit = n
	}
}

// AddAccount makes the fake know an access token (and its user).
func (s *Server) AddAccount(a Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[a.Token] = &a
	s.users[a.User.ID] = a.User
}

// AddUser makes GET /2/users/:id know a user.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// RefuseDMs makes direct messages to a user fail as X refuses them to
// someone who does not accept messages from the account (403 with X's
// reason; "" uses X's usual one).
func (s *Server) RefuseDMs(userID, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if reason == "" {
		reason = "You are not permitted to send Direct Messages to this user."
	}
	s.refusing[userID] = reason
}

// SetMedia makes the fake serve a file at path (under /1.1/ton/data/dm/ or
// /dm_video/ or /dm_gif/) to signed requests, as ton.twitter.com does, and
// returns its URL.
func (s *Server) SetMedia(path, contentType string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[path] = media{contentType: contentType, data: append([]byte(nil), data...)}
	return s.URL + path
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// serve routes, authenticates and answers one request, and records it.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body := readAll(r.Body)
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	rec.Header().Set("X-Transaction-Id", fmt.Sprintf("%016x", time.Now().UnixNano()))
	ep, args := route(r.Method, r.URL.Path)
	auth := s.handle(ep, args, rec, r, body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, Auth: auth, Status: rec.status})
	s.mu.Unlock()
}

// route finds the endpoint of a request, with its path arguments.
func route(method, path string) (Endpoint, []string) {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch {
	case method == http.MethodPost && path == "/oauth2/token":
		return EndpointToken, nil
	case method == http.MethodGet && path == "/2/users/me":
		return EndpointMe, nil
	case method == http.MethodGet && len(seg) == 3 && seg[0] == "2" && seg[1] == "users" && seg[2] != "":
		return EndpointUser, []string{seg[2]}
	case method == http.MethodPost && len(seg) == 5 && seg[0] == "2" && seg[1] == "dm_conversations" && seg[2] == "with" && seg[4] == "messages":
		return EndpointSendDM, []string{seg[3]}
	case method == http.MethodPost && path == "/2/media/upload/initialize":
		return EndpointMediaInit, nil
	case method == http.MethodPost && len(seg) == 5 && seg[0] == "2" && seg[1] == "media" && seg[2] == "upload" && seg[4] == "append":
		return EndpointMediaAppend, []string{seg[3]}
	case method == http.MethodPost && len(seg) == 5 && seg[0] == "2" && seg[1] == "media" && seg[2] == "upload" && seg[4] == "finalize":
		return EndpointMediaFinalize, []string{seg[3]}
	case method == http.MethodGet && path == "/2/media/upload":
		return EndpointMediaStatus, nil
	case path == "/2/webhooks" && method == http.MethodGet:
		return EndpointListWebhooks, nil
	case path == "/2/webhooks" && method == http.MethodPost:
		return EndpointCreateWebhook, nil
	case len(seg) == 3 && seg[0] == "2" && seg[1] == "webhooks" && seg[2] != "" && method == http.MethodDelete:
		return EndpointDeleteWebhook, []string{seg[2]}
	case len(seg) == 3 && seg[0] == "2" && seg[1] == "webhooks" && seg[2] != "" && method == http.MethodPut:
		return EndpointValidateWebhook, []string{seg[2]}
	case len(seg) == 6 && seg[0] == "2" && seg[1] == "account_activity" && seg[2] == "webhooks" && seg[4] == "subscriptions" && seg[5] == "all":
		switch method {
		case http.MethodPost:
			return EndpointSubscribe, []string{seg[3]}
		case http.MethodGet:
			return EndpointSubscription, []string{seg[3]}
		}
	case method == http.MethodGet && (strings.HasPrefix(path, "/1.1/ton/data/dm/") || strings.HasPrefix(path, "/dm_video/") || strings.HasPrefix(path, "/dm_gif/")):
		return EndpointMedia, []string{path}
	}
	return "", nil
}

// authKinds are the authentications each endpoint accepts, as X documents
// them.
var authKinds = map[Endpoint][]string{
	EndpointToken:           {"basic"},
	EndpointMe:              {"oauth1"},
	EndpointUser:            {"oauth1", "bearer"},
	EndpointSendDM:          {"oauth1"},
	EndpointListWebhooks:    {"bearer"},
	EndpointCreateWebhook:   {"bearer", "oauth1"},
	EndpointDeleteWebhook:   {"bearer", "oauth1"},
	EndpointValidateWebhook: {"bearer", "oauth1"},
	EndpointSubscribe:       {"oauth1"},
	EndpointSubscription:    {"oauth1"},
	EndpointMedia:           {"oauth1"},
	EndpointMediaInit:       {"oauth1"},
	EndpointMediaAppend:     {"oauth1"},
	EndpointMediaFinalize:   {"oauth1"},
	EndpointMediaStatus:     {"oauth1"},
}

// caller is who a request authenticated as.
type caller struct {
	kind    string
	app     *App
	account *Account // for oauth1
}

// handle answers one routed request and returns how it authenticated.
func (s *Server) handle(ep Endpoint, args []string, w *recorder, r *http.Request, body []byte) string {
	if ep == "" {
		writeProblem(w, http.StatusNotFound, "Not Found Error", "Sorry, that page does not exist.", "about:blank")
		return ""
	}
	fault, hasFault := s.takeFault(ep)
	if hasFault && !fault.Accept {
		fault.write(w, s.clock())
		return ""
	}
	c, ok := s.authenticate(ep, w, r, body)
	if !ok {
		return c.kind
	}
	if hasFault {
		// X does the work, then the caller sees the fault.
		s.do(ep, args, c, discard{header: http.Header{}}, r, body)
		fault.write(w, s.clock())
		return c.kind
	}
	s.do(ep, args, c, w, r, body)
	return c.kind
}

// authenticate checks the request's credentials against what ep accepts,
// answering X's errors when they fail.
func (s *Server) authenticate(ep Endpoint, w responseWriter, r *http.Request, body []byte) (caller, bool) {
	auth := r.Header.Get("Authorization")
	kind := ""
	switch {
	case strings.HasPrefix(auth, "OAuth "):
		kind = "oauth1"
	case strings.HasPrefix(auth, "Bearer "):
		kind = "bearer"
	case strings.HasPrefix(auth, "Basic "):
		kind = "basic"
	}
	c := caller{kind: kind}
	allowed := false
	for _, k := range authKinds[ep] {
		allowed = allowed || k == kind
	}
	if kind == "" {
		if ep == EndpointToken {
			writeV1Errors(w, http.StatusForbidden, 99, "Unable to verify your credentials")
		} else {
			writeProblem(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized", "about:blank")
		}
		return c, false
	}
	if !allowed {
		writeUnsupportedAuth(w, kind, authKinds[ep])
		return c, false
	}
	switch kind {
	case "oauth1":
		acct, why := s.verifyOAuth(r, body)
		if acct == nil {
			_ = why
			writeProblem(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized", "about:blank")
			return c, false
		}
		s.mu.Lock()
		c.account, c.app = acct, s.apps[acct.ConsumerKey]
		s.mu.Unlock()
	case "bearer":
		if c.app = s.verifyBearer(r); c.app == nil {
			writeProblem(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized", "about:blank")
			return c, false
		}
	case "basic":
		if c.app = s.verifyBasic(r); c.app == nil {
			writeV1Errors(w, http.StatusForbidden, 99, "Unable to verify your credentials")
			return c, false
		}
	}
	return c, true
}

// do performs an endpoint's work for an authenticated caller.
func (s *Server) do(ep Endpoint, args []string, c caller, w responseWriter, r *http.Request, body []byte) {
	switch ep {
	case EndpointToken:
		s.token(c, w, r, body)
	case EndpointMe:
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]string{"id": c.account.User.ID, "name": c.account.User.Name, "username": c.account.User.Username}})
	case EndpointUser:
		s.user(w, r, args[0])
	case EndpointSendDM:
		s.sendDM(c, w, r, args[0], body)
	case EndpointListWebhooks:
		s.listWebhooks(c, w)
	case EndpointCreateWebhook:
		s.createWebhook(c, w, r, body)
	case EndpointDeleteWebhook:
		s.deleteWebhook(c, w, args[0])
	case EndpointValidateWebhook:
		s.validateWebhook(c, w, args[0])
	case EndpointSubscribe:
		s.subscribe(c, w, args[0])
	case EndpointSubscription:
		s.subscription(c, w, args[0])
	case EndpointMedia:
		s.serveMedia(w, args[0])
	case EndpointMediaInit:
		s.mediaInit(c, w, r, body)
	case EndpointMediaAppend:
		s.mediaAppend(c, w, r, args[0], body)
	case EndpointMediaFinalize:
		s.mediaFinalize(c, w, args[0])
	case EndpointMediaStatus:
		s.mediaStatus(c, w, r)
	}
}

// token is POST /oauth2/token: the app's bearer token for
// grant_type=client_credentials.
func (s *Server) token(c caller, w responseWriter, r *http.Request, body []byte) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") || !strings.Contains("&"+string(body)+"&", "&grant_type=client_credentials&") {
		writeV1Errors(w, http.StatusForbidden, 170, "Missing required parameter: grant_type")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token_type": "bearer", "access_token": c.app.BearerToken})
}

// user is GET /2/users/:id. X answers an unknown user with 200 and partial
// errors, not 404.
func (s *Server) user(w responseWriter, r *http.Request, id string) {
	s.mu.Lock()
	u, found := s.users[id]
	s.mu.Unlock()
	if !isDigits(id) {
		writeInvalid(w, fmt.Sprintf("The `id` query parameter value [%s] is not valid", id))
		return
	}
	if !found {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []map[string]string{{
			"value": id, "detail": "Could not find user with id: [" + id + "].", "title": "Not Found Error",
			"resource_type": "user", "parameter": "id", "resource_id": id,
			"type": "https://api.twitter.com/2/problems/resource-not-found",
		}}})
		return
	}
	out := map[string]string{"id": u.ID, "name": u.Name, "username": u.Username}
	if strings.Contains(r.URL.Query().Get("user.fields"), "profile_image_url") && u.ProfileImageURL != "" {
		out["profile_image_url"] = u.ProfileImageURL
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

// serveMedia serves a file set with SetMedia, as ton.twitter.com does.
func (s *Server) serveMedia(w responseWriter, path string) {
	s.mu.Lock()
	m, found := s.media[path]
	s.mu.Unlock()
	if !found {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", m.contentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(m.data)))
	w.WriteHeader(http.StatusOK)
	w.Write(m.data)
}

// notify wakes WaitDMs; s.mu is held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitDMs waits until at least n direct messages were sent, or ctx ends, and
// returns them.
func (s *Server) WaitDMs(ctx context.Context, n int) ([]DM, error) {
	for {
		s.mu.Lock()
		if len(s.dms) >= n {
			out := append([]DM(nil), s.dms...)
			s.mu.Unlock()
			return out, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return s.DMs(), ctx.Err()
		}
	}
}

// isDigits reports whether s is 1 to 19 digits, X's user ID pattern.
func isDigits(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
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

// Header, WriteHeader and Write make discard a responseWriter.
func (d discard) Header() http.Header       { return d.header }
func (discard) WriteHeader(int)             {}
func (discard) Write(b []byte) (int, error) { return len(b), nil }

// writeJSON answers v as JSON.
func writeJSON(w responseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeProblem answers a v2 problem (RFC 7807, as X's v2 errors are).
func writeProblem(w responseWriter, status int, title, detail, typ string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": title, "detail": detail, "type": typ, "status": status})
}

// writeInvalid answers X's v2 400 for invalid parameters, with reason as the
// message of its errors[] ("DuplicateUrlFailed: ...").
func writeInvalid(w responseWriter, reason string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"errors": []map[string]string{{"message": reason}},
		"title":  "Invalid Request", "detail": "One or more parameters to your request was invalid.",
		"type": "https://api.twitter.com/2/problems/invalid-request",
	})
}

// writeV1Errors answers the errors[] with a code that v1.1 and OAuth
// endpoints use.
func writeV1Errors(w responseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{"errors": []map[string]any{{"code": code, "message": message}}})
}

// writeUnsupportedAuth answers X's 403 for a kind of authentication the
// endpoint does not take.
func writeUnsupportedAuth(w responseWriter, got string, want []string) {
	names := map[string]string{"oauth1": "OAuth 1.0a User Context", "bearer": "OAuth 2.0 Application-Only", "basic": "Basic"}
	var supported []string
	for _, k := range want {
		supported = append(supported, names[k])
	}
	writeProblem(w, http.StatusForbidden, "Unsupported Authentication",
		"Authenticating with "+names[got]+" is forbidden for this endpoint.  Supported authentication types are ["+strings.Join(supported, ", ")+"].",
		"https://api.twitter.com/2/problems/unsupported-authentication")
}
