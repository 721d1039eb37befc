package scenario

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// validSeeds are the valid scenarios the fuzzers start from.
func validSeeds(t testing.TB) [][]byte {
	def, err := json.Marshal(Default())
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{def, []byte(flow), []byte(branches), []byte(readmeExample(t))}
}

// FuzzParseValidate feeds arbitrary documents to Parse and Validate, which
// must never panic, and runs whatever passes both.
func FuzzParseValidate(f *testing.F) {
	for _, seed := range validSeeds(f) {
		f.Add(seed)
	}
	for _, seed := range []string{
		``, `null`, `{}`, `[]`, `{"start": "a", "blocks": [{"id": "a"}]}`,
		`{"start": "a", "blocks": [{"id": "a", "type": "SEND_MESSAGE", "sendMessage": {"text": "{x"}, "exits": [{"name": "next", "to": "a"}]}]}`,
		`{"start": "a", "blocks": [{"id": "a", "type": "IF", "if": {"branches": [{"name": "b", "conditions": [{"subject": "TIME", "op": "WITHIN", "value": "Fri-Mon 22:00-06:00", "timeZone": "Local"}]}]}}]}`,
		`{"start": "a", "blocks": [{"id": "a", "type": "COLLECT", "collect": {"question": "?", "variable": "v", "pattern": "(a|"}}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("Parse error without ErrParse: %v", err)
			}
			return
		}
		problems := Validate(s)
		for _, p := range problems {
			if p.Message == "" {
				t.Fatalf("a problem without a message: %#v", p)
			}
		}
		if len(problems) == 0 {
			runScript(t, s, []byte{1, 2, 4, 9, 17, 3, 25, 7, 33, 5, 6, 1, 1})
		}
	})
}

// FuzzStep runs valid scenarios through arbitrary inputs: Step must never
// panic, never fail but for inputs in the wrong order, and never go round a
// loop.
func FuzzStep(f *testing.F) {
	for _, seed := range validSeeds(f) {
		for _, script := range [][]byte{
			{},
			{2, 4, 9, 17, 41},            // found, agent left, ratings, comment
			{1, 3, 11, 19, 3, 5},         // messages and timeouts
			{1, 9, 7, 2, 6, 7, 25, 1, 0}, // restarts between moves, closed, a second START
		} {
			f.Add(seed, script)
		}
	}
	f.Fuzz(func(t *testing.T, doc, script []byte) {
		s, err := Parse(doc)
		if err != nil || len(Validate(s)) > 0 {
			return
		}
		runScript(t, s, script)
	})
}

// scriptTexts are the customer messages scripts choose from: ratings, order
// numbers, the words the test scenarios' conditions look for, and junk.
var scriptTexts = []string{"", "5", "12345", "123456", "help", "price", "⭐⭐⭐", "hello", "x@y.z", "0", "{customerName}"}

// runScript starts a run and feeds it one input per byte of script: the low
// three bits choose the kind (7 stores and reloads the state as after a
// restart), the rest the text and how far time moves on.
func runScript(t *testing.T, s *Scenario, script []byte) {
	kinds := []InputKind{InputStart, InputCustomerMessage, InputAgentFound, InputTimeout,
		InputAgentLeft, InputCustomerLeft, InputConversationClosed}
	env := Env{
		Now: time.Date(2025, 1, 13, 8, 0, 0, 0, time.UTC), TimeZone: "Europe/Berlin",
		Contact: Contact{Name: "Bo", Fields: map[string]string{"tier": "gold"}}, QueueLength: 4, EstimatedWait: time.Minute,
	}
	st, actions, err := Step(s, State{}, Input{Kind: InputStart, Text: "hello"}, env)
	check(t, s, st, actions, err)
	for _, b := range script {
		hi := int(b >> 3)
		env.Now = env.Now.Add(time.Duration(hi) * 7 * time.Minute)
		env.QueueLength = hi % 12
		if b&7 == 7 {
			st = roundTrip(t, st)
			continue
		}
		in := Input{Kind: kinds[b&7], Text: scriptTexts[hi%len(scriptTexts)], Agent: Agent{ID: "a", Name: "Ann"}}
		next, actions, err := Step(s, st, in, env)
		check(t, s, next, actions, err)
		if err == nil {
			st = next
		}
	}
}

// check holds one step's outcome to what a valid scenario promises.
func check(t *testing.T, s *Scenario, st State, actions []Action, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrFinished) && !errors.Is(err, ErrAlreadyStarted) && !errors.Is(err, ErrNotStarted) {
			t.Fatalf("Step on a valid scenario: %v", err)
		}
		return
	}
	// Each block acts at most once a step; a survey adds its result.
	if len(actions) > len(s.Blocks)+1 {
		t.Fatalf("%d actions from a scenario of %d blocks", len(actions), len(s.Blocks))
	}
	for i, a := range actions {
		if _, fin := a.(Finish); fin != (st.Done && i == len(actions)-1) {
			t.Fatalf("Finish must be the last action of a finished step: %#v", actions)
		}
	}
	if st.Done {
		return
	}
	b := s.Block(st.Block)
	if b == nil || !waits(b.Type) || st.Waiting == "" {
		t.Fatalf("a run stopped at %q waiting %q", st.Block, st.Waiting)
	}
}
