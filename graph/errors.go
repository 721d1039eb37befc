package graph

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/events"
	"github.com/switchboard/switchboard/ent"
)

// The extensions.code values clients branch on.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeNotFound        = "NOT_FOUND"
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeConflict        = "CONFLICT"
	CodeRateLimited     = "RATE_LIMITED"
	CodeProviderError   = "PROVIDER_ERROR"
	CodeInternal        = "INTERNAL"
	// CodeReplyWindowClosed: the messenger no longer accepts free-form
	// replies in this conversation (see Conversation.replyWindowClosesAt).
	CodeReplyWindowClosed = "REPLY_WINDOW_CLOSED"
	// CodeCursorExpired: a subscription's "after" cursor is older than the
	// event log keeps (--event-retention); reload and subscribe without it.
	CodeCursorExpired = "CURSOR_EXPIRED"
)

// ErrorPresenter maps core errors to GraphQL errors with extensions.code. Errors it
// does not know become INTERNAL with a generic message, and are logged, so no
// internal detail (SQL, paths, secrets) reaches a client.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		// Errors made by gqlgen itself (parse, validation, complexity) already
		// carry a code and a message meant for the client.
		var already *gqlerror.Error
		if errors.As(err, &already) && already.Extensions != nil && already.Extensions["code"] != nil {
			switch already.Extensions["code"] {
			case "COMPLEXITY_LIMIT_EXCEEDED", "INVALID_PAGINATION":
				// Both are a caller's mistake in what it asked for; keep the
				// documented set of codes small.
				already.Extensions["code"] = CodeBadUserInput
			}
			return already
		}
		if already != nil && already.Err == nil && len(already.Path) == 0 && graphql.GetFieldContext(ctx) == nil {
			// A request-level error from the transport (a body that is not JSON,
			// say). gqlgen's text may quote the body, which can hold a password,
			// so neither echo nor log it.
			msg := already.Message
			if i := strings.Index(msg, ":"); i > 0 {
				msg = msg[:i]
			}
			return &gqlerror.Error{Message: "invalid request: " + msg, Extensions: map[string]any{"code": CodeBadUserInput}}
		}
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		var (
			verr *core.ValidationError
			perr *core.ProviderError
		)
		switch {
		case errors.As(err, &verr):
			gqlErr.Message = verr.Error()
			gqlErr.Extensions["code"] = CodeBadUserInput
			if len(verr.Fields) > 0 {
				gqlErr.Extensions["field"] = verr.Fields[0].Field
			}
			gqlErr.Extensions["fields"] = verr.Fields
		case errors.Is(err, core.ErrBadCredentials):
			// Before ErrUnauthenticated, which it also is: a failed login is no
			// missing token. One message for every cause, so accounts cannot be
			// enumerated.
			gqlErr.Message = "wrong email or password"
			gqlErr.Extensions["code"] = CodeUnauthenticated
		case errors.Is(err, core.ErrUnauthenticated):
			gqlErr.Message = "authentication required: send a valid token as 'Authorization: Bearer <token>'"
			gqlErr.Extensions["code"] = CodeUnauthenticated
		case errors.Is(err, core.ErrForbidden):
			gqlErr.Message = "your role may not do this"
			gqlErr.Extensions["code"] = CodeForbidden
		case errors.Is(err, core.ErrNotFound), ent.IsNotFound(err):
			gqlErr.Message = "not found"
			gqlErr.Extensions["code"] = CodeNotFound
		case errors.Is(err, core.ErrConflict), ent.IsConstraintError(err):
			gqlErr.Message = "conflicts with existing data"
			gqlErr.Extensions["code"] = CodeConflict
		case errors.Is(err, core.ErrReplyWindowClosed):
			gqlErr.Message = "the messenger's reply window has closed: the customer must write again before a free-form reply can be sent"
			gqlErr.Extensions["code"] = CodeReplyWindowClosed
		case errors.Is(err, core.ErrCursorExpired):
			gqlErr.Message = "the cursor is older than the event log keeps: reload what you show and subscribe without a cursor"
			gqlErr.Extensions["code"] = CodeCursorExpired
		case errors.Is(err, core.ErrRateLimited):
			gqlErr.Message = "rate limit exceeded"
			gqlErr.Extensions["code"] = CodeRateLimited
		case errors.As(err, &perr):
			gqlErr.Message = perr.Error()
			gqlErr.Extensions["code"] = CodeProviderError
		case errors.Is(err, events.ErrSlowSubscriber):
			gqlErr.Message = "subscription ended: the client read events too slowly; subscribe again"
			gqlErr.Extensions["code"] = CodeRateLimited
		case badArgument(ctx):
			// gqlgen could not convert an argument (an ID that is no number, a
			// malformed time or cursor): the caller's mistake, not ours.
			gqlErr.Message = "invalid value for argument " + argumentName(gqlErr)
			gqlErr.Extensions["code"] = CodeBadUserInput
		default:
			log.ErrorContext(ctx, "graphql: internal error", "path", gqlErr.Path.String(), "err", err)
			gqlErr.Message = "internal error"
			gqlErr.Extensions["code"] = CodeInternal
		}
		return gqlErr
	}
}

// badArgument reports whether the error arose while gqlgen converted the field's
// arguments: the field context then has arguments declared but none parsed.
func badArgument(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && fc.Args == nil && fc.Field.Field != nil && len(fc.Field.Arguments) > 0
}

// argumentName names the argument an argument error is about, from its path.
func argumentName(e *gqlerror.Error) string {
	for i := len(e.Path) - 1; i >= 0; i-- {
		if name, ok := e.Path[i].(ast.PathName); ok {
			return string(name)
		}
	}
	return "(unknown)"
}

// Recover turns a panic in a resolver into an INTERNAL error and logs it with its
// stack, instead of crashing the server.
func Recover(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "graphql: panic", "panic", p, "stack", string(debug.Stack()))
		return errors.New("internal error")
	}
}
