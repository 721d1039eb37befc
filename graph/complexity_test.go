package graph

import (
	"context"
	"testing"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/switchboard/switchboard/ent"
)

// TestComplexityLimitAsGqlgens: the same complexity, statistics and refusal
// as gqlgen's FixedComplexityLimit, computed once per parsed operation, and
// per request when a complexity function of the schema takes part.
func TestComplexityLimitAsGqlgens(t *testing.T) {
	for _, q := range []string{
		`query($first: Int) { users(first: $first) { edges { node { id name } } } }`,
		`{ a: me { id } b: me { id } ...F } fragment F on Query { c: me { id name } }`,
		`query($id: ID!) { node(id: $id) { ... on Conversation { id messages(last: 5) { edges { node { id text } } pageInfo { hasPreviousPage } } } } }`,
	} {
		for _, limit := range []int{3, 1000} {
			ours := &ComplexityLimit{Limit: limit}
			theirs := extension.FixedComplexityLimit(limit)
			ex := executor.New(NewSchema(&Resolver{}))
			ex.SetQueryCache(lru.New[*ast.QueryDocument](10)) // as the server does
			ex.Use(ours)
			ref := executor.New(NewSchema(&Resolver{}))
			ref.Use(theirs)
			vars := map[string]any{"first": 10, "id": "1"}
			for range 2 {
				ctx := graphql.StartOperationTrace(context.Background())
				oc, errs := ex.CreateOperationContext(ctx, &graphql.RawParams{Query: q, Variables: vars})
				refOC, refErrs := ref.CreateOperationContext(ctx, &graphql.RawParams{Query: q, Variables: vars})
				if errs.Error() != refErrs.Error() {
					t.Fatalf("%s, limit %d: errors %v, gqlgen's %v", q, limit, errs, refErrs)
				}
				for i := range errs {
					if errs[i].Extensions["code"] != refErrs[i].Extensions["code"] {
						t.Errorf("code %v, gqlgen's %v", errs[i].Extensions["code"], refErrs[i].Extensions["code"])
					}
				}
				if errs != nil {
					continue
				}
				got := oc.Stats.GetExtension("ComplexityLimit").(*extension.ComplexityStats)
				want := refOC.Stats.GetExtension("ComplexityLimit").(*extension.ComplexityStats)
				if *got != *want {
					t.Errorf("%s: stats %+v, gqlgen's %+v", q, *got, *want)
				}
			}
			if len(ours.memo) != 1 {
				t.Errorf("%s: %d operations remembered", q, len(ours.memo))
			}
		}
	}

	// With a complexity function of its own, the cost follows the arguments
	// and is not kept.
	var cfg Config
	cfg.Resolvers = &Resolver{}
	cfg.Directives = DirectiveRoot{HasRole: hasRole}
	cfg.Complexity.Query.Users = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], _ *int, _ *ent.UserOrder, _ *ent.UserWhereInput) int {
		return child * *first
	}
	ours := &ComplexityLimit{Limit: 1000}
	ex := executor.New(NewExecutableSchema(cfg))
	ex.SetQueryCache(lru.New[*ast.QueryDocument](10))
	ex.Use(ours)
	q := `query($first: Int) { users(first: $first) { edges { node { id name } } } }`
	for _, c := range []struct{ first, want int }{{10, 40}, {100, 400}, {1000, 4000}} {
		ctx := graphql.StartOperationTrace(context.Background())
		oc, errs := ex.CreateOperationContext(ctx, &graphql.RawParams{Query: q, Variables: map[string]any{"first": c.first}})
		if c.want > 1000 {
			if errs == nil || errs[0].Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" {
				t.Errorf("first %d: %v, want the limit's error", c.first, errs)
			}
			continue
		}
		if errs != nil {
			t.Fatal(errs)
		}
		if got := oc.Stats.GetExtension("ComplexityLimit").(*extension.ComplexityStats).Complexity; got != c.want {
			t.Errorf("first %d: complexity %d, want %d", c.first, got, c.want)
		}
	}
	if len(ours.memo) != 0 {
		t.Errorf("%d operations remembered", len(ours.memo))
	}
}
