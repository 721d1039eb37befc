// Package graph is Switchboard's GraphQL API (gqlgen). Resolvers are thin: they
// check access, call the chat core, and map the result. Errors become GraphQL
// errors with extensions.code in one place (errors.go); access rules live in the
// @hasRole directive and the root-field check (access.go), not in resolvers.
package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/switchboard/switchboard/core/accounts"
	"github.com/switchboard/switchboard/core/auth"
	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/core/supervision"
	"github.com/switchboard/switchboard/core/sysmsg"
	"github.com/switchboard/switchboard/ent"
)

// Resolver holds what resolvers call: the ent client for reads through entgql,
// and the core services for everything else.
type Resolver struct {
	Client   *ent.Client
	Auth     *auth.Service
	Accounts *accounts.Service
	Inbox    *inbox.Service
	// SysMsg keeps the texts customers get at chat events.
	SysMsg *sysmsg.Service
	// Supervision reads the live queues and the services' figures.
	Supervision *supervision.Service
	// PublicURL prefixes links the API hands out (media downloads).
	PublicURL string
}

// maxNodes bounds nodes(ids:), which costs one lookup per ID.
const maxNodes = 100

// NewSchema returns the executable schema with its directives.
func NewSchema(r *Resolver) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{
		Resolvers:  r,
		Directives: DirectiveRoot{HasRole: hasRole},
	})
}
