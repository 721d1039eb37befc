package wechat

import (
	"testing"

	"github.com/switchboard/switchboard/providers"

	"github.com/switchboard/switchboard/providers/wechat/wechattest"
)

// BenchmarkVerifyAndParse is the per-webhook cost of a text message in
// plaintext mode.
func BenchmarkVerifyAndParse(b *testing.B) {
	benchmarkVerifyAndParse(b, wechattest.DefaultPush, testAccount)
}

// BenchmarkVerifyAndParseSafe is the same message in safe mode: an envelope,
// two signatures and AES decryption.
func BenchmarkVerifyAndParseSafe(b *testing.B) {
	benchmarkVerifyAndParse(b, wechattest.SafePush, safeAccount)
}

func benchmarkVerifyAndParse(b *testing.B, push wechattest.Push, acct providers.Account) {
	p := Provider{}
	req := webhookRequest(b, fixture(b, "text_article.xml"), push)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.VerifyWebhook(acct, req); err != nil {
			b.Fatal(err)
		}
		events, _, err := p.ParseWebhook(acct, req)
		if err != nil || len(events) != 1 {
			b.Fatal(events, err)
		}
	}
}
