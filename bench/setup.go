package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/auth"
	"github.com/switchboard/switchboard/providers/custom/customtest"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
	"github.com/switchboard/switchboard/server"
)

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// benchTarget is the Switchboard under load: its base URL and an admin client,
// and, in-process, the server and its HTTP listener.
type benchTarget struct {
	baseURL string
	// others are the cluster's other in-process instances (--instances).
	others []*benchTarget
	admin  *client.Client
	hc     *http.Client
	srv    *server.Server
	hs     *http.Server
	served chan error

	httpOnce, closeOnce sync.Once
	httpErr, closeErr   error
}

// inProcess reports whether the bench started the server.
func (t *benchTarget) inProcess() bool { return t.srv != nil }

// startServer starts Switchboard on loopback with a database in dataDir,
// the fake Bot API at telegramURL, private URLs allowed and no rate limits
// (neither per token nor per webhook account: the bench measures the write
// path and the reads, not the limiters in front of them). It has no admin
// client yet.
func startServer(ctx context.Context, cfg Config, dataDir, telegramURL string, log *slog.Logger) (*benchTarget, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: listen: %w", err)
	}
	base := "http://" + ln.Addr().String()
	scfg := server.Defaults()
	scfg.Addr = ln.Addr().String()
	scfg.DataDir = dataDir
	scfg.PublicURL = base
	scfg.AllowPrivateURLs = true
	scfg.RateLimit = 0
	scfg.WebhookRateLimit = 0
	scfg.TelegramAPIURL = telegramURL
	scfg.Synchronous = cfg.Synchronous
	scfg.DatabaseURL = cfg.DatabaseURL
	scfg.NATSURL = cfg.NATSURL
	scfg.SecretKey = cfg.SecretKey
	scfg.BcryptCost = cfg.BcryptCost
	srv, err := server.New(ctx, scfg, log)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("bench: start server: %w", err)
	}
	srv.Start()
	t := &benchTarget{
		baseURL: base,
		srv:     srv,
		hs: &http.Server{
			Handler:           srv.Handler(),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		},
		served: make(chan error, 1),
		hc:     agentHTTPClient(),
	}
	t.hs.RegisterOnShutdown(srv.Shutdown)
	go func() { t.served <- t.hs.Serve(ln) }()
	return t, nil
}

// startInProcess starts the server (see startServer) with an admin client:
// the first start's bootstrap admin, or a bench admin of the default tenant.
func startInProcess(ctx context.Context, cfg Config, dataDir, telegramURL string, log *slog.Logger) (*benchTarget, error) {
	t, err := startServer(ctx, cfg, dataDir, telegramURL, log)
	if err != nil {
		return nil, err
	}
	token, err := t.srv.Auth.Bootstrap(ctx)
	if err == nil && token == "" {
		token, _, err = t.srv.Auth.EnsureUser(ctx, auth.DefaultTenant, "bench-admin", core.RoleAdmin, "bench")
	}
	if err != nil {
		t.close()
		return nil, fmt.Errorf("bench: admin token: %w", err)
	}
	t.admin = client.New(t.baseURL, token, client.WithHTTPClient(t.hc))
	for range max(cfg.Instances, 1) - 1 {
		other, err := startServer(ctx, cfg, dataDir, telegramURL, log)
		if err != nil {
			t.close()
			return nil, err
		}
		t.others = append(t.others, other)
	}
	return t, nil
}

// agentBase is where agent i connects: each instance in turn.
func (t *benchTarget) agentBase(i int) string {
	if n := len(t.others) + 1; i%n != 0 {
		return t.others[i%n-1].baseURL
	}
	return t.baseURL
}

// connectExternal targets the server at baseURL with an admin token.
func connectExternal(ctx context.Context, baseURL, token string) (*benchTarget, error) {
	t := &benchTarget{baseURL: strings.TrimRight(baseURL, "/"), hc: agentHTTPClient()}
	t.admin = client.New(t.baseURL, token, client.WithHTTPClient(t.hc))
	me, err := client.Me(ctx, t.admin)
	if err != nil {
		return nil, fmt.Errorf("bench: %s with --token: %w", t.baseURL, err)
	}
	if me.Me.Role != client.UserRoleAdmin {
		return nil, fmt.Errorf("bench: --token belongs to %q, a %s; an ADMIN token is needed", me.Me.Name, me.Me.Role)
	}
	return t, nil
}

// agentHTTPClient is the client of the admin and the agents: enough idle
// connections that mutations from every lane reuse them.
func agentHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second},
		Timeout:   60 * time.Second,
	}
}

// shutdownHTTP stops the in-process listener; the server's Shutdown hook ends
// every websocket first, so agents' streams end from the server's side.
func (t *benchTarget) shutdownHTTP() error {
	t.httpOnce.Do(func() {
		if t.hs == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := t.hs.Shutdown(ctx); err != nil {
			t.httpErr = fmt.Errorf("bench: shutdown: %w", err)
		}
		if err := <-t.served; err != nil && !errors.Is(err, http.ErrServerClosed) && t.httpErr == nil {
			t.httpErr = fmt.Errorf("bench: serve: %w", err)
		}
	})
	return t.httpErr
}

// close stops the in-process server and closes its database; it is safe to
// call more than once.
func (t *benchTarget) close() error {
	t.closeOnce.Do(func() {
		for _, o := range t.others {
			o.close()
		}
		err := t.shutdownHTTP()
		if t.srv != nil {
			if cerr := t.srv.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("bench: close server: %w", cerr)
			}
		}
		t.hc.CloseIdleConnections()
		t.closeErr = err
	})
	return t.closeErr
}

// agentTokens issues API tokens for n agents: in-process directly through
// core/auth (a few at a time: the server has one writer), with --url through
// GraphQL (AgentTokens: createUser, createApiToken), as users named after
// the run so runs against one server do not collide.
func (t *benchTarget) agentTokens(ctx context.Context, n int, runID string) ([]string, error) {
	if !t.inProcess() {
		return AgentTokens(ctx, t.admin, "bench-agent-"+runID, n)
	}
	tokens := make([]string, n)
	err := forEach(ctx, n, 4, func(ctx context.Context, i int) error {
		tok, _, err := t.srv.Auth.EnsureUser(ctx, auth.DefaultTenant, fmt.Sprintf("bench-agent-%d", i), core.RoleAgent, "bench")
		if err != nil {
			return fmt.Errorf("bench: agent %d: %w", i, err)
		}
		tokens[i] = tok
		return nil
	})
	return tokens, err
}

// benchAccounts are the accounts the load posts to.
type benchAccounts struct {
	telegramID, telegramHook, telegramSecret string
	// telegramNode and customNode are the accounts' GraphQL IDs (the IDs
	// above are the ones in their webhook URLs).
	telegramNode, customNode string
	// customHook is empty when there is no custom account.
	customID, customHook, customSecret string
	customNote                         string
}

// setupAccounts creates a Telegram account whose webhook is set against the fake
// Bot API, and, when share > 0, a CUSTOM account whose messenger is the fake at
// customURL (checked with the signed ping).
func setupAccounts(ctx context.Context, t *benchTarget, tg *telegramtest.API, customURL, customSecret, runID string, share float64) (benchAccounts, error) {
	var out benchAccounts
	a, err := client.CreateIntegrationAccount(ctx, t.admin, client.CreateIntegrationAccountInput{
		Name: "bench telegram " + runID,
		Settings: client.IntegrationSettingsInput{Telegram: &client.TelegramSettingsInput{
			BotUsername: benchPtr("bench_bot"), BotToken: benchPtr(tg.Token()),
		}},
	})
	if err != nil {
		return out, fmt.Errorf("bench: create Telegram account: %w", err)
	}
	res, err := client.SetWebhook(ctx, t.admin, a.CreateIntegrationAccount.Id)
	if err != nil {
		return out, fmt.Errorf("bench: setWebhook: %w", err)
	}
	if !res.SetWebhook.Ok || tg.Webhook().SecretToken == "" {
		return out, fmt.Errorf("bench: setWebhook did not reach the fake Bot API (is the server's Telegram API URL the fake's?): %s", res.SetWebhook.Message)
	}
	out.telegramID = a.CreateIntegrationAccount.AccountId
	out.telegramNode = a.CreateIntegrationAccount.Id
	out.telegramHook = t.baseURL + "/webhooks/" + out.telegramID
	out.telegramSecret = tg.Webhook().SecretToken
	if share <= 0 {
		out.customNote = "no CUSTOM account (--custom-share 0)"
		return out, nil
	}
	c, err := client.CreateIntegrationAccount(ctx, t.admin, client.CreateIntegrationAccountInput{
		Name: "bench custom " + runID,
		Settings: client.IntegrationSettingsInput{Custom: &client.CustomSettingsInput{
			WebhookUrl: benchPtr(customURL + "/switchboard"), ConfirmationCode: benchPtr(customSecret),
		}},
	})
	if err != nil {
		out.customNote = "no CUSTOM account, Telegram only: " + err.Error()
		return out, nil
	}
	ping, err := client.TestConnection(ctx, t.admin, c.CreateIntegrationAccount.Id)
	if err != nil || !ping.TestConnection.Ok {
		msg := ""
		if err != nil {
			msg = err.Error()
		} else {
			msg = ping.TestConnection.Message
		}
		out.customNote = "no CUSTOM load, Telegram only: the signed ping failed: " + msg
		return out, nil
	}
	out.customID = c.CreateIntegrationAccount.AccountId
	out.customNode = c.CreateIntegrationAccount.Id
	out.customHook = t.baseURL + "/webhooks/" + out.customID
	out.customSecret = customSecret
	return out, nil
}

// benchPtr returns a pointer to v, for optional GraphQL inputs.
func benchPtr[T any](v T) *T { return &v }

// rig is what the load mode sets up before posting: the shared fake
// messengers (whose deliveries feed the reply ledger), the server under load,
// its accounts and the maker of webhooks. close undoes it in reverse order.
type rig struct {
	ledger   *replyLedger
	tg       *telegramtest.API
	tgSrv    *fakeServer
	cmSrv    *fakeServer
	target   *benchTarget
	acc      benchAccounts
	maker    *webhookMaker
	warnings atomic.Int64
}

// setupRig starts the fakes and the server (in-process in dataDir, or the
// external one of cfg.URL) and creates the accounts.
func setupRig(ctx context.Context, cfg Config, dataDir, runID string, progress func(string, ...any)) (_ *rig, err error) {
	r := &rig{ledger: newReplyLedger()}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	// The Bot API keeps no log (the ledger counts), and takes the loopback
	// http:// webhook Telegram itself would refuse.
	r.tg = telegramtest.NewAPI(fmt.Sprintf("%d:AA%s", 100000+mrand.IntN(900000), randomHex(16)))
	r.tg.SetLogging(false)
	r.tg.AllowHTTPWebhooks(true)
	r.tg.OnMessage(func(m telegramtest.Message) { r.ledger.record("telegram", strconv.FormatInt(m.ChatID, 10), m.Text) })
	if r.tgSrv, err = startFake(ctx, cfg.TelegramListen, r.tg); err != nil {
		return nil, fmt.Errorf("bench: fake Bot API: %w", err)
	}
	// The custom messenger keeps no log either; it passes each reply to the
	// ledger once, however often it was retried.
	cm := customtest.NewMessenger(randomHex(24))
	cm.SetLogging(false)
	cm.OnMessage(func(m customtest.Message) { r.ledger.record("custom", m.Recipient, m.Text) })
	if r.cmSrv, err = startFake(ctx, "127.0.0.1:0", cm); err != nil {
		return nil, fmt.Errorf("bench: fake custom messenger: %w", err)
	}

	if cfg.URL == "" {
		progress("starting Switchboard in-process (data %s, synchronous=%s)", dataDir, cfg.Synchronous)
		r.target, err = startInProcess(ctx, cfg, dataDir, r.tgSrv.URL, newBenchLogger(cfg.Progress, &r.warnings))
	} else {
		progress("targeting %s (its Telegram API URL must be %s, its webhook rate limit off)", cfg.URL, r.tgSrv.URL)
		r.target, err = connectExternal(ctx, cfg.URL, cfg.Token)
	}
	if err != nil {
		return nil, err
	}
	if r.acc, err = setupAccounts(ctx, r.target, r.tg, r.cmSrv.URL, cm.Code(), runID, cfg.CustomShare); err != nil {
		return nil, err
	}
	if r.acc.customNote != "" {
		progress("%s", r.acc.customNote)
	}
	r.maker = &webhookMaker{acc: r.acc, share: cfg.CustomShare, senders: cfg.senders(), agents: cfg.Agents, runID: runID,
		chatBase: 1_000_000_000 + mrand.Int64N(1_000_000_000)}
	return r, nil
}

// close stops the server and the fakes; it is safe after a partial setup.
func (r *rig) close() {
	if r.target != nil {
		r.target.close()
	}
	if r.cmSrv != nil {
		r.cmSrv.Close()
	}
	if r.tgSrv != nil {
		r.tgSrv.Close()
	}
}

// fakeServer is a loopback HTTP server owned by the bench; Close stops it and
// waits for its serving goroutine.
type fakeServer struct {
	URL  string
	hs   *http.Server
	done chan error
}

// startFake serves h on addr (127.0.0.1:0 for any free port).
func startFake(ctx context.Context, addr string, h http.Handler) (*fakeServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	f := &fakeServer{
		URL: "http://" + ln.Addr().String(),
		hs: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		},
		done: make(chan error, 1),
	}
	go func() { f.done <- f.hs.Serve(ln) }()
	return f, nil
}

// Close shuts the server down and waits for it.
func (f *fakeServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := f.hs.Shutdown(ctx)
	if serveErr := <-f.done; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	if err != nil {
		return fmt.Errorf("fake server %s: %w", f.URL, err)
	}
	return nil
}
