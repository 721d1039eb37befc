// Package clustertest runs a NATS server inside the test process, on a
// random loopback port, for tests of several instances (make test needs no
// NATS installed).
package clustertest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Start runs a NATS server until t ends and returns its URL.
func Start(t testing.TB) string {
	t.Helper()
	url, _ := StartStoppable(t)
	return url
}

// StartStoppable is Start that also returns a function stopping the NATS
// server before t ends, for tests of an instance that loses its NATS.
func StartStoppable(t testing.TB) (url string, stop func()) {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatalf("clustertest: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("clustertest: NATS did not start")
	}
	t.Cleanup(s.Shutdown)
	return s.ClientURL(), s.Shutdown
}
