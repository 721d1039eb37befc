package sysmsg

// Event is a chat event that may send the customer a system message. The values
// match the GraphQL enum SystemMessageEvent and are what the database stores.
type Event string

// The events, in the order the API lists them.
const (
	// ConversationStarted: the customer opened a new conversation.
	ConversationStarted Event = "CONVERSATION_STARTED"
	// Queued: the conversation entered a service's queue; {position} is its place.
	Queued Event = "QUEUED"
	// PositionChanged: the conversation moved in the queue (see PositionLimiter).
	PositionChanged Event = "POSITION_CHANGED"
	// EstimatedWait: how long the customer will likely wait, in {wait}.
	EstimatedWait Event = "ESTIMATED_WAIT"
	// AgentJoined: an agent accepted the conversation.
	AgentJoined Event = "AGENT_JOINED"
	// Transferred: the conversation goes to another agent or service.
	Transferred Event = "TRANSFERRED"
	// AgentLeft: the agent left a conversation that stays open.
	AgentLeft Event = "AGENT_LEFT"
	// NoAgentAvailable: no agent could be found in time.
	NoAgentAvailable Event = "NO_AGENT_AVAILABLE"
	// OutsideHours: the customer wrote while the service is closed.
	OutsideHours Event = "OUTSIDE_HOURS"
	// InactivityWarning: the conversation will close unless the customer writes.
	InactivityWarning Event = "INACTIVITY_WARNING"
	// ConversationClosed: the conversation ended.
	ConversationClosed Event = "CONVERSATION_CLOSED"
)

// eventInfo is what the package knows of an event: its built-in text and the
// variables its sender provides.
type eventInfo struct {
	builtIn string
	vars    []Variable
}

// events holds every event in API order; Valid, BuiltIn and Variables read it.
var events = []struct {
	Event
	eventInfo
}{
	{ConversationStarted, eventInfo{
		"Hi {customerName}, thanks for contacting us. An agent will be with you shortly.",
		[]Variable{VarCustomerName}}},
	{Queued, eventInfo{
		"Thanks for your message, {customerName}. You are number {position} in the queue.",
		[]Variable{VarCustomerName, VarPosition, VarWait}}},
	{PositionChanged, eventInfo{
		"You are now number {position} in the queue.",
		[]Variable{VarCustomerName, VarPosition, VarWait}}},
	{EstimatedWait, eventInfo{
		"The estimated wait is {wait}. Thank you for your patience.",
		[]Variable{VarCustomerName, VarPosition, VarWait}}},
	{AgentJoined, eventInfo{
		"Your agent {agentName} has joined the chat.",
		[]Variable{VarCustomerName, VarAgentName}}},
	{Transferred, eventInfo{
		"We are transferring you to a colleague who can help further. Please stay in this chat.",
		[]Variable{VarCustomerName, VarAgentName, VarPosition, VarWait}}},
	{AgentLeft, eventInfo{
		"Your agent {agentName} has left the chat.",
		[]Variable{VarCustomerName, VarAgentName}}},
	{NoAgentAvailable, eventInfo{
		"Sorry, all our agents are busy right now. Leave us a message and we will get back to you as soon as possible.",
		[]Variable{VarCustomerName, VarPosition, VarWait}}},
	{OutsideHours, eventInfo{
		"Thanks for your message, {customerName}. We are closed right now; we will reply as soon as we open again.",
		[]Variable{VarCustomerName}}},
	{InactivityWarning, eventInfo{
		"Are you still there? This chat will close soon if we do not hear from you.",
		[]Variable{VarCustomerName, VarAgentName}}},
	{ConversationClosed, eventInfo{
		"This chat has ended. Thank you for contacting us, {customerName}!",
		[]Variable{VarCustomerName, VarAgentName}}},
}

// Events returns every event in API order, for lists that show them all.
func Events() []Event {
	out := make([]Event, len(events))
	for i, e := range events {
		out[i] = e.Event
	}
	return out
}

func (e Event) info() (eventInfo, bool) {
	for _, x := range events {
		if x.Event == e {
			return x.eventInfo, true
		}
	}
	return eventInfo{}, false
}

// Valid reports whether e is a known event, so input from outside can be checked.
func (e Event) Valid() bool {
	_, ok := e.info()
	return ok
}

// BuiltIn is the text a tenant that never changed e's default sends.
func (e Event) BuiltIn() string {
	i, _ := e.info()
	return i.builtIn
}

// Variables are those e's sender provides; texts of e may use only these.
func (e Event) Variables() []Variable {
	i, _ := e.info()
	return append([]Variable(nil), i.vars...)
}

// Mode is how an account treats an event. The values match the GraphQL enum
// SystemMessageMode and are what the database stores.
type Mode string

// The modes.
const (
	// ModeCustom sends the account's own text.
	ModeCustom Mode = "CUSTOM"
	// ModeDefault sends the tenant's default text (the built-in one until the
	// tenant changes it). Events an account never set are DEFAULT.
	ModeDefault Mode = "DEFAULT"
	// ModeDisabled sends nothing.
	ModeDisabled Mode = "DISABLED"
)

// Valid reports whether m is a known mode, so input from outside can be checked.
func (m Mode) Valid() bool {
	switch m {
	case ModeCustom, ModeDefault, ModeDisabled:
		return true
	}
	return false
}
