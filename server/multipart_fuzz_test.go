package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// refusingExecutor refuses every operation, so a fuzzed request exercises
// only the reading of the multipart form.
type refusingExecutor struct{}

func (refusingExecutor) CreateOperationContext(context.Context, *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return nil, gqlerror.List{{Message: "refused", Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}}
}

func (refusingExecutor) DispatchOperation(context.Context, *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	panic("never dispatched")
}

func (refusingExecutor) DispatchError(_ context.Context, errs gqlerror.List) *graphql.Response {
	return &graphql.Response{Errors: errs}
}

// FuzzMultipartForm: any multipart body is answered with a GraphQL error
// document and a status of the GraphQL over HTTP rules, never a panic.
func FuzzMultipartForm(f *testing.F) {
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"{ a }\"}\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{\"0\":[\"variables.f\"]}\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a.jpg\"\r\n\r\nJPEG\r\n--b--\r\n"))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"{ a }\",\"variables\":{\"in\":{\"files\":[null]}}}\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{\"0\":[\"variables.in.files.0\",\"variables.in.files.0\"]}\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a.jpg\"\r\n\r\nJPEG\r\n--b--\r\n"))
	f.Add([]byte("--b--\r\n"))
	tr := multipartForm{maxFields: 1 << 10, maxMemory: 16}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		w := httptest.NewRecorder()
		tr.Do(w, req, refusingExecutor{})
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d", w.Code)
		}
		var out struct {
			Data   *json.RawMessage `json:"data"`
			Errors []struct {
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || len(out.Errors) == 0 || out.Errors[0].Extensions["code"] == nil {
			t.Fatalf("answer %q: %v", w.Body, err)
		}
	})
}
