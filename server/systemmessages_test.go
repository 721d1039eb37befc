package server_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/sysmsg"
)

// newBot creates a Telegram account through c and returns its ID.
func newBot(t *testing.T, c *client.Client, name string) string {
	t.Helper()
	a, err := client.CreateIntegrationAccount(context.Background(), c, client.CreateIntegrationAccountInput{
		Name: name, Settings: client.IntegrationSettingsInput{Telegram: &client.TelegramSettingsInput{BotUsername: ptr("bot"), BotToken: ptr("1:abc")}},
	})
	if err != nil {
		t.Fatalf("CreateIntegrationAccount: %v", err)
	}
	return a.CreateIntegrationAccount.Id
}

// accountMessages reads an account's systemMessages by event; nil when the
// account is not found.
func accountMessages(t *testing.T, c *client.Client, id string) map[client.SystemMessageEvent]client.SystemMessageSettingFields {
	t.Helper()
	resp, err := client.AccountSystemMessages(context.Background(), c, id)
	if err != nil {
		t.Fatalf("AccountSystemMessages: %v", err)
	}
	if resp.Node == nil || *resp.Node == nil {
		return nil
	}
	a, ok := (*resp.Node).(*client.AccountSystemMessagesNodeIntegrationAccount)
	if !ok {
		t.Fatalf("node is %T", *resp.Node)
	}
	list := make([]client.SystemMessageSettingFields, len(a.SystemMessages))
	for i, s := range a.SystemMessages {
		list[i] = s.SystemMessageSettingFields
	}
	return byEvent(t, list)
}

// byEvent indexes settings by event, checking there is one per event in enum order.
func byEvent(t *testing.T, list []client.SystemMessageSettingFields) map[client.SystemMessageEvent]client.SystemMessageSettingFields {
	t.Helper()
	if len(list) != len(client.AllSystemMessageEvent) {
		t.Fatalf("%d settings, want one per event (%d)", len(list), len(client.AllSystemMessageEvent))
	}
	out := map[client.SystemMessageEvent]client.SystemMessageSettingFields{}
	for i, s := range list {
		if s.Event != client.AllSystemMessageEvent[i] {
			t.Fatalf("setting %d is %s, want %s (enum order)", i, s.Event, client.AllSystemMessageEvent[i])
		}
		out[s.Event] = s
	}
	return out
}

// updated is the settings an UpdateSystemMessages answer holds.
func updated(r *client.UpdateSystemMessagesResponse) []client.SystemMessageSettingFields {
	out := make([]client.SystemMessageSettingFields, len(r.UpdateSystemMessages))
	for i, s := range r.UpdateSystemMessages {
		out[i] = s.SystemMessageSettingFields
	}
	return out
}

// defaultTexts reads the tenant's defaults by event.
func defaultTexts(t *testing.T, c *client.Client) map[client.SystemMessageEvent]client.DefaultSystemMessageFields {
	t.Helper()
	resp, err := client.DefaultSystemMessages(context.Background(), c)
	if err != nil {
		t.Fatalf("DefaultSystemMessages: %v", err)
	}
	out := map[client.SystemMessageEvent]client.DefaultSystemMessageFields{}
	for i, d := range resp.DefaultSystemMessages {
		if d.Event != client.AllSystemMessageEvent[i] {
			t.Fatalf("default %d is %s, want enum order", i, d.Event)
		}
		out[d.Event] = d.DefaultSystemMessageFields
	}
	return out
}

// sent is what the routing code would send for event on account id.
func sent(t *testing.T, ts *testServer, id string, e sysmsg.Event) (string, bool) {
	t.Helper()
	n, err := strconv.Atoi(id)
	if err != nil {
		t.Fatal(err)
	}
	text, send, err := ts.srv.SysMsg.Text(core.SystemContext(context.Background()), n, e,
		sysmsg.Vars{CustomerName: "Ana", AgentName: "Bob", Position: 3, Wait: 200 * time.Second})
	if err != nil {
		t.Fatalf("Text(%s): %v", e, err)
	}
	return text, send
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func TestSystemMessageModes(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	id := newBot(t, ts.admin, "support")

	for e, s := range accountMessages(t, ts.admin, id) {
		if s.Mode != client.SystemMessageModeDefault || s.Text != nil || str(s.EffectiveText) != sysmsg.Event(e).BuiltIn() {
			t.Fatalf("new account's %s = %+v, want DEFAULT with the built-in text", e, s)
		}
	}
	if got, want := accountMessages(t, ts.admin, id)[client.SystemMessageEventQueued].Variables, []string{"customerName", "position", "wait"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("QUEUED variables = %v, want %v", got, want)
	}
	if text, _ := sent(t, ts, id, sysmsg.Queued); text != "Thanks for your message, Ana. You are number 3 in the queue." {
		t.Fatalf("built-in QUEUED sends %q", text)
	}

	queued := "Hi {customerName}! You are #{position}, wait {wait}."
	closing := "Bye from {agentName}."
	resp, err := client.UpdateSystemMessages(ctx, ts.admin, id, []client.SystemMessageInput{
		{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: &queued},
		{Event: client.SystemMessageEventAgentLeft, Mode: client.SystemMessageModeDisabled},
		{Event: client.SystemMessageEventConversationClosed, Mode: client.SystemMessageModeDefault, Text: &closing},
	})
	if err != nil {
		t.Fatalf("UpdateSystemMessages: %v", err)
	}
	answered := byEvent(t, updated(resp))
	read := accountMessages(t, ts.admin, id)
	for _, got := range []map[client.SystemMessageEvent]client.SystemMessageSettingFields{answered, read} {
		if s := got[client.SystemMessageEventQueued]; s.Mode != client.SystemMessageModeCustom || str(s.Text) != queued || str(s.EffectiveText) != queued {
			t.Fatalf("QUEUED = %+v / %s / %s", s, str(s.Text), str(s.EffectiveText))
		}
		if s := got[client.SystemMessageEventAgentLeft]; s.Mode != client.SystemMessageModeDisabled || s.EffectiveText != nil {
			t.Fatalf("AGENT_LEFT = %+v", s)
		}
		s := got[client.SystemMessageEventConversationClosed]
		if s.Mode != client.SystemMessageModeDefault || str(s.Text) != closing || str(s.EffectiveText) != sysmsg.ConversationClosed.BuiltIn() {
			t.Fatalf("CONVERSATION_CLOSED = %+v / %s / %s", s, str(s.Text), str(s.EffectiveText))
		}
		if s := got[client.SystemMessageEventAgentJoined]; s.Mode != client.SystemMessageModeDefault {
			t.Fatalf("an event not in the input changed: %+v", s)
		}
	}
	// The change takes effect for the next message at once.
	if text, send := sent(t, ts, id, sysmsg.Queued); !send || text != "Hi Ana! You are #3, wait about 3 minutes." {
		t.Fatalf("CUSTOM QUEUED sends %q (%v)", text, send)
	}
	if text, send := sent(t, ts, id, sysmsg.AgentLeft); send {
		t.Fatalf("DISABLED AGENT_LEFT sends %q", text)
	}
	if text, _ := sent(t, ts, id, sysmsg.ConversationClosed); text != "This chat has ended. Thank you for contacting us, Ana!" {
		t.Fatalf("DEFAULT CONVERSATION_CLOSED sends %q", text)
	}

	// Back to CUSTOM without a new text is refused; with the kept text it works.
	_, err = client.UpdateSystemMessages(ctx, ts.admin, id, []client.SystemMessageInput{
		{Event: client.SystemMessageEventConversationClosed, Mode: client.SystemMessageModeCustom},
	})
	wantCode(t, err, "BAD_USER_INPUT")
	resp, err = client.UpdateSystemMessages(ctx, ts.admin, id, []client.SystemMessageInput{
		{Event: client.SystemMessageEventConversationClosed, Mode: client.SystemMessageModeCustom, Text: &closing},
		{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeDefault},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := byEvent(t, updated(resp))[client.SystemMessageEventQueued]; s.Mode != client.SystemMessageModeDefault || str(s.Text) != queued {
		t.Fatalf("QUEUED back on DEFAULT = %+v (its own text must stay)", s)
	}
	if text, _ := sent(t, ts, id, sysmsg.ConversationClosed); text != "Bye from Bob." {
		t.Fatalf("CUSTOM CONVERSATION_CLOSED sends %q", text)
	}

	// Deleting the account deletes its settings and the cache forgets it.
	if _, err := client.DeleteIntegrationAccount(ctx, ts.admin, id); err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(id)
	if _, _, err := ts.srv.SysMsg.Text(core.SystemContext(ctx), n, sysmsg.Queued, sysmsg.Vars{}); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Text of a deleted account: %v, want not found", err)
	}
}

func TestDefaultSystemMessages(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	onDefault, onCustom := newBot(t, ts.admin, "default"), newBot(t, ts.admin, "custom")
	own := "Our own: #{position}"
	if _, err := client.UpdateSystemMessages(ctx, ts.admin, onCustom, []client.SystemMessageInput{
		{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: &own},
	}); err != nil {
		t.Fatal(err)
	}

	defs := defaultTexts(t, ts.admin)
	for e, d := range defs {
		if !d.BuiltIn || d.Text != sysmsg.Event(e).BuiltIn() {
			t.Fatalf("%s default = %+v, want the built-in text", e, d)
		}
	}
	// Agents and supervisors read the defaults: they see what customers are told.
	for _, role := range []client.UserRole{client.UserRoleAgent, client.UserRoleSupervisor} {
		if got := defaultTexts(t, ts.as(ts.userToken(t, string(role), role))); len(got) != len(defs) {
			t.Fatalf("%s reads %d defaults", role, len(got))
		}
	}

	queued := "  You are number {position}, {customerName}.  "
	resp, err := client.UpdateDefaultSystemMessages(ctx, ts.admin, []client.DefaultSystemMessageInput{
		{Event: client.SystemMessageEventQueued, Text: &queued},
	})
	if err != nil {
		t.Fatalf("UpdateDefaultSystemMessages: %v", err)
	}
	if d := resp.UpdateDefaultSystemMessages[1]; d.Event != client.SystemMessageEventQueued || d.BuiltIn || d.Text != strings.TrimSpace(queued) {
		t.Fatalf("QUEUED default = %+v", d)
	}
	if d := defaultTexts(t, ts.admin)[client.SystemMessageEventQueued]; d.BuiltIn || d.Text != strings.TrimSpace(queued) {
		t.Fatalf("QUEUED default read back = %+v", d)
	}
	if s := accountMessages(t, ts.admin, onDefault)[client.SystemMessageEventQueued]; str(s.EffectiveText) != strings.TrimSpace(queued) {
		t.Fatalf("DEFAULT account's effective text = %s", str(s.EffectiveText))
	}
	if s := accountMessages(t, ts.admin, onCustom)[client.SystemMessageEventQueued]; str(s.EffectiveText) != own {
		t.Fatalf("CUSTOM account's effective text = %s", str(s.EffectiveText))
	}
	if text, _ := sent(t, ts, onDefault, sysmsg.Queued); text != "You are number 3, Ana." {
		t.Fatalf("DEFAULT account sends %q", text)
	}
	if text, _ := sent(t, ts, onCustom, sysmsg.Queued); text != "Our own: #3" {
		t.Fatalf("CUSTOM account sends %q", text)
	}

	// A null text restores the built-in one.
	resp, err = client.UpdateDefaultSystemMessages(ctx, ts.admin, []client.DefaultSystemMessageInput{{Event: client.SystemMessageEventQueued}})
	if err != nil {
		t.Fatal(err)
	}
	if d := resp.UpdateDefaultSystemMessages[1]; !d.BuiltIn || d.Text != sysmsg.Queued.BuiltIn() {
		t.Fatalf("QUEUED default after reset = %+v", d)
	}
	if text, _ := sent(t, ts, onDefault, sysmsg.Queued); text != "Thanks for your message, Ana. You are number 3 in the queue." {
		t.Fatalf("DEFAULT account sends %q after the reset", text)
	}
}

func TestSystemMessagesAccess(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	id := newBot(t, ts.admin, "support")
	txt := "Hello"
	for _, role := range []client.UserRole{client.UserRoleAgent, client.UserRoleSupervisor} {
		t.Run(string(role), func(t *testing.T) {
			c := ts.as(ts.userToken(t, strings.ToLower(string(role)), role))
			_, err := client.UpdateSystemMessages(ctx, c, id, []client.SystemMessageInput{
				{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: &txt},
			})
			wantCode(t, err, "FORBIDDEN")
			_, err = client.UpdateDefaultSystemMessages(ctx, c, []client.DefaultSystemMessageInput{{Event: client.SystemMessageEventQueued, Text: &txt}})
			wantCode(t, err, "FORBIDDEN")
			_, err = client.AccountSystemMessages(ctx, c, id)
			wantCode(t, err, "FORBIDDEN")
		})
	}
	if d := defaultTexts(t, ts.admin)[client.SystemMessageEventQueued]; !d.BuiltIn {
		t.Fatalf("a refused update changed the default: %+v", d)
	}
	if s := accountMessages(t, ts.admin, id)[client.SystemMessageEventQueued]; s.Mode != client.SystemMessageModeDefault {
		t.Fatalf("a refused update changed the account: %+v", s)
	}
	_, err := client.DefaultSystemMessages(ctx, ts.as(""))
	wantCode(t, err, "UNAUTHENTICATED")
}

func TestSystemMessagesValidation(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	id := newBot(t, ts.admin, "support")
	text := func(s string) *string { return &s }
	tests := []struct {
		name  string
		input []client.SystemMessageInput
		field string
		says  []string
	}{
		{"unknown variables", []client.SystemMessageInput{
			{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: text("Hi {name}, you are {pos}")},
		}, "input[0].text", []string{"unknown variables {name}, {pos}", "QUEUED texts may use {customerName}, {position}, {wait}"}},
		{"a variable the event lacks", []client.SystemMessageInput{
			{Event: client.SystemMessageEventAgentJoined, Mode: client.SystemMessageModeCustom, Text: text("{agentName} joined; you were {position}")},
		}, "input[0].text", []string{"{position} not known when AGENT_JOINED is sent"}},
		{"CUSTOM without text", []client.SystemMessageInput{
			{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeDisabled},
			{Event: client.SystemMessageEventAgentLeft, Mode: client.SystemMessageModeCustom},
		}, "input[1].text", []string{"is required for CUSTOM"}},
		{"empty text", []client.SystemMessageInput{
			{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: text("   ")},
		}, "input[0].text", []string{"must not be empty"}},
		{"too long", []client.SystemMessageInput{
			{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: text(strings.Repeat("a", 1001))},
		}, "input[0].text", []string{"at most 1000 characters"}},
		{"an event twice", []client.SystemMessageInput{
			{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeDisabled},
			{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeDefault},
		}, "input[1].event", []string{"give each event once"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.UpdateSystemMessages(ctx, ts.admin, id, tt.input)
			wantCode(t, err, "BAD_USER_INPUT")
			if f := errField(t, err); f != tt.field {
				t.Fatalf("extensions.field = %q, want %q", f, tt.field)
			}
			for _, s := range tt.says {
				if !strings.Contains(err.Error(), s) {
					t.Fatalf("error %q does not say %q", err, s)
				}
			}
		})
	}
	// Nothing of a refused input is saved, not even its valid entries.
	for e, s := range accountMessages(t, ts.admin, id) {
		if s.Mode != client.SystemMessageModeDefault {
			t.Fatalf("%s changed by refused inputs: %+v", e, s)
		}
	}

	_, err := client.UpdateDefaultSystemMessages(ctx, ts.admin, []client.DefaultSystemMessageInput{
		{Event: client.SystemMessageEventQueued, Text: text("fine {position}")},
		{Event: client.SystemMessageEventOutsideHours, Text: text("Back at {openingTime}")},
	})
	wantCode(t, err, "BAD_USER_INPUT")
	var list gqlerror.List
	errors.As(err, &list)
	fields, _ := list[0].Extensions["fields"].([]any)
	if len(fields) != 1 || errField(t, err) != "input[1].text" || !strings.Contains(err.Error(), "unknown variable {openingTime}") {
		t.Fatalf("defaults error = %v (fields %v)", err, fields)
	}
	if d := defaultTexts(t, ts.admin)[client.SystemMessageEventQueued]; !d.BuiltIn {
		t.Fatalf("a refused input changed the defaults: %+v", d)
	}
	// An enum value outside SystemMessageEvent never reaches the core.
	_, err = client.UpdateDefaultSystemMessages(ctx, ts.admin, []client.DefaultSystemMessageInput{{Event: "BIRTHDAY", Text: text("x")}})
	wantCode(t, err, "GRAPHQL_VALIDATION_FAILED")
}

func TestSystemMessagesTenantIsolation(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	other := ts.tenantAdmin(t, "globex")
	mine, theirs := newBot(t, ts.admin, "acme"), newBot(t, other, "globex")
	txt := "Pwned {position}"
	for _, target := range []string{mine, "999999"} {
		_, err := client.UpdateSystemMessages(ctx, other, target, []client.SystemMessageInput{
			{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: &txt},
		})
		wantCode(t, err, "NOT_FOUND")
		if got := accountMessages(t, other, target); got != nil {
			t.Fatalf("another tenant reads account %s's system messages", target)
		}
	}
	// Each tenant's defaults are its own.
	if _, err := client.UpdateDefaultSystemMessages(ctx, other, []client.DefaultSystemMessageInput{{Event: client.SystemMessageEventQueued, Text: &txt}}); err != nil {
		t.Fatal(err)
	}
	if d := defaultTexts(t, ts.admin)[client.SystemMessageEventQueued]; !d.BuiltIn {
		t.Fatalf("another tenant's default reached this one: %+v", d)
	}
	if text, _ := sent(t, ts, mine, sysmsg.Queued); text != "Thanks for your message, Ana. You are number 3 in the queue." {
		t.Fatalf("this tenant's account sends %q", text)
	}
	if text, _ := sent(t, ts, theirs, sysmsg.Queued); text != "Pwned 3" {
		t.Fatalf("the other tenant's account sends %q", text)
	}
	if s := accountMessages(t, ts.admin, mine)[client.SystemMessageEventQueued]; s.Mode != client.SystemMessageModeDefault {
		t.Fatalf("account changed by another tenant: %+v", s)
	}
}
