package server

import "time"

// Config is every setting of a running server. cmd/switchboard fills it from flags
// and SWITCHBOARD_* variables; Defaults gives the documented defaults.
type Config struct {
	// Addr is the listen address (SWITCHBOARD_ADDR, --addr).
	Addr string
	// DataDir holds the SQLite database, the media copies and the secret key file.
	DataDir string
	// DatabaseURL, when set (postgres://…), keeps the data in PostgreSQL
	// instead of SQLite in DataDir.
	DatabaseURL string
	// NATSURL, when set (nats://…), joins this instance to a cluster: several
	// instances on one PostgreSQL (DatabaseURL) share events, work and news
	// over NATS, and one of them at a time does the run-once work. Without
	// it, an instance is alone and refuses to start beside another.
	NATSURL string
	// PublicURL is how messengers reach this server; webhook URLs and the
	// public links to agents' uploads start with it.
	PublicURL string
	// MediaLinkTTL is how long a public link to an agent's upload works
	// (0: core/media's DefaultLinkTTL, 6 hours). Messengers that take media
	// by URL fetch it from there, some only when they deliver the message.
	MediaLinkTTL time.Duration
	// AllowedOrigins are the browser origins (host patterns, as coder/websocket
	// takes them) allowed to open websockets; same-origin is always allowed.
	AllowedOrigins []string
	// AllowPrivateURLs lets tenant-given URLs reach private networks and use plain
	// http: for tests and local sandboxes only.
	AllowPrivateURLs bool
	// SecretKey, when set, is the AES-256 key (or comma-separated keys, newest
	// first) for secrets at rest; otherwise a key file beside the database is used.
	SecretKey string
	// Synchronous is SQLite's synchronous pragma (FULL or NORMAL).
	Synchronous string
	// Migrated skips migrating the SQLite database: it is a copy of one this
	// same build migrated (tests copy a migrated template per test).
	Migrated bool
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes int64
	// MaxDepth and MaxComplexity bound a GraphQL operation.
	MaxDepth, MaxComplexity int
	// RateLimit is requests per second per token (or per client address when
	// anonymous), with bursts up to RateBurst. Zero disables the limit.
	RateLimit float64
	RateBurst int
	// SessionTTL is how long a login session lasts.
	SessionTTL time.Duration
	// TelegramAPIURL is the Telegram Bot API base URL.
	TelegramAPIURL string
	// ProviderAPIURLs are other messengers' API base URLs by settings key
	// ("viber", "line"); a messenger missing here uses its production URL.
	ProviderAPIURLs map[string]string
	// ProviderTimeout bounds one call to a messenger's API.
	ProviderTimeout time.Duration
	// KeepAlive is the interval of websocket keep-alive messages and pings.
	KeepAlive time.Duration
	// EventTail is how many recent events per tenant live subscribers are
	// served from memory (0: the inbox's default, 4096); a subscriber that
	// falls further behind is cut off and resumes from its cursor.
	EventTail int
	// ReopenWindow: a customer's message within this time after a conversation
	// closed reopens it; later ones start a new conversation.
	ReopenWindow time.Duration
	// EventRetention is how long the event log behind subscriptions keeps an
	// event (0: for ever); WebhookRetention how long a processed webhook's
	// raw body is kept (0: for ever). Conversations and messages are kept.
	EventRetention   time.Duration
	WebhookRetention time.Duration
	// DeliveryGrace is how long replies being sent may go on when the server
	// stops (default 5s in core/inbox).
	DeliveryGrace time.Duration
	// OfflineGrace is how long an agent may have no open websocket before it
	// is set OFFLINE (and offered nothing).
	OfflineGrace time.Duration
	// LeaseCheck is how often an instance of a cluster checks that it still
	// holds the run-once lease, and one without it asks for it (default 1s).
	LeaseCheck time.Duration
	// RetryBase is the first backoff of a failed reply delivery or inbound media
	// download, doubled per attempt.
	RetryBase time.Duration
	// WebhookRateLimit is authentic webhooks per second one account may have
	// stored, with bursts up to WebhookRateBurst; beyond it they are answered
	// 429 with Retry-After and the provider sends them again. Zero disables it.
	WebhookRateLimit float64
	WebhookRateBurst int
	// MaxWebhookBytes bounds a webhook body.
	MaxWebhookBytes int64
	// BcryptCost is the password hashing cost; only tests lower it.
	BcryptCost int
	// GCMinHeap is the heap size in bytes below which the garbage collector
	// does not start a collection (see keepHeapFloor); 0 leaves GOGC alone,
	// as does a GOGC variable. It is the process's setting.
	GCMinHeap int64
	// Now is the message path's clock (nil: the wall clock); only tests set
	// it, to reach expiries and deadlines without waiting for them.
	Now func() time.Time
}

// Defaults returns the configuration a fresh `switchboard serve` uses.
func Defaults() Config {
	return Config{
		Addr:             ":8080",
		DataDir:          "./data",
		PublicURL:        "http://localhost:8080",
		Synchronous:      "FULL",
		MaxBodyBytes:     1 << 20,
		MaxDepth:         12,
		MaxComplexity:    1000,
		RateLimit:        50,
		RateBurst:        100,
		SessionTTL:       12 * time.Hour,
		TelegramAPIURL:   "https://api.telegram.org",
		ProviderTimeout:  15 * time.Second,
		KeepAlive:        15 * time.Second,
		ReopenWindow:     24 * time.Hour,
		OfflineGrace:     time.Minute,
		EventRetention:   30 * 24 * time.Hour,
		WebhookRetention: 7 * 24 * time.Hour,
		LeaseCheck:       time.Second,
		RetryBase:        time.Second,
		MaxWebhookBytes:  10 << 20,
		WebhookRateLimit: 500,
		WebhookRateBurst: 1000,
		GCMinHeap:        64 << 20,
	}
}
