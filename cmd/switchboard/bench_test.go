package main

import (
	"bytes"
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// parseBenchLine reads the machine-readable last line of `switchboard bench`.
func parseBenchLine(t *testing.T, out string) map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	last := lines[len(lines)-1]
	want := []string{"webhooks_per_s", "sqlite_ratio", "bare_ratio", "answer_p99_ms", "e2e_p99_ms", "lost", "dup", "misrouted"}
	fields := strings.Fields(last)
	if len(fields) < len(want) {
		t.Fatalf("last line %q has %d fields, want at least %d", last, len(fields), len(want))
	}
	kv := map[string]string{}
	for i, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			t.Fatalf("last line field %q is not key=value", f)
		}
		if i < len(want) && k != want[i] {
			t.Fatalf("last line field %d is %q, want %q (line %q)", i, k, want[i], last)
		}
		kv[k] = v
	}
	return kv
}

// TestBenchSmallRun runs a short bench in-process and checks the last line: the
// correctness counts are zero, the rates positive, and no goroutine outlives it.
func TestBenchSmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("the bench runs for several seconds")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	goroutines := runtime.NumGoroutine()
	var stdout, stderr bytes.Buffer
	// The raw SQLite bound only has to be positive here: half a second measures
	// hundreds of rows (its default, 3s, was the longest wait of this test).
	err := run(ctx, []string{"bench", "--duration", "2s", "--sqlite-duration", "500ms", "--agents", "2", "--concurrency", "4", "--senders", "10"}, &stdout, &stderr)
	t.Logf("stdout:\n%s", stdout.String())
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
	}
	kv := parseBenchLine(t, stdout.String())
	for _, k := range []string{"lost", "dup", "misrouted"} {
		if kv[k] != "0" {
			t.Errorf("%s=%s, want 0", k, kv[k])
		}
	}
	for _, k := range []string{"webhooks_per_s", "sqlite_ratio", "bare_ratio", "answer_p99_ms", "e2e_p99_ms"} {
		v, err := strconv.ParseFloat(kv[k], 64)
		if err != nil || v <= 0 {
			t.Errorf("%s=%q, want a positive number", k, kv[k])
		}
	}
	if !strings.Contains(stdout.String(), "TELEGRAM + CUSTOM") {
		t.Errorf("the custom account was not loaded:\n%s", stdout.String())
	}
	// Every goroutine the bench started has ended.
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		<-tick.C
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the bench, %d before:\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
	}
}

// TestBenchFlagErrors checks that bad flags print why and return errUsage.
func TestBenchFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--url", "http://127.0.0.1:1"},
		{"bench", "--agents", "0"},
		{"bench", "--sqlite-synchronous", "SOMETIMES"},
		{"bench", "--custom-share", "2"},
		{"bench", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err != errUsage {
			t.Errorf("%v: err %v, want errUsage", args, err)
		}
		if stderr.Len() == 0 {
			t.Errorf("%v: nothing on stderr", args)
		}
	}
}

// TestBenchTextRoundTrip checks the message text the agents decode.
func TestBenchTextRoundTrip(t *testing.T) {
	at := time.Unix(1700000000, 123456789)
	seq, sent, sender, ok := parseBenchText(benchText(42, at, "u-abc-7"))
	if !ok || seq != 42 || !sent.Equal(at) || sender != "u-abc-7" {
		t.Fatalf("round trip: %d %v %q %v", seq, sent, sender, ok)
	}
	for _, bad := range []string{"", "bench", "bench x 1 s", "hello 1 2 3", "bench 1 2 3 4"} {
		if _, _, _, ok := parseBenchText(bad); ok {
			t.Errorf("parsed %q", bad)
		}
	}
}

// TestPercentile checks the nearest-rank percentiles.
func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(d, 0.5); p != 50*time.Millisecond {
		t.Errorf("p50 = %v", p)
	}
	if p := percentile(d, 0.99); p != 99*time.Millisecond {
		t.Errorf("p99 = %v", p)
	}
	if p := percentile(nil, 0.99); p != 0 {
		t.Errorf("empty p99 = %v", p)
	}
}
