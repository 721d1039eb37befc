package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/custom/customtest"
)

const confirmationCode = "0123456789abcdef-shared-secret"

// newFakeMessenger is the shared fake of a company's own messenger, holding
// confirmationCode.
func newFakeMessenger(t *testing.T) *customtest.Server {
	t.Helper()
	f := customtest.NewServer(confirmationCode)
	t.Cleanup(f.Close)
	return f
}

// post sends signed events to Switchboard as the messenger does.
func postEvents(t *testing.T, url string, events ...map[string]any) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"events": events})
	req, err := customtest.NewEventsRequest(context.Background(), url, confirmationCode, time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestCustomMessengerEndToEnd(t *testing.T) {
	ts := newTestServer(t)
	fake := newFakeMessenger(t)
	ctx := context.Background()
	a, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: "our app", Settings: client.IntegrationSettingsInput{
		Custom: &client.CustomSettingsInput{WebhookUrl: ptr(fake.URL + "/switchboard"), ConfirmationCode: ptr(confirmationCode)}}})
	if err != nil {
		t.Fatal(err)
	}
	acct := a.CreateIntegrationAccount
	hook := ts.http.URL + "/webhooks/" + acct.AccountId

	// Test Connection is a signed ping that the messenger answers signed.
	res, err := client.TestConnection(ctx, ts.admin, acct.Id)
	if err != nil || !res.TestConnection.Ok {
		t.Fatalf("testConnection: %v %+v", err, res)
	}
	// Connecting runs the same handshake.
	if _, err := client.ConnectIntegrationAccount(ctx, ts.admin, acct.Id); err != nil {
		t.Fatal(err)
	}

	msg := func(id, sender, text string) map[string]any {
		return map[string]any{"id": id, "type": "message", "timestamp": time.Now().UTC().Format(time.RFC3339),
			"sender":  map[string]any{"id": sender, "name": "Customer " + sender},
			"message": map[string]any{"id": "m-" + id, "text": text}}
	}
	// Unsigned or wrongly signed: 401, nothing stored.
	body, _ := json.Marshal(map[string]any{"events": []any{msg("e0", "u1", "x")}})
	if resp, _ := http.Post(hook, "application/json", bytes.NewReader(body)); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned: %d", resp.StatusCode)
	}
	// A batch lands in order in one conversation.
	if code, b := postEvents(t, hook, msg("e1", "u1", "first"), msg("e2", "u1", "second")); code != http.StatusOK {
		t.Fatalf("events: %d %s", code, b)
	}
	// The same batch again (the messenger retried) changes nothing.
	postEvents(t, hook, msg("e1", "u1", "first"), msg("e2", "u1", "second"))
	// An invalid body: 400 with the reason, and kept for replay.
	if code, b := postEvents(t, hook, map[string]any{"id": "e3", "type": "message"}); code != http.StatusBadRequest || b == "" {
		t.Fatalf("invalid event: %d %s", code, b)
	}
	failed, _ := client.FailedWebhookEvents(ctx, ts.admin, ptr(10), nil)
	if failed.FailedWebhookEvents.TotalCount != 1 {
		t.Fatalf("%d failed webhook events, want 1", failed.FailedWebhookEvents.TotalCount)
	}

	list, _ := client.Conversations(ctx, ts.admin, ptr(10), nil, nil, nil)
	if list.Conversations.TotalCount != 1 {
		t.Fatalf("%d conversations", list.Conversations.TotalCount)
	}
	convID := list.Conversations.Edges[0].Node.Id
	r, _ := client.Conversation(ctx, ts.admin, convID, ptr(10))
	conv := (*r.Node).(*client.ConversationNodeConversation)
	if conv.Messages.TotalCount != 2 || conv.Messages.Edges[0].Node.Text != "first" || conv.Messages.Edges[1].Node.Text != "second" {
		t.Fatalf("messages: %+v", conv.Messages)
	}

	// A reply goes out signed; the messenger's ID comes back; receipts move it on.
	sent, err := client.SendMessage(ctx, ts.admin, client.SendMessageInput{ConversationId: convID, Text: ptr("hello from support")})
	if err != nil {
		t.Fatal(err)
	}
	var theirID string
	eventually(t, "reply SENT", func() bool {
		r, _ := client.Conversation(ctx, ts.admin, convID, ptr(10))
		for _, e := range (*r.Node).(*client.ConversationNodeConversation).Messages.Edges {
			if e.Node.Id == sent.SendMessage.Id && e.Node.Status == client.MessageStatusSent {
				theirID = *e.Node.ProviderMessageID
				return true
			}
		}
		return false
	})
	got := fake.Messages()
	if len(got) != 1 || got[0].Text != "hello from support" || got[0].Recipient != "u1" {
		t.Fatalf("messenger received %v", got)
	}
	for _, step := range []struct {
		typ    string
		status client.MessageStatus
	}{{"delivered", client.MessageStatusDelivered}, {"read", client.MessageStatusRead}} {
		code, b := postEvents(t, hook, map[string]any{"id": "r-" + step.typ, "type": step.typ, "timestamp": time.Now().UTC().Format(time.RFC3339),
			"sender": map[string]any{"id": "u1"}, "messageIds": []string{theirID}})
		if code != http.StatusOK {
			t.Fatalf("%s receipt: %d %s", step.typ, code, b)
		}
		r, _ := client.Conversation(ctx, ts.admin, convID, ptr(10))
		for _, e := range (*r.Node).(*client.ConversationNodeConversation).Messages.Edges {
			if e.Node.Id == sent.SendMessage.Id && e.Node.Status != step.status {
				t.Fatalf("after %s receipt: %s", step.typ, e.Node.Status)
			}
		}
	}
	if n := fake.Refused(); n != 0 {
		t.Fatalf("%d requests from Switchboard were not signed correctly", n)
	}
}

func TestCustomHandshakeRefusedKeepsAccountDisconnected(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	// A messenger that does not hold the code answers unsigned.
	liar := newFakeMessenger(t)
	liar.SetHook(func(customtest.Request) *customtest.Reply {
		return &customtest.Reply{JSON: map[string]string{"challenge": "whatever"}, Unsigned: true}
	})
	a, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: "app", Settings: client.IntegrationSettingsInput{
		Custom: &client.CustomSettingsInput{WebhookUrl: ptr(liar.URL), ConfirmationCode: ptr(confirmationCode)}}})
	if err != nil {
		t.Fatal(err)
	}
	id := a.CreateIntegrationAccount.Id
	if _, err := client.DisconnectIntegrationAccount(ctx, ts.admin, id); err != nil {
		t.Fatal(err)
	}
	_, err = client.ConnectIntegrationAccount(ctx, ts.admin, id)
	wantCode(t, err, "PROVIDER_ERROR")
	got, _ := client.IntegrationAccount(ctx, ts.admin, id)
	if nodeAccount(got).Status != client.IntegrationAccountStatusDisconnected {
		t.Fatal("a failed handshake connected the account")
	}
	// The refused handshake is the account's last check, and it is not verified.
	if a := nodeAccount(got); a.VerifiedAt != nil || a.LastTest == nil || a.LastTest.Ok || a.LastTest.Message == "" {
		t.Fatalf("after a refused handshake: verifiedAt %v, lastTest %+v", a.VerifiedAt, a.LastTest)
	}
	res, err := client.TestConnection(ctx, ts.admin, id)
	if err != nil || res.TestConnection.Ok {
		t.Fatalf("testConnection against a messenger without the code: %v %+v", err, res)
	}
}

// TestCustomAccountShowsWhetherItsHandshakePassed: a new custom account is
// ACTIVE but not verified until its signed handshake passes (on connect or Test
// Connection); changing the URL or confirmation code makes it unverified again.
func TestCustomAccountShowsWhetherItsHandshakePassed(t *testing.T) {
	ts := newTestServer(t)
	fake := newFakeMessenger(t)
	ctx := context.Background()
	a, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: "our app", Settings: client.IntegrationSettingsInput{
		Custom: &client.CustomSettingsInput{WebhookUrl: ptr(fake.URL + "/switchboard"), ConfirmationCode: ptr(confirmationCode)}}})
	if err != nil {
		t.Fatal(err)
	}
	created := a.CreateIntegrationAccount.AccountFields
	id := created.Id
	if created.Status != client.IntegrationAccountStatusActive || created.VerifiedAt != nil || created.LastTest != nil {
		t.Fatalf("new account: status %s, verifiedAt %v, lastTest %v; want ACTIVE, unverified, untested", created.Status, created.VerifiedAt, created.LastTest)
	}
	// An admin can list the accounts that have not proven their settings.
	unverified := func() int {
		t.Helper()
		l, err := client.IntegrationAccounts(ctx, ts.admin, ptr(10), nil, &client.IntegrationAccountWhereInput{VerifiedAtIsNil: ptr(true)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return l.IntegrationAccounts.TotalCount
	}
	if n := unverified(); n != 1 {
		t.Fatalf("%d unverified accounts, want 1", n)
	}

	// Connecting runs the handshake and records it.
	if _, err := client.DisconnectIntegrationAccount(ctx, ts.admin, id); err != nil {
		t.Fatal(err)
	}
	c, err := client.ConnectIntegrationAccount(ctx, ts.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	acct := c.ConnectIntegrationAccount.AccountFields
	if acct.VerifiedAt == nil || acct.LastTest == nil || !acct.LastTest.Ok || !acct.VerifiedAt.Equal(acct.LastTest.At) {
		t.Fatalf("after a passing handshake: verifiedAt %v, lastTest %+v", acct.VerifiedAt, acct.LastTest)
	}
	if n := unverified(); n != 0 {
		t.Fatalf("%d unverified accounts after the handshake, want 0", n)
	}
	update := func(in client.CustomSettingsInput, name *string) client.AccountFields {
		t.Helper()
		u, err := client.UpdateIntegrationAccount(ctx, ts.admin, id, client.UpdateIntegrationAccountInput{Name: name, Settings: &client.IntegrationSettingsInput{Custom: &in}})
		if err != nil {
			t.Fatal(err)
		}
		return u.UpdateIntegrationAccount.AccountFields
	}
	test := func() bool {
		t.Helper()
		r, err := client.TestConnection(ctx, ts.admin, id)
		if err != nil {
			t.Fatal(err)
		}
		return r.TestConnection.Ok
	}

	// Changes that do not touch the connection keep the verification.
	verifiedAt := *acct.VerifiedAt
	for _, u := range []struct {
		name string
		in   client.CustomSettingsInput
	}{
		{"renamed", client.CustomSettingsInput{}},
		{"same code again", client.CustomSettingsInput{ConfirmationCode: ptr(confirmationCode)}},
	} {
		if got := update(u.in, ptr(u.name)); got.VerifiedAt == nil || !got.VerifiedAt.Equal(verifiedAt) {
			t.Fatalf("%s: verifiedAt %v, want %v kept", u.name, got.VerifiedAt, verifiedAt)
		}
	}

	// A new confirmation code, then a new URL: unverified until a check passes.
	for _, step := range []struct {
		name string
		in   client.CustomSettingsInput
		pass bool // whether the messenger then passes Test Connection
	}{
		{"new confirmation code", client.CustomSettingsInput{ConfirmationCode: ptr("another-shared-secret-0123456789")}, false},
		{"code back, new URL", client.CustomSettingsInput{ConfirmationCode: ptr(confirmationCode), WebhookUrl: ptr(fake.URL + "/v2")}, true},
	} {
		got := update(step.in, nil)
		if got.VerifiedAt != nil || got.LastTest != nil {
			t.Fatalf("%s: verifiedAt %v, lastTest %+v; want both cleared", step.name, got.VerifiedAt, got.LastTest)
		}
		if ok := test(); ok != step.pass {
			t.Fatalf("%s: testConnection ok = %v, want %v", step.name, ok, step.pass)
		}
		after := fetchAccount(t, ts, id)
		if after.LastTest == nil || after.LastTest.Ok != step.pass || (after.VerifiedAt != nil) != step.pass {
			t.Fatalf("%s: after Test Connection: verifiedAt %v, lastTest %+v", step.name, after.VerifiedAt, after.LastTest)
		}
	}
}
