package server

import (
	"os"
	"runtime"
	runtimemetrics "runtime/metrics"
	"testing"
	"time"
)

// TestHeapFloorRaisesGOGC: with a floor far above the live heap, GOGC is
// raised after the next collection so that the heap may grow to the floor.
// Each round forces a collection, which runs the retune's cleanup; the
// deadline only bounds a broken retune.
func TestHeapFloorRaisesGOGC(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: the floor leaves it alone")
	}
	gogc := []runtimemetrics.Sample{{Name: "/gc/gogc:percent"}}
	before := gcFloor.floor.Load()
	t.Cleanup(func() { gcFloor.floor.Store(before) }) // retuned at the next collection
	keepHeapFloor(256 << 20)
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		runtimemetrics.Read(gogc)
		if p := gogc[0].Value.Uint64(); p > 150 {
			return
		}
		if time.Now().After(deadline) {
			runtimemetrics.Read(liveHeap)
			t.Fatalf("GOGC %d with a live heap of %d bytes and a floor of 256 MiB", gogc[0].Value.Uint64(), liveHeap[0].Value.Uint64())
		}
		// The retune runs on the cleanup goroutine after a collection: let
		// it run, then collect again.
		runtime.Gosched()
	}
}
