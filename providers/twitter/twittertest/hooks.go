package twittertest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// SetCRC decides whether the challenge-response check of a webhook URL
// passes when a webhook is created or validated. By default it passes
// without a request, since test webhook URLs are rarely reachable; DeliverCRC
// sends real ones.
func (s *Server) SetCRC(f func(url string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.crc = f
}

// AddWebhook registers a webhook for an app directly (one the app had
// before), bypassing the limit and the CRC, and returns its ID.
func (s *Server) AddWebhook(consumerKey, target string, valid bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addWebhook(consumerKey, target, valid).ID
}

// addWebhook creates a webhook; s.mu is held.
func (s *Server) addWebhook(consumerKey, target string, valid bool) *Webhook {
	h := &Webhook{ID: strconv.FormatInt(s.nextHook, 10), URL: target, Valid: valid, CreatedAt: s.now().UTC(), ConsumerKey: consumerKey}
	s.nextHook++
	s.webhooks = append(s.webhooks, h)
	return h
}

// Webhooks returns copies of an app's webhooks, in creation order.
func (s *Server) Webhooks(consumerKey string) []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Webhook
	for _, h := range s.webhooks {
		if h.ConsumerKey == consumerKey {
			cp := *h
			cp.Subscribed = append([]string(nil), h.Subscribed...)
			out = append(out, cp)
		}
	}
	return out
}

// SetWebhookValid marks a webhook valid or not, as X does after CRCs.
func (s *Server) SetWebhookValid(id string, valid bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.webhook(id, ""); h != nil {
		h.Valid = valid
	}
}

// Subscribe subscribes a user to a webhook directly.
func (s *Server) Subscribe(webhookID, userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.webhook(webhookID, ""); h != nil && !contains(h.Subscribed, userID) {
		h.Subscribed = append(h.Subscribed, userID)
	}
}

// webhook finds a webhook by ID (of the app, when consumerKey is set); s.mu
// is held.
func (s *Server) webhook(id, consumerKey string) *Webhook {
	for _, h := range s.webhooks {
		if h.ID == id && (consumerKey == "" || h.ConsumerKey == consumerKey) {
			return h
		}
	}
	return nil
}

// config is a webhook as X answers it.
func config(h *Webhook) map[string]any {
	return map[string]any{"id": h.ID, "url": h.URL, "valid": h.Valid, "created_at": h.CreatedAt.Format("2006-01-02T15:04:05.000Z")}
}

// listWebhooks is GET /2/webhooks.
func (s *Server) listWebhooks(c caller, w responseWriter) {
	s.mu.Lock()
	data := []map[string]any{}
	for _, h := range s.webhooks {
		if h.ConsumerKey == c.app.ConsumerKey {
			data = append(data, config(h))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "meta": map[string]int{"result_count": len(data)}})
}

// createWebhook is POST /2/webhooks {"url": ...}: X checks the URL, its
// duplicates and the app's limit, runs a CRC and only then creates it.
func (s *Server) createWebhook(c caller, w responseWriter, r *http.Request, body []byte) {
	var req struct {
		URL string `json:"url"`
	}
	if json.Unmarshal(body, &req) != nil || req.URL == "" {
		writeInvalid(w, "$.url: is missing but it is required")
		return
	}
	if reason := checkWebhookURL(req.URL); reason != "" {
		writeInvalid(w, "UrlValidationFailed: "+reason)
		return
	}
	s.mu.Lock()
	n, crc := 0, s.crc
	for _, h := range s.webhooks {
		if h.ConsumerKey != c.app.ConsumerKey {
			continue
		}
		n++
		if h.URL == req.URL {
			s.mu.Unlock()
			writeInvalid(w, "DuplicateUrlFailed: A webhook with this url already exists for this application.")
			return
		}
	}
	limit := c.app.WebhookLimit
	s.mu.Unlock()
	if n >= limit {
		writeInvalid(w, "WebhookLimitExceeded: Too many webhooks. You may only have "+strconv.Itoa(limit)+" webhooks per application.")
		return
	}
	if crc != nil && !crc(req.URL) {
		writeInvalid(w, "CrcValidationFailed: Failed to validate the webhook URL with a challenge response check.")
		return
	}
	s.mu.Lock()
	h := s.addWebhook(c.app.ConsumerKey, req.URL, true)
	out := config(h)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

// deleteWebhook is DELETE /2/webhooks/:id; its subscriptions go with it.
func (s *Server) deleteWebhook(c caller, w responseWriter, id string) {
	s.mu.Lock()
	for i, h := range s.webhooks {
		if h.ID == id && h.ConsumerKey == c.app.ConsumerKey {
			s.webhooks = append(s.webhooks[:i], s.webhooks[i+1:]...)
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]any{"data": map[string]bool{"deleted": true}})
			return
		}
	}
	s.mu.Unlock()
	writeInvalid(w, "WebhookIdInvalid: Webhook ID provided is invalid.")
}

// validateWebhook is PUT /2/webhooks/:id: a CRC now, answered as X
// documents it ({"data":{"attempted":true}}).
func (s *Server) validateWebhook(c caller, w responseWriter, id string) {
	s.mu.Lock()
	h := s.webhook(id, c.app.ConsumerKey)
	crc := s.crc
	var target string
	if h != nil {
		target = h.URL
	}
	s.mu.Unlock()
	if h == nil {
		writeInvalid(w, "WebhookIdInvalid: Webhook ID provided is invalid.")
		return
	}
	valid := crc == nil || crc(target)
	s.mu.Lock()
	h.Valid = valid
	s.mu.Unlock()
	if !valid {
		writeInvalid(w, "CrcValidationFailed: Failed to validate the webhook URL with a challenge response check.")
		return
	}
	// X's answer says only that the check ran; the webhook's validity is in
	// GET /2/webhooks.
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]bool{"attempted": true}})
}

// subscribe is POST /2/account_activity/webhooks/:id/subscriptions/all: the
// token's user is subscribed to the app's webhook.
func (s *Server) subscribe(c caller, w responseWriter, id string) {
	s.mu.Lock()
	h := s.webhook(id, c.app.ConsumerKey)
	switch {
	case h == nil:
		s.mu.Unlock()
		writeInvalid(w, "WebhookIdInvalid: Webhook ID provided is invalid.")
		return
	case contains(h.Subscribed, c.account.User.ID):
		s.mu.Unlock()
		writeInvalid(w, "DuplicateSubscriptionFailed: Subscription already exists")
		return
	}
	h.Subscribed = append(h.Subscribed, c.account.User.ID)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]bool{"subscribed": true}})
}

// subscription is GET /2/account_activity/webhooks/:id/subscriptions/all.
func (s *Server) subscription(c caller, w responseWriter, id string) {
	s.mu.Lock()
	h := s.webhook(id, c.app.ConsumerKey)
	sub := h != nil && contains(h.Subscribed, c.account.User.ID)
	s.mu.Unlock()
	if h == nil {
		writeInvalid(w, "WebhookIdInvalid: Webhook ID provided is invalid.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]bool{"subscribed": sub}})
}

// checkWebhookURL is X's rule for webhook URLs: https, a public host, no
// port, 1 to 200 characters. It returns why a URL fails, or "".
func checkWebhookURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case len(raw) > 200:
		return "The URL is longer than 200 characters."
	case err != nil || u.Host == "":
		return "The URL is not valid."
	case u.Scheme != "https":
		return "The URL must use https."
	case u.Port() != "":
		return "The URL may not specify a port."
	case u.Hostname() == "localhost" || strings.HasPrefix(u.Hostname(), "127."):
		return "The URL must be publicly reachable."
	}
	return ""
}

// contains reports whether ss has s.
func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
