package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/server"
)

func TestValidationErrors(t *testing.T) {
	ts := newTestServer(t)
	strict := newTestServer(t, func(c *server.Config) { c.AllowPrivateURLs = false })
	ctx := context.Background()
	tg := func(user, token *string) client.IntegrationSettingsInput {
		return client.IntegrationSettingsInput{Telegram: &client.TelegramSettingsInput{BotUsername: user, BotToken: token}}
	}
	cases := []struct {
		name   string
		strict bool
		input  client.CreateIntegrationAccountInput
		field  string
	}{
		{"missing name", false, client.CreateIntegrationAccountInput{Name: " ", Settings: tg(ptr("bot"), ptr("1:abc"))}, "name"},
		{"missing bot token", false, client.CreateIntegrationAccountInput{Name: "n", Settings: tg(ptr("bot"), nil)}, "settings.telegram.botToken"},
		{"username with @", false, client.CreateIntegrationAccountInput{Name: "n", Settings: tg(ptr("@bot"), ptr("1:abc"))}, "settings.telegram.botUsername"},
		{"bad phone", false, client.CreateIntegrationAccountInput{Name: "n", Settings: client.IntegrationSettingsInput{WhatsappInfobip: &client.WhatsappInfobipSettingsInput{
			ApiUrl: ptr("https://x.api.infobip.com"), ApiKey: ptr("k"), WhatsappNumber: ptr("+44 (113) 496")}}}, "settings.whatsappInfobip.whatsappNumber"},
		{"page id not digits", false, client.CreateIntegrationAccountInput{Name: "n", Settings: client.IntegrationSettingsInput{Facebook: &client.FacebookSettingsInput{
			PageUsername: ptr("acme"), PageId: ptr("12ab"), PageAccessToken: ptr("t"), AppSecret: ptr("s")}}}, "settings.facebook.pageId"},
		{"short confirmation code", false, client.CreateIntegrationAccountInput{Name: "n", Settings: client.IntegrationSettingsInput{Custom: &client.CustomSettingsInput{
			WebhookUrl: ptr("https://m.example.com/hook"), ConfirmationCode: ptr("short")}}}, "settings.custom.confirmationCode"},
		{"relative URL", false, client.CreateIntegrationAccountInput{Name: "n", Settings: client.IntegrationSettingsInput{Custom: &client.CustomSettingsInput{
			WebhookUrl: ptr("/hook"), ConfirmationCode: ptr("0123456789abcdef")}}}, "settings.custom.webhookUrl"},
		{"http URL", true, client.CreateIntegrationAccountInput{Name: "n", Settings: client.IntegrationSettingsInput{Custom: &client.CustomSettingsInput{
			WebhookUrl: ptr("http://m.example.com/hook"), ConfirmationCode: ptr("0123456789abcdef")}}}, "settings.custom.webhookUrl"},
		{"loopback URL", true, client.CreateIntegrationAccountInput{Name: "n", Settings: client.IntegrationSettingsInput{Custom: &client.CustomSettingsInput{
			WebhookUrl: ptr("https://127.0.0.1/hook"), ConfirmationCode: ptr("0123456789abcdef")}}}, "settings.custom.webhookUrl"},
		{"metadata URL", true, client.CreateIntegrationAccountInput{Name: "n", Settings: client.IntegrationSettingsInput{WhatsappInfobip: &client.WhatsappInfobipSettingsInput{
			ApiUrl: ptr("https://169.254.169.254/latest"), ApiKey: ptr("k"), WhatsappNumber: ptr("+4411349600")}}}, "settings.whatsappInfobip.apiUrl"},
		{"private URL", true, client.CreateIntegrationAccountInput{Name: "n", Settings: client.IntegrationSettingsInput{WhatsappTwilio: &client.WhatsappTwilioSettingsInput{
			ApiUrl: ptr("https://10.1.2.3"), AccountSid: ptr("AC1"), AuthToken: ptr("t"), WhatsappNumber: ptr("14155238886")}}}, "settings.whatsappTwilio.apiUrl"},
		{"wechat AES key length", false, client.CreateIntegrationAccountInput{Name: "n", Settings: client.IntegrationSettingsInput{Wechat: &client.WechatSettingsInput{
			AppId: ptr("wx1"), AppSecret: ptr("s"), WechatId: ptr("gh_1"), WechatType: ptr(client.WechatTypeChina), ServerToken: ptr("t"), EncodingAesKey: ptr("tooshort")}}}, "settings.wechat.encodingAesKey"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.admin
			if tc.strict {
				c = strict.admin
			}
			_, err := client.CreateIntegrationAccount(ctx, c, tc.input)
			wantCode(t, err, "BAD_USER_INPUT")
			if f := errField(t, err); f != tc.field {
				t.Fatalf("field = %q, want %q (%v)", f, tc.field, err)
			}
		})
	}

	t.Run("two messengers at once", func(t *testing.T) {
		in := client.CreateIntegrationAccountInput{Name: "n", Settings: client.IntegrationSettingsInput{
			Telegram: &client.TelegramSettingsInput{BotUsername: ptr("bot"), BotToken: ptr("1:abc")},
			Line:     &client.LineSettingsInput{ChannelAccessToken: ptr("a"), ChannelSecret: ptr("b")},
		}}
		_, err := client.CreateIntegrationAccount(ctx, ts.admin, in)
		if err == nil {
			t.Fatal("a @oneOf input with two members was accepted")
		}
	})
	t.Run("update with another messenger's settings", func(t *testing.T) {
		a, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: "bot", Settings: tg(ptr("bot"), ptr("1:abc"))})
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.UpdateIntegrationAccount(ctx, ts.admin, a.CreateIntegrationAccount.Id, client.UpdateIntegrationAccountInput{
			Settings: &client.IntegrationSettingsInput{Viber: &client.ViberSettingsInput{Token: ptr("x")}}})
		wantCode(t, err, "BAD_USER_INPUT")
	})
	t.Run("every wrong field at once", func(t *testing.T) {
		_, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: "", Settings: tg(ptr("@x"), nil)})
		wantCode(t, err, "BAD_USER_INPUT")
		if !containsAll(err.Error(), "name", "settings.telegram.botUsername", "settings.telegram.botToken") {
			t.Fatalf("not every field reported: %v", err)
		}
	})
}

func TestRoles(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	agent := ts.as(ts.userToken(t, "agent smith", client.UserRoleAgent))
	supervisor := ts.as(ts.userToken(t, "sue", client.UserRoleSupervisor))
	anonymous := ts.as("")
	bogus := ts.as("sb_not-a-real-token")
	in := client.CreateIntegrationAccountInput{Name: "bot", Settings: client.IntegrationSettingsInput{Telegram: &client.TelegramSettingsInput{BotUsername: ptr("bot"), BotToken: ptr("1:abc")}}}
	acct, err := client.CreateIntegrationAccount(ctx, ts.admin, in)
	if err != nil {
		t.Fatal(err)
	}
	id := acct.CreateIntegrationAccount.Id

	for _, who := range []struct {
		name string
		c    *client.Client
		code string
	}{{"agent", agent, "FORBIDDEN"}, {"supervisor", supervisor, "FORBIDDEN"}, {"anonymous", anonymous, "UNAUTHENTICATED"}, {"bogus token", bogus, "UNAUTHENTICATED"}} {
		t.Run(who.name, func(t *testing.T) {
			_, err := client.CreateIntegrationAccount(ctx, who.c, in)
			wantCode(t, err, who.code)
			_, err = client.DeleteIntegrationAccount(ctx, who.c, id)
			wantCode(t, err, who.code)
			_, err = client.TestConnection(ctx, who.c, id)
			wantCode(t, err, who.code)
			_, err = client.CreateUser(ctx, who.c, client.CreateUserInput{Name: "x", Role: client.UserRoleAdmin})
			wantCode(t, err, who.code)
		})
	}
	t.Run("agents read accounts and themselves", func(t *testing.T) {
		list, err := client.AccountDirectory(ctx, agent, ptr(10), nil)
		if err != nil || list.IntegrationAccounts.TotalCount != 1 || list.IntegrationAccounts.Edges[0].Node.Name != "bot" {
			t.Fatalf("agent list: %v", err)
		}
		_, err = client.IntegrationAccounts(ctx, agent, ptr(10), nil, nil, nil)
		wantCode(t, err, "FORBIDDEN")
		me, err := client.Me(ctx, agent)
		if err != nil || me.Me.Name != "agent smith" || me.Me.Role != client.UserRoleAgent {
			t.Fatalf("me: %v %+v", err, me)
		}
	})
	t.Run("anonymous reads nothing", func(t *testing.T) {
		_, err := client.IntegrationAccounts(ctx, anonymous, ptr(10), nil, nil, nil)
		wantCode(t, err, "UNAUTHENTICATED")
		_, err = client.Me(ctx, anonymous)
		wantCode(t, err, "UNAUTHENTICATED")
	})
}

func TestTenantIsolation(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	other := ts.tenantAdmin(t, "globex")
	in := client.CreateIntegrationAccountInput{Name: "acme bot", Settings: client.IntegrationSettingsInput{Telegram: &client.TelegramSettingsInput{BotUsername: ptr("bot"), BotToken: ptr("1:abc")}}}
	mine, err := client.CreateIntegrationAccount(ctx, ts.admin, in)
	if err != nil {
		t.Fatal(err)
	}
	id := mine.CreateIntegrationAccount.Id
	missing := "999999"

	list, err := client.IntegrationAccounts(ctx, other, ptr(10), nil, nil, nil)
	if err != nil || list.IntegrationAccounts.TotalCount != 0 {
		t.Fatalf("other tenant lists %d accounts (%v)", list.IntegrationAccounts.TotalCount, err)
	}
	for _, target := range []string{id, missing} {
		got, err := client.IntegrationAccount(ctx, other, target)
		if err != nil || nodeAccount(got) != nil {
			t.Fatalf("node(%s) from another tenant: %v %#v", target, err, nodeAccount(got))
		}
		_, err = client.UpdateIntegrationAccount(ctx, other, target, client.UpdateIntegrationAccountInput{Name: ptr("pwned")})
		wantCode(t, err, "NOT_FOUND")
		_, err = client.DisconnectIntegrationAccount(ctx, other, target)
		wantCode(t, err, "NOT_FOUND")
		_, err = client.TestConnection(ctx, other, target)
		wantCode(t, err, "NOT_FOUND")
		_, err = client.DeleteIntegrationAccount(ctx, other, target)
		wantCode(t, err, "NOT_FOUND")
	}
	users, err := client.Users(ctx, other, ptr(10), nil, nil, nil)
	if err != nil || users.Users.TotalCount != 1 {
		t.Fatalf("other tenant sees %d users (%v)", users.Users.TotalCount, err)
	}
	me, _ := client.Me(ctx, ts.admin)
	_, err = client.UpdateUser(ctx, other, me.Me.Id, client.UpdateUserInput{Name: ptr("pwned")})
	wantCode(t, err, "NOT_FOUND")
	_, err = client.CreateApiToken(ctx, other, client.CreateApiTokenInput{UserId: me.Me.Id, Name: "steal"})
	wantCode(t, err, "NOT_FOUND")
	still, err := client.IntegrationAccount(ctx, ts.admin, id)
	if err != nil || nodeAccount(still) == nil || nodeAccount(still).Name != "acme bot" {
		t.Fatalf("own account changed: %v", err)
	}
}

// TestLoginFailureMessage: a failed login says the email or password is wrong, not
// that a bearer token is missing, and says it alike for every cause so a caller
// cannot tell which accounts exist.
func TestLoginFailureMessage(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	password := "a long enough password"
	if _, err := client.CreateUser(ctx, ts.admin, client.CreateUserInput{Name: "Ann", Email: ptr("ann@example.com"), Role: client.UserRoleAgent, Password: &password}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateUser(ctx, ts.admin, client.CreateUserInput{Name: "Nopass", Email: ptr("nopass@example.com"), Role: client.UserRoleAgent}); err != nil {
		t.Fatal(err)
	}
	gone, err := client.CreateUser(ctx, ts.admin, client.CreateUserInput{Name: "Gone", Email: ptr("gone@example.com"), Role: client.UserRoleAgent, Password: &password})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeactivateUser(ctx, ts.admin, gone.CreateUser.Id); err != nil {
		t.Fatal(err)
	}

	const want = "wrong email or password"
	anon := ts.as("")
	tests := []struct{ name, email, password string }{
		{"wrong password", "ann@example.com", "not the password!"},
		{"wrong password, other case", "ANN@example.com", "not the password!"},
		{"unknown email", "nobody@example.com", password},
		{"user without a password", "nopass@example.com", password},
		{"deactivated user", "gone@example.com", password},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.Login(ctx, anon, tt.email, tt.password)
			wantCode(t, err, "UNAUTHENTICATED")
			var list gqlerror.List
			if !errors.As(err, &list) || len(list) != 1 {
				t.Fatalf("err = %v; want one GraphQL error", err)
			}
			if list[0].Message != want {
				t.Errorf("message = %q; want %q", list[0].Message, want)
			}
		})
	}

	// A request without a token still gets the hint about the Authorization header.
	_, err = client.Me(ctx, anon)
	wantCode(t, err, "UNAUTHENTICATED")
	if !strings.Contains(err.Error(), "Authorization: Bearer") {
		t.Errorf("anonymous me: %v; want the Authorization header hint", err)
	}
	if _, err := client.Login(ctx, anon, "ann@example.com", password); err != nil {
		t.Errorf("login with the right password: %v", err)
	}
}

func TestLoginLogoutAndUsers(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	password := "a long enough password"
	u, err := client.CreateUser(ctx, ts.admin, client.CreateUserInput{Name: "Ann", Email: ptr("Ann@Example.com"), Role: client.UserRoleSupervisor, Password: &password})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CreateUser(ctx, ts.admin, client.CreateUserInput{Name: "Ann", Role: client.UserRoleAgent})
	wantCode(t, err, "CONFLICT")
	_, err = client.CreateUser(ctx, ts.admin, client.CreateUserInput{Name: "Bob", Role: client.UserRoleAgent, Password: ptr("short")})
	wantCode(t, err, "BAD_USER_INPUT")

	anon := ts.as("")
	for _, bad := range []struct{ email, password string }{{"ann@example.com", "wrong password!!"}, {"nobody@example.com", password}} {
		_, err := client.Login(ctx, anon, bad.email, bad.password)
		wantCode(t, err, "UNAUTHENTICATED")
	}
	login, err := client.Login(ctx, anon, "ann@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	if !login.Login.ExpiresAt.After(time.Now()) || login.Login.User.Name != "Ann" {
		t.Fatalf("login: %+v", login.Login)
	}
	session := ts.as(login.Login.Token)
	if me, err := client.Me(ctx, session); err != nil || me.Me.Id != u.CreateUser.Id {
		t.Fatalf("me with session: %v", err)
	}
	if _, err := client.Logout(ctx, session); err != nil {
		t.Fatal(err)
	}
	_, err = client.Me(ctx, session)
	wantCode(t, err, "UNAUTHENTICATED")

	// Deactivation ends every token of the user and blocks login.
	tok, err := client.CreateApiToken(ctx, ts.admin, client.CreateApiTokenInput{UserId: u.CreateUser.Id, Name: "ci"})
	if err != nil || !tok.CreateApiToken.ApiToken.Valid || tok.CreateApiToken.ApiToken.Hint != last4(tok.CreateApiToken.Token) {
		t.Fatalf("create token: %v %+v", err, tok)
	}
	if _, err := client.Me(ctx, ts.as(tok.CreateApiToken.Token)); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeactivateUser(ctx, ts.admin, u.CreateUser.Id); err != nil {
		t.Fatal(err)
	}
	_, err = client.Me(ctx, ts.as(tok.CreateApiToken.Token))
	wantCode(t, err, "UNAUTHENTICATED")
	_, err = client.Login(ctx, anon, "ann@example.com", password)
	wantCode(t, err, "UNAUTHENTICATED")
	me, _ := client.Me(ctx, ts.admin)
	_, err = client.DeactivateUser(ctx, ts.admin, me.Me.Id)
	wantCode(t, err, "BAD_USER_INPUT")

	// Revoking and expiring tokens.
	other := ts.userToken(t, "carl", client.UserRoleAgent)
	tokens, err := client.Tokens(ctx, ts.admin, ptr(50), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var carlToken string
	for _, e := range tokens.Tokens.Edges {
		if e.Node.User.Name == "carl" {
			carlToken = e.Node.Id
		}
	}
	if _, err := client.RevokeToken(ctx, ts.admin, carlToken); err != nil {
		t.Fatal(err)
	}
	_, err = client.Me(ctx, ts.as(other))
	wantCode(t, err, "UNAUTHENTICATED")
	_, err = client.CreateApiToken(ctx, ts.admin, client.CreateApiTokenInput{UserId: me.Me.Id, Name: "old", ExpiresAt: ptr(time.Now().Add(-time.Hour))})
	wantCode(t, err, "BAD_USER_INPUT")
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
