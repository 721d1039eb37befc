package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// DocumentLimits refuses an operation whose text would cost more to validate,
// plan or run than its size justifies, before gqlgen's own validation runs.
// gqlgen's validation compares fields pairwise and its complexity count expands
// fragment spreads without memoising, so a few kilobytes of fragments that
// spread each other twice, or a flat list of tens of thousands of fields, could
// each pin a core for minutes. Every check here is linear in the document:
// tokens are capped while parsing, fields and fragments are counted once, and
// the size of the operation with every fragment expanded is computed with each
// fragment measured once.
//
// Documents gqlgen already validated (its query cache) are not checked again.
type DocumentLimits struct {
	// Cache is gqlgen's query cache; a hit was checked when it was added.
	Cache graphql.Cache[*ast.QueryDocument]
	// MaxTokens bounds the lexical tokens parsed; gqlgen is given the same limit.
	MaxTokens int
	// MaxFields bounds the field selections written in the document.
	MaxFields int
	// MaxFragments bounds fragment definitions; MaxSpreads fragment spreads.
	MaxFragments, MaxSpreads int
	// MaxExpandedFields bounds the fields of one operation once every fragment
	// spread is replaced by its fragment: the work planning and running it does.
	MaxExpandedFields int
}

// DefaultDocumentLimits are generous for any real client (GraphiQL's schema
// query has about 100 fields and 5 fragments) and small enough that refusing
// is cheap.
func DefaultDocumentLimits() DocumentLimits {
	return DocumentLimits{MaxTokens: 10000, MaxFields: 1000, MaxFragments: 100, MaxSpreads: 500, MaxExpandedFields: 5000}
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = DocumentLimits{}

// ExtensionName names the extension for gqlgen.
func (DocumentLimits) ExtensionName() string { return "DocumentLimits" }

// Validate accepts any schema.
func (DocumentLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters parses the query with the token limit and measures
// it. It runs after automatic persisted queries have filled in the text.
func (l DocumentLimits) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if params.Query == "" {
		return nil // gqlgen answers "no operation provided"
	}
	if l.Cache != nil {
		if _, ok := l.Cache.Get(ctx, params.Query); ok {
			return nil
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, l.MaxTokens)
	if err != nil {
		var gqlErr *gqlerror.Error
		if !errors.As(err, &gqlErr) {
			gqlErr = gqlerror.Errorf("%s", err)
		}
		errcode.Set(gqlErr, errcode.ParseFailed)
		return gqlErr
	}
	return l.Check(doc)
}

// Check measures a parsed document against the limits.
func (l DocumentLimits) Check(doc *ast.QueryDocument) *gqlerror.Error {
	if l.MaxFragments > 0 && len(doc.Fragments) > l.MaxFragments {
		return refused("the document defines %d fragments; the limit is %d", len(doc.Fragments), l.MaxFragments)
	}
	var c counts
	for _, op := range doc.Operations {
		c.add(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		c.add(f.SelectionSet)
	}
	if l.MaxFields > 0 && c.fields > l.MaxFields {
		return refused("the document selects %d fields; the limit is %d", c.fields, l.MaxFields)
	}
	if l.MaxSpreads > 0 && c.spreads > l.MaxSpreads {
		return refused("the document has %d fragment spreads; the limit is %d", c.spreads, l.MaxSpreads)
	}
	if l.MaxExpandedFields <= 0 {
		return nil
	}
	m := expansion{fragments: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)), size: map[string]int{}, cap: l.MaxExpandedFields + 1}
	for _, f := range doc.Fragments {
		m.fragments[f.Name] = f
	}
	for _, op := range doc.Operations {
		n, cyclic := m.selectionSet(op.SelectionSet)
		if cyclic {
			err := gqlerror.Errorf("fragments spread each other in a cycle")
			errcode.Set(err, errcode.ValidationFailed)
			return err
		}
		if n > l.MaxExpandedFields {
			return refused("the operation expands to more than %d fields once its fragments are spread; the limit is %d", l.MaxExpandedFields, l.MaxExpandedFields)
		}
	}
	return nil
}

// refused is a limit error; clients fix it by changing the operation.
func refused(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": CodeBadUserInput}
	return err
}

// counts tallies what is written in a document, not following spreads.
type counts struct{ fields, spreads int }

func (c *counts) add(set ast.SelectionSet) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			c.fields++
			c.add(s.SelectionSet)
		case *ast.InlineFragment:
			c.add(s.SelectionSet)
		case *ast.FragmentSpread:
			c.spreads++
		default:
			panic(fmt.Sprintf("graph: unknown selection %T", sel))
		}
	}
}

// expansion measures selection sets with fragment spreads expanded, measuring
// each fragment once. Sizes saturate at cap, so no count overflows.
type expansion struct {
	fragments map[string]*ast.FragmentDefinition
	// size holds measured fragments; -1 marks one being measured (a cycle).
	size map[string]int
	cap  int
}

func (m *expansion) selectionSet(set ast.SelectionSet) (n int, cyclic bool) {
	for _, sel := range set {
		var k int
		switch s := sel.(type) {
		case *ast.Field:
			sub, cyc := m.selectionSet(s.SelectionSet)
			if cyc {
				return 0, true
			}
			k = 1 + sub
		case *ast.InlineFragment:
			sub, cyc := m.selectionSet(s.SelectionSet)
			if cyc {
				return 0, true
			}
			k = sub
		case *ast.FragmentSpread:
			size, known := m.size[s.Name]
			switch {
			case known && size < 0:
				return 0, true
			case known:
				k = size
			default:
				def := m.fragments[s.Name]
				if def == nil {
					continue // validation reports the unknown fragment
				}
				m.size[s.Name] = -1
				sub, cyc := m.selectionSet(def.SelectionSet)
				if cyc {
					return 0, true
				}
				m.size[s.Name] = sub
				k = sub
			}
		}
		n = min(n+k, m.cap)
	}
	return n, false
}

// MaxErrors bounds the errors of one response; a document with thousands of
// mistakes gets the first ones and a count instead of megabytes of errors.
const MaxErrors = 20

// ErrorLimit is a gqlgen extension that cuts every response's error list to
// MaxErrors, the last one saying how many were left out.
type ErrorLimit struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = ErrorLimit{}

// ExtensionName names the extension for gqlgen.
func (ErrorLimit) ExtensionName() string { return "ErrorLimit" }

// Validate accepts any schema.
func (ErrorLimit) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse trims the errors of each response.
func (ErrorLimit) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > MaxErrors {
		omitted := len(resp.Errors) - (MaxErrors - 1)
		code := CodeBadUserInput
		if c, ok := resp.Errors[0].Extensions["code"].(string); ok {
			code = c
		}
		resp.Errors = append(resp.Errors[:MaxErrors-1:MaxErrors-1], &gqlerror.Error{
			Message:    fmt.Sprintf("%d more errors left out", omitted),
			Extensions: map[string]any{"code": code},
		})
	}
	return resp
}
