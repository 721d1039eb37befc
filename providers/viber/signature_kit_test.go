package viber

import (
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/providertest"
	"github.com/switchboard/switchboard/providers/viber/vibertest"
)

// TestSignatureKit: every documented webhook of testdata is accepted signed
// with the account's secret and refused unsigned, signed with another
// secret, for another body or changed after signing (the shared kit's
// checks, as every messenger gets them).
func TestSignatureKit(t *testing.T) {
	providertest.CheckSignature(t, providertest.Signing{
		Provider: Provider{}, Account: testAccount, Secret: testToken, Other: "another-secret-of-the-same-kind-0000000000",
		Request: func(body []byte, secret string) *providers.WebhookRequest {
			if secret == "" {
				return webhookRequest(t, body, "")
			}
			return webhookRequest(t, body, vibertest.Sign(secret, body))
		},
	}, providertest.Fixtures(t, "*.json"))
}
