package twitter

import (
	"testing"

	"github.com/switchboard/switchboard/providers/twitter/twittertest"
)

// BenchmarkVerifyAndParse is the per-webhook cost of a text message.
func BenchmarkVerifyAndParse(b *testing.B) {
	p := Provider{}
	req := webhookRequest(b, fixture(b, "dm_text.json"), twittertest.ConsumerSecret)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.VerifyWebhook(docsAccount, req); err != nil {
			b.Fatal(err)
		}
		events, _, err := p.ParseWebhook(docsAccount, req)
		if err != nil || len(events) != 1 {
			b.Fatal(events, err)
		}
	}
}

// BenchmarkVerifyAndParseBatch is a webhook of three direct messages, one of
// them the account's own echo.
func BenchmarkVerifyAndParseBatch(b *testing.B) {
	p := Provider{}
	req := webhookRequest(b, fixture(b, "dm_batch_with_echo.json"), twittertest.ConsumerSecret)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.VerifyWebhook(docsAccount, req); err != nil {
			b.Fatal(err)
		}
		events, _, err := p.ParseWebhook(docsAccount, req)
		if err != nil || len(events) != 2 {
			b.Fatal(events, err)
		}
	}
}
