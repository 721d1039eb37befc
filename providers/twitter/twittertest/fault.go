package twittertest

import (
	"net/http"
	"strconv"
	"time"
)

// Fault is an answer the fake gives instead of doing its work: an outage, a
// limit, a refusal.
type Fault struct {
	Status int
	// Body is sent as is; Header adds to the answer's headers. With neither
	// Content-Type nor a body, the answer is empty.
	Body   string
	Header http.Header
	// ResetIn, when set, adds X's rate limit headers: x-rate-limit-limit,
	// x-rate-limit-remaining 0 and x-rate-limit-reset this far from now (a
	// Unix time in seconds).
	ResetIn time.Duration
	// Accept makes X do the work before the fault is answered: a direct
	// message is delivered, but the caller sees the fault, as after a timeout
	// or a 5xx that came too late.
	Accept bool
	// Drop closes the connection without an answer (a network failure).
	Drop bool

	// pass lets the call through untouched (see Pass).
	pass bool
}

// X's documented error answers, ready to inject.
var (
	// RateLimited is a 429 whose window resets in a minute: retryable.
	RateLimited = Fault{Status: http.StatusTooManyRequests, ResetIn: time.Minute,
		Body: `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`}
	// ServiceUnavailable is X over capacity.
	ServiceUnavailable = Fault{Status: http.StatusServiceUnavailable,
		Body: `{"title":"Service Unavailable","detail":"Service Unavailable","type":"about:blank","status":503}`}
	// InternalError is a 500 from X.
	InternalError = Fault{Status: http.StatusInternalServerError,
		Body: `{"errors":[{"code":131,"message":"Internal error"}]}`}
	// BadGateway is a proxy's 502 page, without X's error body.
	BadGateway = Fault{Status: http.StatusBadGateway, Header: http.Header{"Content-Type": {"text/html"}},
		Body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"}
	// Unauthorized is X's 401 for credentials it does not accept.
	Unauthorized = Fault{Status: http.StatusUnauthorized,
		Body: `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`}
	// CannotSendMessages is v1.1's refusal of a direct message (code 349),
	// which X still gives for recipients who do not accept messages.
	CannotSendMessages = Fault{Status: http.StatusForbidden,
		Body: `{"errors":[{"code":349,"message":"You cannot send messages to this user."}]}`}
	// ClientNotEnrolled is X's 403 for an app without the access level an
	// endpoint needs.
	ClientNotEnrolled = Fault{Status: http.StatusForbidden,
		Body: `{"client_id":"28134652","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.","registration_url":"https://developer.twitter.com/en/docs/projects/overview","title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled","type":"https://api.twitter.com/2/problems/client-forbidden"}`}
	// Dropped closes the connection before answering.
	Dropped = Fault{Drop: true}
	// Pass is no fault: in a FailNext list it lets one call through, so that
	// a later call fails (the second part of a long reply, say).
	Pass = Fault{pass: true}
)

// FailNext makes the next calls to ep answer faults, one call each, in order.
func (s *Server) FailNext(ep Endpoint, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[ep] = append(s.faults[ep], faults...)
}

// SetFailing makes every call to ep answer f until ClearFailing (after any
// queued FailNext faults).
func (s *Server) SetFailing(ep Endpoint, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing[ep] = f
}

// ClearFailing ends SetFailing for ep.
func (s *Server) ClearFailing(ep Endpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.failing, ep)
}

// takeFault returns the fault the next call to ep answers, if any.
func (s *Server) takeFault(ep Endpoint) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.faults[ep]; len(q) > 0 {
		s.faults[ep] = q[1:]
		return q[0], !q[0].pass
	}
	f, ok := s.failing[ep]
	return f, ok
}

// write answers the fault at time now.
func (f Fault) write(w *recorder, now time.Time) {
	if f.Drop {
		if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				w.status = 0
				return
			}
		}
		f = Fault{Status: http.StatusBadGateway}
	}
	for k, v := range f.Header {
		w.Header()[k] = v
	}
	if f.ResetIn > 0 {
		w.Header().Set("X-Rate-Limit-Limit", "200")
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		w.Header().Set("X-Rate-Limit-Reset", since(now, f.ResetIn))
	}
	if f.Body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	w.Write([]byte(f.Body))
}

// since is the Unix time (seconds) d after t, as x-rate-limit-reset gives it.
func since(t time.Time, d time.Duration) string {
	return strconv.FormatInt(t.Add(d).Unix(), 10)
}
