package scenario

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Condition is one test of an IF branch. Subject says what is looked at, Op
// how it is compared; which other fields matter depends on both:
//
//	MESSAGE_TEXT                 Op CONTAINS | EQUALS | MATCHES | EMPTY on the customer's last message; Value, IgnoreCase
//	CONTACT_FIELD, Field         the same ops on the contact's "name", "language" or custom field Field
//	VARIABLE, Field              the same ops on the variable Field stored by a COLLECT block
//	TIME                         Op WITHIN; Value is an Hours schedule ("Mon-Fri 09:00-18:00"), read in
//	                             TimeZone or else the service's zone; or ServiceHours: the service's own
//	                             opening hours (always open when it sets none), as OUTSIDE_HOURS follows them
//	QUEUE_LENGTH                 Op EQUALS | LESS_THAN | AT_MOST | GREATER_THAN | AT_LEAST; Number of conversations
//	ESTIMATED_WAIT               the same ops; Number of seconds
//
// Not inverts the result, so every test can also be asked the other way round.
type Condition struct {
	Subject    Subject `json:"subject"`
	Op         Op      `json:"op"`
	Field      string  `json:"field,omitempty"`
	Value      string  `json:"value,omitempty"`
	Number     int     `json:"number,omitempty"`
	IgnoreCase bool    `json:"ignoreCase,omitempty"`
	TimeZone   string  `json:"timeZone,omitempty"`
	Not        bool    `json:"not,omitempty"`
}

// Subject is what a condition looks at.
type Subject string

// The subjects of conditions.
const (
	SubjectMessageText   Subject = "MESSAGE_TEXT"
	SubjectContactField  Subject = "CONTACT_FIELD"
	SubjectVariable      Subject = "VARIABLE"
	SubjectTime          Subject = "TIME"
	SubjectQueueLength   Subject = "QUEUE_LENGTH"
	SubjectEstimatedWait Subject = "ESTIMATED_WAIT"
)

// ServiceHours, as a TIME condition's Value, stands for the service's
// opening hours (its hours setting): a scenario that branches on them and
// the OUTSIDE_HOURS system message then agree, and changing the hours
// changes both.
const ServiceHours = "SERVICE_HOURS"

// Op is how a condition compares its subject.
type Op string

// The comparisons. Text subjects take CONTAINS, EQUALS, MATCHES and EMPTY;
// numbers take EQUALS and the orderings; TIME takes WITHIN.
const (
	OpContains    Op = "CONTAINS"
	OpEquals      Op = "EQUALS"
	OpMatches     Op = "MATCHES"
	OpEmpty       Op = "EMPTY"
	OpLessThan    Op = "LESS_THAN"
	OpAtMost      Op = "AT_MOST"
	OpGreaterThan Op = "GREATER_THAN"
	OpAtLeast     Op = "AT_LEAST"
	OpWithin      Op = "WITHIN"
)

// Contact field names that are not custom fields.
const (
	ContactName     = "name"
	ContactLanguage = "language"
)

func (s Subject) isText() bool {
	return s == SubjectMessageText || s == SubjectContactField || s == SubjectVariable
}

func (s Subject) isNumber() bool {
	return s == SubjectQueueLength || s == SubjectEstimatedWait
}

func (o Op) isText() bool {
	return o == OpContains || o == OpEquals || o == OpMatches || o == OpEmpty
}

func (o Op) isNumber() bool {
	return o == OpEquals || o == OpLessThan || o == OpAtMost || o == OpGreaterThan || o == OpAtLeast
}

// compilePattern compiles a MATCHES value, case-insensitively when asked.
func compilePattern(pattern string, ignoreCase bool) (*regexp.Regexp, error) {
	if ignoreCase {
		pattern = "(?i)" + pattern
	}
	return regexp.Compile(pattern)
}

// loadZone returns the named zone; "" is UTC, as a service without a zone has.
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(name)
}

// holds evaluates the condition against the run and its environment.
func (c Condition) holds(st *State, env Env) (bool, error) {
	ok, err := c.eval(st, env)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrInvalidScenario, err)
	}
	return ok != c.Not, nil
}

func (c Condition) eval(st *State, env Env) (bool, error) {
	switch {
	case c.Subject.isText():
		var v string
		switch c.Subject {
		case SubjectMessageText:
			v = st.LastMessage
		case SubjectVariable:
			v = st.Vars[c.Field]
		default:
			v = env.Contact.field(c.Field)
		}
		return c.compareText(v)
	case c.Subject.isNumber():
		n := env.QueueLength
		if c.Subject == SubjectEstimatedWait {
			n = int(env.EstimatedWait / time.Second)
		}
		return c.compareNumber(n)
	case c.Subject == SubjectTime:
		if c.Op != OpWithin {
			return false, fmt.Errorf("TIME takes op WITHIN, not %q", c.Op)
		}
		zone := c.TimeZone
		if zone == "" {
			zone = env.TimeZone
		}
		loc, err := loadZone(zone)
		if err != nil {
			return false, err
		}
		spec := c.Value
		if spec == ServiceHours {
			if env.Hours == "" {
				return true, nil // a service without hours is always open
			}
			spec = env.Hours
		}
		h, err := ParseHours(spec)
		if err != nil {
			return false, err
		}
		return h.Contains(env.Now.In(loc)), nil
	}
	return false, fmt.Errorf("unknown subject %q", c.Subject)
}

func (c Condition) compareText(v string) (bool, error) {
	v = strings.TrimSpace(v)
	want := c.Value
	if c.IgnoreCase && c.Op != OpMatches {
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	switch c.Op {
	case OpContains:
		return strings.Contains(v, want), nil
	case OpEquals:
		return v == strings.TrimSpace(want), nil
	case OpEmpty:
		return v == "", nil
	case OpMatches:
		re, err := compilePattern(c.Value, c.IgnoreCase)
		if err != nil {
			return false, err
		}
		return re.MatchString(v), nil
	}
	return false, fmt.Errorf("op %q does not compare text", c.Op)
}

func (c Condition) compareNumber(n int) (bool, error) {
	switch c.Op {
	case OpEquals:
		return n == c.Number, nil
	case OpLessThan:
		return n < c.Number, nil
	case OpAtMost:
		return n <= c.Number, nil
	case OpGreaterThan:
		return n > c.Number, nil
	case OpAtLeast:
		return n >= c.Number, nil
	}
	return false, fmt.Errorf("op %q does not compare numbers", c.Op)
}
