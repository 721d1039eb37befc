package scenario

import (
	"encoding/json"
	"testing"
	"time"
	_ "time/tzdata" // the tests' zones do not depend on the machine's zoneinfo
)

// berlin is the service zone of most tests: not UTC, and with daylight saving.
var berlin = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// t0 is a Wednesday noon in Berlin, within business hours.
var t0 = time.Date(2025, time.January, 15, 12, 0, 0, 0, berlin)

// baseEnv is the environment of a run unless a test says otherwise.
func baseEnv() Env {
	return Env{
		Now:           t0,
		TimeZone:      "Europe/Berlin",
		Hours:         "Mon-Fri 09:00-18:00",
		Contact:       Contact{Name: "Alice", Language: "de", Fields: map[string]string{"tier": "silver"}},
		QueueLength:   3,
		Position:      2,
		EstimatedWait: 90 * time.Second,
	}
}

// mustParse parses a scenario written as JSON in a test and checks it is valid.
func mustParse(t testing.TB, doc string) *Scenario {
	t.Helper()
	s, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if p := Validate(s); len(p) > 0 {
		t.Fatalf("Validate: %v", p)
	}
	return s
}

// roundTrip encodes and decodes a state, as the engine does when it stores a
// run and reads it after a restart.
func roundTrip(t testing.TB, st State) State {
	t.Helper()
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatalf("marshal state: %v", err)
	}
	var out State
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("unmarshal state %s: %v", data, err)
	}
	return out
}
