package server_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
	"github.com/switchboard/switchboard/server"
)

// stalledBody gives its first part and then blocks until the test ends, like
// a client that sends a large body slowly.
type stalledBody struct {
	first []byte
	done  <-chan struct{}
}

func (b *stalledBody) Read(p []byte) (int, error) {
	if len(b.first) > 0 {
		n := copy(p, b.first)
		b.first = b.first[n:]
		return n, nil
	}
	<-b.done
	return 0, io.EOF
}

// TestUnknownWebhookAddressIsAnsweredBeforeItsBody: a request to an address
// no account has is refused without waiting for (or reading) its body.
func TestUnknownWebhookAddressIsAnsweredBeforeItsBody(t *testing.T) {
	ts := newTestServer(t)
	done := make(chan struct{})
	defer close(done)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.http.URL+"/webhooks/no-such-account",
		&stalledBody{first: []byte(`{"update_id": 1, "message": `), done: done})
	req.ContentLength = 9 << 20
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("no answer before the body ended: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404", resp.StatusCode)
	}
}

// TestWebhookRateLimitPerAccount: one account's authentic webhooks beyond its
// rate are answered 429 with Retry-After and stored when the provider sends
// them again; forged requests do not use up the account's allowance.
func TestWebhookRateLimitPerAccount(t *testing.T) {
	s := newTelegramSetup(t, func(c *server.Config) { c.WebhookRateLimit, c.WebhookRateBurst = 2, 2 })
	for i := 0; i < 5; i++ {
		if got := s.deliver(t, telegramUpdate(100+i, 100+i, 42, "forged"), "wrong secret"); got != http.StatusUnauthorized {
			t.Fatalf("forged webhook: %d", got)
		}
	}
	for i := 1; i <= 2; i++ {
		if got := s.deliver(t, telegramUpdate(i, i, 42, "hello "+strconv.Itoa(i)), s.secret); got != http.StatusOK {
			t.Fatalf("webhook %d within the burst: %d", i, got)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, s.hookURL, strings.NewReader(telegramUpdate(3, 3, 42, "hello 3")))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(telegramtest.SecretHeader, s.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("webhook over the rate: %d, want 429", resp.StatusCode)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After = %q", resp.Header.Get("Retry-After"))
	}
	conv := s.onlyConversation(t)
	if c := s.conversation(t, s.admin, conv); c.Messages.TotalCount != 2 {
		t.Fatalf("%d messages stored, want 2 (the refused one is not)", c.Messages.TotalCount)
	}
	// The provider retries; the message is stored once it is admitted.
	eventually(t, "the retried webhook to be admitted", func() bool {
		return s.deliver(t, telegramUpdate(3, 3, 42, "hello 3"), s.secret) == http.StatusOK
	})
	if c := s.conversation(t, s.admin, conv); c.Messages.TotalCount != 3 {
		t.Fatalf("%d messages stored, want 3", c.Messages.TotalCount)
	}
}

// TestSharedWebhookWithoutAccountsIsAnsweredBeforeItsBody: a messenger's
// shared address (one app's callback for all its accounts) answers 404 at
// once, without reading the body, while the messenger has no account.
func TestSharedWebhookWithoutAccountsIsAnsweredBeforeItsBody(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/webhooks/facebook", "/webhooks/whatsapp"} {
		t.Run(path, func(t *testing.T) {
			done := make(chan struct{})
			defer close(done)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.http.URL+path,
				&stalledBody{first: []byte(`{"object": "page", "entry": `), done: done})
			req.ContentLength = 9 << 20
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("no answer before the body ended: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d, want 404", resp.StatusCode)
			}
		})
	}
}
