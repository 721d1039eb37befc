package graph_test

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/bench/seed"
	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
)

// TestCountsOnlyForTotalCount: entgql counts a connection's rows whenever
// pageInfo is selected; the resolvers let it count only when totalCount is,
// at the root and in nested connections (a conversation's messages through
// node), while pageInfo stays right and totalCount is still counted when
// asked for.
func TestCountsOnlyForTotalCount(t *testing.T) {
	e := newEnv(t, t.TempDir(), true)
	ctx := context.Background()
	sum, err := seed.Seed(ctx, e.db, seed.Options{Messages: 300, MinMessages: 10, MaxMessages: 10, Dialect: e.dialect})
	if err != nil {
		t.Fatal(err)
	}
	tn := sum.Tenants[0]
	admin := asViewer(tn.ID, tn.AdminID, core.RoleAdmin)
	var list listPage
	if err := e.graphQL(admin, client.ConversationList_Operation, map[string]any{"first": 5}, &list); err != nil {
		t.Fatal(err)
	}
	conv := list.ids()[0]
	counts := func(t *testing.T) int {
		t.Helper()
		n := 0
		for _, st := range e.rec.take() {
			if strings.Contains(st.query, "COUNT(") {
				n++
			}
		}
		return n
	}

	type messagesPage struct {
		Node struct {
			Messages struct {
				TotalCount int
				PageInfo   struct {
					HasPreviousPage bool
					StartCursor     string
				}
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	for _, c := range []struct {
		name   string
		query  string
		vars   map[string]any
		counts int
		check  func(t *testing.T, p messagesPage)
	}{
		{"latest messages", client.LatestMessages_Operation, map[string]any{"id": conv, "last": 4}, 0, func(t *testing.T, p messagesPage) {
			if len(p.Node.Messages.Edges) != 4 || !p.Node.Messages.PageInfo.HasPreviousPage || p.Node.Messages.PageInfo.StartCursor == "" {
				t.Errorf("page %+v", p.Node.Messages)
			}
		}},
		{"all messages", client.LatestMessages_Operation, map[string]any{"id": conv, "last": 50}, 0, func(t *testing.T, p messagesPage) {
			if len(p.Node.Messages.Edges) != 10 || p.Node.Messages.PageInfo.HasPreviousPage {
				t.Errorf("page %+v", p.Node.Messages)
			}
		}},
		{"totalCount beside pageInfo", `query($id: ID!) { node(id: $id) { ... on Conversation {
			messages(last: 3) { totalCount pageInfo { hasPreviousPage } edges { node { id } } } } } }`,
			map[string]any{"id": conv}, 1, func(t *testing.T, p messagesPage) {
				if p.Node.Messages.TotalCount != 10 || !p.Node.Messages.PageInfo.HasPreviousPage || len(p.Node.Messages.Edges) != 3 {
					t.Errorf("page %+v", p.Node.Messages)
				}
			}},
		{"pageInfo in a fragment", `query($id: ID!) { node(id: $id) { ...C } }
			fragment C on Conversation { messages(last: 3) { ...P edges { node { id } } } }
			fragment P on MessageConnection { pageInfo { hasPreviousPage startCursor } }`,
			map[string]any{"id": conv}, 0, func(t *testing.T, p messagesPage) {
				if !p.Node.Messages.PageInfo.HasPreviousPage || p.Node.Messages.PageInfo.StartCursor == "" || len(p.Node.Messages.Edges) != 3 {
					t.Errorf("page %+v", p.Node.Messages)
				}
			}},
		{"totalCount in a fragment", `query($id: ID!) { node(id: $id) { ... on Conversation {
			messages(last: 3) { ...T pageInfo { hasPreviousPage } edges { node { id } } } } } }
			fragment T on MessageConnection { totalCount }`,
			map[string]any{"id": conv}, 1, func(t *testing.T, p messagesPage) {
				if p.Node.Messages.TotalCount != 10 || !p.Node.Messages.PageInfo.HasPreviousPage {
					t.Errorf("page %+v", p.Node.Messages)
				}
			}},
		{"pageInfo without edges", `query($id: ID!) { node(id: $id) { ... on Conversation {
			messages(last: 3) { pageInfo { hasPreviousPage } } } } }`,
			map[string]any{"id": conv}, -1, func(t *testing.T, p messagesPage) {
				if !p.Node.Messages.PageInfo.HasPreviousPage {
					t.Errorf("page %+v", p.Node.Messages)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.rec.take()
			var p messagesPage
			if err := e.graphQL(admin, c.query, c.vars, &p); err != nil {
				t.Fatal(err)
			}
			if n := counts(t); c.counts >= 0 && n != c.counts {
				t.Errorf("%d COUNT queries, want %d", n, c.counts)
			}
			c.check(t, p)
		})
	}

	t.Run("conversation list", func(t *testing.T) {
		e.rec.take()
		var p listPage
		if err := e.graphQL(admin, client.ConversationList_Operation, map[string]any{"first": 5}, &p); err != nil {
			t.Fatal(err)
		}
		if n := counts(t); n != 0 || len(p.ids()) != 5 || p.Conversations.PageInfo.EndCursor == "" {
			t.Errorf("%d COUNT queries, page %+v", n, p)
		}
		var withCount struct{ Conversations struct{ TotalCount int } }
		if err := e.graphQL(admin, listCountQuery, map[string]any{"first": 5}, &withCount); err != nil {
			t.Fatal(err)
		}
		if n := counts(t); n != 1 || withCount.Conversations.TotalCount != sum.Conversations {
			t.Errorf("%d COUNT queries, totalCount %d of %d", n, withCount.Conversations.TotalCount, sum.Conversations)
		}
	})
}
