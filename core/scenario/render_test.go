package scenario

import (
	"reflect"
	"testing"
	"time"
)

func TestRender(t *testing.T) {
	st := &State{Agent: Agent{Name: "Ann"}, Vars: map[string]string{"order": "12345"}}
	env := baseEnv()
	env.EstimatedWait = 61 * time.Second
	tests := []struct{ in, want string }{
		{"Hi {customerName}", "Hi Alice"},
		{"{agentName} has order {order}", "Ann has order 12345"},
		{"number {position}, {wait} min", "number 2, 2 min"},
		{"unset {email}.", "unset ."},
		{"{not a var} {} {1x} {{customerName}}", "{not a var} {} {1x} {Alice}"},
		{"open { brace", "open { brace"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := render(tt.in, st, env); got != tt.want {
			t.Errorf("render(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWaitMinutes(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0", -time.Second: "0", time.Second: "1", time.Minute: "1", 61 * time.Second: "2", time.Hour: "60",
		time.Duration(1<<63 - 1): "153722868",
	} {
		if got := waitMinutes(d); got != want {
			t.Errorf("waitMinutes(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestVariables(t *testing.T) {
	got := Variables("{a} {b} {a} {customerName} {bad name}")
	if want := []string{"a", "b", "customerName"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Variables = %v, want %v", got, want)
	}
}
