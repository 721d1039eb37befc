package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/webhookevent"
	"github.com/switchboard/switchboard/server"
)

// The event log and the processed webhooks' bodies are pruned after their
// retention; a subscriber resuming from a cursor the log no longer reaches is
// told so (CURSOR_EXPIRED) instead of silently missing events, and one
// resuming from a cursor the log still covers gets what came after it.
func TestRetentionPrunesTheLogsAndExpiresOldCursors(t *testing.T) {
	s := newTelegramSetup(t, func(c *server.Config) {
		// Everything but the newest event is past its retention at once.
		c.EventRetention = time.Nanosecond
		c.WebhookRetention = time.Nanosecond
	})
	ctx := context.Background()
	ws, err := s.admin.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	live, _, err := client.InboxEvents(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cursors []string
	for i := range 3 {
		if code := s.deliver(t, telegramUpdate(900+i, 90+i, 4242, "hello"), s.secret); code != 200 {
			t.Fatalf("webhook %d: status %d", i, code)
		}
		cursors = append(cursors, nextInbox(t, live, client.ConversationEventKindMessageCreated).Cursor)
	}
	sys := core.SystemContext(ctx)
	if n := s.srv.Client().WebhookEvent.Query().Where(webhookevent.StatusEQ(webhookevent.StatusPROCESSED)).CountX(sys); n != 3 {
		t.Fatalf("%d processed webhooks stored before pruning, want 3", n)
	}

	pruned, err := s.srv.Inbox.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pruned.Events == 0 || pruned.Webhooks != 3 {
		t.Fatalf("pruned %+v, want events and the 3 webhooks", pruned)
	}
	if n := s.srv.Client().WebhookEvent.Query().CountX(sys); n != 0 {
		t.Fatalf("%d webhooks left after pruning, want 0", n)
	}
	if n := s.srv.Client().Event.Query().CountX(sys); n != 1 {
		t.Fatalf("%d events left after pruning, want the newest only", n)
	}

	// A cursor before what is left: refused with a code a client branches on.
	old, err := s.admin.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	expired, _, err := client.InboxEvents(ctx, old, &cursors[0])
	if err == nil {
		select {
		case r := <-expired:
			err = r.Errors
			if len(r.Errors) == 0 {
				t.Fatalf("resuming from a pruned cursor gave %+v, want CURSOR_EXPIRED", r.Data)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no answer to a subscription from a pruned cursor")
		}
	}
	wantCode(t, err, "CURSOR_EXPIRED")

	// The cursor just before the newest event: resumed without a gap.
	recent, err := s.admin.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer recent.Close()
	resumed, _, err := client.InboxEvents(ctx, recent, &cursors[1])
	if err != nil {
		t.Fatal(err)
	}
	if got := nextInbox(t, resumed, client.ConversationEventKindMessageCreated).Cursor; got != cursors[2] {
		t.Fatalf("resumed at cursor %s, want %s", got, cursors[2])
	}

	// The messages themselves are the contact center's records: all kept.
	conv := s.conversation(t, s.admin, s.onlyConversation(t))
	if conv.Messages.TotalCount != 3 {
		t.Fatalf("%d messages after pruning, want 3", conv.Messages.TotalCount)
	}
}
