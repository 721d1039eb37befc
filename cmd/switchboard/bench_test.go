package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBenchFlagErrors checks that bad flags print why and return errUsage.
func TestBenchFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--url", "http://127.0.0.1:1"},
		{"bench", "--agents", "0"},
		{"bench", "--sqlite-synchronous", "SOMETIMES"},
		{"bench", "--custom-share", "2"},
		{"bench", "--rate", "-5"},
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

// TestBenchIdleAgents runs `switchboard bench --idle-agents` with a few agents:
// the server runs as a separate process (this test binary, running main), and
// the last line reports its memory per connection with no connection dropped.
func TestBenchIdleAgents(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server as a separate process")
	}
	// The child is this test binary: make it run main (see TestMain).
	t.Setenv(runMainEnv, "1")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"bench", "--idle-agents", "20", "--idle-settle", "500ms"}, &stdout, &stderr)
	t.Logf("stdout:\n%s", stdout.String())
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	kv := map[string]string{}
	for _, f := range strings.Fields(lines[len(lines)-1]) {
		k, v, _ := strings.Cut(f, "=")
		kv[k] = v
	}
	if kv["idle_agents"] != "20" || kv["dropped"] != "0" {
		t.Errorf("last line %q: want idle_agents=20 and dropped=0", lines[len(lines)-1])
	}
	for _, k := range []string{"rss_mb", "goroutines_per_conn"} {
		if v, err := strconv.ParseFloat(kv[k], 64); err != nil || v <= 0 {
			t.Errorf("%s=%q, want a positive number", k, kv[k])
		}
	}
	// Twenty connections' memory is within the noise of the server's RSS:
	// only its presence is checked.
	if _, err := strconv.ParseFloat(kv["rss_kib_per_conn"], 64); err != nil {
		t.Errorf("rss_kib_per_conn=%q, want a number", kv["rss_kib_per_conn"])
	}
}
