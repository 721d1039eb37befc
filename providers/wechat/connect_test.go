package wechat

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/wechat/wechattest"
)

func TestBaseURLs(t *testing.T) {
	tests := []struct {
		name        string
		p           *Provider
		china, intl string
	}{
		{"zero value is production", &Provider{}, DefaultChinaAPIURL, DefaultInternationalAPIURL},
		{"New with nothing is production", New("", ""), DefaultChinaAPIURL, DefaultInternationalAPIURL},
		{"China only", New("http://127.0.0.1:8080/", ""), "http://127.0.0.1:8080", DefaultInternationalAPIURL},
		{"both", New("https://cn.example", "https://intl.example/"), "https://cn.example", "https://intl.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			china, err1 := tt.p.apiBase(TypeChina)
			intl, err2 := tt.p.apiBase("international")
			empty, err3 := tt.p.apiBase("")
			if err1 != nil || err2 != nil || err3 != nil || china != tt.china || intl != tt.intl || empty != tt.china {
				t.Errorf("china %s, intl %s, empty %s; want %s, %s", china, intl, empty, tt.china, tt.intl)
			}
		})
	}
	if _, err := (Provider{}).apiBase("MARS"); err == nil {
		t.Error("an unknown wechatType has a host")
	}
	s := Provider{}.Spec()
	if s.Key != "wechat" || s.Type != "WECHAT" || len(s.Fields) != 6 {
		t.Fatalf("spec %+v", s)
	}
	for _, name := range []string{"appSecret", "serverToken", "encodingAesKey"} {
		if f, ok := s.Field(name); !ok || !f.Secret {
			t.Errorf("%s is not a secret field", name)
		}
	}
	if f, _ := s.Field("encodingAesKey"); f.Len != 43 || f.Required {
		t.Errorf("encodingAesKey %+v", f)
	}
}

func TestTestConnection(t *testing.T) {
	t.Run("works", func(t *testing.T) {
		fake, p, env := newFake(t)
		res, err := p.TestConnection(context.Background(), env, safeAccount)
		if err != nil || !res.OK {
			t.Fatalf("res %+v, err %v", res, err)
		}
		want := map[string]string{
			"appId": wechattest.AppID, "wechatId": wechattest.OriginalID, "wechatType": TypeChina, "apiHost": fake.URL,
			"webhookMode": "safe mode (encrypted)", "accessTokenExpiresIn": "7200", "apiDomainIPs": "4",
		}
		for k, v := range want {
			if res.Details[k] != v {
				t.Errorf("Details[%s] = %q, want %q", k, res.Details[k], v)
			}
		}
		if !strings.Contains(res.Message, wechattest.OriginalID) || !strings.Contains(res.Message, "China") {
			t.Errorf("message %q", res.Message)
		}
		checkResultNoSecret(t, fake, res)
		paths := []string{}
		for _, r := range fake.Requests() {
			paths = append(paths, r.Path)
		}
		if len(paths) != 2 || paths[0] != stableTokenPath || paths[1] != apiDomainIPPath {
			t.Errorf("requests %v", paths)
		}
	})
	// The token proves the credentials; a failed get_api_domain_ip (not
	// offered to every account) is reported, not fatal.
	for name, fault := range map[string]wechattest.Fault{
		"api unauthorized": wechattest.Unauthorized,
		"proxy 502":        wechattest.BadGateway,
	} {
		t.Run("the read after the token fails: "+name, func(t *testing.T) {
			fake, p, env := newFake(t)
			fake.FailNext(wechattest.EndpointAPIDomainIP, fault)
			res, err := p.TestConnection(context.Background(), env, intlAccount)
			if err != nil || !res.OK {
				t.Fatalf("res %+v, err %v; want OK", res, err)
			}
			want := "48001"
			if fault.Status != 0 {
				want = "HTTP 502"
			}
			if !strings.Contains(res.Message, "get_api_domain_ip") || !strings.Contains(res.Message, want) ||
				!strings.HasPrefix(res.Details["apiDomainIPs"], "not checked: ") || !strings.Contains(res.Details["apiDomainIPs"], want) ||
				res.Details["accessTokenExpiresIn"] != "7200" {
				t.Errorf("res %+v, want the failed read (%s) reported", res, want)
			}
			checkResultNoSecret(t, fake, res)
		})
	}
	t.Run("international", func(t *testing.T) {
		fake, p, env := newFake(t)
		res, err := p.TestConnection(context.Background(), env, intlAccount)
		if err != nil || !res.OK || res.Details["apiHost"] != fake.InternationalURL || !strings.Contains(res.Message, "International") {
			t.Errorf("res %+v, err %v", res, err)
		}
		for _, r := range fake.Requests() {
			if r.Host != wechattest.HostInternational {
				t.Errorf("%s went to %s", r.Path, r.Host)
			}
		}
	})
	refusals := []struct {
		name    string
		prepare func(f *wechattest.Server)
		acct    providers.Account
		message []string
		details map[string]string
	}{
		{"unknown AppID", nil, withSetting(testAccount, "appId", "wx0000000000000000"), []string{"does not know this AppID", "40013", "wechatType"}, map[string]string{"errcode": "40013"}},
		{"wrong AppSecret", nil, withSecret(testAccount, "appSecret", "00000000000000000000000000000000"), []string{"does not accept this AppSecret", "40125"}, map[string]string{"errcode": "40125"}},
		{"IP not whitelisted", func(f *wechattest.Server) {
			f.UpdateApp(wechattest.AppID, func(a *wechattest.App) { a.IPNotWhitelisted = true })
		},
			testAccount, []string{"127.0.0.1", "not on the account's API IP whitelist", "40164", "Add the public (egress) IP addresses"}, map[string]string{"errcode": "40164", "callerIp": "127.0.0.1"}},
		{"administrator must confirm the IP", func(f *wechattest.Server) {
			f.UpdateApp(wechattest.AppID, func(a *wechattest.App) { a.NeedsIPConfirmation = true })
		},
			testAccount, []string{"administrator to confirm", "89503"}, map[string]string{"errcode": "89503"}},
		{"secret frozen", func(f *wechattest.Server) {
			f.UpdateApp(wechattest.AppID, func(a *wechattest.App) { a.SecretFrozen = true })
		},
			testAccount, []string{"frozen", "40243"}, map[string]string{"errcode": "40243"}},
		{"proxy 502", func(f *wechattest.Server) { f.FailNext(wechattest.EndpointStableToken, wechattest.BadGateway) },
			testAccount, []string{"HTTP 502"}, map[string]string{"status": "502"}},
		{"no credentials", nil, withSecret(testAccount, "appSecret", ""), []string{"no AppID or AppSecret"}, nil},
		{"unknown wechatType", nil, withSetting(testAccount, "wechatType", "MARS"), []string{"unknown wechatType"}, nil},
		{"EncodingAESKey unusable", nil, withSecret(testAccount, "encodingAesKey", strings.Repeat("!", 43)), []string{"Connected to WeChat, but", "EncodingAESKey"}, nil},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			if tt.prepare != nil {
				tt.prepare(fake)
			}
			res, err := p.TestConnection(context.Background(), env, tt.acct)
			if err != nil || res.OK {
				t.Fatalf("res %+v, err %v; want a failed result", res, err)
			}
			for _, s := range tt.message {
				if !strings.Contains(res.Message, s) {
					t.Errorf("message %q lacks %q", res.Message, s)
				}
			}
			for k, v := range tt.details {
				if res.Details[k] != v {
					t.Errorf("Details[%s] = %q, want %q", k, res.Details[k], v)
				}
			}
			checkResultNoSecret(t, fake, res)
		})
	}
	t.Run("WeChat unreachable is an error", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.Close()
		_, err := p.TestConnection(context.Background(), env, testAccount)
		if err == nil {
			t.Fatal("no error")
		}
		checkErrNoSecret(t, fake, err)
	})
}

func TestSetWebhook(t *testing.T) {
	tests := []struct {
		name string
		acct providers.Account
		want []string
	}{
		{"plaintext", testAccount, []string{testAccount.WebhookURL, "Plaintext mode", "server token saved on this account", "XML", "console"}},
		{"safe mode", safeAccount, []string{testAccount.WebhookURL, "Safe mode", "EncodingAESKey: the one saved on this account"}},
		{"no token yet", withSecret(testAccount, "serverToken", ""), []string{"no server token yet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			res, err := p.SetWebhook(context.Background(), env, tt.acct)
			if err != nil || res.OK {
				t.Fatalf("res %+v, err %v; want OK=false with the steps", res, err)
			}
			for _, s := range tt.want {
				if !strings.Contains(res.Message, s) {
					t.Errorf("message %q lacks %q", res.Message, s)
				}
			}
			if res.Details["serverUrl"] != testAccount.WebhookURL {
				t.Errorf("details %v", res.Details)
			}
			checkResultNoSecret(t, fake, res)
			if n := len(fake.Requests()); n != 0 {
				t.Errorf("%d API calls: there is no API to call", n)
			}
		})
	}
}
