package nexmotest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// SignatureHeader carries the JWT of every webhook Vonage sends, as "Bearer
// <token>".
const SignatureHeader = "Authorization"

// PayloadHash is the payload_hash claim of a signed webhook: the lowercase hex
// SHA-256 of the body, as Vonage's own example computes it (js-sha256 over the
// JSON body, vonage-node-code-snippets messages/signed-webhooks).
func PayloadHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// Token is an HS256 JWT of claims under secret, written here without a JWT
// library so that it checks the provider's independently. Tests use it to
// sign claims Vonage would not send.
func Token(secret string, claims map[string]any) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	payload, err := json.Marshal(claims)
	if err != nil {
		panic("nexmotest: claims are not JSON: " + err.Error())
	}
	signing := header + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

// Claims are the claims of Vonage's webhook JWT
// (https://developer.vonage.com/en/messages/concepts/signed-webhooks) for body,
// issued at iat: iat, a fresh jti, iss "Vonage", payload_hash, api_key and,
// when appID is set, application_id.
func Claims(apiKey, appID string, body []byte, iat time.Time) map[string]any {
	c := map[string]any{
		"iat":          iat.Unix(),
		"jti":          newJTI(),
		"iss":          "Vonage",
		"payload_hash": PayloadHash(body),
		"api_key":      apiKey,
	}
	if appID != "" {
		c["application_id"] = appID
	}
	return c
}

// Sign is the JWT Vonage puts in a webhook's Authorization header: Claims
// signed HS256 with the signature secret.
func Sign(secret, apiKey, appID string, body []byte, iat time.Time) string {
	return Token(secret, Claims(apiKey, appID, body, iat))
}

// newJTI is a random UUID, as Vonage's jti are.
func newJTI() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// NewWebhookRequest builds the POST Vonage makes to target with body, signed
// with token ("" for an unsigned webhook, which Vonage sends on internal
// errors).
func NewWebhookRequest(ctx context.Context, target string, body []byte, token string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("nexmotest: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Vonage-Messages/1.0")
	if token != "" {
		req.Header.Set(SignatureHeader, "Bearer "+token)
	}
	return req, nil
}

// ForwardWebhooks makes the webhooks the fake builds (Inbound, StatusWebhook)
// for URLs starting with publicBase go to target instead, path and query kept:
// end-to-end tests serve on a local address behind a public URL nobody
// resolves. Pass "" to stop forwarding.
func (a *API) ForwardWebhooks(publicBase, target string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.forwardFrom, a.forwardTo = strings.TrimRight(publicBase, "/"), strings.TrimRight(target, "/")
}

// SignedRequest builds a webhook of body to publicURL, signed as Vonage signs
// it for this account now, and forwarded as ForwardWebhooks says.
func (a *API) SignedRequest(ctx context.Context, publicURL string, body []byte) (*http.Request, error) {
	a.mu.Lock()
	target := publicURL
	if a.forwardFrom != "" {
		if rest, ok := strings.CutPrefix(publicURL, a.forwardFrom); ok && (rest == "" || strings.ContainsAny(rest[:1], "/?")) {
			target = a.forwardTo + rest
		}
	}
	now := a.now()
	a.mu.Unlock()
	return NewWebhookRequest(ctx, target, body, Sign(a.sigSecret, a.key, a.appID, body, now))
}

// Inbound is a customer's WhatsApp message as the Messages API v1 posts it to
// the application's inbound URL
// (vonage-dotnet-sdk Vonage.Test/Messages/Webhooks/Data/ShouldDeserializeWhatsApp*.json).
// Numbers are digits, as Vonage writes them.
type Inbound struct {
	MessageUUID string
	// From is the customer, To the account's WhatsApp number.
	From, To    string
	ProfileName string
	Timestamp   time.Time
	// Type is the message_type: text, image, audio, video, file, sticker,
	// location, reply, button, order, unsupported...; Body derives it when
	// empty.
	Type string
	Text string
	// MediaURL, MediaName and Caption are a medium's.
	MediaURL, MediaName, Caption string
	// Latitude and Longitude, when both set, share a place with Name and
	// Address.
	Latitude, Longitude *float64
	PlaceName, Address  string
	// ReplyID and ReplyTitle are an interactive button's or list row's.
	ReplyID, ReplyTitle string
	// ButtonText and ButtonPayload are a template quick reply's; the
	// payload is a string or, as Vonage's Java SDK reads it, an object.
	ButtonText    string
	ButtonPayload any
	// ContextUUID and ContextFrom name the message the customer replied to.
	ContextUUID, ContextFrom string
	// ExtraFields are added to the body as they are, to test fields the
	// provider does not know.
	ExtraFields map[string]any
	// OmitChannel and OmitTime leave channel and timestamp out.
	OmitChannel, OmitTime bool
}

// Body is the message's JSON, as Vonage sends it.
func (m Inbound) Body() []byte {
	b := map[string]any{
		"channel":      "whatsapp",
		"message_uuid": m.MessageUUID,
		"to":           m.To,
		"from":         m.From,
		"timestamp":    m.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z"),
		"message_type": m.messageType(),
	}
	if m.OmitChannel {
		delete(b, "channel")
	}
	if m.OmitTime {
		delete(b, "timestamp")
	}
	if m.ProfileName != "" {
		b["profile"] = map[string]any{"name": m.ProfileName}
	}
	if m.ContextUUID != "" {
		b["context_status"] = "available"
		b["context"] = map[string]any{"message_uuid": m.ContextUUID, "message_from": m.ContextFrom}
	}
	switch t := m.messageType(); t {
	case "text":
		b["text"] = m.Text
	case "image", "audio", "video", "file", "sticker":
		md := map[string]any{"url": m.MediaURL}
		if m.MediaName != "" {
			md["name"] = m.MediaName
		}
		if m.Caption != "" {
			md["caption"] = m.Caption
		}
		b[t] = md
	case "location":
		l := map[string]any{}
		if m.Latitude != nil {
			l["lat"] = *m.Latitude
		}
		if m.Longitude != nil {
			l["long"] = *m.Longitude
		}
		if m.PlaceName != "" {
			l["name"] = m.PlaceName
		}
		if m.Address != "" {
			l["address"] = m.Address
		}
		b["location"] = l
	case "reply":
		b["reply"] = map[string]any{"id": m.ReplyID, "title": m.ReplyTitle}
	case "button":
		btn := map[string]any{"text": m.ButtonText, "subtype": "quick_reply"}
		if m.ButtonPayload != nil {
			btn["payload"] = m.ButtonPayload
		}
		b["button"] = btn
	}
	for k, v := range m.ExtraFields {
		b[k] = v
	}
	out, err := json.Marshal(b)
	if err != nil {
		panic("nexmotest: inbound is not JSON: " + err.Error())
	}
	return out
}

func (m Inbound) messageType() string {
	switch {
	case m.Type != "":
		return m.Type
	case m.ButtonText != "" || m.ButtonPayload != nil:
		return "button"
	case m.ReplyID != "" || m.ReplyTitle != "":
		return "reply"
	case m.Latitude != nil || m.Longitude != nil:
		return "location"
	case m.MediaURL != "":
		return "image"
	}
	return "text"
}

// Inbound builds the signed webhook Vonage posts for m to webhookURL, or,
// when it is "", to the application's Messages inbound URL (forwarded as
// ForwardWebhooks says). Fields m leaves empty are filled as Vonage would: a
// fresh message_uuid, the account's number as to, the fake's clock as
// timestamp.
func (a *API) Inbound(ctx context.Context, webhookURL string, m Inbound) (*http.Request, error) {
	a.mu.Lock()
	if m.MessageUUID == "" {
		m.MessageUUID = a.nextUUID()
	}
	if m.To == "" {
		m.To = a.number
	}
	if m.Timestamp.IsZero() {
		m.Timestamp = a.now()
	}
	if webhookURL == "" {
		webhookURL, _ = a.messagesWebhooksLocked()
	}
	a.mu.Unlock()
	if webhookURL == "" {
		return nil, errors.New("nexmotest: inbound: the application has no Messages inbound URL")
	}
	return a.SignedRequest(ctx, webhookURL, m.Body())
}

// StatusUpdate is a status of a message the account sent, as the Messages API
// v1 posts it (vonage-dotnet-sdk ShouldDeserializeStatus-response.json).
type StatusUpdate struct {
	MessageUUID string
	// To is the customer, From the account's WhatsApp number.
	To, From  string
	Timestamp time.Time
	// Status is submitted, delivered, read, rejected or undeliverable.
	Status    string
	ClientRef string
	// Error is why a rejected or undeliverable message failed.
	Error *Reply
}

// Body is the status's JSON, as Vonage sends it.
func (s StatusUpdate) Body() []byte {
	b := map[string]any{
		"message_uuid": s.MessageUUID,
		"to":           s.To,
		"from":         s.From,
		"timestamp":    s.Timestamp.UTC().Format(time.RFC3339),
		"status":       s.Status,
		"channel":      "whatsapp",
	}
	if s.ClientRef != "" {
		b["client_ref"] = s.ClientRef
	}
	if s.Error != nil {
		b["error"] = map[string]any{"type": s.Error.Type, "title": s.Error.Title, "detail": s.Error.Detail,
			"instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf"}
	}
	if s.Status == "delivered" || s.Status == "read" || s.Status == "submitted" {
		b["whatsapp"] = map[string]any{"pricing": map[string]any{"type": "regular", "pricing_model": "CBP", "category": "service"}}
	}
	out, err := json.Marshal(b)
	if err != nil {
		panic("nexmotest: status is not JSON: " + err.Error())
	}
	return out
}

// Rejected is the error of a status the fake reports as rejected or
// undeliverable when the test gives none: the example of Vonage's
// specification (code 1300, "Not part of the provider network";
// Nexmo/api-specification messages-olympus.yml), with the code as title as
// v1 statuses write it (vonage-dotnet-sdk ShouldDeserializeStatus-response.json).
var Rejected = Reply{Type: "https://developer.nexmo.com/api-errors/messages-olympus#1300",
	Title: "1300", Detail: "Not part of the provider network"}

// StatusWebhook builds the signed status webhook Vonage posts about the
// accepted message uuid when it reaches status, to the webhook_url the
// message was sent with, else to the application's Messages status URL
// (forwarded as ForwardWebhooks says), and records the status. A rejected or
// undeliverable status carries errorReply, or Rejected when nil.
func (a *API) StatusWebhook(ctx context.Context, uuid, status string, errorReply *Reply) (*http.Request, error) {
	a.mu.Lock()
	var m *Message
	for i := range a.messages {
		if a.messages[i].UUID == uuid {
			m = &a.messages[i]
		}
	}
	if m == nil {
		a.mu.Unlock()
		return nil, fmt.Errorf("nexmotest: status webhook: no message %s", uuid)
	}
	m.Status = status
	upd := StatusUpdate{MessageUUID: uuid, To: m.To, From: m.From, Timestamp: a.now(), Status: status, ClientRef: m.ClientRef}
	if status == "rejected" || status == "undeliverable" {
		upd.Error = errorReply
		if upd.Error == nil {
			upd.Error = &Rejected
		}
	}
	target := m.WebhookURL
	if target == "" {
		_, target = a.messagesWebhooksLocked()
	}
	a.mu.Unlock()
	if target == "" {
		return nil, errors.New("nexmotest: status webhook: message " + uuid + " named no webhook_url and the application has no status URL")
	}
	return a.SignedRequest(ctx, target, upd.Body())
}
