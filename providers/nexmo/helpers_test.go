package nexmo

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
	"github.com/switchboard/switchboard/providers/nexmo/nexmotest"
)

// testWebhookURL is the account's webhook URL, where Vonage posts.
const testWebhookURL = "https://switchboard.example/webhooks/acc1"

// The account's credentials: the fake's, which have the shape of real ones,
// so that checks for leaked secrets are meaningful.
const (
	testKey    = nexmotest.DefaultAPIKey
	testSecret = nexmotest.DefaultAPISecret
	testSig    = nexmotest.DefaultSignatureSecret
	testApp    = nexmotest.DefaultApplicationID
	testNumber = nexmotest.DefaultNumber
)

var testAccount = providers.Account{
	ID: "acc1",
	Settings: map[string]string{
		"apiUrl":         DefaultAPIURL,
		"authentication": AuthBasic,
		"whatsappNumber": "+" + testNumber,
		"applicationId":  testApp,
	},
	Secrets:    map[string]string{"apiKey": testKey, "apiSecret": testSecret, "signatureSecret": testSig},
	WebhookURL: testWebhookURL,
}

// received is when test webhooks arrive; fixtures' iat are near it.
var received = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)

// newFake starts the shared fake and returns it with an account pointed at it
// and the env to call it with.
func newFake(t testing.TB) (*nexmotest.Server, providers.Account, providers.Env) {
	t.Helper()
	srv := nexmotest.NewServer(nexmotest.Config{})
	t.Cleanup(srv.Close)
	return srv, withSettings(testAccount, "apiUrl", srv.URL), providers.Env{HTTP: srv.Client(), Now: time.Now}
}

// withSettings is acct with its maps copied and kv (name, value...) set; a
// name of a secret goes to Secrets.
func withSettings(acct providers.Account, kv ...string) providers.Account {
	out := acct
	out.Settings, out.Secrets = map[string]string{}, map[string]string{}
	for k, v := range acct.Settings {
		out.Settings[k] = v
	}
	for k, v := range acct.Secrets {
		out.Secrets[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		switch kv[i] {
		case "apiKey", "apiSecret", "signatureSecret", "privateKey":
			out.Secrets[kv[i]] = kv[i+1]
		default:
			out.Settings[kv[i]] = kv[i+1]
		}
	}
	return out
}

// testPrivateKey is the private key of the fake's application.
const testPrivateKey = nexmotest.DefaultPrivateKey

// withJWT is acct with authentication JWT and the application's private key.
func withJWT(acct providers.Account) providers.Account {
	return withSettings(acct, "authentication", AuthJWT, "privateKey", testPrivateKey)
}

// secrets are the values no error, result or detail may show: the
// credentials, and every line of the private key's body (a line is 64
// characters of it).
var secrets = append([]string{testSecret, testSig, testKey}, keyLines(testPrivateKey)...)

// keyLines are the base64 lines of a PEM key.
func keyLines(pem string) []string {
	var out []string
	for _, l := range strings.Split(pem, "\n") {
		if l = strings.TrimSpace(l); len(l) >= 16 && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}

// checkNoToken fails when s shows one of the JWTs the fake received.
func checkNoToken(t testing.TB, srv *nexmotest.Server, s string) {
	t.Helper()
	for _, r := range srv.Requests() {
		if r.Token != "" && strings.Contains(s, r.Token) {
			t.Errorf("%q shows the JWT", s)
		}
	}
}

// checkNoSecret fails when err, or anything it wraps, shows a secret.
func checkNoSecret(t testing.TB, err error) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		s := e.Error() + fmt.Sprintf(" %+v %#v", e, e)
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Errorf("error shows a secret: %v", e)
			}
		}
	}
}

// checkResultNoSecret fails when a result shows a secret anywhere.
func checkResultNoSecret(t testing.TB, res providers.Result) {
	t.Helper()
	s := fmt.Sprintf("%+v", res)
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			t.Errorf("result shows a secret: %s", s)
		}
	}
}

// webhookRequest is a request as the ingest handler builds it from Vonage's
// POST to the account's webhook URL, with the given Authorization values.
func webhookRequest(body []byte, auth ...string) *providers.WebhookRequest {
	u, _ := url.Parse(testWebhookURL)
	h := http.Header{"Content-Type": {"application/json"}}
	for _, a := range auth {
		h.Add("Authorization", a)
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

// signed is body as Vonage would post it to testAccount's webhook, signed a
// minute before it arrives.
func signed(t testing.TB, body []byte) *providers.WebhookRequest {
	t.Helper()
	return webhookRequest(body, "Bearer "+nexmotest.Sign(testSig, testKey, testApp, body, received.Add(-time.Minute)))
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// asSendError asserts err is a *providers.SendError and returns it.
func asSendError(t testing.TB, err error) *providers.SendError {
	t.Helper()
	var se *providers.SendError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
	}
	checkNoSecret(t, err)
	return se
}
