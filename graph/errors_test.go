package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
)

// capturedLog returns a JSON logger writing into the returned buffer.
func capturedLog(t *testing.T) (*slog.Logger, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, nil)), &buf
}

// resolverContext is the context of a resolver at path account.name, as gqlgen
// gives the error presenter.
func resolverContext() context.Context {
	ctx := graphql.WithPathContext(context.Background(), graphql.NewPathWithField("account"))
	return graphql.WithPathContext(ctx, graphql.NewPathWithField("name"))
}

// present runs err through the presenter and returns the JSON a client would get.
func present(t *testing.T, log *slog.Logger, ctx context.Context, err error) (*gqlerror.Error, map[string]any) {
	t.Helper()
	gqlErr := ErrorPresenter(log)(ctx, err)
	if gqlErr == nil {
		t.Fatalf("presenter returned nil for %v", err)
	}
	b, merr := json.Marshal(gqlErr)
	if merr != nil {
		t.Fatalf("marshal presented error: %v", merr)
	}
	var out map[string]any
	if merr := json.Unmarshal(b, &out); merr != nil {
		t.Fatalf("unmarshal presented error %s: %v", b, merr)
	}
	return gqlErr, out
}

func code(t *testing.T, out map[string]any) string {
	t.Helper()
	ext, _ := out["extensions"].(map[string]any)
	c, _ := ext["code"].(string)
	return c
}

func TestErrorPresenterCodes(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		wantCode    string
		wantMessage string // exact, when not empty
	}{
		{"unauthenticated", fmt.Errorf("auth: %w", core.ErrUnauthenticated), CodeUnauthenticated, ""},
		{"bad credentials", fmt.Errorf("login: %w", core.ErrBadCredentials), CodeUnauthenticated, "wrong email or password"},
		{"forbidden", fmt.Errorf("requires role [ADMIN]: %w", core.ErrForbidden), CodeForbidden, "your role may not do this"},
		{"not found", fmt.Errorf("accounts: get: %w", core.ErrNotFound), CodeNotFound, "not found"},
		{"ent not found", fmt.Errorf("load: %w", &ent.NotFoundError{}), CodeNotFound, "not found"},
		{"conflict", fmt.Errorf("auth: create user: %w", core.ErrConflict), CodeConflict, "conflicts with existing data"},
		{"ent constraint", fmt.Errorf("save: %w", &ent.ConstraintError{}), CodeConflict, "conflicts with existing data"},
		{"rate limited", fmt.Errorf("login: %w", core.ErrRateLimited), CodeRateLimited, "rate limit exceeded"},
		{"provider", fmt.Errorf("test connection: %w", &core.ProviderError{
			Provider: "telegram", Message: "the bot token was rejected",
			Err: errors.New("POST https://api.telegram.org/bot123:SECRET/getMe: 401"),
		}), CodeProviderError, "telegram: the bot token was rejected"},
		{"validation", core.Invalid("name", "is required"), CodeBadUserInput, "invalid input: name: is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, buf := capturedLog(t)
			// Once as the resolver returned it, once as gqlgen hands it over
			// (wrapped in a *gqlerror.Error with the field's path).
			for _, form := range []struct {
				name string
				err  error
			}{
				{"bare", tt.err},
				{"on path", graphql.ErrorOnPath(resolverContext(), tt.err)},
			} {
				gqlErr, out := present(t, log, resolverContext(), form.err)
				if got := code(t, out); got != tt.wantCode {
					t.Errorf("%s: code = %q; want %q (json %v)", form.name, got, tt.wantCode, out)
				}
				if tt.wantMessage != "" && gqlErr.Message != tt.wantMessage {
					t.Errorf("%s: message = %q; want %q", form.name, gqlErr.Message, tt.wantMessage)
				}
				if strings.Contains(gqlErr.Message, "SECRET") || strings.Contains(gqlErr.Message, "accounts: get") {
					t.Errorf("%s: message %q leaks internal detail", form.name, gqlErr.Message)
				}
				if got := gqlErr.Path.String(); got != "account.name" {
					t.Errorf("%s: path = %q; want account.name", form.name, got)
				}
			}
			if buf.Len() != 0 {
				t.Errorf("a known error was logged as internal: %s", buf)
			}
		})
	}
}

func TestErrorPresenterValidationFields(t *testing.T) {
	verr := &core.ValidationError{}
	verr.Add("settings.telegram.botToken", "is required")
	verr.Add("settings.telegram.botUsername", "must be given without the leading @")

	tests := []struct {
		name string
		err  error
	}{
		{"bare", verr},
		{"wrapped", fmt.Errorf("accounts: create: %w", verr)},
		{"on path", graphql.ErrorOnPath(resolverContext(), verr)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, _ := capturedLog(t)
			gqlErr, out := present(t, log, resolverContext(), tt.err)
			if got := code(t, out); got != CodeBadUserInput {
				t.Errorf("code = %q; want %q", got, CodeBadUserInput)
			}
			if gqlErr.Message != verr.Error() {
				t.Errorf("message = %q; want %q", gqlErr.Message, verr.Error())
			}
			ext := out["extensions"].(map[string]any)
			if got := ext["field"]; got != "settings.telegram.botToken" {
				t.Errorf("extensions.field = %v; want the first field", got)
			}
			fields, _ := ext["fields"].([]any)
			want := []map[string]any{
				{"field": "settings.telegram.botToken", "message": "is required"},
				{"field": "settings.telegram.botUsername", "message": "must be given without the leading @"},
			}
			if len(fields) != len(want) {
				t.Fatalf("extensions.fields = %v; want %v", fields, want)
			}
			for i, f := range fields {
				m, _ := f.(map[string]any)
				if m["field"] != want[i]["field"] || m["message"] != want[i]["message"] {
					t.Errorf("extensions.fields[%d] = %v; want %v", i, m, want[i])
				}
			}
		})
	}
}

func TestErrorPresenterHidesInternalErrors(t *testing.T) {
	cause := errors.New("sqlite: UNIQUE failed: secret-sql-detail")
	tests := []struct {
		name string
		err  error
	}{
		{"bare", fmt.Errorf("accounts: reseal: %w", cause)},
		{"on path", graphql.ErrorOnPath(resolverContext(), fmt.Errorf("accounts: reseal: %w", cause))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, buf := capturedLog(t)
			gqlErr, out := present(t, log, resolverContext(), tt.err)
			if got := code(t, out); got != CodeInternal {
				t.Errorf("code = %q; want %q", got, CodeInternal)
			}
			if gqlErr.Message != "internal error" {
				t.Errorf("message = %q; want %q", gqlErr.Message, "internal error")
			}
			b, _ := json.Marshal(gqlErr)
			if bytes.Contains(b, []byte("secret-sql-detail")) {
				t.Errorf("client sees the internal detail: %s", b)
			}
			logged := buf.String()
			if !strings.Contains(logged, "secret-sql-detail") {
				t.Errorf("log %q lacks the internal detail", logged)
			}
			if !strings.Contains(logged, `"level":"ERROR"`) || !strings.Contains(logged, "account.name") {
				t.Errorf("log %q: want an ERROR line with the field path", logged)
			}
		})
	}
}

func TestErrorPresenterKeepsGqlgenErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      *gqlerror.Error
		wantCode string
	}{
		{"validation", &gqlerror.Error{Message: "Cannot query field \"nope\" on type \"Query\".",
			Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}, "GRAPHQL_VALIDATION_FAILED"},
		{"complexity", &gqlerror.Error{Message: "operation has complexity 2000, which exceeds the limit of 1000",
			Extensions: map[string]any{"code": "COMPLEXITY_LIMIT_EXCEEDED"}}, CodeBadUserInput},
		{"depth", func() *gqlerror.Error {
			e := gqlerror.Errorf("operation is nested 13 levels deep; the limit is 12")
			e.Extensions = map[string]any{"code": CodeBadUserInput}
			return e
		}(), CodeBadUserInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, buf := capturedLog(t)
			msg := tt.err.Message
			gqlErr, out := present(t, log, context.Background(), tt.err)
			if got := code(t, out); got != tt.wantCode {
				t.Errorf("code = %q; want %q", got, tt.wantCode)
			}
			if gqlErr.Message != msg {
				t.Errorf("message = %q; want gqlgen's %q kept", gqlErr.Message, msg)
			}
			if buf.Len() != 0 {
				t.Errorf("a client error was logged: %s", buf)
			}
		})
	}
}

func TestRecover(t *testing.T) {
	tests := []struct {
		name  string
		panic any
	}{
		{"string", "boom: secret-panic-detail"},
		{"error", errors.New("boom: secret-panic-detail")},
		{"runtime error", func() (p any) {
			defer func() { p = recover() }()
			var m map[string]int
			m["secret-panic-detail"] = 1
			return nil
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, buf := capturedLog(t)
			err := Recover(log)(resolverContext(), tt.panic)
			if err == nil || err.Error() != "internal error" {
				t.Fatalf("Recover returned %v; want \"internal error\"", err)
			}
			logged := buf.String()
			if !strings.Contains(logged, "graphql: panic") || !strings.Contains(logged, `"stack":`) {
				t.Errorf("log %q: want the panic with its stack", logged)
			}
			if tt.name != "runtime error" && !strings.Contains(logged, "secret-panic-detail") {
				t.Errorf("log %q lacks the panic value", logged)
			}
			// What the client finally sees once the presenter has run.
			gqlErr, out := present(t, log, resolverContext(), err)
			if gqlErr.Message != "internal error" || code(t, out) != CodeInternal {
				t.Errorf("presented panic = %q %v; want internal error, INTERNAL", gqlErr.Message, out)
			}
			if strings.Contains(gqlErr.Message, "secret-panic-detail") {
				t.Errorf("client sees the panic value: %q", gqlErr.Message)
			}
		})
	}
}

// TestErrorPresenterMalformedArguments sends arguments that pass GraphQL
// validation but that gqlgen cannot convert (an ID that is not a number, a Time
// that is not RFC 3339, a cursor that does not decode). The request is wrong, so
// the client should get BAD_USER_INPUT, and the server should not log an error.
func TestErrorPresenterMalformedArguments(t *testing.T) {

	tests := []struct {
		name  string
		query string
	}{
		{"non-numeric ID", `{ node(id: "abc") { id } }`},
		{"non-numeric ID in a list", `{ nodes(ids: ["1", "x"]) { id } }`},
		{"malformed cursor", `{ users(first: 1, after: "zzz") { totalCount } }`},
		{"malformed time", `mutation { createApiToken(input: {userId: 1, name: "x", expiresAt: "tomorrow"}) { token } }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, buf := capturedLog(t)
			h := handler.New(NewSchema(&Resolver{}))
			h.AddTransport(transport.POST{})
			h.SetErrorPresenter(ErrorPresenter(log))
			body, _ := json.Marshal(map[string]string{"query": tt.query})
			r := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			var resp struct {
				Errors []struct {
					Message    string         `json:"message"`
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || len(resp.Errors) == 0 {
				t.Fatalf("response %s: want a GraphQL error (decode err %v)", w.Body, err)
			}
			if got := resp.Errors[0].Extensions["code"]; got != CodeBadUserInput {
				t.Errorf("code = %v (message %q); want %s", got, resp.Errors[0].Message, CodeBadUserInput)
			}
			if strings.Contains(buf.String(), `"level":"ERROR"`) {
				t.Errorf("a client's bad argument was logged as a server error: %s", buf)
			}
		})
	}
}
