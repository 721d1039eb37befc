package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Scenario is what a chat service's bot does with each conversation. The API
// stores and accepts it as JSON in exactly this shape, so the field names are
// part of the API and do not change.
type Scenario struct {
	// Start is the ID of the block a new conversation begins at.
	Start string `json:"start"`
	// Blocks are kept in the order the editor shows them; the order has no
	// meaning for the run, which follows exits.
	Blocks []Block `json:"blocks"`
}

// BlockType says what a block does, and so which parameter field it uses and
// which exits it has.
type BlockType string

// The block types. Each one's parameters live in the Block field of the same
// name (SEND_MESSAGE in sendMessage, and so on).
const (
	// TypeSendMessage sends a text to the customer and moves on (exit "next").
	TypeSendMessage BlockType = "SEND_MESSAGE"
	// TypeIf takes the exit of the first branch whose conditions all hold, or "else".
	TypeIf BlockType = "IF"
	// TypeFindAgent asks the routing engine for an agent with the required
	// skills and waits (exits "found" and "timeout").
	TypeFindAgent BlockType = "FIND_AGENT"
	// TypeConnectChat hands the conversation to the found agent and waits until
	// the chat ends (exits "agentLeft" and "customerLeft"). It has no parameters.
	TypeConnectChat BlockType = "CONNECT_CHAT"
	// TypeCollect asks a question and stores the answer in a variable (exits
	// "done" and "failed").
	TypeCollect BlockType = "COLLECT"
	// TypeSurvey asks for a 1–5 rating and an optional comment and has them
	// stored (exit "done").
	TypeSurvey BlockType = "SURVEY"
	// TypeExit ends the run, with an optional closing text.
	TypeExit BlockType = "EXIT"
)

// BlockTypes lists every block type, in the order an editor offers them.
var BlockTypes = []BlockType{TypeSendMessage, TypeIf, TypeFindAgent, TypeConnectChat, TypeCollect, TypeSurvey, TypeExit}

// Exit names with a fixed meaning. IF blocks have one exit per branch, named
// after the branch, and ExitElse.
const (
	ExitNext         = "next"
	ExitElse         = "else"
	ExitFound        = "found"
	ExitTimeout      = "timeout"
	ExitAgentLeft    = "agentLeft"
	ExitCustomerLeft = "customerLeft"
	ExitDone         = "done"
	ExitFailed       = "failed"
)

// Block is one step of a scenario. Only the parameter field matching Type is
// set; the others stay nil (a GraphQL input of the same shape works the same
// way, as inputs cannot be unions).
type Block struct {
	// ID names the block within its scenario; exits and State refer to it.
	ID   string    `json:"id"`
	Type BlockType `json:"type"`

	SendMessage *SendMessageParams `json:"sendMessage,omitempty"`
	If          *IfParams          `json:"if,omitempty"`
	FindAgent   *FindAgentParams   `json:"findAgent,omitempty"`
	Collect     *CollectParams     `json:"collect,omitempty"`
	Survey      *SurveyParams      `json:"survey,omitempty"`
	Exit        *ExitParams        `json:"exit,omitempty"`

	// Exits lead to the next block by name; which names a block needs depends
	// on its type. A list rather than a map so that GraphQL input can mirror it.
	Exits []Exit `json:"exits,omitempty"`
}

// Exit is one named way out of a block.
type Exit struct {
	Name string `json:"name"`
	// To is the ID of the block the run continues at.
	To string `json:"to"`
}

// SendMessageParams is what a SEND_MESSAGE block says.
type SendMessageParams struct {
	// Text may use variables: {customerName}, {agentName}, {position}, {wait}
	// and any variable a COLLECT block stores. A text that comes out blank
	// (only a variable not yet set) is not sent.
	Text string `json:"text"`
}

// IfParams are an IF block's branches, tried in order; the first whose
// conditions all hold names the exit taken, and "else" is taken when none does.
type IfParams struct {
	Branches []Branch `json:"branches"`
}

// Branch is one named outcome of an IF block.
type Branch struct {
	// Name is also the name of the exit taken when the branch holds.
	Name string `json:"name"`
	// Conditions must all hold (an OR is two branches leading to the same block).
	Conditions []Condition `json:"conditions"`
}

// FindAgentParams say which agent the routing engine should look for, and for
// how long.
type FindAgentParams struct {
	// Skills the agent must have, each at least at its level; none means any agent.
	Skills []SkillRequirement `json:"skills,omitempty"`
	// TimeoutSeconds is how long to wait before taking the "timeout" exit.
	TimeoutSeconds int `json:"timeoutSeconds"`
}

// SkillRequirement is one skill an agent must have for a FIND_AGENT block.
type SkillRequirement struct {
	Skill    string `json:"skill"`
	MinLevel int    `json:"minLevel,omitempty"`
}

// CollectParams ask the customer something and keep the answer for later
// blocks (in texts as {variable}, in IF conditions on VARIABLE).
type CollectParams struct {
	Question string `json:"question"`
	// Variable names where the answer is stored.
	Variable string `json:"variable"`
	// Pattern, when set, is a regular expression the whole answer must match
	// (it is anchored for you); an empty answer never counts.
	Pattern string `json:"pattern,omitempty"`
	// RetryText is sent after an answer that does not count; the question is
	// asked again when it is empty.
	RetryText string `json:"retryText,omitempty"`
	// MaxAttempts answers are read before the "failed" exit is taken;
	// zero means DefaultMaxAttempts.
	MaxAttempts int `json:"maxAttempts,omitempty"`
}

// SurveyParams are the satisfaction survey asked after a chat.
type SurveyParams struct {
	// Question asks for a rating from 1 to 5.
	Question string `json:"question"`
	// CommentQuestion, when set, is asked after a valid rating and the next
	// message is kept as the comment.
	CommentQuestion string `json:"commentQuestion,omitempty"`
	// RetryText is sent after an answer that is not a rating; the question is
	// asked again when it is empty.
	RetryText string `json:"retryText,omitempty"`
	// MaxAttempts answers are read before the survey gives up (and takes
	// "done" without a result); zero means DefaultMaxAttempts.
	MaxAttempts int `json:"maxAttempts,omitempty"`
}

// ExitParams are what an EXIT block says last.
type ExitParams struct {
	// ClosingText, when set, is sent as the run finishes.
	ClosingText string `json:"closingText,omitempty"`
}

// DefaultMaxAttempts is how many answers COLLECT and SURVEY read when their
// maxAttempts is zero: enough for a typo, not so many that a customer is stuck.
const DefaultMaxAttempts = 3

// MaxBlocks bounds a scenario's size, so that a stored scenario stays small
// and every check and run over it stays cheap.
const MaxBlocks = 500

// Block returns the block with the given ID, or nil.
func (s *Scenario) Block(id string) *Block {
	if s == nil {
		return nil
	}
	for i := range s.Blocks {
		if s.Blocks[i].ID == id {
			return &s.Blocks[i]
		}
	}
	return nil
}

// Next returns the ID of the block the named exit leads to, and whether the
// block has that exit.
func (b *Block) Next(exit string) (string, bool) {
	for _, e := range b.Exits {
		if e.Name == exit {
			return e.To, true
		}
	}
	return "", false
}

// Parse reads a scenario from JSON. Unknown fields are refused, so a misspelt
// field is reported rather than silently dropped. Parse checks only the JSON;
// Validate checks the scenario.
func Parse(data []byte) (*Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParse, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the scenario", ErrParse)
	}
	return &s, nil
}
