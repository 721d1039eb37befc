package graph

import "runtime/debug"

// stack is debug.Stack, named for the one place that logs it.
func stack() []byte { return debug.Stack() }
