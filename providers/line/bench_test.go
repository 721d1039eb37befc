package line

import (
	"testing"

	"github.com/switchboard/switchboard/providers/line/linetest"
)

// BenchmarkVerifyAndParse is the per-webhook cost of a text message.
func BenchmarkVerifyAndParse(b *testing.B) {
	p := Provider{}
	req := webhookRequest(b, fixture(b, "text_group_mention.json"), linetest.Secret)
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

// BenchmarkVerifyAndParseBatch is a webhook of three events of three kinds.
func BenchmarkVerifyAndParseBatch(b *testing.B) {
	p := Provider{}
	req := webhookRequest(b, fixture(b, "batch.json"), linetest.Secret)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.VerifyWebhook(testAccount, req); err != nil {
			b.Fatal(err)
		}
		events, _, err := p.ParseWebhook(testAccount, req)
		if err != nil || len(events) != 3 {
			b.Fatal(events, err)
		}
	}
}
