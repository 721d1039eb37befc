package twitter

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/twitter/twittertest"
)

func TestBaseURL(t *testing.T) {
	tests := []struct {
		name string
		p    *Provider
		api  string
	}{
		{"zero value is production", &Provider{}, DefaultAPIURL},
		{"New with nothing is production", New(""), DefaultAPIURL},
		{"a fake", New("http://127.0.0.1:8080/"), "http://127.0.0.1:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.p.api() != tt.api {
				t.Errorf("api %s, want %s", tt.p.api(), tt.api)
			}
		})
	}
	s := Provider{}.Spec()
	if s.Key != "twitter" || s.Type != "TWITTER" || len(s.Fields) != 4 {
		t.Fatalf("spec %+v", s)
	}
	for _, f := range s.Fields {
		if !f.Secret || !f.Required {
			t.Errorf("field %s is not a required secret", f.Name)
		}
	}
}

func TestTokenUserID(t *testing.T) {
	tests := map[string]string{
		twittertest.AccessToken:                              twittertest.UserID,
		"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb": "370773112",
		"docs-fixtures-token":                                "",
		"-abc":                                               "",
		"12345678901234567890-abc":                           "", // 20 digits: not a user ID
		"":                                                   "",
	}
	for token, want := range tests {
		if got := TokenUserID(token); got != want {
			t.Errorf("TokenUserID(%q) = %q, want %q", token, got, want)
		}
	}
}

func TestTestConnection(t *testing.T) {
	t.Run("the account", func(t *testing.T) {
		fake, p, env := newFake(t)
		res, err := p.TestConnection(context.Background(), env, testAccount)
		if err != nil || !res.OK {
			t.Fatalf("res %+v, err %v", res, err)
		}
		want := map[string]string{"userId": twittertest.UserID, "username": twittertest.Username, "name": twittertest.Name}
		for k, v := range want {
			if res.Details[k] != v {
				t.Errorf("Details[%s] = %q, want %q", k, res.Details[k], v)
			}
		}
		if !strings.Contains(res.Message, "@"+twittertest.Username) {
			t.Errorf("message %q", res.Message)
		}
		if r := fake.Requests(); len(r) != 1 || r[0].Path != "/2/users/me" || r[0].Auth != "oauth1" {
			t.Errorf("requests %+v", r)
		}
		checkResultNoSecret(t, res)
	})
	refusals := []struct {
		name  string
		acct  providers.Account
		fault *twittertest.Fault
		has   string
	}{
		{"wrong consumer secret", withSecret("consumerSecret", "x"+twittertest.ConsumerSecret[1:]), nil, "does not accept these credentials"},
		{"wrong consumer key", withSecret("consumerKey", "x"+twittertest.ConsumerKey[1:]), nil, "does not accept these credentials"},
		{"revoked token", withSecret("accessToken", twittertest.UserID+"-revoked"), nil, "does not accept these credentials"},
		{"app without access", testAccount, &twittertest.ClientNotEnrolled, "access level"},
		{"rate limited", testAccount, &twittertest.RateLimited, "rate limit"},
		{"a proxy's 502", testAccount, &twittertest.BadGateway, "HTTP 502"},
		{"no token", providers.Account{Secrets: map[string]string{"consumerKey": "k", "consumerSecret": "s"}}, nil, "no X access token"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			if tt.fault != nil {
				fake.FailNext(twittertest.EndpointMe, *tt.fault)
			}
			res, err := p.TestConnection(context.Background(), env, tt.acct)
			if err != nil || res.OK || !strings.Contains(res.Message, tt.has) {
				t.Errorf("res %+v, err %v; want a failed result with %q", res, err, tt.has)
			}
			checkResultNoSecret(t, res)
		})
	}
	t.Run("X unreachable is an error", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.Close()
		_, err := p.TestConnection(context.Background(), env, testAccount)
		if err == nil {
			t.Fatal("no error")
		}
		checkErrNoSecret(t, err)
	})
}

func TestSetWebhook(t *testing.T) {
	const oldURL = "https://old-switchboard.example.net/webhooks/acc_7f3k2m9q"
	tests := []struct {
		name         string
		setup        func(f *twittertest.Server)
		webhook      string // Details["webhook"]
		subscription string
		deleted      string
	}{
		{name: "new", webhook: "created", subscription: "created"},
		{name: "registered and subscribed already", webhook: "existing", subscription: "existing", setup: func(f *twittertest.Server) {
			f.Subscribe(f.AddWebhook(twittertest.ConsumerKey, testAccount.WebhookURL, true), twittertest.UserID)
		}},
		{name: "registered but invalid", webhook: "revalidated", subscription: "created", setup: func(f *twittertest.Server) {
			f.AddWebhook(twittertest.ConsumerKey, testAccount.WebhookURL, false)
		}},
		{name: "this account at the server's old address", webhook: "replaced", subscription: "created", deleted: oldURL, setup: func(f *twittertest.Server) {
			f.Subscribe(f.AddWebhook(twittertest.ConsumerKey, oldURL, true), twittertest.UserID)
		}},
		{name: "the app's only webhook elsewhere and invalid", webhook: "replaced", subscription: "created", deleted: "https://gone.example.org/hook", setup: func(f *twittertest.Server) {
			f.AddWebhook(twittertest.ConsumerKey, "https://gone.example.org/hook", false)
		}},
		{name: "room beside another app's webhook", webhook: "created", subscription: "created", setup: func(f *twittertest.Server) {
			f.AddApp(twittertest.App{ConsumerKey: "other", ConsumerSecret: "other-secret", BearerToken: "BBBB"})
			f.AddWebhook("other", "https://elsewhere.example.org/x", true)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			if tt.setup != nil {
				tt.setup(fake)
			}
			res, err := p.SetWebhook(context.Background(), env, testAccount)
			if err != nil || !res.OK {
				t.Fatalf("res %+v, err %v", res, err)
			}
			d := res.Details
			if d["webhook"] != tt.webhook || d["subscription"] != tt.subscription || d["deletedWebhooks"] != tt.deleted {
				t.Errorf("details %v; want webhook %s, subscription %s, deleted %q", d, tt.webhook, tt.subscription, tt.deleted)
			}
			hooks := fake.Webhooks(twittertest.ConsumerKey)
			if len(hooks) != 1 || hooks[0].URL != testAccount.WebhookURL || !hooks[0].Valid || hooks[0].ID != d["webhookId"] {
				t.Fatalf("X has webhooks %+v, details %v", hooks, d)
			}
			if len(hooks[0].Subscribed) != 1 || hooks[0].Subscribed[0] != twittertest.UserID {
				t.Errorf("subscribed %v", hooks[0].Subscribed)
			}
			if d["userId"] != twittertest.UserID || d["username"] != twittertest.Username || d["webhookValid"] != "true" {
				t.Errorf("details %v", d)
			}
			checkResultNoSecret(t, res)
			for _, r := range fake.Requests() {
				checkNoSecret(t, r.Path, r.Query)
			}
		})
	}
}

func TestSetWebhookRefused(t *testing.T) {
	tests := []struct {
		name  string
		acct  providers.Account
		setup func(f *twittertest.Server)
		has   string
		// kept are the webhook URLs X must still have.
		kept []string
	}{
		{name: "the app's only webhook works elsewhere", has: "point elsewhere and work", kept: []string{"https://crm.example.org/x-hook"}, setup: func(f *twittertest.Server) {
			f.AddWebhook(twittertest.ConsumerKey, "https://crm.example.org/x-hook", true)
		}},
		{name: "CRC fails", has: "challenge-response check (CRC)", setup: func(f *twittertest.Server) {
			f.SetCRC(func(string) bool { return false })
		}},
		{name: "CRC of the existing webhook fails", has: "existing webhook failed", kept: []string{testAccount.WebhookURL}, setup: func(f *twittertest.Server) {
			f.AddWebhook(twittertest.ConsumerKey, testAccount.WebhookURL, false)
			f.SetCRC(func(string) bool { return false })
		}},
		{name: "check attempted, webhook still invalid", has: "existing webhook failed", kept: []string{testAccount.WebhookURL}, setup: func(f *twittertest.Server) {
			// X answers the PUT as it documents it, but the webhook's status,
			// read from GET /2/webhooks, stays invalid.
			f.AddWebhook(twittertest.ConsumerKey, testAccount.WebhookURL, false)
			f.FailNext(twittertest.EndpointValidateWebhook, twittertest.Fault{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"data":{"attempted":true}}`})
		}},
		{name: "URL with a port", acct: withWebhook("https://switchboard.example.com:8443/webhooks/acc_7f3k2m9q"), has: "without a port"},
		{name: "bad credentials", acct: withSecret("accessTokenSecret", "nope"), has: "does not accept these credentials"},
		{name: "no app-only token", has: "app-only token", setup: func(f *twittertest.Server) {
			f.FailNext(twittertest.EndpointToken, twittertest.Fault{Status: 403, Body: `{"errors":[{"code":99,"label":"authenticity_token_error","message":"Unable to verify your credentials"}]}`})
		}},
		{name: "webhooks not listed", has: "list the app's webhooks", setup: func(f *twittertest.Server) {
			f.FailNext(twittertest.EndpointListWebhooks, twittertest.ClientNotEnrolled)
		}},
		{name: "subscription refused", has: "subscribing @" + twittertest.Username + " failed", kept: []string{testAccount.WebhookURL}, setup: func(f *twittertest.Server) {
			f.FailNext(twittertest.EndpointSubscribe, twittertest.Fault{Status: 403, Body: `{"title":"Forbidden","detail":"You are not allowed to create a subscription for this webhook.","type":"about:blank","status":403}`})
		}},
		{name: "no webhook URL", acct: withWebhook(""), has: "no webhook URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			if tt.setup != nil {
				tt.setup(fake)
			}
			acct := testAccount
			if tt.acct.Secrets != nil {
				acct = tt.acct
			}
			res, err := p.SetWebhook(context.Background(), env, acct)
			if err != nil || res.OK || !strings.Contains(res.Message, tt.has) {
				t.Fatalf("res %+v, err %v; want a failed result with %q", res, err, tt.has)
			}
			var urls []string
			for _, h := range fake.Webhooks(twittertest.ConsumerKey) {
				urls = append(urls, h.URL)
			}
			if strings.Join(urls, " ") != strings.Join(tt.kept, " ") {
				t.Errorf("X has webhooks %v, want %v", urls, tt.kept)
			}
			checkResultNoSecret(t, res)
		})
	}
	t.Run("X unreachable is an error", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.FailNext(twittertest.EndpointCreateWebhook, twittertest.Dropped)
		_, err := p.SetWebhook(context.Background(), env, testAccount)
		if err == nil {
			t.Fatal("no error")
		}
		checkErrNoSecret(t, err)
	})
}

func TestSetWebhookWithRealCRC(t *testing.T) {
	// The fake calls a CRC handler that answers through the provider itself.
	fake, p, env := newFake(t)
	fake.SetCRC(func(target string) bool {
		token := twittertest.NewCRCToken()
		resp, handshake, err := p.VerifyWebhook(testAccount, crcRequest(map[string][]string{"crc_token": {token}}))
		return err == nil && handshake && twittertest.CheckCRCResponse(twittertest.ConsumerSecret, token, resp.Status, resp.Body) == nil
	})
	res, err := p.SetWebhook(context.Background(), env, testAccount)
	if err != nil || !res.OK {
		t.Fatalf("res %+v, err %v", res, err)
	}
	// A Switchboard that answers with another app's secret fails the CRC.
	fake.SetCRC(func(string) bool {
		resp, _, err := p.VerifyWebhook(withSecret("consumerSecret", "another app's secret"), crcRequest(map[string][]string{"crc_token": {"t"}}))
		return err == nil && twittertest.CheckCRCResponse(twittertest.ConsumerSecret, "t", resp.Status, resp.Body) == nil
	})
	fake.SetWebhookValid(res.Details["webhookId"], false)
	res, err = p.SetWebhook(context.Background(), env, testAccount)
	if err != nil || res.OK || !strings.Contains(res.Message, "CRC") {
		t.Errorf("a webhook answering with another secret: res %+v, err %v", res, err)
	}
}

// withWebhook is the test account with another webhook URL.
func withWebhook(u string) providers.Account {
	a := withSecret("consumerKey", twittertest.ConsumerKey)
	a.WebhookURL = u
	return a
}
