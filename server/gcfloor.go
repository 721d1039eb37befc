package server

import (
	"os"
	"runtime"
	"runtime/debug"
	runtimemetrics "runtime/metrics"
	"sync"
	"sync/atomic"
)

// The garbage collector runs whenever the heap has grown by GOGC percent
// (100) of what the last collection left live. A Switchboard server keeps
// little live (a few MB, without thousands of open websockets) and a read
// of a page allocates about a megabyte, so with the default it collected
// every few requests: in `switchboard bench --seed-messages` 52 collections
// in 440 reads, marking about a third of the time, each one taking a core's
// quarter and stopping the world twice while requests ran.
//
// gcFloor keeps the collector's target at least minHeap bytes: after each
// collection it sets GOGC so that the next one starts once the heap reaches
// minHeap, or at GOGC=100 once the live heap is over half of minHeap, so a
// large live heap (many connections) is collected as before. It changes
// nothing when GOGC is set in the environment, and a GOMEMLIMIT still
// bounds the heap. The setting is the process's, so the largest floor of
// the servers in it wins.
var gcFloor struct {
	once    sync.Once
	floor   atomic.Int64
	percent int
}

// keepHeapFloor starts (once per process) or raises the heap floor.
func keepHeapFloor(minHeap int64) {
	if minHeap <= 0 || os.Getenv("GOGC") != "" {
		return
	}
	for {
		old := gcFloor.floor.Load()
		if minHeap <= old || gcFloor.floor.CompareAndSwap(old, minHeap) {
			break
		}
	}
	gcFloor.once.Do(func() {
		gcFloor.percent = 100
		retuneGC()
		watchCollections()
	})
}

// watchCollections calls retuneGC after every collection: a cleanup of an
// object nothing references runs once a collection has found it
// unreachable, and each one arms the next.
func watchCollections() {
	runtime.AddCleanup(new(gcSentinel), func(struct{}) {
		retuneGC()
		watchCollections()
	}, struct{}{})
}

// gcSentinel holds a pointer, so it is never one of the tiny objects
// allocated together, whose cleanups may not run.
type gcSentinel struct{ _ *byte }

// liveHeap is the heap the last collection left live.
var liveHeap = []runtimemetrics.Sample{{Name: "/gc/heap/live:bytes"}}

// maxPercent bounds GOGC when almost nothing is live (at start).
const maxPercent = 10000

// retuneGC sets GOGC for the next collection from the live heap; it runs on
// one goroutine at a time (at start, then the cleanup goroutine's).
func retuneGC() {
	runtimemetrics.Read(liveHeap)
	if liveHeap[0].Value.Kind() != runtimemetrics.KindUint64 {
		return
	}
	live := int64(liveHeap[0].Value.Uint64())
	floor := gcFloor.floor.Load()
	percent := 100
	if live*2 < floor {
		percent = maxPercent
		if live > 0 {
			percent = int(min((floor-live)*100/live, maxPercent))
		}
	}
	// Small changes are not worth telling the runtime.
	if d := percent - gcFloor.percent; d > gcFloor.percent/8 || -d > gcFloor.percent/8 {
		gcFloor.percent = percent
		debug.SetGCPercent(percent)
	}
}
