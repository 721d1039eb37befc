package linetest

import (
	"net/http"
)

// Fault is an answer the fake gives instead of doing its work: an outage, a
// limit, a refusal.
type Fault struct {
	Status int
	// Body is sent as is; Header adds to the answer's headers. With neither
	// Content-Type nor a body, the answer is empty.
	Body   string
	Header http.Header
	// Accept makes LINE do the work before the fault is answered: a push is
	// delivered and its retry key used up, but the caller sees the fault, as
	// after a timeout or a 5xx that came too late.
	Accept bool
	// Drop closes the connection without an answer (a network failure).
	Drop bool

	// pass lets the call through untouched (see Pass).
	pass bool
}

// LINE's documented error answers, ready to inject.
var (
	// RateLimited is the per-channel rate limit: retryable.
	RateLimited = Fault{Status: http.StatusTooManyRequests, Body: `{"message":"The API rate limit has been exceeded. Try again later."}`}
	// MonthlyLimit is the month's message allowance used up: no retry helps
	// before next month.
	MonthlyLimit = Fault{Status: http.StatusTooManyRequests, Body: `{"message":"You have reached your monthly limit."}`}
	// InternalError is a 500 from LINE.
	InternalError = Fault{Status: http.StatusInternalServerError, Body: `{"message":"Internal server error"}`}
	// BadGateway is a proxy's 502 page, without LINE's error body.
	BadGateway = Fault{Status: http.StatusBadGateway, Body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n", Header: http.Header{"Content-Type": {"text/html"}}}
	// FailedToSend is the 400 LINE gives for a recipient it cannot send to.
	FailedToSend = Fault{Status: http.StatusBadRequest, Body: `{"message":"Failed to send messages"}`}
	// Forbidden is a 403: the channel may not use the endpoint.
	Forbidden = Fault{Status: http.StatusForbidden, Body: `{"message":"Access to this API is not available for your account"}`}
	// Dropped closes the connection before answering.
	Dropped = Fault{Drop: true}
	// Pass is no fault: in a FailNext list it lets one call through, so that
	// a later call fails (the second push of a long reply, say).
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

// write answers the fault.
func (f Fault) write(w *recorder) {
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
	if f.Body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	w.Write([]byte(f.Body))
}
