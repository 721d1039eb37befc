package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// multipartBody is a GraphQL multipart request (operations, map, files) as
// upload clients send it; each file is named by its map key.
func multipartBody(t *testing.T, operations, fileMap string, files map[string][]byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("operations", operations)
	if fileMap != "" {
		mw.WriteField("map", fileMap)
	}
	for key, data := range files {
		part, _ := mw.CreatePart(map[string][]string{
			"Content-Disposition": {`form-data; name="` + key + `"; filename="` + key + `.jpg"`},
			"Content-Type":        {"image/jpeg"},
		})
		part.Write(data)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// TestUploadsNeedATokenBeforeTheirBody: a multipart request (the only kind
// allowed a body past the 1 MiB limit) without a valid token is answered 401
// at once, before any of its body is read.
func TestUploadsNeedATokenBeforeTheirBody(t *testing.T) {
	ts := newTestServer(t)
	for name, token := range map[string]string{"no token": "", "a wrong token": "sb_not-a-token"} {
		t.Run(name, func(t *testing.T) {
			done := make(chan struct{})
			defer close(done)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.http.URL+"/query",
				&stalledBody{first: []byte("--b\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{"), done: done})
			req.ContentLength = 60 << 20
			req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			r := sendRaw(t, nil, req)
			if r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
				t.Fatalf("status %d code %q; want 401 UNAUTHENTICATED (body %s)", r.Status, r.code(), r.Body)
			}
		})
	}
}

// TestMultipartRequestsAnswerLikeJSONOnes: a multipart request's operations
// field is bounded like a JSON body, and its refusals follow the GraphQL over
// HTTP rules of the other transports (no "data", a code, 400 or 413; a
// document error answers 200 to application/json).
func TestMultipartRequestsAnswerLikeJSONOnes(t *testing.T) {
	ts := newTestServer(t)
	const (
		modern = "application/graphql-response+json"
		legacy = "application/json"
	)
	huge, _ := json.Marshal(map[string]any{"query": "{ __typename }", "variables": map[string]string{"pad": strings.Repeat("x", 1<<20)}})
	cases := []struct {
		name, operations, fileMap string
		files                     map[string][]byte
		accept                    string
		wantStatus                int
		wantCode                  string
		wantData                  bool
	}{
		{"runs", `{"query":"{ __typename }"}`, `{}`, nil, modern, 200, "", true},
		{"operations over 1 MiB", string(huge), `{}`, nil, modern, 413, "BAD_USER_INPUT", false},
		{"operations not JSON", `{"query":`, `{}`, nil, modern, 400, "BAD_USER_INPUT", false},
		{"parse error, graphql-response", `{"query":"{"}`, `{}`, nil, modern, 400, "GRAPHQL_PARSE_FAILED", false},
		{"parse error, json", `{"query":"{"}`, `{}`, nil, legacy, 200, "GRAPHQL_PARSE_FAILED", false},
		{"no map", `{"query":"{ __typename }"}`, ``, nil, modern, 400, "BAD_USER_INPUT", false},
		{"a file not in map", `{"query":"{ __typename }"}`, `{}`, map[string][]byte{"0": fakeJPEG}, modern, 400, "BAD_USER_INPUT", false},
		{"a file in map missing", `{"query":"{ __typename }"}`, `{"0": ["variables.f"]}`, nil, legacy, 400, "BAD_USER_INPUT", false},
		{"a path to no variable", `{"query":"{ __typename }"}`, `{"0": ["variables.in.files.3"]}`, map[string][]byte{"0": fakeJPEG}, modern, 400, "BAD_USER_INPUT", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, contentType := multipartBody(t, tc.operations, tc.fileMap, tc.files)
			req := ts.newRequest(t, http.MethodPost, "/query", ts.adminToken, body)
			req.Header.Set("Content-Type", contentType)
			req.Header.Set("Accept", tc.accept)
			r := sendRaw(t, nil, req)
			if r.Status != tc.wantStatus || r.code() != tc.wantCode {
				t.Fatalf("status %d code %q; want %d %q (body %.300s)", r.Status, r.code(), tc.wantStatus, tc.wantCode, r.Body)
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal([]byte(r.Body), &keys); err != nil {
				t.Fatalf("body is not JSON: %.300s", r.Body)
			}
			if _, has := keys["data"]; has != tc.wantData {
				t.Fatalf("data entry present = %v, want %v (body %.300s)", has, tc.wantData, r.Body)
			}
		})
	}
}
