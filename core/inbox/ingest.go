package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/accounts"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/integrationaccount"
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
	sys := core.SystemContext(ctx)
	acct, err := s.client.IntegrationAccount.Query().Where(integrationaccount.AccountID(accountID)).Only(sys)
	if err != nil {
		if ent.IsNotFound(err) {
			return nil, WebhookAnswer{Status: http.StatusNotFound}
		}
		s.log.ErrorContext(ctx, "webhook: look up account", "err", err)
		return nil, WebhookAnswer{Status: http.StatusServiceUnavailable}
	}
	return s.webhookTarget(ctx, acct)
}

// webhookTarget binds a found account to its provider for webhooks: 404 when
// its messenger takes none, 503 when its secrets cannot be opened.
func (s *Service) webhookTarget(ctx context.Context, acct *ent.IntegrationAccount) (*WebhookTarget, WebhookAnswer) {
	b, err := s.accounts.Bind(acct)
	if errors.Is(err, accounts.ErrNoProvider) {
		return nil, WebhookAnswer{Status: http.StatusNotFound}
	}
	if err != nil {
		s.log.ErrorContext(ctx, "webhook: open account secrets", "account", acct.ID, "err", err)
		return nil, WebhookAnswer{Status: http.StatusServiceUnavailable}
	}
	recv, ok := b.Provider.(providers.WebhookReceiver)
	if !ok {
		return nil, WebhookAnswer{Status: http.StatusNotFound}
	}
	return &WebhookTarget{account: acct, receiver: recv, opened: b.Opened}, WebhookAnswer{}
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

// job is one unit of work for the writer: a webhook to store, a failed one to
// replay, or an account's held messages to release.
type job struct {
	account     *ent.IntegrationAccount
	body        []byte
	contentType string
	// query and headers are the rest of the request, kept with a body that
	// cannot be parsed so that a replay sees what arrived.
	query   string
	headers http.Header
	events  []providers.Event
	// failure is set when the body could not be parsed; it is stored FAILED.
	failure string
	// replay is the FAILED webhook event being replayed.
	replay *ent.WebhookEvent
	// release asks to move the account's held messages into conversations.
	release bool

	done chan error
	out  []Event
}

// submit hands j to the writer and waits until it is committed or failed.
func (s *Service) submit(ctx context.Context, j *job) error {
	j.done = make(chan error, 1)
	select {
	case s.jobs <- j:
	case <-s.stopped:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	// The writer always answers a job it took, so wait for it even if ctx ends:
	// answering 200 before the commit would break the durability promise.
	return <-j.done
}

// runWriter commits jobs in batches: every job waiting when a transaction starts
// shares it (group commit), and each is answered after the commit.
func (s *Service) runWriter(ctx context.Context) {
	for {
		var first *job
		select {
		case <-ctx.Done():
			return
		case first = <-s.jobs:
		}
		batch := []*job{first}
	fill:
		for len(batch) < s.opts.MaxBatch {
			select {
			case j := <-s.jobs:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		s.commitBatch(ctx, batch)
	}
}

// commitBatch stores a batch in one transaction; if that fails, each job is tried
// alone so one bad job cannot fail the others.
func (s *Service) commitBatch(ctx context.Context, batch []*job) {
	// The batch must be stored even if the server is shutting down.
	ctx = core.SystemContext(context.WithoutCancel(ctx))
	if err := s.commit(ctx, batch); err == nil {
		for _, j := range batch {
			s.publish(j.out)
			j.done <- nil
		}
		return
	} else if len(batch) == 1 {
		batch[0].done <- err
		return
	}
	for _, j := range batch {
		err := s.commit(ctx, []*job{j})
		if err == nil {
			s.publish(j.out)
		}
		j.done <- err
	}
}

func (s *Service) commit(ctx context.Context, batch []*job) error {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("inbox: begin: %w", err)
	}
	c := tx.Client()
	s.cache.begin()
	for _, j := range batch {
		j.out = nil
		if err := s.apply(ctx, c, j); err != nil {
			tx.Rollback()
			s.cache.reset()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		s.cache.reset()
		return fmt.Errorf("inbox: commit: %w", err)
	}
	s.cache.commit()
	return nil
}

func (s *Service) publish(evs []Event) {
	for _, e := range evs {
		if e.Kind == MessageCreated {
			select {
			case s.mediaWake <- struct{}{}:
			default:
			}
			break
		}
	}
	for _, e := range evs {
		s.bus.Publish(eventsEvent(e))
	}
}
