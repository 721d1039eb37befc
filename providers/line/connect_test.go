package line

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/line/linetest"
)

func TestBaseURLs(t *testing.T) {
	tests := []struct {
		name      string
		p         *Provider
		api, data string
	}{
		{"zero value is production", &Provider{}, DefaultAPIURL, DefaultDataAPIURL},
		{"New with nothing is production", New("", ""), DefaultAPIURL, DefaultDataAPIURL},
		{"one base for both", New("http://127.0.0.1:8080/", ""), "http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"both", New("https://api.example", "https://data.example/"), "https://api.example", "https://data.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.p.api() != tt.api || tt.p.data() != tt.data {
				t.Errorf("api %s, data %s; want %s, %s", tt.p.api(), tt.p.data(), tt.api, tt.data)
			}
		})
	}
	s := Provider{}.Spec()
	if s.Key != "line" || s.Type != "LINE" || len(s.Fields) != 2 || s.Fields[0].Name != "channelAccessToken" || !s.Fields[1].Secret {
		t.Errorf("spec %+v", s)
	}
}

func TestTestConnection(t *testing.T) {
	t.Run("identity and webhook state", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.UpdateChannel(linetest.Token, func(c *linetest.Channel) {
			c.WebhookEndpoint, c.WebhookActive = "https://switchboard.example.com/webhooks/acc_7f3k2m9q", true
		})
		res, err := p.TestConnection(context.Background(), env, testAccount)
		if err != nil || !res.OK {
			t.Fatalf("res %+v, err %v", res, err)
		}
		want := map[string]string{
			"userId": linetest.BotUserID, "basicId": linetest.BotBasicID, "displayName": linetest.BotName, "pictureUrl": linetest.BotPicture,
			"chatMode": "bot", "markAsReadMode": "auto",
			"webhookEndpoint": "https://switchboard.example.com/webhooks/acc_7f3k2m9q", "webhookActive": "true",
		}
		for k, v := range want {
			if res.Details[k] != v {
				t.Errorf("Details[%s] = %q, want %q", k, res.Details[k], v)
			}
		}
		if !strings.Contains(res.Message, linetest.BotName) || !strings.Contains(res.Message, linetest.BotBasicID) {
			t.Errorf("message %q", res.Message)
		}
		checkResultNoSecret(t, res)
	})
	t.Run("no webhook endpoint yet", func(t *testing.T) {
		_, p, env := newFake(t)
		res, err := p.TestConnection(context.Background(), env, testAccount)
		if err != nil || !res.OK || res.Details["webhookEndpoint"] != "" {
			t.Errorf("res %+v, err %v", res, err)
		}
	})
	t.Run("endpoint lookup failing does not fail the test", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.FailNext(linetest.EndpointGetWebhook, linetest.Forbidden)
		res, err := p.TestConnection(context.Background(), env, testAccount)
		if err != nil || !res.OK || !strings.Contains(res.Details["webhookError"], "not available") {
			t.Errorf("res %+v, err %v", res, err)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		_, p, env := newFake(t)
		acct := providers.Account{Secrets: map[string]string{"channelAccessToken": linetest.Token + "x", "channelSecret": linetest.Secret}}
		res, err := p.TestConnection(context.Background(), env, acct)
		if err != nil || res.OK || !strings.Contains(res.Message, "does not accept this channel access token") || res.Details["status"] != "401" {
			t.Errorf("res %+v, err %v", res, err)
		}
		checkResultNoSecret(t, res)
	})
	t.Run("no token", func(t *testing.T) {
		_, p, env := newFake(t)
		res, err := p.TestConnection(context.Background(), env, providers.Account{})
		if err != nil || res.OK || !strings.Contains(res.Message, "no channel access token") {
			t.Errorf("res %+v, err %v", res, err)
		}
	})
	t.Run("no channel secret is reported", func(t *testing.T) {
		_, p, env := newFake(t)
		res, _ := p.TestConnection(context.Background(), env, providers.Account{Secrets: map[string]string{"channelAccessToken": linetest.Token}})
		if !res.OK || res.Details["channelSecret"] == "" {
			t.Errorf("res %+v", res)
		}
	})
	t.Run("LINE unreachable is an error", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.Close()
		_, err := p.TestConnection(context.Background(), env, testAccount)
		if err == nil {
			t.Fatal("no error")
		}
		checkErrNoSecret(t, err)
	})
	t.Run("LINE's proxy answering 502", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.FailNext(linetest.EndpointBotInfo, linetest.BadGateway)
		res, err := p.TestConnection(context.Background(), env, testAccount)
		if err != nil || res.OK || !strings.Contains(res.Message, "502") {
			t.Errorf("res %+v, err %v", res, err)
		}
	})
}

func TestSetWebhook(t *testing.T) {
	t.Run("set and tested", func(t *testing.T) {
		fake, p, env := newFake(t)
		res, err := p.SetWebhook(context.Background(), env, testAccount)
		if err != nil || !res.OK {
			t.Fatalf("res %+v, err %v", res, err)
		}
		ch, _ := fake.Channel(linetest.Token)
		if ch.WebhookEndpoint != testAccount.WebhookURL {
			t.Errorf("LINE has endpoint %q", ch.WebhookEndpoint)
		}
		reqs := fake.Requests()
		var calls []string
		for _, r := range reqs {
			calls = append(calls, r.Method+" "+r.Path)
			if r.Method != http.MethodGet {
				var body map[string]string
				if err := json.Unmarshal(r.Body, &body); err != nil || body["endpoint"] != testAccount.WebhookURL {
					t.Errorf("%s %s body %s", r.Method, r.Path, r.Body)
				}
			}
		}
		want := []string{"PUT /v2/bot/channel/webhook/endpoint", "POST /v2/bot/channel/webhook/test", "GET /v2/bot/channel/webhook/endpoint"}
		if strings.Join(calls, ", ") != strings.Join(want, ", ") {
			t.Errorf("calls %v, want %v", calls, want)
		}
		for k, v := range map[string]string{"webhookEndpoint": testAccount.WebhookURL, "webhookActive": "true", "testSuccess": "true", "testStatusCode": "200", "testReason": "OK"} {
			if res.Details[k] != v {
				t.Errorf("Details[%s] = %q, want %q", k, res.Details[k], v)
			}
		}
		checkResultNoSecret(t, res)
	})
	t.Run("LINE could not reach it", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.SetWebhookTest(func(string) linetest.WebhookTestResult {
			return linetest.WebhookTestResult{Timestamp: "2023-07-07T04:29:51.043124Z", Reason: "COULD_NOT_CONNECT", Detail: "TLS handshake failure: https://example.com/webhook"}
		})
		res, err := p.SetWebhook(context.Background(), env, testAccount)
		if err != nil || res.OK || !strings.Contains(res.Message, "COULD_NOT_CONNECT") || res.Details["testSuccess"] != "false" {
			t.Errorf("res %+v, err %v", res, err)
		}
		if ch, _ := fake.Channel(linetest.Token); ch.WebhookEndpoint != testAccount.WebhookURL {
			t.Errorf("endpoint %q: it stays set", ch.WebhookEndpoint)
		}
	})
	t.Run("webhooks switched off in the console", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.UpdateChannel(linetest.Token, func(c *linetest.Channel) { c.WebhookActive = false })
		res, err := p.SetWebhook(context.Background(), env, testAccount)
		if err != nil || !res.OK || !strings.Contains(res.Message, "Use webhook") || res.Details["webhookActive"] != "false" {
			t.Errorf("res %+v, err %v", res, err)
		}
	})
	t.Run("URL LINE refuses", func(t *testing.T) {
		_, p, env := newFake(t)
		acct := testAccount
		acct.WebhookURL = "http://switchboard.example.com/webhooks/x"
		res, err := p.SetWebhook(context.Background(), env, acct)
		if err != nil || res.OK || !strings.Contains(res.Message, "Invalid webhook endpoint URL") {
			t.Errorf("res %+v, err %v", res, err)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		_, p, env := newFake(t)
		acct := testAccount
		acct.Secrets = map[string]string{"channelAccessToken": "nope", "channelSecret": linetest.Secret}
		res, err := p.SetWebhook(context.Background(), env, acct)
		if err != nil || res.OK || !strings.Contains(res.Message, "channel access token") {
			t.Errorf("res %+v, err %v", res, err)
		}
	})
	t.Run("test call failing", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.FailNext(linetest.EndpointTestWebhook, linetest.RateLimited)
		res, err := p.SetWebhook(context.Background(), env, testAccount)
		if err != nil || res.OK || !strings.Contains(res.Message, "could not test it") || res.Details["webhookEndpoint"] != testAccount.WebhookURL {
			t.Errorf("res %+v, err %v", res, err)
		}
	})
}

// TestSetWebhookReachesTheReceiver has the fake deliver LINE's signed check to
// a real receiver built on VerifyWebhook, which must answer it 200.
func TestSetWebhookReachesTheReceiver(t *testing.T) {
	recv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := &providers.WebhookRequest{Method: r.Method, URL: r.URL, Header: r.Header, Body: body, Received: time.Now()}
		_, handshake, err := Provider{}.VerifyWebhook(testAccount, req)
		switch {
		case errors.Is(err, providers.ErrUnauthorized):
			w.WriteHeader(http.StatusUnauthorized)
		case err != nil || !handshake:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer recv.Close()
	fake, p, env := newFake(t)
	fake.SetWebhookTest(linetest.Deliver(recv.Client(), linetest.Secret))
	acct := testAccount
	acct.WebhookURL = recv.URL + "/webhooks/acc_7f3k2m9q"
	res, err := p.SetWebhook(context.Background(), env, acct)
	if err != nil || !res.OK || res.Details["testStatusCode"] != "200" {
		t.Errorf("res %+v, err %v", res, err)
	}
	fake.SetWebhookTest(linetest.Deliver(recv.Client(), "0123456789abcdef0123456789abcdef"))
	res, err = p.SetWebhook(context.Background(), env, acct)
	if err != nil || res.OK || res.Details["testDetail"] != "401" {
		t.Errorf("with another secret: res %+v, err %v", res, err)
	}
}

func TestProfile(t *testing.T) {
	fake, p, env := newFake(t)
	fake.AddProfile(linetest.Profile{DisplayName: "LINE taro", UserID: customer, PictureURL: "https://profile.line-scdn.net/ch/v2/p/uf9da5ee2b...", StatusMessage: "Hello, LINE!", Language: "en"})
	group := "Ca56f94637c2c3d4e5f6a7b8c9d0e1f2a"
	fake.AddMemberProfile(group, linetest.Profile{DisplayName: "LINE jiro", UserID: "U4af4980629aaaaaaaaaaaaaaaaaaaaaa"})
	got, err := p.Profile(context.Background(), env, testAccount, "", customer)
	if err != nil || got.DisplayName != "LINE taro" || got.Language != "en" || got.UserID != customer {
		t.Errorf("friend: %+v, %v", got, err)
	}
	got, err = p.Profile(context.Background(), env, testAccount, group, "U4af4980629aaaaaaaaaaaaaaaaaaaaaa")
	if err != nil || got.DisplayName != "LINE jiro" {
		t.Errorf("member: %+v, %v", got, err)
	}
	if last := fake.Requests()[1].Path; last != "/v2/bot/group/"+group+"/member/U4af4980629aaaaaaaaaaaaaaaaaaaaaa" {
		t.Errorf("member profile from %s", last)
	}
	if _, err := p.Profile(context.Background(), env, testAccount, customer, "U0000000000000000000000000000000"); !errors.Is(err, ErrNoProfile) {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := p.Profile(context.Background(), env, testAccount, "", "a/b"); err == nil {
		t.Error("a user ID with a slash was looked up")
	}
}
