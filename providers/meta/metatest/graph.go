// Package metatest is the core of the fakes of Meta's Graph API that
// facebooktest and whatsappcloudtest build on, and a signer of Meta's webhooks,
// so that the Messenger and WhatsApp fakes check versions, tokens and errors
// the same way and a fix to that realism fixes both.
//
// Graph checks what the real Graph API checks of every call: a versioned path
// (/v25.0/...), an access token (an "Authorization: Bearer" or "OAuth"
// header, or an access_token parameter) that it knows, and answers refusals
// with Graph's documented error bodies. Product fakes register handlers for
// their nodes and edges. Failures can be queued per route or decided by a hook;
// every call is recorded. All methods are safe for concurrent use.
//
// The package imports nothing from the providers, so that the providers' own
// tests can use it and its signer is an independent implementation of Meta's.
package metatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Version is the Graph API version the providers pin; the fake accepts any
// version and records the one used, for tests to compare.
const Version = "v25.0"

// maxBody bounds a request body the fake reads (uploads included).
const maxBody = 110 << 20

// versionPattern is a Graph API version path segment.
var versionPattern = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// Request is one call the fake received, recorded whatever it was answered.
type Request struct {
	Method string
	// Version is the path's version segment ("" when it had none).
	Version string
	// Path is the path after the version, without the leading slash
	// ("1234/messages").
	Path  string
	Query url.Values
	// Token is the access token as received, and TokenVia where it came from:
	// "header", "query" or "form" ("" when there was none).
	Token       string
	TokenVia    string
	ContentType string
	Body        []byte
	// Status is the HTTP status answered, ErrorCode the Graph error code (0
	// on success or for an answer without a Graph body).
	Status    int
	ErrorCode int
}

// Call is an authenticated call as a handler sees it.
type Call struct {
	Request
	// Vars are the values of the route's {name} segments.
	Vars map[string]string
	// Params are the call's parameters, merged as Graph merges them: the URL
	// query, then a form or multipart body's values, then a JSON body's fields.
	// Values are raw JSON: a parameter sent as text that is not JSON is quoted.
	Params map[string]json.RawMessage
	// Files are a multipart body's files, by field name.
	Files map[string][]*multipart.FileHeader
}

// Param is a parameter as text (a JSON string's value, else the raw JSON).
func (c *Call) Param(name string) string {
	raw, ok := c.Params[name]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// Decode reads the parameters into v as if they were one JSON object, the way
// Graph reads recipient={"id":...} from a form and from a JSON body alike.
func (c *Call) Decode(v any) error {
	b, err := json.Marshal(c.Params)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Handler answers an authenticated call: a value encoded as the JSON answer
// (200), or a Graph error.
type Handler func(c *Call) (any, *GraphError)

type route struct {
	method  string
	pattern string
	parts   []string
	h       Handler
}

// Graph is the fake's core: routing, authentication, recording and failures.
type Graph struct {
	mu       sync.Mutex
	tokens   map[string]bool
	routes   []route
	requests []Request
	queued   map[string][]Reply
	hook     func(Request) *Reply
	traces   int
}

// NewGraph returns a fake that knows no tokens and no routes.
func NewGraph() *Graph {
	return &Graph{tokens: map[string]bool{}, queued: map[string][]Reply{}}
}

// AddToken makes tokens valid.
func (g *Graph) AddToken(tokens ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, t := range tokens {
		g.tokens[t] = true
	}
}

// RevokeToken makes token invalid (code 190), as when a person changes their
// password or removes the app.
func (g *Graph) RevokeToken(token string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.tokens, token)
}

// Handle registers h for method and pattern: segments after the version, each
// literal or a {name} matching one segment ("{page-id}/messages"). Routes are
// tried in the order registered, so literal routes ("me") go first.
func (g *Graph) Handle(method, pattern string, h Handler) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.routes = append(g.routes, route{method: method, pattern: pattern, parts: strings.Split(pattern, "/"), h: h})
}

// FailNext queues replies for the next calls to the route registered with
// pattern (any method), one call each, in order. They are given after the
// path is routed and before any other check.
func (g *Graph) FailNext(pattern string, replies ...Reply) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.queued[pattern] = append(g.queued[pattern], replies...)
}

// SetHook decides replies by request: a non-nil reply is given instead of the
// fake's own (after queued ones). Pass nil to remove it. The hook is called
// without the fake's lock held, so it may call the fake.
func (g *Graph) SetHook(hook func(Request) *Reply) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.hook = hook
}

// Requests returns every call received so far, in order.
func (g *Graph) Requests() []Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Request, len(g.requests))
	for i, r := range g.requests {
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// Reset forgets recorded calls, queued replies and the hook, keeping tokens
// and routes.
func (g *Graph) Reset() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = nil
	g.queued = map[string][]Reply{}
	g.hook = nil
}

// ServeHTTP answers one Graph API call.
func (g *Graph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	req := Request{Method: r.Method, Query: r.URL.Query(), ContentType: r.Header.Get("Content-Type"), Body: body}
	path := strings.Trim(r.URL.Path, "/")
	if v, rest, _ := strings.Cut(path, "/"); versionPattern.MatchString(v) {
		req.Version, path = v, rest
	}
	req.Path = path

	call := &Call{Request: req}
	params, files, perr := parseParams(r, body)
	call.Params, call.Files = params, files
	call.Token, call.TokenVia = token(r, params)
	req.Token, req.TokenVia = call.Token, call.TokenVia

	rt, vars := g.route(r.Method, path)
	if rt != nil {
		if rep := g.injected(rt.pattern, req); rep != nil {
			g.writeReply(w, r, req, *rep)
			return
		}
	}
	var gerr *GraphError
	switch {
	case req.Version == "":
		e := GraphError{Message: "Unknown path components: /" + path, Code: 2500}
		gerr = &e
	case call.Token == "":
		gerr = &ErrNoToken
	case !g.knows(call.Token):
		gerr = &ErrInvalidToken
	case rt == nil:
		id, _, _ := strings.Cut(path, "/")
		e := NoObject(strings.ToLower(r.Method), id)
		gerr = &e
	case perr != nil:
		e := InvalidParameter(perr.Error())
		gerr = &e
	}
	if gerr != nil {
		g.writeError(w, req, *gerr)
		return
	}
	call.Vars = vars
	out, gerr := rt.h(call)
	if gerr != nil {
		g.writeError(w, req, *gerr)
		return
	}
	g.writeJSON(w, req, http.StatusOK, out)
}

// route finds the first route matching method and path.
func (g *Graph) route(method, path string) (*route, map[string]string) {
	g.mu.Lock()
	routes := g.routes
	g.mu.Unlock()
	segs := strings.Split(path, "/")
	for i := range routes {
		rt := &routes[i]
		if rt.method != method || len(rt.parts) != len(segs) {
			continue
		}
		vars := map[string]string{}
		ok := true
		for j, p := range rt.parts {
			if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
				if segs[j] == "" {
					ok = false
					break
				}
				v, err := url.PathUnescape(segs[j])
				if err != nil {
					ok = false
					break
				}
				vars[p[1:len(p)-1]] = v
				continue
			}
			if p != segs[j] {
				ok = false
				break
			}
		}
		if ok {
			return rt, vars
		}
	}
	return nil, nil
}

func (g *Graph) knows(token string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tokens[token]
}

// injected is the queued or hooked reply for req, if any.
func (g *Graph) injected(pattern string, req Request) *Reply {
	g.mu.Lock()
	if q := g.queued[pattern]; len(q) > 0 {
		rep := q[0]
		g.queued[pattern] = q[1:]
		g.mu.Unlock()
		return &rep
	}
	hook := g.hook
	g.mu.Unlock()
	if hook == nil {
		return nil
	}
	return hook(req)
}

func (g *Graph) record(req Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = append(g.requests, req)
}

func (g *Graph) trace() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.traces++
	return fmt.Sprintf("AfakeTr%07dQ", g.traces)
}

func (g *Graph) writeReply(w http.ResponseWriter, r *http.Request, req Request, rep Reply) {
	if rep.Delay > 0 {
		t := time.NewTimer(rep.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			req.Status = -1
			g.record(req)
			return
		}
	}
	for k, v := range rep.Header {
		w.Header()[k] = v
	}
	if rep.Error != nil {
		g.writeError(w, req, *rep.Error)
		return
	}
	code := rep.HTTPStatus
	if code == 0 {
		code = http.StatusOK
	}
	req.Status = code
	g.record(req)
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(code)
	io.WriteString(w, rep.Body)
}

func (g *Graph) writeError(w http.ResponseWriter, req Request, e GraphError) {
	req.ErrorCode = e.Code
	g.writeJSON(w, req, e.status(), e.body(g.trace()))
}

func (g *Graph) writeJSON(w http.ResponseWriter, req Request, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		code = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"message":"fake: cannot encode answer","type":"OAuthException","code":1}}`)
	}
	req.Status = code
	g.record(req)
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	}
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// token finds the access token where Graph looks for it: the Authorization
// header ("Bearer" or "OAuth"), else the access_token parameter.
func token(r *http.Request, params map[string]json.RawMessage) (string, string) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth") {
			return strings.TrimSpace(tok), "header"
		}
	}
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t, "query"
	}
	if raw, ok := params["access_token"]; ok {
		var t string
		if json.Unmarshal(raw, &t) == nil && t != "" {
			return t, "form"
		}
	}
	return "", ""
}

// parseParams merges the query and the body's parameters. A body Graph cannot
// read is an error, answered as an invalid parameter once the call is
// authenticated.
func parseParams(r *http.Request, body []byte) (map[string]json.RawMessage, map[string][]*multipart.FileHeader, error) {
	params := map[string]json.RawMessage{}
	addValues := func(vals url.Values) {
		for k, vs := range vals {
			if len(vs) > 0 {
				params[k] = textParam(vs[0])
			}
		}
	}
	addValues(r.URL.Query())
	if len(bytes.TrimSpace(body)) == 0 {
		return params, nil, nil
	}
	mt, mp, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return params, nil, fmt.Errorf("the request body is not a JSON object: %v", err)
		}
		for k, v := range obj {
			params[k] = v
		}
	case "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return params, nil, fmt.Errorf("the form body cannot be read: %v", err)
		}
		addValues(vals)
	case "multipart/form-data":
		form, err := multipart.NewReader(bytes.NewReader(body), mp["boundary"]).ReadForm(maxBody)
		if err != nil {
			return params, nil, fmt.Errorf("the multipart body cannot be read: %v", err)
		}
		addValues(form.Value)
		return params, form.File, nil
	default:
		return params, nil, fmt.Errorf("unsupported Content-Type %q", mt)
	}
	return params, nil, nil
}

// textParam is a text parameter as JSON: itself when it is a JSON object or
// array (recipient={"id":"..."}), else quoted.
func textParam(v string) json.RawMessage {
	t := strings.TrimSpace(v)
	if (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) && json.Valid([]byte(t)) {
		return json.RawMessage(t)
	}
	b, _ := json.Marshal(v)
	return b
}
