package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/switchboard/switchboard/console"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/accounts"
	"github.com/switchboard/switchboard/core/auth"
	"github.com/switchboard/switchboard/core/cluster"
	"github.com/switchboard/switchboard/core/events"
	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/core/media"
	"github.com/switchboard/switchboard/core/safeurl"
	"github.com/switchboard/switchboard/core/secrets"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/core/supervision"
	"github.com/switchboard/switchboard/core/sysmsg"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/graph"
	"github.com/switchboard/switchboard/providers/registry"
)

// Server is a running Switchboard: its database, core services and HTTP handler.
type Server struct {
	cfg    Config
	log    *slog.Logger
	client *ent.Client
	db     *sql.DB
	// releaseDB gives up the database's instance lock (store.HoldInstance),
	// or leaves the cluster.
	releaseDB func()
	// cluster is the connection to the other instances (nil: alone).
	cluster  *cluster.Bus
	metrics  *metrics
	limiters *limiters
	// Auth, Accounts and SysMsg (system messages) are exposed for the CLI and tests.
	Auth     *auth.Service
	Accounts *accounts.Service
	Inbox    *inbox.Service
	SysMsg   *sysmsg.Service
	Bus      *events.Broker
	media    *media.Store
	// links signs and checks the public links to agents' uploads.
	links   *media.Links
	handler http.Handler
	// registry names the messengers (the shared webhook routes look up theirs).
	registry *registry.Registry

	// Supervision reads the live queues and the services' figures.
	Supervision *supervision.Service

	// root ends every long-lived request (websockets, SSE) on Close, which
	// http.Server.Shutdown alone does not do for hijacked connections.
	root     context.Context
	stopRoot context.CancelFunc
}

// KeyFileName is the secret key file created beside the database when
// SWITCHBOARD_SECRET_KEY is not set.
const KeyFileName = "secret.key"

// LoadKeys returns the keyring for secrets at rest: from cfg.SecretKey when set,
// otherwise from the key file in the data folder, created on first use.
func LoadKeys(cfg Config) (*secrets.Keyring, error) {
	if cfg.SecretKey == "" {
		return secrets.LoadOrCreateKeyFile(filepath.Join(cfg.DataDir, KeyFileName))
	}
	var keys [][]byte
	for _, part := range strings.Split(cfg.SecretKey, ",") {
		k, err := secrets.ParseKey(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("SWITCHBOARD_SECRET_KEY: %w", err)
		}
		keys = append(keys, k)
	}
	return secrets.NewKeyring(keys...)
}

// New opens the database in cfg.DataDir, migrates it, and wires the services and
// handler. Close releases everything.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Server, error) {
	keys, err := LoadKeys(cfg)
	if err != nil {
		return nil, fmt.Errorf("server: secret key: %w", err)
	}
	dbOpts := store.Options{DataDir: cfg.DataDir, Synchronous: cfg.Synchronous, DatabaseURL: cfg.DatabaseURL, Migrated: cfg.Migrated}
	client, db, err := store.Open(ctx, dbOpts)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	var bus *cluster.Bus
	release := func() {}
	if cfg.NATSURL != "" {
		// Several instances: no instance lock; the run-once work is leased.
		if !store.IsPostgres(cfg.DatabaseURL) {
			client.Close()
			return nil, errors.New("server: a cluster (--nats-url) keeps its data in PostgreSQL: set --database-url")
		}
		if bus, err = cluster.Connect(ctx, cfg.NATSURL, log); err != nil {
			client.Close()
			return nil, fmt.Errorf("server: %w", err)
		}
		release = bus.Close
	} else if release, err = store.HoldInstance(ctx, db, dbOpts); err != nil {
		client.Close()
		return nil, fmt.Errorf("server: %w", err)
	}
	keepHeapFloor(cfg.GCMinHeap)
	s := &Server{cfg: cfg, log: log, client: client, db: db, metrics: newMetrics(), releaseDB: release, cluster: bus}
	if bus != nil {
		s.metrics.registry.MustRegister(natsCollector{bus})
	}
	// The database pool's figures (open, in use, idle, waits), on either database.
	s.metrics.registry.MustRegister(collectors.NewDBStatsCollector(db, "switchboard"))
	s.root, s.stopRoot = context.WithCancel(context.Background())
	if cfg.RateLimit > 0 {
		s.limiters = newLimiters(cfg.RateLimit, cfg.RateBurst)
	}
	s.Bus = events.NewBroker(func(d int) { s.metrics.subscriptions.Add(float64(d)) })
	s.Auth = auth.New(client, auth.Options{SessionTTL: cfg.SessionTTL, BcryptCost: cfg.BcryptCost})
	reg := registry.New(registry.Config{APIURLs: providerAPIURLs(cfg)})
	s.registry = reg
	providerHTTP := safeurl.NewHTTPClient(cfg.AllowPrivateURLs, cfg.ProviderTimeout)
	s.Accounts = accounts.New(client, accounts.Options{
		PublicURL:        cfg.PublicURL,
		AllowPrivateURLs: cfg.AllowPrivateURLs,
		Keys:             keys,
		Registry:         reg,
		Bus:              s.Bus,
		HTTP:             providerHTTP,
		Log:              log,
	})
	s.SysMsg = sysmsg.New(client)
	// A deleted account's settings go with it; the cache must forget them too.
	s.Accounts.OnChange(s.SysMsg.ForgetAccount)
	mediaStore, err := media.NewStore(filepath.Join(cfg.DataDir, "media"))
	if err != nil {
		release()
		client.Close()
		return nil, fmt.Errorf("server: %w", err)
	}
	s.media = mediaStore
	if s.links, err = mediaLinks(cfg); err != nil {
		release()
		client.Close()
		return nil, fmt.Errorf("server: %w", err)
	}
	inboxOpts := inbox.Options{
		Dialect:          store.Dialect(dbOpts),
		Media:            mediaStore,
		MediaLinks:       s.links,
		Accounts:         s.Accounts,
		Registry:         reg,
		Subscribers:      func(d int) { s.metrics.subscriptions.Add(float64(d)) },
		TailSize:         cfg.EventTail,
		HTTP:             providerHTTP,
		Log:              log,
		ReopenWindow:     cfg.ReopenWindow,
		OfflineGrace:     cfg.OfflineGrace,
		EventRetention:   cfg.EventRetention,
		WebhookRetention: cfg.WebhookRetention,
		DeliveryGrace:    cfg.DeliveryGrace,
		SystemMessages:   s.SysMsg,
		RetryBase:        cfg.RetryBase,
		MediaRetryBase:   cfg.RetryBase,
		AdmitWebhook:     s.admitWebhook(),
		Now:              cfg.Now,
	}
	if bus != nil {
		inboxOpts.Cluster = bus
		inboxOpts.Lease = store.Lease(db, cfg.LeaseCheck)
	}
	s.Inbox = inbox.New(client, inboxOpts)
	s.Auth.OnUserChange(s.Inbox.UserChanged)
	s.metrics.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "switchboard_run_once_leader",
		Help: "1 while this instance does the run-once work (routing, replies, media): always when alone, while it holds the lease in a cluster.",
	}, func() float64 {
		if s.Inbox.Leading() {
			return 1
		}
		return 0
	}))
	s.Supervision = supervision.New(client, s.Inbox, supervision.Options{
		Subscribers: func(d int) { s.metrics.subscriptions.Add(float64(d)) },
	})
	if bus != nil {
		if err := s.shareChanges(bus); err != nil {
			s.Close()
			return nil, fmt.Errorf("server: %w", err)
		}
	}
	s.handler = s.routes()
	return s, nil
}

// shareChanges keeps the caches and live connections of a cluster's
// instances in step: each instance's committed changes to users and tokens,
// accounts and system messages go to the others, which forget what they
// cached (a revoked token stops working everywhere at once).
func (s *Server) shareChanges(bus *cluster.Bus) error {
	tell := func(kind string, id int) {
		if err := bus.Publish(cluster.SubjectStale, cluster.Stale{Kind: kind, ID: id}); err != nil {
			s.log.Warn("cluster: share a change", "kind", kind, "err", err)
		}
	}
	s.Auth.BroadcastChanges(func(id int) { tell(cluster.StaleUser, id) })
	s.Accounts.BroadcastChanges(func(id int) { tell(cluster.StaleAccount, id) })
	s.SysMsg.BroadcastChanges(func(what string, id int) {
		if what == sysmsg.StaleTenant {
			tell(cluster.StaleSysMsgTenant, id)
		} else {
			tell(cluster.StaleSysMsgAccount, id)
		}
	})
	s.Accounts.ShareEvents(func(ev accounts.Shared) {
		if err := bus.Publish(cluster.SubjectAccounts, ev); err != nil {
			s.log.Warn("cluster: share an account event", "err", err)
		}
	})
	if err := bus.Subscribe(cluster.SubjectAccounts, func(data json.RawMessage) {
		var ev accounts.Shared
		if json.Unmarshal(data, &ev) != nil {
			return
		}
		ctx, cancel := context.WithTimeout(s.root, 10*time.Second)
		defer cancel()
		if err := s.Accounts.EventElsewhere(ctx, ev); err != nil {
			s.log.Warn("cluster: an account event from another instance", "err", err)
		}
	}); err != nil {
		return err
	}
	return bus.Subscribe(cluster.SubjectStale, func(data json.RawMessage) {
		var st cluster.Stale
		if json.Unmarshal(data, &st) != nil {
			return
		}
		switch st.Kind {
		case cluster.StaleUser:
			s.Auth.ChangedElsewhere(s.root, st.ID)
		case cluster.StaleAccount:
			s.Accounts.ChangedElsewhere(st.ID)
		case cluster.StaleSysMsgAccount:
			s.SysMsg.ForgetAccount(st.ID)
		case cluster.StaleSysMsgTenant:
			s.SysMsg.ForgetTenant(st.ID)
		}
	})
}

// providerAPIURLs merges the Telegram URL (its own, older setting) into the
// per-messenger API base URLs.
func providerAPIURLs(cfg Config) map[string]string {
	urls := make(map[string]string, len(cfg.ProviderAPIURLs)+1)
	for k, v := range cfg.ProviderAPIURLs {
		urls[k] = v
	}
	if _, set := urls["telegram"]; !set && cfg.TelegramAPIURL != "" {
		urls["telegram"] = cfg.TelegramAPIURL
	}
	return urls
}

// Handler is the server's whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

// Client is the database client, for the CLI.
func (s *Server) Client() *ent.Client { return s.client }

// Subscribers reports how many subscriptions are open (conversation streams,
// account events and queue watches), so tests know a subscriber is registered.
func (s *Server) Subscribers() int {
	return s.Bus.Subscribers() + s.Inbox.Subscribers() + s.Supervision.Watching()
}

// Leading reports whether this instance does the run-once work (routing,
// replies, media): always when alone, while it holds the lease in a cluster.
func (s *Server) Leading() bool { return s.Inbox.Leading() }

// Start runs the background work (the webhook writer and the reply dispatcher)
// until Close. Handlers that store webhooks need it running.
func (s *Server) Start() { s.Inbox.Run(s.root) }

// Close ends open websockets and streams and the background work, then closes
// the database.
func (s *Server) Close() error {
	s.stopRoot()
	s.Inbox.Wait()
	s.releaseDB()
	return s.client.Close()
}

// Shutdown ends long-lived requests at once, so http.Server.Shutdown does not wait
// for websockets that would never end on their own.
func (s *Server) Shutdown() { s.stopRoot() }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/query", s.graphQL())
	mux.Handle("/webhooks/{accountId}", s.webhook())
	// One app's shared callback for all its accounts (Pages, numbers).
	mux.Handle("/webhooks/facebook", s.sharedWebhook("facebook"))
	mux.Handle("/webhooks/whatsapp", s.sharedWebhook("whatsappCloud"))
	mux.Handle("GET /media/{messageId}/{index}", s.authenticate(s.rateLimit(s.mediaFile())))
	mux.Handle("GET "+media.PathPrefix+"{token}", s.rateLimit(s.publicMedia()))
	mux.Handle("GET "+console.Prefix, console.Handler())
	mux.Handle("GET /console", http.RedirectHandler(console.Prefix, http.StatusMovedPermanently))
	mux.Handle("GET /{$}", console.GraphiQL())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := s.db.PingContext(ctx); err != nil {
			s.log.ErrorContext(r.Context(), "readyz: database unreachable", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "database unreachable\n")
			return
		}
		if s.cluster != nil {
			if err := s.cluster.Ready(ctx); err != nil {
				s.log.ErrorContext(r.Context(), "readyz: NATS unreachable", "err", err)
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, "NATS unreachable\n")
				return
			}
		}
		io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	return s.observe(mux)
}

// graphQL builds the gqlgen handler with its transports, limits and extensions,
// behind authentication, the body limit and the rate limit.
func (s *Server) graphQL() http.Handler {
	gql := handler.New(graph.NewSchema(&graph.Resolver{Client: s.client, Auth: s.Auth, Accounts: s.Accounts, Inbox: s.Inbox, SysMsg: s.SysMsg, Supervision: s.Supervision, PublicURL: s.cfg.PublicURL}))
	gql.AddTransport(transport.Websocket{
		// Keep-alive is the connections' own (one timer each, see
		// websocket.go): gqlgen's KeepAlivePingInterval and PingPongInterval
		// would add a goroutine per connection.
		Implementation: websocketAccepter{
			accept: websocket.AcceptOptions{
				OriginPatterns:  s.cfg.AllowedOrigins,
				CompressionMode: websocket.CompressionDisabled,
			},
			keepAlive: s.cfg.KeepAlive,
		},
		InitFunc:    s.websocketInit,
		InitTimeout: 10 * time.Second,
		CloseFunc: func(ctx context.Context, _ int) {
			// Only connections that got as far as connection_init were counted.
			if ctx.Value(countedWebsocket{}) != nil {
				s.metrics.websockets.Dec()
			}
			if release, ok := ctx.Value(agentPresence{}).(func()); ok {
				release()
			}
		},
	})
	gql.AddTransport(transport.Options{})
	// SSE before plain POST: both take JSON POSTs, SSE only those accepting text/event-stream.
	gql.AddTransport(transport.SSE{KeepAlivePingInterval: s.cfg.KeepAlive})
	gql.AddTransport(graphQLHTTP{})
	gql.AddTransport(multipartForm{maxFields: s.cfg.MaxBodyBytes, maxMemory: 8 << 20})
	gql.AddTransport(unsupportedRequest{})
	queries := lru.New[*ast.QueryDocument](1000)
	gql.SetQueryCache(queries)
	limits := graph.DefaultDocumentLimits()
	limits.Cache = queries
	gql.SetParserTokenLimit(limits.MaxTokens)
	gql.Use(extension.Introspection{})
	gql.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	// After persisted queries, which fill in the text it measures.
	gql.Use(limits)
	gql.Use(graph.ErrorLimit{})
	gql.Use(graph.SubscriptionEnd{})
	gql.Use(&graph.ComplexityLimit{Limit: s.cfg.MaxComplexity})
	gql.Use(graph.DepthLimit{Max: s.cfg.MaxDepth})
	gql.Use(graph.RequireViewer{})
	gql.Use(gqlMetrics{s.metrics})
	// Innermost: renders each event once per audience (see SharedEvents).
	gql.Use(&graph.SharedEvents{})
	gql.SetErrorPresenter(graph.ErrorPresenter(s.log))
	gql.SetRecoverFunc(graph.Recover(s.log))
	return s.authenticate(s.rateLimit(s.limitBody(s.serveWebsockets(gql, s.untilShutdown(s.watchEventStream(gql))))))
}

// websocketInit authenticates a websocket from its connection_init payload
// ({"Authorization": "Bearer <token>"} or {"token": "<token>"}), unless the upgrade
// request already carried a valid Authorization header.
func (s *Server) websocketInit(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	u := upgradeFrom(ctx)
	defer u.release()
	s.metrics.websockets.Inc()
	ctx = context.WithValue(ctx, countedWebsocket{}, true)
	if v, ok := core.ViewerFrom(ctx); ok {
		return s.watchWebsocket(s.present(ctx, v), v), nil, nil
	}
	bearer := bearerToken(p.Authorization())
	if bearer == "" {
		bearer = p.GetString("token")
	}
	var (
		v   core.Viewer
		err error
	)
	// A database lookup: deep, so on the request's goroutine.
	u.do(func() { v, err = s.Auth.Authenticate(ctx, bearer) })
	if err != nil {
		const reason = "unauthenticated: send {\"Authorization\": \"Bearer <token>\"} in connection_init"
		ctx = transport.WithWebsocketCloseCode(ctx, closeForbidden)
		return transport.AppendCloseReason(ctx, reason), nil, errors.New(reason)
	}
	return s.watchWebsocket(s.present(ctx, v), v), nil, nil
}

// agentPresence holds the release of a websocket's presence (see present).
type agentPresence struct{}

// present counts an authenticated websocket as its user's presence: an agent
// with no connection left for a grace period goes OFFLINE.
func (s *Server) present(ctx context.Context, v core.Viewer) context.Context {
	if v.UserID == 0 {
		return ctx
	}
	return context.WithValue(ctx, agentPresence{}, s.Inbox.AgentConnected(v.UserID))
}

// countedWebsocket marks a connection counted in the open-websockets gauge.
type countedWebsocket struct{}

func bearerToken(h string) string {
	const prefix = "bearer "
	if len(h) > len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) {
		return strings.TrimSpace(h[len(prefix):])
	}
	return ""
}

// authenticate puts the viewer of a valid bearer token in the request context. A
// missing or invalid token leaves the request anonymous; GraphQL then answers
// UNAUTHENTICATED for anything but login.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bearer := bearerToken(r.Header.Get("Authorization")); bearer != "" {
			v, err := s.Auth.Authenticate(r.Context(), bearer)
			switch {
			case err == nil:
				r = r.WithContext(core.WithViewer(r.Context(), v))
			case !errors.Is(err, core.ErrUnauthenticated):
				s.log.ErrorContext(r.Context(), "authenticate", "err", err)
				writeGraphQLError(w, http.StatusServiceUnavailable, "temporarily unavailable", graph.CodeInternal)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// rateLimit allows each token (or anonymous client address) RateLimit requests per
// second with bursts, and answers 429 with Retry-After beyond that.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	if s.limiters == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := "ip:" + clientIP(r)
		if v, ok := core.ViewerFrom(r.Context()); ok {
			key = "token:" + strconv.Itoa(v.TokenID)
		}
		if ok, wait := s.limiters.allow(key, time.Now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeGraphQLError(w, http.StatusTooManyRequests, "rate limit exceeded; retry after the Retry-After header's seconds", graph.CodeRateLimited)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limitBody answers 413 to a body over MaxBodyBytes, whether or not it declared
// its length. A multipart request (file uploads) may carry more, up to four
// files of media.MaxSize, so only with a valid token (401 otherwise, before
// any of its body is read); its files are read as they stream in.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.cfg.MaxBodyBytes
		multipart := strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/")
		if multipart {
			if _, ok := core.ViewerFrom(r.Context()); !ok {
				w.Header().Set("Connection", "close")
				writeGraphQLError(w, http.StatusUnauthorized,
					"uploads need a valid token: send it as 'Authorization: Bearer <token>'", graph.CodeUnauthenticated)
				return
			}
			limit = media.MaxSize*4 + limit
		}
		if limit <= 0 || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		tooLarge := func() {
			writeGraphQLError(w, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body exceeds the limit of %d bytes", limit), graph.CodeBadUserInput)
		}
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			tooLarge()
			return
		}
		if multipart {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			writeGraphQLError(w, http.StatusBadRequest, "could not read the request body", graph.CodeBadUserInput)
			return
		}
		if int64(len(body)) > limit {
			tooLarge()
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// untilShutdown ends a request's context when the server shuts down, which ends
// websockets and event streams and their subscriptions' goroutines.
func (s *Server) untilShutdown(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(s.root, cancel)
		defer stop()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// writeGraphQLError answers outside GraphQL execution (limits, outages) in the
// GraphQL response shape, so clients handle every error the same way.
func writeGraphQLError(w http.ResponseWriter, status int, msg, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"message":%q,"extensions":{"code":%q}}]}`, msg, code)
}
