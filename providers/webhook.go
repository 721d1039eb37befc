package providers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// WebhookRequest is one webhook as received, with the raw body: signatures are
// computed over these exact bytes, never over re-encoded JSON.
type WebhookRequest struct {
	Method string
	// URL is the request URL as received (path and query).
	URL *url.URL
	// PublicURL is the full public URL the provider called (the account's webhook
	// URL plus the query), for schemes that sign the URL (Twilio).
	PublicURL string
	Header    http.Header
	Body      []byte
	// Received is when the request arrived; a provider uses it when its format
	// carries no timestamp.
	Received time.Time
}

// WebhookResponse is what the provider must get back: a handshake's challenge,
// WeChat's "success", TwiML. A nil response means an empty 200.
type WebhookResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// Errors a WebhookReceiver returns, which the ingest handler maps to statuses.
var (
	// ErrUnauthorized: the request is not authentic (missing or wrong signature
	// or token). Answered 401; nothing is stored.
	ErrUnauthorized = errors.New("webhook: not authentic")
	// ErrNotAllowed: a method or handshake the provider does not use. Answered 405.
	ErrNotAllowed = errors.New("webhook: request not allowed")
	// ErrForbidden: a handshake with the wrong verify token (Meta's
	// hub.verify_token). Answered 403, as the provider expects.
	ErrForbidden = errors.New("webhook: wrong verify token")
)

// ParseError means an authentic body could not be understood. The body is kept as
// a failed webhook event for an admin to replay after a fix. The provider gets 200
// (so it does not retry forever) unless ParseWebhook returns a response saying
// otherwise, as the custom contract's 400 does.
type ParseError struct {
	Reason string
	Err    error
}

// Error describes what could not be parsed.
func (e *ParseError) Error() string { return "webhook: cannot parse: " + e.Reason }

// Unwrap exposes the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// Parsef returns a *ParseError with a formatted reason.
func Parsef(format string, args ...any) error {
	return &ParseError{Reason: fmt.Sprintf(format, args...)}
}

// WebhookReceiver turns a messenger's webhooks into normalized events.
type WebhookReceiver interface {
	// VerifyWebhook checks authenticity in constant time (ErrUnauthorized) and
	// handles handshakes: for a GET challenge it returns the answer and
	// handshake=true, and nothing is parsed or stored.
	VerifyWebhook(acct Account, req *WebhookRequest) (resp *WebhookResponse, handshake bool, err error)
	// ParseWebhook parses an authentic request into events, in the provider's
	// order. It returns a *ParseError for bodies it cannot understand. resp is
	// the answer after the events are stored (nil: empty 200).
	ParseWebhook(acct Account, req *WebhookRequest) (events []Event, resp *WebhookResponse, err error)
}

// EventKind is what a normalized event is.
type EventKind string

// The kinds of normalized events.
const (
	EventMessage     EventKind = "MESSAGE"      // a new message from the customer
	EventEdited      EventKind = "EDITED"       // the customer edited a message (RefMessageIDs)
	EventPostback    EventKind = "POSTBACK"     // a button or quick-reply press (Payload)
	EventDelivered   EventKind = "DELIVERED"    // our messages RefMessageIDs reached the customer
	EventRead        EventKind = "READ"         // the customer read our messages RefMessageIDs (or all up to Timestamp)
	EventSubscribed  EventKind = "SUBSCRIBED"   // the customer (re)started or unblocked the bot
	EventUnsubscribe EventKind = "UNSUBSCRIBED" // the customer left or blocked the bot
	EventFailed      EventKind = "FAILED"       // our messages RefMessageIDs were accepted but could not be delivered (Reason)
)

// AttachmentType is the kind of media in a message.
type AttachmentType string

// The kinds of media.
const (
	AttachmentImage   AttachmentType = "IMAGE"
	AttachmentVideo   AttachmentType = "VIDEO"
	AttachmentAudio   AttachmentType = "AUDIO"
	AttachmentVoice   AttachmentType = "VOICE"
	AttachmentFile    AttachmentType = "FILE"
	AttachmentSticker AttachmentType = "STICKER"
)

// Attachment is media in a message: the provider's file ID (fetched later with
// the account's credentials) or a URL.
type Attachment struct {
	Type     AttachmentType `json:"type"`
	FileID   string         `json:"fileId,omitempty"`
	URL      string         `json:"url,omitempty"`
	MimeType string         `json:"mimeType,omitempty"`
	FileName string         `json:"fileName,omitempty"`
	Size     int64          `json:"size,omitempty"`
}

// Location is a shared place.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Title     string  `json:"title,omitempty"`
}

// ContactCard is a shared contact.
type ContactCard struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
}

// Event is one normalized thing that happened on a messenger.
type Event struct {
	Kind EventKind
	// DedupKey identifies this event within the account across the provider's
	// retries (Telegram: the update_id). Storage is unique on it.
	DedupKey string
	// MessageID is the provider's ID of the message (for MESSAGE, EDITED, POSTBACK).
	MessageID string
	// RefMessageIDs are the provider IDs of the messages a receipt or edit is about.
	RefMessageIDs []string
	// SenderID is the customer's provider user ID; SenderName their display name.
	SenderID   string
	SenderName string
	// SenderLanguage is the customer's language when the messenger tells it
	// (Telegram's language_code, Viber's sender.language): an IETF tag.
	SenderLanguage string
	// ChatID is where replies go when it differs from SenderID (Telegram chat.id).
	ChatID      string
	Timestamp   time.Time
	Text        string
	Attachments []Attachment
	Location    *Location
	Contact     *ContactCard
	// Payload is a button's or postback's data.
	Payload string
	// GroupID ties messages sent together (a Telegram album's media_group_id).
	GroupID string
	// Reason is why our message failed (FAILED), in the messenger's words,
	// safe to show an agent.
	Reason string
}

// OutboundMessage is an agent's reply to deliver.
type OutboundMessage struct {
	// To is the chat or user to deliver to (the contact's ChatID or SenderID).
	To          string
	Text        string
	Attachments []OutboundAttachment
	// ID is Switchboard's message ID, for providers that echo a client reference.
	ID string
}

// OutboundAttachment is media to send: a URL the provider fetches, or bytes we upload.
type OutboundAttachment struct {
	Type     AttachmentType
	URL      string
	Data     []byte
	FileName string
	MimeType string
}

// SendResult is what the provider reported for a delivered reply.
type SendResult struct {
	// MessageIDs are the provider's IDs; several when a long text was split.
	MessageIDs []string
}

// SendError is a failed delivery. Retryable failures (timeouts, 429, 5xx) are tried
// again, after RetryAfter when the provider said so; permanent ones (bad token,
// bot blocked) mark the message FAILED with Reason. Credentials failures also
// mark the account's health failing; a refusal about one customer or message
// does not.
type SendError struct {
	Retryable  bool
	RetryAfter time.Duration
	// Credentials means the messenger refused the account's credentials, not
	// this message or its customer: a revoked or wrong token, an expired app
	// secret or API key, credentials without the access the call needs, or an
	// account that has none. Every reply will fail until an admin fixes them,
	// so the core marks the account's health failing. It is independent of
	// Retryable: WeChat's refusal of a token it just issued is tried again, and
	// is still about the credentials.
	Credentials bool
	// Reason is the provider's explanation, safe to show (no credentials).
	Reason string
	Err    error
}

// Error gives the reason.
func (e *SendError) Error() string { return "send: " + e.Reason }

// Unwrap exposes the cause.
func (e *SendError) Unwrap() error { return e.Err }

// Sender delivers agents' replies.
type Sender interface {
	Send(ctx context.Context, env Env, acct Account, msg OutboundMessage) (SendResult, error)
}

// IdempotentSender is a Sender whose messenger drops a second send of the
// same reply (OutboundMessage.ID, e.g. LINE's X-Line-Retry-Key, the custom
// messenger's Idempotency-Key). A reply that was in flight when a server
// died is sent again only through such a messenger; through any other it
// may have reached the customer already, so it is marked FAILED for an agent
// to decide, never sent twice behind their back.
type IdempotentSender interface {
	Sender
	IdempotentSends()
}

// Media is a downloaded file.
type Media struct {
	Data     []byte
	MimeType string
	FileName string
}

// MediaFetcher downloads inbound media by the provider's file ID or URL with the
// account's credentials (Telegram getFile).
type MediaFetcher interface {
	FetchMedia(ctx context.Context, env Env, acct Account, att Attachment) (Media, error)
}

// EventAcknowledger tells the messenger that an event was received where its
// API asks for more than the webhook's 200: Telegram's answerCallbackQuery
// stops the spinner on the customer's button. The core calls it after the
// event is stored, in the background, at most once per delivery; a failure is
// logged, not retried.
type EventAcknowledger interface {
	Acknowledge(ctx context.Context, env Env, acct Account, ev Event) error
}

// ReplyWindow is implemented by messengers that accept free-form replies
// only for a while after the customer last wrote (WhatsApp and Messenger 24
// hours, WeChat 48), so the core can show when the window closes and refuse a
// reply outside it at once instead of failing later at the messenger.
type ReplyWindow interface {
	ReplyWindow() time.Duration
}

// Profile is who a customer is, as their messenger tells it.
type Profile struct {
	DisplayName string
	PictureURL  string
	// Language is the customer's language when the profile tells it (LINE).
	Language string
}

// ErrNoProfile means the messenger has no profile to give for this user (not
// a friend, no consent, unknown); asking again later may help, retrying now
// will not.
var ErrNoProfile = errors.New("providers: no profile for this user")

// ProfileFetcher asks the messenger who a customer is, for messengers whose
// webhooks carry only an ID (LINE, Facebook, Viber without details). The core
// calls it in the background for new contacts and again a day later, so
// agents see who they talk to. chatID is the event's ChatID (a group or room)
// or empty.
type ProfileFetcher interface {
	FetchProfile(ctx context.Context, env Env, acct Account, chatID, userID string) (Profile, error)
}

// SharedWebhookRouter is implemented by messengers whose one app serves several
// accounts from one callback URL (a Facebook app with several Pages, a
// WhatsApp app with several numbers). Such a messenger may send a body about
// several accounts to its shared address (/webhooks/facebook); the core hands
// it to each account it names, whose parser keeps its own part.
type SharedWebhookRouter interface {
	// RouteKeys are the account keys a body is about (Page IDs, phone number
	// IDs), or a *ParseError for a body it cannot read.
	RouteKeys(body []byte) ([]string, error)
	// RouteKey is an account's key.
	RouteKey(acct Account) string
}
