package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
)

// crashBotToken is the token of the crash test's bot, which the fake Bot API accepts.
const crashBotToken = "42:crash-test-token"

// process is a running switchboard binary.
type process struct {
	cmd  *exec.Cmd
	url  string
	out  *strings.Builder
	mu   *sync.Mutex
	done chan struct{}
}

var crashListenRe = regexp.MustCompile(`"msg":"switchboard listening","addr":"([^"]+)"`)
var crashTokenRe = regexp.MustCompile(`sb_[A-Za-z0-9_-]{20,}`)

func startBinary(t *testing.T, bin, dataDir, apiURL string) *process {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir)
	cmd.Env = append(os.Environ(), runMainEnv+"=1",
		"SWITCHBOARD_ALLOW_PRIVATE_URLS=true", "SWITCHBOARD_RATE_LIMIT=0",
		"SWITCHBOARD_TELEGRAM_API_URL="+apiURL, "SWITCHBOARD_PUBLIC_URL=https://switchboard.example.com")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, out: &strings.Builder{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	var wg sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				line := sc.Text()
				p.mu.Lock()
				p.out.WriteString(line + "\n")
				p.mu.Unlock()
				if m := crashListenRe.FindStringSubmatch(line); m != nil {
					addr <- m[1]
				}
			}
		}()
	}
	go func() { wg.Wait(); cmd.Wait(); close(p.done) }()
	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-p.done:
		t.Fatalf("switchboard exited:\n%s", p.output())
	case <-time.After(60 * time.Second):
		t.Fatal("switchboard did not start")
	}
	return p
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// noRaces fails the test when the server, a race-enabled test binary, reported
// a data race.
func (p *process) noRaces(t *testing.T) {
	t.Helper()
	if out := p.output(); strings.Contains(out, "WARNING: DATA RACE") {
		t.Errorf("the server reported a data race:\n%s", out)
	}
}

func (p *process) kill(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// TestCrashLosesNothingAcknowledged kills the server with SIGKILL while webhooks
// stream in and replies are queued, restarts it on the same data folder, and
// checks that every webhook answered 200 is stored exactly once and every queued
// reply reaches the provider.
func TestCrashLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server as a separate process and kills it")
	}
	// On the test PostgreSQL when the suite runs on one (make test-postgres).
	if url := storetest.DatabaseURL(t); url != "" {
		t.Setenv("SWITCHBOARD_DATABASE_URL", url)
	}
	dir := t.TempDir()
	// The test binary itself, running main (see TestMain).
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The Bot API; while failing is set, it refuses sendMessage with a 502.
	fake := telegramtest.NewServer(crashBotToken)
	defer fake.Close()
	var failing atomic.Bool
	// "reply D" is taken by the Bot API, which never answers: it is in
	// flight when the server dies.
	held := holdReply("reply D")
	defer held.letGo() // before fake.Close, which waits for it
	fake.SetHook(func(r telegramtest.Request) *telegramtest.Reply {
		if rep := held.answer(r); rep != nil {
			return rep
		}
		if r.Endpoint == "sendMessage" && failing.Load() {
			rep := telegramtest.ErrorReply(502, "Bad Gateway")
			return &rep
		}
		return nil
	})
	// sent counts the messages the Bot API accepted, by text.
	sent := func() map[string]int {
		out := map[string]int{}
		for _, m := range fake.Messages() {
			out[m.Text]++
		}
		return out
	}
	data := filepath.Join(dir, "data")
	ctx := context.Background()

	p := startBinary(t, bin, data, fake.URL)
	// stdout (the token) and stderr (the listening line) are read separately,
	// so the token may arrive just after the server says it listens.
	var token string
	for deadline := time.Now().Add(10 * time.Second); token == "" && time.Now().Before(deadline); {
		if token = crashTokenRe.FindString(p.output()); token == "" {
			<-time.After(10 * time.Millisecond)
		}
	}
	if token == "" {
		t.Fatalf("no admin token printed:\n%s", p.output())
	}
	admin := client.New(p.url, token)
	a, err := client.CreateIntegrationAccount(ctx, admin, client.CreateIntegrationAccountInput{Name: "bot", Settings: client.IntegrationSettingsInput{
		Telegram: &client.TelegramSettingsInput{BotUsername: ptrTo("bot"), BotToken: ptrTo(crashBotToken)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.SetWebhook(ctx, admin, a.CreateIntegrationAccount.Id); err != nil {
		t.Fatal(err)
	}
	hook := "/webhooks/" + a.CreateIntegrationAccount.AccountId
	post := func(base string, id int) (int, error) {
		body := telegramtest.TextUpdate(int64(id), int64(id), telegramtest.Sender{ID: int64(1000 + id%20), FirstName: "C"},
			fmt.Sprintf("crash %d", id), time.Unix(1700000000, 0))
		req, err := telegramtest.NewWebhookRequest(ctx, base+hook, fake.Webhook().SecretToken, body)
		if err != nil {
			return 0, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}

	// The first customer writes.
	if code, err := post(p.url, 1); err != nil || code != 200 {
		t.Fatalf("first webhook: %v %d", err, code)
	}
	convs, err := client.Conversations(ctx, admin, ptrTo(10), nil, nil, nil)
	if err != nil || convs.Conversations.TotalCount != 1 {
		t.Fatalf("conversations: %v %+v\n%s", err, convs, p.output())
	}
	failing.Store(true)
	firstConv := convs.Conversations.Edges[0].Node.Id

	// Another customer's conversation gets "reply D", in flight at the crash.
	if code, err := post(p.url, 2); err != nil || code != 200 {
		t.Fatalf("second webhook: %v %d", err, code)
	}
	// A, B and C wait behind it.
	replies := []string{"reply A", "reply B", "reply C"}
	convD, heldID := held.sendHeld(t, admin, firstConv, replies...)

	// Stream webhooks from 8 senders and kill the server mid-stream.
	var (
		acked   sync.Map
		next    atomic.Int64
		stop    atomic.Bool
		senders sync.WaitGroup
	)
	next.Store(2)
	for range 8 {
		senders.Add(1)
		go func() {
			defer senders.Done()
			for !stop.Load() {
				id := int(next.Add(1))
				if code, err := post(p.url, id); err == nil && code == 200 {
					acked.Store(id, true)
				}
			}
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for n := 0; n < 200 && time.Now().Before(deadline); {
		n = 0
		acked.Range(func(any, any) bool { n++; return true })
	}
	p.kill(t)
	stop.Store(true)
	senders.Wait()
	p.noRaces(t)

	failing.Store(false)
	p = startBinary(t, bin, data, fake.URL)
	defer p.noRaces(t)
	defer p.kill(t)
	admin = client.New(p.url, token)

	// Every acknowledged webhook is stored exactly once.
	stored := map[string]int{}
	var after *string
	for {
		page, err := client.Conversations(ctx, admin, ptrTo(100), after, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Conversations.Edges {
			r, err := client.Conversation(ctx, admin, e.Node.Id, ptrTo(1000))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range (*r.Node).(*client.ConversationNodeConversation).Messages.Edges {
				if m.Node.Direction == client.MessageDirectionInbound {
					stored[m.Node.Text]++
				}
			}
		}
		if !page.Conversations.PageInfo.HasNextPage {
			break
		}
		after = page.Conversations.PageInfo.EndCursor
	}
	count := 0
	acked.Range(func(k, _ any) bool {
		count++
		if n := stored[fmt.Sprintf("crash %d", k.(int))]; n != 1 {
			t.Errorf("webhook %d was acknowledged but stored %d times", k.(int), n)
		}
		return true
	})
	for text, n := range stored {
		if n != 1 {
			t.Errorf("%q stored %d times", text, n)
		}
	}
	if count < 50 {
		t.Fatalf("only %d webhooks acknowledged before the crash; the test proves little", count)
	}
	// Every reply queued before the crash reaches the provider after the restart, once.
	deadline = time.Now().Add(30 * time.Second)
	for {
		got := sent()
		done := true
		for _, r := range replies {
			if got[r] != 1 {
				done = false
			}
		}
		snapshot := fmt.Sprint(got)
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queued replies after restart: %s", snapshot)
		}
		<-time.After(20 * time.Millisecond)
	}
	// Reply D may have reached Telegram: it is FAILED for an agent to
	// decide, not sent a second time.
	held.checkSettled(t, admin, convD, heldID)
	t.Logf("%d webhooks acknowledged before SIGKILL, all stored once; %d replies delivered after restart; the reply in flight at the crash FAILED as not confirmed, sent once", count, len(replies))
}

func ptrTo[T any](v T) *T { return &v }
