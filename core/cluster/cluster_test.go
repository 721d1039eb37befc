package cluster_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/switchboard/switchboard/core/cluster"
	"github.com/switchboard/switchboard/core/cluster/clustertest"
)

// TestBusCarriesNewsToOtherInstances: a message one instance publishes
// reaches the others, not itself.
func TestBusCarriesNewsToOtherInstances(t *testing.T) {
	url := clustertest.Start(t)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := cluster.Connect(ctx, url, log)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := cluster.Connect(ctx, url, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got := func(bus *cluster.Bus) chan string {
		ch := make(chan string, 4)
		if err := bus.Subscribe(cluster.SubjectWork, func(data json.RawMessage) {
			var s string
			json.Unmarshal(data, &s)
			ch <- s
		}); err != nil {
			t.Fatal(err)
		}
		return ch
	}
	atA, atB := got(a), got(b)
	if err := a.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish(cluster.SubjectWork, "from a"); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-atB:
		if s != "from a" {
			t.Fatalf("b got %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("b got nothing")
	}
	if err := b.Ready(ctx); err != nil { // a round trip after which a's own copy would be in
		t.Fatal(err)
	}
	select {
	case s := <-atA:
		t.Fatalf("a got its own message %q", s)
	default:
	}
}
