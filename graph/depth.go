package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// DepthLimit rejects operations nested deeper than Max before they run. gqlgen
// limits complexity but not depth; a deep query through edges can still be costly.
type DepthLimit struct {
	Max int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = DepthLimit{}

// ExtensionName names the extension for gqlgen.
func (DepthLimit) ExtensionName() string { return "DepthLimit" }

// Validate accepts any schema.
func (DepthLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext measures the operation's depth.
func (d DepthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || introspectionOnly(oc.Operation.SelectionSet) {
		// GraphiQL's schema query is deeper than any sensible limit; it is
		// bounded by the schema itself, not by the caller.
		return nil
	}
	if depth := selectionDepth(oc.Operation.SelectionSet, 0, map[string]bool{}); depth > d.Max {
		err := gqlerror.Errorf("operation is nested %d levels deep; the limit is %d", depth, d.Max)
		err.Extensions = map[string]any{"code": CodeBadUserInput}
		return err
	}
	return nil
}

// selectionDepth returns the deepest field nesting in set; fragments add no level
// of their own, and a fragment already on the path is not entered again.
func selectionDepth(set ast.SelectionSet, depth int, seen map[string]bool) int {
	deepest := depth
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) == 0 {
				d = depth + 1
			} else {
				d = selectionDepth(s.SelectionSet, depth+1, seen)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, depth, seen)
		case *ast.FragmentSpread:
			if seen[s.Name] || s.Definition == nil {
				continue
			}
			seen[s.Name] = true
			d = selectionDepth(s.Definition.SelectionSet, depth, seen)
			delete(seen, s.Name)
		default:
			panic(fmt.Sprintf("graph: unknown selection %T", sel))
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// introspectionOnly reports whether every root field is __schema, __type or __typename.
func introspectionOnly(set ast.SelectionSet) bool {
	for _, sel := range set {
		f, ok := sel.(*ast.Field)
		if !ok || len(f.Name) < 2 || f.Name[:2] != "__" {
			return false
		}
	}
	return len(set) > 0
}
