package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// ComplexityLimit is gqlgen's FixedComplexityLimit (same name, statistics,
// error and code) that computes an operation's complexity once rather than
// on every request. The walk expands every fragment and builds every
// field's arguments: about 3% of the CPU of a conversation's latest
// messages. Its result depends on the request's variables only through the
// schema's own complexity functions (of which this schema has none), so it
// is kept per parsed operation whenever no such function took part;
// gqlgen's query cache keeps parsed documents, so a client's operations are
// walked once.
type ComplexityLimit struct {
	// Limit is the highest complexity allowed.
	Limit int

	es   graphql.ExecutableSchema
	mu   sync.Mutex
	memo map[*ast.OperationDefinition]int
}

// maxMemo bounds the operations remembered; when full, it starts again
// empty. Holding an operation keeps its address from being another's.
const maxMemo = 4096

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*ComplexityLimit)(nil)

// ExtensionName is gqlgen's, so extension.GetComplexityStats finds the
// statistics.
func (*ComplexityLimit) ExtensionName() string { return "ComplexityLimit" }

// Validate keeps the schema, whose complexity functions the walk calls.
func (c *ComplexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

// MutateOperationContext refuses an operation over the limit.
func (c *ComplexityLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	n := c.complexity(ctx, op, oc.Variables)
	oc.Stats.SetExtension(c.ExtensionName(), &extension.ComplexityStats{Complexity: n, ComplexityLimit: c.Limit})
	if n > c.Limit {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", n, c.Limit)
		errcode.Set(err, "COMPLEXITY_LIMIT_EXCEEDED")
		return err
	}
	return nil
}

func (c *ComplexityLimit) complexity(ctx context.Context, op *ast.OperationDefinition, vars map[string]any) int {
	c.mu.Lock()
	n, ok := c.memo[op]
	c.mu.Unlock()
	if ok {
		return n
	}
	es := &customComplexity{ExecutableSchema: c.es}
	n = complexity.Calculate(ctx, es, op, vars)
	if es.used {
		return n // depends on the arguments: not kept
	}
	c.mu.Lock()
	if c.memo == nil || len(c.memo) >= maxMemo {
		c.memo = make(map[*ast.OperationDefinition]int)
	}
	c.memo[op] = n
	c.mu.Unlock()
	return n
}

// customComplexity notes whether one of the schema's own complexity
// functions gave a field its cost.
type customComplexity struct {
	graphql.ExecutableSchema
	used bool
}

// Complexity asks the schema, and notes an answer.
func (s *customComplexity) Complexity(ctx context.Context, typeName, fieldName string, childComplexity int, args map[string]any) (int, bool) {
	n, ok := s.ExecutableSchema.Complexity(ctx, typeName, fieldName, childComplexity, args)
	if ok && n >= 1 {
		s.used = true
	}
	return n, ok
}
