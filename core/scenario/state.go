package scenario

import (
	"maps"
	"time"
)

// State is where one conversation's run stands. It is plain JSON, so the
// engine stores it with the conversation and a run resumes after a restart at
// the block it was in; Step never changes the State it is given.
type State struct {
	// Block is the ID of the current block; empty before START.
	Block string `json:"block,omitempty"`
	// Waiting says what the current block waits for.
	Waiting Wait `json:"waiting,omitempty"`
	// Deadline is when a FIND_AGENT wait times out; the engine sets a timer
	// for it and sends TIMEOUT when it fires. Zero when nothing is timed.
	Deadline time.Time `json:"deadline,omitzero"`
	// Vars are the variables COLLECT blocks stored.
	Vars map[string]string `json:"vars,omitempty"`
	// Attempts counts answers the current COLLECT or SURVEY block refused.
	Attempts int `json:"attempts,omitempty"`
	// Rating is the survey rating given, while its comment is awaited.
	Rating int `json:"rating,omitempty"`
	// Agent is the agent the last FIND_AGENT found.
	Agent Agent `json:"agent,omitzero"`
	// LastMessage is the customer's latest text, for MESSAGE_TEXT conditions.
	LastMessage string `json:"lastMessage,omitempty"`
	// Done is set once the run has finished; no input moves it again.
	Done bool `json:"done,omitempty"`
}

// Wait is what a run is waiting for.
type Wait string

// The waits. A run that has not started or has finished waits for nothing ("").
const (
	// WaitAgent: FIND_AGENT waits for AGENT_FOUND or TIMEOUT.
	WaitAgent Wait = "AGENT"
	// WaitChatEnd: CONNECT_CHAT waits for the agent or the customer to leave.
	WaitChatEnd Wait = "CHAT_END"
	// WaitAnswer: COLLECT waits for the customer's answer.
	WaitAnswer Wait = "ANSWER"
	// WaitRating: SURVEY waits for a rating.
	WaitRating Wait = "RATING"
	// WaitComment: SURVEY waits for a comment.
	WaitComment Wait = "COMMENT"
)

// clone copies the state so that changing the copy leaves the caller's alone.
func (st State) clone() State {
	st.Vars = maps.Clone(st.Vars)
	return st
}
