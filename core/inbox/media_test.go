package inbox_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/ent/message"
	"github.com/switchboard/switchboard/providers"
)

// documentRequest is a Telegram update with a document to copy.
func (f *fixture) documentRequest(updateID int64, chat int64, fileID string) *providers.WebhookRequest {
	body := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,"first_name":"A"},"chat":{"id":%d,"type":"private"},"date":1700000000,
	"document":{"file_id":%q,"file_unique_id":"u%d","file_name":"report.pdf","mime_type":"application/pdf","file_size":10}}}`,
		updateID, updateID, chat, chat, fileID, updateID)
	req := f.request(updateID, chat)
	req.Body = []byte(body)
	return req
}

// TestMediaFailsAfterBoundedRetries: a download that keeps failing with a
// retryable error is tried exactly MediaAttempts times, then the attachment is
// FAILED with the reason, and the change is published as MESSAGE_UPDATED.
func TestMediaFailsAfterBoundedRetries(t *testing.T) {
	var getFile atomic.Int32
	botAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/getFile") {
			getFile.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, `{"ok":false,"error_code":502,"description":"Bad Gateway"}`)
	}))
	defer botAPI.Close()
	const attempts = 3
	f := newFixture(t, func(c *fixtureConfig) {
		c.telegramAPI = botAPI.URL
		c.inbox = func(o *inbox.Options) {
			o.MediaAttempts = attempts
			o.MediaRetryBase = time.Millisecond
		}
	})
	ctx, cancel := context.WithCancel(core.WithViewer(context.Background(), f.viewer))
	defer cancel()
	sub, err := f.subscribe(ctx, ptrInt(0))
	if err != nil {
		t.Fatal(err)
	}
	if ans := f.svc.HandleWebhook(context.Background(), f.accountID, f.documentRequest(1, 42, "flaky-forever")); ans.Status != http.StatusOK {
		t.Fatalf("webhook: %d", ans.Status)
	}
	timeout := time.After(10 * time.Second)
	for updated := false; !updated; {
		select {
		case e, ok := <-sub.C:
			if !ok {
				t.Fatalf("subscription ended: %v", sub.Err())
			}
			updated = e.Kind == inbox.MessageUpdated
		case <-timeout:
			m, _ := f.client.Message.Query().Only(core.SystemContext(ctx))
			t.Fatalf("no MESSAGE_UPDATED within 10s; media %+v after %d getFile calls", m.Media, getFile.Load())
		}
	}
	m, err := f.client.Message.Query().Where(message.DirectionEQ(message.DirectionINBOUND)).Only(core.SystemContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	st := m.Media[0]
	want := fmt.Sprintf("Bad Gateway (gave up after %d attempts)", attempts)
	if st.Status != core.MediaFailed || st.Error != want || st.Attempts != attempts || m.MediaPending {
		t.Fatalf("media %+v (pending %v), want FAILED %q after %d attempts", st, m.MediaPending, want, attempts)
	}
	if n := getFile.Load(); n != attempts {
		t.Fatalf("getFile called %d times, want %d", n, attempts)
	}
}
