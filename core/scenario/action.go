package scenario

import "time"

// Action is something Step asks the routing engine to do, in the order
// returned. The engine switches on the concrete type; Step itself does
// nothing, which keeps it pure.
type Action interface {
	// FromBlock is the ID of the block that asked for the action, for logs
	// and statistics.
	FromBlock() string
}

// SendText asks the engine to send Text to the customer as the bot. Variables
// are already filled in.
type SendText struct {
	Block string
	Text  string
}

// FindAgent asks the engine to queue the conversation for an agent with the
// skills and to send AGENT_FOUND when one accepts, or TIMEOUT at Deadline.
type FindAgent struct {
	Block    string
	Skills   []SkillRequirement
	Deadline time.Time
}

// ConnectChat asks the engine to give the conversation to Agent (the one
// FIND_AGENT found) and to send AGENT_LEFT, CONVERSATION_CLOSED or
// CUSTOMER_LEFT when the chat ends.
type ConnectChat struct {
	Block string
	Agent Agent
}

// StoreSurvey asks the engine to store a satisfaction result with the
// conversation (and the agent it was connected to).
type StoreSurvey struct {
	Block   string
	Agent   Agent
	Rating  int // 1 to 5
	Comment string
}

// Finish tells the engine the run has ended: it sends Closing when it is not
// empty, and drops anything still pending for the run (a search for an agent,
// a timer).
type Finish struct {
	Block   string
	Closing string
	Reason  FinishReason
}

// FinishReason says why a run ended, for statistics (abandoned conversations
// are those whose customer left).
type FinishReason string

// The reasons a run ends.
const (
	// FinishExit: the run reached an EXIT block.
	FinishExit FinishReason = "EXIT"
	// FinishCustomerLeft: the customer left outside a chat.
	FinishCustomerLeft FinishReason = "CUSTOMER_LEFT"
	// FinishClosed: the conversation was closed outside a chat.
	FinishClosed FinishReason = "CLOSED"
)

// FromBlock implements Action.
func (a SendText) FromBlock() string { return a.Block }

// FromBlock implements Action.
func (a FindAgent) FromBlock() string { return a.Block }

// FromBlock implements Action.
func (a ConnectChat) FromBlock() string { return a.Block }

// FromBlock implements Action.
func (a StoreSurvey) FromBlock() string { return a.Block }

// FromBlock implements Action.
func (a Finish) FromBlock() string { return a.Block }

var (
	_ Action = SendText{}
	_ Action = FindAgent{}
	_ Action = ConnectChat{}
	_ Action = StoreSurvey{}
	_ Action = Finish{}
)
