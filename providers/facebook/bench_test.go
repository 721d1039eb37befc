package facebook

import "testing"

// BenchmarkVerifyAndParse is the per-webhook cost of a text message.
func BenchmarkVerifyAndParse(b *testing.B) {
	p := New("")
	req := signed(b, fixture(b, "text.json"))
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
