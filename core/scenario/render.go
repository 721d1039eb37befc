package scenario

import (
	"strconv"
	"strings"
	"time"
)

// The variables every text may use, besides those COLLECT blocks store.
const (
	VarCustomerName = "customerName"
	VarAgentName    = "agentName"
	VarPosition     = "position"
	VarWait         = "wait"
)

func isBuiltinVar(name string) bool {
	switch name {
	case VarCustomerName, VarAgentName, VarPosition, VarWait:
		return true
	}
	return false
}

// isVarName reports whether name can be a variable: a letter, then letters,
// digits or "_". Braces around anything else are left as they are written.
func isVarName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i, c := range name {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '_')) {
			return false
		}
	}
	return true
}

// scanVars calls fn for each {variable} in text, with its byte offsets.
func scanVars(text string, fn func(name string, start, end int)) {
	for i := 0; i < len(text); {
		open := strings.IndexByte(text[i:], '{')
		if open < 0 {
			return
		}
		open += i
		end := strings.IndexByte(text[open+1:], '}')
		if end < 0 {
			return
		}
		end += open + 1
		if name := text[open+1 : end]; isVarName(name) {
			fn(name, open, end+1)
			i = end + 1
		} else {
			i = open + 1
		}
	}
}

// Variables lists the variables a text uses, in order, each once; Validate
// uses it to find variables nothing sets, and an editor to offer them.
func Variables(text string) []string {
	var names []string
	seen := map[string]bool{}
	scanVars(text, func(name string, _, _ int) {
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	})
	return names
}

// render fills in a text's variables; a collected variable not yet set is empty.
func render(text string, st *State, env Env) string {
	var b strings.Builder
	last := 0
	scanVars(text, func(name string, start, end int) {
		b.WriteString(text[last:start])
		b.WriteString(varValue(name, st, env))
		last = end
	})
	b.WriteString(text[last:])
	return b.String()
}

func varValue(name string, st *State, env Env) string {
	switch name {
	case VarCustomerName:
		return env.Contact.Name
	case VarAgentName:
		return st.Agent.Name
	case VarPosition:
		return strconv.Itoa(env.Position)
	case VarWait:
		return waitMinutes(env.EstimatedWait)
	}
	return st.Vars[name]
}

// waitMinutes renders a wait as whole minutes, rounded up so a customer is
// never promised less than the estimate ("{wait} min" in a text).
func waitMinutes(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	m := d / time.Minute
	if d%time.Minute != 0 {
		m++
	}
	return strconv.FormatInt(int64(m), 10)
}
