package main

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

func TestBenchLeakTmp(t *testing.T) {
	before := runtime.NumGoroutine()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"bench", "--duration", "1s", "--agents", "2", "--concurrency", "4", "--senders", "10", "--sqlite-duration", "200ms"}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	time.Sleep(3 * time.Second)
	after := runtime.NumGoroutine()
	t.Logf("goroutines before %d after %d", before, after)
	if after > before+2 {
		pprof.Lookup("goroutine").WriteTo(os.Stdout, 1)
	}
}
