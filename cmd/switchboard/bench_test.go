package main

import (
	"bytes"
	"context"
	"testing"
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
