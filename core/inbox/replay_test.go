package inbox_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/webhookevent"
)

// TestFailedWebhookKeepsWhatItsParserReads: a body that cannot be parsed is
// kept with its query string and headers (not its credentials), so a replay
// parses what arrived.
func TestFailedWebhookKeepsWhatItsParserReads(t *testing.T) {
	f := newFixture(t)
	req := f.request(1, 5)
	req.Body = []byte(`{"update_id": "not a number"`)
	req.URL = &url.URL{Path: "/webhooks/" + f.accountID, RawQuery: "signature=abc&timestamp=1700000000&encrypt_type=aes"}
	req.Header.Set("Authorization", "Basic c2VjcmV0")
	req.Header.Set("X-Provider-Detail", "kept")
	if ans := f.svc.HandleWebhook(context.Background(), f.accountID, req); ans.Status != http.StatusOK {
		t.Fatalf("status %d", ans.Status)
	}
	we, err := f.client.WebhookEvent.Query().Where(webhookevent.StatusEQ(webhookevent.StatusFAILED)).Only(core.SystemContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if we.Query != req.URL.RawQuery {
		t.Errorf("query = %q, want %q", we.Query, req.URL.RawQuery)
	}
	h := http.Header(we.Headers)
	if h.Get("X-Provider-Detail") != "kept" || h.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", we.Headers)
	}
	if h.Get("Authorization") != "" {
		t.Errorf("a credential was kept: %v", we.Headers)
	}
	// Replaying it parses the same request again (still failing, with the reason).
	again, err := f.svc.Replay(core.WithViewer(context.Background(), f.viewer), we.ID)
	if err != nil || again.Status != webhookevent.StatusFAILED || again.Error == "" {
		t.Fatalf("replay: %v %+v", err, again)
	}
}
