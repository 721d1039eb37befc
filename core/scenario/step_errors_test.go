package scenario

import (
	"errors"
	"reflect"
	"testing"
)

func TestStepErrors(t *testing.T) {
	s := mustParse(t, flow)
	started, _, err := Step(s, State{}, Input{Kind: InputStart}, baseEnv())
	if err != nil {
		t.Fatal(err)
	}
	loop := &Scenario{Start: "a", Blocks: []Block{
		{ID: "a", Type: TypeSendMessage, SendMessage: &SendMessageParams{Text: "again"}, Exits: []Exit{{ExitNext, "a"}}},
	}}
	tests := []struct {
		name string
		s    *Scenario
		st   State
		in   Input
		want error
	}{
		{"no scenario", nil, State{}, Input{Kind: InputStart}, ErrInvalidScenario},
		{"input before start", s, State{}, msg("hi"), ErrNotStarted},
		{"unknown input before start", s, State{}, Input{Kind: "WAVE"}, ErrBadInput},
		{"unknown input", s, started, Input{Kind: "WAVE"}, ErrBadInput},
		{"start twice", s, started, Input{Kind: InputStart}, ErrAlreadyStarted},
		{"after finish", s, State{Block: "bye", Done: true}, msg("hi"), ErrFinished},
		{"block deleted under the run", s, State{Block: "gone", Waiting: WaitAnswer}, msg("hi"), ErrStaleState},
		{"block changed type under the run", s, State{Block: "hello", Waiting: WaitAnswer}, msg("hi"), ErrStaleState},
		{"a state that waits for nothing", s, State{Block: "ask"}, msg("hi"), ErrStaleState},
		{"start block missing", &Scenario{Start: "x"}, State{}, Input{Kind: InputStart}, ErrInvalidScenario},
		{"exit to a missing block", &Scenario{Start: "a", Blocks: []Block{send("a", "x", "b")}}, State{}, Input{Kind: InputStart}, ErrInvalidScenario},
		{"loop without a wait", loop, State{}, Input{Kind: InputStart}, ErrStepLimit},
		{"missing exit", &Scenario{Start: "a", Blocks: []Block{{ID: "a", Type: TypeSendMessage, SendMessage: &SendMessageParams{Text: "x"}}}},
			State{}, Input{Kind: InputStart}, ErrInvalidScenario},
		{"missing parameters", &Scenario{Start: "a", Blocks: []Block{{ID: "a", Type: TypeCollect}}},
			State{}, Input{Kind: InputStart}, ErrInvalidScenario},
		{"unknown block type", &Scenario{Start: "a", Blocks: []Block{{ID: "a", Type: "DANCE"}}},
			State{}, Input{Kind: InputStart}, ErrInvalidScenario},
		{"bad regex at run time", &Scenario{Start: "a", Blocks: []Block{{ID: "a", Type: TypeIf, If: &IfParams{Branches: []Branch{
			{Name: "b", Conditions: []Condition{{Subject: SubjectMessageText, Op: OpMatches, Value: "("}}}}}}}},
			State{}, Input{Kind: InputStart}, ErrInvalidScenario},
		{"bad time zone at run time", &Scenario{Start: "a", Blocks: []Block{{ID: "a", Type: TypeIf, If: &IfParams{Branches: []Branch{
			{Name: "b", Conditions: []Condition{{Subject: SubjectTime, Op: OpWithin, Value: "Mon", TimeZone: "Mars/Olympus"}}}}}}}},
			State{}, Input{Kind: InputStart}, ErrInvalidScenario},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := roundTrip(t, tt.st)
			st, actions, err := Step(tt.s, tt.st, tt.in, baseEnv())
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if actions != nil || !reflect.DeepEqual(roundTrip(t, st), before) {
				t.Errorf("a failed step changed something: %#v, %#v", st, actions)
			}
		})
	}
}

// TestStepLeavesInputAlone checks that Step copies what it changes: the
// engine may keep the old state (to retry a failed transaction, say).
func TestStepLeavesInputAlone(t *testing.T) {
	s := mustParse(t, flow)
	st, _, err := Step(s, State{}, Input{Kind: InputStart}, baseEnv())
	if err != nil {
		t.Fatal(err)
	}
	st.Vars = map[string]string{"order": "old"}
	next, _, err := Step(s, st, msg("54321"), baseEnv())
	if err != nil {
		t.Fatal(err)
	}
	if st.Vars["order"] != "old" || st.Block != "ask" || next.Vars["order"] != "54321" {
		t.Errorf("input state %+v, next %+v", st, next)
	}
}

func TestStepVariableCondition(t *testing.T) {
	s := mustParse(t, `{"start": "ask", "blocks": [
	  {"id": "ask", "type": "COLLECT", "collect": {"question": "Topic?", "variable": "topic"},
	   "exits": [{"name": "done", "to": "route"}, {"name": "failed", "to": "end"}]},
	  {"id": "route", "type": "IF", "if": {"branches": [
	    {"name": "billing", "conditions": [{"subject": "VARIABLE", "field": "topic", "op": "CONTAINS", "value": "bill", "ignoreCase": true}]}]},
	   "exits": [{"name": "billing", "to": "billing"}, {"name": "else", "to": "end"}]},
	  {"id": "billing", "type": "EXIT", "exit": {"closingText": "Billing: {topic}"}},
	  {"id": "end", "type": "EXIT"}]}`)
	for text, want := range map[string]Action{
		"My BILL is wrong": Finish{"billing", "Billing: My BILL is wrong", FinishExit},
		"delivery":         Finish{"end", "", FinishExit},
	} {
		st, _, err := Step(s, State{}, Input{Kind: InputStart}, baseEnv())
		if err != nil {
			t.Fatal(err)
		}
		_, actions, err := Step(s, st, msg(text), baseEnv())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(actions, []Action{want}) {
			t.Errorf("%q: %#v, want %#v", text, actions, want)
		}
	}
}
