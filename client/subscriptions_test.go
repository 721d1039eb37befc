package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Khan/genqlient/graphql"
	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// fakeResp and fakeForward mirror a generated subscription's XWsResponse and
// XForwardData.
type fakeResp graphql.BaseResponse[*struct {
	N int `json:"n"`
}]

func fakeForward(interfaceChan any, jsonRawMsg json.RawMessage) error {
	var gqlResp graphql.Response
	var wsResp fakeResp
	if err := json.Unmarshal(jsonRawMsg, &gqlResp); err != nil {
		return err
	}
	if len(gqlResp.Errors) == 0 {
		if err := json.Unmarshal(jsonRawMsg, &wsResp); err != nil {
			return err
		}
	} else {
		wsResp.Errors = gqlResp.Errors
	}
	dataChan, ok := interfaceChan.(chan fakeResp)
	if !ok {
		return errors.New("failed to cast interface into 'chan fakeResp'")
	}
	dataChan <- wsResp
	return nil
}

const fakeToken = "Bearer good"

// fakeServer is a graphql-transport-ws server without gqlgen. After the
// connection_ack it pings, then serves subscriptions according to their
// operation name:
//
//	finite: a next for an unknown ID, then n = 1, 2, 3 and complete
//	stream: a next every millisecond until completed by the client
//	error:  an error message
//	drop:   one next, then the server closes the connection (1011)
type fakeServer struct {
	url        string
	pongs      chan json.RawMessage // payloads of the client's pongs
	subscribes chan wsMessage       // the client's subscribe messages
	completes  chan string          // IDs the client completed
	sent       atomic.Int64         // next messages sent by stream subscriptions
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	f := &fakeServer{
		pongs:      make(chan json.RawMessage, 16),
		subscribes: make(chan wsMessage, 64),
		completes:  make(chan string, 64),
	}
	ctx, cancel := context.WithCancel(context.Background())
	var handlers sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1)
		defer handlers.Done()
		f.serve(ctx, w, r)
	}))
	t.Cleanup(func() {
		cancel()
		srv.Close()
		handlers.Wait()
	})
	f.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	return f
}

func (f *fakeServer) serve(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{graphqlTransportWS}})
	if err != nil {
		return
	}
	var streams sync.WaitGroup
	defer streams.Wait()
	defer conn.CloseNow()
	send := func(m wsMessage) error { return wsjson.Write(ctx, conn, m) }

	var init wsMessage
	if err := wsjson.Read(ctx, conn, &init); err != nil || init.Type != "connection_init" {
		conn.Close(4400, "connection_init expected")
		return
	}
	var params map[string]any
	if json.Unmarshal(init.Payload, &params) != nil || params["Authorization"] != fakeToken {
		conn.Close(4403, "Forbidden")
		return
	}
	if send(wsMessage{Type: "connection_ack"}) != nil || send(wsMessage{Type: "ping", Payload: json.RawMessage(`{"seq":1}`)}) != nil {
		return
	}

	var mu sync.Mutex
	cancels := map[string]context.CancelFunc{}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, cancel := range cancels {
			cancel()
		}
	}()
	for {
		var m wsMessage
		if err := wsjson.Read(ctx, conn, &m); err != nil {
			return
		}
		switch m.Type {
		case "pong":
			f.pongs <- m.Payload
		case "complete":
			mu.Lock()
			if cancel := cancels[m.ID]; cancel != nil {
				cancel()
			}
			mu.Unlock()
			f.completes <- m.ID
		case "subscribe":
			f.subscribes <- m
			var req struct {
				OperationName string `json:"operationName"`
			}
			json.Unmarshal(m.Payload, &req)
			streamCtx, cancel := context.WithCancel(ctx)
			mu.Lock()
			cancels[m.ID] = cancel
			mu.Unlock()
			streams.Add(1)
			go func() {
				defer streams.Done()
				f.respond(streamCtx, conn, send, m.ID, req.OperationName)
			}()
		}
	}
}

func (f *fakeServer) respond(ctx context.Context, conn *websocket.Conn, send func(wsMessage) error, id, op string) {
	next := func(n int) error {
		return send(wsMessage{ID: id, Type: "next", Payload: json.RawMessage(fmt.Sprintf(`{"data":{"n":%d}}`, n))})
	}
	switch op {
	case "finite":
		if send(wsMessage{ID: "no-such-id", Type: "next", Payload: json.RawMessage(`{"data":{"n":-1}}`)}) != nil {
			return
		}
		for n := 1; n <= 3; n++ {
			if next(n) != nil {
				return
			}
		}
		send(wsMessage{ID: id, Type: "complete"})
	case "stream":
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if next(n) != nil {
				return
			}
			f.sent.Add(1)
		}
	case "pingAfterData":
		for n := 1; n <= 3; n++ {
			if next(n) != nil {
				return
			}
		}
		if send(wsMessage{Type: "ping", Payload: json.RawMessage(`{"seq":2}`)}) != nil {
			return
		}
		send(wsMessage{ID: id, Type: "complete"})
	case "error":
		send(wsMessage{ID: id, Type: "error", Payload: json.RawMessage(`[{"message":"forbidden","extensions":{"code":"FORBIDDEN"}}]`)})
	case "drop":
		if next(1) == nil {
			conn.Close(websocket.StatusInternalError, "going away")
		}
	}
}

// startClient connects to f and closes the client when the test ends.
func startClient(t *testing.T, f *fakeServer, token string) (*subscriptionClient, chan error) {
	t.Helper()
	c := newSubscriptionClient(f.url, nil, map[string]any{"Authorization": token})
	errc, err := c.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, errc
}

func subscribe(t *testing.T, c *subscriptionClient, op string) (chan fakeResp, string) {
	t.Helper()
	ch := make(chan fakeResp)
	id, err := c.Subscribe(&graphql.Request{OpName: op, Query: "subscription " + op + " { n }"}, ch, fakeForward)
	if err != nil {
		t.Fatal(err)
	}
	return ch, id
}

func receiveResp(t *testing.T, ch chan fakeResp) fakeResp {
	t.Helper()
	select {
	case resp, ok := <-ch:
		if !ok {
			t.Fatal("channel closed, want a response")
		}
		return resp
	case <-time.After(10 * time.Second):
		t.Fatal("no response within 10s")
	}
	panic("unreachable")
}

func waitClosed(t *testing.T, ch chan fakeResp) {
	t.Helper()
	select {
	case resp, ok := <-ch:
		if ok {
			t.Fatalf("got %+v, want the channel closed", resp)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("channel not closed within 10s")
	}
}

// isClosed reports whether ch is closed now (it is unbuffered, so a closed
// channel holds no values).
func isClosed(ch chan fakeResp) bool {
	select {
	case _, ok := <-ch:
		return !ok
	default:
		return false
	}
}

// eventually polls cond for up to 10 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func waitGoroutines(t *testing.T, baseline int) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for runtime.NumGoroutine() > baseline {
		select {
		case <-tick.C:
		case <-deadline:
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
		}
	}
}

func TestSubscriptionsReceiveThenComplete(t *testing.T) {
	f := newFakeServer(t)
	c, errc := startClient(t, f, fakeToken)

	// The server's ping is answered with its payload.
	if got := receive(t, f.pongs, "pong"); string(got) != `{"seq":1}` {
		t.Errorf("pong payload %s", got)
	}

	ch, id := subscribe(t, c, "finite")
	m := receive(t, f.subscribes, "subscribe")
	var payload map[string]any
	if err := json.Unmarshal(m.Payload, &payload); err != nil {
		t.Fatal(err)
	}
	if m.ID != id || payload["operationName"] != "finite" || payload["query"] != "subscription finite { n }" {
		t.Errorf("subscribe message %s %s", m.ID, m.Payload)
	}
	// A message for an unknown ID came first; it was skipped, not fatal.
	for n := 1; n <= 3; n++ {
		resp := receiveResp(t, ch)
		if len(resp.Errors) > 0 || resp.Data == nil || resp.Data.N != n {
			t.Fatalf("response %d: %+v", n, resp)
		}
	}
	waitClosed(t, ch)

	// The connection is still usable, and Unsubscribe of a completed
	// subscription is harmless.
	if err := c.Unsubscribe(id); err != nil {
		t.Errorf("Unsubscribe after complete: %v", err)
	}
	ch2, id2 := subscribe(t, c, "finite")
	if id2 == id {
		t.Errorf("ID %s reused", id)
	}
	for range 3 {
		receiveResp(t, ch2)
	}
	waitClosed(t, ch2)

	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err, ok := <-errc; ok {
		t.Fatalf("error channel: %v, want closed", err)
	}
	if err := c.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
}

func TestSubscriptionsUnsubscribeWhileStreaming(t *testing.T) {
	f := newFakeServer(t)
	baseline := runtime.NumGoroutine()
	c := newSubscriptionClient(f.url, nil, map[string]any{"Authorization": fakeToken})
	if _, err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}

	ch, id := subscribe(t, c, "stream")
	receiveResp(t, ch)
	// Stop reading while the server keeps sending: the reader blocks offering
	// the next response.
	sent := f.sent.Load()
	eventually(t, "more messages", func() bool { return f.sent.Load() > sent+5 })
	if err := c.Unsubscribe(id); err != nil {
		t.Fatal(err)
	}
	if !isClosed(ch) {
		t.Fatal("channel open after Unsubscribe")
	}
	if got := receive(t, f.completes, "complete"); got != id {
		t.Fatalf("server completed %s, want %s", got, id)
	}
	if err := c.Unsubscribe(id); err != nil {
		t.Fatalf("second Unsubscribe: %v", err)
	}

	// The reader was freed: another subscription works.
	ch2, _ := subscribe(t, c, "finite")
	for range 3 {
		receiveResp(t, ch2)
	}
	waitClosed(t, ch2)

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	waitGoroutines(t, baseline)
}

func TestSubscriptionsCloseWhileStreaming(t *testing.T) {
	f := newFakeServer(t)
	baseline := runtime.NumGoroutine()
	c := newSubscriptionClient(f.url, nil, map[string]any{"Authorization": fakeToken})
	errc, err := c.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ch1, _ := subscribe(t, c, "stream")
	ch2, _ := subscribe(t, c, "stream")
	// Nobody reads: the reader blocks offering the first response.
	sent := f.sent.Load()
	eventually(t, "more messages", func() bool { return f.sent.Load() > sent+10 })

	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if err := c.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	wg.Wait()
	if !isClosed(ch1) || !isClosed(ch2) {
		t.Fatal("channels open after Close")
	}
	if err := c.Close(); err != nil {
		t.Fatalf("third Close: %v", err)
	}
	if _, ok := <-errc; ok {
		t.Fatal("error channel not closed")
	}

	// After Close, Subscribe fails and closes its channel; Unsubscribe is a no-op.
	ch3 := make(chan fakeResp)
	if _, err := c.Subscribe(&graphql.Request{OpName: "stream"}, ch3, fakeForward); err == nil {
		t.Fatal("Subscribe after Close succeeded")
	}
	if !isClosed(ch3) {
		t.Fatal("failed Subscribe left its channel open")
	}
	if err := c.Unsubscribe("1"); err != nil {
		t.Fatal(err)
	}
	waitGoroutines(t, baseline)
}

func TestSubscriptionsConcurrentUnsubscribeAndClose(t *testing.T) {
	f := newFakeServer(t)
	c, _ := startClient(t, f, fakeToken)
	type sub struct {
		ch chan fakeResp
		id string
	}
	var subs []sub
	for range 6 {
		ch, id := subscribe(t, c, "stream")
		subs = append(subs, sub{ch, id})
	}
	var wg sync.WaitGroup
	for i, s := range subs {
		if i%2 == 0 {
			wg.Go(func() { // a reader that stops after a few responses
				for range 3 {
					if _, ok := <-s.ch; !ok {
						return
					}
				}
			})
		}
		wg.Go(func() {
			if err := c.Unsubscribe(s.id); err != nil {
				t.Errorf("Unsubscribe: %v", err)
			}
		})
	}
	wg.Go(func() { c.Close() })
	wg.Go(func() { c.UnsubscribeAll() })
	wg.Wait()
	c.Close()
	for _, s := range subs {
		if !isClosed(s.ch) {
			t.Fatalf("subscription %s open", s.id)
		}
	}
}

func TestSubscriptionsServerError(t *testing.T) {
	f := newFakeServer(t)
	c, _ := startClient(t, f, fakeToken)
	ch, _ := subscribe(t, c, "error")
	resp := receiveResp(t, ch)
	if len(resp.Errors) != 1 || resp.Errors[0].Message != "forbidden" || resp.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("response %+v", resp)
	}
	waitClosed(t, ch)
	if err := c.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
}

func TestSubscriptionsServerClosesConnection(t *testing.T) {
	f := newFakeServer(t)
	c, errc := startClient(t, f, fakeToken)
	ch, _ := subscribe(t, c, "drop")
	receiveResp(t, ch)
	waitClosed(t, ch)
	err := receive(t, errc, "connection error")
	if err == nil || !strings.Contains(err.Error(), "going away") {
		t.Fatalf("connection error %v", err)
	}
	if _, ok := <-errc; ok {
		t.Fatal("error channel not closed")
	}
	if c.Err() != err {
		t.Fatalf("Err = %v, want %v", c.Err(), err)
	}
	if _, err := c.Subscribe(&graphql.Request{OpName: "finite"}, make(chan fakeResp), fakeForward); err == nil {
		t.Fatal("Subscribe on an ended connection succeeded")
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close after the server closed: %v", err)
	}
}

func TestSubscriptionsInitRejected(t *testing.T) {
	f := newFakeServer(t)
	c := newSubscriptionClient(f.url, nil, map[string]any{"Authorization": "Bearer wrong"})
	errc, err := c.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Fatalf("Start = %v, want the server's 4403 Forbidden", err)
	}
	if errc != nil {
		t.Fatal("error channel returned with an error")
	}
	if _, err := c.Subscribe(&graphql.Request{OpName: "finite"}, make(chan fakeResp), fakeForward); err == nil {
		t.Fatal("Subscribe after a failed Start succeeded")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSubscriptionsStartNeedsSubprotocol(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil) // no subprotocol agreed
		if err != nil {
			return
		}
		defer conn.CloseNow()
		conn.Read(r.Context())
	}))
	defer srv.Close()
	c := newSubscriptionClient(srv.URL, nil, nil)
	if _, err := c.Start(context.Background()); err == nil || !strings.Contains(err.Error(), graphqlTransportWS) {
		t.Fatalf("Start = %v, want a subprotocol error", err)
	}
}

func TestSubscriptionsRejectsBadChannel(t *testing.T) {
	f := newFakeServer(t)
	c, _ := startClient(t, f, fakeToken)
	if _, err := c.Subscribe(&graphql.Request{}, "not a channel", fakeForward); err == nil {
		t.Fatal("non-channel accepted")
	}
	if _, err := c.Subscribe(&graphql.Request{}, make(<-chan fakeResp), fakeForward); err == nil {
		t.Fatal("receive-only channel accepted")
	}
}

func TestErrorsResponse(t *testing.T) {
	for in, want := range map[string]string{
		`[{"message":"a"}]`: `{"errors":[{"message":"a"}]}`,
		`{"message":"a"}`:   `{"errors":[{"message":"a"}]}`,
		``:                  `{"errors":[{"message":"subscription failed"}]}`,
		`null`:              `{"errors":[{"message":"subscription failed"}]}`,
	} {
		if got := string(errorsResponse(json.RawMessage(in))); got != want {
			t.Errorf("errorsResponse(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestSubscriptionsAnswerPingsWhileTheCallerIsBusy: a caller that has not
// taken its data yet does not stop the client answering the server's pings
// (a server would close the connection as dead), and still gets every value,
// in order, before its channel closes on the server's complete.
func TestSubscriptionsAnswerPingsWhileTheCallerIsBusy(t *testing.T) {
	f := newFakeServer(t)
	c, _ := startClient(t, f, fakeToken)
	if p := <-f.pongs; string(p) != `{"seq":1}` {
		t.Fatalf("first pong %s", p)
	}
	ch, _ := subscribe(t, c, "pingAfterData")
	select {
	case p := <-f.pongs:
		if string(p) != `{"seq":2}` {
			t.Fatalf("pong %s", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong while the caller had not read its data")
	}
	for n := 1; n <= 3; n++ {
		if r := receiveResp(t, ch); r.Data.N != n {
			t.Fatalf("value %d: %+v", n, r)
		}
	}
	waitClosed(t, ch)
}

// TestSubscriptionsCloseEndsAnUnreadCompletedStream: a stream the server
// completed keeps its values for the caller, but a caller that never reads
// them does not keep the pump alive: Close closes its channel.
func TestSubscriptionsCloseEndsAnUnreadCompletedStream(t *testing.T) {
	f := newFakeServer(t)
	c, _ := startClient(t, f, fakeToken)
	ch, _ := subscribe(t, c, "finite")
	// The server sends three values and completes; nobody reads them.
	eventually(t, "the stream completed", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.subs) == 0 && len(c.lingering) == 1
	})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ch)
}
