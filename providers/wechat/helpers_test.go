package wechat

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/wechat/wechattest"
)

// testAccount is the fake's default account in plaintext mode.
var testAccount = providers.Account{
	ID:         "acc_w3c4a7t9",
	Settings:   map[string]string{"appId": wechattest.AppID, "wechatId": wechattest.OriginalID, "wechatType": TypeChina},
	Secrets:    map[string]string{"appSecret": wechattest.AppSecret, "serverToken": wechattest.ServerToken},
	WebhookURL: "https://switchboard.example.com/webhooks/acc_w3c4a7t9",
}

// safeAccount is the same account in safe mode (an EncodingAESKey).
var safeAccount = withSecret(testAccount, "encodingAesKey", wechattest.AESKey)

// intlAccount is the account registered internationally.
var intlAccount = withSetting(testAccount, "wechatType", TypeInternational)

// withSetting is acct with one setting changed.
func withSetting(acct providers.Account, k, v string) providers.Account {
	s := map[string]string{}
	for kk, vv := range acct.Settings {
		s[kk] = vv
	}
	s[k] = v
	acct.Settings = s
	return acct
}

// withSecret is acct with one secret changed.
func withSecret(acct providers.Account, k, v string) providers.Account {
	s := map[string]string{}
	for kk, vv := range acct.Secrets {
		s[kk] = vv
	}
	s[k] = v
	acct.Secrets = s
	return acct
}

// received is when the test webhooks arrived.
var received = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)

// webhookRequest is a push as the ingest handler builds it from WeChat's
// POST, signed (and encrypted) for push.
func webhookRequest(t testing.TB, body []byte, push wechattest.Push) *providers.WebhookRequest {
	t.Helper()
	q, b, err := wechattest.SignedWebhook(push, body, received)
	if err != nil {
		t.Fatal(err)
	}
	return request(http.MethodPost, q, b)
}

// request is a webhook request with a query and body.
func request(method string, q url.Values, body []byte) *providers.WebhookRequest {
	u := &url.URL{Path: "/webhooks/acc_w3c4a7t9", RawQuery: q.Encode()}
	return &providers.WebhookRequest{
		Method:    method,
		URL:       u,
		PublicURL: testAccount.WebhookURL + "?" + u.RawQuery,
		Header:    http.Header{"Content-Type": {"text/xml"}},
		Body:      body,
		Received:  received,
	}
}

// fixture reads testdata/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newFake starts the fake WeChat API and a provider bound to it, on the
// fake's clock.
func newFake(t testing.TB) (*wechattest.Server, *Provider, providers.Env) {
	t.Helper()
	f := wechattest.New()
	t.Cleanup(f.Close)
	return f, New(f.URL, f.InternationalURL), providers.Env{HTTP: f.Client(), Now: f.Now}
}

// credentials are the values no text may show.
var credentials = []string{wechattest.AppSecret, wechattest.ServerToken, wechattest.AESKey}

// checkNoSecret fails when any text shows a credential or an access token.
func checkNoSecret(t testing.TB, fake *wechattest.Server, texts ...string) {
	t.Helper()
	secrets := append([]string(nil), credentials...)
	if fake != nil {
		for _, r := range fake.Requests() {
			if tok := r.Query.Get("access_token"); tok != "" {
				secrets = append(secrets, tok)
			}
		}
	}
	for _, s := range texts {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("a credential shows in %q", s)
			}
		}
	}
}

// checkErrNoSecret checks err and everything it wraps.
func checkErrNoSecret(t testing.TB, fake *wechattest.Server, err error) {
	t.Helper()
	for e := err; e != nil; {
		checkNoSecret(t, fake, e.Error(), fmt.Sprintf("%+v %#v", e, e))
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
}

// checkResultNoSecret checks a result's message and details.
func checkResultNoSecret(t testing.TB, fake *wechattest.Server, r providers.Result) {
	t.Helper()
	checkNoSecret(t, fake, r.Message)
	for k, v := range r.Details {
		checkNoSecret(t, fake, k, v)
	}
}
