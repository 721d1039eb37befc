package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/tenant"
	"github.com/switchboard/switchboard/ent/token"
	"github.com/switchboard/switchboard/ent/user"
)

// MinPasswordLength is the shortest password accepted (NIST SP 800-63B asks for 8;
// we ask for more because admins hold every messenger credential).
const MinPasswordLength = 12

// Service authenticates requests and manages users and tokens.
type Service struct {
	client     *ent.Client
	sessionTTL time.Duration
	bcryptCost int
	now        func() time.Time
	// dummyHash is compared against when a login names no user, so a wrong email
	// costs as much time as a wrong password and does not reveal which it was.
	dummyHash []byte
	viewers   viewerCache
	// live are the open websockets and event streams, ended or updated when
	// their credentials change.
	live liveSet
	// onChange are told of every committed change of a user.
	onChange []func(userID int)
	// broadcast tells the cluster's other instances of this instance's changes.
	broadcast func(userID int)
}

// OnUserChange registers fn to be told, after each committed change of a
// user (role, skills, capacity, active), its ID. Register before serving.
func (s *Service) OnUserChange(fn func(userID int)) {
	s.onChange = append(s.onChange, fn)
}

// Options tune the service.
type Options struct {
	// SessionTTL is how long a login session lasts (default 12h).
	SessionTTL time.Duration
	// BcryptCost defaults to bcrypt.DefaultCost; tests lower it.
	BcryptCost int
}

// New returns the service over client.
func New(client *ent.Client, opts Options) *Service {
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = bcrypt.DefaultCost
	}
	dummy, _ := bcrypt.GenerateFromPassword([]byte("switchboard-dummy-password"), opts.BcryptCost)
	return &Service{client: client, sessionTTL: opts.SessionTTL, bcryptCost: opts.BcryptCost, now: core.Now, dummyHash: dummy,
		viewers: viewerCache{ttl: 5 * time.Second}, live: liveSet{now: time.Now}}
}

// Authenticate turns a bearer token into the viewer it stands for. Any failure is
// core.ErrUnauthenticated, without saying which check failed.
func (s *Service) Authenticate(ctx context.Context, bearer string) (core.Viewer, error) {
	if bearer == "" {
		return core.Viewer{}, core.ErrUnauthenticated
	}
	hash := HashToken(bearer)
	now := s.now()
	if v, ok := s.viewers.get(hash, now); ok {
		return v, nil
	}
	sys := core.SystemContext(ctx)
	t, err := s.client.Token.Query().
		Where(token.Hash(hash), token.RevokedAtIsNil()).
		WithUser().
		Only(sys)
	if err != nil {
		if ent.IsNotFound(err) {
			return core.Viewer{}, core.ErrUnauthenticated
		}
		return core.Viewer{}, fmt.Errorf("auth: look up token: %w", err)
	}
	if t.ExpiresAt != nil && !s.now().Before(*t.ExpiresAt) {
		return core.Viewer{}, core.ErrUnauthenticated
	}
	u := t.Edges.User
	if u == nil || !u.Active {
		return core.Viewer{}, core.ErrUnauthenticated
	}
	v := core.Viewer{TenantID: t.TenantID, UserID: u.ID, Role: core.Role(u.Role), TokenID: t.ID}
	if t.ExpiresAt != nil {
		v.Expires = *t.ExpiresAt
	}
	until := now.Add(s.viewers.ttl)
	if t.ExpiresAt != nil && t.ExpiresAt.Before(until) {
		until = *t.ExpiresAt
	}
	s.viewers.put(hash, v, until)
	return v, nil
}

// Login checks an email and password and opens a session. Wrong email, wrong
// password and inactive user all fail alike with core.ErrBadCredentials.
func (s *Service) Login(ctx context.Context, email, password string) (string, *ent.Token, *ent.User, error) {
	sys := core.SystemContext(ctx)
	u, err := s.client.User.Query().Where(user.EmailEQ(strings.ToLower(strings.TrimSpace(email)))).Only(sys)
	if err != nil && !ent.IsNotFound(err) {
		return "", nil, nil, fmt.Errorf("auth: login: %w", err)
	}
	if u == nil || u.PasswordHash == "" || !u.Active {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return "", nil, nil, core.ErrBadCredentials
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return "", nil, nil, core.ErrBadCredentials
	}
	expires := s.now().Add(s.sessionTTL)
	plain, t, err := s.issue(sys, u, token.KindSESSION, "login", &expires)
	if err != nil {
		return "", nil, nil, err
	}
	return plain, t, u, nil
}

// Logout revokes the token or session that authenticated ctx's viewer.
func (s *Service) Logout(ctx context.Context) error {
	v, ok := core.ViewerFrom(ctx)
	if !ok || v.TokenID == 0 {
		return core.ErrUnauthenticated
	}
	_, err := store.Client(ctx, s.client).Token.UpdateOneID(v.TokenID).SetRevokedAt(s.now()).Save(ctx)
	s.viewers.clear()
	if err == nil {
		s.afterUserChange(ctx, v.UserID)
	}
	return store.Wrap(err, "auth: logout")
}

func (s *Service) issue(ctx context.Context, u *ent.User, kind token.Kind, name string, expires *time.Time) (string, *ent.Token, error) {
	plain, hash, hint := newToken()
	t, err := store.Client(ctx, s.client).Token.Create().
		SetTenantID(u.TenantID).
		SetUserID(u.ID).
		SetKind(kind).
		SetName(name).
		SetHash(hash).
		SetHint(hint).
		SetNillableExpiresAt(expires).
		Save(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("auth: issue token: %w", err)
	}
	return plain, t, nil
}

// CreateAPIToken makes a long-lived token for a user of the viewer's tenant.
func (s *Service) CreateAPIToken(ctx context.Context, userID int, name string, expires *time.Time) (string, *ent.Token, error) {
	if strings.TrimSpace(name) == "" {
		return "", nil, core.Invalid("name", "is required")
	}
	if expires != nil && !expires.After(s.now()) {
		return "", nil, core.Invalid("expiresAt", "must be in the future")
	}
	u, err := store.Client(ctx, s.client).User.Get(ctx, userID)
	if err != nil {
		return "", nil, store.Wrap(err, "auth: create token: user")
	}
	return s.issue(ctx, u, token.KindAPI, strings.TrimSpace(name), expires)
}

// RevokeToken ends a token or session of the viewer's tenant.
func (s *Service) RevokeToken(ctx context.Context, id int) (*ent.Token, error) {
	c := store.Client(ctx, s.client)
	t, err := c.Token.Get(ctx, id)
	if err != nil {
		return nil, store.Wrap(err, "auth: revoke token")
	}
	if t.RevokedAt != nil {
		return t, nil
	}
	t, err = c.Token.UpdateOne(t).SetRevokedAt(s.now()).Save(ctx)
	s.viewers.clear()
	if err == nil {
		s.afterUserChange(ctx, t.UserID)
	}
	return t, store.Wrap(err, "auth: revoke token")
}

// TokenValid reports whether t can still authenticate.
func (s *Service) TokenValid(ctx context.Context, t *ent.Token) (bool, error) {
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !s.now().Before(*t.ExpiresAt)) {
		return false, nil
	}
	u, err := t.Edges.UserOrErr()
	if err != nil {
		if u, err = t.QueryUser().Only(ctx); err != nil {
			return false, store.Wrap(err, "auth: token user")
		}
	}
	return u.Active, nil
}

// UserInput is a new user's or a change's fields; nil means "not given".
type UserInput struct {
	Name     *string
	Email    *string
	Role     *core.Role
	Password *string
	Active   *bool
	// Skills replace the agent's skills; Capacity is how many conversations
	// it handles at once.
	Skills   *[]core.Skill
	Capacity *int
}

// maxCapacity bounds an agent's concurrent conversations.
const maxCapacity = 100

func (s *Service) validateUser(in UserInput, creating bool) (*core.ValidationError, string) {
	v := &core.ValidationError{}
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" || creating && in.Name == nil {
		v.Add("name", "is required")
	}
	if in.Name != nil && len(*in.Name) > 200 {
		v.Add("name", "must be at most 200 characters")
	}
	if in.Skills != nil {
		core.ValidateSkills(v, "skills", *in.Skills)
	}
	if in.Capacity != nil && (*in.Capacity < 0 || *in.Capacity > maxCapacity) {
		v.Add("capacity", "must be between 0 and %d", maxCapacity)
	}
	if in.Email != nil && *in.Email != "" {
		if a, err := mail.ParseAddress(*in.Email); err != nil || a.Address != strings.TrimSpace(*in.Email) {
			v.Add("email", "must be an email address like name@example.com")
		}
	}
	if creating && in.Role == nil || in.Role != nil && !in.Role.Valid() {
		v.Add("role", "must be ADMIN, SUPERVISOR or AGENT")
	}
	var hash string
	if in.Password != nil {
		if len([]rune(*in.Password)) < MinPasswordLength {
			v.Add("password", "must be at least %d characters", MinPasswordLength)
		} else if len(*in.Password) > 72 {
			v.Add("password", "must be at most 72 bytes")
		} else if h, err := bcrypt.GenerateFromPassword([]byte(*in.Password), s.bcryptCost); err == nil {
			hash = string(h)
		} else {
			v.Add("password", "cannot be used")
		}
	}
	return v, hash
}

// CreateUser adds a user to the viewer's tenant.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (*ent.User, error) {
	v, hash := s.validateUser(in, true)
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	c := store.Client(ctx, s.client).User.Create().
		SetName(strings.TrimSpace(*in.Name)).
		SetRole(user.Role(*in.Role))
	if in.Email != nil && *in.Email != "" {
		c.SetEmail(strings.ToLower(strings.TrimSpace(*in.Email)))
	}
	if hash != "" {
		c.SetPasswordHash(hash)
	}
	if in.Active != nil {
		c.SetActive(*in.Active)
	}
	u, err := c.Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, fmt.Errorf("auth: create user: a user with this name or email exists: %w", core.ErrConflict)
	}
	return u, store.Wrap(err, "auth: create user")
}

// UpdateUser changes the given fields. Deactivating revokes the user's tokens.
func (s *Service) UpdateUser(ctx context.Context, id int, in UserInput) (*ent.User, error) {
	v, hash := s.validateUser(in, false)
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	c := store.Client(ctx, s.client)
	up := c.User.UpdateOneID(id)
	if in.Name != nil {
		up.SetName(strings.TrimSpace(*in.Name))
	}
	if in.Email != nil {
		if *in.Email == "" {
			up.ClearEmail()
		} else {
			up.SetEmail(strings.ToLower(strings.TrimSpace(*in.Email)))
		}
	}
	if in.Role != nil {
		up.SetRole(user.Role(*in.Role))
	}
	if hash != "" {
		up.SetPasswordHash(hash)
	}
	if in.Active != nil {
		up.SetActive(*in.Active)
	}
	if in.Skills != nil {
		up.SetSkills(core.CleanSkills(*in.Skills))
	}
	if in.Capacity != nil {
		up.SetCapacity(*in.Capacity)
	}
	u, err := up.Save(ctx)
	s.viewers.clear() // the role or active flag may have changed
	if ent.IsConstraintError(err) {
		return nil, fmt.Errorf("auth: update user: a user with this name or email exists: %w", core.ErrConflict)
	}
	if err != nil {
		return nil, store.Wrap(err, "auth: update user")
	}
	if !u.Active || hash != "" {
		if err := s.revokeAll(ctx, u.ID, hash != "" && u.Active); err != nil {
			return nil, err
		}
	}
	s.afterUserChange(ctx, u.ID)
	return u, nil
}

// revokeAll ends a user's sessions, and its API tokens too unless sessionsOnly.
func (s *Service) revokeAll(ctx context.Context, userID int, sessionsOnly bool) error {
	q := store.Client(ctx, s.client).Token.Update().
		Where(token.UserID(userID), token.RevokedAtIsNil())
	if sessionsOnly {
		q.Where(token.KindEQ(token.KindSESSION))
	}
	if _, err := q.SetRevokedAt(s.now()).Save(ctx); err != nil {
		return fmt.Errorf("auth: revoke tokens: %w", err)
	}
	s.viewers.clear()
	return nil
}

// DeactivateUser stops a user from authenticating and revokes its tokens. An admin
// cannot deactivate itself, so a tenant is never locked out by accident.
func (s *Service) DeactivateUser(ctx context.Context, id int) (*ent.User, error) {
	if v, _ := core.ViewerFrom(ctx); v.UserID == id {
		return nil, core.Invalid("id", "you cannot deactivate yourself")
	}
	f := false
	return s.UpdateUser(ctx, id, UserInput{Active: &f})
}

// EnsureUser finds or creates a tenant and a user in it with role and issues an API
// token for them (the CLI's `token create` and the first start). It runs as system.
func (s *Service) EnsureUser(ctx context.Context, tenantName, userName string, role core.Role, tokenName string) (string, *ent.User, error) {
	if !role.Valid() {
		return "", nil, core.Invalid("role", "must be ADMIN, SUPERVISOR or AGENT")
	}
	sys := core.SystemContext(ctx)
	tx, err := s.client.Tx(sys)
	if err != nil {
		return "", nil, fmt.Errorf("auth: begin: %w", err)
	}
	defer tx.Rollback()
	tc := ent.NewTxContext(ent.NewContext(sys, tx.Client()), tx)
	t, err := tx.Tenant.Query().Where(tenant.Name(tenantName)).Only(tc)
	if ent.IsNotFound(err) {
		t, err = tx.Tenant.Create().SetName(tenantName).Save(tc)
	}
	if err != nil {
		return "", nil, fmt.Errorf("auth: tenant %q: %w", tenantName, err)
	}
	u, err := tx.User.Query().Where(user.TenantID(t.ID), user.Name(userName)).Only(tc)
	if ent.IsNotFound(err) {
		u, err = tx.User.Create().SetTenantID(t.ID).SetName(userName).SetRole(user.Role(role)).Save(tc)
	}
	if err != nil {
		return "", nil, fmt.Errorf("auth: user %q: %w", userName, err)
	}
	if !u.Active {
		return "", nil, fmt.Errorf("auth: user %q is deactivated: %w", userName, core.ErrForbidden)
	}
	if core.Role(u.Role) != role {
		// Never hand out a token with other rights than asked for.
		return "", nil, core.Invalid("role", "user %q exists with role %s, not %s", userName, u.Role, role)
	}
	plain, _, err := s.issue(tc, u, token.KindAPI, tokenName, nil)
	if err != nil {
		return "", nil, err
	}
	if err := tx.Commit(); err != nil {
		return "", nil, fmt.Errorf("auth: commit: %w", err)
	}
	return plain, u, nil
}

// DefaultTenant is the tenant the first start creates and the CLI uses by default.
const DefaultTenant = "default"

// Bootstrap creates the default tenant and an admin on a first start with an empty
// database and returns the admin's API token; on later starts it returns "".
func (s *Service) Bootstrap(ctx context.Context) (string, error) {
	n, err := s.client.Tenant.Query().Count(core.SystemContext(ctx))
	if err != nil {
		return "", fmt.Errorf("auth: bootstrap: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	plain, _, err := s.EnsureUser(ctx, DefaultTenant, "admin", core.RoleAdmin, "bootstrap")
	return plain, err
}

// ErrUnknownTenant is returned when the CLI cannot tell which tenant is meant.
var ErrUnknownTenant = errors.New("auth: several tenants exist; name one with --tenant")

// DefaultTenantName returns the only tenant's name, DefaultTenant when there is
// none, and ErrUnknownTenant when there are several.
func (s *Service) DefaultTenantName(ctx context.Context) (string, error) {
	ts, err := s.client.Tenant.Query().Limit(2).All(core.SystemContext(ctx))
	if err != nil {
		return "", fmt.Errorf("auth: tenants: %w", err)
	}
	switch len(ts) {
	case 0:
		return DefaultTenant, nil
	case 1:
		return ts[0].Name, nil
	}
	return "", ErrUnknownTenant
}
