package core

import (
	"errors"
	"fmt"
	"strings"
)

// The failures callers branch on. The GraphQL layer maps each to one
// extensions.code in a single place; other transports map them to statuses.
var (
	// ErrUnauthenticated: no valid token or session.
	ErrUnauthenticated = errors.New("authentication required")
	// ErrBadCredentials: a login named an unknown or inactive user or the wrong
	// password; which of them is deliberately not said, so accounts cannot be
	// enumerated. It is also ErrUnauthenticated for errors.Is.
	ErrBadCredentials = fmt.Errorf("%w: wrong email or password", ErrUnauthenticated)
	// ErrForbidden: the viewer is known but its role may not do this.
	ErrForbidden = errors.New("not allowed for this role")
	// ErrNotFound: the object does not exist or belongs to another tenant;
	// the two are deliberately indistinguishable.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change clashes with existing data (a duplicate name, say).
	ErrConflict = errors.New("conflict")
	// ErrRateLimited: the caller sent too much too fast.
	ErrRateLimited = errors.New("rate limit exceeded")
	// ErrReplyWindowClosed: the messenger accepts free-form replies only for
	// a while after the customer last wrote, and that time has passed.
	ErrReplyWindowClosed = errors.New("the messenger's reply window has closed")
	// ErrCursorExpired: a subscription resumes from a cursor older than the
	// event log keeps, so what came after it may be gone; the client reloads
	// and subscribes afresh.
	ErrCursorExpired = errors.New("the cursor is older than the event log keeps")
)

// FieldError is one invalid input field, named by its path in the request
// (for example "settings.telegram.botToken") so a form can mark it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists everything wrong with an input at once, so a user fixes a
// form in one round trip rather than one field per try.
type ValidationError struct {
	Fields []FieldError
}

// Error joins the field messages; it never includes submitted values.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records one invalid field.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// OrNil returns e when it holds a field error and nil otherwise, so validators can
// end with `return v.OrNil()`.
func (e *ValidationError) OrNil() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Invalid is a shortcut for a ValidationError with a single field.
func Invalid(field, format string, args ...any) error {
	v := &ValidationError{}
	v.Add(field, format, args...)
	return v
}

// ProviderError is a failure reported by a messenger's API. Message is safe to
// show a user: it never carries credentials.
type ProviderError struct {
	Provider string
	Message  string
	// Retryable tells the dispatcher whether trying again may help.
	Retryable bool
	Err       error
}

// Error describes the failure with the provider's name.
func (e *ProviderError) Error() string { return e.Provider + ": " + e.Message }

// Unwrap exposes the cause for errors.Is/As.
func (e *ProviderError) Unwrap() error { return e.Err }
