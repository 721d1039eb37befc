package wechattest

import (
	"net/http"
)

// Fault is an answer the fake gives instead of doing its work: an outage, a
// limit, a refusal.
type Fault struct {
	// Errcode and Errmsg make WeChat's JSON error on HTTP 200.
	Errcode int
	Errmsg  string
	// Status, Body and Header make a raw HTTP answer instead (with Errcode 0).
	Status int
	Body   string
	Header http.Header
	// Accept makes WeChat do the work before the fault is answered: a
	// message is delivered, but the caller sees the fault, as after a
	// timeout or a 5xx that came too late.
	Accept bool
	// Drop closes the connection without an answer (a network failure).
	Drop bool

	// pass lets the call through untouched (see Pass).
	pass bool
}

// WeChat's documented errors, ready to inject.
var (
	// SystemBusy is errcode -1: retry later.
	SystemBusy = Fault{Errcode: -1, Errmsg: "system error"}
	// MinuteQuota is the per-minute call limit (45011).
	MinuteQuota = Fault{Errcode: 45011, Errmsg: "api minute-quota reach limit  mustslower  retry next minute"}
	// DailyQuota is the daily call limit (45009).
	DailyQuota = Fault{Errcode: 45009, Errmsg: "reach max api daily quota limit"}
	// ReplyWindowClosed is 45015: more than 48 hours since the customer's
	// last message, or they unfollowed.
	ReplyWindowClosed = Fault{Errcode: 45015, Errmsg: "response out of time limit or subscription is canceled"}
	// ReplyLimit is 45047: too many replies since the customer's last message.
	ReplyLimit = Fault{Errcode: 45047, Errmsg: "out of response count limit"}
	// Unauthorized is 48001: the account may not use the API.
	Unauthorized = Fault{Errcode: 48001, Errmsg: "api unauthorized"}
	// BadGateway is a proxy's 502 page, without WeChat's JSON.
	BadGateway = Fault{Status: http.StatusBadGateway, Body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n", Header: http.Header{"Content-Type": {"text/html"}}}
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
	if f.Errcode != 0 {
		writeError(w, f.Errcode, f.Errmsg)
		return
	}
	for k, v := range f.Header {
		w.Header()[k] = v
	}
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	w.Write([]byte(f.Body))
}
