package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core/cluster/clustertest"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
)

// startMember starts a switchboard process of a cluster: one PostgreSQL, one
// NATS, and one data folder (for the secret key every member needs).
func startMember(t *testing.T, bin, dataDir, apiURL, dbURL, natsURL string) *process {
	t.Helper()
	t.Setenv("SWITCHBOARD_DATABASE_URL", dbURL)
	t.Setenv("SWITCHBOARD_NATS_URL", natsURL)
	return startBinary(t, bin, dataDir, apiURL)
}

// leads reports whether the member does the run-once work (its /metrics).
func (p *process) leads() bool {
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.Contains(string(b), "\nswitchboard_run_once_leader 1\n")
}

// seenEvent is what a subscriber got: a message's text at a cursor.
type seenEvent struct {
	cursor int
	text   string
}

// follower is an agent's inbox subscription that resubscribes, after its
// last cursor, on the next member when its member goes away.
type follower struct {
	mu   sync.Mutex
	seen []seenEvent
	// cursors are every event's, of every kind, in the order they came.
	cursors []int
}

func (f *follower) run(ctx context.Context, token string, start int, members func() []string) {
	var last *string
	for i := start; ctx.Err() == nil; i++ {
		urls := members()
		c := client.New(urls[i%len(urls)], token)
		ws, err := c.Subscribe(ctx)
		if err != nil {
			<-time.After(50 * time.Millisecond)
			continue
		}
		events, _, err := client.InboxEvents(ctx, ws, last)
		if err != nil {
			ws.Close()
			continue
		}
	read:
		for {
			select {
			case <-ctx.Done():
				ws.Close()
				return
			case r, ok := <-events:
				if !ok {
					break read
				}
				if len(r.Errors) > 0 {
					break read
				}
				ev := r.Data.InboxEvents
				cur := ev.Cursor
				last = &cur
				if n, err := strconv.Atoi(cur); err == nil {
					f.mu.Lock()
					f.cursors = append(f.cursors, n)
					f.mu.Unlock()
				}
				if ev.Kind == client.ConversationEventKindMessageCreated && ev.Message != nil && ev.Message.Direction == client.MessageDirectionInbound {
					n, _ := strconv.Atoi(cur)
					f.mu.Lock()
					f.seen = append(f.seen, seenEvent{cursor: n, text: ev.Message.Text})
					f.mu.Unlock()
				}
			}
		}
		ws.Close()
	}
}

// texts returns the texts the follower saw, and an error when one came twice
// or out of cursor order.
func (f *follower) texts() (map[string]bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]bool{}
	last := 0
	for _, e := range f.seen {
		if e.cursor <= last {
			return nil, fmt.Errorf("cursor %d (%q) after %d", e.cursor, e.text, last)
		}
		if out[e.text] {
			return nil, fmt.Errorf("%q twice", e.text)
		}
		last = e.cursor
		out[e.text] = true
	}
	return out, nil
}

// TestClusterSurvivesSIGKILL runs three switchboard processes on one
// PostgreSQL and NATS, sends signed webhooks to all three, follows an agent's
// and an admin's inboxes on different members (the agent's on the one that
// will die),
// and kills the member doing the run-once work with SIGKILL mid-load. Then:
// every webhook acknowledged is stored once; every follower got every
// stored inbound message once, in cursor order (resubscribing from its
// cursor on a survivor when its member died); and every reply queued before
// the kill is delivered once, by a survivor that took the lease over.
func TestClusterSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three servers as separate processes and kills one")
	}
	dbURL := storetest.DatabaseURL(t)
	if dbURL == "" {
		t.Skip("a cluster keeps its data in PostgreSQL (make test-postgres)")
	}
	natsURL := clustertest.Start(t)
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fake := telegramtest.NewServer(crashBotToken)
	defer fake.Close()
	var failing atomic.Bool
	// "reply D" is taken by the Bot API, which never answers: it is in
	// flight when the member sending it dies.
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
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	first := startMember(t, bin, data, fake.URL, dbURL, natsURL)
	var token string
	for deadline := time.Now().Add(10 * time.Second); token == "" && time.Now().Before(deadline); {
		if token = crashTokenRe.FindString(first.output()); token == "" {
			<-time.After(10 * time.Millisecond)
		}
	}
	if token == "" {
		t.Fatalf("no admin token printed:\n%s", first.output())
	}
	members := []*process{first, startMember(t, bin, data, fake.URL, dbURL, natsURL), startMember(t, bin, data, fake.URL, dbURL, natsURL)}
	admin := client.New(first.url, token)
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
			fmt.Sprintf("cluster %d", id), time.Unix(1700000000, 0))
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
	leader := -1
	for deadline := time.Now().Add(20 * time.Second); leader < 0 && time.Now().Before(deadline); {
		for i, m := range members {
			if m.leads() {
				leader = i
			}
		}
	}
	if leader < 0 {
		t.Fatal("no member does the run-once work")
	}
	var leaderDead atomic.Bool
	live := func() []string {
		var out []string
		for i, m := range members {
			if i != leader || !leaderDead.Load() {
				out = append(out, m.url)
			}
		}
		return out
	}

	// The first customer writes.
	if code, err := post(first.url, 1); err != nil || code != 200 {
		t.Fatalf("first webhook: %v %d", err, code)
	}
	convs, err := client.Conversations(ctx, admin, ptrTo(10), nil, nil, nil)
	if err != nil || convs.Conversations.TotalCount != 1 {
		t.Fatalf("conversations: %v %+v", err, convs)
	}
	failing.Store(true)

	// An agent and an admin follow their inboxes: the agent on the leader, the
	// admin on another member. Nothing here is assigned or queued, so the
	// agent may see every event, as the admin does.
	var followers []*follower
	var following sync.WaitGroup
	for i, start := range []int{leader, leader + 1} {
		role := []client.UserRole{client.UserRoleAgent, client.UserRoleAdmin}[i]
		u, err := client.CreateUser(ctx, admin, client.CreateUserInput{Name: fmt.Sprint("follower ", i), Role: role})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := client.CreateApiToken(ctx, admin, client.CreateApiTokenInput{UserId: u.CreateUser.Id, Name: "follow"})
		if err != nil {
			t.Fatal(err)
		}
		f := &follower{}
		followers = append(followers, f)
		following.Add(1)
		go func() {
			defer following.Done()
			f.run(ctx, tok.CreateApiToken.Token, start, live)
		}()
	}
	// Both are subscribed once both see this one.
	if code, err := post(members[(leader+2)%3].url, 2); err != nil || code != 200 {
		t.Fatalf("second webhook: %v %d", err, code)
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		seen := 0
		for _, f := range followers {
			if got, _ := f.texts(); got["cluster 2"] {
				seen++
			}
		}
		if seen == len(followers) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the followers do not see the webhooks")
		}
		<-time.After(20 * time.Millisecond)
	}

	// Reply D, in the second customer's conversation, is in flight at the
	// kill; A, B and C wait behind it.
	replies := []string{"reply A", "reply B", "reply C"}
	convD, heldID := held.sendHeld(t, admin, convs.Conversations.Edges[0].Node.Id, replies...)

	// Webhooks from 8 senders to every live member; the leader dies mid-stream.
	var (
		acked   sync.Map
		next    atomic.Int64
		stop    atomic.Bool
		senders sync.WaitGroup
		count   atomic.Int64
	)
	next.Store(2)
	for range 8 {
		senders.Add(1)
		go func() {
			defer senders.Done()
			for !stop.Load() {
				id := int(next.Add(1))
				urls := live()
				if code, err := post(urls[id%len(urls)], id); err == nil && code == 200 {
					acked.Store(id, true)
					count.Add(1)
				}
			}
		}()
	}
	waitAcked := func(n int64) {
		for deadline := time.Now().Add(60 * time.Second); count.Load() < n; {
			if time.Now().After(deadline) {
				t.Fatalf("only %d webhooks acknowledged", count.Load())
			}
			<-time.After(10 * time.Millisecond)
		}
	}
	waitAcked(200)
	members[leader].kill(t)
	leaderDead.Store(true)
	atKill := count.Load()
	waitAcked(atKill + 150)
	stop.Store(true)
	senders.Wait()
	failing.Store(false)
	survivor := client.New(live()[0], token)

	// Every acknowledged webhook is stored exactly once.
	stored := map[string]int{}
	var after *string
	for {
		page, err := client.Conversations(ctx, survivor, ptrTo(100), after, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Conversations.Edges {
			r, err := client.Conversation(ctx, survivor, e.Node.Id, ptrTo(1000))
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
	acked.Range(func(k, _ any) bool {
		if n := stored[fmt.Sprintf("cluster %d", k.(int))]; n != 1 {
			t.Errorf("webhook %d was acknowledged but stored %d times", k.(int), n)
		}
		return true
	})
	for text, n := range stored {
		if n != 1 {
			t.Errorf("%q stored %d times", text, n)
		}
	}

	// Every follower gets every stored message from "cluster 2" on, once, in order.
	for i, f := range followers {
		for deadline := time.Now().Add(30 * time.Second); ; {
			got, err := f.texts()
			if err != nil {
				t.Fatalf("follower %d: %v", i, err)
			}
			var missing []string
			for text := range stored {
				if text != "cluster 1" && !got[text] {
					missing = append(missing, text)
				}
			}
			if len(missing) == 0 {
				break
			}
			if time.Now().After(deadline) {
				slices.Sort(missing)
				t.Fatalf("follower %d missed %d stored messages: %v", i, len(missing), missing[:min(10, len(missing))])
			}
			<-time.After(50 * time.Millisecond)
		}
	}

	// And every event of any kind: from the first each saw, exactly the log.
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	logSince := func(first int) []int {
		rows, err := db.QueryContext(ctx, "SELECT id FROM events WHERE id >= $1 ORDER BY id", first)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []int
		for rows.Next() {
			var id int
			rows.Scan(&id)
			ids = append(ids, id)
		}
		return ids
	}
	for i, f := range followers {
		for deadline := time.Now().Add(30 * time.Second); ; {
			f.mu.Lock()
			got := slices.Clone(f.cursors)
			f.mu.Unlock()
			want := logSince(got[0])
			if slices.Equal(got, want) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("follower %d got %d events, the log holds %d from its first", i, len(got), len(want))
			}
			<-time.After(50 * time.Millisecond)
		}
	}

	// Every reply queued before the kill reaches the messenger once.
	for deadline := time.Now().Add(30 * time.Second); ; {
		sent := map[string]int{}
		for _, m := range fake.Messages() {
			sent[m.Text]++
		}
		done := true
		for _, r := range replies {
			if sent[r] > 1 {
				t.Fatalf("%q was sent %d times", r, sent[r])
			}
			done = done && sent[r] == 1
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queued replies after the kill: %v", sent)
		}
		<-time.After(20 * time.Millisecond)
	}
	// Reply D may have reached Telegram: it is FAILED for an agent to
	// decide, not sent a second time.
	held.checkSettled(t, survivor, convD, heldID)
	cancel()
	following.Wait()
	for i, m := range members {
		if i != leader {
			m.kill(t)
		}
		m.noRaces(t)
	}
	t.Logf("%d webhooks acknowledged (%d before the SIGKILL of the member doing the run-once work), each stored once; "+
		"the agent and the admin got every event once in cursor order; %d queued replies delivered once by the survivors; "+
		"the reply in flight at the kill FAILED as not confirmed, sent once", count.Load(), atKill, len(replies))
}
