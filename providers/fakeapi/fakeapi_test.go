package fakeapi

import (
	"context"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	var f Faults[string, int]
	if f.Injected("send", "a") != nil {
		t.Fatal("an empty fake injected a reply")
	}
	f.Queue("send", 1, 2)
	f.SetHook(func(req string) *int {
		if req == "hooked" {
			n := 9
			return &n
		}
		return nil
	})
	for _, want := range []int{1, 2} {
		if got := f.Injected("send", "hooked"); got == nil || *got != want {
			t.Fatalf("queued reply %v, want %d", got, want)
		}
	}
	if got := f.Injected("other", "hooked"); got == nil || *got != 9 {
		t.Fatalf("hooked reply %v", got)
	}
	if f.Injected("send", "plain") != nil {
		t.Fatal("the hook answered a request it declined")
	}
	f.Record("a")
	f.Record("b")
	if got := f.Requests(func(s string) string { return s + "!" }); len(got) != 2 || got[0] != "a!" || got[1] != "b!" {
		t.Fatalf("requests %v", got)
	}
	f.Reset()
	if len(f.Requests(nil)) != 0 || f.Injected("other", "hooked") != nil {
		t.Fatal("Reset kept state")
	}
}

func TestHold(t *testing.T) {
	if !Hold(context.Background(), time.Millisecond) {
		t.Fatal("a short hold gave up")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Hold(ctx, time.Hour) {
		t.Fatal("a hold outlived its client")
	}
}
