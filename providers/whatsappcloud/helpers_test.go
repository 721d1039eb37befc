package whatsappcloud

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/whatsappcloud/whatsappcloudtest"
)

// The test account's credentials have real shapes (whatsappcloudtest's
// defaults); tests check that no error, result or detail shows the token or the
// secret.
const (
	testNumber   = whatsappcloudtest.DefaultPhoneNumberID
	testWABA     = whatsappcloudtest.DefaultWABAID
	testToken    = whatsappcloudtest.DefaultToken
	testSecret   = whatsappcloudtest.DefaultAppSecret
	testVerify   = "vt-3kR8wQz5Lp"
	testCustomer = "16505551234"
)

var testAccount = providers.Account{
	ID:         "acc1",
	Settings:   map[string]string{"phoneNumberId": testNumber, "businessAccountId": testWABA, "webhookVerifyToken": testVerify},
	Secrets:    map[string]string{"accessToken": testToken, "appSecret": testSecret},
	WebhookURL: "https://switchboard.example/webhooks/acc1",
}

var received = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)

// webhookRequest is a POST as the ingest handler builds it, signed with sig
// ("" for none).
func webhookRequest(t testing.TB, body []byte, sig string) *providers.WebhookRequest {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	if sig != "" {
		h.Set(whatsappcloudtest.SignatureHeader, sig)
	}
	return &providers.WebhookRequest{Method: http.MethodPost, URL: &url.URL{Path: "/webhooks/acc1"}, Header: h, Body: body, Received: received}
}

// signed is body as Meta would send it to testAccount.
func signed(t testing.TB, body []byte) *providers.WebhookRequest {
	t.Helper()
	return webhookRequest(t, body, whatsappcloudtest.Sign(testSecret, body))
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newFake starts the shared fake and returns it with the provider pointed at it
// and the env to call it with.
func newFake(t testing.TB) (*whatsappcloudtest.Server, *Provider, providers.Env) {
	t.Helper()
	srv := whatsappcloudtest.NewServer("")
	t.Cleanup(srv.Close)
	return srv, New(srv.URL), providers.Env{HTTP: srv.Client(), Now: time.Now}
}

// checkNoSecret fails when err, or anything it wraps, shows the token or the
// app secret.
func checkNoSecret(t testing.TB, err error) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		s := e.Error() + fmt.Sprintf(" %+v %#v", e, e)
		if strings.Contains(s, testToken) || strings.Contains(s, testSecret) {
			t.Errorf("error shows a credential: %v", e)
		}
	}
}

// checkResultNoSecret fails when a result shows the token or the app secret.
func checkResultNoSecret(t testing.TB, res providers.Result) {
	t.Helper()
	if s := fmt.Sprintf("%+v", res); strings.Contains(s, testToken) || strings.Contains(s, testSecret) {
		t.Errorf("result shows a credential: %s", s)
	}
}
