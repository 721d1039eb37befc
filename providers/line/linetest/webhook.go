package linetest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Sign computes the x-line-signature LINE sends with body: the Base64
// HMAC-SHA256 of the raw bytes keyed with the channel secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// NewWebhookRequest builds the POST LINE makes to a webhook URL: the JSON
// body signed with the channel secret.
func NewWebhookRequest(ctx context.Context, target, secret string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Line-Signature", Sign(secret, body))
	req.Header.Set("User-Agent", "LineBotWebhook/2.0")
	return req, nil
}

// Body is a webhook body for the bot of the default channel with events in
// order. An empty list is LINE's check that a webhook URL works.
func Body(events ...json.RawMessage) []byte {
	if events == nil {
		events = []json.RawMessage{}
	}
	b, _ := json.Marshal(map[string]any{"destination": BotUserID, "events": events})
	return b
}

// TextEvent is a message event of a user's text in a one-on-one chat, in
// LINE's format. eventID is its webhookEventId, messageID its message.id.
func TextEvent(eventID, userID, messageID, text string, at time.Time) json.RawMessage {
	return event(eventID, userID, at, map[string]any{
		"replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
		"message":    map[string]any{"id": messageID, "type": "text", "quoteToken": "q3Plxr4AgKd...", "text": text},
	}, "message")
}

// ImageEvent is a message event of an image a user sent from LINE, whose
// content the data host serves once SetContent gives it.
func ImageEvent(eventID, userID, messageID string, at time.Time) json.RawMessage {
	return event(eventID, userID, at, map[string]any{
		"replyToken": "7840b71058e24a5d91f9b5726c7512c9",
		"message":    map[string]any{"id": messageID, "type": "image", "quoteToken": "q3Plxr4AgKd...", "contentProvider": map[string]string{"type": "line"}},
	}, "message")
}

// FollowEvent is a user adding (or unblocking) the account.
func FollowEvent(eventID, userID string, at time.Time) json.RawMessage {
	return event(eventID, userID, at, map[string]any{
		"replyToken": "85cbe770fa8b4f45bbe077b1d4be4a36", "follow": map[string]bool{"isUnblocked": false},
	}, "follow")
}

// UnfollowEvent is a user blocking the account.
func UnfollowEvent(eventID, userID string, at time.Time) json.RawMessage {
	return event(eventID, userID, at, nil, "unfollow")
}

// event builds an event from a one-on-one chat with the common properties.
func event(eventID, userID string, at time.Time, fields map[string]any, typ string) json.RawMessage {
	e := map[string]any{
		"type":            typ,
		"mode":            "active",
		"timestamp":       at.UnixMilli(),
		"source":          map[string]string{"type": "user", "userId": userID},
		"webhookEventId":  eventID,
		"deliveryContext": map[string]bool{"isRedelivery": false},
	}
	for k, v := range fields {
		e[k] = v
	}
	b, _ := json.Marshal(e)
	return b
}

// WebhookTestResult is POST /v2/bot/channel/webhook/test's answer: how LINE's
// test webhook went.
type WebhookTestResult struct {
	Success    bool   `json:"success"`
	Timestamp  string `json:"timestamp"`
	StatusCode int    `json:"statusCode"`
	Reason     string `json:"reason"`
	Detail     string `json:"detail"`
}

// SetWebhookTest decides what the test endpoint reports for an endpoint URL.
// By default it reports success without sending anything, since test webhook
// URLs are rarely reachable from a test; Deliver sends real ones.
func (s *Server) SetWebhookTest(f func(endpoint string) WebhookTestResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookTest = f
}

// Deliver returns a webhook test that POSTs LINE's signed connection check
// ({"destination":...,"events":[]}) to the endpoint with hc, within LINE's 2
// seconds, and reports what happened in LINE's words.
func Deliver(hc *http.Client, secret string) func(endpoint string) WebhookTestResult {
	return func(endpoint string) WebhookTestResult {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		res := WebhookTestResult{Timestamp: now()}
		req, err := NewWebhookRequest(ctx, endpoint, secret, Body())
		if err != nil {
			res.Reason, res.Detail = "COULD_NOT_CONNECT", "Failure to connect"
			return res
		}
		resp, err := hc.Do(req)
		var netErr net.Error
		switch {
		case err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout()):
			res.Reason, res.Detail = "REQUEST_TIMEOUT", "Request timeout"
			return res
		case err != nil:
			res.Reason, res.Detail = "COULD_NOT_CONNECT", "Failure to connect"
			return res
		}
		resp.Body.Close()
		res.StatusCode = resp.StatusCode
		if resp.StatusCode == http.StatusOK {
			res.Success, res.Reason, res.Detail = true, "OK", "200"
		} else {
			res.Reason, res.Detail = "ERROR_STATUS_CODE", strconv.Itoa(resp.StatusCode)
		}
		return res
	}
}

// testWebhook is POST /v2/bot/channel/webhook/test.
func (s *Server) testWebhook(ch *Channel, w responseWriter, r *http.Request, body []byte) {
	if !isJSON(w, r) {
		return
	}
	var req struct {
		Endpoint *string `json:"endpoint"`
	}
	if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &req) != nil {
		writeError(w, http.StatusBadRequest, "The request body could not be parsed as JSON (line: -, column: -)")
		return
	}
	s.mu.Lock()
	endpoint, test := ch.WebhookEndpoint, s.webhookTest
	s.mu.Unlock()
	if req.Endpoint != nil {
		if !validWebhookURL(*req.Endpoint) {
			writeError(w, http.StatusBadRequest, "Invalid webhook endpoint URL")
			return
		}
		endpoint = *req.Endpoint
	}
	if endpoint == "" {
		writeError(w, http.StatusNotFound, "Webhook endpoint not found")
		return
	}
	res := WebhookTestResult{Success: true, Timestamp: now(), StatusCode: 200, Reason: "OK", Detail: "200"}
	if test != nil {
		res = test(endpoint)
	}
	writeJSON(w, http.StatusOK, res)
}

// validWebhookURL is LINE's rule for webhook URLs: https, at most 500 characters.
func validWebhookURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https" && u.Host != "" && len(raw) <= 500
}
