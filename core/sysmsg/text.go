package sysmsg

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Variable names a value a text can include, written in braces: {position}.
type Variable string

// The variables. Each event provides some of them (Event.Variables).
const (
	// VarCustomerName is the customer's name as the messenger reports it.
	VarCustomerName Variable = "customerName"
	// VarAgentName is the name of the agent concerned.
	VarAgentName Variable = "agentName"
	// VarPosition is the conversation's place in its queue, 1 at the front.
	VarPosition Variable = "position"
	// VarWait is the estimated wait in words ("about 3 minutes").
	VarWait Variable = "wait"
)

// allVariables are the variables any event may know, in the order errors list them.
var allVariables = []Variable{VarCustomerName, VarAgentName, VarPosition, VarWait}

// MaxTextLength bounds a text in characters: long enough for a paragraph, short
// enough to fit every messenger's limit in one message.
const MaxTextLength = 1000

// Vars are the values of one message's variables. A zero value (an empty name,
// a position or wait not above zero) is unknown: Render leaves it out.
type Vars struct {
	CustomerName string
	AgentName    string
	Position     int
	Wait         time.Duration
}

func (v Vars) value(name Variable) string {
	switch name {
	case VarCustomerName:
		return oneLine(v.CustomerName)
	case VarAgentName:
		return oneLine(v.AgentName)
	case VarPosition:
		if v.Position > 0 {
			return strconv.Itoa(v.Position)
		}
	case VarWait:
		return FormatWait(v.Wait)
	}
	return ""
}

// oneLine keeps a name from breaking the message's layout.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// placeholder finds the variable written at the start of s ("{name}..."): its
// name and length, or ok false when s does not start with one. A name is a
// letter, then letters, digits or "_", as in scenario texts; a brace that does
// not enclose one ("{1}", "{ }") is plain text.
func placeholder(s string) (name string, n int, ok bool) {
	if len(s) < 3 || s[0] != '{' {
		return "", 0, false
	}
	for i := 1; i < len(s) && i <= maxNameLength+1; i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		switch {
		case c == '}' && i > 1:
			return s[1:i], i + 1, true
		case letter, i > 1 && (c >= '0' && c <= '9' || c == '_'):
		default:
			return "", 0, false
		}
	}
	return "", 0, false
}

// maxNameLength bounds a variable's name; longer words in braces are text.
const maxNameLength = 64

// variablesIn lists the distinct variable names text uses, in order.
func variablesIn(text string) []string {
	var names []string
	seen := map[string]bool{}
	for i := 0; i < len(text); i++ {
		if name, n, ok := placeholder(text[i:]); ok {
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
			i += n - 1
		}
	}
	return names
}

// CheckText validates a text for event e before it is saved and returns it
// trimmed: not empty, at most MaxTextLength characters, and using only
// variables e provides. The error names every offending variable and says
// which ones e's texts may use.
func CheckText(e Event, text string) (string, error) {
	t := strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(t); {
	case n == 0:
		return "", fmt.Errorf("must not be empty")
	case n > MaxTextLength:
		return "", fmt.Errorf("must be at most %d characters (it has %d)", MaxTextLength, n)
	}
	provided := e.Variables()
	var unknown, unavailable []string
	for _, name := range variablesIn(t) {
		switch {
		case contains(provided, Variable(name)):
		case contains(allVariables, Variable(name)):
			unavailable = append(unavailable, "{"+name+"}")
		default:
			unknown = append(unknown, "{"+name+"}")
		}
	}
	var problems []string
	if len(unknown) > 0 {
		problems = append(problems, fmt.Sprintf("unknown %s %s", plural(len(unknown), "variable", "variables"), strings.Join(unknown, ", ")))
	}
	if len(unavailable) > 0 {
		problems = append(problems, fmt.Sprintf("%s not known when %s is sent", strings.Join(unavailable, ", "), e))
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("%s; %s texts may use %s", strings.Join(problems, "; "), e, braced(provided))
	}
	return t, nil
}

func contains(vs []Variable, v Variable) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func braced(vs []Variable) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = "{" + string(v) + "}"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Render replaces text's variables with vars' values. An unknown value is left
// out together with the space or comma before it, so "Thanks for your message,
// {customerName}." reads "Thanks for your message." for a customer without a
// name. A word in braces that is no variable stays as written (CheckText keeps
// such texts from being saved).
func Render(text string, vars Vars) string {
	out := make([]byte, 0, len(text)+32)
	for i := 0; i < len(text); i++ {
		name, n, ok := placeholder(text[i:])
		if !ok || !contains(allVariables, Variable(name)) {
			out = append(out, text[i])
			continue
		}
		i += n - 1
		if v := vars.value(Variable(name)); v != "" {
			out = append(out, v...)
			continue
		}
		out = trimSeparator(out)
		if len(out) == 0 || out[len(out)-1] == '\n' {
			// At the start of a line nothing precedes it: drop what follows instead.
			rest := strings.TrimLeft(text[i+1:], " \t")
			rest = strings.TrimPrefix(rest, ",")
			rest = strings.TrimLeft(rest, " \t")
			i = len(text) - len(rest) - 1
		}
	}
	return strings.TrimSpace(string(out))
}

// trimSeparator drops the spaces and one comma at the end of b.
func trimSeparator(b []byte) []byte {
	trim := func() {
		for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
			b = b[:len(b)-1]
		}
	}
	trim()
	if len(b) > 0 && b[len(b)-1] == ',' {
		b = b[:len(b)-1]
		trim()
	}
	return b
}

// FormatWait says a wait the way a person would: "less than a minute", "about 4
// minutes", "about 1 hour 15 minutes". Zero or less is unknown and gives "".
func FormatWait(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Minute:
		return "less than a minute"
	case d >= 24*time.Hour:
		return "more than a day"
	}
	if m := int((d + 30*time.Second) / time.Minute); m < 60 {
		return "about " + count(m, "minute", "minutes")
	}
	q := int((d + 450*time.Second) / (15 * time.Minute)) // quarter hours, rounded
	h, m := q/4, q%4*15
	if h >= 24 {
		return "more than a day"
	}
	s := "about " + count(h, "hour", "hours")
	if m > 0 {
		s += " " + count(m, "minute", "minutes")
	}
	return s
}

func count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + plural(n, one, many)
}
