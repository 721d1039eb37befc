package inbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/media"
	"github.com/switchboard/switchboard/core/safeurl"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/message"
	"github.com/switchboard/switchboard/ent/predicate"
	"github.com/switchboard/switchboard/providers"
)

// mediaPage is how many messages with pending media the worker loads at a time.
const mediaPage = 50

// hasPendingMedia matches messages with media still to fetch in the words of
// the partial index message_media_pending (the bare column, no bound value), so
// the poll reads only those few rows. ent's MediaPending(true) binds a value
// that does not match the index's condition, and SQLite would scan messages.
var hasPendingMedia = predicate.Message(func(s *sql.Selector) {
	s.Where(sql.ExprP(s.C(message.FieldMediaPending)))
})

// heldOnly matches an account's held messages in the words of the partial
// index message_held (the bare column), for the same reason.
var heldOnly = predicate.Message(func(s *sql.Selector) {
	s.Where(sql.ExprP(s.C(message.FieldHeld)))
})

// pendingMedia returns the initial media states of inbound attachments.
func pendingMedia(atts []providers.Attachment) []core.MediaState {
	states := make([]core.MediaState, len(atts))
	for i, a := range atts {
		states[i] = core.MediaState{Status: core.MediaPending, MimeType: a.MimeType}
	}
	return states
}

// runMediaWorker copies inbound media to the data folder until ctx ends,
// retrying failures with backoff; what still fails is marked FAILED, never dropped.
func (s *Service) runMediaWorker(ctx context.Context) {
	sys := core.SystemContext(ctx)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.mediaWake:
		case <-timer.C:
		}
		next := s.fetchPending(sys)
		if ctx.Err() != nil {
			return
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		wait := mediaMaxWait
		if !next.IsZero() {
			wait = min(max(next.Sub(s.now()), mediaMinWait), mediaMaxWait)
		}
		timer.Reset(wait)
	}
}

// The media worker sleeps until the next retry is due, within these bounds.
const (
	mediaMinWait = 50 * time.Millisecond
	mediaMaxWait = time.Second
)

// fetchPending makes one pass over every message with pending media, a page at
// a time, so messages waiting for a later retry never hide newer ones. It
// returns when the next retry is due (zero when none is waiting).
func (s *Service) fetchPending(ctx context.Context) (next time.Time) {
	last := 0
	for {
		msgs, err := s.client.Message.Query().Where(hasPendingMedia, message.IDGT(last)).
			Order(ent.Asc(message.FieldID)).Limit(mediaPage).All(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.ErrorContext(ctx, "media: load pending", "err", err)
			}
			return next
		}
		for _, m := range msgs {
			if ctx.Err() != nil {
				return next
			}
			last = m.ID
			for _, st := range s.fetchMedia(ctx, m, false).Media {
				if st.Status == core.MediaPending && (next.IsZero() || st.NextAt.Before(next)) {
					next = st.NextAt
				}
			}
		}
		if len(msgs) < mediaPage {
			return next
		}
	}
}

// FetchNow downloads a message's pending media at once (an agent is waiting to
// open it) and returns the message as it is afterwards.
func (s *Service) FetchNow(ctx context.Context, m *ent.Message) *ent.Message {
	return s.fetchMedia(core.SystemContext(ctx), m, true)
}

// fetchMedia tries every due PENDING attachment of m once and records the
// result. An attachment that fails is retried with backoff up to MediaAttempts
// times in all, then FAILED with the reason; a failure no retry can fix is
// FAILED at once. When an attachment settles (READY or FAILED) a MESSAGE_UPDATED
// event is published after the commit, so agents see it live.
func (s *Service) fetchMedia(ctx context.Context, m *ent.Message, force bool) *ent.Message {
	states := append([]core.MediaState(nil), m.Media...)
	changed := map[int]bool{}
	var acct *providers.Account
	var fetcher providers.MediaFetcher
	var acctErr error
	for i := range states {
		st := &states[i]
		if st.Status != core.MediaPending || i >= len(m.Attachments) {
			continue
		}
		if !force && st.NextAt.After(s.now()) {
			continue
		}
		changed[i] = true
		if acct == nil && acctErr == nil {
			acct, fetcher, acctErr = s.mediaAccount(ctx, m)
		}
		var got providers.Media
		err := acctErr
		if err == nil {
			got, err = s.download(ctx, fetcher, *acct, m.Attachments[i])
		}
		if err != nil && ctx.Err() != nil {
			delete(changed, i) // shutting down, or the agent gave up: not the file's fault
			break
		}
		if err == nil {
			name, size, serr := s.media.Save(bytes.NewReader(got.Data))
			if serr == nil {
				st.Status, st.File, st.Size, st.Error, st.NextAt = core.MediaReady, name, size, "", time.Time{}
				if got.MimeType != "" {
					st.MimeType = got.MimeType
				}
				continue
			}
			s.log.ErrorContext(ctx, "media: save copy", "message", m.ID, "err", serr)
			err = &providers.SendError{Retryable: true, Reason: "Switchboard could not store its copy", Err: serr}
		}
		st.Attempts++
		reason, retryable := mediaFailure(err)
		s.log.WarnContext(ctx, "media: download failed", "message", m.ID, "attachment", i, "attempt", st.Attempts,
			"err", err, "detail", safeurl.Detail(err))
		if !retryable || st.Attempts >= s.opts.MediaAttempts {
			if retryable {
				reason = fmt.Sprintf("%s (gave up after %d attempts)", reason, st.Attempts)
			}
			st.Status, st.Error, st.NextAt = core.MediaFailed, trimReason(reason), time.Time{}
			continue
		}
		st.Error = trimReason(reason)
		st.NextAt = s.now().Add(backoff(s.opts.MediaRetryBase, st.Attempts))
	}
	if len(changed) == 0 {
		return m
	}
	var updated *ent.Message
	err := s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		// Another fetch of the same message (an agent opening it while the worker
		// runs) may have committed meanwhile: keep what it recorded.
		cur, err := c.Message.Get(ctx, m.ID)
		if err != nil {
			return err
		}
		merged := append([]core.MediaState(nil), cur.Media...)
		settled := false
		for i := range changed {
			if i >= len(merged) || merged[i].Status != m.Media[i].Status || merged[i].Attempts != m.Media[i].Attempts {
				continue
			}
			settled = settled || states[i].Status != merged[i].Status
			merged[i] = states[i]
		}
		pending := false
		for _, st := range merged {
			pending = pending || st.Status == core.MediaPending
		}
		if updated, err = c.Message.UpdateOneID(m.ID).SetMedia(merged).SetMediaPending(pending).Save(ctx); err != nil {
			return err
		}
		if !settled {
			return nil // a retry was scheduled: agents see the status once it settles
		}
		return messageUpdated(ctx, c, rec, updated)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "media: record", "message", m.ID, "err", err)
		return m
	}
	return updated.Unwrap()
}

// mediaAccount returns what downloading m's media needs from its account.
func (s *Service) mediaAccount(ctx context.Context, m *ent.Message) (*providers.Account, providers.MediaFetcher, error) {
	a, err := s.client.IntegrationAccount.Get(ctx, m.IntegrationAccountID)
	if ent.IsNotFound(err) {
		return nil, nil, &providers.SendError{Reason: "the account no longer exists", Err: err}
	}
	if err != nil {
		return nil, nil, &providers.SendError{Retryable: true, Reason: "Switchboard could not load the account", Err: err}
	}
	b, err := s.accounts.Bind(a)
	if err != nil {
		s.log.ErrorContext(ctx, "media: account credentials", "account", a.ID, "err", err)
		return nil, nil, &providers.SendError{Retryable: true, Reason: "the account's credentials cannot be read", Err: err}
	}
	fetcher, _ := b.Provider.(providers.MediaFetcher)
	return &b.Opened, fetcher, nil
}

// mediaFailure says why a download failed, in words a tenant may see, and
// whether a retry may help. Network errors carry resolved addresses, which may
// be internal, so they are named by kind only.
func mediaFailure(err error) (reason string, retryable bool) {
	var blocked *safeurl.BlockedError
	var redirect *safeurl.RedirectError
	var netErr net.Error
	var urlErr *url.Error
	var sendErr *providers.SendError
	switch {
	case errors.As(err, &blocked):
		return "the file's address is not allowed: it points to a private, loopback or link-local network", false
	case errors.As(err, &redirect):
		return safeurl.PublicError(err), false
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "the file's server did not answer in time", true
	case errors.As(err, &netErr), errors.As(err, &urlErr):
		return "could not connect to the file's server", true
	case errors.As(err, &sendErr):
		return sendErr.Reason, sendErr.Retryable
	}
	return "download failed", true
}

// download gets one attachment: through the provider for file IDs, or from its
// URL with the guarded HTTP client.
func (s *Service) download(ctx context.Context, fetcher providers.MediaFetcher, acct providers.Account, att providers.Attachment) (providers.Media, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if att.FileID != "" {
		if fetcher == nil {
			return providers.Media{}, &providers.SendError{Reason: "this messenger's media cannot be downloaded yet"}
		}
		return fetcher.FetchMedia(ctx, s.env(), acct, att)
	}
	if att.URL == "" {
		return providers.Media{}, &providers.SendError{Reason: "the attachment has no file ID or URL"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, att.URL, nil)
	if err != nil {
		return providers.Media{}, &providers.SendError{Reason: "bad attachment URL"}
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return providers.Media{}, err // mediaFailure names it
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return providers.Media{}, &providers.SendError{Retryable: resp.StatusCode >= 500 || resp.StatusCode == 429,
			Reason: fmt.Sprintf("the file's server answered %d", resp.StatusCode)}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, media.MaxSize+1))
	if err != nil {
		return providers.Media{}, &providers.SendError{Retryable: true, Reason: "the download was interrupted", Err: err}
	}
	if len(b) > media.MaxSize {
		return providers.Media{}, &providers.SendError{Reason: "file larger than 20 MiB"}
	}
	mt := att.MimeType
	if ct := resp.Header.Get("Content-Type"); mt == "" && ct != "" {
		mt, _, _ = mime.ParseMediaType(ct)
	}
	return providers.Media{Data: b, MimeType: mt, FileName: att.FileName}, nil
}
