package metatest

import (
	"fmt"
	"net/http"
	"time"
)

// GraphError is a Graph API error body
// (https://developers.facebook.com/docs/graph-api/guides/error-handling):
// {"error":{"message","type","code","error_subcode","error_data","is_transient","fbtrace_id"}}.
type GraphError struct {
	// HTTPStatus is the status it is answered with (0: 400, Graph's usual).
	HTTPStatus int
	Message    string
	Type       string
	Code       int
	Subcode    int
	// Details is WhatsApp's error_data.details ("" leaves error_data out).
	Details     string
	IsTransient bool
}

// Reply is the error as a queued or hooked reply.
func (e GraphError) Reply() Reply { return Reply{Error: &e} }

func (e GraphError) status() int {
	if e.HTTPStatus == 0 {
		return http.StatusBadRequest
	}
	return e.HTTPStatus
}

// body is the error's JSON object, with fbtrace_id.
func (e GraphError) body(trace string) map[string]any {
	typ := e.Type
	if typ == "" {
		typ = "OAuthException"
	}
	obj := map[string]any{"message": e.Message, "type": typ, "code": e.Code, "fbtrace_id": trace}
	if e.Subcode != 0 {
		obj["error_subcode"] = e.Subcode
	}
	if e.Details != "" {
		obj["error_data"] = map[string]any{"messaging_product": "whatsapp", "details": e.Details}
	}
	if e.IsTransient {
		obj["is_transient"] = true
	}
	return map[string]any{"error": obj}
}

// Reply is an answer the fake gives instead of its own, to simulate failures.
type Reply struct {
	// Error, when set, is answered as a Graph error body.
	Error *GraphError
	// HTTPStatus and Body, when Body is set, are answered as they are (an HTML
	// error page, broken JSON); HTTPStatus 0 is 200.
	HTTPStatus int
	Body       string
	Header     http.Header
	// Delay holds the answer back, or until the client gives up, to simulate
	// a slow or hanging API.
	Delay time.Duration
}

// Errors of the real API that tests commonly need.
var (
	// ErrNoToken answers a call without an access token.
	ErrNoToken = GraphError{Message: "An access token is required to request this resource.", Code: 104}
	// ErrInvalidToken answers a token Graph cannot parse or does not know.
	ErrInvalidToken = GraphError{Message: "Invalid OAuth access token - Cannot parse access token", Code: 190}
	// ErrExpiredToken answers a token that expired.
	ErrExpiredToken = GraphError{Message: "Error validating access token: Session has expired on Monday, 02-Mar-26 10:00:00 PST.",
		Code: 190, Subcode: 463}
	// ErrRateLimit is the Send API's rate limit.
	ErrRateLimit = GraphError{Message: "(#613) Calls to this api have exceeded the rate limit.", Code: 613}
	// ErrAppRateLimit is the application request limit.
	ErrAppRateLimit = GraphError{HTTPStatus: http.StatusForbidden, Message: "(#4) Application request limit reached", Code: 4, IsTransient: true}
	// ErrTemporary is an outage Meta marks transient.
	ErrTemporary = GraphError{HTTPStatus: http.StatusInternalServerError,
		Message: "An unexpected error has occurred. Please retry your request later.", Code: 2, IsTransient: true}
	// ErrPermission is a token without the permission an endpoint needs.
	ErrPermission = GraphError{HTTPStatus: http.StatusForbidden,
		Message: "(#10) Application does not have permission for this action", Code: 10}
	// BadGateway is a load balancer's error page instead of a Graph body.
	BadGateway = Reply{HTTPStatus: http.StatusBadGateway, Header: http.Header{"Content-Type": {"text/html"}},
		Body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"}
)

// NoObject is Graph's answer to a node that does not exist or that the token
// may not see (code 100, subcode 33).
func NoObject(method, id string) GraphError {
	return GraphError{
		Type: "GraphMethodException", Code: 100, Subcode: 33,
		Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
			method, id),
	}
}

// InvalidParameter is Graph's refusal of a parameter (code 100).
func InvalidParameter(message string) GraphError {
	return GraphError{Message: "(#100) " + message, Code: 100}
}
