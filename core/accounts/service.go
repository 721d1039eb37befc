package accounts

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/events"
	"github.com/switchboard/switchboard/core/safeurl"
	"github.com/switchboard/switchboard/core/secrets"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/registry"
)

// Topic is the event-bus topic of account changes.
const Topic = "integration_accounts"

// EventKind says what happened to an account; the values match the GraphQL enum.
type EventKind string

// The kinds of account events.
const (
	EventCreated      EventKind = "CREATED"
	EventUpdated      EventKind = "UPDATED"
	EventDeleted      EventKind = "DELETED"
	EventConnected    EventKind = "CONNECTED"
	EventDisconnected EventKind = "DISCONNECTED"
	EventTested       EventKind = "TESTED"
	EventWebhookSet   EventKind = "WEBHOOK_SET"
)

// Event is the payload of an account change on the bus.
type Event struct {
	Kind EventKind
	// ID is the account's node ID; Account is nil for EventDeleted.
	ID      int
	Account *ent.IntegrationAccount
	At      time.Time
}

// Options configure the service.
type Options struct {
	// PublicURL is where providers reach this server (SWITCHBOARD_PUBLIC_URL).
	PublicURL string
	// AllowPrivateURLs lets tenant URLs reach loopback and private networks, and
	// plain http, for tests and local sandboxes.
	AllowPrivateURLs bool
	Keys             *secrets.Keyring
	Registry         *registry.Registry
	Bus              events.Bus
	// HTTP calls providers; it must refuse private addresses unless allowed.
	HTTP *http.Client
	// Log receives the detail of failed provider calls, which users see only
	// in words (default slog.Default()).
	Log *slog.Logger
}

// Service manages the integration accounts of the viewer's tenant.
type Service struct {
	client       *ent.Client
	keys         *secrets.Keyring
	reg          *registry.Registry
	bus          events.Bus
	http         *http.Client
	log          *slog.Logger
	publicURL    string
	allowPrivate bool
	now          func() time.Time

	changedMu sync.Mutex
	changed   []func(id int)
	broadcast func(id int)
	share     func(Shared)
}

// Shared is an account event as it travels to the other instances of a
// cluster: what happened to which account of which tenant, and when. It
// carries no account (nor its sealed secrets): the receiver reads the
// account as it is now from the database.
type Shared struct {
	Kind     EventKind `json:"kind"`
	ID       int       `json:"id"`
	TenantID int       `json:"tenantId"`
	At       time.Time `json:"at"`
}

// ShareEvents registers fn to send each committed account event to the
// other instances of a cluster, so that an admin subscribed to account
// events on any instance sees every change, wherever it was made.
func (s *Service) ShareEvents(fn func(Shared)) {
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	s.share = fn
}

// EventElsewhere publishes to this instance's subscribers an account event
// that another instance committed (see ShareEvents), with the account as
// the database has it now. Its caches forget the account first.
func (s *Service) EventElsewhere(ctx context.Context, sh Shared) error {
	s.ChangedElsewhere(sh.ID)
	ev := Event{Kind: sh.Kind, ID: sh.ID, At: sh.At}
	if sh.Kind != EventDeleted {
		a, err := s.client.IntegrationAccount.Get(core.SystemContext(ctx), sh.ID)
		if ent.IsNotFound(err) {
			return nil // deleted meanwhile: its own event follows
		}
		if err != nil {
			return fmt.Errorf("accounts: account of an event from another instance: %w", err)
		}
		ev.Account = a
	}
	s.bus.Publish(events.Event{TenantID: sh.TenantID, Topic: Topic, Payload: ev})
	return nil
}

// OnChange registers fn to be told, after each committed change of an
// account (rename, settings, secrets, status, checks, deletion), which one
// changed, so caches of accounts and their opened credentials forget it.
func (s *Service) OnChange(fn func(id int)) {
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	s.changed = append(s.changed, fn)
}

func (s *Service) notifyChanged(id int) {
	s.ChangedElsewhere(id) // this instance's caches, as for another's change
	s.changedMu.Lock()
	broadcast := s.broadcast
	s.changedMu.Unlock()
	if broadcast != nil {
		broadcast(id)
	}
}

// BroadcastChanges registers fn to tell the other instances of a cluster of
// each committed change of an account, so their caches forget it too.
func (s *Service) BroadcastChanges(fn func(id int)) {
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	s.broadcast = fn
}

// ChangedElsewhere tells this instance's caches (OnChange) of a change to
// account id that another instance made.
func (s *Service) ChangedElsewhere(id int) {
	s.changedMu.Lock()
	fns := s.changed
	s.changedMu.Unlock()
	for _, fn := range fns {
		fn(id)
	}
}

// New returns the service.
func New(client *ent.Client, opts Options) *Service {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Service{
		client:       client,
		keys:         opts.Keys,
		reg:          opts.Registry,
		bus:          opts.Bus,
		http:         opts.HTTP,
		log:          opts.Log,
		publicURL:    strings.TrimRight(opts.PublicURL, "/"),
		allowPrivate: opts.AllowPrivateURLs,
		now:          core.Now,
	}
}

// WebhookURL is where the account's messenger must send webhooks.
func (s *Service) WebhookURL(a *ent.IntegrationAccount) string {
	return s.publicURL + "/webhooks/" + a.AccountID
}

// WebhookAddress is the address an admin gives the account's messenger: its
// webhook URL, with what its provider adds to it (providers.WebhookAddresser:
// Infobip's token); the bare URL if the credentials cannot be opened.
func (s *Service) WebhookAddress(a *ent.IntegrationAccount) string {
	if _, p, err := s.Spec(a); err == nil {
		if addr, ok := p.(providers.WebhookAddresser); ok {
			if b, err := s.Bind(a); err == nil {
				if u := addr.WebhookAddress(b.Opened); u != "" {
					return u
				}
			}
		}
	}
	return s.WebhookURL(a)
}

// newAccountID returns 160 random bits in lowercase base32: unguessable, URL-safe,
// and never reused in practice.
func newAccountID() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("accounts: crypto/rand failed: " + err.Error())
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// randomToken returns n random bytes, URL-safe base64 encoded: verify tokens and
// webhook secrets (Telegram allows only A-Z a-z 0-9 _ -, which this satisfies).
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("accounts: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// aad binds sealed secrets to their account, so a ciphertext copied to another row
// does not open.
func aad(accountID string) []byte { return []byte("integration_account:" + accountID) }

func (s *Service) seal(accountID string, m map[string]string) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("accounts: encode secrets: %w", err)
	}
	sealed, err := s.keys.Seal(b, aad(accountID))
	if err != nil {
		return nil, fmt.Errorf("accounts: seal secrets: %w", err)
	}
	return sealed, nil
}

// Secrets opens an account's credentials for a provider call.
func (s *Service) Secrets(a *ent.IntegrationAccount) (map[string]string, error) {
	m := map[string]string{}
	if len(a.Secrets) == 0 {
		return m, nil
	}
	b, err := s.keys.Open(a.Secrets, aad(a.AccountID))
	if err != nil {
		return nil, fmt.Errorf("accounts: open secrets of account %d: %w", a.ID, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("accounts: decode secrets of account %d: %w", a.ID, err)
	}
	return m, nil
}

// Bound is an account bound to its messenger: the provider that speaks its
// API and the account as that provider sees it (settings, opened secrets,
// webhook URL). It is the one way the core gets from a stored account to a
// call to its messenger.
type Bound struct {
	Account  *ent.IntegrationAccount
	Provider providers.Provider
	Opened   providers.Account
}

// Bind finds a's provider and opens its credentials.
func (s *Service) Bind(a *ent.IntegrationAccount) (*Bound, error) {
	_, p, err := s.Spec(a)
	if err != nil {
		return nil, err
	}
	sec, err := s.Secrets(a)
	if err != nil {
		return nil, err
	}
	return &Bound{Account: a, Provider: p, Opened: providers.Account{ID: a.AccountID, Settings: a.Settings, Secrets: sec, WebhookURL: s.WebhookURL(a)}}, nil
}

// ErrNoProvider means no registered messenger takes an account's type and
// gateway (an account stored by a newer or older release).
var ErrNoProvider = errors.New("accounts: no provider for this account type")

// Spec returns the provider spec of an account.
func (s *Service) Spec(a *ent.IntegrationAccount) (providers.Spec, providers.Provider, error) {
	var gw string
	if a.Provider != nil {
		gw = a.Provider.String()
	}
	p, ok := s.reg.ByType(a.Type.String(), gw)
	if !ok {
		return providers.Spec{}, nil, fmt.Errorf("%w: %s %s", ErrNoProvider, a.Type, gw)
	}
	return p.Spec(), p, nil
}

// SecretHint is what the API shows of a secret.
type SecretHint struct {
	IsSet bool
	Last4 *string
}

// hintFor shows the last four characters only of secrets long enough that they
// reveal little.
func hintFor(v string) SecretHint {
	if v == "" {
		return SecretHint{}
	}
	h := SecretHint{IsSet: true}
	if r := []rune(v); len(r) >= 12 {
		l := string(r[len(r)-4:])
		h.Last4 = &l
	}
	return h
}

// View is an account's settings as the API shows them: public values in full,
// secrets as hints, internal fields not at all.
type View struct {
	Key     string
	Public  map[string]string
	Secrets map[string]SecretHint
}

// View returns what the API may show of an account's settings.
func (s *Service) View(a *ent.IntegrationAccount) (View, error) {
	spec, _, err := s.Spec(a)
	if err != nil {
		return View{}, err
	}
	sec, err := s.Secrets(a)
	if err != nil {
		return View{}, err
	}
	v := View{Key: spec.Key, Public: map[string]string{}, Secrets: map[string]SecretHint{}}
	for _, f := range spec.Fields {
		switch {
		case f.Internal:
		case f.Secret:
			v.Secrets[f.Name] = hintFor(sec[f.Name])
		default:
			v.Public[f.Name] = a.Settings[f.Name]
		}
	}
	return v, nil
}

func (s *Service) db(ctx context.Context) *ent.Client { return store.Client(ctx, s.client) }

// publish announces an account change once the surrounding transaction commits.
func (s *Service) publish(ctx context.Context, kind EventKind, id int, a *ent.IntegrationAccount) {
	v, _ := core.ViewerFrom(ctx)
	if a != nil && ent.TxFromContext(ctx) != nil {
		a = a.Unwrap()
	}
	ev := events.Event{TenantID: v.TenantID, Topic: Topic, Payload: Event{Kind: kind, ID: id, Account: a, At: s.now()}}
	if a != nil {
		ev.TenantID = a.TenantID
	}
	store.AfterCommit(ctx, func() {
		s.notifyChanged(id)
		s.bus.Publish(ev)
		s.changedMu.Lock()
		share := s.share
		s.changedMu.Unlock()
		if share != nil {
			share(Shared{Kind: kind, ID: id, TenantID: ev.TenantID, At: ev.Payload.(Event).At})
		}
	})
}

func validName(name string) error {
	n := strings.TrimSpace(name)
	switch {
	case n == "":
		return core.Invalid("name", "is required")
	case len([]rune(n)) > 200:
		return core.Invalid("name", "must be at most 200 characters")
	}
	return nil
}

// Create adds an account of the messenger named by key (a member of the GraphQL
// settings input) with the given settings.
func (s *Service) Create(ctx context.Context, name, key string, values map[string]*string) (*ent.IntegrationAccount, error) {
	p, ok := s.reg.ByKey(key)
	if !ok {
		return nil, core.Invalid("settings", "unknown messenger %q", key)
	}
	spec := p.Spec()
	settings, sec := map[string]string{}, map[string]string{}
	err := errors.Join(validName(name), s.applyValues(spec, values, settings, sec, true))
	if err != nil {
		return nil, mergeValidation(err)
	}
	accountID := newAccountID()
	sealed, err := s.seal(accountID, sec)
	if err != nil {
		return nil, err
	}
	c := s.db(ctx).IntegrationAccount.Create().
		SetAccountID(accountID).
		SetName(strings.TrimSpace(name)).
		SetType(integrationaccount.Type(spec.Type)).
		SetSettings(settings).
		SetSecrets(sealed)
	if spec.Provider != "" {
		c.SetProvider(integrationaccount.Provider(spec.Provider))
	}
	a, err := c.Save(ctx)
	if err != nil {
		return nil, store.Wrap(err, "accounts: create")
	}
	s.publish(ctx, EventCreated, a.ID, a)
	return a, nil
}

// mergeValidation folds several validation errors into one, so every wrong field
// is reported together.
func mergeValidation(err error) error {
	var all core.ValidationError
	var other error
	for _, e := range unjoin(err) {
		var v *core.ValidationError
		if errors.As(e, &v) {
			all.Fields = append(all.Fields, v.Fields...)
		} else if other == nil {
			other = e
		}
	}
	if other != nil {
		return other
	}
	return &all
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// Get returns an account of the viewer's tenant.
func (s *Service) Get(ctx context.Context, id int) (*ent.IntegrationAccount, error) {
	a, err := s.db(ctx).IntegrationAccount.Get(ctx, id)
	return a, store.Wrap(err, "accounts: get")
}

// Update changes the name and the given settings; secrets change only when a new
// value is given. key must name the account's own messenger.
func (s *Service) Update(ctx context.Context, id int, name *string, key string, values map[string]*string) (*ent.IntegrationAccount, error) {
	var out *ent.IntegrationAccount
	err := store.WithTx(ctx, s.client, func(ctx context.Context) error {
		a, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		up := s.db(ctx).IntegrationAccount.UpdateOne(a)
		var verr error
		if name != nil {
			verr = validName(*name)
			up.SetName(strings.TrimSpace(*name))
		}
		if key != "" {
			spec, _, err := s.Spec(a)
			if err != nil {
				return err
			}
			if key != spec.Key {
				return core.Invalid("settings."+key, "this account's settings are %s", spec.Key)
			}
			sec, err := s.Secrets(a)
			if err != nil {
				return err
			}
			oldSec := maps.Clone(sec)
			settings := maps.Clone(a.Settings)
			if settings == nil {
				settings = map[string]string{}
			}
			if verr = errors.Join(verr, s.applyValues(spec, values, settings, sec, false)); verr == nil {
				sealed, err := s.seal(a.AccountID, sec)
				if err != nil {
					return err
				}
				up.SetSettings(settings).SetSecrets(sealed)
				if !maps.Equal(settings, a.Settings) || !maps.Equal(sec, oldSec) {
					// The last check proved other settings: check again.
					clearCheck(up)
				}
			}
		}
		if verr != nil {
			return mergeValidation(verr)
		}
		if out, err = up.Save(ctx); err != nil {
			return store.Wrap(err, "accounts: update")
		}
		s.publish(ctx, EventUpdated, out.ID, out)
		return nil
	})
	return out, err
}

// Delete removes an account; its webhook URL then answers 404.
func (s *Service) Delete(ctx context.Context, id int) error {
	if err := s.db(ctx).IntegrationAccount.DeleteOneID(id).Exec(ctx); err != nil {
		return store.Wrap(err, "accounts: delete")
	}
	s.publish(ctx, EventDeleted, id, nil)
	return nil
}

// SetStatus connects (ACTIVE) or disconnects (DISCONNECTED) an account. For
// messengers that verify on connect (the custom messenger's handshake) the account
// is connected only if the other side proves it holds the shared secret.
func (s *Service) SetStatus(ctx context.Context, id int, status integrationaccount.Status) (*ent.IntegrationAccount, error) {
	if status == integrationaccount.StatusACTIVE {
		if err := s.verifyOnConnect(ctx, id); err != nil {
			return nil, err
		}
	}
	a, err := s.db(ctx).IntegrationAccount.UpdateOneID(id).SetStatus(status).Save(ctx)
	if err != nil {
		return nil, store.Wrap(err, "accounts: set status")
	}
	kind := EventConnected
	if status == integrationaccount.StatusDISCONNECTED {
		kind = EventDisconnected
	}
	s.publish(ctx, kind, a.ID, a)
	return a, nil
}

// verifyOnConnect runs the handshake of messengers that have one and records it
// as the account's connection check, passed or not.
func (s *Service) verifyOnConnect(ctx context.Context, id int) error {
	var verifier providers.ConnectVerifier
	a, res, err := s.providerCall(ctx, id, func(p providers.Provider, acct providers.Account) (providers.Result, bool, error) {
		v, ok := p.(providers.ConnectVerifier)
		if !ok {
			return providers.Result{OK: true}, true, nil
		}
		verifier = v
		r, err := v.Handshake(ctx, s.env(), acct)
		return r, true, err
	})
	if err != nil || verifier == nil {
		return err
	}
	if a, err = s.recordCheck(ctx, a, res); err != nil {
		return err
	}
	if !res.OK {
		s.publish(ctx, EventTested, a.ID, a)
		return &core.ProviderError{Provider: "messenger", Message: "handshake failed: " + res.Message}
	}
	return nil
}

// GenerateWebhookVerifyToken replaces the account's webhook verify token with a
// new random one, for the messengers that have one.
func (s *Service) GenerateWebhookVerifyToken(ctx context.Context, id int) (*ent.IntegrationAccount, error) {
	var out *ent.IntegrationAccount
	err := store.WithTx(ctx, s.client, func(ctx context.Context) error {
		a, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		spec, _, err := s.Spec(a)
		if err != nil {
			return err
		}
		if _, ok := spec.Field("webhookVerifyToken"); !ok {
			return core.Invalid("id", "%s accounts have no webhook verify token", spec.Key)
		}
		settings := maps.Clone(a.Settings)
		settings["webhookVerifyToken"] = randomToken(24)
		if out, err = s.db(ctx).IntegrationAccount.UpdateOne(a).SetSettings(settings).Save(ctx); err != nil {
			return store.Wrap(err, "accounts: verify token")
		}
		s.publish(ctx, EventUpdated, out.ID, out)
		return nil
	})
	return out, err
}

// Result is a provider call's outcome as stored and shown.
type Result struct {
	OK      bool
	Message string
	Details map[string]string
	At      time.Time

	// webhook is the webhook status the call read along, if any.
	webhook *providers.WebhookStatus
}

// LastTest returns the account's last connection check (Test Connection, or
// the handshake on connect) with its current settings, if any.
func LastTest(a *ent.IntegrationAccount) *Result {
	if a.LastTestAt == nil {
		return nil
	}
	return &Result{OK: a.LastTestOk, Message: a.LastTestMessage, Details: a.LastTestDetails, At: *a.LastTestAt}
}

// providerCall loads the account and runs call with its opened credentials. No
// transaction is open during the call: it may take seconds.
func (s *Service) providerCall(ctx context.Context, id int, call func(p providers.Provider, acct providers.Account) (providers.Result, bool, error)) (*ent.IntegrationAccount, Result, error) {
	a, err := s.Get(ctx, id)
	if err != nil {
		return nil, Result{}, err
	}
	b, err := s.Bind(a)
	if err != nil {
		return nil, Result{}, err
	}
	res, supported, err := call(b.Provider, b.Opened)
	out := Result{OK: res.OK, Message: res.Message, Details: res.Details, At: s.now(), webhook: res.Webhook}
	switch {
	case !supported:
		out = Result{Message: fmt.Sprintf("Not available yet for %s accounts.", a.Type), At: s.now()}
	case err != nil && safeurl.IsRequestError(err):
		// Say what failed in words: the error's own text may name internal
		// addresses (the resolver's, or what the tenant's host resolved to).
		s.log.WarnContext(ctx, "accounts: provider call failed", "account", a.ID, "type", a.Type, "err", err, "detail", safeurl.Detail(err))
		out = Result{Message: "Could not reach the messenger: " + safeurl.PublicError(err) + ".", At: s.now()}
	case err != nil:
		s.log.WarnContext(ctx, "accounts: provider answer not understood", "account", a.ID, "type", a.Type, "err", err)
		out = Result{Message: "The messenger answered in a way Switchboard does not understand.", At: s.now()}
	}
	if out.Details == nil {
		out.Details = map[string]string{}
	}
	if len(res.Settings) > 0 && err == nil {
		merged := maps.Clone(a.Settings)
		maps.Copy(merged, res.Settings)
		if a, err = s.db(ctx).IntegrationAccount.UpdateOne(a).SetSettings(merged).Save(ctx); err != nil {
			return nil, Result{}, store.Wrap(err, "accounts: store learned settings")
		}
	}
	return a, out, nil
}

func (s *Service) env() providers.Env { return providers.Env{HTTP: s.http, Now: s.now} }

// TestConnection makes a real authenticated call to the messenger and records the
// outcome on the account.
func (s *Service) TestConnection(ctx context.Context, id int) (Result, error) {
	a, res, err := s.providerCall(ctx, id, func(p providers.Provider, acct providers.Account) (providers.Result, bool, error) {
		t, ok := p.(providers.ConnectionTester)
		if !ok {
			return providers.Result{}, false, nil
		}
		r, err := t.TestConnection(ctx, s.env(), acct)
		return r, true, err
	})
	if err != nil {
		return Result{}, err
	}
	a = s.webhookAfterCall(ctx, a, res, true)
	if a, err = s.recordCheck(ctx, a, res); err != nil {
		return Result{}, err
	}
	s.publish(ctx, EventTested, a.ID, a)
	return res, nil
}

// recordCheck stores a connection check on the account it was made with: as its
// last test, and, when it passed, as the time its settings were verified. A check
// whose account changed settings meanwhile proved nothing about the new ones and
// is not recorded.
func (s *Service) recordCheck(ctx context.Context, checked *ent.IntegrationAccount, res Result) (*ent.IntegrationAccount, error) {
	var out *ent.IntegrationAccount
	err := store.WithTx(ctx, s.client, func(ctx context.Context) error {
		a, err := s.Get(ctx, checked.ID)
		if err != nil {
			return err
		}
		if !maps.Equal(a.Settings, checked.Settings) || !bytes.Equal(a.Secrets, checked.Secrets) {
			out = a
			return nil
		}
		up := s.db(ctx).IntegrationAccount.UpdateOne(a).
			SetLastTestAt(res.At).SetLastTestOk(res.OK).SetLastTestMessage(res.Message).SetLastTestDetails(res.Details)
		if res.OK {
			up.SetVerifiedAt(res.At)
		}
		out, err = up.Save(ctx)
		return store.Wrap(err, "accounts: record check")
	})
	return out, err
}

// clearCheck forgets an account's connection check and verification.
func clearCheck(up *ent.IntegrationAccountUpdateOne) {
	up.ClearVerifiedAt().ClearLastTestAt().ClearLastTestOk().ClearLastTestMessage().ClearLastTestDetails()
}

// SetWebhook registers the account's webhook URL with the messenger.
func (s *Service) SetWebhook(ctx context.Context, id int) (Result, error) {
	a, res, err := s.providerCall(ctx, id, func(p providers.Provider, acct providers.Account) (providers.Result, bool, error) {
		w, ok := p.(providers.WebhookSetter)
		if !ok {
			return providers.Result{}, false, nil
		}
		r, err := w.SetWebhook(ctx, s.env(), acct)
		return r, true, err
	})
	if err != nil {
		return Result{}, err
	}
	a = s.webhookAfterCall(ctx, a, res, false)
	if res.OK {
		s.publish(ctx, EventWebhookSet, a.ID, a)
	}
	return res, nil
}

// Subscribe streams the account events of the viewer's tenant.
func (s *Service) Subscribe(ctx context.Context) (*events.Subscription, error) {
	v, ok := core.ViewerFrom(ctx)
	if !ok {
		return nil, core.ErrUnauthenticated
	}
	return s.bus.Subscribe(ctx, v.TenantID, Topic, 64), nil
}

// Reseal re-encrypts every account's secrets that are not sealed under the
// keyring's current key, in one transaction, and reports how many it changed.
// Key rotation runs it with a keyring of the new key followed by the old ones.
func (s *Service) Reseal(ctx context.Context) (int, error) {
	n := 0
	err := store.WithTx(core.SystemContext(ctx), s.client, func(ctx context.Context) error {
		all, err := s.db(ctx).IntegrationAccount.Query().All(ctx)
		if err != nil {
			return fmt.Errorf("accounts: reseal: %w", err)
		}
		for _, a := range all {
			if len(a.Secrets) == 0 || s.keys.IsCurrent(a.Secrets) {
				continue
			}
			sec, err := s.Secrets(a)
			if err != nil {
				return err
			}
			sealed, err := s.seal(a.AccountID, sec)
			if err != nil {
				return err
			}
			if err := s.db(ctx).IntegrationAccount.UpdateOne(a).SetSecrets(sealed).Exec(ctx); err != nil {
				return fmt.Errorf("accounts: reseal account %d: %w", a.ID, err)
			}
			n++
		}
		return nil
	})
	return n, err
}

// Failing reports whether an account's replies are not getting through: the
// messenger refused the account's credentials (a revoked token, a wrong
// secret) on a reply, with no reply accepted since. A refusal about one
// customer (a bot they blocked, a closed reply window) is the message's, not
// the account's, and is not recorded here.
func Failing(a *ent.IntegrationAccount) bool {
	return a.LastSendErrorAt != nil && (a.LastSentAt == nil || a.LastSentAt.Before(*a.LastSendErrorAt))
}
