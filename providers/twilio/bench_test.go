package twilio

import "testing"

// BenchmarkVerifyAndParse is the per-webhook cost of a text message: the
// signature check and the mapping.
func BenchmarkVerifyAndParse(b *testing.B) {
	p := Provider{}
	req := signed(b, fixture(b, "text.form"))
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
