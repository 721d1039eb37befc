package server

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// webhook receives a messenger's webhook for one account. The answer is sent only
// after the body and its events are committed (see inbox.HandleWebhook).
func (s *Server) webhook() http.Handler {
	public := strings.TrimRight(s.cfg.PublicURL, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxWebhookBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "could not read body", http.StatusBadRequest)
			return
		}
		publicURL := public + r.URL.Path
		if r.URL.RawQuery != "" {
			publicURL += "?" + r.URL.RawQuery
		}
		req := &providers.WebhookRequest{
			Method:    r.Method,
			URL:       r.URL,
			PublicURL: publicURL,
			Header:    r.Header,
			Body:      body,
			Received:  time.Now(),
		}
		ans := s.Inbox.HandleWebhook(r.Context(), r.PathValue("accountId"), req)
		s.metrics.webhooks.WithLabelValues(statusClass(ans.Status)).Inc()
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
	})
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
