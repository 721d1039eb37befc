package telegramtest

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// WebhookConfig is what the last accepted setWebhook asked for.
type WebhookConfig struct {
	// URL is "" when no webhook is set, or it was deleted.
	URL string
	// SecretToken is what Telegram sends back in SecretHeader with every update.
	SecretToken    string
	AllowedUpdates []string
	MaxConnections int
	// ContentType is the Content-Type of the setWebhook call.
	ContentType string
}

// WebhookStatus is what getWebhookInfo reports about deliveries, which the
// fake does not make itself: set it to what a test needs.
type WebhookStatus struct {
	PendingUpdateCount int
	// LastErrorDate and LastErrorMessage describe the last failed delivery
	// (zero when none failed).
	LastErrorDate    time.Time
	LastErrorMessage string
}

// Webhook is the configuration of the last accepted setWebhook.
func (a *API) Webhook() WebhookConfig {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.webhook
	w.AllowedUpdates = slices.Clone(w.AllowedUpdates)
	return w
}

// SetWebhookStatus replaces what getWebhookInfo reports about deliveries.
func (a *API) SetWebhookStatus(s WebhookStatus) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.status = s
}

// AllowHTTPWebhooks makes setWebhook accept http:// URLs on any port, which
// Telegram refuses (it wants https on port 443, 80, 88 or 8443): the load tool
// serves Switchboard on plain loopback.
func (a *API) AllowHTTPWebhooks(allow bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.plainHTTP = allow
}

// described is a successful answer that also carries a description, as
// setWebhook's does.
type described struct {
	result      any
	description string
}

// secretShape is what setWebhook accepts as secret_token.
var secretShape = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// webhookPorts are the ports Telegram delivers webhooks to.
var webhookPorts = map[string]bool{"": true, "443": true, "80": true, "88": true, "8443": true}

// setWebhook is https://core.telegram.org/bots/api#setwebhook.
func (a *API) setWebhook(req *Request) (any, *apiError) {
	p := req.Params
	if p["url"] == "" {
		return a.deleteWebhook(req)
	}
	u, err := url.Parse(p["url"])
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, &apiError{400, "Bad Request: bad webhook: invalid webhook URL specified"}
	}
	a.mu.Lock()
	plain := a.plainHTTP
	a.mu.Unlock()
	switch {
	case !plain && u.Scheme != "https":
		return nil, &apiError{400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"}
	case !plain && !webhookPorts[u.Port()]:
		return nil, &apiError{400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"}
	}
	secret, hasSecret := p["secret_token"]
	if hasSecret && !secretShape.MatchString(secret) {
		return nil, &apiError{400, "Bad Request: secret token contains unallowed characters"}
	}
	var allowed []string
	if s := p["allowed_updates"]; s != "" {
		if err := json.Unmarshal([]byte(s), &allowed); err != nil {
			return nil, &apiError{400, "Bad Request: can't parse allowed updates"}
		}
	}
	maxConn := 40
	if s := p["max_connections"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return nil, &apiError{400, "Bad Request: invalid max_connections specified"}
		}
		maxConn = n
	}
	a.mu.Lock()
	a.webhook = WebhookConfig{URL: p["url"], SecretToken: secret, AllowedUpdates: allowed, MaxConnections: maxConn, ContentType: req.ContentType}
	if dropPending(p) {
		a.status.PendingUpdateCount = 0
	}
	a.mu.Unlock()
	return described{true, "Webhook was set"}, nil
}

// deleteWebhook is https://core.telegram.org/bots/api#deletewebhook.
func (a *API) deleteWebhook(req *Request) (any, *apiError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	had := a.webhook.URL != ""
	a.webhook = WebhookConfig{}
	if dropPending(req.Params) {
		a.status.PendingUpdateCount = 0
	}
	if !had {
		return described{true, "Webhook is already deleted"}, nil
	}
	return described{true, "Webhook was deleted"}, nil
}

func dropPending(p map[string]string) bool {
	b, _ := strconv.ParseBool(p["drop_pending_updates"])
	return b
}

// webhookInfo is the Bot API's WebhookInfo object.
type webhookInfo struct {
	URL                  string   `json:"url"`
	HasCustomCertificate bool     `json:"has_custom_certificate"`
	PendingUpdateCount   int      `json:"pending_update_count"`
	LastErrorDate        int64    `json:"last_error_date,omitempty"`
	LastErrorMessage     string   `json:"last_error_message,omitempty"`
	MaxConnections       int      `json:"max_connections,omitempty"`
	AllowedUpdates       []string `json:"allowed_updates,omitempty"`
}

func (a *API) webhookInfo() webhookInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	info := webhookInfo{URL: a.webhook.URL, PendingUpdateCount: a.status.PendingUpdateCount, LastErrorMessage: a.status.LastErrorMessage}
	if !a.status.LastErrorDate.IsZero() {
		info.LastErrorDate = a.status.LastErrorDate.Unix()
	}
	if a.webhook.URL != "" {
		info.MaxConnections = a.webhook.MaxConnections
		info.AllowedUpdates = slices.Clone(a.webhook.AllowedUpdates)
	}
	return info
}
