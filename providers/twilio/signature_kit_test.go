package twilio

import (
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/providertest"
	"github.com/switchboard/switchboard/providers/twilio/twiliotest"
)

// TestSignatureKit: every documented webhook of testdata is accepted signed
// with the account's Auth Token over the public URL and its form, and refused
// unsigned, signed with another token, for another form or changed after
// signing (the shared kit's checks, as every messenger gets them).
func TestSignatureKit(t *testing.T) {
	providertest.CheckSignature(t, providertest.Signing{
		Provider: Provider{}, Account: testAccount, Secret: testToken, Other: "0123456789abcdef0123456789abcdef",
		Request: func(body []byte, secret string) *providers.WebhookRequest {
			if secret == "" {
				return webhookRequest(t, body, testWebhookURL, "")
			}
			return webhookRequest(t, body, testWebhookURL, twiliotest.Sign(secret, testWebhookURL, parseForm(t, body)))
		},
	}, providertest.Fixtures(t, "*.form"))
}
