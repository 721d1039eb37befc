package main

import (
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestMain(m *testing.M) {
	// The commands hash a password at every server start; at bcrypt's default
	// cost that takes over a second under the race detector, and no test here
	// is about the cost.
	bcryptCost = bcrypt.MinCost
	os.Exit(m.Run())
}
