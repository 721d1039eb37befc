package scenario

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/default.json from Default()")

// TestDefaultJSON pins the JSON shape through the default scenario: a
// renamed field breaks stored scenarios and API clients, so it must show up
// as a diff here. Run with -update after a deliberate change.
func TestDefaultJSON(t *testing.T) {
	got, err := json.MarshalIndent(Default(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "default.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Default() encodes differently from %s (go test -run TestDefaultJSON -update to accept):\n%s", path, got)
	}
	s, err := Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	if p := Validate(s); len(p) > 0 {
		t.Errorf("%s does not validate:\n%s", path, list(p))
	}
}

func TestDefaultIsACopy(t *testing.T) {
	a := Default()
	a.Block("greeting").SendMessage.Text = "changed"
	if Default().Block("greeting").SendMessage.Text == "changed" {
		t.Error("Default shares its blocks between calls")
	}
}

func TestDefaultRuns(t *testing.T) {
	s := Default()
	if p := Validate(s); len(p) > 0 {
		t.Fatalf("the default scenario does not validate:\n%s", list(p))
	}
	greeting := SendText{"greeting", "Hello! Thank you for contacting us."}
	end := Finish{"end", "", FinishExit}
	find := FindAgent{"findAgent", nil, t0.Add(5 * time.Minute).UTC()}
	rate := SendText{"survey", "How would you rate this conversation, from 1 (poor) to 5 (excellent)?"}
	tests := []struct {
		name  string
		now   time.Time
		moves []move
	}{
		{"within hours: chat, survey, goodbye", t0, []move{
			{in: Input{Kind: InputStart, Text: "hi"}, waiting: WaitAgent, want: []Action{greeting, find}},
			{in: Input{Kind: InputAgentFound, Agent: ann}, waiting: WaitChatEnd, want: []Action{ConnectChat{"chat", ann}}},
			{in: Input{Kind: InputConversationClosed}, waiting: WaitRating, want: []Action{rate}},
			{in: msg("excellent"), waiting: WaitRating, want: []Action{SendText{"survey", "Please answer with a number from 1 to 5."}}},
			{in: msg("5"), waiting: WaitComment, want: []Action{SendText{"survey", "Thank you! Is there anything you would like to tell us?"}}},
			{in: msg("Ann was great"), done: true, want: []Action{
				StoreSurvey{"survey", ann, 5, "Ann was great"},
				SendText{"goodbye", "Thank you for chatting with us. Goodbye!"},
				end,
			}},
		}},
		{"within hours: no agent in time", t0, []move{
			{in: Input{Kind: InputStart}, waiting: WaitAgent, want: []Action{greeting, find}},
			{in: Input{Kind: InputTimeout}, at: 5 * time.Minute, done: true, want: []Action{
				SendText{"noAgent", "Sorry, all our agents are busy. Please try again a little later."}, end,
			}},
		}},
		{"within hours: the customer leaves the chat", t0, []move{
			{in: Input{Kind: InputStart}, waiting: WaitAgent, want: []Action{greeting, find}},
			{in: Input{Kind: InputAgentFound, Agent: ann}, waiting: WaitChatEnd, want: []Action{ConnectChat{"chat", ann}}},
			{in: Input{Kind: InputCustomerLeft}, done: true, want: []Action{end}},
		}},
		{"outside hours", t0, []move{
			{in: Input{Kind: InputStart}, at: -4 * time.Hour, done: true, want: []Action{greeting,
				SendText{"outsideHours", "We are closed right now. Please write to us again during our opening hours."},
				end,
			}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { play(t, s, tt.moves, true) })
	}
}

// TestDefaultFollowsTheServiceHours: the default scenario's hours are the
// service's own: a service without hours is always open, and one open at
// night routes at night.
func TestDefaultFollowsTheServiceHours(t *testing.T) {
	night := t0.Add(-4 * time.Hour) // outside Mon-Fri 09:00-18:00 in Berlin
	for _, tt := range []struct {
		hours string
		open  bool
	}{{"", true}, {"Mon-Fri 09:00-18:00", false}, {"00:00-24:00", true}, {"Sat,Sun", false}} {
		env := baseEnv()
		env.Now, env.Hours = night, tt.hours
		next, _, err := Step(Default(), State{}, Input{Kind: InputStart}, env)
		if err != nil {
			t.Fatal(err)
		}
		if got := next.Waiting == WaitAgent; got != tt.open {
			t.Errorf("hours %q: finds an agent %v, want %v", tt.hours, got, tt.open)
		}
	}
}
