package scenario

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// flow uses every block type: greet, collect an order number, find a billing
// agent, chat, survey, thank and exit, with a way out of each wait.
const flow = `{
  "start": "hello",
  "blocks": [
    {"id": "hello", "type": "SEND_MESSAGE",
     "sendMessage": {"text": "Hi {customerName}, you are number {position}, about {wait} min."},
     "exits": [{"name": "next", "to": "ask"}]},
    {"id": "ask", "type": "COLLECT",
     "collect": {"question": "Your order number?", "variable": "order", "pattern": "\\d{5}",
                 "retryText": "Five digits, please.", "maxAttempts": 2},
     "exits": [{"name": "done", "to": "find"}, {"name": "failed", "to": "giveUp"}]},
    {"id": "find", "type": "FIND_AGENT",
     "findAgent": {"skills": [{"skill": "billing", "minLevel": 2}], "timeoutSeconds": 60},
     "exits": [{"name": "found", "to": "chat"}, {"name": "timeout", "to": "busy"}]},
    {"id": "chat", "type": "CONNECT_CHAT",
     "exits": [{"name": "agentLeft", "to": "rate"}, {"name": "customerLeft", "to": "bye"}]},
    {"id": "rate", "type": "SURVEY",
     "survey": {"question": "Rate us 1-5", "commentQuestion": "Any comment?", "retryText": "1 to 5, please."},
     "exits": [{"name": "done", "to": "thanks"}]},
    {"id": "thanks", "type": "SEND_MESSAGE",
     "sendMessage": {"text": "Thanks, {agentName} will look at {order}."},
     "exits": [{"name": "next", "to": "bye"}]},
    {"id": "busy", "type": "SEND_MESSAGE", "sendMessage": {"text": "Nobody is free."},
     "exits": [{"name": "next", "to": "bye"}]},
    {"id": "giveUp", "type": "SEND_MESSAGE", "sendMessage": {"text": "Sorry, we could not read it."},
     "exits": [{"name": "next", "to": "bye"}]},
    {"id": "bye", "type": "EXIT", "exit": {"closingText": "Bye {customerName}"}}
  ]
}`

// move is one input of a scripted run and what it must lead to.
type move struct {
	in      Input
	at      time.Duration // after t0
	want    []Action
	waiting Wait
	done    bool
}

var (
	ann      = Agent{ID: "u1", Name: "Ann"}
	deadline = t0.Add(time.Minute).UTC()
	start    = move{in: Input{Kind: InputStart, Text: "hi"}, waiting: WaitAnswer, want: []Action{
		SendText{"hello", "Hi Alice, you are number 2, about 2 min."},
		SendText{"ask", "Your order number?"},
	}}
	giveOrder = move{in: msg("12345"), waiting: WaitAgent, want: []Action{
		FindAgent{"find", []SkillRequirement{{"billing", 2}}, deadline},
	}}
	found = move{in: Input{Kind: InputAgentFound, Agent: ann}, at: 20 * time.Second, waiting: WaitChatEnd, want: []Action{
		ConnectChat{"chat", ann},
	}}
	bye = Finish{"bye", "Bye Alice", FinishExit}
)

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func msg(text string) Input { return Input{Kind: InputCustomerMessage, Text: text} }

func TestStepFlow(t *testing.T) {
	s := mustParse(t, flow)
	tests := []struct {
		name  string
		moves []move
	}{
		{"happy path with survey comment", []move{start, giveOrder, found,
			{in: msg("where is my parcel?"), waiting: WaitChatEnd}, // for the agent, not the scenario
			{in: Input{Kind: InputAgentLeft}, waiting: WaitRating, want: []Action{SendText{"rate", "Rate us 1-5"}}},
			{in: msg("great"), waiting: WaitRating, want: []Action{SendText{"rate", "1 to 5, please."}}},
			{in: msg("4 stars"), waiting: WaitComment, want: []Action{SendText{"rate", "Any comment?"}}},
			{in: msg(" quick and kind "), done: true, want: []Action{
				StoreSurvey{"rate", ann, 4, "quick and kind"},
				SendText{"thanks", "Thanks, Ann will look at 12345."},
				bye,
			}},
		}},
		{"collect retries then accepts", []move{start,
			{in: msg("abc"), waiting: WaitAnswer, want: []Action{SendText{"ask", "Five digits, please."}}},
			giveOrder,
		}},
		{"collect fails after max attempts", []move{start,
			{in: msg("abc"), waiting: WaitAnswer, want: []Action{SendText{"ask", "Five digits, please."}}},
			{in: msg("123456"), done: true, want: []Action{SendText{"giveUp", "Sorry, we could not read it."}, bye}},
		}},
		{"an empty answer does not count", []move{start,
			{in: msg("  "), waiting: WaitAnswer, want: []Action{SendText{"ask", "Five digits, please."}}},
		}},
		{"find agent times out", []move{start, giveOrder,
			{in: Input{Kind: InputTimeout}, at: 59 * time.Second, waiting: WaitAgent}, // a timer too early is ignored
			{in: Input{Kind: InputTimeout}, at: time.Minute, done: true, want: []Action{SendText{"busy", "Nobody is free."}, bye}},
		}},
		{"agent found is ignored outside find agent", []move{start,
			{in: Input{Kind: InputAgentFound, Agent: ann}, waiting: WaitAnswer},
			{in: Input{Kind: InputAgentLeft}, waiting: WaitAnswer},
			{in: Input{Kind: InputTimeout}, at: time.Hour, waiting: WaitAnswer},
		}},
		{"customer leaves the chat", []move{start, giveOrder, found,
			{in: Input{Kind: InputCustomerLeft}, done: true, want: []Action{bye}},
		}},
		{"agent closes the chat", []move{start, giveOrder, found,
			{in: Input{Kind: InputConversationClosed}, waiting: WaitRating, want: []Action{SendText{"rate", "Rate us 1-5"}}},
		}},
		{"customer leaves the queue", []move{start, giveOrder,
			{in: Input{Kind: InputCustomerLeft}, done: true, want: []Action{Finish{"find", "", FinishCustomerLeft}}},
		}},
		{"conversation closed while collecting", []move{start,
			{in: Input{Kind: InputConversationClosed}, done: true, want: []Action{Finish{"ask", "", FinishClosed}}},
		}},
		{"customer leaves before the comment", []move{start, giveOrder, found,
			{in: Input{Kind: InputAgentLeft}, waiting: WaitRating, want: []Action{SendText{"rate", "Rate us 1-5"}}},
			{in: msg("5"), waiting: WaitComment, want: []Action{SendText{"rate", "Any comment?"}}},
			{in: Input{Kind: InputCustomerLeft}, done: true, want: []Action{
				StoreSurvey{"rate", ann, 5, ""}, Finish{"rate", "", FinishCustomerLeft},
			}},
		}},
		{"survey given up after invalid ratings", []move{start, giveOrder, found,
			{in: Input{Kind: InputAgentLeft}, waiting: WaitRating, want: []Action{SendText{"rate", "Rate us 1-5"}}},
			{in: msg("0"), waiting: WaitRating, want: []Action{SendText{"rate", "1 to 5, please."}}},
			{in: msg("4.5"), waiting: WaitRating, want: []Action{SendText{"rate", "1 to 5, please."}}},
			{in: msg("six"), done: true, want: []Action{SendText{"thanks", "Thanks, Ann will look at 12345."}, bye}},
		}},
	}
	for _, tt := range tests {
		for _, restart := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/restart=%v", tt.name, restart), func(t *testing.T) {
				play(t, s, tt.moves, restart)
			})
		}
	}
}

// play runs the moves and checks each outcome; with restart, the state is
// stored as JSON and read back before every move, as across a restart.
func play(t *testing.T, s *Scenario, moves []move, restart bool) State {
	t.Helper()
	var st State
	for i, m := range moves {
		if restart {
			st = roundTrip(t, st)
		}
		env := baseEnv()
		env.Now = t0.Add(m.at)
		next, actions, err := Step(s, st, m.in, env)
		if err != nil {
			t.Fatalf("move %d (%s): %v", i, m.in.Kind, err)
		}
		if !reflect.DeepEqual(actions, m.want) {
			t.Fatalf("move %d (%s %q): actions\n got %#v\nwant %#v", i, m.in.Kind, m.in.Text, actions, m.want)
		}
		if next.Waiting != m.waiting || next.Done != m.done {
			t.Fatalf("move %d (%s): waiting %q done %v, want %q %v", i, m.in.Kind, next.Waiting, next.Done, m.waiting, m.done)
		}
		st = next
	}
	return st
}

// TestStepRestartSameOutcome stops a run in every wait, stores the state as
// JSON, and checks that the run continued from the decoded state ends exactly
// as one that never stopped.
func TestStepRestartSameOutcome(t *testing.T) {
	s := mustParse(t, flow)
	inputs := []move{start, giveOrder, found,
		{in: Input{Kind: InputAgentLeft}}, {in: msg("3")}, {in: msg("ok")}}
	var straight, restarted State
	var all1, all2 []Action
	for i, m := range inputs {
		env := baseEnv()
		env.Now = t0.Add(m.at)
		var a1, a2 []Action
		var err error
		if straight, a1, err = Step(s, straight, m.in, env); err != nil {
			t.Fatal(err)
		}
		if restarted, a2, err = Step(s, roundTrip(t, restarted), m.in, env); err != nil {
			t.Fatal(err)
		}
		all1, all2 = append(all1, a1...), append(all2, a2...)
		if i == 1 && !strings.Contains(mustJSON(t, restarted), `"deadline":"2025-01-15T11:01:00Z"`) {
			t.Errorf("state while finding an agent: %s", mustJSON(t, restarted))
		}
	}
	if !reflect.DeepEqual(all1, all2) {
		t.Errorf("actions differ after restarts:\n%#v\n%#v", all1, all2)
	}
	if mustJSON(t, straight) != mustJSON(t, restarted) {
		t.Errorf("states differ:\n%s\n%s", mustJSON(t, straight), mustJSON(t, restarted))
	}
	if !straight.Done || straight.Vars["order"] != "12345" {
		t.Errorf("final state %s", mustJSON(t, straight))
	}
}

func TestStepSurveyWithoutComment(t *testing.T) {
	s := mustParse(t, `{"start": "rate", "blocks": [
	  {"id": "rate", "type": "SURVEY", "survey": {"question": "Rate us"}, "exits": [{"name": "done", "to": "end"}]},
	  {"id": "end", "type": "EXIT"}]}`)
	play(t, s, []move{
		{in: Input{Kind: InputStart}, waiting: WaitRating, want: []Action{SendText{"rate", "Rate us"}}},
		{in: msg("meh"), waiting: WaitRating, want: []Action{SendText{"rate", "Rate us"}}}, // no retry text: ask again
		{in: msg("⭐⭐⭐"), done: true, want: []Action{StoreSurvey{"rate", Agent{}, 3, ""}, Finish{"end", "", FinishExit}}},
	}, false)
}

func TestParseRating(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"1", 1}, {" 5 ", 5}, {"4 stars", 4}, {"4/5", 4}, {"3!", 3}, {"★★", 2}, {"⭐️⭐️⭐️⭐️", 4},
		{"", 0}, {"0", 0}, {"6", 0}, {"45", 0}, {"4.5", 0}, {"4,5", 0}, {"good", 0}, {"⭐⭐⭐⭐⭐⭐", 0}, {"5 ⭐", 0},
		{"99999999999999999999999", 0},
	}
	for _, tt := range tests {
		got, ok := parseRating(tt.in)
		if got != tt.want || ok != (tt.want != 0) {
			t.Errorf("parseRating(%q) = %d, %v; want %d", tt.in, got, ok, tt.want)
		}
	}
}

// branches has an IF with a branch for each kind of condition, tried in
// order; each leads to an EXIT whose closing text names it.
const branches = `{
  "start": "route",
  "blocks": [
    {"id": "route", "type": "IF", "if": {"branches": [
      {"name": "vip", "conditions": [{"subject": "CONTACT_FIELD", "field": "tier", "op": "EQUALS", "value": "Gold", "ignoreCase": true}]},
      {"name": "sales", "conditions": [{"subject": "MESSAGE_TEXT", "op": "MATCHES", "value": "\\b(buy|price)\\b", "ignoreCase": true}]},
      {"name": "busy", "conditions": [
        {"subject": "QUEUE_LENGTH", "op": "AT_LEAST", "number": 10},
        {"subject": "ESTIMATED_WAIT", "op": "GREATER_THAN", "number": 600}]},
      {"name": "empty", "conditions": [{"subject": "QUEUE_LENGTH", "op": "LESS_THAN", "number": 1}]},
      {"name": "tokyoMorning", "conditions": [{"subject": "TIME", "op": "WITHIN", "value": "06:00-10:00", "timeZone": "Asia/Tokyo"}]},
      {"name": "weekend", "conditions": [{"subject": "TIME", "op": "WITHIN", "value": "Sat,Sun"}]},
      {"name": "closed", "conditions": [{"subject": "TIME", "op": "WITHIN", "value": "Mon-Fri 09:00-18:00", "not": true}]},
      {"name": "french", "conditions": [{"subject": "CONTACT_FIELD", "field": "language", "op": "EQUALS", "value": "fr"}]},
      {"name": "anonymous", "conditions": [{"subject": "CONTACT_FIELD", "field": "name", "op": "EMPTY"}]},
      {"name": "help", "conditions": [{"subject": "MESSAGE_TEXT", "op": "CONTAINS", "value": "HELP"}]},
      {"name": "caseless", "conditions": [{"subject": "MESSAGE_TEXT", "op": "CONTAINS", "value": "help", "ignoreCase": true}]},
      {"name": "exactly", "conditions": [{"subject": "MESSAGE_TEXT", "op": "EQUALS", "value": "Hello", "ignoreCase": true}]},
      {"name": "shortWait", "conditions": [{"subject": "ESTIMATED_WAIT", "op": "AT_MOST", "number": 30}]},
      {"name": "three", "conditions": [{"subject": "QUEUE_LENGTH", "op": "EQUALS", "number": 7}, {"subject": "MESSAGE_TEXT", "op": "EMPTY", "not": true}]}
    ]},
    "exits": [
      {"name": "vip", "to": "vip"}, {"name": "sales", "to": "sales"}, {"name": "busy", "to": "busy"},
      {"name": "empty", "to": "empty"}, {"name": "weekend", "to": "weekend"}, {"name": "closed", "to": "closed"},
      {"name": "french", "to": "french"}, {"name": "anonymous", "to": "anonymous"}, {"name": "help", "to": "help"},
      {"name": "caseless", "to": "caseless"}, {"name": "tokyoMorning", "to": "tokyoMorning"},
      {"name": "exactly", "to": "exactly"}, {"name": "shortWait", "to": "shortWait"}, {"name": "three", "to": "three"},
      {"name": "else", "to": "else"}]},
    {"id": "vip", "type": "EXIT", "exit": {"closingText": "vip"}},
    {"id": "sales", "type": "EXIT", "exit": {"closingText": "sales"}},
    {"id": "busy", "type": "EXIT", "exit": {"closingText": "busy"}},
    {"id": "empty", "type": "EXIT", "exit": {"closingText": "empty"}},
    {"id": "weekend", "type": "EXIT", "exit": {"closingText": "weekend"}},
    {"id": "closed", "type": "EXIT", "exit": {"closingText": "closed"}},
    {"id": "french", "type": "EXIT", "exit": {"closingText": "french"}},
    {"id": "anonymous", "type": "EXIT", "exit": {"closingText": "anonymous"}},
    {"id": "help", "type": "EXIT", "exit": {"closingText": "help"}},
    {"id": "caseless", "type": "EXIT", "exit": {"closingText": "caseless"}},
    {"id": "tokyoMorning", "type": "EXIT", "exit": {"closingText": "tokyoMorning"}},
    {"id": "exactly", "type": "EXIT", "exit": {"closingText": "exactly"}},
    {"id": "shortWait", "type": "EXIT", "exit": {"closingText": "shortWait"}},
    {"id": "three", "type": "EXIT", "exit": {"closingText": "three"}},
    {"id": "else", "type": "EXIT", "exit": {"closingText": "else"}}
  ]
}`

func TestStepIfBranches(t *testing.T) {
	s := mustParse(t, branches)
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	tests := []struct {
		name string
		text string
		env  func(*Env)
		want string
	}{
		{"nothing matches", "nothing", nil, "else"},
		{"custom contact field, any case", "x", func(e *Env) { e.Contact.Fields["tier"] = "GOLD" }, "vip"},
		{"regex on the message, any case", "What's the PRICE?", nil, "sales"},
		{"regex word boundary", "priceless", nil, "else"},
		{"all conditions of a branch hold", "x", func(e *Env) { e.QueueLength, e.EstimatedWait = 10, 601*time.Second }, "busy"},
		{"one condition of a branch fails", "x", func(e *Env) { e.QueueLength, e.EstimatedWait = 10, 600*time.Second }, "else"},
		{"queue length less than", "x", func(e *Env) { e.QueueLength = 0 }, "empty"},
		{"saturday in Berlin", "x", func(e *Env) { e.Now = time.Date(2025, 1, 18, 12, 0, 0, 0, berlin) }, "weekend"},
		{"18:00 is closed", "x", func(e *Env) { e.Now = time.Date(2025, 1, 15, 18, 0, 0, 0, berlin) }, "closed"},
		{"17:59 is open", "x", func(e *Env) { e.Now = time.Date(2025, 1, 15, 17, 59, 0, 0, berlin) }, "else"},
		{"09:00 is open", "x", func(e *Env) { e.Now = time.Date(2025, 1, 15, 9, 0, 0, 0, berlin) }, "else"},
		// 08:30 UTC is 09:30 in Berlin in winter: open there, closed in UTC.
		{"winter, Berlin time", "x", func(e *Env) { e.Now = utc(2025, 1, 15, 8, 30) }, "else"},
		{"winter, service in UTC", "x", func(e *Env) { e.Now, e.TimeZone = utc(2025, 1, 15, 8, 30), "" }, "closed"},
		// 07:30 UTC is 08:30 in winter (closed) but 09:30 in summer (open).
		{"winter 07:30 UTC", "x", func(e *Env) { e.Now = utc(2025, 1, 15, 7, 30) }, "closed"},
		{"summer 07:30 UTC", "x", func(e *Env) { e.Now = utc(2025, 7, 16, 7, 30) }, "else"},
		// Monday 03:00 UTC is still Sunday evening in New York.
		{"day of week in New York", "x", func(e *Env) { e.Now, e.TimeZone = utc(2025, 1, 13, 3, 0), "America/New_York" }, "weekend"},
		{"day of week in Berlin", "x", func(e *Env) { e.Now = utc(2025, 1, 13, 3, 0) }, "closed"},
		{"contact language", "x", func(e *Env) { e.Contact.Language = "fr" }, "french"},
		{"contact name empty", "x", func(e *Env) { e.Contact.Name = "" }, "anonymous"},
		{"contains, case-sensitive", "I need HELP", nil, "help"},
		{"contains, case-insensitive", "I need help", nil, "caseless"},
		// Wednesday 12:00 Berlin is 20:00 in Tokyo; 01:00 Berlin is 09:00 there.
		{"condition's own time zone", "x", func(e *Env) { e.Now = time.Date(2025, 1, 15, 1, 0, 0, 0, berlin) }, "tokyoMorning"},
		{"equals, trimmed and any case", "  hello ", nil, "exactly"},
		{"estimated wait at most", "x", func(e *Env) { e.EstimatedWait = 30 * time.Second }, "shortWait"},
		{"queue length equals and message not empty", "x", func(e *Env) { e.QueueLength = 7 }, "three"},
		{"queue length equals but message empty", "", func(e *Env) { e.QueueLength = 7 }, "else"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := baseEnv()
			if tt.env != nil {
				tt.env(&env)
			}
			_, actions, err := Step(s, State{}, Input{Kind: InputStart, Text: tt.text}, env)
			if err != nil {
				t.Fatal(err)
			}
			if len(actions) != 1 || actions[0].(Finish).Closing != tt.want {
				t.Errorf("actions %#v, want the exit %q", actions, tt.want)
			}
		})
	}
}

// TestStepFindAgentWhenAnAgentAlreadyHolds: an agent took the conversation
// while the scenario was still collecting; reaching FIND_AGENT, the run
// connects at once to that agent instead of queueing it again.
func TestStepFindAgentWhenAnAgentAlreadyHolds(t *testing.T) {
	s := mustParse(t, flow)
	st, _, err := Step(s, State{}, start.in, baseEnv())
	if err != nil {
		t.Fatal(err)
	}
	env := baseEnv()
	env.Agent = ann
	st, actions, err := Step(s, st, msg("12345"), env)
	if err != nil {
		t.Fatal(err)
	}
	want := []Action{ConnectChat{Block: "chat", Agent: ann}}
	if !reflect.DeepEqual(actions, want) || st.Waiting != WaitChatEnd || st.Agent != ann {
		t.Fatalf("actions %#v, state %s; want %#v waiting for the chat's end with Ann", actions, mustJSON(t, st), want)
	}
}
