package server_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core/store/storetest"
	"github.com/switchboard/switchboard/server"
)

// accountCase is one messenger: a valid settings input, the secrets in it, and
// the type/provider the account must get.
type accountCase struct {
	name     string
	settings client.IntegrationSettingsInput
	secrets  []string
	typ      client.IntegrationAccountType
	provider *client.IntegrationAccountProvider
	// update changes one secret; newSecret is its new value.
	update    client.IntegrationSettingsInput
	newSecret string
	hasVerify bool
}

func allAccountCases() []accountCase {
	prov := func(p client.IntegrationAccountProvider) *client.IntegrationAccountProvider { return &p }
	return []accountCase{
		{
			name: "facebook", typ: client.IntegrationAccountTypeFacebook, hasVerify: true,
			settings: client.IntegrationSettingsInput{Facebook: &client.FacebookSettingsInput{
				PageUsername: ptr("acme.support"), PageId: ptr("1895382890692546"),
				PageAccessToken: ptr("EAAfbPageToken0000secretA1"), AppSecret: ptr("fbAppSecret000000secretB2"),
			}},
			secrets:   []string{"EAAfbPageToken0000secretA1", "fbAppSecret000000secretB2"},
			update:    client.IntegrationSettingsInput{Facebook: &client.FacebookSettingsInput{AppSecret: ptr("fbAppSecretRotated00000Z9")}},
			newSecret: "fbAppSecretRotated00000Z9",
		},
		{
			name: "line", typ: client.IntegrationAccountTypeLine,
			settings: client.IntegrationSettingsInput{Line: &client.LineSettingsInput{
				ChannelAccessToken: ptr("lineChannelAccessTokenC3"), ChannelSecret: ptr("lineChannelSecret0000D4"),
			}},
			secrets:   []string{"lineChannelAccessTokenC3", "lineChannelSecret0000D4"},
			update:    client.IntegrationSettingsInput{Line: &client.LineSettingsInput{ChannelSecret: ptr("lineChannelSecretNew00Y8")}},
			newSecret: "lineChannelSecretNew00Y8",
		},
		{
			name: "telegram", typ: client.IntegrationAccountTypeTelegram,
			settings: client.IntegrationSettingsInput{Telegram: &client.TelegramSettingsInput{
				BotUsername: ptr("acme_bot"), BotToken: ptr("123456789:AAtelegramSecretE5"),
			}},
			secrets:   []string{"123456789:AAtelegramSecretE5"},
			update:    client.IntegrationSettingsInput{Telegram: &client.TelegramSettingsInput{BotToken: ptr("123456789:AAtelegramRotatedX7")}},
			newSecret: "123456789:AAtelegramRotatedX7",
		},
		{
			name: "twitter", typ: client.IntegrationAccountTypeTwitter,
			settings: client.IntegrationSettingsInput{Twitter: &client.TwitterSettingsInput{
				ConsumerKey: ptr("twConsumerKey00000F6"), ConsumerSecret: ptr("twConsumerSecret000G7"),
				AccessToken: ptr("twAccessToken00000H8"), AccessTokenSecret: ptr("twAccessTokenSecretI9"),
			}},
			secrets:   []string{"twConsumerKey00000F6", "twConsumerSecret000G7", "twAccessToken00000H8", "twAccessTokenSecretI9"},
			update:    client.IntegrationSettingsInput{Twitter: &client.TwitterSettingsInput{AccessToken: ptr("twAccessTokenNew000W6")}},
			newSecret: "twAccessTokenNew000W6",
		},
		{
			name: "viber", typ: client.IntegrationAccountTypeViber,
			settings: client.IntegrationSettingsInput{Viber: &client.ViberSettingsInput{
				BotUsername: ptr("acmeviber"), Token: ptr("445da6az1s345z78-viberJ1"),
			}},
			secrets:   []string{"445da6az1s345z78-viberJ1"},
			update:    client.IntegrationSettingsInput{Viber: &client.ViberSettingsInput{Token: ptr("445da6az1s345z78-viberV5")}},
			newSecret: "445da6az1s345z78-viberV5",
		},
		{
			name: "wechat", typ: client.IntegrationAccountTypeWechat,
			settings: client.IntegrationSettingsInput{Wechat: &client.WechatSettingsInput{
				AppId: ptr("wx1234567890abcdef"), AppSecret: ptr("wechatAppSecret0000K2"), WechatId: ptr("gh_abcdef123456"),
				WechatType: ptr(client.WechatTypeInternational), ServerToken: ptr("wechatServerToken00L3"),
				EncodingAesKey: ptr("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
			}},
			secrets:   []string{"wechatAppSecret0000K2", "wechatServerToken00L3", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"},
			update:    client.IntegrationSettingsInput{Wechat: &client.WechatSettingsInput{AppSecret: ptr("wechatAppSecretNew0U4")}},
			newSecret: "wechatAppSecretNew0U4",
		},
		{
			name: "whatsapp infobip", typ: client.IntegrationAccountTypeWhatsapp, provider: prov(client.IntegrationAccountProviderInfobip),
			settings: client.IntegrationSettingsInput{WhatsappInfobip: &client.WhatsappInfobipSettingsInput{
				ApiUrl: ptr("https://xyz123.api.infobip.com"), ApiKey: ptr("infobipApiKey00000M4"), WhatsappNumber: ptr("+441134960000"),
			}},
			secrets:   []string{"infobipApiKey00000M4"},
			update:    client.IntegrationSettingsInput{WhatsappInfobip: &client.WhatsappInfobipSettingsInput{ApiKey: ptr("infobipApiKeyNew000T3")}},
			newSecret: "infobipApiKeyNew000T3",
		},
		{
			name: "whatsapp twilio", typ: client.IntegrationAccountTypeWhatsapp, provider: prov(client.IntegrationAccountProviderTwilio),
			settings: client.IntegrationSettingsInput{WhatsappTwilio: &client.WhatsappTwilioSettingsInput{
				AccountSid: ptr("AC0123456789abcdef0123456789abcdef"), AuthToken: ptr("twilioAuthToken0000N5"), WhatsappNumber: ptr("14155238886"),
			}},
			secrets:   []string{"twilioAuthToken0000N5"},
			update:    client.IntegrationSettingsInput{WhatsappTwilio: &client.WhatsappTwilioSettingsInput{AuthToken: ptr("twilioAuthTokenNew00S2")}},
			newSecret: "twilioAuthTokenNew00S2",
		},
		{
			name: "whatsapp nexmo", typ: client.IntegrationAccountTypeWhatsapp, provider: prov(client.IntegrationAccountProviderNexmo),
			settings: client.IntegrationSettingsInput{WhatsappNexmo: &client.WhatsappNexmoSettingsInput{
				Authentication: ptr(client.NexmoAuthenticationBasic), ApiKey: ptr("nexmoApiKey0000000O6"), ApiSecret: ptr("nexmoApiSecret00000P7"),
				WhatsappNumber: ptr("447700900000"), ApplicationId: ptr("aaaaaaaa-bbbb-cccc-dddd-0123456789ab"), SignatureSecret: ptr("nexmoSignatureSecrQ8"),
			}},
			secrets:   []string{"nexmoApiKey0000000O6", "nexmoApiSecret00000P7", "nexmoSignatureSecrQ8"},
			update:    client.IntegrationSettingsInput{WhatsappNexmo: &client.WhatsappNexmoSettingsInput{ApiSecret: ptr("nexmoApiSecretNew000R1")}},
			newSecret: "nexmoApiSecretNew000R1",
		},
		{
			name: "whatsapp cloud", typ: client.IntegrationAccountTypeWhatsapp, provider: prov(client.IntegrationAccountProviderMetaCloud), hasVerify: true,
			settings: client.IntegrationSettingsInput{WhatsappCloud: &client.WhatsappCloudSettingsInput{
				PhoneNumberId: ptr("106540352242922"), BusinessAccountId: ptr("102290129340398"),
				AccessToken: ptr("EAAcloudAccessTokenR9"), AppSecret: ptr("cloudAppSecret0000S1"), WebhookVerifyToken: ptr("my-verify-token-123"),
			}},
			secrets:   []string{"EAAcloudAccessTokenR9", "cloudAppSecret0000S1"},
			update:    client.IntegrationSettingsInput{WhatsappCloud: &client.WhatsappCloudSettingsInput{AccessToken: ptr("EAAcloudAccessTokenQ0")}},
			newSecret: "EAAcloudAccessTokenQ0",
		},
		{
			name: "custom", typ: client.IntegrationAccountTypeCustom,
			settings: client.IntegrationSettingsInput{Custom: &client.CustomSettingsInput{
				WebhookUrl: ptr("https://messenger.example.com/switchboard"), ConfirmationCode: ptr("customConfirmationCodeT2"),
			}},
			secrets:   []string{"customConfirmationCodeT2"},
			update:    client.IntegrationSettingsInput{Custom: &client.CustomSettingsInput{ConfirmationCode: ptr("customConfirmationCodeP9")}},
			newSecret: "customConfirmationCodeP9",
		},
	}
}

// settingsJSON renders an account's settings as the client received them.
func settingsJSON(t *testing.T, a client.AccountFields) string {
	t.Helper()
	b, err := json.Marshal(a.Settings)
	if err != nil {
		t.Fatalf("marshal settings: %v", err)
	}
	return string(b)
}

func last4(s string) string { return s[len(s)-4:] }

func TestAccountLifecycleForEveryType(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	seen := map[string]bool{}
	for _, tc := range allAccountCases() {
		t.Run(tc.name, func(t *testing.T) {
			created, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: "Acme " + tc.name, Settings: tc.settings})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			a := created.CreateIntegrationAccount.AccountFields
			if a.Type != tc.typ || (tc.provider == nil) != (a.Provider == nil) || tc.provider != nil && *a.Provider != *tc.provider {
				t.Fatalf("type/provider = %v/%v, want %v/%v", a.Type, a.Provider, tc.typ, tc.provider)
			}
			if a.Status != client.IntegrationAccountStatusActive {
				t.Errorf("status = %v, want ACTIVE", a.Status)
			}
			if len(a.AccountId) < 26 || seen[a.AccountId] {
				t.Errorf("account ID %q is short or reused", a.AccountId)
			}
			seen[a.AccountId] = true
			// Infobip signs nothing: its address carries a token (see
			// TestInfobip…), which is no secret of the account's.
			base, query, _ := strings.Cut(a.WebhookUrl, "?")
			if want := "https://switchboard.example.com/webhooks/" + a.AccountId; base != want || (query != "") != (tc.provider != nil && *tc.provider == client.IntegrationAccountProviderInfobip) {
				t.Errorf("webhookUrl = %q, want %q (with a token for Infobip only)", a.WebhookUrl, want)
			}
			js := settingsJSON(t, a)
			for _, secret := range tc.secrets {
				if strings.Contains(js, secret) {
					t.Errorf("settings reveal a secret: %s", js)
				}
				if !strings.Contains(js, `"last4":"`+last4(secret)+`"`) {
					t.Errorf("settings lack last4 %q of a secret: %s", last4(secret), js)
				}
			}
			if strings.Contains(js, "webhookSecret") {
				t.Errorf("internal field leaked: %s", js)
			}

			// Rename and rotate one secret; the others keep their values.
			updated, err := client.UpdateIntegrationAccount(ctx, ts.admin, a.Id, client.UpdateIntegrationAccountInput{Name: ptr("Renamed " + tc.name), Settings: &tc.update})
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			u := updated.UpdateIntegrationAccount.AccountFields
			if u.Name != "Renamed "+tc.name {
				t.Errorf("name = %q", u.Name)
			}
			js = settingsJSON(t, u)
			if !strings.Contains(js, `"last4":"`+last4(tc.newSecret)+`"`) {
				t.Errorf("updated secret not applied: %s", js)
			}
			for _, secret := range tc.secrets {
				if strings.Contains(js, secret) || strings.Contains(js, tc.newSecret) {
					t.Errorf("settings reveal a secret: %s", js)
				}
			}
			unchanged := 0
			for _, secret := range tc.secrets {
				if strings.Contains(js, `"last4":"`+last4(secret)+`"`) {
					unchanged++
				}
			}
			if unchanged != len(tc.secrets)-1 {
				t.Errorf("%d of %d other secrets kept, want %d: %s", unchanged, len(tc.secrets), len(tc.secrets)-1, js)
			}

			// The same account through node().
			got, err := client.IntegrationAccount(ctx, ts.admin, a.Id)
			if err != nil {
				t.Fatalf("node: %v", err)
			}
			if n := nodeAccount(got); n == nil || n.Name != "Renamed "+tc.name {
				t.Fatalf("node = %#v", n)
			}

			d, err := client.DisconnectIntegrationAccount(ctx, ts.admin, a.Id)
			if err != nil || d.DisconnectIntegrationAccount.Status != client.IntegrationAccountStatusDisconnected {
				t.Fatalf("disconnect: %v, %+v", err, d)
			}
			c, err := client.ConnectIntegrationAccount(ctx, ts.admin, a.Id)
			if tc.typ == client.IntegrationAccountTypeCustom {
				// Connecting a custom messenger needs its signed handshake, and
				// this one's URL does not answer.
				wantCode(t, err, "PROVIDER_ERROR")
			} else if err != nil || c.ConnectIntegrationAccount.Status != client.IntegrationAccountStatusActive {
				t.Fatalf("connect: %v, %+v", err, c)
			}

			g, err := client.GenerateWebhookVerifyToken(ctx, ts.admin, a.Id)
			if tc.hasVerify {
				if err != nil {
					t.Fatalf("generate verify token: %v", err)
				}
				before, after := verifyToken(t, a), verifyToken(t, g.GenerateWebhookVerifyToken.AccountFields)
				if before == "" || after == "" || before == after || len(after) < 16 {
					t.Errorf("verify token %q -> %q: not replaced by a long random token", before, after)
				}
			} else {
				wantCode(t, err, "BAD_USER_INPUT")
			}

			del, err := client.DeleteIntegrationAccount(ctx, ts.admin, a.Id)
			if err != nil || del.DeleteIntegrationAccount != a.Id {
				t.Fatalf("delete: %v", err)
			}
			got, err = client.IntegrationAccount(ctx, ts.admin, a.Id)
			if err != nil || nodeAccount(got) != nil {
				t.Fatalf("deleted account still found: %v, %#v", err, nodeAccount(got))
			}
			_, err = client.DeleteIntegrationAccount(ctx, ts.admin, a.Id)
			wantCode(t, err, "NOT_FOUND")
		})
	}
}

// nodeAccount unwraps node(id) as an account; nil when the node does not exist.
func nodeAccount(r *client.IntegrationAccountResponse) *client.IntegrationAccountNodeIntegrationAccount {
	if r == nil || r.Node == nil || *r.Node == nil {
		return nil
	}
	a, _ := (*r.Node).(*client.IntegrationAccountNodeIntegrationAccount)
	return a
}

func verifyToken(t *testing.T, a client.AccountFields) string {
	t.Helper()
	switch s := a.Settings.(type) {
	case *client.AccountFieldsSettingsFacebookSettings:
		return s.WebhookVerifyToken
	case *client.AccountFieldsSettingsWhatsappCloudSettings:
		return s.WebhookVerifyToken
	}
	t.Fatalf("settings %T have no verify token", a.Settings)
	return ""
}

func TestListFilterAndOrderAccounts(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	for _, tc := range allAccountCases() {
		if _, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: tc.name, Settings: tc.settings}); err != nil {
			t.Fatalf("create %s: %v", tc.name, err)
		}
	}
	list, err := client.IntegrationAccounts(ctx, ts.admin, ptr(100), nil, nil,
		&client.IntegrationAccountOrder{Field: client.IntegrationAccountOrderFieldName, Direction: client.OrderDirectionAsc})
	if err != nil {
		t.Fatal(err)
	}
	if list.IntegrationAccounts.TotalCount != 11 {
		t.Fatalf("totalCount = %d, want 11", list.IntegrationAccounts.TotalCount)
	}
	names := []string{}
	for _, e := range list.IntegrationAccounts.Edges {
		names = append(names, e.Node.Name)
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] > names[i] {
			t.Fatalf("not ordered by name: %v", names)
		}
	}
	wa := client.IntegrationAccountTypeWhatsapp
	filtered, err := client.IntegrationAccounts(ctx, ts.admin, ptr(100), nil, &client.IntegrationAccountWhereInput{Type: &wa}, nil)
	if err != nil || filtered.IntegrationAccounts.TotalCount != 4 {
		t.Fatalf("type filter: %v, %+v", err, filtered)
	}
	named, err := client.IntegrationAccounts(ctx, ts.admin, ptr(100), nil, &client.IntegrationAccountWhereInput{NameContains: ptr("whatsapp")}, nil)
	if err != nil || named.IntegrationAccounts.TotalCount != 4 {
		t.Fatalf("name filter: %v, %+v", err, named)
	}
	first, err := client.IntegrationAccounts(ctx, ts.admin, ptr(5), nil, nil, nil)
	if err != nil || len(first.IntegrationAccounts.Edges) != 5 || !first.IntegrationAccounts.PageInfo.HasNextPage {
		t.Fatalf("first page: %v, %+v", err, first.IntegrationAccounts.PageInfo)
	}
	next, err := client.IntegrationAccounts(ctx, ts.admin, ptr(100), first.IntegrationAccounts.PageInfo.EndCursor, nil, nil)
	if err != nil || len(next.IntegrationAccounts.Edges) != 6 {
		t.Fatalf("second page: %v, %d edges", err, len(next.IntegrationAccounts.Edges))
	}
	if _, err := client.DisconnectIntegrationAccount(ctx, ts.admin, list.IntegrationAccounts.Edges[0].Node.Id); err != nil {
		t.Fatal(err)
	}
	disc := client.IntegrationAccountStatusDisconnected
	byStatus, err := client.IntegrationAccounts(ctx, ts.admin, ptr(100), nil, &client.IntegrationAccountWhereInput{Status: &disc}, nil)
	if err != nil || byStatus.IntegrationAccounts.TotalCount != 1 {
		t.Fatalf("status filter: %v, %+v", err, byStatus)
	}
}

func TestNoPlaintextSecretAtRest(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	var secrets []string
	for _, tc := range allAccountCases() {
		if _, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: tc.name, Settings: tc.settings}); err != nil {
			t.Fatalf("create %s: %v", tc.name, err)
		}
		secrets = append(secrets, tc.secrets...)
	}
	password := "correct horse battery staple"
	if _, err := client.CreateUser(ctx, ts.admin, client.CreateUserInput{Name: "pat", Email: ptr("pat@example.com"), Role: client.UserRoleAgent, Password: &password}); err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, password, ts.adminToken)
	// Read everything SQLite wrote: the database, its WAL and shared memory;
	// on PostgreSQL, every row of every table.
	var all []byte
	if ts.cfg.DatabaseURL != "" {
		all = []byte(storetest.Dump(t, ts.cfg.DatabaseURL))
	} else {
		files, _ := filepath.Glob(filepath.Join(ts.cfg.DataDir, "switchboard.db*"))
		if len(files) == 0 {
			t.Fatal("no database files")
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
	}
	for _, s := range secrets {
		if strings.Contains(string(all), s) {
			t.Errorf("plaintext secret %q...%q found in the database files", s[:3], last4(s))
		}
	}
	for _, s := range secrets {
		if strings.Contains(ts.logs.String(), s) {
			t.Errorf("secret %q...%q found in the logs", s[:3], last4(s))
		}
	}
	info, err := os.Stat(filepath.Join(ts.cfg.DataDir, server.KeyFileName))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, info.Mode())
	}
}

func TestSecretKeyFromEnvironment(t *testing.T) {
	key := "9t5P2oE7d5pV3pXvWm8cZsPqk0D5JbN3yX7W3nC0e1A="
	ts := newTestServer(t, func(c *server.Config) { c.SecretKey = key })
	ctx := context.Background()
	tc := allAccountCases()[2]
	if _, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: "bot", Settings: tc.settings}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ts.cfg.DataDir, server.KeyFileName)); !os.IsNotExist(err) {
		t.Fatalf("a key file was created although SWITCHBOARD_SECRET_KEY is set: %v", err)
	}
}

func TestNodesResolvesSeveralTypesAndHidesOtherTenants(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	a, err := client.CreateIntegrationAccount(ctx, ts.admin, client.CreateIntegrationAccountInput{Name: "bot", Settings: allAccountCases()[2].settings})
	if err != nil {
		t.Fatal(err)
	}
	me, _ := client.Me(ctx, ts.admin)
	other := ts.tenantAdmin(t, "globex")
	otherMe, _ := client.Me(ctx, other)
	got, err := client.Nodes(ctx, ts.admin, []string{a.CreateIntegrationAccount.Id, me.Me.Id, otherMe.Me.Id})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Nodes) != 3 {
		t.Fatalf("%d nodes, want 3", len(got.Nodes))
	}
	acct, ok := (*got.Nodes[0]).(*client.NodesNodesIntegrationAccount)
	if !ok || acct.Name != "bot" {
		t.Fatalf("nodes[0] = %#v", got.Nodes[0])
	}
	user, ok := (*got.Nodes[1]).(*client.NodesNodesUser)
	if !ok || user.Name != "admin" {
		t.Fatalf("nodes[1] = %#v", got.Nodes[1])
	}
	if got.Nodes[2] != nil && *got.Nodes[2] != nil {
		t.Fatalf("another tenant's user resolved: %#v", *got.Nodes[2])
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = me.Me.Id
	}
	_, err = client.Nodes(ctx, ts.admin, many)
	wantCode(t, err, "BAD_USER_INPUT")
}
