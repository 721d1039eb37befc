package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/server"
)

// rawSubscription is a graphql-transport-ws connection read by a goroutine,
// for tests about what the server sends and how it closes.
type rawSubscription struct {
	msgs   chan map[string]any
	closed chan error
}

// subscribeRaw opens a websocket with token, subscribes to query, and waits
// until the server holds one more subscriber.
func subscribeRaw(t *testing.T, ts *testServer, token, query string, httpClient ...*http.Client) *rawSubscription {
	t.Helper()
	ctx := context.Background()
	before := ts.srv.Subscribers()
	opts := &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}}
	if len(httpClient) > 0 {
		opts.HTTPClient = httpClient[0]
	}
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.http.URL, "http")+"/query", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	if err := wsjson.Write(ctx, conn, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}}); err != nil {
		t.Fatal(err)
	}
	var ack map[string]any
	if err := wsjson.Read(ctx, conn, &ack); err != nil || ack["type"] != "connection_ack" {
		t.Fatalf("connection_init: %v %v", ack, err)
	}
	if err := wsjson.Write(ctx, conn, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query}}); err != nil {
		t.Fatal(err)
	}
	s := &rawSubscription{msgs: make(chan map[string]any, 100), closed: make(chan error, 1)}
	go func() {
		for {
			var m map[string]any
			if err := wsjson.Read(ctx, conn, &m); err != nil {
				s.closed <- err
				return
			}
			switch m["type"] {
			case "ping":
				// Answer as every graphql-transport-ws client does, or the
				// server drops the connection for a dead peer.
				wsjson.Write(ctx, conn, map[string]any{"type": "pong"})
			case "pong":
			default:
				s.msgs <- m
			}
		}
	}()
	eventually(t, "the subscription", func() bool { return ts.srv.Subscribers() > before })
	return s
}

// wantClosed waits for the server to close the connection with code and
// checks that nothing but "complete" was received before.
func (s *rawSubscription) wantClosed(t *testing.T, code websocket.StatusCode) {
	t.Helper()
	select {
	case err := <-s.closed:
		if got := websocket.CloseStatus(err); got != code {
			t.Fatalf("closed with %v (%v), want %d", got, err, code)
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) && strings.Contains(ce.Reason, "sb_") {
			t.Fatalf("close reason names the token: %q", ce.Reason)
		}
	case m := <-s.msgs:
		t.Fatalf("received %v instead of the close", m)
	case <-time.After(10 * time.Second):
		t.Fatal("connection still open 10s after its credentials ended")
	}
	for {
		select {
		case m := <-s.msgs:
			t.Fatalf("received %v after the credentials ended", m)
		default:
			return
		}
	}
}

// TestLiveSubscriptionsEndWithTheirCredentials: a websocket loses access the
// moment its token is revoked, its user deactivated, its session logged out,
// its password changed or its session expired; a customer's message that
// arrives afterwards does not reach it.
func TestLiveSubscriptionsEndWithTheirCredentials(t *testing.T) {
	const inbox = `subscription { inboxEvents { cursor kind message { text } } }`
	password := "a long enough password"
	type subject struct {
		setup  *telegramSetup
		token  string // the credential the websocket uses
		userID string
		tokID  string
	}
	newSubject := func(t *testing.T, s *telegramSetup, session bool) subject {
		t.Helper()
		ctx := context.Background()
		email := fmt.Sprintf("agent%d@example.com", time.Now().UnixNano())
		u, err := client.CreateUser(ctx, s.admin, client.CreateUserInput{Name: email, Email: &email, Role: client.UserRoleAgent, Password: &password})
		if err != nil {
			t.Fatal(err)
		}
		sub := subject{setup: s, userID: u.CreateUser.Id}
		if session {
			l, err := client.Login(ctx, s.as(""), email, password)
			if err != nil {
				t.Fatal(err)
			}
			sub.token = l.Login.Token
		} else {
			tok, err := client.CreateApiToken(ctx, s.admin, client.CreateApiTokenInput{UserId: u.CreateUser.Id, Name: "ws"})
			if err != nil {
				t.Fatal(err)
			}
			sub.token, sub.tokID = tok.CreateApiToken.Token, tok.CreateApiToken.ApiToken.Id
		}
		return sub
	}
	cases := []struct {
		name    string
		session bool
		ttl     time.Duration
		end     func(t *testing.T, s subject)
	}{
		{"token revoked", false, 0, func(t *testing.T, s subject) {
			if _, err := client.RevokeToken(context.Background(), s.setup.admin, s.tokID); err != nil {
				t.Fatal(err)
			}
		}},
		{"user deactivated", false, 0, func(t *testing.T, s subject) {
			if _, err := client.DeactivateUser(context.Background(), s.setup.admin, s.userID); err != nil {
				t.Fatal(err)
			}
		}},
		{"session logged out", true, 0, func(t *testing.T, s subject) {
			if _, err := client.Logout(context.Background(), s.setup.as(s.token)); err != nil {
				t.Fatal(err)
			}
		}},
		{"password changed", true, 0, func(t *testing.T, s subject) {
			if _, err := client.UpdateUser(context.Background(), s.setup.admin, s.userID, client.UpdateUserInput{Password: ptr("another long password")}); err != nil {
				t.Fatal(err)
			}
		}},
		{"session expired", true, 1500 * time.Millisecond, func(*testing.T, subject) {}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTelegramSetup(t, func(c *server.Config) {
				if tc.ttl > 0 {
					c.SessionTTL = tc.ttl
				}
			})
			sub := newSubject(t, s, tc.session)
			ws := subscribeRaw(t, s.testServer, sub.token, inbox)
			if got := s.deliver(t, telegramUpdate(1, 1, 77, "before"), s.secret); got != http.StatusOK {
				t.Fatalf("webhook: %d", got)
			}
			for m := range ws.msgs {
				if strings.Contains(fmt.Sprint(m), "before") {
					break
				}
			}
			tc.end(t, sub)
			ws.wantClosed(t, 4403)
			if got := s.deliver(t, telegramUpdate(2, 2, 77, "after"), s.secret); got != http.StatusOK {
				t.Fatalf("webhook: %d", got)
			}
			// A new connection with the same credential is refused with 4403 too.
			conn, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(s.http.URL, "http")+"/query",
				&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.CloseNow()
			wsjson.Write(context.Background(), conn, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + sub.token}})
			var m json.RawMessage
			err = wsjson.Read(context.Background(), conn, &m)
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != 4403 || !strings.Contains(ce.Reason, "unauthenticated") {
				t.Fatalf("connection_init with an ended credential: %s %v", m, err)
			}
		})
	}
}

// TestRoleChangeAppliesToLiveSubscriptions: an admin demoted to agent stops
// receiving account events and conversations it may no longer see, without
// reconnecting.
func TestRoleChangeAppliesToLiveSubscriptions(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	u, err := client.CreateUser(ctx, s.admin, client.CreateUserInput{Name: "boss two", Role: client.UserRoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := client.CreateApiToken(ctx, s.admin, client.CreateApiTokenInput{UserId: u.CreateUser.Id, Name: "ws"})
	if err != nil {
		t.Fatal(err)
	}
	inbox := subscribeRaw(t, s.testServer, tok.CreateApiToken.Token, `subscription { inboxEvents { kind message { text } } }`)
	accounts := subscribeRaw(t, s.testServer, tok.CreateApiToken.Token, `subscription { integrationAccountEvents { kind } }`)
	sup, err := client.CreateUser(ctx, s.admin, client.CreateUserInput{Name: "supervisor sue", Role: client.UserRoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	supTok, err := client.CreateApiToken(ctx, s.admin, client.CreateApiTokenInput{UserId: sup.CreateUser.Id, Name: "ws"})
	if err != nil {
		t.Fatal(err)
	}
	supervisorID := sup.CreateUser.Id
	queue := subscribeRaw(t, s.testServer, supTok.CreateApiToken.Token, `subscription { queueEvents { at } }`)
	select {
	case m := <-queue.msgs:
		if m["type"] != "next" || strings.Contains(fmt.Sprint(m), "errors") {
			t.Fatalf("a supervisor's queueEvents: %v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no first snapshot on queueEvents")
	}
	// A supervisor made an agent loses the queue at once, with no change to
	// the queue needed.
	if _, err := client.UpdateUser(ctx, s.admin, supervisorID, client.UpdateUserInput{Role: ptr(client.UserRoleAgent)}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-queue.msgs:
		if !strings.Contains(fmt.Sprint(m), "FORBIDDEN") {
			t.Fatalf("a demoted supervisor received %v", m)
		}
	case <-queue.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("a demoted supervisor's queueEvents goes on")
	}

	// The agent takes the conversation: an admin sees it, another agent not.
	if got := s.deliver(t, telegramUpdate(1, 1, 55, "hello"), s.secret); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	for m := range inbox.msgs {
		if strings.Contains(fmt.Sprint(m), "hello") {
			break
		}
	}
	conv := s.onlyConversation(t)
	if _, err := client.TakeConversation(ctx, s.agent, conv); err != nil {
		t.Fatal(err)
	}

	if _, err := client.UpdateUser(ctx, s.admin, u.CreateUser.Id, client.UpdateUserInput{Role: ptr(client.UserRoleAgent)}); err != nil {
		t.Fatal(err)
	}
	// Account events are for admins: the subscription ends with FORBIDDEN.
	if _, err := client.UpdateIntegrationAccount(ctx, s.admin, s.accountID, client.UpdateIntegrationAccountInput{Name: ptr("renamed")}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-accounts.msgs:
		if !strings.Contains(fmt.Sprint(m), "FORBIDDEN") {
			t.Fatalf("a demoted admin received %v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer on the account subscription")
	}
	// Messages of the other agent's conversation no longer reach the demoted user.
	if got := s.deliver(t, telegramUpdate(2, 2, 55, "private"), s.secret); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	if got := s.deliver(t, telegramUpdate(3, 3, 66, "unassigned"), s.secret); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-inbox.msgs:
			if strings.Contains(fmt.Sprint(m), "private") {
				t.Fatalf("a demoted admin received another agent's message: %v", m)
			}
			if strings.Contains(fmt.Sprint(m), "unassigned") {
				return
			}
		case <-timeout:
			t.Fatal("the demoted user does not see unassigned conversations")
		}
	}
}

// TestEventStreamEndsWithItsToken: a server-sent event subscription ends when
// its token is revoked.
func TestEventStreamEndsWithItsToken(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	u, err := client.CreateUser(ctx, s.admin, client.CreateUserInput{Name: "sse agent", Role: client.UserRoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := client.CreateApiToken(ctx, s.admin, client.CreateApiTokenInput{UserId: u.CreateUser.Id, Name: "sse"})
	if err != nil {
		t.Fatal(err)
	}
	before := s.srv.Subscribers()
	req := s.newRequest(t, http.MethodPost, "/query", tok.CreateApiToken.Token,
		strings.NewReader(`{"query":"subscription { inboxEvents { kind } }"}`))
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	ended := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, resp.Body)
		ended <- err
	}()
	eventually(t, "the subscription", func() bool { return s.srv.Subscribers() > before })
	if _, err := client.RevokeToken(ctx, s.admin, tok.CreateApiToken.ApiToken.Id); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the event stream is still open 10s after its token was revoked")
	}
}

// TestSilentWebsocketIsClosed: a client that stops answering pings is
// disconnected (graphql-transport-ws keep-alive), so a dead peer does not
// hold a subscription forever.
func TestSilentWebsocketIsClosed(t *testing.T) {
	ts := newTestServer(t) // keep-alive every 500 ms
	ctx := context.Background()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.http.URL, "http")+"/query",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if err := wsjson.Write(ctx, conn, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + ts.adminToken}}); err != nil {
		t.Fatal(err)
	}
	readCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		var m map[string]any
		if err := wsjson.Read(readCtx, conn, &m); err != nil {
			if readCtx.Err() != nil {
				t.Fatal("a client that never answers pings is still connected after 10s")
			}
			return // closed by the server
		}
	}
}
