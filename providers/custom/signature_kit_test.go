package custom

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/custom/customtest"
	"github.com/switchboard/switchboard/providers/providertest"
)

// TestSignatureKit: every documented webhook of testdata is accepted signed
// with the account's confirmation code and refused unsigned, signed with
// another code, for another body or changed after signing (the shared kit's
// checks, as every messenger gets them).
func TestSignatureKit(t *testing.T) {
	providertest.CheckSignature(t, providertest.Signing{
		Provider: Provider{}, Account: testAccount("https://messenger.example.com/hook"),
		Secret: testSecret, Other: "another-confirmation-code-of-the-same-kind",
		Request: func(body []byte, secret string) *providers.WebhookRequest {
			h := http.Header{"Content-Type": {"application/json"}}
			if secret != "" {
				customtest.SignHeaders(h, secret, testNow, body)
			}
			return &providers.WebhookRequest{Method: http.MethodPost, URL: &url.URL{Path: "/webhooks/acc_9d2f"}, Header: h, Body: body, Received: testNow}
		},
	}, providertest.Fixtures(t, "*.json"))
}
