package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/auth"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/providers/custom/customtest"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
	"github.com/switchboard/switchboard/server"
)

// benchConfig holds the flags of `switchboard bench`.
type benchConfig struct {
	url, token     string
	dataDir        string
	agents         int
	concurrency    int
	senders        int
	duration       time.Duration
	synchronous    string
	customShare    float64
	replyEvery     int64
	dupEvery       int64
	drain          time.Duration
	sqliteDuration time.Duration
	telegramListen string
	cpuProfile     string
}

// parseBenchFlags reads the flags of `switchboard bench`.
func parseBenchFlags(args []string, stderr io.Writer) (benchConfig, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg benchConfig
	fs.StringVar(&cfg.url, "url", "", "load an external server at this base URL instead of starting one in-process (needs --token)")
	fs.StringVar(&cfg.token, "token", "", "admin API token of the --url server")
	fs.StringVar(&cfg.dataDir, "data-dir", "", "folder of the in-process database and of the bounds' databases (default: a temporary folder, removed after)")
	fs.IntVar(&cfg.agents, "agents", 4, "agents subscribed to inboxEvents over websockets")
	fs.IntVar(&cfg.concurrency, "concurrency", 32, "goroutines posting webhooks (also used for the bare-server bound)")
	fs.IntVar(&cfg.senders, "senders", 200, "distinct customers per account (Telegram chat IDs, custom sender IDs)")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to post webhooks (also the bare-server bound's duration)")
	fs.StringVar(&cfg.synchronous, "sqlite-synchronous", "FULL", "SQLite synchronous mode of the in-process server and of both bounds")
	fs.Float64Var(&cfg.customShare, "custom-share", 0.25, "share of webhooks sent to a CUSTOM account; 0 sends Telegram only")
	replyEvery := fs.Int("reply-every", 10, "agents reply to every Nth inbound message of conversations they hold; 0 never")
	dupEvery := fs.Int("dup-every", 50, "every Nth webhook is delivered twice, to exercise deduplication; 0 never")
	fs.DurationVar(&cfg.drain, "drain-timeout", 10*time.Second, "after the load, how long to wait for agents to see every accepted webhook and for replies to be delivered")
	fs.DurationVar(&cfg.sqliteDuration, "sqlite-duration", 3*time.Second, "how long to measure the raw SQLite bound")
	fs.StringVar(&cfg.telegramListen, "telegram-listen", "127.0.0.1:0", "address of the fake Telegram Bot API; with --url, start the server with --telegram-api-url pointing at it")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the load and drain (the bench process: in-process server, load generator, agents) to this file")
	if err := fs.Parse(args); err != nil {
		return cfg, errUsage
	}
	cfg.replyEvery, cfg.dupEvery = int64(*replyEvery), int64(*dupEvery)
	cfg.synchronous = strings.ToUpper(strings.TrimSpace(cfg.synchronous))
	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, "unexpected arguments: "+strings.Join(fs.Args(), " "))
	}
	if cfg.url != "" && cfg.token == "" {
		problems = append(problems, "--url needs --token (an admin API token)")
	}
	if cfg.agents < 1 || cfg.concurrency < 1 || cfg.senders < 1 {
		problems = append(problems, "--agents, --concurrency and --senders must be at least 1")
	}
	if cfg.duration <= 0 || cfg.drain <= 0 || cfg.sqliteDuration <= 0 {
		problems = append(problems, "--duration, --drain-timeout and --sqlite-duration must be positive")
	}
	if !slices.Contains([]string{"OFF", "NORMAL", "FULL", "EXTRA"}, cfg.synchronous) {
		problems = append(problems, "--sqlite-synchronous must be OFF, NORMAL, FULL or EXTRA")
	}
	if cfg.customShare < 0 || cfg.customShare > 1 {
		problems = append(problems, "--custom-share must be between 0 and 1")
	}
	if cfg.replyEvery < 0 || cfg.dupEvery < 0 {
		problems = append(problems, "--reply-every and --dup-every must not be negative")
	}
	if len(problems) > 0 {
		fmt.Fprintln(stderr, "bench: "+strings.Join(problems, "; "))
		return cfg, errUsage
	}
	return cfg, nil
}

// errChecksFailed is returned when messages were lost, duplicated or misrouted.
var errChecksFailed = errors.New("bench: correctness checks failed")

// syncWriter serialises writes from the server's goroutines and the bench's.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p under the lock.
func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// benchLogHandler formats every record as the server's info-level logger would,
// so logging costs what it costs in production, but prints only the first
// warnings and errors and counts them all.
type benchLogHandler struct {
	quiet, loud slog.Handler
	warnings    *atomic.Int64
}

// maxPrintedWarnings bounds the server warnings copied to stderr.
const maxPrintedWarnings = 10

// newBenchLogger returns the in-process server's logger (see benchLogHandler).
func newBenchLogger(stderr io.Writer, warnings *atomic.Int64) *slog.Logger {
	return slog.New(benchLogHandler{
		quiet:    slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}),
		loud:     slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}),
		warnings: warnings,
	})
}

// Enabled reports whether the server would log at l.
func (h benchLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.quiet.Enabled(ctx, l)
}

// Handle formats r, and prints it when it is one of the first warnings.
func (h benchLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn && h.warnings.Add(1) <= maxPrintedWarnings {
		return h.loud.Handle(ctx, r)
	}
	return h.quiet.Handle(ctx, r)
}

// WithAttrs returns a handler with attrs on both outputs.
func (h benchLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return benchLogHandler{quiet: h.quiet.WithAttrs(attrs), loud: h.loud.WithAttrs(attrs), warnings: h.warnings}
}

// WithGroup returns a handler with the group on both outputs.
func (h benchLogHandler) WithGroup(name string) slog.Handler {
	return benchLogHandler{quiet: h.quiet.WithGroup(name), loud: h.loud.WithGroup(name), warnings: h.warnings}
}

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
	admin   *client.Client
	hc      *http.Client
	srv     *server.Server
	hs      *http.Server
	served  chan error

	httpOnce, closeOnce sync.Once
	httpErr, closeErr   error
}

// inProcess reports whether the bench started the server.
func (t *benchTarget) inProcess() bool { return t.srv != nil }

// startInProcess starts Switchboard on loopback with a database in dataDir,
// the fake Bot API at telegramURL, private URLs allowed and no rate limit.
func startInProcess(ctx context.Context, cfg benchConfig, dataDir, telegramURL string, log *slog.Logger) (*benchTarget, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: listen: %w", err)
	}
	base := "http://" + ln.Addr().String()
	scfg := serverDefaults()
	scfg.Addr = ln.Addr().String()
	scfg.DataDir = dataDir
	scfg.PublicURL = base
	scfg.AllowPrivateURLs = true
	scfg.RateLimit = 0
	scfg.TelegramAPIURL = telegramURL
	scfg.Synchronous = cfg.synchronous
	scfg.SecretKey = env("SECRET_KEY", "")
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
	token, err := srv.Auth.Bootstrap(ctx)
	if err == nil && token == "" {
		token, _, err = srv.Auth.EnsureUser(ctx, auth.DefaultTenant, "bench-admin", core.RoleAdmin, "bench")
	}
	if err != nil {
		t.close()
		return nil, fmt.Errorf("bench: admin token: %w", err)
	}
	t.admin = client.New(base, token, client.WithHTTPClient(t.hc))
	return t, nil
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

// agentToken issues an API token for agent i: directly in-process, through
// GraphQL (createUser, createApiToken) with --url.
func (t *benchTarget) agentToken(ctx context.Context, i int, runID string) (string, error) {
	if t.inProcess() {
		tok, _, err := t.srv.Auth.EnsureUser(ctx, auth.DefaultTenant, fmt.Sprintf("bench-agent-%d", i), core.RoleAgent, "bench")
		if err != nil {
			return "", fmt.Errorf("bench: agent %d: %w", i, err)
		}
		return tok, nil
	}
	u, err := client.CreateUser(ctx, t.admin, client.CreateUserInput{Name: fmt.Sprintf("bench-agent-%s-%d", runID, i), Role: client.UserRoleAgent})
	if err != nil {
		return "", fmt.Errorf("bench: create agent %d: %w", i, err)
	}
	tok, err := client.CreateApiToken(ctx, t.admin, client.CreateApiTokenInput{UserId: u.CreateUser.Id, Name: "bench"})
	if err != nil {
		return "", fmt.Errorf("bench: token of agent %d: %w", i, err)
	}
	return tok.CreateApiToken.Token, nil
}

// benchAccounts are the accounts the load posts to.
type benchAccounts struct {
	telegramID, telegramHook, telegramSecret string
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
	out.customHook = t.baseURL + "/webhooks/" + out.customID
	out.customSecret = customSecret
	return out, nil
}

// benchPtr returns a pointer to v, for optional GraphQL inputs.
func benchPtr[T any](v T) *T { return &v }

// telegramUpdateBody is a real-format text update from a private chat.
func telegramUpdateBody(updateID, chatID int64, text string, at time.Time) []byte {
	id := strconv.FormatInt(chatID, 10)
	return telegramtest.TextUpdate(updateID, updateID, telegramtest.Sender{ID: chatID, FirstName: "Bench", LastName: id, Username: "bench" + id}, text, at)
}

// custom event shapes, as CONTRACT.md defines them.
type (
	customSender struct {
		ID   string `json:"id"`
		Name string `json:"name,omitempty"`
	}
	customMessage struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	}
	customEvent struct {
		ID        string        `json:"id"`
		Type      string        `json:"type"`
		Timestamp string        `json:"timestamp"`
		Sender    customSender  `json:"sender"`
		Message   customMessage `json:"message"`
	}
)

// customEventBody is a one-event batch of a text message.
func customEventBody(seq int64, sender, text string, at time.Time) []byte {
	s := strconv.FormatInt(seq, 10)
	b, _ := json.Marshal(map[string][]customEvent{"events": {{
		ID: "evt-" + s, Type: "message", Timestamp: at.UTC().Format(time.RFC3339Nano),
		Sender:  customSender{ID: sender, Name: "Bench " + sender},
		Message: customMessage{ID: "m-" + s, Text: text},
	}}})
	return b
}

// webhookMaker builds signed webhooks of the load.
type webhookMaker struct {
	acc      benchAccounts
	share    float64
	senders  int
	chatBase int64
	runID    string
	seq      atomic.Int64
	// probes counts the probe webhooks, which share the sequence numbers.
	probes atomic.Int64
}

// next returns the URL, headers and body of a new webhook with sequence number
// seq from a random sender, and the sender (the provider user ID its contact has).
func (m *webhookMaker) next() (seq int64, url string, header http.Header, body []byte) {
	seq = m.seq.Add(1)
	i := mrand.IntN(m.senders)
	now := time.Now()
	if m.acc.customHook != "" && mrand.Float64() < m.share {
		sender := customSenderPrefix + m.runID + "-" + strconv.Itoa(i)
		body = customEventBody(seq, sender, benchText(seq, now, sender), now)
		return seq, m.acc.customHook, http.Header{
			"Content-Type":             {"application/json"},
			customtest.HeaderTimestamp: {strconv.FormatInt(now.Unix(), 10)},
			customtest.HeaderSignature: {customtest.Sign(m.acc.customSecret, now, body)},
		}, body
	}
	chat := m.chatBase + int64(i)
	body = telegramUpdateBody(seq, chat, benchText(seq, now, strconv.FormatInt(chat, 10)), now)
	return seq, m.acc.telegramHook, m.telegramHeader(), body
}

// telegramHeader is what the Bot API sends with every update.
func (m *webhookMaker) telegramHeader() http.Header {
	return http.Header{"Content-Type": {"application/json"}, telegramtest.SecretHeader: {m.acc.telegramSecret}}
}

// probe returns a webhook from the probe chat, which agents leave unassigned.
func (m *webhookMaker) probe() (url string, header http.Header, body []byte) {
	seq := m.seq.Add(1)
	m.probes.Add(1)
	return m.acc.telegramHook, m.telegramHeader(), telegramUpdateBody(seq, m.chatBase-1, probeTextPrefix+strconv.FormatInt(seq, 10), time.Now())
}

// memStats reads the process's resident set size and its peak, in MB.
func memStats() (rss, peak float64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if name == "VmRSS" {
			rss = kb / 1024
		} else {
			peak = kb / 1024
		}
	}
	return rss, peak
}

// dbCheck is what the database holds of the load's messages.
type dbCheck struct {
	stored, dup, misrouted, notStored int
	// lostDetails describe, for the first lost messages, where they were filed
	// and the cursors of their events, to tell a storage loss from a stream's.
	lostDetails []string
}

// maxLostDetails bounds the lost messages described in the report.
const maxLostDetails = 5

// describeLost explains what happened to the first lost sequence numbers.
func describeLost(ctx context.Context, db *sql.DB, lost []int64) ([]string, error) {
	var out []string
	for _, seq := range lost[:min(len(lost), maxLostDetails)] {
		var (
			msgID, convID, eventCursor, eventAssignee int64
			holder, assigned                          string
		)
		err := db.QueryRowContext(ctx, `
			SELECT m.id, COALESCE(m.conversation_id, 0), COALESCE(u.name, '(nobody)'),
				COALESCE((SELECT e.id FROM events e WHERE e.message_id = m.id AND e.kind = 'MESSAGE_CREATED'), 0),
				COALESCE((SELECT e.assignee_id FROM events e WHERE e.message_id = m.id AND e.kind = 'MESSAGE_CREATED'), 0),
				COALESCE((SELECT GROUP_CONCAT(e.id) FROM events e WHERE e.conversation_id = m.conversation_id AND e.kind = 'CONVERSATION_ASSIGNED'), '')
			FROM messages m
			LEFT JOIN conversations v ON v.id = m.conversation_id
			LEFT JOIN users u ON u.id = v.assignee_id
			WHERE m.direction = 'INBOUND' AND m.text LIKE ?`, "bench "+strconv.FormatInt(seq, 10)+" %").
			Scan(&msgID, &convID, &holder, &eventCursor, &eventAssignee, &assigned)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			out = append(out, fmt.Sprintf("seq %d: not stored", seq))
		case err != nil:
			return out, fmt.Errorf("bench: describe lost message %d: %w", seq, err)
		default:
			out = append(out, fmt.Sprintf("seq %d: message %d in conversation %d held by %s; its MESSAGE_CREATED cursor %d (assignee id %d at the time); CONVERSATION_ASSIGNED cursors [%s]",
				seq, msgID, convID, holder, eventCursor, eventAssignee, assigned))
		}
	}
	return out, nil
}

// checkDatabase reads every inbound message of the bench accounts from the
// closed server's database: a sequence number stored twice is a duplicate, a
// message filed in a conversation of another contact (or on the wrong account
// type, or not filed at all) is misrouted, and an accepted one not stored is lost.
func checkDatabase(ctx context.Context, dataDir, synchronous string, acc benchAccounts, accepted, lost []int64) (dbCheck, error) {
	var out dbCheck
	db, err := sql.Open("sqlite3", store.DSN(store.Options{DataDir: dataDir, Synchronous: synchronous}))
	if err != nil {
		return out, fmt.Errorf("bench: open database: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `
		SELECT m.text, m.contact_id, v.contact_id, c.provider_user_id, a.type
		FROM messages m
		JOIN integration_accounts a ON a.id = m.integration_account_id
		LEFT JOIN conversations v ON v.id = m.conversation_id
		LEFT JOIN contacts c ON c.id = v.contact_id
		WHERE m.direction = 'INBOUND' AND a.account_id IN (?, ?)`, acc.telegramID, acc.customID)
	if err != nil {
		return out, fmt.Errorf("bench: query messages: %w", err)
	}
	defer rows.Close()
	count := map[int64]int{}
	for rows.Next() {
		var (
			text, typ    string
			msgContact   int64
			convContact  sql.NullInt64
			providerUser sql.NullString
		)
		if err := rows.Scan(&text, &msgContact, &convContact, &providerUser, &typ); err != nil {
			return out, fmt.Errorf("bench: read messages: %w", err)
		}
		seq, _, sender, ok := parseBenchText(text)
		if !ok {
			continue
		}
		out.stored++
		if count[seq]++; count[seq] > 1 {
			out.dup++
		}
		wantType := "TELEGRAM"
		if strings.HasPrefix(sender, customSenderPrefix) {
			wantType = "CUSTOM"
		}
		if !convContact.Valid || convContact.Int64 != msgContact || providerUser.String != sender || typ != wantType {
			out.misrouted++
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("bench: read messages: %w", err)
	}
	for _, seq := range accepted {
		if count[seq] == 0 {
			out.notStored++
		}
	}
	out.lostDetails, err = describeLost(ctx, db, lost)
	return out, err
}

// agentStats sums the agents' counters.
type agentStats struct {
	reconnects, streamErrors, takes, takeLost, takeErrors int64
	replies, replyErrors, replySkipped, jobDrops, foreign int64
	lastErr                                               string
}

// sumAgents adds up the agents' counters and keeps the latest error.
func sumAgents(agents []*benchAgent) agentStats {
	var s agentStats
	for _, a := range agents {
		s.reconnects += a.reconnects.Load()
		s.streamErrors += a.streamErrors.Load()
		s.takes += a.takes.Load()
		s.takeLost += a.takeLost.Load()
		s.takeErrors += a.takeErrors.Load()
		s.replies += a.replies.Load()
		s.replyErrors += a.replyErrors.Load()
		s.replySkipped += a.replySkipped.Load()
		s.jobDrops += a.jobDrops.Load()
		s.foreign += a.foreign.Load()
		if e := a.lastError(); e != "" {
			s.lastErr = e
		}
	}
	return s
}

// bench runs `switchboard bench`: it loads Switchboard (in-process, or --url)
// with signed webhooks while agents subscribe and reply, checks that nothing was
// lost, duplicated or misrouted, measures the two bounds, and prints the report
// whose last line is machine-readable. It fails when a check fails.
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg, err := parseBenchFlags(args, stderr)
	if err != nil {
		return err
	}
	errw := &syncWriter{w: stderr}
	progress := func(format string, a ...any) { fmt.Fprintf(errw, "bench: "+format+"\n", a...) }
	runID := randomHex(4)

	dataDir := cfg.dataDir
	if dataDir == "" {
		if dataDir, err = os.MkdirTemp("", "switchboard-bench-*"); err != nil {
			return fmt.Errorf("bench: data folder: %w", err)
		}
		defer os.RemoveAll(dataDir)
	} else if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("bench: data folder: %w", err)
	}
	boundsDir := filepath.Join(dataDir, "bench-bounds-"+runID)
	defer os.RemoveAll(boundsDir)

	// The fake messengers on loopback.
	ledger := newReplyLedger()
	// The Bot API keeps no log (the ledger counts), and takes the loopback
	// http:// webhook Telegram itself would refuse.
	tg := telegramtest.NewAPI(fmt.Sprintf("%d:AA%s", 100000+mrand.IntN(900000), randomHex(16)))
	tg.SetLogging(false)
	tg.AllowHTTPWebhooks(true)
	tg.OnMessage(func(m telegramtest.Message) { ledger.record("telegram", strconv.FormatInt(m.ChatID, 10), m.Text) })
	tgSrv, err := startFake(ctx, cfg.telegramListen, tg)
	if err != nil {
		return fmt.Errorf("bench: fake Bot API: %w", err)
	}
	defer tgSrv.Close()
	// The custom messenger keeps no log either; it passes each reply to the
	// ledger once, however often it was retried.
	cm := customtest.NewMessenger(randomHex(24))
	cm.SetLogging(false)
	cm.OnMessage(func(m customtest.Message) { ledger.record("custom", m.Recipient, m.Text) })
	cmSrv, err := startFake(ctx, "127.0.0.1:0", cm)
	if err != nil {
		return fmt.Errorf("bench: fake custom messenger: %w", err)
	}
	defer cmSrv.Close()

	// The server.
	var warnings atomic.Int64
	var target *benchTarget
	if cfg.url == "" {
		progress("starting Switchboard in-process (data %s, synchronous=%s)", dataDir, cfg.synchronous)
		target, err = startInProcess(ctx, cfg, dataDir, tgSrv.URL, newBenchLogger(errw, &warnings))
	} else {
		progress("targeting %s (its Telegram API URL must be %s)", cfg.url, tgSrv.URL)
		target, err = connectExternal(ctx, cfg.url, cfg.token)
	}
	if err != nil {
		return err
	}
	defer target.close()

	acc, err := setupAccounts(ctx, target, tg, cmSrv.URL, cm.Code(), runID, cfg.customShare)
	if err != nil {
		return err
	}
	if acc.customNote != "" {
		progress("%s", acc.customNote)
	}
	maker := &webhookMaker{acc: acc, share: cfg.customShare, senders: cfg.senders, runID: runID,
		chatBase: 1_000_000_000 + mrand.Int64N(1_000_000_000)}
	probeUser := strconv.FormatInt(maker.chatBase-1, 10)

	// The agents: a reader and lanes of workers each, owned by these contexts.
	obs := newObservations(cfg.agents)
	agents := make([]*benchAgent, cfg.agents)
	for i := range agents {
		tok, err := target.agentToken(ctx, i, runID)
		if err != nil {
			return err
		}
		c := client.New(target.baseURL, tok, client.WithHTTPClient(target.hc))
		me, err := client.Me(ctx, c)
		if err != nil {
			return fmt.Errorf("bench: agent %d: me: %w", i, err)
		}
		agents[i] = newBenchAgent(i, c, me.Me.Id, obs, cfg.replyEvery, probeUser, runID)
	}
	readersCtx, stopReaders := context.WithCancel(ctx)
	workersCtx, stopWorkers := context.WithCancel(ctx)
	var readers, workers sync.WaitGroup
	for _, a := range agents {
		readers.Add(1)
		go func() { defer readers.Done(); a.run(readersCtx) }()
		workers.Add(1)
		go func() { defer workers.Done(); a.runWorkers(workersCtx) }()
	}
	agentsStopped := false
	stopAgents := func() {
		if agentsStopped {
			return
		}
		agentsStopped = true
		stopWorkers()
		workers.Wait()
		for _, a := range agents {
			a.stopping.Store(true)
		}
		// In-process, the server ends the websockets; the readers see their
		// streams end and return without reconnecting.
		if target.inProcess() {
			target.shutdownHTTP()
		}
		done := make(chan struct{})
		go func() { readers.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			stopReaders()
			<-done
		}
		stopReaders()
	}
	defer stopAgents()

	loadHC := newLoadClient(cfg.concurrency)
	defer loadHC.CloseIdleConnections()

	// Every agent must be subscribed before the load: post probe messages until
	// each has seen one.
	progress("%d agents subscribing", cfg.agents)
	probeDeadline := time.Now().Add(15 * time.Second)
	probeWorker := &loadWorker{hc: loadHC, statuses: map[int]int{}}
	for {
		all := true
		for _, a := range agents {
			all = all && a.probeSeen.Load()
		}
		if all {
			break
		}
		if time.Now().After(probeDeadline) {
			return fmt.Errorf("bench: agents not subscribed after 15s (probe answers %v, last error %v)", probeWorker.statuses, probeWorker.lastErr)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		url, h, body := maker.probe()
		probeWorker.post(ctx, url, h, body)
		time.Sleep(100 * time.Millisecond)
	}

	// The load.
	stopProfile, err := startCPUProfile(cfg.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	progress("posting webhooks for %s with concurrency %d", cfg.duration, cfg.concurrency)
	var resends atomic.Int64
	loadStart := time.Now()
	load := runLoad(ctx, cfg.concurrency, cfg.duration, loadHC, func(ctx context.Context, w *loadWorker) {
		seq, url, h, body := maker.next()
		ok := w.post(ctx, url, h, body) == http.StatusOK
		if cfg.dupEvery > 0 && seq%cfg.dupEvery == 0 {
			resends.Add(1)
			ok = w.post(ctx, url, h, body) == http.StatusOK || ok
		}
		if ok {
			w.accepted = append(w.accepted, seq)
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	slices.Sort(load.accepted)

	// Drain: until every accepted webhook reached an agent and every reply
	// reached its messenger, or the drain timeout.
	progress("draining (up to %s)", cfg.drain)
	drainStart := time.Now()
	missing := load.accepted
	drained := false
	for {
		missing = obs.unseen(missing)
		pending := int64(0)
		for _, a := range agents {
			pending += a.pending.Load()
		}
		queued := sumAgents(agents).replies
		if len(missing) == 0 && pending == 0 && int64(ledger.snapshot().delivered()) >= queued {
			drained = true
			break
		}
		if time.Since(drainStart) > cfg.drain || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	drainTime := time.Since(drainStart)
	// Let the last events (reply status updates) reach the agents before
	// their streams close.
	for quiet := time.Now().Add(2 * time.Second); time.Now().Before(quiet); time.Sleep(50 * time.Millisecond) {
		latest := int64(0)
		for _, a := range agents {
			latest = max(latest, a.lastEvent.Load())
		}
		if time.Since(time.Unix(0, latest)) > 300*time.Millisecond {
			break
		}
	}
	stopProfile()
	rss, peak := memStats()
	lostSeqs := obs.unseen(load.accepted)
	lost := len(lostSeqs)
	stopAgents()
	ag := sumAgents(agents)
	replies := ledger.snapshot()
	evDup, evMisrouted := obs.counts()

	var dbc dbCheck
	dbChecked := false
	if target.inProcess() {
		if err := target.close(); err != nil {
			return err
		}
		if dbc, err = checkDatabase(ctx, dataDir, cfg.synchronous, acc, load.accepted, lostSeqs); err != nil {
			return err
		}
		dbChecked = true
	}

	// The bounds, on the same disk with the same settings, after the server
	// stopped so they do not share the CPU with it.
	progress("measuring raw SQLite for %s", cfg.sqliteDuration)
	sq, err := measureSQLite(ctx, filepath.Join(boundsDir, "sqlite"), cfg.synchronous, cfg.sqliteDuration)
	if err != nil {
		return err
	}
	progress("measuring the bare server for %s with concurrency %d", cfg.duration, cfg.concurrency)
	bare, err := measureBare(ctx, filepath.Join(boundsDir, "bare"), cfg.synchronous, cfg.concurrency, cfg.duration)
	if err != nil {
		return err
	}

	// The report.
	obs.mu.Lock()
	e2e := slices.Clone(obs.e2e)
	redelivered := obs.redelivered
	obs.mu.Unlock()
	slices.Sort(e2e)
	rate := load.perSecond()
	ratio := func(a, b float64) float64 {
		if b <= 0 {
			return 0
		}
		return a / b
	}
	sqliteRatio, bareRatio := ratio(rate, sq.perSecond()), ratio(rate, bare.load.perSecond())
	repliesPerS := 0.0
	if d := replies.last.Sub(loadStart); replies.delivered() > 0 && d > 0 {
		repliesPerS = float64(replies.delivered()) / d.Seconds()
	}
	dup := max(dbc.dup, evDup)
	misrouted := max(dbc.misrouted, evMisrouted) + replies.misrouted
	if dbChecked {
		lost = max(lost, dbc.notStored)
	}
	sent := maker.seq.Load()
	share := cfg.customShare
	if acc.customHook == "" {
		share = 0
	}

	p := func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }
	if target.inProcess() {
		p("Switchboard in-process at %s, SQLite synchronous=%s, data in %s", target.baseURL, cfg.synchronous, dataDir)
	} else {
		p("Switchboard at %s (external; bounds measured on %s, synchronous=%s)", target.baseURL, dataDir, cfg.synchronous)
	}
	accounts := "TELEGRAM only"
	if acc.customHook != "" {
		accounts = fmt.Sprintf("TELEGRAM + CUSTOM (%.0f%% of webhooks, signed per CONTRACT.md)", 100*share)
	}
	p("  load: %s, %d senders per account, %d agents, concurrency %d, %s", accounts, cfg.senders, cfg.agents, cfg.concurrency, cfg.duration)
	if acc.customNote != "" {
		p("  note: %s", acc.customNote)
	}
	p("  webhooks: %d answered 200 (%d new, %d deliberate re-deliveries) in %.2fs = %.0f/s; %s",
		load.ok(), sent-maker.probes.Load(), resends.Load(), load.elapsed.Seconds(), rate, otherAnswers(load))
	if load.lastErr != nil {
		p("  last transport error: %v", load.lastErr)
	}
	p("  webhook answer latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
		ms(percentile(load.latencies, 0.5)), ms(percentile(load.latencies, 0.99)), ms(percentile(load.latencies, 1)))
	p("  webhook-to-subscriber latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d deliveries to agents)",
		ms(percentile(e2e, 0.5)), ms(percentile(e2e, 0.99)), ms(percentile(e2e, 1)), len(e2e))
	p("  replies: %d queued by agents, %d delivered (Telegram %d, custom %d) = %.0f/s; %d repeated, %d to the wrong recipient",
		ag.replies, replies.delivered(), replies.telegram, replies.custom, repliesPerS, replies.repeats, replies.misrouted)
	p("  agents: %d conversations taken (%d lost the race), %d reconnects, %d stream errors, %d take errors, %d reply errors, %d dropped jobs",
		ag.takes, ag.takeLost, ag.reconnects, ag.streamErrors, ag.takeErrors, ag.replyErrors, ag.jobDrops)
	if ag.lastErr != "" {
		p("  last agent error: %s", ag.lastErr)
	}
	drainNote := fmt.Sprintf("drained in %.2fs", drainTime.Seconds())
	if !drained {
		drainNote = fmt.Sprintf("NOT drained after %s", cfg.drain)
	}
	p("  checks (%s): lost %d of %d accepted, dup %d, misrouted %d, events delivered twice to one agent %d", drainNote, lost, len(load.accepted), dup, misrouted, redelivered)
	if dbChecked {
		p("    database: %d load messages stored, %d accepted but not stored, %d stored twice, %d misrouted", dbc.stored, dbc.notStored, dbc.dup, dbc.misrouted)
		for _, d := range dbc.lostDetails {
			p("    lost %s", d)
		}
	} else {
		p("    database not checked (external server): dup and misrouted come from the agents' events only")
		if len(lostSeqs) > 0 {
			p("    first lost sequence numbers: %v", lostSeqs[:min(len(lostSeqs), maxLostDetails)])
		}
	}
	p("    events: %d stored twice, %d misrouted; replies: %d misrouted", evDup, evMisrouted, replies.misrouted)
	if target.inProcess() {
		p("  memory: RSS %.1f MB, peak %.1f MB (the whole bench process: server, load generator, agents); %d server warnings", rss, peak, warnings.Load())
	} else {
		p("  memory: bench process RSS %.1f MB (not the server's)", rss)
	}
	p("Bounds (same disk, synchronous=%s):", cfg.synchronous)
	p("  raw SQLite, one %d-byte row per transaction, 1 goroutine: %.0f rows/s (%d in %.2fs)",
		boundRowBytes, sq.perSecond(), sq.rows, sq.elapsed.Seconds())
	p("  bare net/http + HMAC + group commit, concurrency %d: %.0f req/s (%d in %.2fs, %d transactions), answer p50 %.2f ms, p99 %.2f ms; %s",
		cfg.concurrency, bare.load.perSecond(), bare.load.ok(), bare.load.elapsed.Seconds(), bare.batches,
		ms(percentile(bare.load.latencies, 0.5)), ms(percentile(bare.load.latencies, 0.99)), otherAnswers(bare.load))
	p("  Switchboard / raw SQLite = %.2f, Switchboard / bare server = %.2f", sqliteRatio, bareRatio)
	p("webhooks_per_s=%.0f sqlite_ratio=%.2f bare_ratio=%.2f answer_p99_ms=%.2f e2e_p99_ms=%.2f lost=%d dup=%d misrouted=%d replies_per_s=%.0f rss_mb=%.1f custom_share=%.2f",
		rate, sqliteRatio, bareRatio, ms(percentile(load.latencies, 0.99)), ms(percentile(e2e, 0.99)), lost, dup, misrouted, repliesPerS, rss, share)

	if lost > 0 || dup > 0 || misrouted > 0 {
		return fmt.Errorf("%w: lost=%d dup=%d misrouted=%d", errChecksFailed, lost, dup, misrouted)
	}
	if load.ok() == 0 {
		return errors.New("bench: no webhook was accepted")
	}
	return nil
}

// startCPUProfile profiles the process into file, when given, until the returned
// function is called (it may be called more than once).
func startCPUProfile(file string) (func(), error) {
	if file == "" {
		return func() {}, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("bench: --cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench: --cpuprofile: %w", err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			f.Close()
		})
	}, nil
}

// otherAnswers describes the answers other than 200 and the requests without
// an answer.
func otherAnswers(r loadResult) string {
	var parts []string
	codes := make([]int, 0, len(r.statuses))
	for code := range r.statuses {
		if code != http.StatusOK {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	for _, code := range codes {
		parts = append(parts, fmt.Sprintf("%d× %d", r.statuses[code], code))
	}
	if r.transportErrs > 0 {
		parts = append(parts, fmt.Sprintf("%d without answer", r.transportErrs))
	}
	if len(parts) == 0 {
		return "no other answers"
	}
	return "also " + strings.Join(parts, ", ")
}
