package line

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
	"github.com/switchboard/switchboard/providers/line/linetest"
)

// testAccount is the fake's default channel as a Switchboard account.
var testAccount = providers.Account{
	ID:         "acc_7f3k2m9q",
	Settings:   map[string]string{},
	Secrets:    map[string]string{"channelAccessToken": linetest.Token, "channelSecret": linetest.Secret},
	WebhookURL: "https://switchboard.example.com/webhooks/acc_7f3k2m9q",
}

// received is when the test webhooks arrived.
var received = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)

// webhookRequest is a request as the ingest handler builds it from LINE's POST,
// signed with secret unless secret is empty.
func webhookRequest(t testing.TB, body []byte, secret string) *providers.WebhookRequest {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	if secret != "" {
		h.Set(SignatureHeader, linetest.Sign(secret, body))
	}
	return &providers.WebhookRequest{
		Method:   http.MethodPost,
		URL:      &url.URL{Path: "/webhooks/acc_7f3k2m9q"},
		Header:   h,
		Body:     body,
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

// newFake starts the fake LINE API and a provider bound to it.
func newFake(t testing.TB) (*linetest.Server, *Provider, providers.Env) {
	t.Helper()
	f := linetest.New()
	t.Cleanup(f.Close)
	return f, New(f.URL, f.DataURL), providers.Env{HTTP: f.Client(), Now: time.Now}
}

// checkNoSecret fails when any text shows the account's token or secret.
func checkNoSecret(t testing.TB, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, linetest.Token) || strings.Contains(s, linetest.Secret) {
			t.Errorf("a credential shows in %q", s)
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
