package custom

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/custom/customtest"
)

// testSecret is the confirmation code of every test account; tests assert it
// never leaks into errors or results.
const testSecret = "conf-code-7f3a9c21d4e8b6a0"

// testNow is the fixed clock of the tests.
var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func testAccount(webhookURL string) providers.Account {
	return providers.Account{
		ID:         "acc_9d2f",
		Settings:   map[string]string{"webhookUrl": webhookURL},
		Secrets:    map[string]string{"confirmationCode": testSecret},
		WebhookURL: "https://switchboard.example.com/webhooks/acc_9d2f",
	}
}

// signedRequest is an inbound webhook as the messenger would send it, signed by
// customtest's independent signer.
func signedRequest(body []byte) *providers.WebhookRequest {
	h := http.Header{"Content-Type": {"application/json"}}
	customtest.SignHeaders(h, testSecret, testNow, body)
	return &providers.WebhookRequest{
		Method:   http.MethodPost,
		URL:      &url.URL{Path: "/webhooks/acc_9d2f"},
		Header:   h,
		Body:     body,
		Received: testNow,
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustNotLeak fails when the confirmation code appears in what.
func mustNotLeak(t testing.TB, where, what string) {
	t.Helper()
	if strings.Contains(what, testSecret) {
		t.Errorf("%s contains the confirmation code: %s", where, what)
	}
}

// fakeMessenger is the shared fake messenger (customtest), holding testSecret
// on the tests' fixed clock.
type fakeMessenger struct {
	*customtest.Server
}

// newFakeMessenger starts the fake; reply, when not nil, decides its answers
// (nil from reply: the fake's own).
func newFakeMessenger(t *testing.T, reply func(customtest.Request) *customtest.Reply) fakeMessenger {
	t.Helper()
	s := customtest.NewServer(testSecret)
	s.SetClock(func() time.Time { return testNow })
	if reply != nil {
		s.SetHook(reply)
	}
	t.Cleanup(s.Close)
	return fakeMessenger{s}
}

// env is what the tests give the provider: the fake's client and the fixed clock.
func (f fakeMessenger) env() providers.Env {
	return providers.Env{HTTP: f.Client(), Now: func() time.Time { return testNow }}
}

// always answers every request with rep.
func always(rep customtest.Reply) func(customtest.Request) *customtest.Reply {
	return func(customtest.Request) *customtest.Reply { return &rep }
}

// echoChallenge answers every request with the ping's challenge, signed or not
// as rep says.
func echoChallenge(rep customtest.Reply) func(customtest.Request) *customtest.Reply {
	return func(r customtest.Request) *customtest.Reply {
		rep := rep
		rep.JSON = map[string]string{"challenge": r.Challenge}
		return &rep
	}
}
