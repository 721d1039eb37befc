package sysmsg_test

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/core/sysmsg"
)

func TestBuiltInTextsAreValid(t *testing.T) {
	if got := len(sysmsg.Events()); got != 11 {
		t.Fatalf("%d events, want 11", got)
	}
	for _, e := range sysmsg.Events() {
		if _, err := sysmsg.CheckText(e, e.BuiltIn()); err != nil {
			t.Errorf("%s: built-in text refused: %v", e, err)
		}
	}
}

func TestCheckText(t *testing.T) {
	tests := []struct {
		name    string
		event   sysmsg.Event
		text    string
		want    string
		wantErr string
	}{
		{name: "trimmed", event: sysmsg.Queued, text: "  You are number {position}. \n", want: "You are number {position}."},
		{name: "every variable of the event", event: sysmsg.Queued, text: "{customerName}: {position}, {wait}", want: "{customerName}: {position}, {wait}"},
		{name: "braces that are no variable", event: sysmsg.AgentLeft, text: "Bye :-{ } {} {not a var} {1} {_x}", want: "Bye :-{ } {} {not a var} {1} {_x}"},
		{name: "empty", event: sysmsg.Queued, text: " \t\n", wantErr: "must not be empty"},
		{name: "too long", event: sysmsg.Queued, text: strings.Repeat("é", sysmsg.MaxTextLength+1), wantErr: "must be at most 1000 characters (it has 1001)"},
		{name: "at the limit", event: sysmsg.Queued, text: strings.Repeat("é", sysmsg.MaxTextLength), want: strings.Repeat("é", sysmsg.MaxTextLength)},
		{name: "unknown variable", event: sysmsg.Queued, text: "Hi {name}, you are {Position}th, {name}",
			wantErr: "unknown variables {name}, {Position}; QUEUED texts may use {customerName}, {position}, {wait}"},
		{name: "one unknown variable", event: sysmsg.AgentJoined, text: "Hi {nmae}",
			wantErr: "unknown variable {nmae}; AGENT_JOINED texts may use {customerName}, {agentName}"},
		{name: "variable the event lacks", event: sysmsg.AgentJoined, text: "{agentName} is here; you were number {position}",
			wantErr: "{position} not known when AGENT_JOINED is sent; AGENT_JOINED texts may use {customerName}, {agentName}"},
		{name: "both", event: sysmsg.OutsideHours, text: "{wait} {foo}",
			wantErr: "unknown variable {foo}; {wait} not known when OUTSIDE_HOURS is sent; OUTSIDE_HOURS texts may use {customerName}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sysmsg.CheckText(tt.event, tt.text)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CheckText = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestRender(t *testing.T) {
	all := sysmsg.Vars{CustomerName: "Ana  Lima", AgentName: "Bob", Position: 3, Wait: 4 * time.Minute}
	tests := []struct {
		name string
		text string
		vars sysmsg.Vars
		want string
	}{
		{"all", "Thanks for your message, {customerName}. You are number {position} in the queue; the wait is {wait}. {agentName}",
			all, "Thanks for your message, Ana Lima. You are number 3 in the queue; the wait is about 4 minutes. Bob"},
		{"a variable twice", "{position}/{position}", all, "3/3"},
		{"no name after a comma", "Thanks for your message, {customerName}. Hold on.", sysmsg.Vars{}, "Thanks for your message. Hold on."},
		{"no name after a space", "Your agent {agentName} has joined the chat.", sysmsg.Vars{}, "Your agent has joined the chat."},
		{"no name at the start", "{customerName}, welcome!", sysmsg.Vars{}, "welcome!"},
		{"no name at the start of a line", "Hello.\n{customerName}, welcome!", sysmsg.Vars{}, "Hello.\nwelcome!"},
		{"no name with text after", "Hi {customerName} and welcome", sysmsg.Vars{}, "Hi and welcome"},
		{"nothing left", "{customerName}", sysmsg.Vars{}, ""},
		{"zero position is unknown", "Number {position}.", sysmsg.Vars{Position: 0}, "Number."},
		{"a name cannot inject variables or lines", "Hi {customerName}!", sysmsg.Vars{CustomerName: "{position}\nX"}, "Hi {position} X!"},
		{"unknown variables stay", "{foo} {position}", all, "{foo} 3"},
		{"lone braces", "{ {position} }", all, "{ 3 }"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sysmsg.Render(tt.text, tt.vars); got != tt.want {
				t.Fatalf("Render = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatWait(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, ""},
		{-time.Second, ""},
		{time.Second, "less than a minute"},
		{59 * time.Second, "less than a minute"},
		{time.Minute, "about 1 minute"},
		{89 * time.Second, "about 1 minute"},
		{90 * time.Second, "about 2 minutes"},
		{3 * time.Minute, "about 3 minutes"},
		{59*time.Minute + 29*time.Second, "about 59 minutes"},
		{59*time.Minute + 31*time.Second, "about 1 hour"},
		{67 * time.Minute, "about 1 hour"},
		{68 * time.Minute, "about 1 hour 15 minutes"},
		{2*time.Hour + 30*time.Minute, "about 2 hours 30 minutes"},
		{23*time.Hour + 55*time.Minute, "more than a day"},
		{48 * time.Hour, "more than a day"},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if got := sysmsg.FormatWait(tt.d); got != tt.want {
				t.Fatalf("FormatWait(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}
