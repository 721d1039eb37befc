package graph_test

import (
	"context"

	"entgo.io/ent/dialect/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard/switchboard/bench/seed"
	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/message"
)

// TestQueryLatency seeds a database (SWITCHBOARD_BENCH_MESSAGES messages, 20,000
// by default) and prints how long the hot reads take through GraphQL, in
// process, for an admin and for an agent: the conversation list by last
// activity with contact and last message, and a conversation's latest 50
// messages (SWITCHBOARD_BENCH_RUNS runs of each), and the same two reads
// through ent alone, without GraphQL. Beside wall-clock percentiles it prints
// the process CPU time per run, which other load on the machine changes less.
// It prints figures and asserts nothing about time, so a busy machine
// cannot fail it; -short skips it.
//
// SWITCHBOARD_BENCH_AGENTS and SWITCHBOARD_BENCH_UNASSIGNED change the seed's
// agents per tenant and unassigned share: with many agents and few unassigned
// conversations an agent sees little of the list, and reads further for a page.
//
//	SWITCHBOARD_BENCH_MESSAGES=1000000 go test -run TestQueryLatency -v ./graph/
func TestQueryLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a database")
	}
	n, reps := 20000, 20
	if s := os.Getenv("SWITCHBOARD_BENCH_MESSAGES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			t.Fatalf("SWITCHBOARD_BENCH_MESSAGES=%q: want a positive number", s)
		}
		reps = 300
	}
	if s := os.Getenv("SWITCHBOARD_BENCH_RUNS"); s != "" {
		var err error
		if reps, err = strconv.Atoi(s); err != nil || reps <= 0 {
			t.Fatalf("SWITCHBOARD_BENCH_RUNS=%q: want a positive number", s)
		}
	}
	opts := seed.Options{Messages: n}
	if s := os.Getenv("SWITCHBOARD_BENCH_AGENTS"); s != "" {
		opts.Agents, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("SWITCHBOARD_BENCH_UNASSIGNED"); s != "" {
		opts.Unassigned, _ = strconv.ParseFloat(s, 64)
	}
	e := newSQLiteEnv(t, t.TempDir(), false)
	sum, err := seed.Seed(context.Background(), e.db, opts)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("seeded %d messages, %d conversations, %d contacts, %d events, %d agents in %v\n",
		sum.Messages, sum.Conversations, sum.Contacts, sum.Events, len(sum.Tenants[0].AgentIDs), sum.Elapsed.Round(time.Millisecond))
	tn := sum.Tenants[0]
	viewers := []struct {
		name string
		ctx  context.Context
	}{
		{"ADMIN", asViewer(tn.ID, tn.AdminID, core.RoleAdmin)},
		{"AGENT", asViewer(tn.ID, tn.AgentIDs[0], core.RoleAgent)},
	}
	for _, v := range viewers {
		var first listPage
		if err := e.graphQL(v.ctx, client.ConversationList_Operation, map[string]any{"first": 50}, &first); err != nil {
			t.Fatalf("%s list: %v", v.name, err)
		}
		ids := first.ids()
		if len(ids) == 0 {
			t.Fatalf("%s sees no conversations", v.name)
		}
		convIDs := make([]int, len(ids))
		for i, id := range ids {
			convIDs[i], _ = strconv.Atoi(id)
		}
		for _, q := range []struct {
			name string
			run  func(i int) error
		}{
			{"GraphQL ConversationList (50)", func(int) error {
				return e.graphQL(v.ctx, client.ConversationList_Operation, map[string]any{"first": 50}, nil)
			}},
			{"GraphQL ConversationList page 2", func(int) error {
				return e.graphQL(v.ctx, client.ConversationList_Operation, map[string]any{"first": 50, "after": first.Conversations.PageInfo.EndCursor}, nil)
			}},
			{"GraphQL list with totalCount", func(int) error {
				return e.graphQL(v.ctx, listCountQuery, map[string]any{"first": 50}, nil)
			}},
			{"GraphQL LatestMessages (50)", func(i int) error {
				return e.graphQL(v.ctx, client.LatestMessages_Operation, map[string]any{"id": ids[i%len(ids)], "last": 50}, nil)
			}},
			{"ent conversation list (50)", func(int) error {
				_, err := e.client.Conversation.Query().
					Order(conversation.ByLastMessageAt(sql.OrderDesc()), conversation.ByID(sql.OrderDesc())).Limit(51).
					WithContact().WithAssignee().WithLastMessage().All(v.ctx)
				return err
			}},
			{"ent latest 50 messages", func(i int) error {
				conv, err := e.client.Conversation.Get(v.ctx, convIDs[i%len(convIDs)])
				if err != nil {
					return err
				}
				_, err = conv.QueryMessages().
					Order(message.ByCreatedAt(sql.OrderDesc()), message.ByID(sql.OrderDesc())).Limit(51).
					WithSender().All(v.ctx)
				return err
			}},
		} {
			for i := range min(reps, 20) {
				if err := q.run(i); err != nil {
					t.Fatalf("%s %s: %v", v.name, q.name, err)
				}
			}
			took := make([]time.Duration, reps)
			cpu := cpuTime()
			for i := range took {
				start := time.Now()
				if err := q.run(i); err != nil {
					t.Fatalf("%s %s: %v", v.name, q.name, err)
				}
				took[i] = time.Since(start)
			}
			cpu = (cpuTime() - cpu) / time.Duration(reps)
			slices.Sort(took)
			fmt.Printf("%-6s %-32s p50 %8v  p99 %8v  max %8v  cpu/op %8v  (%d runs)\n", v.name, q.name,
				took[len(took)/2].Round(time.Microsecond), took[len(took)*99/100].Round(time.Microsecond),
				took[len(took)-1].Round(time.Microsecond), cpu.Round(time.Microsecond), reps)
		}
	}
}

// listPage is what the tests read of a conversation list.
type listPage struct {
	Conversations struct {
		PageInfo struct{ EndCursor string }
		Edges    []struct{ Node struct{ ID string } }
	}
}

func (p listPage) ids() []string {
	var ids []string
	for _, e := range p.Conversations.Edges {
		ids = append(ids, e.Node.ID)
	}
	return ids
}
