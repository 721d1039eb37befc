package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/providers/custom/customtest"
	"github.com/switchboard/switchboard/server"
)

// confirmationCode is the custom messenger's shared secret in the browser test.
const confirmationCode = "console-e2e-shared-secret-0123"

// photo is the customer's picture (a 64×32 PNG) in the browser test.
var photo = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for x := range 64 {
		for y := range 32 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 8), 160, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

// TestConsoleInABrowser drives the console in headless Chromium (Playwright,
// console/e2e/run.mjs) against a running server and a fake custom messenger:
// an admin signs in and creates the messenger's account and a chat service; a
// customer writes; a READY agent gets the offer, accepts, sees the message
// live and replies with a file; the messenger receives it; its delivery
// receipt shows as a tick; a supervisor sees the queue and the figures
// change. The script saves a screenshot of every page.
//
// It needs Node.js, console/node_modules and Chromium (`make console-deps`,
// which `make test` runs); set SWITCHBOARD_E2E=1 to run it, as make test does.
func TestConsoleInABrowser(t *testing.T) {
	if os.Getenv("SWITCHBOARD_E2E") == "" {
		t.Skip("browser test: run through make test (SWITCHBOARD_E2E=1), which installs what it needs")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	for _, need := range []string{"node_modules/playwright-core", chromium} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s is missing: run make console-deps", need)
		}
	}
	ctx := context.Background()

	fake := customtest.NewServer(confirmationCode)
	t.Cleanup(fake.Close)
	// The messenger's media host: the custom messenger's attachments are
	// https URLs, so it speaks TLS, and this process trusts its certificate
	// as a system root (read once, at the first TLS handshake, which is later).
	photos := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(photo)
	}))
	t.Cleanup(photos.Close)
	roots := filepath.Join(t.TempDir(), "photos.pem")
	if err := os.WriteFile(roots, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: photos.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", roots)

	cfg := server.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = storetest.DatabaseURL(t)
	cfg.PublicURL = "https://switchboard.example.com"
	cfg.AllowPrivateURLs = true
	cfg.BcryptCost = bcrypt.MinCost
	cfg.RateLimit = 0
	cfg.KeepAlive = 5 * time.Second
	// A customer who writes after a close starts a new conversation, which
	// shows the closed one as history.
	cfg.ReopenWindow = time.Millisecond
	var logs bytes.Buffer
	var logsMu sync.Mutex
	srv, err := server.New(ctx, cfg, slog.New(slog.NewJSONHandler(lockedWriter{&logs, &logsMu}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.Start()
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(srv.Shutdown)
	token, err := srv.Auth.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin := client.New(hs.URL, token)
	users := map[string]client.UserRole{"admin": client.UserRoleAdmin, "agent": client.UserRoleAgent, "supervisor": client.UserRoleSupervisor}
	for name, role := range users {
		email, password := name+"@example.com", name+"-password-1234"
		if _, err := client.CreateUser(ctx, admin, client.CreateUserInput{Name: "Pat " + name, Email: &email, Password: &password, Role: role}); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}

	// The script's hands outside the browser: the customer writes, the
	// messenger reports delivery, and what the messenger received.
	control := http.NewServeMux()
	customerPost := func(events ...map[string]any) (int, error) {
		accts, err := client.IntegrationAccounts(ctx, admin, nil, nil, nil, nil)
		if err != nil || len(accts.IntegrationAccounts.Edges) == 0 {
			return 0, fmt.Errorf("no account yet: %v", err)
		}
		hook := hs.URL + "/webhooks/" + accts.IntegrationAccounts.Edges[0].Node.AccountId
		body, _ := json.Marshal(map[string]any{"events": events})
		req, err := customtest.NewEventsRequest(ctx, hook, confirmationCode, time.Now(), body)
		if err != nil {
			return 0, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	var seq int
	var seqMu sync.Mutex
	next := func() int { seqMu.Lock(); defer seqMu.Unlock(); seq++; return seq }
	control.HandleFunc("POST /customer", func(w http.ResponseWriter, r *http.Request) {
		n := next()
		sender := r.URL.Query().Get("sender")
		message := map[string]any{"id": fmt.Sprintf("m%d", n), "text": r.URL.Query().Get("text")}
		if r.URL.Query().Get("image") != "" {
			// The customer sends a photo, which Switchboard fetches from the messenger.
			message["attachments"] = []map[string]any{{"type": "image", "url": photos.URL + "/photo.png", "fileName": "photo.png"}}
		}
		status, err := customerPost(map[string]any{"id": fmt.Sprintf("e%d", n), "type": "message", "timestamp": time.Now().UTC().Format(time.RFC3339),
			"sender": map[string]any{"id": sender, "name": r.URL.Query().Get("name")}, "message": message})
		writeStatus(w, status, err)
	})
	control.HandleFunc("POST /delivered", func(w http.ResponseWriter, r *http.Request) {
		var last *customtest.Message
		for _, m := range fake.Messages() {
			if strings.HasPrefix(m.Text, r.URL.Query().Get("text")) {
				last = &m
			}
		}
		if last == nil {
			http.Error(w, "no such reply yet", http.StatusConflict)
			return
		}
		kind := "delivered"
		if r.URL.Query().Get("kind") == "read" {
			kind = "read"
		}
		status, err := customerPost(map[string]any{"id": fmt.Sprintf("r%d", next()), "type": kind, "timestamp": time.Now().UTC().Format(time.RFC3339),
			"sender": map[string]any{"id": last.Recipient}, "messageIds": []string{last.ID}})
		writeStatus(w, status, err)
	})
	control.HandleFunc("GET /replies", func(w http.ResponseWriter, r *http.Request) {
		type reply struct {
			Recipient, Text string
			Files           []string
		}
		var out []reply
		for _, m := range fake.Messages() {
			rp := reply{Recipient: m.Recipient, Text: m.Text}
			for _, a := range m.Attachments {
				rp.Files = append(rp.Files, fmt.Sprintf("%s (%d bytes)", a.FileName, len(a.Data)))
			}
			out = append(out, rp)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})

	cs := httptest.NewServer(control)
	t.Cleanup(cs.Close)

	shots := os.Getenv("SCREENSHOT_DIR")
	if shots == "" {
		shots = filepath.Join(t.TempDir(), "screenshots")
	}
	runCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(runCtx, "node", "e2e/run.mjs")
	cmd.Env = append(os.Environ(),
		"CONSOLE_URL="+hs.URL+"/console/",
		"CONTROL_URL="+cs.URL,
		"MESSENGER_URL="+fake.URL+"/switchboard",
		"CONFIRMATION_CODE="+confirmationCode,
		"BOOTSTRAP_TOKEN="+token,
		"CHROMIUM="+chromium,
		"SCREENSHOT_DIR="+shots,
	)
	out, err := cmd.CombinedOutput()
	t.Logf("browser run:\n%s", out)
	if err != nil {
		logsMu.Lock()
		t.Logf("server log:\n%s", tail(logs.String(), 4000))
		logsMu.Unlock()
		t.Fatalf("browser run: %v", err)
	}
	// The messenger received the agent's reply with its file, once.
	var replies []customtest.Message
	for _, m := range fake.Messages() {
		if strings.HasPrefix(m.Text, "Here is your invoice") {
			replies = append(replies, m)
		}
	}
	if len(replies) != 1 || len(replies[0].Attachments) != 1 || replies[0].Attachments[0].FileName != "invoice.png" {
		t.Fatalf("the messenger received %+v", replies)
	}
}

func writeStatus(w http.ResponseWriter, status int, err error) {
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.WriteHeader(status)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
