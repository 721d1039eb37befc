package inbox

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard/switchboard/core/accounts"
	"github.com/switchboard/switchboard/core/events"
	"github.com/switchboard/switchboard/core/media"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/registry"
)

// Options configure the inbox.
type Options struct {
	Accounts *accounts.Service
	Registry *registry.Registry
	Bus      events.Bus
	// HTTP calls providers (sending, media).
	HTTP *http.Client
	Log  *slog.Logger
	// ReopenWindow: a message within this time after a conversation closed
	// reopens it; later ones start a new conversation (default 24h).
	ReopenWindow time.Duration
	// MaxBatch bounds how many webhooks share one transaction (default 256).
	MaxBatch int
	// MaxAttempts bounds deliveries of a reply before it is FAILED (default 10).
	MaxAttempts int
	// RetryBase is the first retry's backoff, doubled per attempt (default 1s).
	RetryBase time.Duration
	// Workers deliver replies of different conversations in parallel (default 8).
	Workers int
	// AdmitWebhook, when set, is asked before an authentic webhook of an
	// account is stored; false (with how long to wait) answers 429.
	AdmitWebhook func(accountID int) (ok bool, retryAfter time.Duration)
	// Media keeps downloaded and uploaded media.
	Media *media.Store
	// MediaAttempts bounds downloads of one inbound attachment; after that many
	// failures it is FAILED with the last reason (default 8).
	MediaAttempts int
	// MediaRetryBase is the wait after a media download's first failure, doubled
	// per attempt with jitter (default 1s: the default attempts span one to two minutes).
	MediaRetryBase time.Duration
}

// Service is the message path.
type Service struct {
	client   *ent.Client
	accounts *accounts.Service
	reg      *registry.Registry
	bus      events.Bus
	http     *http.Client
	log      *slog.Logger
	opts     Options
	now      func() time.Time

	media    *media.Store
	resolved resolveCache
	// cache belongs to the writer goroutine.
	cache     writeCache
	mediaWake chan struct{}

	jobs chan *job
	acks chan ack
	// health throttles the accounts' traffic times.
	health healthMarks
	// asked throttles profile lookups per customer, so a chatty customer
	// costs no lookup per message.
	asked throttle[contactKey]
	// windows are the accounts' reply windows: an account's type and gateway
	// never change, so neither does its window.
	windows sync.Map // account ID -> time.Duration
	// profiles are customers to look up with their messenger.
	profiles chan profileAsk
	stopped  chan struct{}
	wake     chan struct{}
	wg       sync.WaitGroup
}

// New returns the inbox; Run starts its writer and dispatcher.
func New(client *ent.Client, opts Options) *Service {
	if opts.ReopenWindow <= 0 {
		opts.ReopenWindow = 24 * time.Hour
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 10
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = time.Second
	}
	if opts.MediaAttempts <= 0 {
		opts.MediaAttempts = 8
	}
	if opts.MediaRetryBase <= 0 {
		opts.MediaRetryBase = time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	s := &Service{
		client: client, accounts: opts.Accounts, reg: opts.Registry, bus: opts.Bus, http: opts.HTTP,
		log: opts.Log, opts: opts, now: time.Now,
		media: opts.Media, mediaWake: make(chan struct{}, 1), resolved: resolveCache{max: 4096},
		jobs: make(chan *job), acks: make(chan ack, maxPendingAcks), profiles: make(chan profileAsk, maxPendingAcks), stopped: make(chan struct{}), wake: make(chan struct{}, 1),
	}
	s.health.inbound.every, s.health.sent.every = healthEvery, healthEvery
	s.asked.every = profileRefresh
	return s
}

// Run starts the group-commit writer and the outbox dispatcher until ctx ends;
// Wait returns once both have stopped.
func (s *Service) Run(ctx context.Context) {
	s.wg.Add(5)
	go func() {
		defer s.wg.Done()
		s.runAcknowledger(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.runProfiles(ctx)
	}()
	go func() {
		defer s.wg.Done()
		defer close(s.stopped)
		s.runWriter(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.runDispatcher(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.runMediaWorker(ctx)
	}()
}

// Wait blocks until the goroutines Run began have stopped.
func (s *Service) Wait() { s.wg.Wait() }

// env is what provider calls get.
func (s *Service) env() providers.Env { return providers.Env{HTTP: s.http, Now: s.now} }

// Wake tells the dispatcher that replies are waiting.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
