package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/switchboard/switchboard/client"
)

func telegramInput(name string) client.CreateIntegrationAccountInput {
	return client.CreateIntegrationAccountInput{Name: name, Settings: client.IntegrationSettingsInput{
		Telegram: &client.TelegramSettingsInput{BotUsername: ptr("acme_bot"), BotToken: ptr("123456:AAtelegramSecretE5")}}}
}

// nextEvent waits for one subscription event.
func nextEvent(t *testing.T, ch <-chan client.IntegrationAccountEventsWsResponse) client.IntegrationAccountEventsIntegrationAccountEventsIntegrationAccountEvent {
	t.Helper()
	select {
	case resp, ok := <-ch:
		if !ok {
			t.Fatal("subscription ended")
		}
		if len(resp.Errors) > 0 {
			t.Fatalf("subscription error: %v", resp.Errors)
		}
		return resp.Data.IntegrationAccountEvents
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	panic("unreachable")
}

func TestIntegrationAccountEventsOverWebsocket(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	other := ts.tenantAdmin(t, "globex")

	ws, err := ts.admin.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	events, _, err := client.IntegrationAccountEvents(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	otherWS, err := other.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer otherWS.Close()
	otherEvents, _, err := client.IntegrationAccountEvents(ctx, otherWS)
	if err != nil {
		t.Fatal(err)
	}
	// graphql-transport-ws has no "subscribed" message: wait until the server holds both.
	eventually(t, "two subscribers", func() bool { return ts.srv.Subscribers() == 2 })

	created, err := client.CreateIntegrationAccount(ctx, ts.admin, telegramInput("live bot"))
	if err != nil {
		t.Fatal(err)
	}
	id := created.CreateIntegrationAccount.Id
	ev := nextEvent(t, events)
	if ev.Kind != client.IntegrationAccountEventKindCreated || ev.Id != id || ev.Account == nil || ev.Account.Name != "live bot" {
		t.Fatalf("created event = %+v", ev)
	}
	if strings.Contains(settingsJSON(t, ev.Account.AccountFields), "AAtelegramSecretE5") {
		t.Fatal("event reveals a secret")
	}
	steps := []struct {
		do   func() error
		kind client.IntegrationAccountEventKind
	}{
		{func() error {
			_, err := client.UpdateIntegrationAccount(ctx, ts.admin, id, client.UpdateIntegrationAccountInput{Name: ptr("renamed")})
			return err
		}, client.IntegrationAccountEventKindUpdated},
		{func() error { _, err := client.DisconnectIntegrationAccount(ctx, ts.admin, id); return err }, client.IntegrationAccountEventKindDisconnected},
		{func() error { _, err := client.ConnectIntegrationAccount(ctx, ts.admin, id); return err }, client.IntegrationAccountEventKindConnected},
		{func() error { _, err := client.TestConnection(ctx, ts.admin, id); return err }, client.IntegrationAccountEventKindTested},
		{func() error { _, err := client.DeleteIntegrationAccount(ctx, ts.admin, id); return err }, client.IntegrationAccountEventKindDeleted},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.kind, err)
		}
		ev := nextEvent(t, events)
		if ev.Kind != s.kind || ev.Id != id {
			t.Fatalf("event = %s %s, want %s %s", ev.Kind, ev.Id, s.kind, id)
		}
		if s.kind == client.IntegrationAccountEventKindDeleted && ev.Account != nil {
			t.Fatalf("deleted event carries the account")
		}
	}
	// A failed mutation publishes nothing, and the other tenant heard nothing.
	if _, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: ""}); err == nil {
		t.Fatal("invalid create accepted")
	}
	select {
	case ev, ok := <-otherEvents:
		if ok {
			t.Fatalf("another tenant received %+v", ev)
		}
		t.Fatal("the other tenant's subscription ended")
	case ev := <-events:
		t.Fatalf("event after a failed mutation: %+v", ev)
	case <-time.After(100 * time.Millisecond):
	}

	// Closing the websocket ends its subscription on the server.
	otherWS.Close()
	eventually(t, "closed subscription to end", func() bool { return ts.srv.Subscribers() == 1 })
	// So does shutting the server down.
	ts.srv.Shutdown()
	eventually(t, "shutdown to end subscriptions", func() bool { return ts.srv.Subscribers() == 0 })
}

func TestSubscriptionNeedsAdmin(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	agent := ts.as(ts.userToken(t, "agent", client.UserRoleAgent))
	ws, err := agent.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	events, _, err := client.IntegrationAccountEvents(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case resp := <-events:
		if len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != "FORBIDDEN" {
			t.Fatalf("agent subscription: %+v", resp)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer to a forbidden subscription")
	}

	if _, err := ts.as("sb_wrong").Subscribe(ctx); err == nil {
		t.Fatal("websocket with a wrong token was accepted")
	}
}

// wsURL is the websocket address of the test server's GraphQL endpoint.
func (ts *testServer) wsURL() string {
	return "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/query"
}

func TestLegacyGraphQLWSProtocolWithKeepAlive(t *testing.T) {
	ts := newTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, ts.wsURL(), &websocket.DialOptions{Subprotocols: []string{"graphql-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if resp.Header.Get("Sec-WebSocket-Protocol") != "graphql-ws" {
		t.Fatalf("negotiated %q", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	type msg struct {
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload,omitempty"`
	}
	send := func(m msg) {
		if err := wsjson.Write(ctx, conn, m); err != nil {
			t.Fatal(err)
		}
	}
	read := func(skipKA bool) msg {
		for {
			var m msg
			if err := wsjson.Read(ctx, conn, &m); err != nil {
				t.Fatal(err)
			}
			if skipKA && m.Type == "ka" {
				continue
			}
			return m
		}
	}
	send(msg{Type: "connection_init", Payload: json.RawMessage(`{"Authorization":"Bearer ` + ts.adminToken + `"}`)})
	if m := read(true); m.Type != "connection_ack" {
		t.Fatalf("got %s, want connection_ack", m.Type)
	}
	if m := read(false); m.Type != "ka" {
		t.Fatalf("got %s, want a keep-alive", m.Type)
	}
	send(msg{ID: "1", Type: "start", Payload: json.RawMessage(`{"query":"subscription { integrationAccountEvents { kind account { name } } }"}`)})
	eventually(t, "subscriber", func() bool { return ts.srv.Subscribers() == 1 })
	if _, err := client.CreateIntegrationAccount(ctx, ts.admin, telegramInput("legacy")); err != nil {
		t.Fatal(err)
	}
	m := read(true)
	if m.Type != "data" || !strings.Contains(string(m.Payload), `"legacy"`) {
		t.Fatalf("got %s %s", m.Type, m.Payload)
	}
	send(msg{ID: "1", Type: "stop"})
	eventually(t, "stopped subscription to end", func() bool { return ts.srv.Subscribers() == 0 })
}

func TestServerSentEvents(t *testing.T) {
	ts := newTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	body := strings.NewReader(`{"query":"subscription { integrationAccountEvents { kind account { name } } }"}`)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.http.URL+"/query", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+ts.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	eventually(t, "subscriber", func() bool { return ts.srv.Subscribers() == 1 })
	if _, err := client.CreateIntegrationAccount(ctx, ts.admin, telegramInput("over sse")); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "data:") && strings.Contains(line, "over sse") {
			cancel()
			eventually(t, "SSE subscription to end", func() bool { return ts.srv.Subscribers() == 0 })
			return
		}
	}
	t.Fatalf("stream ended without the event: %v", sc.Err())
}
