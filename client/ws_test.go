package client

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// echoServer is a websocket server that echoes every data message and
// reports what it saw.
type echoServer struct {
	url         string
	subprotocol chan string
	header      chan http.Header
	closeErr    chan error // error that ended the server's read loop
}

func newEchoServer(t *testing.T) *echoServer {
	t.Helper()
	s := &echoServer{
		subprotocol: make(chan string, 1),
		header:      make(chan http.Header, 1),
		closeErr:    make(chan error, 1),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
			Subprotocols: []string{"graphql-transport-ws"},
		})
		if err != nil {
			t.Errorf("server: accept: %v", err)
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(wsReadLimit)
		s.header <- r.Header.Clone()
		s.subprotocol <- c.Subprotocol()
		ctx := context.Background()
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				s.closeErr <- err
				return
			}
			if err := c.Write(ctx, typ, data); err != nil {
				s.closeErr <- err
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	s.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	return s
}

// receive waits for a value the server reports.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for the server to report %s", what)
		panic("unreachable")
	}
}

func closePayload(code uint16, reason string) []byte {
	p := make([]byte, 2+len(reason))
	binary.BigEndian.PutUint16(p, code)
	copy(p[2:], reason)
	return p
}

func TestWebsocketDialer(t *testing.T) {
	srv := newEchoServer(t)

	header := http.Header{}
	header.Set("Sec-WebSocket-Protocol", "graphql-transport-ws")
	header.Set("Authorization", "Bearer test-token")

	// The dial context is cancelled right after dialing: the connection
	// must keep working, as genqlient reads long after DialContext returns.
	dialCtx, cancelDial := context.WithTimeout(context.Background(), 10*time.Second)
	conn, err := WebsocketDialer{}.DialContext(dialCtx, srv.url, header)
	cancelDial()
	if err != nil {
		t.Fatalf("DialContext: %v", err)
	}
	t.Cleanup(func() { conn.Close() })

	if got := receive(t, srv.subprotocol, "the subprotocol"); got != "graphql-transport-ws" {
		t.Errorf("server negotiated subprotocol %q, want graphql-transport-ws", got)
	}
	if got := receive(t, srv.header, "the request header").Get("Authorization"); got != "Bearer test-token" {
		t.Errorf("server got Authorization %q, want the caller's header", got)
	}
	if got := header.Get("Sec-WebSocket-Protocol"); got != "graphql-transport-ws" {
		t.Errorf("caller's header was modified: Sec-WebSocket-Protocol = %q", got)
	}

	// Larger than coder's default 32 KiB read limit.
	big := []byte(`{"type":"next","payload":"` + strings.Repeat("x", 200<<10) + `"}`)
	messages := []struct {
		name string
		typ  int
		data []byte
	}{
		{"big text", wsTextMessage, big},
		{"small text", wsTextMessage, []byte(`{"id":"1","type":"complete"}`)},
		{"binary", wsBinaryMessage, []byte{0, 1, 2, 0xff}},
	}
	// A keep-alive ping is answered (the echo server bounces the pong, which is
	// dropped too) and never surfaces: the next read returns the next message.
	if err := conn.WriteMessage(wsTextMessage, []byte(`{"type":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	for _, m := range messages {
		if err := conn.WriteMessage(m.typ, m.data); err != nil {
			t.Fatalf("%s: WriteMessage: %v", m.name, err)
		}
		typ, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("%s: ReadMessage: %v", m.name, err)
		}
		if typ != m.typ {
			t.Errorf("%s: read message type %d, want %d", m.name, typ, m.typ)
		}
		if !bytes.Equal(data, m.data) {
			t.Errorf("%s: echoed %d bytes differ from the %d sent", m.name, len(data), len(m.data))
		}
	}

	if err := conn.WriteMessage(9, nil); err == nil {
		t.Error("WriteMessage(9 /* ping */) succeeded, want an unsupported type error")
	}

	if err := conn.WriteMessage(wsCloseMessage, closePayload(4400, "bye")); err != nil {
		t.Fatalf("WriteMessage(close): %v", err)
	}
	closeErr := receive(t, srv.closeErr, "the close")
	var ce websocket.CloseError
	if !errors.As(closeErr, &ce) || ce.Code != 4400 || ce.Reason != "bye" {
		t.Errorf("server read loop ended with %v, want close status 4400 reason \"bye\"", closeErr)
	}

	// genqlient sends "complete" messages after its close frame.
	if err := conn.WriteMessage(wsTextMessage, []byte(`{"type":"complete","id":"1"}`)); err != nil {
		t.Errorf("WriteMessage after close = %v, want nil", err)
	}
	if err := conn.WriteMessage(wsCloseMessage, nil); err != nil {
		t.Errorf("second close message = %v, want nil", err)
	}
	if _, _, err := conn.ReadMessage(); err == nil {
		t.Error("ReadMessage after close succeeded, want an error")
	}
	if err := conn.Close(); err != nil {
		t.Errorf("Close after close message = %v, want nil", err)
	}
	if err := conn.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

func TestWebsocketDialerCloseWithoutHandshake(t *testing.T) {
	srv := newEchoServer(t)
	conn, err := WebsocketDialer{HTTPClient: &http.Client{Timeout: 10 * time.Second}}.
		DialContext(context.Background(), srv.url, nil)
	if err != nil {
		t.Fatalf("DialContext: %v", err)
	}
	if got := receive(t, srv.subprotocol, "the subprotocol"); got != "" {
		t.Errorf("subprotocol %q negotiated although none was requested", got)
	}
	readErr := make(chan error, 1)
	go func() {
		_, _, err := conn.ReadMessage()
		readErr <- err
	}()
	if err := conn.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := receive(t, readErr, "the pending read's end"); err == nil {
		t.Error("pending ReadMessage returned nil error after Close")
	}
	if err := conn.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := conn.WriteMessage(wsTextMessage, []byte("x")); err == nil {
		t.Error("WriteMessage after Close (without close message) succeeded, want an error")
	}
	receive(t, srv.closeErr, "the connection's end")
}

func TestWebsocketDialerDialError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	_, err := WebsocketDialer{}.DialContext(context.Background(), srv.URL, nil)
	if err == nil {
		t.Fatal("DialContext to a non-websocket endpoint succeeded")
	}
	if !strings.Contains(err.Error(), "401") {
		t.Errorf("error %q does not mention the HTTP status", err)
	}
}

func TestWebsocketDialerSubprotocols(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []string
	}{
		{"none", nil, nil},
		{"one", []string{"graphql-transport-ws"}, []string{"graphql-transport-ws"}},
		{"comma separated", []string{"graphql-transport-ws, graphql-ws"}, []string{"graphql-transport-ws", "graphql-ws"}},
		{"several headers", []string{" a ", "b,c"}, []string{"a", "b", "c"}},
		{"empty items", []string{",a,, ,"}, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"X-Other": {"kept"}}
			for _, v := range tt.values {
				h.Add("Sec-WebSocket-Protocol", v)
			}
			got := takeSubprotocols(h)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("takeSubprotocols = %q, want %q", got, tt.want)
			}
			if _, ok := h["Sec-Websocket-Protocol"]; ok {
				t.Error("Sec-WebSocket-Protocol header not removed")
			}
			if h.Get("X-Other") != "kept" {
				t.Error("other headers were removed")
			}
		})
	}
}

func TestWebsocketDialerClosePayload(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes; must be cut on a rune boundary
	tests := []struct {
		name       string
		payload    []byte
		wantCode   websocket.StatusCode
		wantReason string
	}{
		{"empty", nil, websocket.StatusNormalClosure, ""},
		{"one byte", []byte{3}, websocket.StatusNormalClosure, ""},
		{"normal", closePayload(1000, ""), websocket.StatusNormalClosure, ""},
		{"code and reason", closePayload(4400, "bad request"), 4400, "bad request"},
		{"no status code", closePayload(1005, ""), websocket.StatusNormalClosure, ""},
		{"long reason", closePayload(1001, long), websocket.StatusGoingAway, long[:122]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, reason := parseClosePayload(tt.payload)
			if code != tt.wantCode || reason != tt.wantReason {
				t.Errorf("parseClosePayload = %d, %q; want %d, %q", code, reason, tt.wantCode, tt.wantReason)
			}
			if len(reason) > wsMaxCloseReason || !utf8.ValidString(reason) {
				t.Errorf("reason of %d bytes (valid UTF-8: %v) cannot be sent", len(reason), utf8.ValidString(reason))
			}
		})
	}
}
