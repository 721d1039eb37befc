package inbox

import (
	"context"
	"testing"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
)

// BenchmarkFanout1000Agents measures delivering one event of a conversation
// held by one agent to a tenant with 1,000 subscribed agents: the cost of
// deciding, per subscriber, who may see it (one op = one event).
func BenchmarkFanout1000Agents(b *testing.B) {
	f := newFanout(&Service{opts: Options{Subscribers: func(int) {}}}, 64)
	t := f.tailOf(1)
	received := 0
	for i := range 1000 {
		ctx := core.WithLiveViewer(context.Background(), core.NewLiveViewer(core.Viewer{TenantID: 1, UserID: i + 1, Role: core.RoleAgent}))
		sub := &subscriber{ctx: ctx, viewer: core.ViewerSource(ctx), gone: func() {}}
		sub.offer = func(*Published) bool { received++; return true }
		sub.finish = func(error) {}
		t.subs[sub] = struct{}{}
	}
	holder := 7
	conv := &ent.Conversation{ID: 1, TenantID: 1, AssigneeID: &holder}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e := Event{Cursor: i + 1, TenantID: 1, Kind: MessageCreated, ConversationID: 1, AssigneeID: &holder}
		f.deliver([]Event{e}, map[int]*Published{e.Cursor: {Event: e, Conversation: conv}})
	}
	if received == 0 {
		b.Fatal("the holder received nothing")
	}
}
