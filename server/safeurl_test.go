package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/providers/custom/customtest"
	"github.com/switchboard/switchboard/server"
)

// hitCounter is an HTTP server that must not be reached; it counts what does.
func hitCounter(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// mustNotName fails when s, which a tenant sees, holds any of leaks.
func mustNotName(t *testing.T, what, s string, leaks ...string) {
	t.Helper()
	for _, l := range leaks {
		if strings.Contains(s, l) {
			t.Errorf("%s names %q: %s", what, l, s)
		}
	}
}

// createCustom creates a custom messenger account posting to webhookURL.
func createCustom(t *testing.T, ts *testServer, webhookURL string) client.AccountFields {
	t.Helper()
	a, err := client.CreateIntegrationAccount(context.Background(), ts.admin, client.CreateIntegrationAccountInput{Name: "app",
		Settings: client.IntegrationSettingsInput{Custom: &client.CustomSettingsInput{WebhookUrl: ptr(webhookURL), ConfirmationCode: ptr(confirmationCode)}}})
	if err != nil {
		t.Fatalf("create custom account: %v", err)
	}
	return a.CreateIntegrationAccount.AccountFields
}

// repointCustom changes the account's webhookUrl in the database, behind the
// save-time check: what a host name whose DNS answer changed amounts to.
func repointCustom(t *testing.T, ts *testServer, accountID, webhookURL string) {
	t.Helper()
	ctx := core.SystemContext(context.Background())
	a, err := ts.srv.Client().IntegrationAccount.Query().Where(integrationaccount.AccountID(accountID)).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for k, v := range a.Settings {
		settings[k] = v
	}
	settings["webhookUrl"] = webhookURL
	if err := a.Update().SetSettings(settings).Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

// replyError has a customer write to the account, replies, and returns the
// reply's error as agents see it once there is one, with its status.
func replyError(t *testing.T, ts *testServer, acct client.AccountFields) (string, client.MessageStatus) {
	t.Helper()
	ctx := context.Background()
	hook := ts.http.URL + "/webhooks/" + acct.AccountId
	code, body := postEvents(t, hook, map[string]any{"id": "e-" + acct.AccountId, "type": "message",
		"timestamp": time.Now().UTC().Format(time.RFC3339),
		"sender":    map[string]any{"id": "u1", "name": "Customer"},
		"message":   map[string]any{"id": "m-" + acct.AccountId, "text": "hello"}})
	if code != http.StatusOK {
		t.Fatalf("inbound event: %d %s", code, body)
	}
	var convID string
	eventually(t, "the conversation", func() bool {
		list, err := client.Conversations(ctx, ts.admin, ptr(10), nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list.Conversations.Edges {
			if e.Node.IntegrationAccount.Id == acct.Id {
				convID = e.Node.Id
				return true
			}
		}
		return false
	})
	sent, err := client.SendMessage(ctx, ts.admin, client.SendMessageInput{ConversationId: convID, Text: ptr("hi")})
	if err != nil {
		t.Fatal(err)
	}
	var reason string
	var status client.MessageStatus
	eventually(t, "the reply's error", func() bool {
		r, err := client.Conversation(ctx, ts.admin, convID, ptr(10))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range (*r.Node).(*client.ConversationNodeConversation).Messages.Edges {
			if e.Node.Id == sent.SendMessage.Id {
				reason, status = e.Node.Error, e.Node.Status
			}
		}
		return reason != ""
	})
	return reason, status
}

// TestRefusedAddressIsReportedWithoutIt checks that what tenants see of a
// refused destination says why in words and names no address: not the one
// their host name resolved to, nor its port. Only the log has the detail.
func TestRefusedAddressIsReportedWithoutIt(t *testing.T) {
	ts := newTestServer(t, func(c *server.Config) { c.AllowPrivateURLs = false })
	ctx := context.Background()
	internal, hits := hitCounter(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(internal.URL, "http://"))
	const refused = "destination address is not allowed: private, loopback or link-local"

	for _, host := range []string{"localhost", "127.0.0.1"} {
		t.Run(host, func(t *testing.T) {
			acct := createCustom(t, ts, "https://hooks.example.com/switchboard")
			repointCustom(t, ts, acct.AccountId, "https://"+host+":"+port+"/switchboard")
			leaks := []string{"127.0.0.1", "::1", port, "dial", "tcp"}

			res, err := client.TestConnection(ctx, ts.admin, acct.Id)
			if err != nil {
				t.Fatal(err)
			}
			r := res.TestConnection.ResultFields
			if want := "Could not reach the messenger: " + refused + "."; r.Ok || r.Message != want {
				t.Errorf("testConnection = %+v, want ok false and %q", r, want)
			}
			// Not the whole result: its timestamp could hold the port's digits.
			js, _ := json.Marshal(map[string]any{"message": r.Message, "details": r.Details})
			mustNotName(t, "testConnection's result", string(js), leaks...)
			if last := fetchAccount(t, ts, acct.Id).LastTest; last == nil || last.Message != r.Message {
				t.Errorf("lastTest = %+v, want the same message", last)
			}

			reason, _ := replyError(t, ts, acct)
			if want := "could not reach the messenger: " + refused; reason != want {
				t.Errorf("reply error = %q, want %q", reason, want)
			}
			mustNotName(t, "the reply's error", reason, leaks...)

			_, err = client.ConnectIntegrationAccount(ctx, ts.admin, acct.Id)
			wantCode(t, err, "PROVIDER_ERROR")
			if !strings.Contains(err.Error(), refused) {
				t.Errorf("connect error = %v, want it to say %q", err, refused)
			}
			mustNotName(t, "connect's error", err.Error(), leaks...)
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the refused server received %d requests", n)
	}
	if !strings.Contains(ts.logs.String(), "127.0.0.1:"+port) {
		t.Error("the logs lack the refused address, which the operator needs")
	}
}

// TestRedirectingCustomWebhookIsRefused checks that Switchboard's signed
// requests never follow a redirect: neither the ping nor a reply reaches the
// Location, and both say why.
func TestRedirectingCustomWebhookIsRefused(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	elsewhere, hits := hitCounter(t)
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			messenger := newFakeMessenger(t)
			messenger.SetHook(func(customtest.Request) *customtest.Reply {
				return &customtest.Reply{Status: code, Header: http.Header{"Location": {elsewhere.URL + "/switchboard"}}, Unsigned: true}
			})
			acct := createCustom(t, ts, messenger.URL+"/switchboard")

			res, err := client.TestConnection(ctx, ts.admin, acct.Id)
			if err != nil {
				t.Fatal(err)
			}
			r := res.TestConnection.ResultFields
			if want := fmt.Sprintf("The messenger answered %d, a redirect; Switchboard does not follow redirects", code); r.Ok || !strings.HasPrefix(r.Message, want) {
				t.Errorf("testConnection = %+v, want ok false and %q...", r, want)
			}

			reason, status := replyError(t, ts, acct)
			if status != client.MessageStatusFailed || !strings.Contains(reason, "redirects are not followed") {
				t.Errorf("reply = %s %q, want FAILED because of the redirect", status, reason)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the redirect target received %d requests", n)
	}
}
