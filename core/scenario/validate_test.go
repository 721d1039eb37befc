package scenario

import (
	"fmt"
	"strings"
	"testing"
)

// edit returns the default scenario changed by fn, the base of most cases.
func edit(fn func(s *Scenario)) *Scenario {
	s := Default()
	fn(s)
	return s
}

// cond puts one condition into the default scenario's business-hours branch.
func cond(c Condition) *Scenario {
	return edit(func(s *Scenario) { s.Block("businessHours").If.Branches[0].Conditions = []Condition{c} })
}

func send(id, text, next string) Block {
	return Block{ID: id, Type: TypeSendMessage, SendMessage: &SendMessageParams{Text: text}, Exits: []Exit{{ExitNext, next}}}
}

func TestValidateProblems(t *testing.T) {
	tests := []struct {
		name  string
		s     *Scenario
		block string
		field string
		msg   string // a part of the message
	}{
		// The whole scenario.
		{"nil scenario", nil, "", "blocks", "no scenario"},
		{"no blocks", &Scenario{Start: "a"}, "", "blocks", "at least one block"},
		{"too many blocks", &Scenario{Start: "a", Blocks: make([]Block, MaxBlocks+1)}, "", "blocks", "at most 500"},
		{"no start", edit(func(s *Scenario) { s.Start = "" }), "", "start", "choose the block"},
		{"unknown start", edit(func(s *Scenario) { s.Start = "nope" }), "", "start", `no block "nope"`},

		// Blocks.
		{"missing ID", edit(func(s *Scenario) { s.Blocks = append(s.Blocks, Block{Type: TypeExit}) }), "", "blocks[9].id", "needs an ID"},
		{"duplicate ID", edit(func(s *Scenario) { s.Blocks = append(s.Blocks, Block{ID: "end", Type: TypeExit}) }), "end", "id", "same ID"},
		{"long ID", edit(func(s *Scenario) {
			long := strings.Repeat("x", 101)
			s.Blocks = append(s.Blocks, Block{ID: long, Type: TypeExit})
		}), strings.Repeat("x", 101), "id", "at most 100"},
		{"unknown type", edit(func(s *Scenario) { s.Block("greeting").Type = "SHOUT" }), "greeting", "type", `unknown block type "SHOUT"`},
		{"missing parameters", edit(func(s *Scenario) { s.Block("greeting").SendMessage = nil }), "greeting", "sendMessage", "needs sendMessage"},
		{"parameters of another type", edit(func(s *Scenario) { s.Block("greeting").FindAgent = &FindAgentParams{TimeoutSeconds: 1} }),
			"greeting", "findAgent", "only for FIND_AGENT blocks"},
		{"parameters on CONNECT_CHAT", edit(func(s *Scenario) { s.Block("chat").Exit = &ExitParams{} }), "chat", "exit", "only for EXIT"},

		// Parameters.
		{"empty text", edit(func(s *Scenario) { s.Block("greeting").SendMessage.Text = "  " }), "greeting", "sendMessage.text", "must not be empty"},
		{"unknown variable", edit(func(s *Scenario) { s.Block("greeting").SendMessage.Text = "Hi {nickname}" }),
			"greeting", "sendMessage.text", "unknown variable {nickname}"},
		{"unknown variable in closing text", edit(func(s *Scenario) { s.Block("end").Exit = &ExitParams{ClosingText: "{x}"} }),
			"end", "exit.closingText", "unknown variable {x}"},
		{"unknown variable in survey", edit(func(s *Scenario) { s.Block("survey").Survey.CommentQuestion = "{x}" }),
			"survey", "survey.commentQuestion", "unknown variable {x}"},
		{"find agent without timeout", edit(func(s *Scenario) { s.Block("findAgent").FindAgent.TimeoutSeconds = 0 }),
			"findAgent", "findAgent.timeoutSeconds", "between 1 and"},
		{"find agent timeout too long", edit(func(s *Scenario) { s.Block("findAgent").FindAgent.TimeoutSeconds = MaxTimeoutSeconds + 1 }),
			"findAgent", "findAgent.timeoutSeconds", "between 1 and"},
		{"skill without a name", edit(func(s *Scenario) { s.Block("findAgent").FindAgent.Skills = []SkillRequirement{{Skill: ""}} }),
			"findAgent", "findAgent.skills[0].skill", "name the skill"},
		{"skill twice", edit(func(s *Scenario) { s.Block("findAgent").FindAgent.Skills = []SkillRequirement{{"a", 1}, {"a", 2}} }),
			"findAgent", "findAgent.skills[1].skill", "twice"},
		{"negative skill level", edit(func(s *Scenario) { s.Block("findAgent").FindAgent.Skills = []SkillRequirement{{"a", -1}} }),
			"findAgent", "findAgent.skills[0].minLevel", "negative"},
		{"survey without a question", edit(func(s *Scenario) { s.Block("survey").Survey.Question = "" }),
			"survey", "survey.question", "must not be empty"},
		{"survey negative attempts", edit(func(s *Scenario) { s.Block("survey").Survey.MaxAttempts = -1 }),
			"survey", "survey.maxAttempts", "negative"},
		{"collect without a question", withCollect(func(p *CollectParams) { p.Question = "" }), "ask", "collect.question", "must not be empty"},
		{"collect bad variable name", withCollect(func(p *CollectParams) { p.Variable = "e-mail" }), "ask", "collect.variable", "a letter"},
		{"collect into a built-in variable", withCollect(func(p *CollectParams) { p.Variable = VarAgentName }), "ask", "collect.variable", "set by Switchboard"},
		{"collect bad pattern", withCollect(func(p *CollectParams) { p.Pattern = "[0-9" }), "ask", "collect.pattern", "not a regular expression"},
		{"collect negative attempts", withCollect(func(p *CollectParams) { p.MaxAttempts = -2 }), "ask", "collect.maxAttempts", "negative"},
		{"collect unknown variable in retry", withCollect(func(p *CollectParams) { p.RetryText = "{y}" }), "ask", "collect.retryText", "unknown variable {y}"},

		// IF branches and conditions.
		{"IF without branches", edit(func(s *Scenario) { s.Block("businessHours").If.Branches = nil }),
			"businessHours", "if.branches", "at least one branch"},
		{"branch without a name", edit(func(s *Scenario) { s.Block("businessHours").If.Branches[0].Name = "" }),
			"businessHours", "if.branches[0].name", "needs a name"},
		{"branch named else", edit(func(s *Scenario) { s.Block("businessHours").If.Branches[0].Name = ExitElse }),
			"businessHours", "if.branches[0].name", "choose another name"},
		{"two branches with one name", edit(func(s *Scenario) {
			b := s.Block("businessHours").If
			b.Branches = append(b.Branches, b.Branches[0])
		}), "businessHours", "if.branches[1].name", "same name"},
		{"branch without conditions", edit(func(s *Scenario) { s.Block("businessHours").If.Branches[0].Conditions = nil }),
			"businessHours", "if.branches[0].conditions", "at least one condition"},
		{"unknown subject", cond(Condition{Subject: "MOOD", Op: OpEquals}), "businessHours", "if.branches[0].conditions[0].subject", `unknown subject "MOOD"`},
		{"text op on a number", cond(Condition{Subject: SubjectQueueLength, Op: OpContains}), "businessHours", "if.branches[0].conditions[0].op", "takes op EQUALS"},
		{"number op on text", cond(Condition{Subject: SubjectMessageText, Op: OpAtLeast}), "businessHours", "if.branches[0].conditions[0].op", "takes op CONTAINS"},
		{"time without WITHIN", cond(Condition{Subject: SubjectTime, Op: OpEquals, Value: "Mon"}), "businessHours", "if.branches[0].conditions[0].op", "WITHIN"},
		{"bad regex", cond(Condition{Subject: SubjectMessageText, Op: OpMatches, Value: "(unclosed"}),
			"businessHours", "if.branches[0].conditions[0].value", "not a regular expression"},
		{"contains nothing", cond(Condition{Subject: SubjectMessageText, Op: OpContains}), "businessHours", "if.branches[0].conditions[0].value", "must not be empty"},
		{"contact field unnamed", cond(Condition{Subject: SubjectContactField, Op: OpEmpty}), "businessHours", "if.branches[0].conditions[0].field", "name the contact field"},
		{"variable nothing collects", cond(Condition{Subject: SubjectVariable, Field: "email", Op: OpEmpty}),
			"businessHours", "if.branches[0].conditions[0].field", `no COLLECT block stores a variable "email"`},
		{"negative number", cond(Condition{Subject: SubjectEstimatedWait, Op: OpLessThan, Number: -1}),
			"businessHours", "if.branches[0].conditions[0].number", "negative"},
		{"bad hours", cond(Condition{Subject: SubjectTime, Op: OpWithin, Value: "Mon-Fri 9-18"}),
			"businessHours", "if.branches[0].conditions[0].value", `"9-18" is neither a day (Mon…Sun) nor a time range`},
		{"bad time zone", cond(Condition{Subject: SubjectTime, Op: OpWithin, Value: "Mon", TimeZone: "Europe/Atlantis"}),
			"businessHours", "if.branches[0].conditions[0].timeZone", "unknown time zone"},
		{"time zone on a text condition", cond(Condition{Subject: SubjectMessageText, Op: OpEmpty, TimeZone: "UTC"}),
			"businessHours", "if.branches[0].conditions[0].timeZone", "only TIME"},

		// Exits.
		{"exit to an unknown block", edit(func(s *Scenario) { s.Block("findAgent").Exits[1].To = "nowhere" }),
			"findAgent", "exits.timeout", `no block "nowhere"`},
		{"exit to no block", edit(func(s *Scenario) { s.Block("findAgent").Exits[1].To = "" }),
			"findAgent", "exits.timeout", "choose the block"},
		{"required exit missing", edit(func(s *Scenario) { s.Block("findAgent").Exits = s.Block("findAgent").Exits[:1] }),
			"findAgent", "exits.timeout", "must lead somewhere"},
		{"branch exit missing", edit(func(s *Scenario) { s.Block("businessHours").Exits = s.Block("businessHours").Exits[1:] }),
			"businessHours", "exits.open", "must lead somewhere"},
		{"else exit missing", edit(func(s *Scenario) { s.Block("businessHours").Exits = s.Block("businessHours").Exits[:1] }),
			"businessHours", "exits.else", "must lead somewhere"},
		{"customerLeft exit missing", edit(func(s *Scenario) { s.Block("chat").Exits = s.Block("chat").Exits[:1] }),
			"chat", "exits.customerLeft", "must lead somewhere"},
		{"unknown exit name", edit(func(s *Scenario) { addExit(s.Block("greeting"), "later", "end") }),
			"greeting", "exits.later", `no exit "later"; theirs are next`},
		{"exit twice", edit(func(s *Scenario) { addExit(s.Block("greeting"), ExitNext, "end") }), "greeting", "exits.next", "twice"},
		{"exit without a name", edit(func(s *Scenario) { addExit(s.Block("greeting"), "", "end") }), "greeting", "exits[1].name", "needs a name"},
		{"EXIT with an exit", edit(func(s *Scenario) { addExit(s.Block("end"), ExitNext, "greeting") }), "end", "exits.next", "EXIT blocks have no exits"},

		// The graph.
		{"unreachable block", edit(func(s *Scenario) { s.Blocks = append(s.Blocks, send("orphan", "hi", "end")) }), "orphan", "", "no path from the start"},
		{"no reachable EXIT", &Scenario{Start: "ask", Blocks: []Block{
			{ID: "ask", Type: TypeCollect, Collect: &CollectParams{Question: "?", Variable: "v"}, Exits: []Exit{{ExitDone, "ask"}, {ExitFailed, "ask"}}},
			{ID: "end", Type: TypeExit},
		}}, "", "blocks", "no EXIT block can be reached"},
		{"loop without a wait", edit(func(s *Scenario) { s.Block("businessHours").Exits[1].To = "greeting" }),
			"greeting", "exits", "greeting → businessHours → greeting"},
		{"message to itself", edit(func(s *Scenario) { s.Block("goodbye").Exits[0].To = "goodbye" }), "goodbye", "exits", "goodbye → goodbye"},
		{"loop through the survey's exit", edit(func(s *Scenario) {
			s.Block("goodbye").Exits[0].To = "outsideHours"
			s.Block("outsideHours").Exits[0].To = "goodbye"
		}), "goodbye", "exits", "goodbye → outsideHours → goodbye"},
		{"chat without an agent", edit(func(s *Scenario) { s.Block("businessHours").Exits[0].To = "chat" }),
			"chat", "", "without a FIND_AGENT block having found an agent"},
		{"chat after a timeout", edit(func(s *Scenario) { s.Block("findAgent").Exits[1].To = "chat" }),
			"chat", "", "without a FIND_AGENT block having found an agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := Validate(tt.s)
			for _, p := range problems {
				if p.Block == tt.block && p.Field == tt.field && strings.Contains(p.Message, tt.msg) {
					return
				}
			}
			t.Errorf("no problem {%q %q ...%s...} among:\n%s", tt.block, tt.field, tt.msg, list(problems))
		})
	}
}

// withCollect puts a COLLECT block between the default scenario's greeting
// and business hours, changed by fn.
func withCollect(fn func(p *CollectParams)) *Scenario {
	return edit(func(s *Scenario) {
		p := &CollectParams{Question: "Your e-mail?", Variable: "email", Pattern: `\S+@\S+`}
		fn(p)
		s.Block("greeting").Exits[0].To = "ask"
		s.Blocks = append(s.Blocks, Block{ID: "ask", Type: TypeCollect, Collect: p,
			Exits: []Exit{{ExitDone, "businessHours"}, {ExitFailed, "businessHours"}}})
	})
}

func addExit(b *Block, name, to string) { b.Exits = append(b.Exits, Exit{name, to}) }

func list(problems []Problem) string {
	var b strings.Builder
	for _, p := range problems {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	return b.String()
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name string
		s    *Scenario
	}{
		{"the default", Default()},
		{"a collect with a valid pattern", withCollect(func(*CollectParams) {})},
		{"a collected variable in texts and conditions", change(withCollect(func(*CollectParams) {}), func(s *Scenario) {
			s.Block("goodbye").SendMessage.Text = "We will write to {email}."
			s.Block("businessHours").If.Branches[0].Conditions = append(s.Block("businessHours").If.Branches[0].Conditions,
				Condition{Subject: SubjectVariable, Field: "email", Op: OpEmpty, Not: true})
		})},
		// Loops are fine when something in them waits.
		{"a loop through a wait", change(withCollect(func(*CollectParams) {}), func(s *Scenario) { s.Block("ask").Exits[1].To = "greeting" })},
		{"back to the queue after a chat", edit(func(s *Scenario) { s.Block("goodbye").Exits[0].To = "findAgent" })},
		{"a chat after a second search", edit(func(s *Scenario) {
			s.Block("noAgent").Exits[0].To = "retry"
			s.Blocks = append(s.Blocks, Block{ID: "retry", Type: TypeFindAgent, FindAgent: &FindAgentParams{TimeoutSeconds: 60},
				Exits: []Exit{{ExitFound, "chat"}, {ExitTimeout, "end"}}})
		})},
		{"conditions of every kind", change(cond(Condition{Subject: SubjectContactField, Field: "vip", Op: OpMatches, Value: "(?i)yes", IgnoreCase: true}), func(s *Scenario) {
			c := &s.Block("businessHours").If.Branches[0].Conditions
			*c = append(*c,
				Condition{Subject: SubjectTime, Op: OpWithin, Value: "Sat 10:00-14:00; Sun", TimeZone: "America/Sao_Paulo"},
				Condition{Subject: SubjectQueueLength, Op: OpAtMost, Number: 0},
				Condition{Subject: SubjectEstimatedWait, Op: OpGreaterThan, Number: 120},
				Condition{Subject: SubjectMessageText, Op: OpEquals},
			)
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p := Validate(tt.s); len(p) > 0 {
				t.Errorf("problems:\n%s", list(p))
			}
		})
	}
}

// change returns s changed by fn.
func change(s *Scenario, fn func(s *Scenario)) *Scenario {
	fn(s)
	return s
}

func TestValidateReportsEachLoopOnce(t *testing.T) {
	s := edit(func(s *Scenario) {
		// greeting ⇄ businessHours, and a second loop goodbye → goodbye.
		s.Block("businessHours").Exits[1].To = "greeting"
		s.Block("goodbye").Exits[0].To = "goodbye"
	})
	var loops []string
	for _, p := range Validate(s) {
		if strings.Contains(p.Message, "loop") {
			loops = append(loops, p.Block)
		}
	}
	if strings.Join(loops, ",") != "greeting,goodbye" {
		t.Errorf("loops reported on %v", loops)
	}
}

func TestProblemString(t *testing.T) {
	for p, want := range map[Problem]string{
		{Block: "a", Field: "exits.next", Message: "m"}: "block a: exits.next: m",
		{Field: "start", Message: "m"}:                  "start: m",
		{Message: "m"}:                                  "m",
	} {
		if got := p.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", p, got, want)
		}
	}
}
