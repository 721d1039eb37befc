package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/user"
)

// hasRole implements @hasRole: the viewer must hold one of roles.
func hasRole(ctx context.Context, _ any, next graphql.Resolver, roles []user.Role) (any, error) {
	v, ok := core.ViewerFrom(ctx)
	if !ok {
		return nil, core.ErrUnauthenticated
	}
	for _, r := range roles {
		if v.Role == core.Role(r) {
			return next(ctx)
		}
	}
	return nil, fmt.Errorf("requires role %v: %w", roles, core.ErrForbidden)
}

// publicFields are the root fields an anonymous caller may use.
var publicFields = map[string]bool{
	"login":      true,
	"__schema":   true,
	"__type":     true,
	"__typename": true,
}

// RequireViewer is a gqlgen extension that rejects every root field but login and
// introspection when the request carries no valid token, so a new field is
// protected by default rather than by remembering.
type RequireViewer struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.RootFieldInterceptor
} = RequireViewer{}

// ExtensionName names the extension for gqlgen.
func (RequireViewer) ExtensionName() string { return "RequireViewer" }

// Validate accepts any schema.
func (RequireViewer) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptRootField checks for a viewer before resolving a root field.
func (RequireViewer) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	fc := graphql.GetRootFieldContext(ctx)
	if fc != nil && !publicFields[fc.Field.Name] {
		if _, ok := core.ViewerFrom(ctx); !ok {
			graphql.AddError(ctx, core.ErrUnauthenticated)
			return graphql.Null
		}
	}
	return next(ctx)
}
