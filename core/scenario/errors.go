package scenario

import "errors"

// The failures callers branch on. Step returns its input State unchanged with
// any of them, so a failed step can be logged and the run left where it was.
var (
	// ErrParse: the scenario is not JSON of the scenario's shape.
	ErrParse = errors.New("scenario: not a valid scenario document")
	// ErrInvalidScenario: Step met something Validate would have refused (an
	// unknown block type, a missing exit, a bad pattern or time zone).
	ErrInvalidScenario = errors.New("scenario: invalid scenario")
	// ErrStaleState: the state does not fit the scenario: its block is gone,
	// or is no longer of the type it waited in, because the scenario was
	// edited while the run waited. The engine restarts or finishes the run.
	ErrStaleState = errors.New("scenario: the run's block is no longer in the scenario")
	// ErrNotStarted: an input other than START reached a run that never started.
	ErrNotStarted = errors.New("scenario: run not started")
	// ErrAlreadyStarted: START reached a run that has started.
	ErrAlreadyStarted = errors.New("scenario: run already started")
	// ErrFinished: an input reached a run that has finished.
	ErrFinished = errors.New("scenario: run finished")
	// ErrBadInput: the input's kind is unknown.
	ErrBadInput = errors.New("scenario: unknown input")
	// ErrStepLimit: one step went through more blocks than the scenario has,
	// which only a loop without a wait can do.
	ErrStepLimit = errors.New("scenario: step limit exceeded")
)
