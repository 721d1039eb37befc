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

// signedRequest is an inbound webhook as the messenger would send it.
func signedRequest(body []byte) *providers.WebhookRequest {
	h := http.Header{"Content-Type": {"application/json"}}
	signHeaders(h, testSecret, testNow, body)
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
