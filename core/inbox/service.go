package inbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/accounts"
	"github.com/switchboard/switchboard/core/media"
	"github.com/switchboard/switchboard/core/sysmsg"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/registry"
)

// Options configure the inbox.
type Options struct {
	Accounts *accounts.Service
	Registry *registry.Registry
	// Subscribers, when set, is told of each stream opened (+1) and ended (-1).
	Subscribers func(delta int)
	// TailSize is how many recent events per tenant are kept in memory for
	// live subscribers (default 4096); older resumes read the log.
	TailSize int
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
	// Workers deliver replies of different conversations in parallel
	// (default 64). A delivery holds its worker until its outcome is
	// committed, so under load a worker sends a few messages a second; a
	// burst of new conversations, each with its system messages, needs many.
	Workers int
	// AdmitWebhook, when set, is asked before an authentic webhook of an
	// account is stored; false (with how long to wait) answers 429.
	AdmitWebhook func(accountID int) (ok bool, retryAfter time.Duration)
	// Media keeps downloaded and uploaded media.
	Media *media.Store
	// MediaLinks, when set, gives messengers that take media only by URL
	// (providers.MediaByURL) a signed public link to each uploaded file.
	MediaLinks *media.Links
	// MediaAttempts bounds downloads of one inbound attachment; after that many
	// failures it is FAILED with the last reason (default 8).
	MediaAttempts int
	// MediaRetryBase is the wait after a media download's first failure, doubled
	// per attempt with jitter (default 1s: the default attempts span one to two minutes).
	MediaRetryBase time.Duration
	// SystemMessages resolves the texts customers get at chat events
	// (nil: none are sent).
	SystemMessages SystemTexts
	// PositionInterval is the least time between two queue position updates
	// to one customer (default core/sysmsg's).
	PositionInterval time.Duration
	// OfflineGrace is how long an agent may have no connection before it is
	// set OFFLINE (default 1 minute).
	OfflineGrace time.Duration
	// Dialect is the database's SQL dialect (entgo.io/ent/dialect), for the
	// few statements written with ent's SQL builder instead of its generated
	// API; default SQLite.
	Dialect string
	// Cluster carries news to and from the other instances of a cluster
	// (core/cluster's Bus): committed events, work for the run-once
	// workers, agents' connections. Nil: this instance is alone.
	Cluster Cluster
	// ClusterCheck bounds what a lost message of the cluster delays (NATS
	// drops what is sent while it is unreachable): this often an instance
	// with subscribers compares the log's newest cursor with what it
	// delivered and reads what it missed, and the lease holder's router
	// looks at the queues at least every three of these (default 1s).
	ClusterCheck time.Duration
	// Lease, when set, is taken before the run-once work (the router with
	// offers, timers and scenarios; the reply dispatcher; the media worker)
	// starts, and that work stops when the lease is lost: of several
	// instances, one does it at a time, and another takes over when it dies.
	// It blocks until the lease is held or ctx ends.
	Lease func(ctx context.Context) (lost <-chan struct{}, release func(), err error)
	// EventRetention is how long the event log keeps an event (0: for
	// ever); a subscription resuming from an older cursor ends with
	// ErrCursorExpired. See retention.go.
	EventRetention time.Duration
	// WebhookRetention is how long a processed webhook's raw body is kept
	// (0: for ever); it must outlast the providers' redelivery.
	WebhookRetention time.Duration
	// DeliveryGrace is how long replies in flight may go on being sent once
	// the server is stopping (default 5s); one cut off is settled as in
	// doubt (see dispatcher.go).
	DeliveryGrace time.Duration
	// Now is the inbox's clock (default core.Now): tests move it to reach
	// an offer's expiry or the end of a survey's wait without waiting.
	Now func() time.Time
}

// Cluster is what the inbox needs of core/cluster's Bus.
type Cluster interface {
	Publish(subject string, v any) error
	Subscribe(subject string, handle func(data json.RawMessage)) error
	// Origin names this instance in the cluster.
	Origin() string
}

// Service is the message path.
type Service struct {
	client   *ent.Client
	accounts *accounts.Service
	reg      *registry.Registry
	http     *http.Client
	log      *slog.Logger
	opts     Options
	now      func() time.Time

	media  *media.Store
	fanout *fanout
	// accountsCache holds accounts bound to their providers.
	accountsCache accountCache
	streams       atomic.Int64
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
	// routeKick wakes the router (routing.go); presence counts agents'
	// connections (agents.go).
	routeKick chan struct{}
	presence  presence
	queues    queueWatch
	// positions limits queue position updates per customer.
	positions *sysmsg.PositionLimiter
	// positionsPrimed is set after the first round of queue positions since
	// the start, which records the places without telling them.
	positionsPrimed atomic.Bool
	// leading is set while this instance holds the run-once lease.
	leading atomic.Bool
	// origin names this instance to the others of a cluster; remote is what
	// they told of their agents' connections (presencecluster.go).
	origin string
	remote remotePresence
	// staleContacts are contacts other instances changed, for the writer to
	// forget (cluster.go); staleOverflow, set when too many wait, makes it
	// forget them all.
	staleContacts chan contactKey
	staleOverflow atomic.Bool
}

// New returns the inbox; Run starts its writer and dispatcher.
func New(client *ent.Client, opts Options) *Service {
	if opts.ReopenWindow <= 0 {
		opts.ReopenWindow = 24 * time.Hour
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.OfflineGrace <= 0 {
		opts.OfflineGrace = time.Minute
	}
	if opts.Dialect == "" {
		opts.Dialect = dialect.SQLite
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
	if opts.DeliveryGrace <= 0 {
		opts.DeliveryGrace = 5 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 64
	}
	if opts.ClusterCheck <= 0 {
		opts.ClusterCheck = time.Second
	}
	if opts.TailSize <= 0 {
		opts.TailSize = 4096
	}
	if opts.Subscribers == nil {
		opts.Subscribers = func(int) {}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = core.Now
	}
	s := &Service{
		client: client, accounts: opts.Accounts, reg: opts.Registry, http: opts.HTTP,
		log: opts.Log, opts: opts, now: opts.Now,
		media: opts.Media, mediaWake: make(chan struct{}, 1),
		jobs: make(chan *job), acks: make(chan ack, maxPendingAcks), profiles: make(chan profileAsk, maxPendingAcks), stopped: make(chan struct{}), wake: make(chan struct{}, 1),
		routeKick: make(chan struct{}, 1), staleContacts: make(chan contactKey, 1024),
	}
	s.fanout = newFanout(s, opts.TailSize)
	s.positions = sysmsg.NewPositionLimiter(opts.PositionInterval, func() time.Time { return s.now() })
	if s.accounts != nil {
		s.accounts.OnChange(s.accountsCache.forget)
	}
	if opts.Cluster != nil {
		s.origin = opts.Cluster.Origin()
	}
	s.health.inbound.every, s.health.sent.every = healthEvery, healthEvery
	s.asked.every = profileRefresh
	return s
}

// Run starts the group-commit writer and the outbox dispatcher until ctx ends;
// Wait returns once both have stopped.
func (s *Service) Run(ctx context.Context) {
	// The fan-out learns where the log ends before anything is written.
	for attempt := 0; ; attempt++ {
		err := s.fanout.init(ctx)
		if err == nil || ctx.Err() != nil {
			break
		}
		if attempt == 4 {
			s.log.ErrorContext(ctx, "inbox: read the event log", "err", err)
			break
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	s.wg.Add(5)
	go func() {
		defer s.wg.Done()
		s.fanout.run(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.runAcknowledger(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.runProfiles(ctx)
	}()
	// The writer outlives the run-once work, so that replies in flight when
	// the server is stopped get their outcome recorded (see deliver).
	writing, stopWriting := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		defer s.wg.Done()
		defer close(s.stopped)
		s.runWriter(writing)
	}()
	go func() {
		defer s.wg.Done()
		defer stopWriting()
		defer s.stopPresence()
		if s.opts.Lease == nil {
			s.runOnce(ctx)
			return
		}
		s.runLeased(ctx)
	}()
	if s.opts.Cluster != nil {
		s.joinCluster(ctx)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.runPresence(ctx)
		}()
	}
}

// runOnce runs the work one instance of a cluster does (the one holding the
// lease): routing with its timers, the reply dispatcher, the media worker,
// retention, the periodic webhook checks; until ctx ends.
func (s *Service) runOnce(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(5)
	go func() {
		defer wg.Done()
		s.runDispatcher(ctx)
	}()
	go func() {
		defer wg.Done()
		s.runRetention(ctx)
	}()
	go func() {
		defer wg.Done()
		s.runWebhookChecks(ctx)
	}()
	go func() {
		defer wg.Done()
		s.runMediaWorker(ctx)
	}()
	go func() {
		defer wg.Done()
		s.runRouter(ctx)
	}()
	wg.Wait()
}

// runLeased runs the run-once work while this instance holds the lease, and
// waits for it again when it is lost, until ctx ends.
func (s *Service) runLeased(ctx context.Context) {
	for ctx.Err() == nil {
		lost, release, err := s.opts.Lease(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.ErrorContext(ctx, "inbox: the run-once lease", "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
			continue
		}
		s.log.InfoContext(ctx, "inbox: this instance does the run-once work (routing, replies, media)")
		s.leading.Store(true)
		work, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.runOnce(work)
		}()
		select {
		case <-lost:
			s.log.WarnContext(ctx, "inbox: the run-once lease was lost; another instance takes over")
		case <-ctx.Done():
		}
		s.leading.Store(false)
		stop()
		<-done
		release()
	}
}

// Leading reports whether this instance does the run-once work now: always
// when it is alone, while it holds the lease in a cluster.
func (s *Service) Leading() bool { return s.opts.Lease == nil || s.leading.Load() }

// Subscribers reports how many event streams are open, for tests and health.
func (s *Service) Subscribers() int { return int(s.streams.Load()) }

// Wait blocks until the goroutines Run began have stopped.
func (s *Service) Wait() { s.wg.Wait() }

// env is what provider calls get.
func (s *Service) env() providers.Env { return providers.Env{HTTP: s.http, Now: s.now} }

// Wake tells the dispatcher that replies are waiting (the lease holder's,
// when this instance is one of a cluster).
func (s *Service) Wake() {
	s.wakeHere()
	s.tellLeader(workDispatch)
}

// wakeHere wakes this instance's dispatcher (if it runs here).
func (s *Service) wakeHere() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
