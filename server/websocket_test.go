package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/switchboard/switchboard/client"
)

// dialInit opens a graphql-transport-ws websocket with the admin's token and
// reads its connection_ack.
func dialInit(t *testing.T, ctx context.Context, ts *testServer) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, ts.wsURL(), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	if err := wsjson.Write(ctx, conn, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + ts.adminToken}}); err != nil {
		t.Fatal(err)
	}
	var ack map[string]any
	if err := wsjson.Read(ctx, conn, &ack); err != nil || ack["type"] != "connection_ack" {
		t.Fatalf("connection_init: %v %v", ack, err)
	}
	return conn
}

// TestAnsweringWebsocketStaysOpen: a client that answers pings keeps its
// connection and subscription across many keep-alive intervals, and its pongs
// are not taken for unknown messages.
func TestAnsweringWebsocketStaysOpen(t *testing.T) {
	ts := newTestServer(t) // keep-alive every 500 ms
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn := dialInit(t, ctx, ts)
	if err := wsjson.Write(ctx, conn, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": "subscription { integrationAccountEvents { kind account { name } } }"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the subscription", func() bool { return ts.srv.Bus.Subscribers() == 1 })
	for pings := 0; pings < 5; {
		var m map[string]any
		if err := wsjson.Read(ctx, conn, &m); err != nil {
			t.Fatalf("after %d pings: %v", pings, err)
		}
		if m["type"] != "ping" {
			t.Fatalf("after %d pings: %v", pings, m)
		}
		pings++
		if err := wsjson.Write(ctx, conn, map[string]any{"type": "pong"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.CreateIntegrationAccount(ctx, ts.admin, telegramInput("still here")); err != nil {
		t.Fatal(err)
	}
	for {
		var m map[string]any
		if err := wsjson.Read(ctx, conn, &m); err != nil {
			t.Fatal(err)
		}
		switch m["type"] {
		case "ping":
			wsjson.Write(ctx, conn, map[string]any{"type": "pong"})
			continue
		case "next":
			return
		}
		t.Fatalf("got %v, want the event", m)
	}
}

// TestWebsocketRequestEndsAtUpgrade: the upgrade request is logged as done
// (101) while its connection lives on, so net/http holds nothing of it.
func TestWebsocketRequestEndsAtUpgrade(t *testing.T) {
	ts := newTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn := dialInit(t, ctx, ts)
	eventually(t, "the upgrade's request line", func() bool {
		for _, l := range requestLines(t, ts) {
			if l.Path == "/query" && l.Method == "GET" && l.Status == http.StatusSwitchingProtocols {
				return true
			}
		}
		return false
	})
	// The connection still serves: a ping and its pong, then a query.
	var m map[string]any
	if err := wsjson.Read(ctx, conn, &m); err != nil || m["type"] != "ping" {
		t.Fatalf("got %v, %v; want a ping", m, err)
	}
	if err := wsjson.Write(ctx, conn, map[string]any{"type": "pong"}); err != nil {
		t.Fatal(err)
	}
	if err := wsjson.Write(ctx, conn, map[string]any{"id": "q", "type": "subscribe", "payload": map[string]any{"query": "{ me { name } }"}}); err != nil {
		t.Fatal(err)
	}
	for {
		if err := wsjson.Read(ctx, conn, &m); err != nil {
			t.Fatal(err)
		}
		if m["type"] != "ping" {
			break
		}
		wsjson.Write(ctx, conn, map[string]any{"type": "pong"})
	}
	if m["type"] != "next" || m["id"] != "q" {
		t.Fatalf("got %v, want the query's result", m)
	}
}
