package graph

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// loadSchema parses the real schema, as gqlgen.yml lists it.
func loadSchema(t *testing.T) *ast.Schema {
	t.Helper()
	var sources []*ast.Source
	parts, err := filepath.Glob("*.graphql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append([]string{"../schema.graphql"}, parts...) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("read schema: %v", err)
		}
		sources = append(sources, &ast.Source{Name: name, Input: string(b)})
	}
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatalf("load schema: %v", err)
	}
	return schema
}

// operation validates query against schema and returns its only operation.
func operation(t *testing.T, schema *ast.Schema, query string) *ast.OperationDefinition {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(schema, query)
	if len(errs) > 0 {
		t.Fatalf("query does not validate: %v", errs)
	}
	if len(doc.Operations) != 1 {
		t.Fatalf("query has %d operations; want 1", len(doc.Operations))
	}
	return doc.Operations[0]
}

func TestSelectionDepthParsed(t *testing.T) {
	tests := []struct {
		query string
		want  int
	}{
		{"{ a }", 1},
		{"{ a b c }", 1},
		{"{ a { b { c } } }", 3},
		{"{ a { b } c { d { e { f } } } }", 4},
		{"{ a { ... on T { b { c } } } }", 3},
		{"{ ... on Query { a { b } } }", 2},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tt.query})
			if err != nil {
				t.Fatal(err)
			}
			if got := selectionDepth(doc.Operations[0].SelectionSet, 0, map[string]bool{}); got != tt.want {
				t.Errorf("depth = %d; want %d", got, tt.want)
			}
		})
	}
}

func TestSelectionDepthFragments(t *testing.T) {
	schema := loadSchema(t)
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"no fragments", `{ tokens { edges { node { user { name } } } } }`, 5},
		{"fragment adds no level", `
			{ tokens { edges { node { ...T } } } }
			fragment T on Token { user { name } }`, 5},
		{"nested fragments", `
			{ tokens { ...Conn } }
			fragment Conn on TokenConnection { edges { ...Edge } }
			fragment Edge on TokenEdge { node { ...T } }
			fragment T on Token { user { ...U } }
			fragment U on User { name }`, 5},
		{"inline fragment on an interface", `
			{ node(id: 1) { ... on Token { user { name } } } }`, 3},
		// The same fragment twice on one path, at different depths: the deeper
		// use counts, so leaving the fragment must forget it was entered.
		{"fragment reused deeper", `
			{ a: node(id: 1) { ...T } b: tokens { edges { node { ...T } } } }
			fragment T on Token { user { name } }`, 5},
		{"fragment reused inside itself's sibling", `
			{ tokens { edges { node { ...T user { ...U } } } } }
			fragment T on Token { name user { ...U } }
			fragment U on User { name }`, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := operation(t, schema, tt.query)
			if got := selectionDepth(op.SelectionSet, 0, map[string]bool{}); got != tt.want {
				t.Errorf("depth = %d; want %d", got, tt.want)
			}
		})
	}
}

// linkFragments points every spread of doc at its definition, as validation
// would, without validation's ban on cycles.
func linkFragments(doc *ast.QueryDocument) {
	var walk func(ast.SelectionSet)
	seen := map[*ast.FragmentDefinition]bool{}
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				s.Definition = doc.Fragments.ForName(s.Name)
				if s.Definition != nil && !seen[s.Definition] {
					seen[s.Definition] = true
					walk(s.Definition.SelectionSet)
				}
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
}

func TestSelectionDepthCyclicFragmentsEnd(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"self", `{ a { ...F } } fragment F on T { b { ...F } }`, 2},
		{"mutual", `{ a { ...F } } fragment F on T { b { ...G } } fragment G on T { c { ...F } }`, 3},
		{"unknown fragment", `{ a { ...Missing b } }`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tt.query})
			if err != nil {
				t.Fatal(err)
			}
			linkFragments(doc)
			if got := selectionDepth(doc.Operations[0].SelectionSet, 0, map[string]bool{}); got != tt.want {
				t.Errorf("depth = %d; want %d", got, tt.want)
			}
		})
	}
}

func TestDepthLimitMutateOperationContext(t *testing.T) {
	schema := loadSchema(t)
	const query = `
		{ tokens { edges { node { ...T } } } }
		fragment T on Token { user { name } }` // depth 5
	tests := []struct {
		name    string
		max     int
		wantErr bool
	}{
		{"under the limit", 6, false},
		{"at the limit", 5, false},
		{"over the limit", 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oc := &graphql.OperationContext{Operation: operation(t, schema, query)}
			err := DepthLimit{Max: tt.max}.MutateOperationContext(context.Background(), oc)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("err = %v; want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("err = nil; want the operation refused")
			}
			if got := err.Extensions["code"]; got != CodeBadUserInput {
				t.Errorf("extensions.code = %v; want %s", got, CodeBadUserInput)
			}
			if want := "operation is nested 5 levels deep; the limit is 4"; err.Message != want {
				t.Errorf("message = %q; want %q", err.Message, want)
			}
		})
	}

	t.Run("no operation", func(t *testing.T) {
		if err := (DepthLimit{Max: 1}).MutateOperationContext(context.Background(), &graphql.OperationContext{}); err != nil {
			t.Errorf("err = %v; want nil when there is no operation", err)
		}
	})
}

// introspectionQuery is the query GraphiQL (the playground at GET /) sends to
// learn the schema: graphql-js's getIntrospectionQuery().
const introspectionQuery = `
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description
    args { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

func TestDepthLimitAllowsPlaygroundIntrospection(t *testing.T) {
	schema := loadSchema(t)
	op := operation(t, schema, introspectionQuery)
	if got := selectionDepth(op.SelectionSet, 0, map[string]bool{}); got != 13 {
		t.Fatalf("introspection depth = %d; want 13", got)
	}
	// BUG: server.Defaults().MaxDepth is 12, but the introspection query the
	// playground at GET / sends is 13 levels deep (__schema.types.fields.args.type
	// and seven ofType levels), so with the default configuration the playground
	// cannot load the schema. Fix: exempt introspection-only operations in
	// DepthLimit, or raise the default MaxDepth.
	oc := &graphql.OperationContext{Operation: op}
	if err := (DepthLimit{Max: 12}).MutateOperationContext(context.Background(), oc); err != nil {
		t.Errorf("the default depth limit refuses the playground's introspection: %v", err)
	}
}
