package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/server"
)

// fragmentFanOut is a document of a few kilobytes whose fragments each spread
// the previous one twice: expanded, L<n> selects 2^n fields.
func fragmentFanOut(levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { me { ...L%d } } fragment L0 on User { id name }", levels-1)
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, " fragment L%d on User { ...L%d ...L%d }", i, i-1, i-1)
	}
	return b.String()
}

// fragmentChain is a chain of n fragments, each spreading the next.
func fragmentChain(n int) string {
	var b strings.Builder
	b.WriteString("query { me { ...F0 } }")
	for i := 0; i < n-1; i++ {
		fmt.Fprintf(&b, " fragment F%d on User { id ...F%d }", i, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on User { id }", n-1)
	return b.String()
}

func repeated(field string, n int) string {
	return "{ " + strings.Repeat(field+" ", n) + "}"
}

// hostileAnswer is what a transport answered to a hostile document: the
// HTTP status (0 over a websocket) and the body or messages as text.
type hostileAnswer struct {
	status int
	text   string
}

// hostileTransports send one document over each way a client can: POST JSON,
// GET, a websocket subscribe, a server-sent event stream and a multipart
// upload request (which needs a token).
func hostileTransports(t *testing.T, ts *testServer) map[string]func(query string) hostileAnswer {
	post := func(req *http.Request) hostileAnswer {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", req.Method, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return hostileAnswer{resp.StatusCode, string(b)}
	}
	return map[string]func(string) hostileAnswer{
		"POST": func(q string) hostileAnswer {
			body, _ := json.Marshal(map[string]string{"query": q})
			req := ts.newRequest(t, http.MethodPost, "/query", "", bytes.NewReader(body))
			req.Header.Set("Accept", "application/graphql-response+json")
			return post(req)
		},
		"GET": func(q string) hostileAnswer {
			req := ts.newRequest(t, http.MethodGet, "/query?query="+url.QueryEscape(q), "", nil)
			req.Header.Set("Accept", "application/graphql-response+json")
			return post(req)
		},
		"SSE": func(q string) hostileAnswer {
			body, _ := json.Marshal(map[string]string{"query": q})
			req := ts.newRequest(t, http.MethodPost, "/query", ts.adminToken, bytes.NewReader(body))
			req.Header.Set("Accept", "text/event-stream")
			return post(req)
		},
		"multipart": func(q string) hostileAnswer {
			ops, _ := json.Marshal(map[string]string{"query": q})
			body, contentType := multipartBody(t, string(ops), `{}`, nil)
			req := ts.newRequest(t, http.MethodPost, "/query", ts.adminToken, body)
			req.Header.Set("Content-Type", contentType)
			req.Header.Set("Accept", "application/graphql-response+json")
			return post(req)
		},
		"websocket": func(q string) hostileAnswer {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.http.URL, "http")+"/query",
				&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.CloseNow()
			conn.SetReadLimit(1 << 20)
			wsjson.Write(ctx, conn, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + ts.adminToken}})
			var ack map[string]any
			if err := wsjson.Read(ctx, conn, &ack); err != nil || ack["type"] != "connection_ack" {
				t.Fatalf("connection_init: %v %v", ack, err)
			}
			wsjson.Write(ctx, conn, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": q}})
			for {
				_, b, err := conn.Read(ctx)
				if err != nil {
					// A message over the read limit closes the connection (1009).
					return hostileAnswer{0, "closed: " + err.Error()}
				}
				if !bytes.Contains(b, []byte(`"ping"`)) && !bytes.Contains(b, []byte(`"pong"`)) {
					return hostileAnswer{0, string(b)}
				}
			}
		},
	}
}

// refusedBeforeValidation matches the refusals of the checks that run before
// gqlgen's validation (graph.DocumentLimits and the parser's token limit),
// whose cost is linear in the document, and the transports' own size limits
// (a URL over the header limit, a websocket message over the read limit).
var refusedBeforeValidation = regexp.MustCompile(`exceeded token limit|exceeded maximum nesting depth|the document |the operation expands|fragments spread each other|StatusMessageTooBig|message too big|read limited`)

// TestHostileDocumentsAreRefusedQuickly sends, without a token where the
// transport allows it, the documents that once pinned a core for minutes, over
// every transport, and requires each to be refused by the linear checks before
// validation (or a transport's size limit) with a short answer, within a
// second of CPU time. (The old code took from 7 s to more than 20 minutes.)
// The test runs alone, so the process's CPU time is the request's; the wall
// bound is looser, so a busy machine cannot make it flake.
func TestHostileDocumentsAreRefusedQuickly(t *testing.T) {
	alone(t)
	ts := newTestServer(t)
	unknown := strings.Repeat("f", 30)
	cases := []struct {
		name, query string
	}{
		{"fragment fan-out", fragmentFanOut(40)},
		{"20,000 fields", repeated("__typename", 20000)},
		{"90,000 fields", repeated("__typename", 90000)},
		{"2,000 chained fragments", fragmentChain(2000)},
		{"977 KB of unknown fields", repeated(unknown, 977000/(len(unknown)+1))},
		{"deeply nested selections", strings.Repeat("{ me ", 5000) + strings.Repeat("}", 5000)},
		{"a few thousand aliases of one field", repeated("me { id }", 3000)},
	}
	transports := hostileTransports(t, ts)
	for _, tc := range cases {
		for name, send := range transports {
			t.Run(tc.name+" over "+name, func(t *testing.T) {
				if body, _ := json.Marshal(map[string]string{"query": tc.query}); len(body) > 1<<20 {
					t.Fatalf("test document is %d bytes, over the body limit", len(body))
				}
				cpu, start := cpuTime(), time.Now()
				a := send(tc.query)
				took, used := time.Since(start), cpuTime()-cpu
				if used > time.Second {
					t.Errorf("refused after %v of CPU time; want under a second", used)
				}
				if took > 10*time.Second {
					t.Errorf("answered after %v; want a refusal in bounded time", took)
				}
				switch {
				case name == "GET" && a.status == http.StatusRequestHeaderFieldsTooLarge:
					return // the URL alone is over the header limit
				case a.status != 0 && a.status != http.StatusBadRequest && a.status != http.StatusOK:
					t.Fatalf("status %d; want a refusal (body %.300s)", a.status, a.text)
				}
				if !refusedBeforeValidation.MatchString(a.text) {
					t.Fatalf("answered %.300q; want a refusal from the checks before validation", a.text)
				}
				if !strings.HasPrefix(a.text, "closed: ") && !strings.Contains(a.text, `"code"`) {
					t.Fatalf("refusal without a code: %.300s", a.text)
				}
				if len(a.text) > 8<<10 {
					t.Errorf("answer is %d bytes; want a short refusal", len(a.text))
				}
			})
		}
	}
}

// TestDocumentsWithinLimitsRun: the limits leave room for real clients,
// GraphiQL's schema query among them.
func TestDocumentsWithinLimitsRun(t *testing.T) {
	ts := newTestServer(t)
	for name, query := range map[string]string{
		"fragment fan-out of 8 levels": fragmentFanOut(8),
		"chain of 50 fragments":        fragmentChain(50),
		"1,000 fields":                 repeated("__typename", 1000),
		"GraphiQL's schema query":      introspectionQuery,
	} {
		t.Run(name, func(t *testing.T) {
			r := ts.postQuery(t, ts.adminToken, query)
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("%d %.500s", r.Status, r.Body)
			}
		})
	}
}

// TestErrorListIsBounded: thousands of mistakes give a short list and a count.
func TestErrorListIsBounded(t *testing.T) {
	ts := newTestServer(t)
	var q strings.Builder
	q.WriteString("{ ")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&q, "unknown%d ", i)
	}
	q.WriteString("}")
	r := ts.postQuery(t, ts.adminToken, q.String())
	if n := len(r.Errors); n != 20 {
		t.Fatalf("%d errors; want 20 (19 and a count)", n)
	}
	last := r.Errors[len(r.Errors)-1]
	if !strings.Contains(last.Message, "981 more errors") || last.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("last error = %+v", last)
	}
}

// introspectionQuery is the schema query GraphiQL sends.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

// TestGraphQLOverHTTPAudit covers what graphql-http's audit warned about: the
// status of requests that never ran, the absent "data" entry, and a code on
// every error.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	ts := newTestServer(t, func(c *server.Config) { c.MaxComplexity = 5 })
	const (
		modern = "application/graphql-response+json"
		legacy = "application/json"
	)
	cases := []struct {
		name        string
		method      string
		contentType string
		body        string
		accept      string
		wantStatus  int
		wantCode    string
		wantData    bool
	}{
		{"parse error, json", "POST", legacy, `{"query":"{"}`, legacy, 200, "GRAPHQL_PARSE_FAILED", false},
		{"validation error, json", "POST", legacy, `{"query":"{ f8f31403dfe404bccbb }"}`, legacy, 200, "GRAPHQL_VALIDATION_FAILED", false},
		{"variable coercion, json", "POST", legacy, `{"query":"query($id: ID!){ __typename }","variables":{"id":null}}`, legacy, 200, "GRAPHQL_VALIDATION_FAILED", false},
		{"parse error, graphql-response", "POST", legacy, `{"query":"{"}`, modern, 400, "GRAPHQL_PARSE_FAILED", false},
		{"validation error, graphql-response", "POST", legacy, `{"query":"{ f8f31403dfe404bccbb }"}`, modern, 400, "GRAPHQL_VALIDATION_FAILED", false},
		{"over the complexity limit, graphql-response", "POST", legacy, `{"query":"{ a: me { id } b: me { id } c: me { id } }"}`, modern, 400, "BAD_USER_INPUT", false},
		{"missing query", "POST", legacy, `{"qeury":"{ __typename }"}`, modern, 400, "BAD_USER_INPUT", false},
		{"missing query, json", "POST", legacy, `{"qeury":"{ __typename }"}`, legacy, 400, "BAD_USER_INPUT", false},
		{"query not a string", "POST", legacy, `{"query":{"obj":"ect"}}`, legacy, 400, "BAD_USER_INPUT", false},
		{"variables not a map", "POST", legacy, `{"query":"{ __typename }","variables":"x"}`, legacy, 400, "BAD_USER_INPUT", false},
		{"no body", "POST", legacy, ``, modern, 400, "BAD_USER_INPUT", false},
		{"null parameters", "POST", legacy, `{"query":"{ __typename }","variables":null,"operationName":null,"extensions":null}`, legacy, 200, "", true},
		{"invalid pagination", "POST", legacy, `{"query":"{ users(first: -1) { totalCount } }"}`, modern, 200, "BAD_USER_INPUT", true},
		{"unsupported method", "PUT", legacy, `{"query":"{ __typename }"}`, modern, 405, "BAD_USER_INPUT", false},
		{"unsupported media type", "POST", "text/plain", `{ __typename }`, modern, 415, "BAD_USER_INPUT", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := ts.newRequest(t, tc.method, "/query", ts.adminToken, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			req.Header.Set("Accept", tc.accept)
			r := sendRaw(t, nil, req)
			if r.Status != tc.wantStatus || r.code() != tc.wantCode {
				t.Fatalf("status %d code %q; want %d %q (body %s)", r.Status, r.code(), tc.wantStatus, tc.wantCode, r.Body)
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal([]byte(r.Body), &keys); err != nil {
				t.Fatalf("body is not JSON: %s", r.Body)
			}
			if _, has := keys["data"]; has != tc.wantData {
				t.Fatalf("data entry present = %v, want %v (body %s)", has, tc.wantData, r.Body)
			}
			for _, e := range r.Errors {
				if e.Extensions["code"] == nil {
					t.Fatalf("error without a code: %s", r.Body)
				}
			}
		})
	}
}

// TestRequestWorkStopsWhenTheClientGoes: a request waiting on a messenger
// (Test Connection against one that does not answer) is abandoned as soon as
// its client goes: the server's own call to the messenger is cancelled, long
// before the provider timeout would end it.
func TestRequestWorkStopsWhenTheClientGoes(t *testing.T) {
	ts := newTestServer(t, func(c *server.Config) { c.ProviderTimeout = time.Minute })
	arrived, abandoned, release := make(chan struct{}, 1), make(chan struct{}, 1), make(chan struct{})
	var stall atomic.Bool
	messenger := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !stall.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		// Read to the end: net/http notices a closed connection only then.
		io.Copy(io.Discard, r.Body)
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
			abandoned <- struct{}{}
		case <-release:
		}
	}))
	defer messenger.Close()
	defer close(release) // before Close, which waits for the handler
	ctx := context.Background()
	a, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: "silent", Settings: client.IntegrationSettingsInput{
		Custom: &client.CustomSettingsInput{WebhookUrl: ptr(messenger.URL + "/switchboard"), ConfirmationCode: ptr(confirmationCode)}}})
	if err != nil {
		t.Fatal(err)
	}
	stall.Store(true)
	reqCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := client.TestConnection(reqCtx, ts.admin, a.CreateIntegrationAccount.Id)
		done <- err
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("Test Connection never reached the messenger")
	}
	cancel() // the client goes
	select {
	case <-abandoned:
	case <-time.After(10 * time.Second):
		t.Fatal("the server still waits on the messenger after its client went")
	}
	if err := <-done; err == nil {
		t.Fatal("the cancelled request succeeded")
	}
}
