package twiliotest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// SignatureHeader carries the signature of every webhook Twilio sends.
const SignatureHeader = "X-Twilio-Signature"

// Sign is Twilio's webhook signature
// (https://www.twilio.com/docs/usage/webhooks/webhooks-security): the base64
// HMAC-SHA1, keyed with the Auth Token, of the full URL Twilio called followed,
// for a form POST, by every parameter's name and value, sorted by name (the
// values of a repeated name de-duplicated and sorted, as Twilio's SDKs do). form
// is nil for a GET or a JSON body, whose URL carries bodySHA256 instead.
func Sign(authToken, rawURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(rawURL)
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vals := slices.Clone(form[k])
		slices.Sort(vals)
		for _, v := range slices.Compact(vals) {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// BodySHA256 is the bodySHA256 query parameter Twilio adds to the URL of a
// webhook with a JSON body: the lowercase hex SHA-256 of the body.
func BodySHA256(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// NewWebhookRequest builds the POST Twilio makes to a webhook: form encoded as
// the body, signed with authToken over rawURL.
func NewWebhookRequest(ctx context.Context, rawURL, authToken string, form url.Values) (*http.Request, error) {
	return NewWebhookRequestVia(ctx, rawURL, rawURL, authToken, form)
}

// NewWebhookRequestVia builds the POST Twilio makes to publicURL, the URL
// configured in Twilio and signed, but sends it to target, as a reverse proxy
// in front of the server would: end-to-end tests serve on a local address
// behind a public URL nobody resolves.
func NewWebhookRequestVia(ctx context.Context, target, publicURL, authToken string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("twiliotest: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set(SignatureHeader, Sign(authToken, publicURL, form))
	return req, nil
}

// ForwardWebhooks makes the webhooks the fake builds (Inbound, StatusCallback)
// for URLs starting with publicBase go to target instead, path and query kept,
// still signed over the public URL. Pass "" to stop forwarding.
func (a *API) ForwardWebhooks(publicBase, target string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.forwardFrom, a.forwardTo = strings.TrimRight(publicBase, "/"), strings.TrimRight(target, "/")
}

// webhookRequest builds a signed webhook to publicURL, forwarded as
// ForwardWebhooks says.
func (a *API) webhookRequest(ctx context.Context, publicURL string, form url.Values) (*http.Request, error) {
	a.mu.Lock()
	target := publicURL
	if a.forwardFrom != "" {
		if rest, ok := strings.CutPrefix(publicURL, a.forwardFrom); ok && (rest == "" || strings.ContainsAny(rest[:1], "/?")) {
			target = a.forwardTo + rest
		}
	}
	a.mu.Unlock()
	return NewWebhookRequestVia(ctx, target, publicURL, a.token, form)
}

// Inbound builds the signed webhook Twilio posts to webhookURL (the sender's
// incoming-message URL) for m. Fields m leaves empty are filled as Twilio
// would: the account's SID, a fresh MessageSID ("MM..." with media), the
// Sandbox number as To.
func (a *API) Inbound(ctx context.Context, webhookURL string, m Inbound) (*http.Request, error) {
	a.mu.Lock()
	if m.AccountSID == "" {
		m.AccountSID = a.sid
	}
	if m.MessageSID == "" {
		prefix := "SM"
		if len(m.Media) > 0 {
			prefix = "MM"
		}
		m.MessageSID = a.nextSID(prefix)
	}
	a.mu.Unlock()
	if m.To == "" {
		m.To = SandboxNumber
	}
	return a.webhookRequest(ctx, webhookURL, m.Form())
}

// Media is one attachment of an inbound message.
type Media struct {
	URL         string
	ContentType string
}

// Inbound is an incoming WhatsApp message as Twilio posts it to the sender's
// webhook (https://www.twilio.com/docs/messaging/guides/webhook-request).
// Numbers are E.164 ("+14155551234"); Form adds the "whatsapp:" prefix.
type Inbound struct {
	AccountSID string
	// MessageSID is the message's SID ("SM..." or "MM...").
	MessageSID string
	// From is the customer, To the account's WhatsApp sender.
	From, To    string
	Body        string
	ProfileName string
	Media       []Media
	// Latitude and Longitude, when both set, share a place, with its
	// Address and Label.
	Latitude, Longitude *float64
	Address, Label      string
	// ButtonText and ButtonPayload are a quick-reply button's.
	ButtonText, ButtonPayload string
	// OriginalRepliedMessageSID is the message the customer replied to.
	OriginalRepliedMessageSID string
	// MessageType overrides the type Form derives ("text", "image", ...).
	MessageType string
}

// Form is the message's parameters, as Twilio sends them.
func (m Inbound) Form() url.Values {
	f := url.Values{}
	f.Set("AccountSid", m.AccountSID)
	f.Set("ApiVersion", APIVersion)
	f.Set("MessageSid", m.MessageSID)
	f.Set("SmsMessageSid", m.MessageSID)
	f.Set("SmsSid", m.MessageSID)
	f.Set("SmsStatus", "received")
	f.Set("From", "whatsapp:"+m.From)
	f.Set("To", "whatsapp:"+m.To)
	f.Set("WaId", strings.TrimPrefix(m.From, "+"))
	f.Set("ProfileName", m.ProfileName)
	f.Set("Body", m.Body)
	f.Set("NumMedia", strconv.Itoa(len(m.Media)))
	f.Set("NumSegments", "1")
	f.Set("ReferralNumMedia", "0")
	for i, md := range m.Media {
		f.Set("MediaUrl"+strconv.Itoa(i), md.URL)
		f.Set("MediaContentType"+strconv.Itoa(i), md.ContentType)
	}
	if m.Latitude != nil && m.Longitude != nil {
		f.Set("Latitude", strconv.FormatFloat(*m.Latitude, 'f', -1, 64))
		f.Set("Longitude", strconv.FormatFloat(*m.Longitude, 'f', -1, 64))
		if m.Address != "" {
			f.Set("Address", m.Address)
		}
		if m.Label != "" {
			f.Set("Label", m.Label)
		}
	}
	if m.ButtonText != "" || m.ButtonPayload != "" {
		f.Set("ButtonText", m.ButtonText)
		f.Set("ButtonPayload", m.ButtonPayload)
	}
	if m.OriginalRepliedMessageSID != "" {
		f.Set("OriginalRepliedMessageSender", "whatsapp:"+m.To)
		f.Set("OriginalRepliedMessageSid", m.OriginalRepliedMessageSID)
	}
	f.Set("MessageType", m.messageType())
	return f
}

func (m Inbound) messageType() string {
	switch {
	case m.MessageType != "":
		return m.MessageType
	case m.ButtonText != "" || m.ButtonPayload != "":
		return "button"
	case m.Latitude != nil:
		return "location"
	case len(m.Media) > 0:
		t, _, _ := strings.Cut(m.Media[0].ContentType, "/")
		switch t {
		case "image", "video", "audio":
			return t
		}
		return "document"
	}
	return "text"
}

// StatusUpdate is a status callback about a message the account sent, as
// Twilio posts it to the message's StatusCallback URL.
type StatusUpdate struct {
	AccountSID string
	MessageSID string
	// From is the account's WhatsApp sender, To the customer (E.164).
	From, To string
	// Status is queued, sent, delivered, read, failed or undelivered.
	Status string
	// ErrorCode is why a failed or undelivered message failed.
	ErrorCode int
}

// Form is the callback's parameters, as Twilio sends them for WhatsApp:
// delivered and read carry EventType, failures ErrorCode.
func (s StatusUpdate) Form() url.Values {
	f := url.Values{}
	f.Set("AccountSid", s.AccountSID)
	f.Set("ApiVersion", APIVersion)
	f.Set("ChannelPrefix", "whatsapp")
	f.Set("ChannelToAddress", s.To)
	f.Set("From", "whatsapp:"+s.From)
	f.Set("To", "whatsapp:"+s.To)
	f.Set("MessageSid", s.MessageSID)
	f.Set("SmsSid", s.MessageSID)
	f.Set("MessageStatus", s.Status)
	f.Set("SmsStatus", s.Status)
	switch s.Status {
	case "delivered", "read":
		f.Set("EventType", strings.ToUpper(s.Status))
	}
	if s.ErrorCode != 0 {
		f.Set("ErrorCode", strconv.Itoa(s.ErrorCode))
	}
	return f
}

// StatusCallback builds the signed status callback Twilio posts about the
// accepted message sid when it reaches status, to the StatusCallback URL the
// message was sent with (forwarded as ForwardWebhooks says), and records the
// status. A failed or undelivered status
// carries the message's ErrorCode (63016 after CloseWindow), or 30008 (Twilio's
// "Unknown error") when it has none.
func (a *API) StatusCallback(ctx context.Context, sid, status string) (*http.Request, error) {
	a.mu.Lock()
	var m *Message
	for i := range a.messages {
		if a.messages[i].SID == sid {
			m = &a.messages[i]
		}
	}
	if m == nil {
		a.mu.Unlock()
		return nil, fmt.Errorf("twiliotest: status callback: no message %s", sid)
	}
	m.Status = status
	upd := StatusUpdate{AccountSID: a.sid, MessageSID: sid, From: strings.TrimPrefix(m.From, "whatsapp:"),
		To: strings.TrimPrefix(m.To, "whatsapp:"), Status: status}
	if status == "failed" || status == "undelivered" {
		if m.ErrorCode == 0 {
			m.ErrorCode = 30008
		}
		upd.ErrorCode = m.ErrorCode
	}
	cb := m.StatusCallback
	a.mu.Unlock()
	if cb == "" {
		return nil, errors.New("twiliotest: status callback: message " + sid + " was sent without a StatusCallback")
	}
	return a.webhookRequest(ctx, cb, upd.Form())
}
