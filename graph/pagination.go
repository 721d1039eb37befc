package graph

import (
	"context"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// countOnlyForTotal returns the context for a resolver that loads through
// entgql (a connection's Paginate, node, nodes), so that the COUNT queries
// run only for connections whose totalCount the client asks for. entgql
// counts whenever pageInfo is selected too, though it then sets pageInfo
// from the extra row it reads anyway (ent/contrib#625): at the root a count
// visits every row the filter lets through, far more work than the page
// itself (an agent's visible conversations, a tenant's contacts), and a
// nested connection (a conversation's messages) costs a grouped COUNT
// besides its page. The context's field keeps every selection but the
// pageInfo of connections without totalCount, at every depth; gqlgen still
// resolves pageInfo from the connections entgql builds, with the operation's
// own selections.
func countOnlyForTotal(ctx context.Context) context.Context {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || !slices.Equal(fc.Field.Selections, fc.Field.Field.SelectionSet) {
		// A field written twice under one name has its selections merged
		// for this request: left as it is, it counts as entgql does.
		return ctx
	}
	sel := uncounted.selections(fc.Field.Field)
	if sel == nil {
		return ctx
	}
	narrowed := *fc
	narrowed.Field.Selections = sel
	return graphql.WithFieldContext(ctx, &narrowed)
}

// uncounted holds the narrowed selections of the fields of parsed documents.
// gqlgen keeps parsed documents in its query cache, so each is narrowed once;
// and gqlgen caches what it collects from a selection set by the set's
// address for the whole request, so a narrowed set must not be freed (and
// its address reused by another) while a request may still use it.
var uncounted = narrowings{max: 4096}

// narrowings maps a document's field to its selections without uncounted
// pageInfo, or to nil when it has none to remove. Holding the field keeps
// its address from being reused by another document's. When full, it starts
// again empty; only requests that asked before keep their sets, through
// their contexts.
type narrowings struct {
	mu  sync.Mutex
	max int
	m   map[*ast.Field]ast.SelectionSet
}

func (n *narrowings) selections(f *ast.Field) ast.SelectionSet {
	n.mu.Lock()
	defer n.mu.Unlock()
	if sel, ok := n.m[f]; ok {
		return sel
	}
	sel, changed := withoutUncountedPageInfo(f.SelectionSet)
	if !changed {
		sel = nil
	}
	if n.m == nil || len(n.m) >= n.max {
		n.m = make(map[*ast.Field]ast.SelectionSet)
	}
	n.m[f] = sel
	return sel
}

// withoutUncountedPageInfo returns the selections of a field without
// pageInfo unless totalCount is selected beside it, and likewise for every
// field below. Selections are copied only where something changes; a
// fragment spread with a change becomes the equivalent inline fragment.
func withoutUncountedPageInfo(set ast.SelectionSet) (ast.SelectionSet, bool) {
	return pruneLevel(set, selectsField(set, "totalCount", 0))
}

// pruneLevel prunes set, one level of a field's selections (fragments
// included), where counted says whether that level selects totalCount.
func pruneLevel(set ast.SelectionSet, counted bool) (ast.SelectionSet, bool) {
	var out ast.SelectionSet
	changed := false
	for i, sel := range set {
		var keep ast.Selection = sel
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "pageInfo" && !counted {
				keep = nil
				break
			}
			if len(s.SelectionSet) > 0 {
				if sub, ch := withoutUncountedPageInfo(s.SelectionSet); ch {
					f := *s
					f.SelectionSet = sub
					keep = &f
				}
			}
		case *ast.InlineFragment:
			if sub, ch := pruneLevel(s.SelectionSet, counted); ch {
				frag := *s
				frag.SelectionSet = sub
				keep = &frag
			}
		case *ast.FragmentSpread:
			if s.Definition == nil {
				break
			}
			if sub, ch := pruneLevel(s.Definition.SelectionSet, counted); ch {
				// gqlgen looks spreads up by name in the document, so the
				// changed copy is written inline.
				keep = &ast.InlineFragment{
					TypeCondition:    s.Definition.TypeCondition,
					Directives:       s.Directives,
					SelectionSet:     sub,
					ObjectDefinition: s.ObjectDefinition,
					Position:         s.Position,
				}
			}
		}
		if keep == sel && !changed {
			continue
		}
		if !changed {
			changed = true
			out = append(make(ast.SelectionSet, 0, len(set)), set[:i]...)
		}
		if keep != nil {
			out = append(out, keep)
		}
	}
	if !changed {
		return set, false
	}
	return out, true
}

// selectsField reports whether one level of selections (fragments included)
// selects a field of that name.
func selectsField(set ast.SelectionSet, name string, depth int) bool {
	if depth > 32 {
		return true // an absurd fragment nesting: keep everything
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == name {
				return true
			}
		case *ast.InlineFragment:
			if selectsField(s.SelectionSet, name, depth+1) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && selectsField(s.Definition.SelectionSet, name, depth+1) {
				return true
			}
		}
	}
	return false
}
