package viber

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/viber/vibertest"
)

// checkResultNoToken fails when a result shows the token anywhere.
func checkResultNoToken(t testing.TB, res providers.Result) {
	t.Helper()
	if s := fmt.Sprintf("%+v", res); strings.Contains(s, testToken) {
		t.Errorf("result shows the token: %s", s)
	}
}

func TestTestConnection(t *testing.T) {
	srv, p, env := newFake(t)
	res, err := p.TestConnection(context.Background(), env, testAccount)
	if err != nil {
		t.Fatalf("TestConnection: %v", err)
	}
	if !res.OK || !strings.Contains(res.Message, `"account name" (accountUri)`) || !strings.Contains(res.Message, "No webhook is set") {
		t.Errorf("result %+v", res)
	}
	want := map[string]string{"id": "pa:75346594275468546724", "name": "account name", "uri": "accountUri",
		"subscribersCount": "35", "webhook": "", "eventTypes": ""}
	if !reflect.DeepEqual(res.Details, want) {
		t.Errorf("details\n got %v\nwant %v", res.Details, want)
	}
	if !reflect.DeepEqual(res.Settings, map[string]string{"botUsername": "accountUri", "botName": "account name"}) {
		t.Errorf("settings %v", res.Settings)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Endpoint != "get_account_info" || reqs[0].Token != testToken || strings.TrimSpace(string(reqs[0].Body)) != "{}" {
		t.Errorf("requests %+v", reqs)
	}
	checkResultNoToken(t, res)
}

func TestTestConnectionWebhookState(t *testing.T) {
	tests := []struct {
		name    string
		hook    string
		matches string
		message string
	}{
		{"this account's webhook", testAccount.WebhookURL, "true", "Connected"},
		{"another webhook", "https://elsewhere.example/hook", "false", "points elsewhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, env := newFake(t)
			acct := testAccount
			acct.WebhookURL = tt.hook
			if res, err := p.SetWebhook(context.Background(), env, acct); err != nil || !res.OK {
				t.Fatalf("SetWebhook: %+v %v", res, err)
			}
			res, err := p.TestConnection(context.Background(), env, testAccount)
			if err != nil || !res.OK {
				t.Fatalf("TestConnection: %+v %v", res, err)
			}
			if res.Details["webhookMatches"] != tt.matches || !strings.Contains(res.Message, tt.message) || res.Details["webhook"] != tt.hook {
				t.Errorf("result %+v", res)
			}
			if res.Details["eventTypes"] != "delivered,seen,failed,subscribed,unsubscribed,conversation_started" {
				t.Errorf("eventTypes %q", res.Details["eventTypes"])
			}
		})
	}
}

func TestTestConnectionURIOutsideUsername(t *testing.T) {
	srv, p, env := newFake(t)
	acct := vibertest.DefaultAccount
	acct.URI = "acme-support"
	srv.SetAccount(acct)
	res, err := p.TestConnection(context.Background(), env, testAccount)
	if err != nil || !res.OK || res.Details["uri"] != "acme-support" {
		t.Fatalf("%+v %v", res, err)
	}
	if _, ok := res.Settings["botUsername"]; ok || res.Settings["botName"] != "account name" {
		t.Errorf("a URI botUsername would refuse was stored, or the name was not: %v", res.Settings)
	}
}

func TestTestConnectionRefused(t *testing.T) {
	tests := []struct {
		name    string
		reply   *vibertest.Reply
		acct    providers.Account
		message string
	}{
		{"wrong token", nil, providers.Account{Secrets: map[string]string{"token": "445da6az1s345z78-nope"}},
			"Viber does not accept this token (invalidAuthToken)"},
		{"no token", nil, providers.Account{}, "no Viber token"},
		{"suspended", &vibertest.Reply{Status: 9, StatusMessage: "publicAccountSuspended"}, testAccount,
			"Viber refused: publicAccountSuspended: the bot is suspended."},
		{"bad gateway", &vibertest.BadGateway, testAccount, "HTTP 502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			if tt.reply != nil {
				srv.FailNext("get_account_info", *tt.reply)
			}
			res, err := p.TestConnection(context.Background(), env, tt.acct)
			if err != nil {
				t.Fatalf("err = %v: a refusal is a result", err)
			}
			if res.OK || !strings.Contains(res.Message, tt.message) || res.Settings != nil {
				t.Errorf("result %+v, want not OK with %q", res, tt.message)
			}
			checkResultNoToken(t, res)
			if strings.Contains(fmt.Sprint(res), "nope") {
				t.Errorf("result shows the token: %+v", res)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.Close()
		_, err := p.TestConnection(context.Background(), env, testAccount)
		if err == nil || !strings.HasPrefix(err.Error(), "viber: test connection: ") {
			t.Errorf("err = %v", err)
		}
		checkNoToken(t, err)
	})
}

func TestSetWebhook(t *testing.T) {
	srv, p, env := newFake(t)
	res, err := p.SetWebhook(context.Background(), env, testAccount)
	if err != nil || !res.OK {
		t.Fatalf("SetWebhook: %+v %v", res, err)
	}
	if !strings.Contains(res.Message, testAccount.WebhookURL) || res.Details["webhookUrl"] != testAccount.WebhookURL {
		t.Errorf("result %+v", res)
	}
	w := srv.Webhook()
	want := vibertest.WebhookConfig{URL: testAccount.WebhookURL, EventTypes: vibertest.EventTypes, SendName: true, SendPhoto: true}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("webhook\n got %+v\nwant %+v", w, want)
	}
	var body map[string]any
	if err := json.Unmarshal(srv.Requests()[0].Body, &body); err != nil || body["url"] != testAccount.WebhookURL {
		t.Errorf("body %v %v", body, err)
	}
	checkResultNoToken(t, res)
}

func TestSetWebhookRefused(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		reply   *vibertest.Reply
		message string
		called  bool
	}{
		{"http", "http://switchboard.example/webhooks/acc1", nil, "only https", false},
		{"empty", "", nil, "only https", false},
		{"relative", "/webhooks/acc1", nil, "only https", false},
		{"Viber's check failed", testAccount.WebhookURL, &vibertest.Reply{Status: 1, StatusMessage: "Result[HttpCallbackResult{statusCode=502}]"},
			"Viber refused the webhook URL (Result[HttpCallbackResult{statusCode=502}])", true},
		{"bad token", testAccount.WebhookURL, &vibertest.Reply{Status: 2, StatusMessage: "invalidAuthToken"}, "does not accept this token", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			if tt.reply != nil {
				srv.FailNext("set_webhook", *tt.reply)
			}
			acct := testAccount
			acct.WebhookURL = tt.url
			res, err := p.SetWebhook(context.Background(), env, acct)
			if err != nil || res.OK || !strings.Contains(res.Message, tt.message) {
				t.Errorf("result %+v, err %v; want not OK with %q", res, err, tt.message)
			}
			if called := len(srv.Requests()) > 0; called != tt.called {
				t.Errorf("Viber called: %v, want %v", called, tt.called)
			}
			checkResultNoToken(t, res)
		})
	}
}

// TestSetWebhookHandshake runs set_webhook the way Viber does it: the fake calls
// the https webhook, whose handler verifies the signed check with the provider.
func TestSetWebhookHandshake(t *testing.T) {
	srv, p, env := newFake(t)
	var handshakes atomic.Int32
	// verifyAs is the account whose token the webhook checks signatures with.
	var verifyAs atomic.Pointer[providers.Account]
	verifyAs.Store(&testAccount)
	hook := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := &providers.WebhookRequest{Method: r.Method, URL: r.URL, Header: r.Header, Body: body}
		_, handshake, err := p.VerifyWebhook(*verifyAs.Load(), req)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if handshake {
			handshakes.Add(1)
		}
	}))
	defer hook.Close()
	srv.SetWebhookClient(hook.Client())

	acct := testAccount
	acct.WebhookURL = hook.URL + "/webhooks/acc1"
	if res, err := p.SetWebhook(context.Background(), env, acct); err != nil || !res.OK {
		t.Fatalf("SetWebhook: %+v %v", res, err)
	}
	if n := handshakes.Load(); n != 1 {
		t.Errorf("%d handshakes, want 1", n)
	}
	// Checked with another token, the signed check is refused, and so is the URL.
	other := testAccount
	other.Secrets = map[string]string{"token": "another-token"}
	verifyAs.Store(&other)
	res, err := p.SetWebhook(context.Background(), env, acct)
	if err != nil || res.OK || !strings.Contains(res.Message, "statusCode=401") {
		t.Errorf("result %+v, err %v", res, err)
	}
}
