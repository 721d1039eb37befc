package scenario

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	s, err := Parse([]byte(flow))
	if err != nil {
		t.Fatal(err)
	}
	if s.Start != "hello" || len(s.Blocks) != 9 || s.Block("ask").Collect.Pattern != `\d{5}` {
		t.Errorf("parsed %+v", s)
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, again) {
		t.Errorf("encoding and parsing again changed the scenario:\n%+v\n%+v", s, again)
	}
}

func TestParseErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":          ``,
		"not JSON":       `start: a`,
		"unknown field":  `{"start": "a", "blocks": [], "colour": "red"}`,
		"misspelt param": `{"start": "a", "blocks": [{"id": "a", "type": "EXIT", "exit": {"closing": "bye"}}]}`,
		"wrong type":     `{"start": "a", "blocks": [{"id": "a", "type": "FIND_AGENT", "findAgent": {"timeoutSeconds": "5m"}}]}`,
		"exits as a map": `{"start": "a", "blocks": [{"id": "a", "type": "SEND_MESSAGE", "exits": {"next": "b"}}]}`,
		"trailing data":  `{"start": "a", "blocks": []} {}`,
		"trailing junk":  `{"start": "a", "blocks": []} ]`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(doc)); !errors.Is(err, ErrParse) {
				t.Errorf("Parse = %v, want ErrParse", err)
			}
		})
	}
}

// TestStateJSON pins the stored shape of a run: states written by one
// version are read by the next.
func TestStateJSON(t *testing.T) {
	st := State{
		Block: "rate", Waiting: WaitComment, Deadline: time.Date(2025, 1, 15, 11, 1, 0, 0, time.UTC),
		Vars: map[string]string{"order": "12345"}, Attempts: 1, Rating: 4, Agent: ann, LastMessage: "4", Done: false,
	}
	const want = `{"block":"rate","waiting":"COMMENT","deadline":"2025-01-15T11:01:00Z","vars":{"order":"12345"},` +
		`"attempts":1,"rating":4,"agent":{"id":"u1","name":"Ann"},"lastMessage":"4"}`
	if got := mustJSON(t, st); got != want {
		t.Errorf("state JSON\n got %s\nwant %s", got, want)
	}
	if got := roundTrip(t, st); !reflect.DeepEqual(got, st) {
		t.Errorf("round trip: %+v", got)
	}
	if got := mustJSON(t, State{}); got != `{}` {
		t.Errorf("a new state encodes as %s", got)
	}
}
