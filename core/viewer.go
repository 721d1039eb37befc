package core

import (
	"context"
	"sync/atomic"
	"time"
)

// Role is what a user may do inside a tenant. The values match the GraphQL enum.
type Role string

// The roles, from most to least powerful.
const (
	RoleAdmin      Role = "ADMIN"
	RoleSupervisor Role = "SUPERVISOR"
	RoleAgent      Role = "AGENT"
)

// Valid reports whether r is one of the known roles, so inputs from outside can be checked.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleSupervisor, RoleAgent:
		return true
	}
	return false
}

// Viewer is the authenticated party of a request. The data layer reads it from the
// context to confine every query and write to the viewer's tenant, so no resolver
// has to remember to.
type Viewer struct {
	TenantID int
	UserID   int
	Role     Role
	// TokenID is the API token or login session that authenticated the request;
	// logout revokes it.
	TokenID int
	// Expires is when the token or session stops being valid; zero when never.
	Expires time.Time
	// system marks internal work (bootstrap, the CLI, token lookup) that is not
	// confined to one tenant. Only SystemContext sets it.
	system bool
}

// IsSystem reports whether the viewer is internal work rather than a user.
func (v Viewer) IsSystem() bool { return v.system }

// HasRole reports whether the viewer holds one of roles.
func (v Viewer) HasRole(roles ...Role) bool {
	for _, r := range roles {
		if v.Role == r {
			return true
		}
	}
	return false
}

type viewerKey struct{}

// WithViewer returns a context that acts as v.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer of ctx and whether there is one. For a
// connection with a LiveViewer it is the viewer as it is now.
func ViewerFrom(ctx context.Context) (Viewer, bool) {
	switch v := ctx.Value(viewerKey{}).(type) {
	case Viewer:
		return v, true
	case *LiveViewer:
		return v.Load(), true
	}
	return Viewer{}, false
}

// ViewerSource looks the viewer of ctx up once and returns how to read it
// later: a fixed viewer, or a LiveViewer's current one. Code that asks for
// the same context's viewer again and again (fan-out to thousands of
// subscribers) uses it instead of walking the context each time.
func ViewerSource(ctx context.Context) func() (Viewer, bool) {
	switch v := ctx.Value(viewerKey{}).(type) {
	case Viewer:
		return func() (Viewer, bool) { return v, true }
	case *LiveViewer:
		return func() (Viewer, bool) { return v.Load(), true }
	}
	return func() (Viewer, bool) { return Viewer{}, false }
}

// LiveViewer is the viewer of a connection that outlives a request (a
// websocket): a change of the user's role while it is open applies to it at
// once, because everything reads the viewer through ViewerFrom.
type LiveViewer struct{ v atomic.Pointer[Viewer] }

// NewLiveViewer starts a live viewer as v.
func NewLiveViewer(v Viewer) *LiveViewer {
	l := &LiveViewer{}
	l.Store(v)
	return l
}

// Load returns the viewer as it is now.
func (l *LiveViewer) Load() Viewer { return *l.v.Load() }

// Store replaces the viewer, for a role change.
func (l *LiveViewer) Store(v Viewer) { l.v.Store(&v) }

// WithLiveViewer returns a context that acts as whatever l holds when asked.
func WithLiveViewer(ctx context.Context, l *LiveViewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, l)
}

// SystemContext returns a context for internal work that may see every tenant:
// bootstrap, the CLI, and looking up the token that names a request's tenant.
// Never derive it from a user's request.
func SystemContext(ctx context.Context) context.Context {
	return WithViewer(ctx, Viewer{system: true})
}
