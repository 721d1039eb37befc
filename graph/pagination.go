package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// countOnlyForTotal returns the context for a connection resolver's Paginate,
// so that the COUNT query runs only when the client asks for totalCount.
// entgql's Paginate counts whenever pageInfo is selected too, though it then
// sets pageInfo from the extra row it reads anyway (ent/contrib#625): a count
// visits every row the filter lets through, far more work than the page itself
// (an agent's visible conversations, a tenant's contacts). The context's field
// keeps every selection but pageInfo, which gqlgen still resolves from the
// connection Paginate returns.
func countOnlyForTotal(ctx context.Context) context.Context {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ctx
	}
	var keep ast.SelectionSet
	for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, nil) {
		switch f.Name {
		case "totalCount":
			return ctx
		case "pageInfo":
			continue
		}
		keep = append(keep, f.Field)
	}
	narrowed := *fc
	narrowed.Field.Selections = keep
	return graphql.WithFieldContext(ctx, &narrowed)
}
