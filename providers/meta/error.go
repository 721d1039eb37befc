package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// Graph error codes Switchboard branches on
// (https://developers.facebook.com/docs/graph-api/guides/error-handling,
// https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes/,
// https://developers.facebook.com/docs/messenger-platform/error-codes).
const (
	CodeUnknown           = 1      // API Unknown: possibly temporary
	CodeService           = 2      // API Service: temporary downtime
	CodeAPIMethod         = 3      // the app lacks a capability or permission for the call
	CodeTooManyCalls      = 4      // application request limit
	CodePermissionDenied  = 10     // permission missing (also Messenger's window, subcode 2018278)
	CodeUserTooManyCalls  = 17     // user request limit
	CodePageTooManyCalls  = 32     // page request limit
	CodeInvalidParameter  = 100    // invalid parameter (subcode 33: no such object or no access)
	CodeAPISession        = 102    // the session or access token expired, was revoked or is invalid
	CodeNoAccessToken     = 104    // the call carried no access token
	CodeAccessToken       = 190    // access token expired or invalid
	CodeAppLimit          = 341    // application limit reached: temporary
	CodePolicyBlock       = 368    // temporarily blocked for policy violations
	CodePersonUnavailable = 551    // Messenger: this person isn't available right now
	CodeRateLimit         = 613    // calls exceeded the rate limit
	CodeWABARateLimit     = 80007  // WhatsApp Business Account rate limit
	CodeThroughput        = 130429 // WhatsApp: the number's throughput was exceeded
	CodeWASomethingWrong  = 131000 // WhatsApp: unknown error, try again
	CodeWAAccessDenied    = 131005 // WhatsApp: permission not granted or removed
	CodeWAServiceDown     = 131016 // WhatsApp: service unavailable
	CodeUndeliverable     = 131026 // WhatsApp: the message cannot be delivered to this user
	CodeReEngagement      = 131047 // WhatsApp: 24 hours since the customer last wrote
	CodeSpamRateLimit     = 131048 // WhatsApp: too many messages from this number were flagged
	CodeMediaUpload       = 131053 // WhatsApp: the media could not be fetched or uploaded
	CodePairRateLimit     = 131056 // WhatsApp: too many messages to this customer
	CodeServerUnavailable = 133004 // WhatsApp: server temporarily unavailable

	// SubcodeOutsideWindow is Messenger's refusal of a message sent more than
	// 24 hours after the person's last message (code 10).
	SubcodeOutsideWindow = 2018278
	// SubcodeNoObject: the node does not exist, or the token may not see it
	// (code 100).
	SubcodeNoObject = 33
)

// retryableCodes may pass on a later try: outages and rate limits.
var retryableCodes = map[int]bool{
	CodeUnknown: true, CodeService: true, CodeTooManyCalls: true, CodeUserTooManyCalls: true,
	CodePageTooManyCalls: true, CodeAppLimit: true, CodeRateLimit: true, CodeWABARateLimit: true,
	CodeThroughput: true, CodeWASomethingWrong: true, CodeWAServiceDown: true, CodeSpamRateLimit: true,
	CodeMediaUpload: true, CodePairRateLimit: true, CodeServerUnavailable: true,
}

// codeHelp says what a code means for the person reading a failed message or a
// failed connection check, after Graph's own words.
var codeHelp = map[int]string{
	CodeTooManyCalls:      "Meta's rate limit for the app was reached",
	CodeUserTooManyCalls:  "Meta's rate limit for the user was reached",
	CodePageTooManyCalls:  "Meta's rate limit for the Page was reached",
	CodeRateLimit:         "Meta's rate limit was reached",
	CodeWABARateLimit:     "the WhatsApp Business Account's rate limit was reached",
	CodeThroughput:        "the number's message throughput was exceeded",
	CodePairRateLimit:     "too many messages were sent to this customer in a short time",
	CodeSpamRateLimit:     "WhatsApp limits this number because earlier messages were blocked or reported",
	CodePermissionDenied:  "the app lacks a permission it needs, or the token does not belong to this account",
	CodeInvalidParameter:  "Meta refused a parameter of the request",
	CodeAccessToken:       "the access token is invalid or expired: generate a new one and save it in the account",
	CodePolicyBlock:       "the sender is temporarily blocked for policy violations",
	CodePersonUnavailable: "this person isn't available: they may have blocked the Page or cannot receive messages",
	CodeUndeliverable:     "WhatsApp cannot deliver to this number (not on WhatsApp, or an outdated app)",
	CodeReEngagement:      "more than 24 hours have passed since the customer last wrote: WhatsApp allows only approved templates until they write again",
	CodeMediaUpload:       "WhatsApp could not fetch or process the media",
}

// Error is a Graph API error body ({"error":{...}}): Meta refused the call and
// said why. Callers branch on Code and Subcode; Message and Details are Meta's
// words (with any token replaced), safe to show.
type Error struct {
	// Op is the call that failed ("facebook: send").
	Op         string
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
	// UserTitle and UserMessage are Meta's text for end users, when given.
	UserTitle   string
	UserMessage string
	// Details is WhatsApp's error_data.details, its most precise explanation.
	Details     string
	FBTraceID   string
	IsTransient bool
	RetryAfter  time.Duration
}

// Error reports the call, the code and Meta's message.
func (e *Error) Error() string {
	code := strconv.Itoa(e.Code)
	if e.Subcode != 0 {
		code += "/" + strconv.Itoa(e.Subcode)
	}
	return fmt.Sprintf("%s: Graph API error %s (%s): %s", e.Op, code, e.Type, e.Message)
}

// Retryable reports whether a later try may pass: Meta's outages, rate limits
// and errors it marks transient. Everything else needs a person to act.
func (e *Error) Retryable() bool {
	return retryableCodes[e.Code] || e.IsTransient || e.HTTPStatus >= 500
}

// Credentials reports whether Meta refused the access token, or its
// permissions as a whole, rather than this call's content or recipient: a
// token that is missing, invalid, expired or revoked (104, 190, 102, and any
// HTTP 401, as WhatsApp's AuthException, code 0), and a token without a
// permission the app, Page or number needs (3, 10 and 200-299 without a
// subcode, WhatsApp's 131005). Messenger's refusals about one person under
// those codes carry a subcode (the 24-hour window 10/2018278, "this person
// isn't available" 200/1545041), and stay the message's.
func (e *Error) Credentials() bool {
	switch {
	case e.HTTPStatus == http.StatusUnauthorized:
		return true
	case e.Code == CodeAccessToken, e.Code == CodeAPISession, e.Code == CodeNoAccessToken, e.Code == CodeWAAccessDenied:
		return true
	case e.Code == CodeAPIMethod, e.Code == CodePermissionDenied, e.Code >= 200 && e.Code <= 299:
		return e.Subcode == 0 && !e.OutsideWindow()
	}
	return false
}

// OutsideWindow reports the refusals of a reply outside the customer-service
// window: Messenger's 24 hours (code 10, subcode 2018278) and WhatsApp's
// re-engagement error (131047).
func (e *Error) OutsideWindow() bool {
	return (e.Code == CodePermissionDenied && e.Subcode == SubcodeOutsideWindow) || e.Code == CodeReEngagement
}

// Reason is the refusal in words a person can act on: Meta's message (kept as
// given, so it can be looked up), the code, WhatsApp's details and what the
// code means.
func (e *Error) Reason() string {
	var b strings.Builder
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		msg = strings.TrimSpace(e.UserMessage)
	}
	if msg == "" {
		msg = "Meta refused the request"
	}
	b.WriteString(msg)
	b.WriteString(" (code ")
	b.WriteString(strconv.Itoa(e.Code))
	if e.Subcode != 0 {
		b.WriteString(", subcode ")
		b.WriteString(strconv.Itoa(e.Subcode))
	}
	b.WriteString(")")
	if d := strings.TrimSpace(e.Details); d != "" && !strings.Contains(msg, d) {
		b.WriteString(": ")
		b.WriteString(d)
	}
	help := codeHelp[e.Code]
	if e.OutsideWindow() && e.Code == CodePermissionDenied {
		help = "the customer's 24-hour window has closed: Messenger lets a Page reply only within 24 hours of the customer's last message"
	}
	if help != "" && !strings.Contains(strings.ToLower(b.String()), strings.ToLower(help)) {
		b.WriteString(" — ")
		b.WriteString(help)
	}
	return b.String()
}

// scrub replaces the token in Meta's words: Graph quotes a malformed token in
// its message.
func (e *Error) scrub(token string) {
	if token == "" {
		return
	}
	for _, s := range []*string{&e.Message, &e.UserTitle, &e.UserMessage, &e.Details, &e.Type} {
		*s = strings.ReplaceAll(*s, token, "<token>")
	}
}

// errorData is WhatsApp's error_data object.
type errorData struct {
	Details string `json:"details"`
}

// parseError reads a Graph error body, or nil when raw is not one. Graph sends
// error_data as an object (WhatsApp) or, on some endpoints, a string.
func parseError(raw []byte) *Error {
	if !bytes.Contains(raw, []byte(`"error"`)) {
		return nil
	}
	var body struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(raw, &body) != nil || len(body.Error) == 0 || body.Error[0] != '{' {
		return nil
	}
	var e struct {
		Message     string          `json:"message"`
		Type        string          `json:"type"`
		Code        StringNumber    `json:"code"`
		Subcode     StringNumber    `json:"error_subcode"`
		UserTitle   string          `json:"error_user_title"`
		UserMessage string          `json:"error_user_msg"`
		FBTraceID   string          `json:"fbtrace_id"`
		IsTransient bool            `json:"is_transient"`
		ErrorData   json.RawMessage `json:"error_data"`
	}
	if json.Unmarshal(body.Error, &e) != nil {
		return nil
	}
	code, _ := e.Code.Int()
	sub, _ := e.Subcode.Int()
	out := &Error{
		Code: code, Subcode: sub, Type: e.Type, Message: e.Message,
		UserTitle: e.UserTitle, UserMessage: e.UserMessage, FBTraceID: e.FBTraceID, IsTransient: e.IsTransient,
	}
	var data errorData
	if len(e.ErrorData) > 0 && json.Unmarshal(e.ErrorData, &data) == nil {
		out.Details = data.Details
	}
	return out
}

// SendError classifies a failed call for the delivery queue as a
// *providers.SendError: Graph's outages and rate limits, HTTP 429/5xx and
// transport errors are retryable; other refusals are permanent, with Meta's
// message as Reason, and those of the token or its permissions are
// Credentials failures (see Error.Credentials); a success that cannot be read
// is permanent too, since retrying could deliver the message twice.
func SendError(err error) error {
	if err == nil {
		return nil
	}
	var se *providers.SendError
	if errors.As(err, &se) {
		return se
	}
	var gerr *Error
	if errors.As(err, &gerr) {
		return &providers.SendError{Retryable: gerr.Retryable(), RetryAfter: gerr.RetryAfter, Credentials: gerr.Credentials(),
			Reason: gerr.Reason(), Err: err}
	}
	var herr *HTTPError
	if errors.As(err, &herr) {
		return &providers.SendError{Retryable: herr.Retryable(), RetryAfter: herr.RetryAfter,
			Reason: "Meta answered HTTP " + strconv.Itoa(herr.Status) + " " + http.StatusText(herr.Status), Err: err}
	}
	var derr *DecodeError
	if errors.As(err, &derr) {
		return &providers.SendError{Reason: err.Error(), Err: err}
	}
	// Transport errors and timeouts: the request may not have reached Meta.
	return &providers.SendError{Retryable: true, Reason: err.Error(), Err: err}
}

// AccountSendError is SendError for a call on the account's own node (its
// Page's or its number's messages or media): Graph's "no such object, or no
// access to it" (100/33) is then about the token, which belongs to another
// Page or number or lost its access, and so a Credentials failure too.
func AccountSendError(err error) error {
	out := SendError(err)
	var gerr *Error
	var se *providers.SendError
	if errors.As(err, &gerr) && gerr.Code == CodeInvalidParameter && gerr.Subcode == SubcodeNoObject && errors.As(out, &se) {
		se.Credentials = true
	}
	return out
}

// Permanent is a failure no retry can fix, with reason as its explanation.
func Permanent(reason string) error {
	return &providers.SendError{Reason: reason, Err: errors.New(reason)}
}

// NoToken is the failure of an account without an access token, with reason
// as its explanation: a Credentials failure.
func NoToken(reason string) error {
	return &providers.SendError{Credentials: true, Reason: reason, Err: errors.New(reason)}
}
