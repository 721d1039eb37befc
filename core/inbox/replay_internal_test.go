package inbox

import (
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard/ent"
)

func TestReplayRequestRebuildsWhatArrived(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	we := &ent.WebhookEvent{
		Body: []byte("<xml/>"), ContentType: "text/xml", Query: "signature=abc&nonce=7",
		Headers: map[string][]string{"Content-Type": {"text/xml"}, "X-Detail": {"a", "b"}}, ReceivedAt: at,
	}
	req := replayRequest(we, "https://sb.example.com/webhooks/acc1")
	if req.Method != http.MethodPost || string(req.Body) != "<xml/>" || !req.Received.Equal(at) {
		t.Fatalf("request = %+v", req)
	}
	if req.URL.Path != "/webhooks/acc1" || req.URL.Query().Get("nonce") != "7" {
		t.Errorf("URL = %v", req.URL)
	}
	if req.PublicURL != "https://sb.example.com/webhooks/acc1?signature=abc&nonce=7" {
		t.Errorf("PublicURL = %q", req.PublicURL)
	}
	if req.Header.Get("Content-Type") != "text/xml" || len(req.Header.Values("X-Detail")) != 2 {
		t.Errorf("headers = %v", req.Header)
	}
	// Rows stored before headers were kept still get their content type.
	old := replayRequest(&ent.WebhookEvent{Body: []byte("{}"), ContentType: "application/json"}, "https://sb.example.com/webhooks/acc1")
	if old.Header.Get("Content-Type") != "application/json" || old.URL.RawQuery != "" {
		t.Errorf("old row: %+v", old)
	}
}
