package scenario

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Step advances a run by one input: it applies the input to the block the
// run waits in, then goes through blocks that do not wait (SEND_MESSAGE, IF)
// until it reaches one that does or an EXIT. It returns the new State and the
// actions for the engine, in order. Step is deterministic and changes nothing
// it is given; on an error it returns st unchanged and no actions.
//
// One step visits each block at most once unless the scenario loops without
// a wait, which Validate refuses; Step stops such a loop with ErrStepLimit.
func Step(s *Scenario, st State, in Input, env Env) (State, []Action, error) {
	r := run{s: s, st: st.clone(), env: env}
	if err := r.apply(in); err != nil {
		return st, nil, err
	}
	return r.st, r.actions, nil
}

// run is one call of Step: the state being changed and the actions so far.
type run struct {
	s       *Scenario
	st      State
	env     Env
	actions []Action
}

func (r *run) apply(in Input) error {
	if r.s == nil {
		return fmt.Errorf("%w: no scenario", ErrInvalidScenario)
	}
	if r.st.Done {
		return ErrFinished
	}
	if in.Kind == InputStart {
		if r.st.Block != "" {
			return ErrAlreadyStarted
		}
		r.st.LastMessage = in.Text
		return r.enter(r.s.Start)
	}
	if r.st.Block == "" {
		if knownInput(in.Kind) {
			return ErrNotStarted
		}
		return fmt.Errorf("%w: %q", ErrBadInput, in.Kind)
	}
	b := r.s.Block(r.st.Block)
	if b == nil || !fits(b.Type, r.st.Waiting) {
		return fmt.Errorf("%w: block %q waiting %q", ErrStaleState, r.st.Block, r.st.Waiting)
	}
	switch in.Kind {
	case InputCustomerMessage:
		r.st.LastMessage = in.Text
		switch r.st.Waiting {
		case WaitAnswer:
			return r.answer(b, in.Text)
		case WaitRating:
			return r.rating(b, in.Text)
		case WaitComment:
			return r.comment(b, in.Text)
		}
	case InputAgentFound:
		switch r.st.Waiting {
		case WaitAgent:
			r.st.Agent = in.Agent
			return r.follow(b, ExitFound)
		case WaitChatEnd:
			// Transferred to another agent: the chat goes on with them,
			// and a survey after it credits them.
			r.st.Agent = in.Agent
		}
	case InputTimeout:
		if r.st.Waiting == WaitAgent && !r.env.Now.Before(r.st.Deadline) {
			return r.follow(b, ExitTimeout)
		}
	case InputAgentLeft:
		if r.st.Waiting == WaitChatEnd {
			return r.follow(b, ExitAgentLeft)
		}
	case InputConversationClosed:
		if r.st.Waiting == WaitChatEnd {
			return r.follow(b, ExitAgentLeft)
		}
		r.finish(b.ID, "", FinishClosed)
	case InputCustomerLeft:
		switch r.st.Waiting {
		case WaitChatEnd:
			return r.follow(b, ExitCustomerLeft)
		case WaitComment:
			// The rating was given; keep it even without a comment.
			r.storeSurvey(b.ID, "")
		}
		r.finish(b.ID, "", FinishCustomerLeft)
	default:
		return fmt.Errorf("%w: %q", ErrBadInput, in.Kind)
	}
	return nil
}

// fits reports whether a block of type t waits the way a state says its block does.
func fits(t BlockType, w Wait) bool {
	switch w {
	case WaitAgent:
		return t == TypeFindAgent
	case WaitChatEnd:
		return t == TypeConnectChat
	case WaitAnswer:
		return t == TypeCollect
	case WaitRating, WaitComment:
		return t == TypeSurvey
	}
	return false
}

func knownInput(k InputKind) bool {
	switch k {
	case InputStart, InputCustomerMessage, InputAgentFound, InputTimeout,
		InputAgentLeft, InputCustomerLeft, InputConversationClosed:
		return true
	}
	return false
}

// follow leaves block b by the named exit.
func (r *run) follow(b *Block, exit string) error {
	to, ok := b.Next(exit)
	if !ok {
		return fmt.Errorf("%w: block %q has no exit %q", ErrInvalidScenario, b.ID, exit)
	}
	return r.enter(to)
}

// enter runs from block id through blocks that do not wait.
func (r *run) enter(id string) error {
	// A run through distinct blocks visits each at most once.
	for steps := 0; steps <= len(r.s.Blocks); steps++ {
		b := r.s.Block(id)
		if b == nil {
			return fmt.Errorf("%w: there is no block %q", ErrInvalidScenario, id)
		}
		r.st.Block, r.st.Waiting, r.st.Deadline, r.st.Attempts, r.st.Rating = b.ID, "", time.Time{}, 0, 0
		exit := ""
		switch b.Type {
		case TypeSendMessage:
			if b.SendMessage == nil {
				return missingParams(b)
			}
			r.say(b.ID, b.SendMessage.Text)
			exit = ExitNext
		case TypeIf:
			if b.If == nil {
				return missingParams(b)
			}
			var err error
			if exit, err = r.branch(b.If); err != nil {
				return fmt.Errorf("block %q: %w", b.ID, err)
			}
		case TypeFindAgent:
			if b.FindAgent == nil {
				return missingParams(b)
			}
			if r.env.Agent.ID != "" {
				// An agent took the conversation before the run got here.
				r.st.Agent = r.env.Agent
				exit = ExitFound
				break
			}
			r.st.Waiting = WaitAgent
			r.st.Deadline = r.env.Now.Add(time.Duration(b.FindAgent.TimeoutSeconds) * time.Second).UTC().Round(0)
			r.actions = append(r.actions, FindAgent{Block: b.ID, Skills: b.FindAgent.Skills, Deadline: r.st.Deadline})
			return nil
		case TypeConnectChat:
			r.st.Waiting = WaitChatEnd
			r.actions = append(r.actions, ConnectChat{Block: b.ID, Agent: r.st.Agent})
			return nil
		case TypeCollect:
			if b.Collect == nil {
				return missingParams(b)
			}
			r.st.Waiting = WaitAnswer
			r.say(b.ID, b.Collect.Question)
			return nil
		case TypeSurvey:
			if b.Survey == nil {
				return missingParams(b)
			}
			r.st.Waiting = WaitRating
			r.say(b.ID, b.Survey.Question)
			return nil
		case TypeExit:
			closing := ""
			if b.Exit != nil {
				closing = render(b.Exit.ClosingText, &r.st, r.env)
			}
			r.finish(b.ID, closing, FinishExit)
			return nil
		default:
			return fmt.Errorf("%w: block %q has unknown type %q", ErrInvalidScenario, b.ID, b.Type)
		}
		to, ok := b.Next(exit)
		if !ok {
			return fmt.Errorf("%w: block %q has no exit %q", ErrInvalidScenario, b.ID, exit)
		}
		id = to
	}
	return fmt.Errorf("%w: more than %d blocks without a wait", ErrStepLimit, len(r.s.Blocks))
}

func missingParams(b *Block) error {
	return fmt.Errorf("%w: block %q of type %s has no parameters", ErrInvalidScenario, b.ID, b.Type)
}

// branch returns the exit of the first branch that holds, or "else".
func (r *run) branch(p *IfParams) (string, error) {
	for _, br := range p.Branches {
		all := true
		for _, c := range br.Conditions {
			ok, err := c.holds(&r.st, r.env)
			if err != nil {
				return "", err
			}
			if !ok {
				all = false
				break
			}
		}
		if all {
			return br.Name, nil
		}
	}
	return ExitElse, nil
}

// say sends a text unless it renders empty (a message of only an unset variable).
func (r *run) say(block, text string) {
	if t := render(text, &r.st, r.env); strings.TrimSpace(t) != "" {
		r.actions = append(r.actions, SendText{Block: block, Text: t})
	}
}

func (r *run) finish(block, closing string, why FinishReason) {
	r.st.Waiting, r.st.Deadline, r.st.Done = "", time.Time{}, true
	r.actions = append(r.actions, Finish{Block: block, Closing: closing, Reason: why})
}

func (r *run) storeSurvey(block, comment string) {
	r.actions = append(r.actions, StoreSurvey{Block: block, Agent: r.st.Agent, Rating: r.st.Rating, Comment: comment})
}

// refused counts an answer that did not count and says whether another may
// be tried; if so it asks again.
func (r *run) refused(block, retryText, question string, maxAttempts int) bool {
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	r.st.Attempts++
	if r.st.Attempts >= maxAttempts {
		return false
	}
	if retryText == "" {
		retryText = question
	}
	r.say(block, retryText)
	return true
}

// answer handles the customer's reply to a COLLECT question.
func (r *run) answer(b *Block, text string) error {
	p := b.Collect
	if p == nil {
		return missingParams(b)
	}
	text = strings.TrimSpace(text)
	ok := text != ""
	if ok && p.Pattern != "" {
		re, err := regexp.Compile(anchor(p.Pattern))
		if err != nil {
			return fmt.Errorf("%w: block %q: %w", ErrInvalidScenario, b.ID, err)
		}
		ok = re.MatchString(text)
	}
	if ok {
		if r.st.Vars == nil {
			r.st.Vars = map[string]string{}
		}
		r.st.Vars[p.Variable] = text
		return r.follow(b, ExitDone)
	}
	if r.refused(b.ID, p.RetryText, p.Question, p.MaxAttempts) {
		return nil
	}
	return r.follow(b, ExitFailed)
}

// anchor makes a pattern match the whole answer.
func anchor(pattern string) string { return `^(?:` + pattern + `)$` }

// rating handles the customer's reply to the survey question.
func (r *run) rating(b *Block, text string) error {
	p := b.Survey
	if p == nil {
		return missingParams(b)
	}
	n, ok := parseRating(text)
	if !ok {
		if r.refused(b.ID, p.RetryText, p.Question, p.MaxAttempts) {
			return nil
		}
		return r.follow(b, ExitDone) // no result: the customer would not rate
	}
	r.st.Rating = n
	if strings.TrimSpace(p.CommentQuestion) == "" {
		r.storeSurvey(b.ID, "")
		return r.follow(b, ExitDone)
	}
	r.st.Waiting = WaitComment
	r.say(b.ID, p.CommentQuestion)
	return nil
}

// comment handles the customer's reply to the survey's comment question.
func (r *run) comment(b *Block, text string) error {
	r.storeSurvey(b.ID, strings.TrimSpace(text))
	return r.follow(b, ExitDone)
}

// parseRating reads a 1–5 rating as customers type it: "4", "4 stars",
// "4/5", or four star emoji.
func parseRating(text string) (int, bool) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, false
	}
	if stars := strings.Count(text, "⭐") + strings.Count(text, "★"); stars > 0 {
		rest := strings.NewReplacer("⭐", "", "★", "", "\uFE0F", "", " ", "").Replace(text)
		if rest == "" && stars <= 5 {
			return stars, true
		}
		return 0, false
	}
	end := 0
	for end < len(text) && text[end] >= '0' && text[end] <= '9' {
		end++
	}
	if end == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(text[:end])
	if err != nil || n < 1 || n > 5 {
		return 0, false
	}
	if end < len(text) {
		// "4 stars", "4/5", "4!" count; "4.5" and "45" do not.
		next, _ := utf8.DecodeRuneInString(text[end:])
		if next == '.' || next == ',' {
			return 0, false
		}
	}
	return n, true
}
