package nexmo

import "testing"

// BenchmarkVerifyAndParse is the per-webhook cost of a text message: the JWT
// check (HS256, claims, payload hash) and the parse.
func BenchmarkVerifyAndParse(b *testing.B) {
	p := Provider{}
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
