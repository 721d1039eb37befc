package server

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/providers"
)

// webhook receives a messenger's webhook for one account. The answer is sent only
// after the body and its events are committed (see inbox.ReceiveWebhook).
func (s *Server) webhook() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The account first: a request to an unknown address is answered
		// before any of its body is read.
		target, ans := s.Inbox.FindWebhookTarget(r.Context(), r.PathValue("accountId"))
		if target == nil {
			s.metrics.webhooks.WithLabelValues(statusClass(ans.Status)).Inc()
			w.Header().Set("Connection", "close")
			http.Error(w, http.StatusText(ans.Status), ans.Status)
			return
		}
		req, ok := s.readWebhook(w, r)
		if !ok {
			return
		}
		s.answerWebhook(w, s.Inbox.ReceiveWebhook(r.Context(), target, req))
	})
}

// sharedWebhook receives webhooks at a messenger's shared address
// (/webhooks/facebook), where one app sends the events of all its accounts
// (see inbox.HandleSharedWebhook).
func (s *Server) sharedWebhook(key string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Whether the messenger has any account first: without one, the
		// request is answered before any of its body is read.
		if status := s.sharedWebhookServed(r.Context(), key); status != http.StatusOK {
			s.metrics.webhooks.WithLabelValues(statusClass(status)).Inc()
			w.Header().Set("Connection", "close")
			http.Error(w, http.StatusText(status), status)
			return
		}
		req, ok := s.readWebhook(w, r)
		if !ok {
			return
		}
		s.answerWebhook(w, s.Inbox.HandleSharedWebhook(r.Context(), key, req))
	})
}

// readWebhook reads a webhook request, its body within MaxWebhookBytes; it
// answers the request itself and reports false when the body cannot be read.
func (s *Server) readWebhook(w http.ResponseWriter, r *http.Request) (*providers.WebhookRequest, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxWebhookBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "could not read body", http.StatusBadRequest)
		return nil, false
	}
	publicURL := strings.TrimRight(s.cfg.PublicURL, "/") + r.URL.Path
	if r.URL.RawQuery != "" {
		publicURL += "?" + r.URL.RawQuery
	}
	return &providers.WebhookRequest{
		Method:    r.Method,
		URL:       r.URL,
		PublicURL: publicURL,
		Header:    r.Header,
		Body:      body,
		Received:  time.Now(),
	}, true
}

// answerWebhook writes the core's answer to a webhook.
func (s *Server) answerWebhook(w http.ResponseWriter, ans inbox.WebhookAnswer) {
	s.metrics.webhooks.WithLabelValues(statusClass(ans.Status)).Inc()
	if ans.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(ans.RetryAfter.Seconds())))))
	}
	if ans.Response != nil {
		if ans.Response.ContentType != "" {
			w.Header().Set("Content-Type", ans.Response.ContentType)
		}
		w.WriteHeader(ans.Status)
		w.Write(ans.Response.Body)
		return
	}
	if ans.Status != http.StatusOK {
		http.Error(w, http.StatusText(ans.Status), ans.Status)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func statusClass(code int) string {
	switch {
	case code < 300:
		return "2xx"
	case code < 500:
		return "4xx"
	}
	return "5xx"
}

// sharedWebhookServed answers 200 when the messenger of a shared webhook
// address has at least one account (of any tenant), 404 when it has none, and
// 503 when the database cannot tell.
func (s *Server) sharedWebhookServed(ctx context.Context, key string) int {
	p, ok := s.registry.ByKey(key)
	if !ok {
		return http.StatusNotFound
	}
	spec := p.Spec()
	q := s.client.IntegrationAccount.Query().Where(integrationaccount.TypeEQ(integrationaccount.Type(spec.Type)))
	if spec.Provider != "" {
		q.Where(integrationaccount.ProviderEQ(integrationaccount.Provider(spec.Provider)))
	}
	exists, err := q.Exist(core.SystemContext(ctx))
	if err != nil {
		s.log.ErrorContext(ctx, "webhook: shared: any account", "messenger", key, "err", err)
		return http.StatusServiceUnavailable
	}
	if !exists {
		return http.StatusNotFound
	}
	return http.StatusOK
}
