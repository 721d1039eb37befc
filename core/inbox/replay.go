package inbox

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/webhookevent"
	"github.com/switchboard/switchboard/providers"
)

func idString(id int) string { return strconv.Itoa(id) }

// Replay parses a FAILED webhook event again (after a fix) and stores its events.
// It stays FAILED, with the new reason, if it still cannot be parsed.
func (s *Service) Replay(ctx context.Context, id int) (*ent.WebhookEvent, error) {
	we, err := s.client.WebhookEvent.Get(ctx, id)
	if err != nil {
		return nil, store.Wrap(err, "inbox: replay")
	}
	if we.Status != webhookevent.StatusFAILED {
		return nil, core.Invalid("id", "only failed webhook events can be replayed")
	}
	acct, err := s.client.IntegrationAccount.Get(ctx, we.IntegrationAccountID)
	if err != nil {
		return nil, store.Wrap(err, "inbox: replay: account")
	}
	b, err := s.accounts.Bind(acct)
	if err != nil {
		return nil, err
	}
	recv, ok := b.Provider.(providers.WebhookReceiver)
	if !ok {
		return nil, core.Invalid("id", "this messenger has no webhook parser")
	}
	pa := b.Opened
	req := replayRequest(we, s.accounts.WebhookURL(acct))
	evs, _, perr := recv.ParseWebhook(pa, req)
	if perr != nil {
		err := s.write(ctx, func(ctx context.Context, c *ent.Client, _ *recorder) error {
			return c.WebhookEvent.UpdateOneID(we.ID).SetError(perr.Error()).Exec(ctx)
		})
		if err != nil {
			return nil, fmt.Errorf("inbox: replay: %w", err)
		}
		return s.client.WebhookEvent.Get(ctx, id)
	}
	if err := s.submit(ctx, &job{account: acct, replay: we, events: evs}); err != nil {
		return nil, fmt.Errorf("inbox: replay: %w", err)
	}
	return s.client.WebhookEvent.Get(ctx, id)
}

// ReleaseHeld files the messages that arrived while an account was disconnected
// into their conversations, in arrival order. Call it after reconnecting.
func (s *Service) ReleaseHeld(ctx context.Context, accountID int) error {
	acct, err := s.client.IntegrationAccount.Get(ctx, accountID)
	if err != nil {
		return store.Wrap(err, "inbox: release")
	}
	return s.submit(ctx, &job{account: acct, release: true})
}

// credentialHeaders are never kept with a failed webhook: no parser needs them.
var credentialHeaders = map[string]bool{"Authorization": true, "Cookie": true, "Proxy-Authorization": true}

// replayHeaders is what is kept of a failed webhook's headers.
func replayHeaders(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, v := range h {
		if !credentialHeaders[http.CanonicalHeaderKey(k)] {
			out[k] = v
		}
	}
	return out
}

// replayRequest rebuilds a stored webhook as its parser first saw it: body,
// query string, headers and the time it arrived.
func replayRequest(we *ent.WebhookEvent, webhookURL string) *providers.WebhookRequest {
	header := http.Header{}
	for k, v := range we.Headers {
		header[k] = v
	}
	if header.Get("Content-Type") == "" && we.ContentType != "" {
		header.Set("Content-Type", we.ContentType)
	}
	public := webhookURL
	u, err := url.Parse(webhookURL)
	if err != nil {
		u = &url.URL{}
	}
	u.RawQuery = we.Query
	if we.Query != "" {
		public += "?" + we.Query
	}
	return &providers.WebhookRequest{Method: http.MethodPost, URL: u, PublicURL: public, Header: header, Body: we.Body, Received: we.ReceivedAt}
}
