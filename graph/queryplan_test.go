package graph_test

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/bench/seed"
	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/user"
)

// largeTables grow with traffic: a query must never read one of them whole.
var largeTables = map[string]bool{
	"contacts": true, "conversations": true, "events": true,
	"messages": true, "message_parts": true, "webhook_events": true,
}

// fullScan matches a plan step that reads a table, or one of its indexes,
// from end to end; SEARCH steps read a range of an index.
var fullScan = regexp.MustCompile(`^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?`)

// tenantRange matches a step that reads every row of one tenant in an index.
var tenantRange = regexp.MustCompile(`^SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(tenant_id=\?\)$`)

// faults lists what is wrong with the plan of query: a full scan of a large
// table (a partial index is small: reading it whole is its purpose), a range
// of a whole tenant in a large table unless a LIMIT stops it early in index
// order, a sort or grouping in a temporary B-tree instead of index order, or
// an index SQLite builds on the fly (by scanning the table).
func faults(query, plan string, partial map[string]bool) []string {
	var out []string
	for _, line := range strings.Split(plan, "\n") {
		step := strings.TrimSpace(line)
		if m := fullScan.FindStringSubmatch(step); m != nil && largeTables[m[1]] && !partial[m[2]] {
			out = append(out, step)
		}
		if m := tenantRange.FindStringSubmatch(step); m != nil && largeTables[m[1]] && !strings.Contains(query, " LIMIT ") {
			out = append(out, step)
		}
		if strings.Contains(step, "TEMP B-TREE") || strings.Contains(step, "AUTOMATIC") {
			out = append(out, step)
		}
	}
	return out
}

// partialIndexes names the database's partial indexes.
func partialIndexes(t *testing.T, e *env) map[string]bool {
	t.Helper()
	rows, err := e.db.Query("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out[name] = true
	}
	return out
}

// checkPlans explains every read and conditional write in stmts as SQLite
// would run it (with its arguments) and fails the test on faults. With -v it
// logs each statement with its plan.
func checkPlans(t *testing.T, e *env, stmts []statement) {
	t.Helper()
	partial := partialIndexes(t, e)
	checked := 0
	for _, st := range stmts {
		verb := strings.ToUpper(strings.Fields(st.query)[0])
		if verb != "SELECT" && verb != "WITH" && verb != "UPDATE" && verb != "DELETE" {
			continue
		}
		checked++
		p, err := plan(context.Background(), e.db, st)
		if err != nil {
			t.Fatalf("explain %s: %v", st.query, err)
		}
		t.Logf("%s\n%s", st.query, p)
		if f := faults(st.query, p, partial); len(f) > 0 {
			t.Errorf("the plan of\n\t%s\nhas %q:\n%s", st.query, f, p)
		}
	}
	if checked == 0 {
		t.Fatal("no statement to explain was recorded")
	}
}

// waitFor returns once the recorder holds a statement containing each of
// parts, and the statements recorded so far.
func waitFor(t *testing.T, e *env, parts ...string) []statement {
	t.Helper()
	var got []statement
	timeout := time.After(10 * time.Second)
	for {
		noted := e.rec.changed()
		got = append(got, e.rec.take()...)
		missing := false
		for _, p := range parts {
			found := false
			for _, st := range got {
				found = found || strings.Contains(st.query, p)
			}
			missing = missing || !found
		}
		if !missing {
			return got
		}
		select {
		case <-noted:
		case <-timeout:
			t.Fatalf("no statement with %q within 10s; recorded %d", parts, len(got))
		}
	}
}

// TestHotQueriesUseIndexes runs what agents, front ends and the core run most,
// records the SQL that ent emits for it, and fails when SQLite's plan for any
// statement reads a large table whole or sorts in a temporary B-tree: the
// conversation list by last activity with contact and last message (pages,
// filters), a conversation's latest messages, replay of the event log after a
// cursor (the tenant's and one conversation's), and the polls of the media
// worker and the reply dispatcher. Each runs as an ADMIN and as an AGENT, whose
// visibility rule is part of the SQL. Plans come from SQLite's heuristics (nothing runs ANALYZE), so the
// small database here plans as a large one would.
func TestHotQueriesUseIndexes(t *testing.T) {
	e := newSQLiteEnv(t, t.TempDir(), true)
	ctx := context.Background()
	sum, err := seed.Seed(ctx, e.db, seed.Options{Messages: 2000, Tenants: 2, Agents: 4})
	if err != nil {
		t.Fatal(err)
	}
	tn := sum.Tenants[0]
	var newest int
	if err := e.db.QueryRowContext(ctx, "SELECT MAX(id) FROM events").Scan(&newest); err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		name string
		ctx  context.Context
	}{
		{"ADMIN", asViewer(tn.ID, tn.AdminID, core.RoleAdmin)},
		{"AGENT", asViewer(tn.ID, tn.AgentIDs[0], core.RoleAgent)},
	} {
		var first listPage
		if err := e.graphQL(v.ctx, client.ConversationList_Operation, map[string]any{"first": 20}, &first); err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		ids := first.ids()
		if len(ids) < 20 {
			t.Fatalf("%s sees %d conversations; the test needs a full page", v.name, len(ids))
		}
		conv, _ := strconv.Atoi(ids[0])
		graphQL := func(query string, vars map[string]any) func(*testing.T) {
			return func(t *testing.T) {
				e.rec.take()
				if err := e.graphQL(v.ctx, query, vars, nil); err != nil {
					t.Fatal(err)
				}
				checkPlans(t, e, e.rec.take())
			}
		}
		subscribe := func(conversation *int, after *int, parts ...string) func(*testing.T) {
			return func(t *testing.T) {
				e.rec.take()
				ctx, cancel := context.WithCancel(v.ctx)
				// A service of its own: starting, it reads where the log
				// ends; a resume older than its in-memory tail reads the log.
				svc := inbox.New(e.client, inbox.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
				svc.Run(ctx)
				sub, err := inbox.Stream(ctx, svc, inbox.StreamOptions{ConversationID: conversation, After: after},
					func(p *inbox.Published) *inbox.Published { return p }, nil)
				if err != nil {
					t.Fatal(err)
				}
				stmts := waitFor(t, e, parts...)
				cancel()
				for range sub {
				}
				svc.Wait()
				checkPlans(t, e, stmts)
			}
		}
		latest := map[string]any{"id": ids[0], "last": 50}
		var page struct {
			Node struct {
				Messages struct{ PageInfo struct{ StartCursor string } }
			}
		}
		if err := e.graphQL(v.ctx, client.LatestMessages_Operation, map[string]any{"id": ids[0], "last": 5}, &page); err != nil {
			t.Fatal(err)
		}
		after := newest - 200
		t.Run(v.name, func(t *testing.T) {
			t.Run("conversation list", graphQL(client.ConversationList_Operation, map[string]any{"first": 50}))
			t.Run("conversation list, next page", graphQL(client.ConversationList_Operation,
				map[string]any{"first": 10, "after": first.Conversations.PageInfo.EndCursor}))
			t.Run("open conversations", graphQL(client.ConversationList_Operation,
				map[string]any{"first": 50, "where": map[string]any{"status": "OPEN"}}))
			t.Run("unassigned conversations", graphQL(client.ConversationList_Operation,
				map[string]any{"first": 50, "where": map[string]any{"hasAssignee": false}}))
			t.Run("latest messages", graphQL(client.LatestMessages_Operation, latest))
			t.Run("earlier messages", graphQL(client.LatestMessages_Operation,
				map[string]any{"id": ids[0], "last": 50, "before": page.Node.Messages.PageInfo.StartCursor}))
			t.Run("inbox replay after a cursor", subscribe(nil, &after, "FROM `events`"))
			t.Run("conversation replay after a cursor", subscribe(&conv, &after, "FROM `events`"))
			t.Run("live inbox from the newest event", subscribe(nil, nil, "MAX(`events`.`id`)"))
		})
	}
	t.Run("held messages of a reconnected account", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		// A service of its own: the media subtest runs the fixture's.
		svc := inbox.New(e.client, inbox.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		defer func() { cancel(); svc.Wait() }()
		svc.Run(ctx)
		e.rec.take()
		if err := svc.ReleaseHeld(core.SystemContext(ctx), tn.AccountIDs[0]); err != nil {
			t.Fatal(err)
		}
		var held []statement
		for _, st := range waitFor(t, e, "`messages`.`held`") {
			if strings.Contains(st.query, "`messages`.`held`") {
				held = append(held, st)
			}
		}
		checkPlans(t, e, held)
	})
	t.Run("router round", func(t *testing.T) {
		// A service whose queue holds a hundred of the tenant's
		// conversations, and a READY agent with room for them.
		sys := core.SystemContext(ctx)
		svc, err := e.client.ChatService.Create().SetTenantID(tn.ID).SetName("Queue").Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		// One a contact, of contacts with nothing open: a contact has at
		// most one open conversation.
		busy := map[int]bool{}
		open, err := e.client.Conversation.Query().Where(conversation.TenantID(tn.ID), conversation.StatusEQ(conversation.StatusOPEN)).All(sys)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range open {
			busy[c.ContactID] = true
		}
		candidates, err := e.client.Conversation.Query().Where(conversation.TenantID(tn.ID), conversation.AssigneeIDIsNil()).All(sys)
		var ids []int
		for _, c := range candidates {
			if !busy[c.ContactID] && len(ids) < 100 {
				busy[c.ContactID] = true
				ids = append(ids, c.ID)
			}
		}
		if err != nil || len(ids) == 0 {
			t.Fatalf("unassigned conversations: %v (%d)", err, len(ids))
		}
		if err := e.client.Conversation.Update().Where(conversation.IDIn(ids...)).SetServiceID(svc.ID).SetStatus(conversation.StatusOPEN).
			SetQueued(true).SetRoutable(true).SetQueuedAt(time.Now()).Exec(sys); err != nil {
			t.Fatal(err)
		}
		if err := e.client.User.UpdateOneID(tn.AgentIDs[0]).SetState(user.StateREADY).SetCapacity(1000).Exec(sys); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(ctx)
		svcInbox := inbox.New(e.client, inbox.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		defer func() { cancel(); svcInbox.Wait() }()
		e.rec.take()
		svcInbox.Run(ctx)
		var queue []statement
		inQueue := "`conversations`.`queued` AND `conversations`.`routable`"
		for _, st := range waitFor(t, e, inQueue, "INSERT INTO `offers`") {
			if strings.Contains(st.query, inQueue) || strings.Contains(st.query, "FROM `offers`") {
				queue = append(queue, st)
			}
		}
		checkPlans(t, e, queue)
	})
	t.Run("media worker and dispatcher polls", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		e.rec.take()
		e.inbox.Run(ctx)
		stmts := waitFor(t, e, "WHERE `messages`.`media_pending`", "GROUP BY `conversation_id`")
		cancel()
		e.inbox.Wait()
		var poll []statement
		for _, st := range stmts {
			if strings.Contains(st.query, "WHERE `messages`.`media_pending`") || strings.Contains(st.query, "GROUP BY `conversation_id`") {
				poll = append(poll, st)
			}
		}
		checkPlans(t, e, poll)
	})
}

// TestFaultsFlagsWhatScales pins the plan checker to the steps it must
// catch (all seen in this repository's plans before the indexes went in) and
// those it must let pass.
func TestFaultsFlagsWhatScales(t *testing.T) {
	partial := map[string]bool{"message_media_pending": true}
	for _, c := range []struct {
		name, query, plan string
		bad               bool
	}{
		{"scan of a large table", "SELECT id FROM conversations WHERE assignee_id IS NULL", "SCAN conversations", true},
		{"scan in a subquery", "SELECT ...", "SEARCH conversations USING INDEX c (tenant_id=?)\nLIST SUBQUERY 2\n  SCAN conversations", true},
		{"scan of a whole index", "SELECT COUNT(*) FROM messages", "SCAN messages USING COVERING INDEX message_conversation_id", true},
		{"scan of a partial index", "SELECT * FROM messages WHERE media_pending ORDER BY id LIMIT 50", "SCAN messages USING INDEX message_media_pending", false},
		{"scan of a small table", "SELECT * FROM users", "SCAN users", false},
		{"sort", "SELECT ... ORDER BY created_at DESC LIMIT 51", "SEARCH messages USING INDEX message_conversation_id (conversation_id=?)\nUSE TEMP B-TREE FOR ORDER BY", true},
		{"a tenant's whole range", "SELECT ... WHERE id IN (?, ?) AND tenant_id = ?", "SEARCH messages USING INDEX message_tenant_id_client_message_id (tenant_id=?)", true},
		{"a tenant's range up to a limit", "SELECT ... WHERE tenant_id = ? ORDER BY last_message_at DESC LIMIT 51", "SEARCH conversations USING INDEX conversation_tenant_activity (tenant_id=?)", false},
		{"a key", "SELECT ... WHERE id IN (?, ?) AND tenant_id = ?", "SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := faults(c.query, c.plan, partial); (len(got) > 0) != c.bad {
				t.Errorf("faults = %q, want bad %v", got, c.bad)
			}
		})
	}
}
