package meta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta/metatest"
)

// testToken has the shape of a real Page access token; tests check that no
// error shows it.
const testToken = "EAAGm0PX4ZCpsBAKZB9vXYZfakeTOKENforTESTS0123456789abcdefZDZD"

// newGraph serves a fake with one echo route and returns the Graph API at it.
func newGraph(t *testing.T) (*metatest.Graph, Graph, *http.Client) {
	t.Helper()
	g := metatest.NewGraph()
	g.AddToken(testToken)
	g.Handle(http.MethodGet, "me", func(c *metatest.Call) (any, *metatest.GraphError) {
		return map[string]string{"id": "1234567890", "name": "Acme"}, nil
	})
	g.Handle(http.MethodPost, "{node}/messages", func(c *metatest.Call) (any, *metatest.GraphError) {
		var body struct {
			Recipient struct {
				ID string `json:"id"`
			} `json:"recipient"`
		}
		if err := c.Decode(&body); err != nil || body.Recipient.ID == "" {
			e := metatest.InvalidParameter("param recipient must be non-empty.")
			return nil, &e
		}
		return map[string]string{"recipient_id": body.Recipient.ID, "message_id": "m_" + c.Vars["node"]}, nil
	})
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return g, NewGraph(srv.URL + "/"), srv.Client()
}

func TestGraphURL(t *testing.T) {
	tests := []struct {
		g    Graph
		segs []string
		want string
	}{
		{Graph{}, []string{"me"}, "https://graph.facebook.com/" + APIVersion + "/me"},
		{NewGraph(""), []string{"1", "messages"}, "https://graph.facebook.com/" + APIVersion + "/1/messages"},
		{NewGraph("http://127.0.0.1:9/ "), []string{"a/b", "c?d"}, "http://127.0.0.1:9/" + APIVersion + "/a%2Fb/c%3Fd"},
	}
	for _, tt := range tests {
		if got := tt.g.URL(tt.segs...); got != tt.want {
			t.Errorf("URL(%q) = %s, want %s", tt.segs, got, tt.want)
		}
	}
	if APIVersion != metatest.Version {
		t.Errorf("the provider pins %s, the fake expects %s", APIVersion, metatest.Version)
	}
}

func TestDo(t *testing.T) {
	fake, g, hc := newGraph(t)
	var out struct {
		MessageID string `json:"message_id"`
	}
	err := g.Do(context.Background(), hc, Call{Op: "test: send", Method: http.MethodPost, Path: []string{"42", "messages"}, Token: testToken,
		JSON: map[string]any{"recipient": map[string]string{"id": "psid"}, "message": map[string]string{"text": "<b>&"}}}, &out)
	if err != nil || out.MessageID != "m_42" {
		t.Fatalf("Do: %v, %+v", err, out)
	}
	reqs := fake.Requests()
	r := reqs[len(reqs)-1]
	if r.Version != APIVersion || r.Path != "42/messages" || r.TokenVia != "header" || r.ContentType != "application/json" ||
		!strings.Contains(string(r.Body), `"text":"<b>&"`) || strings.Contains(r.Query.Encode(), testToken) {
		t.Errorf("request %+v %s", r, r.Body)
	}
}

func TestDoErrors(t *testing.T) {
	fake, g, hc := newGraph(t)
	call := Call{Op: "test: send", Method: http.MethodPost, Path: []string{"42", "messages"}, Token: testToken,
		JSON: map[string]any{"recipient": map[string]string{"id": "psid"}}}
	tests := []struct {
		name  string
		reply *metatest.Reply
		call  func(Call) Call
		check func(t *testing.T, err error)
	}{
		{"graph error", &metatest.Reply{Error: &metatest.GraphError{Message: "(#100) Invalid parameter", Code: 100, Subcode: 2018001}}, nil,
			func(t *testing.T, err error) {
				var ge *Error
				if !errors.As(err, &ge) || ge.Code != 100 || ge.Subcode != 2018001 || ge.HTTPStatus != 400 || ge.FBTraceID == "" || ge.Op != "test: send" {
					t.Errorf("err = %#v", err)
				}
			}},
		{"token quoted by Meta", &metatest.Reply{Error: &metatest.GraphError{Message: "Malformed access token " + testToken, Code: 190}}, nil,
			func(t *testing.T, err error) {
				var ge *Error
				if !errors.As(err, &ge) || !strings.Contains(ge.Message, "Malformed access token <token>") {
					t.Errorf("err = %v", err)
				}
			}},
		{"WhatsApp details", &metatest.Reply{Error: &metatest.GraphError{Message: "(#131047) Re-engagement message", Code: 131047,
			Details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}, nil,
			func(t *testing.T, err error) {
				var ge *Error
				if !errors.As(err, &ge) || !ge.OutsideWindow() || !strings.Contains(ge.Reason(), "more than 24 hours have passed since the customer last replied") {
					t.Errorf("err = %v, reason %q", err, ge.Reason())
				}
			}},
		{"no Graph body", &metatest.BadGateway, nil, func(t *testing.T, err error) {
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != 502 || !he.Retryable() {
				t.Errorf("err = %v", err)
			}
		}},
		{"retry after", &metatest.Reply{HTTPStatus: 429, Body: "slow down", Header: http.Header{"Retry-After": {"7"}}}, nil, func(t *testing.T, err error) {
			var he *HTTPError
			if !errors.As(err, &he) || he.RetryAfter != 7*time.Second {
				t.Errorf("err = %v", err)
			}
		}},
		{"success that is not JSON", &metatest.Reply{Body: "<html>"}, nil, func(t *testing.T, err error) {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("err = %v", err)
			}
		}},
		{"unknown token", nil, func(c Call) Call { c.Token = "EAAnope"; return c }, func(t *testing.T, err error) {
			var ge *Error
			if !errors.As(err, &ge) || ge.Code != CodeAccessToken {
				t.Errorf("err = %v", err)
			}
		}},
		{"no token", nil, func(c Call) Call { c.Token = ""; return c }, func(t *testing.T, err error) {
			var ge *Error
			if !errors.As(err, &ge) || ge.Code != 104 {
				t.Errorf("err = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.reply != nil {
				fake.FailNext("{node}/messages", *tt.reply)
			}
			c := call
			if tt.call != nil {
				c = tt.call(c)
			}
			err := g.Do(context.Background(), hc, c, &struct{}{})
			if err == nil {
				t.Fatal("no error")
			}
			tt.check(t, err)
			if strings.Contains(fmt.Sprintf("%v %#v", err, err), testToken) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestDoTransportError(t *testing.T) {
	_, _, hc := newGraph(t)
	g := NewGraph("http://127.0.0.1:1")
	err := g.Do(context.Background(), hc, Call{Op: "test: get", Method: http.MethodGet, Path: []string{"me"}, Token: testToken,
		Query: url.Values{"fields": {"id"}}}, nil)
	var ue *url.Error
	if err == nil || errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "test: get: ") || strings.Contains(err.Error(), "127.0.0.1:1/") {
		t.Errorf("err = %v", err)
	}
	se := SendError(err).(*providers.SendError)
	if !se.Retryable {
		t.Errorf("a transport error is not retryable: %+v", se)
	}
}

func TestSendErrorClassification(t *testing.T) {
	gerr := func(code, sub int, transient bool, status int) error {
		return &Error{Op: "x", Code: code, Subcode: sub, Message: fmt.Sprintf("(#%d) refused", code), IsTransient: transient, HTTPStatus: status}
	}
	tests := []struct {
		name        string
		err         error
		retryable   bool
		reason      string
		credentials bool
	}{
		{"unknown", gerr(1, 0, false, 500), true, "(#1) refused (code 1)", false},
		{"service", gerr(2, 0, false, 503), true, "code 2", false},
		{"app rate limit", gerr(4, 0, false, 403), true, "rate limit for the app", false},
		{"user rate limit", gerr(17, 0, false, 400), true, "rate limit", false},
		{"page rate limit", gerr(32, 0, false, 400), true, "rate limit for the Page", false},
		{"send rate limit", gerr(613, 0, false, 400), true, "rate limit", false},
		{"WABA rate limit", gerr(80007, 0, false, 400), true, "Business Account's rate limit", false},
		{"throughput", gerr(130429, 0, false, 400), true, "throughput", false},
		{"pair rate limit", gerr(131056, 0, false, 400), true, "too many messages", false},
		{"transient flag", gerr(9999, 0, true, 400), true, "code 9999", false},
		{"token", gerr(190, 463, false, 400), false, "access token is invalid or expired", true},
		{"permission", gerr(10, 0, false, 403), false, "lacks a permission", true},
		{"permission range", gerr(200, 0, false, 403), false, "code 200", true},
		{"outside the window", gerr(10, 2018278, false, 400), false, "24-hour window has closed", false},
		{"bad parameter", gerr(100, 0, false, 400), false, "refused a parameter", false},
		{"person unavailable", gerr(551, 1545041, false, 400), false, "isn't available", false},
		{"re-engagement", gerr(131047, 0, false, 400), false, "more than 24 hours", false},
		{"undeliverable", gerr(131026, 0, false, 400), false, "cannot deliver", false},
		{"policy block", gerr(368, 0, false, 400), false, "policy", false},
		{"session", gerr(102, 0, false, 400), false, "code 102", true},
		{"no token", gerr(104, 0, false, 400), false, "code 104", true},
		{"WhatsApp AuthException", gerr(0, 0, false, 401), false, "code 0", true},
		{"capability (WhatsApp answers it with 500)", gerr(3, 0, false, 500), true, "code 3", true},
		{"WhatsApp access denied", gerr(131005, 0, false, 403), false, "code 131005", true},
		{"not a tester of the app", gerr(200, 2018028, false, 400), false, "subcode 2018028", false},
		{"bad gateway", &HTTPError{Op: "x", Status: 502}, true, "HTTP 502 Bad Gateway", false},
		{"not found page", &HTTPError{Op: "x", Status: 404}, false, "HTTP 404", false},
		{"undecodable success", &DecodeError{Op: "x", Err: errors.New("eof")}, false, "decode answer", false},
		{"timeout", fmt.Errorf("x: %w", context.DeadlineExceeded), true, "deadline", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var se *providers.SendError
			if !errors.As(SendError(tt.err), &se) {
				t.Fatalf("not a SendError")
			}
			if se.Retryable != tt.retryable || se.Credentials != tt.credentials || !strings.Contains(se.Reason, tt.reason) || !errors.Is(se, tt.err) {
				t.Errorf("SendError{Retryable: %v, Credentials: %v, Reason: %q}, want %v, %v, %q",
					se.Retryable, se.Credentials, se.Reason, tt.retryable, tt.credentials, tt.reason)
			}
		})
	}
	if SendError(nil) != nil {
		t.Errorf("SendError(nil) != nil")
	}
}

func TestStringNumber(t *testing.T) {
	var v struct {
		A, B, C, D StringNumber
	}
	err := jsonUnmarshal(`{"A":"1454119029","B":1458692752478,"C":null,"D":" 7 "}`, &v)
	if err != nil || v.A != "1454119029" || v.B != "1458692752478" || v.C != "" || v.D != "7" {
		t.Errorf("%+v %v", v, err)
	}
	if err := jsonUnmarshal(`{"A":true}`, &v); err == nil {
		t.Errorf("a boolean was accepted")
	}
	if n, ok := StringNumber("1.5").Int(); ok {
		t.Errorf("1.5 read as %d", n)
	}
}
