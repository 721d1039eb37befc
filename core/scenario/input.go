package scenario

import "time"

// Input is one thing that happened to a conversation, fed to Step by the
// routing engine. Only the fields its Kind names are read.
type Input struct {
	Kind InputKind `json:"kind"`
	// Text is the customer's message (START may carry the first one).
	Text string `json:"text,omitempty"`
	// Agent is who AGENT_FOUND found.
	Agent Agent `json:"agent,omitzero"`
}

// InputKind names what happened.
type InputKind string

// The inputs Step understands. An input the current block does not wait for
// is not an error: no action is returned and the run stays where it is (a
// customer writing while waiting for an agent, say; the text is still kept for
// MESSAGE_TEXT conditions), except CUSTOMER_LEFT and CONVERSATION_CLOSED,
// which end a run wherever it is.
const (
	// InputStart begins the run at the scenario's start block.
	InputStart InputKind = "START"
	// InputCustomerMessage: the customer wrote Text.
	InputCustomerMessage InputKind = "CUSTOMER_MESSAGE"
	// InputAgentFound: the FIND_AGENT being waited for found Agent.
	InputAgentFound InputKind = "AGENT_FOUND"
	// InputTimeout: the State's Deadline has passed (the engine's timer fired).
	// It is ignored while Env.Now is still before the deadline, so a stale
	// timer from an earlier block cannot cut a later wait short.
	InputTimeout InputKind = "TIMEOUT"
	// InputAgentLeft: the connected agent left the chat.
	InputAgentLeft InputKind = "AGENT_LEFT"
	// InputCustomerLeft: the customer left, or was inactive for too long.
	InputCustomerLeft InputKind = "CUSTOMER_LEFT"
	// InputConversationClosed: the conversation was closed. In a chat that is
	// the agent ending it (the "agentLeft" exit, so the survey can follow);
	// anywhere else it ends the run. Send it instead of, not after, AGENT_LEFT.
	InputConversationClosed InputKind = "CONVERSATION_CLOSED"
)

// Agent identifies the agent a FIND_AGENT block found: the ID for the engine,
// the name for {agentName} in texts.
type Agent struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Env is the world as the engine sees it when it calls Step: the facts IF
// conditions and text variables read. Passing them in, rather than reading a
// clock or a database, is what keeps Step pure and testable.
type Env struct {
	// Now is the current time; FIND_AGENT deadlines and TIME conditions use it.
	Now time.Time
	// TimeZone is the service's IANA zone ("Europe/Berlin"); "" is UTC.
	TimeZone string
	// Hours are the service's opening hours (an Hours schedule; "" is
	// always open), which TIME conditions on ServiceHours read.
	Hours string
	// Agent is the agent who holds the conversation now, if any: a FIND_AGENT
	// block reached while one does (an agent took or was assigned the
	// conversation while the scenario talked) leaves by "found" at once.
	Agent Agent
	// Contact is the customer as the contact record knows them.
	Contact Contact
	// QueueLength is how many conversations wait in the service's queue.
	QueueLength int
	// Position is this conversation's place in the queue ({position}).
	Position int
	// EstimatedWait is how long this conversation is expected to wait ({wait}).
	EstimatedWait time.Duration
}

// Contact is what CONTACT_FIELD conditions and {customerName} read.
type Contact struct {
	Name     string
	Language string
	// Fields are the contact's custom fields by name.
	Fields map[string]string
}

func (c Contact) field(name string) string {
	switch name {
	case ContactName:
		return c.Name
	case ContactLanguage:
		return c.Language
	}
	return c.Fields[name]
}
