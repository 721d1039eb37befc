package twitter

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
	"github.com/switchboard/switchboard/providers/twitter/twittertest"
)

// testAccount is the fake's default app and account as a Switchboard account.
var testAccount = providers.Account{
	ID:       "acc_7f3k2m9q",
	Settings: map[string]string{},
	Secrets: map[string]string{
		"consumerKey": twittertest.ConsumerKey, "consumerSecret": twittertest.ConsumerSecret,
		"accessToken": twittertest.AccessToken, "accessTokenSecret": twittertest.AccessTokenSecret,
	},
	WebhookURL: "https://switchboard.example.com/webhooks/acc_7f3k2m9q",
}

// docsAccount reads the documentation's fixtures, which come from several X
// accounts: its access token does not name a user, so for_user_id alone
// says whose activity a body is.
var docsAccount = providers.Account{
	ID:       "acc_docs",
	Settings: map[string]string{},
	Secrets: map[string]string{
		"consumerKey": twittertest.ConsumerKey, "consumerSecret": twittertest.ConsumerSecret,
		"accessToken": "docs-fixtures-token", "accessTokenSecret": twittertest.AccessTokenSecret,
	},
}

// received is when the test webhooks arrived.
var received = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)

// webhookRequest is a POST as the ingest handler builds it from X's, signed
// with secret unless secret is empty.
func webhookRequest(t testing.TB, body []byte, secret string) *providers.WebhookRequest {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	if secret != "" {
		h.Set(SignatureHeader, twittertest.Sign(secret, body))
	}
	return &providers.WebhookRequest{
		Method:   http.MethodPost,
		URL:      &url.URL{Path: "/webhooks/acc_7f3k2m9q"},
		Header:   h,
		Body:     body,
		Received: received,
	}
}

// crcRequest is X's CRC GET with the given query.
func crcRequest(query url.Values) *providers.WebhookRequest {
	return &providers.WebhookRequest{
		Method:   http.MethodGet,
		URL:      &url.URL{Path: "/webhooks/acc_7f3k2m9q", RawQuery: query.Encode()},
		Header:   http.Header{},
		Received: received,
	}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newFake starts the fake X API and a provider bound to it.
func newFake(t testing.TB) (*twittertest.Server, *Provider, providers.Env) {
	t.Helper()
	f := twittertest.New()
	t.Cleanup(f.Close)
	return f, New(f.URL), providers.Env{HTTP: f.Client(), Now: time.Now}
}

// allSecrets are every credential of the fake's default app and account.
var allSecrets = []string{
	twittertest.ConsumerKey, twittertest.ConsumerSecret, twittertest.AccessToken,
	twittertest.AccessTokenSecret, twittertest.BearerToken,
}

// checkNoSecret fails when any text shows a credential.
func checkNoSecret(t testing.TB, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, secret := range allSecrets {
			if strings.Contains(s, secret) {
				t.Errorf("a credential shows in %q", s)
			}
		}
	}
}

// checkErrNoSecret checks err and everything it wraps.
func checkErrNoSecret(t testing.TB, err error) {
	t.Helper()
	for e := err; e != nil; {
		checkNoSecret(t, e.Error(), fmt.Sprintf("%+v %#v", e, e))
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
}

// checkResultNoSecret checks a result's message and details.
func checkResultNoSecret(t testing.TB, r providers.Result) {
	t.Helper()
	checkNoSecret(t, r.Message)
	for k, v := range r.Details {
		checkNoSecret(t, k, v)
	}
}
