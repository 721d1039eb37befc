package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/switchboard/switchboard/graph"
)

// Media types of GraphQL over HTTP answers.
const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// graphQLHTTP serves GraphQL over HTTP GET and POST as the GraphQL over HTTP
// specification says, where gqlgen's own transports differ from it:
//   - a request that never ran (unreadable JSON, a document that does not parse
//     or validate, a refused operation) answers without a "data" entry;
//   - with application/graphql-response+json such a request answers 400;
//   - with application/json a document that does not parse or validate answers
//     200 (the legacy media type's rule) and bad JSON or parameters 400;
//   - a mutation over GET answers 405 with Allow: POST.
//
// Every error carries an extensions.code from the error presenter.
type graphQLHTTP struct{}

var _ graphql.Transport = graphQLHTTP{}

// Supports takes GET and JSON POST requests that are not websocket upgrades.
func (graphQLHTTP) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	switch r.Method {
	case http.MethodGet:
		return true
	case http.MethodPost:
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return err == nil && mt == mediaJSON
	}
	return false
}

// Do reads the request's parameters, runs the operation and writes the answer.
func (graphQLHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	a := newHTTPAnswer(w, r, exec)
	params := &graphql.RawParams{Headers: r.Header}
	params.ReadTime.Start = graphql.Now()
	if r.Method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			a.badRequest("the query string cannot be parsed")
			return
		}
		params.Query, params.OperationName = q.Get("query"), q.Get("operationName")
		for name, into := range map[string]*map[string]any{"variables": &params.Variables, "extensions": &params.Extensions} {
			if s := q.Get(name); s != "" {
				if decodeJSON(strings.NewReader(s), into) != nil {
					a.badRequest(name + " is not a JSON object")
					return
				}
			}
		}
	} else {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			a.badRequest("the request body cannot be read")
			return
		}
		if msg := decodeParams(raw, params); msg != "" {
			a.badRequest(msg)
			return
		}
	}
	params.ReadTime.End = graphql.Now()
	a.run(r, params)
}

// decodeParams reads a GraphQL request in JSON (a POST body, a multipart
// request's operations) into params; it returns what is wrong, or "".
func decodeParams(raw []byte, params *graphql.RawParams) string {
	var body struct {
		Query         *json.RawMessage `json:"query"`
		OperationName *string          `json:"operationName"`
		Variables     map[string]any   `json:"variables"`
		Extensions    map[string]any   `json:"extensions"`
	}
	if decodeJSON(bytes.NewReader(raw), &body) != nil {
		// Never echo the body: it may hold a password (login).
		return "the request body is not a GraphQL request in JSON"
	}
	if body.Query != nil && json.Unmarshal(*body.Query, &params.Query) != nil {
		return "query must be a string"
	}
	if body.OperationName != nil {
		params.OperationName = *body.OperationName
	}
	params.Variables, params.Extensions = body.Variables, body.Extensions
	return ""
}

// httpAnswer answers one GraphQL request over HTTP (a GET, a JSON POST, a
// multipart POST) by the GraphQL over HTTP rules that graphQLHTTP lists.
type httpAnswer struct {
	ctx    context.Context // the request's
	w      http.ResponseWriter
	exec   graphql.GraphExecutor
	modern bool // the client accepts application/graphql-response+json
}

// newHTTPAnswer picks the answer's media type from the request's Accept.
func newHTTPAnswer(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) *httpAnswer {
	a := &httpAnswer{ctx: r.Context(), w: w, exec: exec, modern: acceptsGraphQLResponse(r.Header.Get("Accept"))}
	if a.modern {
		w.Header().Set("Content-Type", mediaGraphQLResponse)
	} else {
		w.Header().Set("Content-Type", mediaJSON)
	}
	return a
}

// refuse answers a request that never ran, without "data".
func (a *httpAnswer) refuse(ctx context.Context, status int, errs gqlerror.List) {
	resp := a.exec.DispatchError(ctx, errs)
	a.w.WriteHeader(status)
	writeJSON(a.w, requestErrors{Errors: resp.Errors, Extensions: resp.Extensions})
}

// badRequest refuses a request whose parameters cannot be read.
func (a *httpAnswer) badRequest(msg string) {
	a.refuseWith(http.StatusBadRequest, msg)
}

// refuseWith refuses a request before it is read whole, with status.
func (a *httpAnswer) refuseWith(status int, msg string) {
	a.refuse(a.ctx, status, gqlerror.List{{Message: msg, Extensions: map[string]any{"code": graph.CodeBadUserInput}}})
}

// run checks and runs the operation of params and writes its answer.
func (a *httpAnswer) run(r *http.Request, params *graphql.RawParams) {
	ctx := r.Context()
	if params.Query == "" && params.Extensions["persistedQuery"] == nil {
		a.badRequest("query is required")
		return
	}
	opCtx, errs := a.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		ctx = graphql.WithOperationContext(ctx, opCtx)
		status := http.StatusBadRequest
		if !a.modern && documentError(errs) {
			status = http.StatusOK
		}
		a.refuse(ctx, status, errs)
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		a.w.Header().Set("Allow", http.MethodPost)
		a.refuse(ctx, http.StatusMethodNotAllowed, gqlerror.List{{
			Message:    "GET requests only allow query operations; send mutations with POST",
			Extensions: map[string]any{"code": graph.CodeBadUserInput},
		}})
		return
	}
	responses, ctx := a.exec.DispatchOperation(ctx, opCtx)
	writeResponse(a.w, responses(ctx))
}

// writeResponse writes an operation's answer as writeJSON would, byte for
// byte. gqlgen renders the data as compact JSON already; encoding/json would
// scan and copy all of it again (to compact it, and to escape <, > and & and
// the line separators U+2028 and U+2029). An answer that is only data and
// has none of those characters is written as it is; any other goes through
// writeJSON.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if resp == nil || len(resp.Data) == 0 || len(resp.Errors) > 0 || len(resp.Extensions) > 0 ||
		resp.Label != "" || resp.Path != nil || resp.HasNext != nil || needsEscaping(resp.Data) {
		writeJSON(w, resp)
		return
	}
	io.WriteString(w, `{"data":`)
	w.Write(resp.Data)
	io.WriteString(w, "}")
}

// needsEscaping reports whether encoding/json would rewrite some of b: <, >
// and & (HTML-safe output), and U+2028 and U+2029 (line and paragraph
// separators). Other text (dashes, quotes, "€") goes out as rendered.
func needsEscaping(b []byte) bool {
	return bytes.IndexAny(b, "<>&") >= 0 || bytes.Contains(b, lineSeparator) || bytes.Contains(b, paragraphSeparator)
}

var lineSeparator, paragraphSeparator = []byte("\u2028"), []byte("\u2029")

// requestErrors is the answer to a request that never ran: no "data".
type requestErrors struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// documentError reports whether errs say the document did not parse or validate,
// which the legacy application/json media type answers with 200.
func documentError(errs gqlerror.List) bool {
	for _, e := range errs {
		switch e.Extensions["code"] {
		case "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "PERSISTED_QUERY_NOT_FOUND":
		default:
			return false
		}
	}
	return true
}

// acceptsGraphQLResponse reports whether an Accept header lists the
// application/graphql-response+json media type (with a non-zero quality).
func acceptsGraphQLResponse(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && mt == mediaGraphQLResponse && params["q"] != "0" {
			return true
		}
	}
	return false
}

func decodeJSON(r io.Reader, into any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return io.ErrUnexpectedEOF // trailing data after the object
	}
	return nil
}

func writeJSON(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only unmarshalable extension values could cause this; answer with
		// the shape clients expect rather than nothing.
		b = []byte(`{"errors":[{"message":"the response could not be encoded","extensions":{"code":"INTERNAL"}}]}`)
	}
	w.Write(b)
}

// unsupportedRequest answers, in the GraphQL error shape and with a code, the
// requests no transport takes: other methods (405) and POST bodies of another
// media type (415). gqlgen alone would say "transport not supported" without a
// code.
type unsupportedRequest struct{}

var _ graphql.Transport = unsupportedRequest{}

// Supports takes everything; it is added last.
func (unsupportedRequest) Supports(*http.Request) bool { return true }

// Do answers the request with the status that says what is wrong.
func (unsupportedRequest) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	switch {
	case r.Header.Get("Upgrade") != "":
		writeGraphQLError(w, http.StatusBadRequest, "only websocket upgrades are supported, with the graphql-transport-ws or graphql-ws subprotocol", graph.CodeBadUserInput)
	case r.Method != http.MethodGet && r.Method != http.MethodPost:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		writeGraphQLError(w, http.StatusMethodNotAllowed, "send GraphQL requests with GET or POST", graph.CodeBadUserInput)
	default:
		writeGraphQLError(w, http.StatusUnsupportedMediaType,
			"send GraphQL requests as application/json (or multipart/form-data with uploads)", graph.CodeBadUserInput)
	}
}
