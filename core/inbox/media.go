package inbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/media"
	"github.com/switchboard/switchboard/core/safeurl"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/message"
	"github.com/switchboard/switchboard/providers"
)

// MaxMediaAttempts bounds downloads of one attachment before it is FAILED.
const MaxMediaAttempts = 5

// pendingMedia returns the initial media states of inbound attachments.
func pendingMedia(atts []providers.Attachment) []core.MediaState {
	states := make([]core.MediaState, len(atts))
	for i, a := range atts {
		states[i] = core.MediaState{Status: core.MediaPending, MimeType: a.MimeType}
	}
	return states
}

// runMediaWorker downloads inbound media to the data folder until ctx ends,
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
		msgs, err := s.client.Message.Query().Where(message.MediaPending(true)).
			Order(ent.Asc(message.FieldID)).Limit(50).All(sys)
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "media: load pending", "err", err)
		}
		for _, m := range msgs {
			if ctx.Err() != nil {
				return
			}
			s.fetchMedia(sys, m, false)
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(time.Second)
	}
}

// FetchNow downloads a message's pending media at once (an agent is waiting to
// open it) and returns the message as it is afterwards.
func (s *Service) FetchNow(ctx context.Context, m *ent.Message) *ent.Message {
	return s.fetchMedia(core.SystemContext(ctx), m, true)
}

// fetchMedia tries every due PENDING attachment of m once and records the result.
func (s *Service) fetchMedia(ctx context.Context, m *ent.Message, force bool) *ent.Message {
	states := append([]core.MediaState(nil), m.Media...)
	changed, pending := false, false
	var acct *providers.Account
	var fetcher providers.MediaFetcher
	for i := range states {
		st := &states[i]
		if st.Status != core.MediaPending || i >= len(m.Attachments) {
			continue
		}
		if !force && st.NextAt.After(s.now()) {
			pending = true
			continue
		}
		if acct == nil {
			a, err := s.client.IntegrationAccount.Get(ctx, m.IntegrationAccountID)
			if err != nil {
				st.Status, st.Error = core.MediaFailed, "the account no longer exists"
				changed = true
				continue
			}
			pa, err := s.providerAccount(a)
			if err != nil {
				pending = true
				continue
			}
			acct = &pa
			if _, p, err := s.accounts.Spec(a); err == nil {
				fetcher, _ = p.(providers.MediaFetcher)
			}
		}
		got, err := s.download(ctx, fetcher, *acct, m.Attachments[i])
		changed = true
		if err == nil {
			name, size, serr := s.media.Save(bytes.NewReader(got.Data))
			if serr == nil {
				st.Status, st.File, st.Size, st.Error = core.MediaReady, name, size, ""
				if got.MimeType != "" {
					st.MimeType = got.MimeType
				}
				continue
			}
			err = serr
		}
		st.Attempts++
		st.Error = trimReason(reasonOf(err))
		s.log.WarnContext(ctx, "media: download failed", "message", m.ID, "attachment", i, "attempt", st.Attempts,
			"err", err, "detail", safeurl.Detail(err))
		var sendErr *providers.SendError
		permanent := errors.As(err, &sendErr) && !sendErr.Retryable
		if permanent || st.Attempts >= MaxMediaAttempts {
			st.Status = core.MediaFailed
			continue
		}
		backoff := time.Duration(1<<st.Attempts) * time.Second
		st.NextAt = s.now().Add(backoff/2 + rand.N(backoff/2))
		pending = true
	}
	if !changed {
		return m
	}
	var updated *ent.Message
	err := store.WithTx(ctx, s.client, func(ctx context.Context) error {
		var err error
		updated, err = ent.FromContext(ctx).Message.UpdateOneID(m.ID).SetMedia(states).SetMediaPending(pending).Save(ctx)
		if err != nil {
			return err
		}
		return s.messageUpdated(ctx, updated)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "media: record", "message", m.ID, "err", err)
		return m
	}
	return updated.Unwrap()
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
		return providers.Media{}, &providers.SendError{Retryable: true, Reason: "download failed: " + safeurl.PublicError(err), Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return providers.Media{}, &providers.SendError{Retryable: resp.StatusCode >= 500 || resp.StatusCode == 429,
			Reason: fmt.Sprintf("download answered %d", resp.StatusCode)}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, media.MaxSize+1))
	if err != nil {
		return providers.Media{}, &providers.SendError{Retryable: true, Reason: "download interrupted: " + safeurl.PublicError(err), Err: err}
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
