package infobip

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/infobip/infobiptest"
)

// testKey has the shape of a real API key; tests check that no error, result
// or detail shows it.
const testKey = infobiptest.DefaultAPIKey

// testWebhookURL is the account's webhook URL, which Infobip calls.
const testWebhookURL = "https://switchboard.example/webhooks/acc1"

// testAccount is an account of the sender infobiptest.DefaultSender; its
// apiUrl is Infobip-shaped, newFake points it at the fake.
var testAccount = providers.Account{
	ID: "acc1",
	Settings: map[string]string{
		"apiUrl":         "https://xxxxx.api.infobip.com",
		"whatsappNumber": "+" + infobiptest.DefaultSender,
	},
	Secrets:    map[string]string{"apiKey": testKey},
	WebhookURL: testWebhookURL,
}

// testNotifyURL is the URL with the account's token that Switchboard gives
// Infobip.
var testNotifyURL = NotifyURL(testAccount)

var received = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)

// cloneAccount is a deep copy of acct, safe to modify.
func cloneAccount(acct providers.Account) providers.Account {
	out := acct
	out.Settings, out.Secrets = map[string]string{}, map[string]string{}
	for k, v := range acct.Settings {
		out.Settings[k] = v
	}
	for k, v := range acct.Secrets {
		out.Secrets[k] = v
	}
	return out
}

// newFake starts the shared fake and returns it with an account pointed at it
// and the env to call it with.
func newFake(t testing.TB) (*infobiptest.Server, providers.Account, providers.Env) {
	t.Helper()
	srv := infobiptest.NewServer("")
	t.Cleanup(srv.Close)
	acct := cloneAccount(testAccount)
	acct.Settings["apiUrl"] = srv.URL
	return srv, acct, providers.Env{HTTP: srv.Client(), Now: time.Now}
}

// webhookRequest is a request as the ingest handler builds it from Infobip's
// POST of body to the account's webhook URL, with the Authorization auth (""
// for none).
func webhookRequest(body []byte, auth string) *providers.WebhookRequest {
	u, _ := url.Parse(testWebhookURL)
	h := http.Header{"Content-Type": {"application/json"}}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	return &providers.WebhookRequest{
		Method:    http.MethodPost,
		URL:       &url.URL{Path: u.Path},
		PublicURL: testWebhookURL,
		Header:    h,
		Body:      body,
		Received:  received,
	}
}

// fromHTTP is the request the ingest handler builds from r, as the fake built
// it.
func fromHTTP(t testing.TB, r *http.Request) *providers.WebhookRequest {
	t.Helper()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &providers.WebhookRequest{Method: r.Method, URL: r.URL, PublicURL: r.URL.String(), Header: r.Header, Body: body, Received: received}
}

// checkNoKey fails when err, or anything it wraps, shows the API key.
func checkNoKey(t testing.TB, err error) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), testKey) || strings.Contains(fmt.Sprintf("%+v %#v", e, e), testKey) {
			t.Errorf("error shows the API key: %v", e)
		}
	}
}

// checkResultNoSecret fails when a result shows the API key or the webhook
// password anywhere.
func checkResultNoSecret(t testing.TB, res providers.Result, acct providers.Account) {
	t.Helper()
	s := fmt.Sprintf("%+v", res)
	for _, secret := range []string{apiKey(acct.Secrets["apiKey"]), webhookPassword(apiKey(acct.Secrets["apiKey"]), acct.ID)} {
		if secret != "" && strings.Contains(s, secret) {
			t.Errorf("result shows a secret: %s", s)
		}
	}
}

// asSendError asserts err is a *providers.SendError without the key and
// returns it.
func asSendError(t testing.TB, err error) *providers.SendError {
	t.Helper()
	var se *providers.SendError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
	}
	checkNoKey(t, err)
	return se
}
