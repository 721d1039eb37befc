package sysmsg_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/core/sysmsg"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/accountsystemmessage"
)

// fixture is a fresh database with two tenants, an admin viewer of each and
// an account of each.
type fixture struct {
	client       *ent.Client
	svc          *sysmsg.Service
	admin, other context.Context // viewers of tenant A and tenant B
	sys          context.Context
	account      int // tenant A's
	otherAccount int // tenant B's
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	client, _, err := store.Open(ctx, store.Options{DataDir: t.TempDir(), DatabaseURL: storetest.DatabaseURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	sys := core.SystemContext(ctx)
	f := &fixture{client: client, svc: sysmsg.New(client), sys: sys}
	for i, name := range []string{"a", "b"} {
		tn, err := client.Tenant.Create().SetName(name).Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		acc, err := client.IntegrationAccount.Create().SetTenantID(tn.ID).SetAccountID("acc-" + name).
			SetName("bot").SetType("TELEGRAM").SetSettings(map[string]string{}).Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		v := core.WithViewer(ctx, core.Viewer{TenantID: tn.ID, UserID: 1, Role: core.RoleAdmin})
		if i == 0 {
			f.admin, f.account = v, acc.ID
		} else {
			f.other, f.otherAccount = v, acc.ID
		}
	}
	return f
}

// text asks for e's message with fixed variables and fails the test on error.
func (f *fixture) text(t *testing.T, ctx context.Context, account int, e sysmsg.Event) (string, bool) {
	t.Helper()
	s, send, err := f.svc.Text(ctx, account, e, sysmsg.Vars{CustomerName: "Ana", AgentName: "Bob", Position: 2, Wait: 3 * time.Minute})
	if err != nil {
		t.Fatalf("Text(%s): %v", e, err)
	}
	return s, send
}

func (f *fixture) update(t *testing.T, in ...sysmsg.SettingInput) []sysmsg.Setting {
	t.Helper()
	out, err := f.svc.UpdateSettings(f.admin, f.account, in)
	if err != nil {
		t.Fatalf("UpdateSettings: %v", err)
	}
	return out
}

func wantText(t *testing.T, got string, send bool, want string) {
	t.Helper()
	if !send || got != want {
		t.Fatalf("Text = %q (send %v), want %q", got, send, want)
	}
}

func setting(t *testing.T, list []sysmsg.Setting, e sysmsg.Event) sysmsg.Setting {
	t.Helper()
	if len(list) != len(sysmsg.Events()) {
		t.Fatalf("%d settings, want one per event", len(list))
	}
	for _, s := range list {
		if s.Event == e {
			return s
		}
	}
	t.Fatalf("no setting for %s", e)
	return sysmsg.Setting{}
}

func TestTextBuiltInUntilChanged(t *testing.T) {
	f := newFixture(t)
	got, send := f.text(t, f.sys, f.account, sysmsg.Queued)
	wantText(t, got, send, "Thanks for your message, Ana. You are number 2 in the queue.")
	got, send = f.text(t, f.admin, f.account, sysmsg.EstimatedWait)
	wantText(t, got, send, "The estimated wait is about 3 minutes. Thank you for your patience.")
	list, err := f.svc.Settings(f.admin, f.account)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range list {
		if s.Event != sysmsg.Events()[i] || s.Mode != sysmsg.ModeDefault || s.Text != "" || s.Effective != s.Event.BuiltIn() {
			t.Fatalf("setting %d = %+v, want DEFAULT with the built-in text", i, s)
		}
	}
	defs, err := f.svc.Defaults(f.admin)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range defs {
		if d.Event != sysmsg.Events()[i] || !d.BuiltIn || d.Text != d.Event.BuiltIn() {
			t.Fatalf("default %d = %+v, want the built-in", i, d)
		}
	}
}

func TestModes(t *testing.T) {
	f := newFixture(t)
	custom := "Hang on {customerName}, you are #{position}."
	list := f.update(t,
		sysmsg.SettingInput{Event: sysmsg.Queued, Mode: sysmsg.ModeCustom, Text: &custom},
		sysmsg.SettingInput{Event: sysmsg.AgentLeft, Mode: sysmsg.ModeDisabled},
	)
	if s := setting(t, list, sysmsg.Queued); s.Mode != sysmsg.ModeCustom || s.Text != custom || s.Effective != custom {
		t.Fatalf("QUEUED = %+v", s)
	}
	if s := setting(t, list, sysmsg.AgentLeft); s.Mode != sysmsg.ModeDisabled || s.Effective != "" {
		t.Fatalf("AGENT_LEFT = %+v", s)
	}
	got, send := f.text(t, f.sys, f.account, sysmsg.Queued)
	wantText(t, got, send, "Hang on Ana, you are #2.")
	if got, send := f.text(t, f.sys, f.account, sysmsg.AgentLeft); send || got != "" {
		t.Fatalf("DISABLED sent %q", got)
	}

	// DEFAULT keeps the own text for later; CUSTOM without a new text is refused.
	list = f.update(t, sysmsg.SettingInput{Event: sysmsg.Queued, Mode: sysmsg.ModeDefault})
	if s := setting(t, list, sysmsg.Queued); s.Mode != sysmsg.ModeDefault || s.Text != custom || s.Effective != sysmsg.Queued.BuiltIn() {
		t.Fatalf("QUEUED after DEFAULT = %+v", s)
	}
	got, send = f.text(t, f.sys, f.account, sysmsg.Queued)
	wantText(t, got, send, "Thanks for your message, Ana. You are number 2 in the queue.")

	// Another tenant's account is untouched.
	got, send = f.text(t, f.sys, f.otherAccount, sysmsg.AgentLeft)
	wantText(t, got, send, "Your agent Bob has left the chat.")
}

func TestDefaultsApplyToDefaultAccounts(t *testing.T) {
	f := newFixture(t)
	custom := "Custom joined: {agentName}"
	f.update(t, sysmsg.SettingInput{Event: sysmsg.AgentJoined, Mode: sysmsg.ModeCustom, Text: &custom})
	f.text(t, f.sys, f.account, sysmsg.Queued) // cached now

	queued, joined := "You're #{position}, {customerName}.", "Default joined: {agentName}"
	defs, err := f.svc.UpdateDefaults(f.admin, []sysmsg.DefaultInput{
		{Event: sysmsg.Queued, Text: &queued}, {Event: sysmsg.AgentJoined, Text: &joined},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := defs[1]; d.Event != sysmsg.Queued || d.Text != queued || d.BuiltIn {
		t.Fatalf("QUEUED default = %+v", d)
	}
	got, send := f.text(t, f.sys, f.account, sysmsg.Queued)
	wantText(t, got, send, "You're #2, Ana.")
	got, send = f.text(t, f.sys, f.account, sysmsg.AgentJoined)
	wantText(t, got, send, "Custom joined: Bob")
	// The other tenant still has the built-in text.
	got, send = f.text(t, f.other, f.otherAccount, sysmsg.Queued)
	wantText(t, got, send, "Thanks for your message, Ana. You are number 2 in the queue.")
	if s, _ := f.svc.Settings(f.admin, f.account); setting(t, s, sysmsg.Queued).Effective != queued {
		t.Fatalf("effective text = %q, want the new default", setting(t, s, sysmsg.Queued).Effective)
	}

	// No text restores the built-in one.
	defs, err = f.svc.UpdateDefaults(f.admin, []sysmsg.DefaultInput{{Event: sysmsg.Queued}})
	if err != nil {
		t.Fatal(err)
	}
	if d := defs[1]; !d.BuiltIn || d.Text != sysmsg.Queued.BuiltIn() {
		t.Fatalf("QUEUED default after reset = %+v", d)
	}
	got, send = f.text(t, f.sys, f.account, sysmsg.Queued)
	wantText(t, got, send, "Thanks for your message, Ana. You are number 2 in the queue.")
}

func TestValidationSavesNothing(t *testing.T) {
	f := newFixture(t)
	good, bad, empty := "Fine {position}", "Hi {name} {agentName}", ""
	_, err := f.svc.UpdateSettings(f.admin, f.account, []sysmsg.SettingInput{
		{Event: sysmsg.Queued, Mode: sysmsg.ModeCustom, Text: &good},
		{Event: sysmsg.Queued, Mode: sysmsg.ModeDisabled},
		{Event: sysmsg.PositionChanged, Mode: sysmsg.ModeCustom, Text: &bad},
		{Event: sysmsg.AgentJoined, Mode: sysmsg.ModeCustom},
		{Event: sysmsg.AgentLeft, Mode: "LOUD"},
		{Event: "BIRTHDAY", Mode: sysmsg.ModeDefault},
		{Event: sysmsg.OutsideHours, Mode: sysmsg.ModeDisabled, Text: &empty},
	})
	var verr *core.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error = %v, want a validation error", err)
	}
	want := []core.FieldError{
		{Field: "input[1].event", Message: "QUEUED is also input[0]; give each event once"},
		{Field: "input[2].text", Message: "unknown variable {name}; {agentName} not known when POSITION_CHANGED is sent; POSITION_CHANGED texts may use {customerName}, {position}, {wait}"},
		{Field: "input[3].text", Message: "is required for CUSTOM"},
		{Field: "input[4].mode", Message: `unknown mode "LOUD"`},
		{Field: "input[5].event", Message: `unknown event "BIRTHDAY"`},
		{Field: "input[6].text", Message: "must not be empty"},
	}
	if fmt.Sprint(verr.Fields) != fmt.Sprint(want) {
		t.Fatalf("fields =\n%v\nwant\n%v", verr.Fields, want)
	}
	if n := f.client.AccountSystemMessage.Query().CountX(f.sys); n != 0 {
		t.Fatalf("%d settings saved, want none", n)
	}
	_, err = f.svc.UpdateDefaults(f.admin, []sysmsg.DefaultInput{{Event: sysmsg.Queued, Text: &good}, {Event: sysmsg.AgentLeft, Text: &bad}})
	if !errors.As(err, &verr) || len(verr.Fields) != 1 || verr.Fields[0].Field != "input[1].text" {
		t.Fatalf("UpdateDefaults error = %v", err)
	}
	if n := f.client.TenantSystemMessage.Query().CountX(f.sys); n != 0 {
		t.Fatalf("%d defaults saved, want none", n)
	}
}

func TestTenantIsolation(t *testing.T) {
	f := newFixture(t)
	f.text(t, f.sys, f.account, sysmsg.Queued) // cached for the system viewer
	if _, _, err := f.svc.Text(f.other, f.account, sysmsg.Queued, sysmsg.Vars{}); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Text of another tenant's account: %v, want ErrNotFound", err)
	}
	if _, err := f.svc.Settings(f.other, f.account); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Settings of another tenant's account: %v, want ErrNotFound", err)
	}
	txt := "x"
	_, err := f.svc.UpdateSettings(f.other, f.account, []sysmsg.SettingInput{{Event: sysmsg.Queued, Mode: sysmsg.ModeCustom, Text: &txt}})
	if !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("UpdateSettings of another tenant's account: %v, want ErrNotFound", err)
	}
	if _, _, err := f.svc.Text(f.sys, 1<<40, sysmsg.Queued, sysmsg.Vars{}); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Text of a missing account: %v, want ErrNotFound", err)
	}
	if _, _, err := f.svc.Text(context.Background(), f.account, sysmsg.Queued, sysmsg.Vars{}); err == nil {
		t.Fatal("Text without a viewer answered")
	}
	if _, _, err := f.svc.Text(f.sys, f.account, "BIRTHDAY", sysmsg.Vars{}); !errors.Is(err, sysmsg.ErrUnknownEvent) {
		t.Fatalf("Text of an unknown event: %v, want ErrUnknownEvent", err)
	}
}

func TestCacheForgetsOnEveryChange(t *testing.T) {
	f := newFixture(t)
	f.text(t, f.sys, f.account, sysmsg.Queued)
	// A write behind the service's back is not seen: the answer is cached...
	f.client.AccountSystemMessage.Create().SetTenantID(tenantOf(t, f)).SetIntegrationAccountID(f.account).
		SetEvent(string(sysmsg.Queued)).SetMode(accountsystemmessage.ModeDISABLED).ExecX(f.sys)
	if _, send := f.text(t, f.sys, f.account, sysmsg.Queued); !send {
		t.Fatal("the cache was not used")
	}
	// ...until the account is forgotten (as the accounts service does on a change).
	f.svc.ForgetAccount(f.account)
	if _, send := f.text(t, f.sys, f.account, sysmsg.Queued); send {
		t.Fatal("a forgotten account answered from the cache")
	}

	// A deleted account is gone once forgotten (its settings go with it).
	f.client.IntegrationAccount.DeleteOneID(f.account).ExecX(f.sys)
	f.svc.ForgetAccount(f.account)
	if _, _, err := f.svc.Text(f.sys, f.account, sysmsg.Queued, sysmsg.Vars{}); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Text of a deleted account: %v, want ErrNotFound", err)
	}
	if n := f.client.AccountSystemMessage.Query().CountX(f.sys); n != 0 {
		t.Fatalf("%d settings outlived their account", n)
	}
}

func TestRolledBackChangeLeavesCache(t *testing.T) {
	f := newFixture(t)
	txt := "Rolled back"
	errRollback := errors.New("roll back")
	err := store.WithTx(f.admin, f.client, func(ctx context.Context) error {
		if _, err := f.svc.UpdateSettings(ctx, f.account, []sysmsg.SettingInput{{Event: sysmsg.Queued, Mode: sysmsg.ModeCustom, Text: &txt}}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("WithTx: %v", err)
	}
	got, send := f.text(t, f.sys, f.account, sysmsg.Queued)
	wantText(t, got, send, "Thanks for your message, Ana. You are number 2 in the queue.")
}

// TestConcurrentReadsSeeTheLastChange runs readers against writers (with -race)
// and checks the text after the last write is the last write's.
func TestConcurrentReadsSeeTheLastChange(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := f.svc.Text(f.sys, f.account, sysmsg.Queued, sysmsg.Vars{Position: 1}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 20 {
		txt := fmt.Sprintf("Text %d: {position}", i)
		f.update(t, sysmsg.SettingInput{Event: sysmsg.Queued, Mode: sysmsg.ModeCustom, Text: &txt})
		got, send := f.text(t, f.sys, f.account, sysmsg.Queued)
		wantText(t, got, send, fmt.Sprintf("Text %d: 2", i))
	}
	close(stop)
	wg.Wait()
}

func tenantOf(t *testing.T, f *fixture) int {
	t.Helper()
	v, _ := core.ViewerFrom(f.admin)
	return v.TenantID
}

func TestUpdateSettingsAsSystem(t *testing.T) {
	f := newFixture(t)
	txt := "System-set {position}"
	if _, err := f.svc.UpdateSettings(f.sys, f.otherAccount, []sysmsg.SettingInput{{Event: sysmsg.Queued, Mode: sysmsg.ModeCustom, Text: &txt}}); err != nil {
		t.Fatal(err)
	}
	got, send := f.text(t, f.other, f.otherAccount, sysmsg.Queued)
	wantText(t, got, send, "System-set 2")
}
