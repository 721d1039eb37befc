package sysmsg

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/accountsystemmessage"
	"github.com/switchboard/switchboard/ent/integrationaccount"
	"github.com/switchboard/switchboard/ent/tenantsystemmessage"
)

// ErrUnknownEvent means a caller asked for an event this package does not know:
// a programming error, not a customer's or an admin's.
var ErrUnknownEvent = errors.New("sysmsg: unknown event")

// errNoViewer mirrors the data layer's rule for cached answers: every call says
// who acts (a user's viewer, or the system's for background work).
var errNoViewer = errors.New("sysmsg: no viewer in context")

// Service reads and changes system-message settings and picks the text of an
// event for an account. It is safe for concurrent use.
type Service struct {
	client *ent.Client
	cache  cache
	// broadcast tells a cluster's other instances of changes made here.
	broadcast func(what string, id int)
}

// New returns the service over client.
func New(client *ent.Client) *Service {
	return &Service{client: client}
}

// Setting is how an account treats one event, as the API shows it.
type Setting struct {
	Event Event
	Mode  Mode
	// Text is the account's own text; empty when it never had one. It is kept
	// while the mode is DEFAULT or DISABLED.
	Text string
	// Effective is the text the account sends (variables not yet filled in):
	// its own for CUSTOM, the tenant's for DEFAULT, empty for DISABLED.
	Effective string
}

// Default is a tenant's default text for one event.
type Default struct {
	Event Event
	Text  string
	// BuiltIn tells that the tenant never changed it: Text is Event.BuiltIn().
	BuiltIn bool
}

// SettingInput changes how an account treats one event. Text is required for
// ModeCustom; with another mode a given text is checked and kept for later,
// and a nil one leaves the stored text alone.
type SettingInput struct {
	Event Event
	Mode  Mode
	Text  *string
}

// DefaultInput changes a tenant's default text of one event; a nil Text
// restores the built-in one.
type DefaultInput struct {
	Event Event
	Text  *string
}

// Text is what account accountID tells a customer on event e, with vars filled
// in, and whether to send it at all: send is false when the account DISABLED e,
// or when nothing is left of the text once unknown values are left out. The
// answer is cached per account and per tenant; every change through this
// service takes effect for the next call.
//
// ctx must carry a viewer: the system's (core.SystemContext) for background
// work, or a user's, which finds only its own tenant's accounts. An account
// that does not exist, or is another tenant's, is core.ErrNotFound.
func (s *Service) Text(ctx context.Context, accountID int, e Event, vars Vars) (text string, send bool, err error) {
	if !e.Valid() {
		return "", false, fmt.Errorf("%w %q", ErrUnknownEvent, e)
	}
	acc, err := s.account(ctx, accountID)
	if err != nil {
		return "", false, err
	}
	raw, send, err := s.effective(ctx, acc, e)
	if err != nil || !send {
		return "", false, err
	}
	text = Render(raw, vars)
	return text, text != "", nil
}

// effective is the unrendered text acc sends on e, and false when it sends none.
func (s *Service) effective(ctx context.Context, acc *accountEntry, e Event) (string, bool, error) {
	own, ok := acc.own[e]
	switch {
	case ok && own.mode == ModeDisabled:
		return "", false, nil
	case ok && own.mode == ModeCustom && own.text != "":
		return own.text, true, nil
	}
	defaults, err := s.tenantTexts(ctx, acc.tenantID)
	if err != nil {
		return "", false, err
	}
	return defaultText(defaults, e), true, nil
}

func defaultText(defaults map[Event]string, e Event) string {
	if t, ok := defaults[e]; ok {
		return t
	}
	return e.BuiltIn()
}

// Settings lists how account accountID treats every event, in API order.
func (s *Service) Settings(ctx context.Context, accountID int) ([]Setting, error) {
	acc, err := s.account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	defaults, err := s.tenantTexts(ctx, acc.tenantID)
	if err != nil {
		return nil, err
	}
	return settings(acc, defaults), nil
}

func settings(acc *accountEntry, defaults map[Event]string) []Setting {
	out := make([]Setting, 0, len(events))
	for _, e := range Events() {
		st := Setting{Event: e, Mode: ModeDefault, Effective: defaultText(defaults, e)}
		if own, ok := acc.own[e]; ok {
			st.Mode, st.Text = own.mode, own.text
			switch own.mode {
			case ModeCustom:
				st.Effective = own.text
			case ModeDisabled:
				st.Effective = ""
			}
		}
		out = append(out, st)
	}
	return out
}

// Defaults lists the viewer's tenant's default text of every event, in API order.
func (s *Service) Defaults(ctx context.Context) ([]Default, error) {
	tenantID, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	texts, err := s.tenantTexts(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return defaults(texts), nil
}

func defaults(texts map[Event]string) []Default {
	out := make([]Default, 0, len(events))
	for _, e := range Events() {
		t, ok := texts[e]
		if !ok {
			t = e.BuiltIn()
		}
		out = append(out, Default{Event: e, Text: t, BuiltIn: !ok})
	}
	return out
}

// tenantOf is the viewer's tenant, for calls about "my tenant".
func tenantOf(ctx context.Context) (int, error) {
	v, ok := core.ViewerFrom(ctx)
	switch {
	case !ok:
		return 0, errNoViewer
	case v.IsSystem():
		return 0, errors.New("sysmsg: a tenant's defaults need a tenant's viewer, not the system's")
	}
	return v.TenantID, nil
}

// UpdateSettings changes how account accountID treats the given events, all
// or none: every invalid input is reported at once, as a core.ValidationError
// whose fields are named input[i].event, input[i].mode and input[i].text.
// It returns every event's setting after the change.
func (s *Service) UpdateSettings(ctx context.Context, accountID int, in []SettingInput) ([]Setting, error) {
	var verr core.ValidationError
	texts := make([]*string, len(in))
	seen := map[Event]int{}
	for i, x := range in {
		if checkEvent(&verr, i, x.Event, seen) {
			texts[i] = checkOptionalText(&verr, i, x.Event, x.Text, x.Mode == ModeCustom)
		}
		if !x.Mode.Valid() {
			verr.Add(field(i, "mode"), "unknown mode %q", x.Mode)
		}
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	var out []Setting
	err := store.WithTx(ctx, s.client, func(ctx context.Context) error {
		db := store.Client(ctx, s.client)
		acc, err := loadAccount(ctx, db, accountID)
		if err != nil {
			return err
		}
		for i, x := range in {
			c := db.AccountSystemMessage.Create().
				SetTenantID(acc.tenantID). // the hook sets it too, except for the system viewer
				SetIntegrationAccountID(accountID).
				SetEvent(string(x.Event)).
				SetMode(accountsystemmessage.Mode(x.Mode))
			if texts[i] != nil {
				c.SetText(*texts[i])
			}
			err := c.OnConflictColumns(accountsystemmessage.FieldIntegrationAccountID, accountsystemmessage.FieldEvent).
				Update(func(u *ent.AccountSystemMessageUpsert) {
					u.UpdateMode()
					u.UpdateUpdatedAt()
					if texts[i] != nil {
						u.UpdateText()
					}
				}).Exec(ctx)
			if err != nil {
				return store.Wrap(err, "sysmsg: save setting")
			}
		}
		if acc, err = loadAccount(ctx, db, accountID); err != nil {
			return err
		}
		defaults, err := loadTenant(ctx, db, acc.tenantID)
		if err != nil {
			return err
		}
		out = settings(acc, defaults)
		store.AfterCommit(ctx, func() {
			s.cache.forgetAccount(accountID)
			s.tellCluster(StaleAccount, accountID)
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateDefaults changes the viewer's tenant's default texts of the given
// events, all or none, with errors reported as UpdateSettings does. It returns
// every event's default after the change; accounts on DEFAULT send the new
// texts from the next message on.
func (s *Service) UpdateDefaults(ctx context.Context, in []DefaultInput) ([]Default, error) {
	tenantID, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	var verr core.ValidationError
	texts := make([]*string, len(in))
	seen := map[Event]int{}
	for i, x := range in {
		if checkEvent(&verr, i, x.Event, seen) {
			texts[i] = checkOptionalText(&verr, i, x.Event, x.Text, false)
		}
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	var out []Default
	err = store.WithTx(ctx, s.client, func(ctx context.Context) error {
		db := store.Client(ctx, s.client)
		for i, x := range in {
			var err error
			if texts[i] == nil {
				_, err = db.TenantSystemMessage.Delete().
					Where(tenantsystemmessage.TenantID(tenantID), tenantsystemmessage.Event(string(x.Event))).
					Exec(ctx)
			} else {
				err = db.TenantSystemMessage.Create().
					SetEvent(string(x.Event)).
					SetText(*texts[i]).
					OnConflictColumns(tenantsystemmessage.FieldTenantID, tenantsystemmessage.FieldEvent).
					Update(func(u *ent.TenantSystemMessageUpsert) {
						u.UpdateText()
						u.UpdateUpdatedAt()
					}).Exec(ctx)
			}
			if err != nil {
				return store.Wrap(err, "sysmsg: save default")
			}
		}
		texts, err := loadTenant(ctx, db, tenantID)
		if err != nil {
			return err
		}
		out = defaults(texts)
		store.AfterCommit(ctx, func() {
			s.cache.forgetTenant(tenantID)
			s.tellCluster(StaleTenant, tenantID)
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func field(i int, name string) string { return fmt.Sprintf("input[%d].%s", i, name) }

// checkEvent records an unknown or repeated event and reports whether the
// event is fine to check the text against.
func checkEvent(verr *core.ValidationError, i int, e Event, seen map[Event]int) bool {
	if !e.Valid() {
		verr.Add(field(i, "event"), "unknown event %q", e)
		return false
	}
	if j, dup := seen[e]; dup {
		verr.Add(field(i, "event"), "%s is also input[%d]; give each event once", e, j)
		return false
	}
	seen[e] = i
	return true
}

// checkOptionalText checks a given text and returns it trimmed; nil when none
// was given, which is an error only when required.
func checkOptionalText(verr *core.ValidationError, i int, e Event, text *string, required bool) *string {
	if text == nil {
		if required {
			verr.Add(field(i, "text"), "is required for CUSTOM")
		}
		return nil
	}
	t, err := CheckText(e, *text)
	if err != nil {
		verr.Add(field(i, "text"), "%s", err.Error())
		return nil
	}
	return &t
}

// ForgetAccount drops what the cache holds of an account. The service forgets
// on its own changes; the accounts service calls this on its (a deletion).
func (s *Service) ForgetAccount(accountID int) { s.cache.forgetAccount(accountID) }

// ForgetTenant drops a tenant's cached default texts (changed elsewhere).
func (s *Service) ForgetTenant(tenantID int) { s.cache.forgetTenant(tenantID) }

// What a broadcast change is about: an account's settings, or a tenant's
// default texts.
const (
	StaleAccount = "account"
	StaleTenant  = "tenant"
)

// BroadcastChanges registers fn to tell the other instances of a cluster of
// each committed change of an account's settings or a tenant's texts, so
// their caches forget them too. Register before serving.
func (s *Service) BroadcastChanges(fn func(what string, id int)) { s.broadcast = fn }

func (s *Service) tellCluster(what string, id int) {
	if s.broadcast != nil {
		s.broadcast(what, id)
	}
}

// account returns an account's settings from the cache or the database, after
// checking the viewer may see it. Reads use the root client: they see committed
// data only, which is all the cache may hold.
func (s *Service) account(ctx context.Context, id int) (*accountEntry, error) {
	v, ok := core.ViewerFrom(ctx)
	if !ok {
		return nil, errNoViewer
	}
	acc, gen := s.cache.account(id)
	if acc == nil {
		var err error
		if acc, err = loadAccount(ctx, s.client, id); err != nil {
			return nil, err
		}
		s.cache.putAccount(gen, id, acc)
	}
	if !v.IsSystem() && v.TenantID != acc.tenantID {
		// Cached for the system or another tenant's user: the data layer
		// would not have found it for this viewer.
		return nil, fmt.Errorf("sysmsg: account %d: %w", id, core.ErrNotFound)
	}
	return acc, nil
}

// tenantTexts returns a tenant's own default texts from the cache or the database.
func (s *Service) tenantTexts(ctx context.Context, tenantID int) (map[Event]string, error) {
	texts, gen := s.cache.tenant(tenantID)
	if texts != nil {
		return texts, nil
	}
	texts, err := loadTenant(ctx, s.client, tenantID)
	if err != nil {
		return nil, err
	}
	s.cache.putTenant(gen, tenantID, texts)
	return texts, nil
}

func loadAccount(ctx context.Context, db *ent.Client, id int) (*accountEntry, error) {
	a, err := db.IntegrationAccount.Query().
		Where(integrationaccount.ID(id)).
		Select(integrationaccount.FieldTenantID).
		Only(ctx)
	if err != nil {
		return nil, store.Wrap(err, fmt.Sprintf("sysmsg: account %d", id))
	}
	rows, err := db.AccountSystemMessage.Query().
		Where(accountsystemmessage.IntegrationAccountID(id)).
		All(ctx)
	if err != nil {
		return nil, store.Wrap(err, "sysmsg: load settings")
	}
	acc := &accountEntry{tenantID: a.TenantID, own: make(map[Event]ownSetting, len(rows))}
	for _, r := range rows {
		if e := Event(r.Event); e.Valid() {
			acc.own[e] = ownSetting{mode: Mode(r.Mode), text: r.Text}
		}
	}
	return acc, nil
}

func loadTenant(ctx context.Context, db *ent.Client, tenantID int) (map[Event]string, error) {
	rows, err := db.TenantSystemMessage.Query().
		Where(tenantsystemmessage.TenantID(tenantID)).
		All(ctx)
	if err != nil {
		return nil, store.Wrap(err, "sysmsg: load defaults")
	}
	texts := make(map[Event]string, len(rows))
	for _, r := range rows {
		if e := Event(r.Event); e.Valid() {
			texts[e] = r.Text
		}
	}
	return texts, nil
}
