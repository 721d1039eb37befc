package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/switchboard/switchboard/core/accounts"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/providers"
)

// ErrStopped means the writer has shut down; the provider should retry.
var ErrStopped = errors.New("inbox: writer stopped")

// WebhookAnswer is what the HTTP layer sends back to the provider.
type WebhookAnswer struct {
	Status   int
	Response *providers.WebhookResponse
	// RetryAfter, with status 429, says when the provider may send again.
	RetryAfter time.Duration
}

// WebhookTarget is the account a webhook is addressed to, with its provider and
// opened credentials. It is found before the body is read, so a request to an
// unknown address costs a lookup and nothing more.
type WebhookTarget struct {
	account  *ent.IntegrationAccount
	receiver providers.WebhookReceiver
	opened   providers.Account
}

// FindWebhookTarget looks up the account of a webhook address. Without one it
// returns nil and the answer to give: 404 for an unknown address (or a
// messenger that takes no webhooks), 503 when the database cannot say.
func (s *Service) FindWebhookTarget(ctx context.Context, accountID string) (*WebhookTarget, WebhookAnswer) {
	a, err := s.account(ctx, accountID, 0)
	if err != nil {
		if ent.IsNotFound(err) {
			return nil, WebhookAnswer{Status: http.StatusNotFound}
		}
		s.log.ErrorContext(ctx, "webhook: look up account", "err", err)
		return nil, WebhookAnswer{Status: http.StatusServiceUnavailable}
	}
	return s.boundTarget(ctx, a)
}

// webhookTarget binds a found account to its provider for webhooks: 404 when
// its messenger takes none, 503 when its secrets cannot be opened.
func (s *Service) webhookTarget(ctx context.Context, acct *ent.IntegrationAccount) (*WebhookTarget, WebhookAnswer) {
	a := &cachedAccount{account: acct}
	a.bound, a.err = s.accounts.Bind(acct)
	return s.boundTarget(ctx, a)
}

func (s *Service) boundTarget(ctx context.Context, a *cachedAccount) (*WebhookTarget, WebhookAnswer) {
	acct := a.account
	if errors.Is(a.err, accounts.ErrNoProvider) {
		return nil, WebhookAnswer{Status: http.StatusNotFound}
	}
	if a.err != nil {
		s.log.ErrorContext(ctx, "webhook: open account secrets", "account", acct.ID, "err", a.err)
		return nil, WebhookAnswer{Status: http.StatusServiceUnavailable}
	}
	recv, ok := a.bound.Provider.(providers.WebhookReceiver)
	if !ok {
		return nil, WebhookAnswer{Status: http.StatusNotFound}
	}
	return &WebhookTarget{account: acct, receiver: recv, opened: a.bound.Opened}, WebhookAnswer{}
}

// HandleWebhook finds the account of accountID and receives req for it.
func (s *Service) HandleWebhook(ctx context.Context, accountID string, req *providers.WebhookRequest) WebhookAnswer {
	t, ans := s.FindWebhookTarget(ctx, accountID)
	if t == nil {
		return ans
	}
	return s.ReceiveWebhook(ctx, t, req)
}

// ReceiveWebhook authenticates, parses and durably stores one webhook before it
// returns: the answer is 200 only once the raw body and its events are
// committed, 5xx when storing failed (so the provider retries), 401 when the
// request is not authentic (nothing stored), 429 with a delay when the account
// sends more than Options.AdmitWebhook allows (the provider retries later, so
// nothing is lost and one noisy account cannot fill the writer).
func (s *Service) ReceiveWebhook(ctx context.Context, t *WebhookTarget, req *providers.WebhookRequest) WebhookAnswer {
	acct, recv, pa := t.account, t.receiver, t.opened
	resp, handshake, err := recv.VerifyWebhook(pa, req)
	switch {
	case errors.Is(err, providers.ErrUnauthorized):
		return WebhookAnswer{Status: http.StatusUnauthorized}
	case errors.Is(err, providers.ErrForbidden):
		return WebhookAnswer{Status: http.StatusForbidden}
	case errors.Is(err, providers.ErrNotAllowed):
		return WebhookAnswer{Status: http.StatusMethodNotAllowed}
	case err != nil:
		s.log.ErrorContext(ctx, "webhook: verify", "account", acct.ID, "err", err)
		return WebhookAnswer{Status: http.StatusBadRequest}
	case handshake:
		return WebhookAnswer{Status: http.StatusOK, Response: resp}
	}
	if admit := s.opts.AdmitWebhook; admit != nil {
		if ok, wait := admit(acct.ID); !ok {
			return WebhookAnswer{Status: http.StatusTooManyRequests, RetryAfter: wait}
		}
	}
	evs, resp, perr := recv.ParseWebhook(pa, req)
	j := &job{account: acct, body: req.Body, contentType: req.Header.Get("Content-Type"), events: evs}
	if req.URL != nil {
		j.query = req.URL.RawQuery
	}
	j.headers = req.Header
	var parseErr *providers.ParseError
	if perr != nil {
		if !errors.As(perr, &parseErr) {
			parseErr = &providers.ParseError{Reason: perr.Error(), Err: perr}
		}
		j.events, j.failure = nil, parseErr.Reason
	}
	if err := s.submit(ctx, j); err != nil {
		s.log.ErrorContext(ctx, "webhook: store", "account", acct.ID, "err", err)
		return WebhookAnswer{Status: http.StatusServiceUnavailable}
	}
	if a, ok := recv.(providers.EventAcknowledger); ok {
		s.acknowledge(a, acct.ID, pa, j.events)
	}
	if f, ok := recv.(providers.ProfileFetcher); ok {
		s.askProfiles(f, acct.ID, pa, j.events)
	}
	status := http.StatusOK
	if resp != nil && resp.Status != 0 {
		status = resp.Status
	}
	return WebhookAnswer{Status: status, Response: resp}
}

func bodyHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
