package main

import (
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// runMainEnv, set to 1, makes the test binary run main as the switchboard
// binary would, so the crash test can start and SIGKILL a real process without
// building one (a link takes several seconds here).
const runMainEnv = "SWITCHBOARD_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	// The commands hash a password at every server start; at bcrypt's default
	// cost that takes over a second under the race detector, and no test here
	// is about the cost.
	bcryptCost = bcrypt.MinCost
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
