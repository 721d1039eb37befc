package infobip

import (
	"testing"

	"github.com/switchboard/switchboard/providers/providertest"
)

// BenchmarkVerifyAndParse is the per-webhook cost of a text message that
// carries the subscription's Basic credentials: the check and the mapping.
func BenchmarkVerifyAndParse(b *testing.B) {
	p := Provider{}
	req := webhookRequest(providertest.Fixtures(b, "text.json")["text.json"], basic(WebhookUser, webhookPassword(testKey, testAccount.ID)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.VerifyWebhook(testAccount, req); err != nil {
			b.Fatal(err)
		}
		events, _, err := p.ParseWebhook(testAccount, req)
		if err != nil || len(events) != 1 {
			b.Fatal(events, err)
		}
	}
}
