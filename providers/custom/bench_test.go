package custom

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkVerifyAndParse measures the inbound hot path for a 1 KiB message:
// signature check and parse.
func BenchmarkVerifyAndParse(b *testing.B) {
	head := `{"events":[{"id":"evt_bench","type":"message","timestamp":"2026-05-01T11:59:30Z",` +
		`"sender":{"id":"user-42","name":"Ada Lovelace"},"message":{"id":"m-bench","text":"`
	tail := `"}}]}`
	body := []byte(head + strings.Repeat("a", 1024-len(head)-len(tail)) + tail)
	if len(body) != 1024 {
		b.Fatalf("body is %d bytes", len(body))
	}
	req := signedRequest(body)
	acct := testAccount("")
	p := Provider{}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.VerifyWebhook(acct, req); err != nil {
			b.Fatal(err)
		}
		events, _, err := p.ParseWebhook(acct, req)
		if err != nil || len(events) != 1 {
			b.Fatal(fmt.Sprint(len(events), err))
		}
	}
}
