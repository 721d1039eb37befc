package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/secrets"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/server"
)

// syncBuffer is a bytes.Buffer that the command's goroutine may write while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// isolateEnv unsets every SWITCHBOARD_* variable for the test, so the caller's
// environment cannot change what the command does; t.Setenv restores them.
// The test PostgreSQL's address (storetest.EnvURL) stays, for useTestDatabase.
func isolateEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "SWITCHBOARD_") && name != storetest.EnvURL {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
}

// useTestDatabase points the commands (through SWITCHBOARD_DATABASE_URL) and
// withServer at a new database on the test PostgreSQL when the suite runs on
// one (make test-postgres); otherwise they keep SQLite in their data folder.
func useTestDatabase(t *testing.T) {
	t.Helper()
	if url := storetest.DatabaseURL(t); url != "" {
		t.Setenv("SWITCHBOARD_DATABASE_URL", url)
	}
}

// runCLI runs the command to completion and returns what it printed.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

var tokenRe = regexp.MustCompile(`sb_[A-Za-z0-9_-]+`)

// createToken runs `token create` and returns the one token line it printed.
func createToken(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, err := runCLI(t, append([]string{"token", "create"}, args...)...)
	if err != nil {
		t.Fatalf("token create %v: %v (stderr %q)", args, err, stderr)
	}
	if !strings.HasSuffix(stdout, "\n") || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("token create printed %q; want exactly one line", stdout)
	}
	token := strings.TrimSuffix(stdout, "\n")
	if !strings.HasPrefix(token, "sb_") || !tokenRe.MatchString(token) || tokenRe.FindString(token) != token {
		t.Fatalf("token create printed %q; want a single sb_ token", token)
	}
	return token
}

// withServer opens the data folder as the server would, with secretKey as
// SWITCHBOARD_SECRET_KEY (empty: the key file), runs fn and closes the server.
// Call it only while no command has the folder open.
func withServer(t *testing.T, dir, secretKey string, fn func(ctx context.Context, srv *server.Server)) {
	t.Helper()
	cfg := server.Defaults()
	cfg.DataDir = dir
	cfg.DatabaseURL = os.Getenv("SWITCHBOARD_DATABASE_URL") // see useTestDatabase
	cfg.SecretKey = secretKey
	cfg.BcryptCost = bcrypt.MinCost
	srv, err := server.New(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("server.New(%s): %v", dir, err)
	}
	defer func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
	}()
	fn(t.Context(), srv)
}

func TestTokenCreate(t *testing.T) {
	isolateEnv(t)
	useTestDatabase(t)
	dir := t.TempDir()

	admin := createToken(t, "--role", "ADMIN", "--user", "alice", "--data-dir", dir)
	agent := createToken(t, "--tenant", "other", "--user", "bob", "--role", "AGENT", "--data-dir", dir)
	if admin == agent {
		t.Fatal("two token create calls printed the same token")
	}

	withServer(t, dir, "", func(ctx context.Context, srv *server.Server) {
		va, err := srv.Auth.Authenticate(ctx, admin)
		if err != nil {
			t.Fatalf("authenticate alice's token: %v", err)
		}
		vb, err := srv.Auth.Authenticate(ctx, agent)
		if err != nil {
			t.Fatalf("authenticate bob's token: %v", err)
		}
		if va.Role != core.RoleAdmin || vb.Role != core.RoleAgent {
			t.Errorf("roles = %s, %s; want ADMIN, AGENT", va.Role, vb.Role)
		}
		if va.TenantID == 0 || vb.TenantID == 0 || va.TenantID == vb.TenantID {
			t.Errorf("tenants = %d, %d; want two different tenants", va.TenantID, vb.TenantID)
		}
		if _, err := srv.Auth.Authenticate(ctx, admin+"x"); !errors.Is(err, core.ErrUnauthenticated) {
			t.Errorf("authenticate a tampered token: err = %v; want ErrUnauthenticated", err)
		}
	})

	// Two tenants now exist, so one must be named.
	stdout, _, err := runCLI(t, "token", "create", "--role", "ADMIN", "--user", "carol", "--data-dir", dir)
	if err == nil || stdout != "" {
		t.Errorf("token create without --tenant among two tenants: err = %v, stdout %q; want an error and no output", err, stdout)
	}

	// A second token for an existing user in the only-tenant case is fine, and
	// the role may be given in lower case.
	dir2 := t.TempDir()
	useTestDatabase(t)
	first := createToken(t, "--role", "admin", "--user", "alice", "--data-dir", dir2)
	second := createToken(t, "--role", "ADMIN", "--user", "alice", "--data-dir", dir2)
	withServer(t, dir2, "", func(ctx context.Context, srv *server.Server) {
		v1, err1 := srv.Auth.Authenticate(ctx, first)
		v2, err2 := srv.Auth.Authenticate(ctx, second)
		if err1 != nil || err2 != nil {
			t.Fatalf("authenticate: %v, %v", err1, err2)
		}
		if v1.UserID != v2.UserID || v1.TenantID != v2.TenantID || v1.Role != core.RoleAdmin {
			t.Errorf("viewers %+v and %+v; want the same ADMIN user", v1, v2)
		}
	})
}

func TestTokenCreateRejectsBadInput(t *testing.T) {
	isolateEnv(t)
	tests := []struct {
		name string
		args []string
	}{
		{"unknown role", []string{"--role", "OWNER", "--user", "alice"}},
		{"missing role", []string{"--user", "alice"}},
		{"missing user", []string{"--role", "ADMIN"}},
		{"blank user", []string{"--role", "ADMIN", "--user", "  "}},
		{"unknown flag", []string{"--role", "ADMIN", "--user", "alice", "--nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			args := append([]string{"token", "create", "--data-dir", dir}, tt.args...)
			stdout, stderr, err := runCLI(t, args...)
			if !errors.Is(err, errUsage) {
				t.Errorf("err = %v; want errUsage", err)
			}
			if stdout != "" {
				t.Errorf("stdout = %q; want nothing", stdout)
			}
			if stderr == "" {
				t.Error("stderr is empty; want a hint at the right usage")
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("data folder was created (stat err %v); bad input should touch nothing", err)
			}
		})
	}
}

func TestDataDirFromEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		flagDir bool // also pass --data-dir, which must win
	}{
		{"env only", false},
		{"flag wins over env", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			envDir := filepath.Join(t.TempDir(), "from-env")
			flagDir := filepath.Join(t.TempDir(), "from-flag")
			t.Setenv("SWITCHBOARD_DATA_DIR", envDir)
			args := []string{"--role", "ADMIN", "--user", "alice"}
			want, other := envDir, flagDir
			if tt.flagDir {
				args = append(args, "--data-dir", flagDir)
				want, other = flagDir, envDir
			}
			token := createToken(t, args...)
			if _, err := os.Stat(filepath.Join(want, "switchboard.db")); err != nil {
				t.Errorf("database not in %s: %v", want, err)
			}
			if _, err := os.Stat(filepath.Join(want, server.KeyFileName)); err != nil {
				t.Errorf("key file not in %s: %v", want, err)
			}
			if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s was created (stat err %v); want it untouched", other, err)
			}
			withServer(t, want, "", func(ctx context.Context, srv *server.Server) {
				if _, err := srv.Auth.Authenticate(ctx, token); err != nil {
					t.Errorf("token does not authenticate against %s: %v", want, err)
				}
			})
		})
	}
}

// startServe runs `serve` on dir until the returned stop is called; stop cancels
// it and returns run's error.
func startServe(t *testing.T, dir string) (stdout, stderr *syncBuffer, stop func() error) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, stdout, stderr)
	}()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				err = errors.New("serve did not return within 30s of cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stdout, stderr, stop
}

// waitFor polls cond until it holds or 30 seconds pass.
func waitFor(t *testing.T, what string, cond func() bool, diag func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; %s", what, diag())
		}
		<-tick.C
	}
}

// listening reports whether the JSON log has the "switchboard listening" line.
func listening(stderr string) bool {
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"msg":"switchboard listening"`) {
			return true
		}
	}
	return false
}

func TestServePrintsTokenOnFirstStartOnly(t *testing.T) {
	isolateEnv(t)
	dir := t.TempDir()

	// First start: a token for the bootstrap admin on stdout.
	stdout, stderr, stop := startServe(t, dir)
	waitFor(t, "the first-start token",
		func() bool { return tokenRe.MatchString(stdout.String()) && listening(stderr.String()) },
		func() string { return "stdout " + stdout.String() + "; stderr " + stderr.String() })
	if err := stop(); err != nil {
		t.Fatalf("first serve returned %v; want nil after cancel", err)
	}
	token := tokenRe.FindString(stdout.String())
	if n := len(tokenRe.FindAllString(stdout.String(), -1)); n != 1 {
		t.Errorf("first start printed %d tokens; want 1", n)
	}

	// Second start on the same folder: no token.
	stdout, stderr, stop = startServe(t, dir)
	waitFor(t, `the "switchboard listening" log line`,
		func() bool { return listening(stderr.String()) },
		func() string { return "stderr " + stderr.String() })
	if err := stop(); err != nil {
		t.Fatalf("second serve returned %v; want nil after cancel", err)
	}
	if strings.Contains(stdout.String(), "sb_") {
		t.Errorf("second start printed a token: %q", stdout.String())
	}

	withServer(t, dir, "", func(ctx context.Context, srv *server.Server) {
		v, err := srv.Auth.Authenticate(ctx, token)
		if err != nil {
			t.Fatalf("first-start token does not authenticate: %v", err)
		}
		if v.Role != core.RoleAdmin {
			t.Errorf("first-start token role = %s; want ADMIN", v.Role)
		}
	})
}

func TestServeRejectsBadFlags(t *testing.T) {
	isolateEnv(t)
	tests := []struct {
		name      string
		args      []string
		wantUsage bool
	}{
		{"unknown flag", []string{"--nope"}, true},
		{"bad number", []string{"--max-depth", "deep"}, false},
		{"bad duration", []string{"--session-ttl", "forever"}, false},
		{"bad bool", []string{"--allow-private-urls=perhaps"}, true},
		{"bool flag given a separate value", []string{"--allow-private-urls", "true"}, true},
		{"stray argument", []string{"now"}, true},
		{"bad webhook rate", []string{"--webhook-rate-limit", "lots"}, false},
		{"bad provider URL pair", []string{"--provider-api-urls", "viber"}, false},
		{"retention too short for a resume", []string{"--event-retention", "5m"}, false},
		{"bad webhook retention", []string{"--webhook-retention", "a week"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			// Bad flags are refused at once; a serve that started anyway is
			// stopped after a while rather than hanging the test.
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			var out, errOut bytes.Buffer
			err := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, tt.args...), &out, &errOut)
			stdout := out.String()
			if err == nil {
				t.Fatal("serve accepted bad flags")
			}
			if got := errors.Is(err, errUsage); got != tt.wantUsage {
				t.Errorf("errors.Is(%v, errUsage) = %v; want %v", err, got, tt.wantUsage)
			}
			if stdout != "" {
				t.Errorf("stdout = %q; want nothing", stdout)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("data folder was created (stat err %v) despite bad flags", err)
			}
		})
	}
}

// keyLines returns the key lines of a key file (not comments or blanks).
func keyLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read key file: %v", err)
	}
	var keys []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			keys = append(keys, l)
		}
	}
	return keys
}

const botToken = "123456:SECRET-ABCDEFGHIJKLMNOP"

// createBot stores a Telegram account with a secret in dir, sealed under
// secretKey (empty: the key file), and returns its ID.
func createBot(t *testing.T, dir, secretKey string) int {
	t.Helper()
	ptr := func(s string) *string { return &s }
	var id int
	withServer(t, dir, secretKey, func(ctx context.Context, srv *server.Server) {
		token, _, err := srv.Auth.EnsureUser(ctx, "default", "admin", core.RoleAdmin, "t")
		if err != nil {
			t.Fatalf("ensure user: %v", err)
		}
		v, err := srv.Auth.Authenticate(ctx, token)
		if err != nil {
			t.Fatalf("authenticate: %v", err)
		}
		a, err := srv.Accounts.Create(core.WithViewer(ctx, v), "bot", "telegram", map[string]*string{
			"botUsername": ptr("my_bot"),
			"botToken":    ptr(botToken),
		})
		if err != nil {
			t.Fatalf("create account: %v", err)
		}
		id = a.ID
	})
	return id
}

// openBotSecrets reopens dir with secretKey and returns the account's opened
// secrets, or the error of opening them.
func openBotSecrets(t *testing.T, dir, secretKey string, id int) (map[string]string, error) {
	t.Helper()
	var (
		sec map[string]string
		err error
	)
	withServer(t, dir, secretKey, func(ctx context.Context, srv *server.Server) {
		a, gerr := srv.Accounts.Get(core.SystemContext(ctx), id)
		if gerr != nil {
			t.Fatalf("get account %d: %v", id, gerr)
		}
		sec, err = srv.Accounts.Secrets(a)
	})
	return sec, err
}

func TestKeysRotateKeyFile(t *testing.T) {
	isolateEnv(t)
	useTestDatabase(t)
	dir := t.TempDir()
	id := createBot(t, dir, "")
	path := filepath.Join(dir, server.KeyFileName)
	before := keyLines(t, path)
	if len(before) != 1 {
		t.Fatalf("key file has %d keys before rotation; want 1", len(before))
	}

	stdout, stderr, err := runCLI(t, "keys", "rotate", "--data-dir", dir)
	if err != nil {
		t.Fatalf("keys rotate: %v (stderr %q)", err, stderr)
	}
	if !strings.Contains(stdout, "Re-encrypted 1 account(s)") {
		t.Errorf("stdout = %q; want it to report 1 re-encrypted account", stdout)
	}

	after := keyLines(t, path)
	if len(after) != 1 {
		t.Fatalf("key file has %d keys after rotation; want exactly 1", len(after))
	}
	if after[0] == before[0] {
		t.Error("key file still holds the old key")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %04o; want 0600", perm)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "."+server.KeyFileName+".tmp-*")); len(leftovers) > 0 {
		t.Errorf("temporary key files left behind: %v", leftovers)
	}

	sec, err := openBotSecrets(t, dir, "", id)
	if err != nil {
		t.Fatalf("secrets after rotation: %v", err)
	}
	if sec["botToken"] != botToken {
		t.Errorf("botToken after rotation = %q; want %q", sec["botToken"], botToken)
	}

	// The old key alone no longer opens the rotated secrets.
	if _, err := openBotSecrets(t, dir, before[0], id); err == nil {
		t.Error("the old key still opens the secrets after rotation")
	}
}

func TestKeysRotateWithoutKeyFile(t *testing.T) {
	isolateEnv(t)
	useTestDatabase(t)
	dir := t.TempDir()
	stdout, _, err := runCLI(t, "keys", "rotate", "--data-dir", dir)
	if err == nil {
		t.Fatal("keys rotate without a key file succeeded")
	}
	if stdout != "" {
		t.Errorf("stdout = %q; want nothing", stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, server.KeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("keys rotate created a key file (stat err %v); it must not start a new keyring", err)
	}
}

func TestKeysRotateEnvironmentKey(t *testing.T) {
	newKey := func(t *testing.T) string {
		t.Helper()
		k, err := secrets.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	tests := []struct {
		name    string
		nextKey bool // set SWITCHBOARD_NEW_SECRET_KEY
	}{
		{"rotates to the new key", true},
		{"missing new key", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			useTestDatabase(t)
			dir := t.TempDir()
			k1, k2 := newKey(t), newKey(t)
			t.Setenv("SWITCHBOARD_SECRET_KEY", k1)
			id := createBot(t, dir, k1)
			if tt.nextKey {
				t.Setenv("SWITCHBOARD_NEW_SECRET_KEY", k2)
			}

			stdout, stderr, err := runCLI(t, "keys", "rotate", "--data-dir", dir)
			if _, serr := os.Stat(filepath.Join(dir, server.KeyFileName)); !errors.Is(serr, os.ErrNotExist) {
				t.Errorf("a key file was written (stat err %v) though the key comes from the environment", serr)
			}
			if !tt.nextKey {
				if err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_NEW_SECRET_KEY") {
					t.Errorf("err = %v; want an error naming SWITCHBOARD_NEW_SECRET_KEY", err)
				}
				if stdout != "" {
					t.Errorf("stdout = %q; want nothing", stdout)
				}
				if sec, err := openBotSecrets(t, dir, k1, id); err != nil || sec["botToken"] != botToken {
					t.Errorf("after a refused rotation, k1 opens %v, %v; want the bot token", sec, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("keys rotate: %v (stderr %q)", err, stderr)
			}
			if !strings.Contains(stdout, "Re-encrypted 1 account(s)") {
				t.Errorf("stdout = %q; want it to report 1 re-encrypted account", stdout)
			}
			sec, err := openBotSecrets(t, dir, k2, id)
			if err != nil {
				t.Fatalf("secrets under the new key: %v", err)
			}
			if sec["botToken"] != botToken {
				t.Errorf("botToken = %q; want %q", sec["botToken"], botToken)
			}
			if _, err := openBotSecrets(t, dir, k1, id); err == nil {
				t.Error("the old key alone still opens the secrets after rotation")
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	isolateEnv(t)
	tests := []struct {
		name string
		args []string
	}{
		{"no arguments", nil},
		{"unknown", []string{"frobnicate"}},
		{"token without create", []string{"token"}},
		{"token list", []string{"token", "list"}},
		{"keys without rotate", []string{"keys"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runCLI(t, tt.args...)
			if !errors.Is(err, errUsage) {
				t.Errorf("err = %v; want errUsage", err)
			}
			if stdout != "" {
				t.Errorf("stdout = %q; want nothing", stdout)
			}
			if !strings.Contains(stderr, "Usage:") || !strings.Contains(stderr, "switchboard serve") {
				t.Errorf("stderr = %q; want the usage", stderr)
			}
		})
	}
}

// TestTokenCreateExistingUserRole asks for a token with a role other than the
// existing user's. The printed token must not carry more rights than asked for:
// either the command refuses, or the token's viewer has the requested role.
func TestTokenCreateExistingUserRole(t *testing.T) {
	isolateEnv(t)
	useTestDatabase(t)
	dir := t.TempDir()
	createToken(t, "--role", "ADMIN", "--user", "alice", "--data-dir", dir)

	stdout, _, err := runCLI(t, "token", "create", "--role", "AGENT", "--user", "alice", "--data-dir", dir)
	if err != nil {
		if stdout != "" {
			t.Errorf("refused, yet printed %q", stdout)
		}
		return // refusing is fine
	}
	token := strings.TrimSpace(stdout)
	withServer(t, dir, "", func(ctx context.Context, srv *server.Server) {
		v, err := srv.Auth.Authenticate(ctx, token)
		if err != nil {
			t.Fatalf("authenticate: %v", err)
		}
		if v.Role != core.RoleAgent {
			t.Fatalf("token create --role AGENT for an existing ADMIN printed a token with role %s", v.Role)
		}
	})
}

// TestBoolFlags: a boolean flag takes no value, as with Go's flag package, and its
// SWITCHBOARD_* variable still sets the default.
func TestBoolFlags(t *testing.T) {
	tests := []struct {
		name    string
		env     string // SWITCHBOARD_ALLOW_PRIVATE_URLS, unset when empty
		args    []string
		want    bool
		wantErr string // in the error of parsing or finishing, when not empty
	}{
		{name: "default", want: false},
		{name: "bare flag before another flag", args: []string{"--allow-private-urls", "--telegram-api-url", "http://127.0.0.1:9"}, want: true},
		{name: "bare flag last", args: []string{"--addr", ":1", "--allow-private-urls"}, want: true},
		{name: "single dash", args: []string{"-allow-private-urls"}, want: true},
		{name: "=true", args: []string{"--allow-private-urls=true"}, want: true},
		{name: "=1", args: []string{"--allow-private-urls=1"}, want: true},
		{name: "=false", args: []string{"--allow-private-urls=false"}, want: false},
		{name: "env true", env: "true", want: true},
		{name: "env 1", env: "1", want: true},
		{name: "env false", env: "false", want: false},
		{name: "flag =false wins over env", env: "true", args: []string{"--allow-private-urls=false"}, want: false},
		{name: "bare flag wins over env", env: "false", args: []string{"--allow-private-urls"}, want: true},
		{name: "bad flag value", args: []string{"--allow-private-urls=perhaps"}, wantErr: "allow-private-urls"},
		{name: "bad env value", env: "perhaps", wantErr: "SWITCHBOARD_ALLOW_PRIVATE_URLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			if tt.env != "" {
				t.Setenv("SWITCHBOARD_ALLOW_PRIVATE_URLS", tt.env)
			}
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			var usage bytes.Buffer
			fs.SetOutput(&usage)
			var cfg server.Config
			finish := bindConfig(fs, &cfg)
			err := fs.Parse(tt.args)
			if err == nil {
				err = finish()
			}
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("accepted; want an error naming %s", tt.wantErr)
				}
				if msg := err.Error() + usage.String(); !strings.Contains(msg, tt.wantErr) {
					t.Errorf("error %q (output %q) does not name %s", err, usage.String(), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse %v: %v", tt.args, err)
			}
			if fs.NArg() != 0 {
				t.Errorf("arguments left over: %q", fs.Args())
			}
			if cfg.AllowPrivateURLs != tt.want {
				t.Errorf("AllowPrivateURLs = %v; want %v", cfg.AllowPrivateURLs, tt.want)
			}
			if slices.Contains(tt.args, "--telegram-api-url") && cfg.TelegramAPIURL != "http://127.0.0.1:9" {
				t.Errorf("TelegramAPIURL = %q; the flag after the boolean was lost", cfg.TelegramAPIURL)
			}
		})
	}

	// Every flag whose default is a boolean must be a boolean flag, so no future
	// one needs a value.
	isolateEnv(t)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	bindConfig(fs, &server.Config{})
	fs.VisitAll(func(f *flag.Flag) {
		if _, err := strconv.ParseBool(f.DefValue); err != nil {
			return
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
			t.Errorf("--%s has a boolean default but needs a value", f.Name)
		}
	})
}

func TestParseAPIURLs(t *testing.T) {
	got, err := parseAPIURLs(" viber=http://127.0.0.1:9000 , line=https://line.example.com/,")
	if err != nil || len(got) != 2 || got["viber"] != "http://127.0.0.1:9000" || got["line"] != "https://line.example.com/" {
		t.Fatalf("parseAPIURLs = %v, %v", got, err)
	}
	for _, bad := range []string{"viber", "=http://x", "viber=ftp://x"} {
		if _, err := parseAPIURLs(bad); err == nil {
			t.Errorf("parseAPIURLs(%q) accepted", bad)
		}
	}
}
