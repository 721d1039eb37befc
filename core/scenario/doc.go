// Package scenario is the model and interpreter of chat scenarios: what a
// chat service's bot says and does with a customer before, during and after an
// agent takes the conversation.
//
// A Scenario is an ordered list of Blocks and the ID of the block it starts at.
// Each block has a Type, the parameters of that type (in the field named after
// it: sendMessage, if, findAgent, collect, survey, exit) and named Exits that
// lead to other blocks. SEND_MESSAGE and IF act at once and move on; FIND_AGENT,
// CONNECT_CHAT, COLLECT and SURVEY wait for an agent or the customer; EXIT ends
// the run. The same shape is stored as JSON and accepted through the API, so
// Parse reads it and Validate lists everything wrong with it, each Problem
// naming the block and field a scenario editor should mark.
//
// The interpreter is a pure function. Step takes the scenario, the run's State,
// one Input (what happened: the conversation started, the customer wrote, an
// agent was found, a deadline passed, someone left) and an Env with the facts
// IF conditions read (the time, the service's time zone, the contact, the
// queue), and returns the next State and the Actions the routing engine must
// carry out (send a text, find an agent, connect the chat, store a survey,
// finish). Step touches no database, clock or network, so the engine can store
// State (it is plain JSON) in the same transaction as the conversation, replay
// it after a restart, and test every branch with an injected time.
//
// The package imports only the standard library, so the API layer, the routing
// engine and the ent schema can all depend on it.
package scenario
