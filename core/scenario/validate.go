package scenario

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Problem is one thing wrong with a scenario, placed where an editor shows
// it: on a block (Block is its ID) and a field within it, written as a path
// such as "exits.timeout" or "if.branches[0].conditions[1].value". Block is
// empty for problems of the whole scenario (Field "start" or "blocks"), and
// Field is empty for problems of a whole block.
type Problem struct {
	Block   string `json:"block,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// String renders the problem for logs and error messages.
func (p Problem) String() string {
	var where []string
	if p.Block != "" {
		where = append(where, "block "+p.Block)
	}
	if p.Field != "" {
		where = append(where, p.Field)
	}
	if len(where) == 0 {
		return p.Message
	}
	return strings.Join(where, ": ") + ": " + p.Message
}

// MaxTimeoutSeconds bounds FIND_AGENT's timeout: a customer is not kept in a
// queue for more than a day.
const MaxTimeoutSeconds = 24 * 60 * 60

// Validate lists everything wrong with a scenario, in block order, so that a
// person fixes it in one round. A scenario without problems runs: Step never
// meets a missing block, exit or parameter, and never loops without waiting.
func Validate(s *Scenario) []Problem {
	v := validator{s: s, index: map[string]int{}, collected: map[string]bool{}}
	if s == nil {
		return []Problem{{Field: "blocks", Message: "no scenario"}}
	}
	if len(s.Blocks) == 0 {
		v.add("", "blocks", "a scenario needs at least one block")
	}
	if len(s.Blocks) > MaxBlocks {
		v.add("", "blocks", fmt.Sprintf("a scenario may have at most %d blocks, this one has %d", MaxBlocks, len(s.Blocks)))
		return v.problems
	}
	for i, b := range s.Blocks {
		if b.Type == TypeCollect && b.Collect != nil {
			v.collected[b.Collect.Variable] = true
		}
		if _, dup := v.index[b.ID]; !dup && b.ID != "" {
			v.index[b.ID] = i
		}
	}
	switch _, ok := v.index[s.Start]; {
	case s.Start == "":
		v.add("", "start", "choose the block the scenario starts at")
	case !ok:
		v.add("", "start", fmt.Sprintf("there is no block %q", s.Start))
	}
	for i := range s.Blocks {
		v.block(i, &s.Blocks[i])
	}
	if _, ok := v.index[s.Start]; ok {
		v.graph()
	}
	return v.problems
}

type validator struct {
	s         *Scenario
	index     map[string]int  // block ID → index of its first block
	collected map[string]bool // variables some COLLECT block stores
	problems  []Problem
}

// first reports whether block i is the first with its ID, the one exits lead to.
func (v *validator) first(i int) bool {
	j, ok := v.index[v.s.Blocks[i].ID]
	return ok && j == i
}

func (v *validator) add(block, field, msg string) {
	v.problems = append(v.problems, Problem{Block: block, Field: field, Message: msg})
}

// paramFields names each block type's parameter field, as in JSON.
var paramFields = map[BlockType]string{
	TypeSendMessage: "sendMessage",
	TypeIf:          "if",
	TypeFindAgent:   "findAgent",
	TypeCollect:     "collect",
	TypeSurvey:      "survey",
	TypeExit:        "exit",
}

func (v *validator) block(i int, b *Block) {
	id := b.ID
	switch {
	case strings.TrimSpace(id) == "":
		id = ""
		v.add("", fmt.Sprintf("blocks[%d].id", i), "every block needs an ID")
	case v.index[id] != i:
		v.add(id, "id", "another block has the same ID")
	case len(id) > 100:
		v.add(id, "id", "an ID may have at most 100 characters")
	}
	if !slices.Contains(BlockTypes, b.Type) {
		v.add(id, "type", fmt.Sprintf("unknown block type %q", b.Type))
		return
	}
	// Parameters of another type would be silently ignored: refuse them.
	set := map[string]bool{
		"sendMessage": b.SendMessage != nil, "if": b.If != nil, "findAgent": b.FindAgent != nil,
		"collect": b.Collect != nil, "survey": b.Survey != nil, "exit": b.Exit != nil,
	}
	for _, f := range []string{"sendMessage", "if", "findAgent", "collect", "survey", "exit"} {
		if set[f] && paramFields[b.Type] != f {
			v.add(id, f, fmt.Sprintf("only for %s blocks, this one is %s", typeOfField(f), b.Type))
		}
	}
	if f, ok := paramFields[b.Type]; ok && !set[f] && b.Type != TypeExit {
		v.add(id, f, fmt.Sprintf("a %s block needs %s", b.Type, f))
	}

	var exits []string // the exits this block must have
	switch b.Type {
	case TypeSendMessage:
		exits = []string{ExitNext}
		if p := b.SendMessage; p != nil {
			v.text(id, "sendMessage.text", p.Text, true)
		}
	case TypeIf:
		if p := b.If; p != nil {
			exits = v.ifParams(id, p)
		}
		exits = append(exits, ExitElse)
	case TypeFindAgent:
		exits = []string{ExitFound, ExitTimeout}
		if p := b.FindAgent; p != nil {
			v.findAgent(id, p)
		}
	case TypeConnectChat:
		exits = []string{ExitAgentLeft, ExitCustomerLeft}
	case TypeCollect:
		exits = []string{ExitDone, ExitFailed}
		if p := b.Collect; p != nil {
			v.collect(id, p)
		}
	case TypeSurvey:
		exits = []string{ExitDone}
		if p := b.Survey; p != nil {
			v.text(id, "survey.question", p.Question, true)
			v.text(id, "survey.commentQuestion", p.CommentQuestion, false)
			v.text(id, "survey.retryText", p.RetryText, false)
			if p.MaxAttempts < 0 {
				v.add(id, "survey.maxAttempts", "must not be negative (0 means the default)")
			}
		}
	case TypeExit:
		if p := b.Exit; p != nil {
			v.text(id, "exit.closingText", p.ClosingText, false)
		}
	}
	v.exits(id, b, exits)
}

func typeOfField(f string) BlockType {
	for t, name := range paramFields {
		if name == f {
			return t
		}
	}
	return ""
}

// exits checks a block's exits against the ones its type needs.
func (v *validator) exits(id string, b *Block, want []string) {
	seen := map[string]bool{}
	for j, e := range b.Exits {
		field := "exits." + e.Name
		switch {
		case e.Name == "":
			v.add(id, fmt.Sprintf("exits[%d].name", j), "every exit needs a name")
			continue
		case seen[e.Name]:
			v.add(id, field, "the block has this exit twice")
			continue
		case !slices.Contains(want, e.Name):
			if len(want) == 0 {
				v.add(id, field, fmt.Sprintf("%s blocks have no exits", b.Type))
			} else {
				v.add(id, field, fmt.Sprintf("%s blocks have no exit %q; theirs are %s", b.Type, e.Name, strings.Join(want, ", ")))
			}
			continue
		}
		seen[e.Name] = true
		if e.To == "" {
			v.add(id, field, "choose the block this exit leads to")
		} else if _, ok := v.index[e.To]; !ok {
			v.add(id, field, fmt.Sprintf("there is no block %q", e.To))
		}
	}
	for _, name := range want {
		if !seen[name] {
			v.add(id, "exits."+name, fmt.Sprintf("the %q exit must lead somewhere", name))
		}
	}
}

// text checks a text's presence and that each of its variables is set by something.
func (v *validator) text(id, field, text string, required bool) {
	if strings.TrimSpace(text) == "" {
		if required {
			v.add(id, field, "must not be empty")
		}
		return
	}
	for _, name := range Variables(text) {
		if !isBuiltinVar(name) && !v.collected[name] {
			v.add(id, field, fmt.Sprintf("unknown variable {%s}: use {%s}, {%s}, {%s}, {%s} or a variable a COLLECT block stores",
				name, VarCustomerName, VarAgentName, VarPosition, VarWait))
		}
	}
}

// ifParams checks an IF block's branches and returns their exit names.
func (v *validator) ifParams(id string, p *IfParams) []string {
	if len(p.Branches) == 0 {
		v.add(id, "if.branches", "an IF block needs at least one branch")
	}
	var names []string
	for j, br := range p.Branches {
		path := fmt.Sprintf("if.branches[%d]", j)
		switch {
		case strings.TrimSpace(br.Name) == "":
			v.add(id, path+".name", "every branch needs a name")
		case br.Name == ExitElse:
			v.add(id, path+".name", fmt.Sprintf("%q is the exit taken when no branch holds; choose another name", ExitElse))
		case slices.Contains(names, br.Name):
			v.add(id, path+".name", "another branch has the same name")
		default:
			names = append(names, br.Name)
		}
		if len(br.Conditions) == 0 {
			v.add(id, path+".conditions", "a branch needs at least one condition")
		}
		for k, c := range br.Conditions {
			v.condition(id, fmt.Sprintf("%s.conditions[%d]", path, k), c)
		}
	}
	return names
}

func (v *validator) condition(id, path string, c Condition) {
	switch {
	case c.Subject.isText():
		if !c.Op.isText() {
			v.add(id, path+".op", fmt.Sprintf("%s takes op CONTAINS, EQUALS, MATCHES or EMPTY", c.Subject))
			break
		}
		switch c.Subject {
		case SubjectContactField:
			if strings.TrimSpace(c.Field) == "" {
				v.add(id, path+".field", fmt.Sprintf("name the contact field: %q, %q or a custom field", ContactName, ContactLanguage))
			}
		case SubjectVariable:
			if !v.collected[c.Field] {
				v.add(id, path+".field", fmt.Sprintf("no COLLECT block stores a variable %q", c.Field))
			}
		}
		switch c.Op {
		case OpContains, OpMatches:
			if c.Value == "" {
				v.add(id, path+".value", "must not be empty")
				break
			}
			if c.Op == OpMatches {
				if _, err := compilePattern(c.Value, c.IgnoreCase); err != nil {
					v.add(id, path+".value", "not a regular expression: "+err.Error())
				}
			}
		}
	case c.Subject.isNumber():
		if !c.Op.isNumber() {
			v.add(id, path+".op", fmt.Sprintf("%s takes op EQUALS, LESS_THAN, AT_MOST, GREATER_THAN or AT_LEAST", c.Subject))
		}
		if c.Number < 0 {
			v.add(id, path+".number", "must not be negative")
		}
	case c.Subject == SubjectTime:
		if c.Op != OpWithin {
			v.add(id, path+".op", "TIME takes op WITHIN")
		}
		if c.Value != ServiceHours {
			if _, err := ParseHours(c.Value); err != nil {
				v.add(id, path+".value", err.Error())
			}
		}
		if c.TimeZone != "" {
			if _, err := loadZone(c.TimeZone); err != nil {
				v.add(id, path+".timeZone", fmt.Sprintf("unknown time zone %q; use an IANA name such as Europe/Berlin", c.TimeZone))
			}
		}
	default:
		v.add(id, path+".subject", fmt.Sprintf("unknown subject %q", c.Subject))
		return
	}
	if c.TimeZone != "" && c.Subject != SubjectTime {
		v.add(id, path+".timeZone", "only TIME conditions take a time zone")
	}
}

func (v *validator) findAgent(id string, p *FindAgentParams) {
	if p.TimeoutSeconds <= 0 || p.TimeoutSeconds > MaxTimeoutSeconds {
		v.add(id, "findAgent.timeoutSeconds", fmt.Sprintf("must be between 1 and %d seconds", MaxTimeoutSeconds))
	}
	seen := map[string]bool{}
	for j, sk := range p.Skills {
		path := fmt.Sprintf("findAgent.skills[%d]", j)
		switch {
		case strings.TrimSpace(sk.Skill) == "":
			v.add(id, path+".skill", "name the skill")
		case seen[sk.Skill]:
			v.add(id, path+".skill", "the skill is required twice")
		}
		seen[sk.Skill] = true
		if sk.MinLevel < 0 {
			v.add(id, path+".minLevel", "must not be negative")
		}
	}
}

func (v *validator) collect(id string, p *CollectParams) {
	v.text(id, "collect.question", p.Question, true)
	v.text(id, "collect.retryText", p.RetryText, false)
	switch {
	case !isVarName(p.Variable):
		v.add(id, "collect.variable", "a variable name is a letter, then letters, digits or _ (at most 64)")
	case isBuiltinVar(p.Variable):
		v.add(id, "collect.variable", fmt.Sprintf("{%s} is set by Switchboard; choose another name", p.Variable))
	}
	if p.Pattern != "" {
		if _, err := regexp.Compile(anchor(p.Pattern)); err != nil {
			v.add(id, "collect.pattern", "not a regular expression: "+err.Error())
		}
	}
	if p.MaxAttempts < 0 {
		v.add(id, "collect.maxAttempts", "must not be negative (0 means the default)")
	}
}

// waits reports whether a block of this type stops a step to wait for the
// customer or an agent; EXIT ends it.
func waits(t BlockType) bool {
	switch t {
	case TypeFindAgent, TypeConnectChat, TypeCollect, TypeSurvey:
		return true
	}
	return false
}

// next lists the blocks a block's exits lead to, as indexes, skipping
// exits to unknown blocks (reported already) and, when skip is set, the exit
// it names.
func (v *validator) next(b *Block, skip func(exit string) bool) []int {
	var out []int
	for _, e := range b.Exits {
		if skip != nil && skip(e.Name) {
			continue
		}
		if j, ok := v.index[e.To]; ok {
			out = append(out, j)
		}
	}
	return out
}

// reach returns which blocks can be reached from the start, not passing
// through the exits skip names.
func (v *validator) reach(skip func(b *Block, exit string) bool) []bool {
	seen := make([]bool, len(v.s.Blocks))
	start := v.index[v.s.Start]
	seen[start] = true
	queue := []int{start}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		b := &v.s.Blocks[i]
		var sk func(string) bool
		if skip != nil {
			sk = func(exit string) bool { return skip(b, exit) }
		}
		for _, j := range v.next(b, sk) {
			if !seen[j] {
				seen[j] = true
				queue = append(queue, j)
			}
		}
	}
	return seen
}

// graph checks what depends on how blocks connect: reachability, an EXIT to
// end at, agents found before chats, and loops that never wait.
func (v *validator) graph() {
	blocks := v.s.Blocks
	reached := v.reach(nil)
	anyExit := false
	for i, b := range blocks {
		if !v.first(i) {
			continue // a duplicate or without an ID, reported already
		}
		if !reached[i] {
			v.add(b.ID, "", "no path from the start block leads here")
		}
		anyExit = anyExit || reached[i] && b.Type == TypeExit
	}
	if !anyExit {
		v.add("", "blocks", "no EXIT block can be reached from the start block")
	}

	// CONNECT_CHAT connects the agent FIND_AGENT found: every way to it must
	// pass a "found" exit.
	agentless := v.reach(func(b *Block, exit string) bool { return b.Type == TypeFindAgent && exit == ExitFound })
	for i, b := range blocks {
		if agentless[i] && b.Type == TypeConnectChat && v.first(i) {
			v.add(b.ID, "", "this block can be reached without a FIND_AGENT block having found an agent")
		}
	}

	for _, cycle := range v.loopsWithoutWait() {
		names := make([]string, len(cycle))
		for k, i := range cycle {
			names[k] = blocks[i].ID
		}
		v.add(blocks[cycle[0]].ID, "exits", fmt.Sprintf(
			"these blocks loop without waiting for anyone: %s; put a COLLECT, FIND_AGENT, CONNECT_CHAT or SURVEY block in the loop",
			strings.Join(append(names, names[0]), " → ")))
	}
}

// loopsWithoutWait finds the cycles made only of blocks that do not wait (one
// per strongly connected group, starting at its first block in order), which
// Step would go round forever.
func (v *validator) loopsWithoutWait() [][]int {
	blocks := v.s.Blocks
	n := len(blocks)
	moving := func(i int) bool {
		return v.first(i) && !waits(blocks[i].Type) && blocks[i].Type != TypeExit
	}
	adj := make([][]int, n)
	for i := range blocks {
		if !moving(i) {
			continue
		}
		for _, j := range v.next(&blocks[i], nil) {
			if moving(j) {
				adj[i] = append(adj[i], j)
			}
		}
	}
	// Tarjan's strongly connected components.
	index, low := make([]int, n), make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var comps [][]int
	counter := 0
	var visit func(i int)
	visit = func(i int) {
		index[i], low[i] = counter, counter
		counter++
		stack = append(stack, i)
		onStack[i] = true
		for _, j := range adj[i] {
			if index[j] < 0 {
				visit(j)
				low[i] = min(low[i], low[j])
			} else if onStack[j] {
				low[i] = min(low[i], index[j])
			}
		}
		if low[i] == index[i] {
			var comp []int
			for {
				j := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[j] = false
				comp = append(comp, j)
				if j == i {
					break
				}
			}
			if len(comp) > 1 || slices.Contains(adj[i], i) {
				comps = append(comps, comp)
			}
		}
	}
	for i := range blocks {
		if index[i] < 0 && moving(i) {
			visit(i)
		}
	}
	var cycles [][]int
	for _, comp := range comps {
		cycles = append(cycles, cycleIn(comp, adj))
	}
	slices.SortFunc(cycles, func(a, b []int) int { return a[0] - b[0] })
	return cycles
}

// cycleIn returns a shortest cycle through the first block (in scenario
// order) of a strongly connected group, found breadth-first.
func cycleIn(comp []int, adj [][]int) []int {
	in := map[int]bool{}
	for _, i := range comp {
		in[i] = true
	}
	start := slices.Min(comp)
	prev := map[int]int{}
	queue := []int{start}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, j := range adj[i] {
			if !in[j] {
				continue
			}
			if j == start {
				path := []int{i}
				for k := i; k != start; {
					k = prev[k]
					path = append(path, k)
				}
				slices.Reverse(path)
				return path
			}
			if _, ok := prev[j]; !ok {
				prev[j] = i
				queue = append(queue, j)
			}
		}
	}
	return []int{start} // unreachable for a strongly connected group
}
