package server_test

import (
	"context"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
	"github.com/switchboard/switchboard/server"
)

const (
	// fakeBotToken is the token the fake Bot API accepts; fakeWrongBotToken it refuses.
	fakeBotToken      = "313534466:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	fakeWrongBotToken = "999999999:AAwrongTokenThatTelegramRefusesZZ"
)

// newFakeTelegram is the shared fake Bot API accepting fakeBotToken, whose bot
// is @acme_real_bot and whose webhook has a backlog and a recent failure.
func newFakeTelegram(t *testing.T) *telegramtest.Server {
	t.Helper()
	f := telegramtest.NewServer(fakeBotToken)
	t.Cleanup(f.Close)
	f.SetBot(telegramtest.Bot{FirstName: "Acme", Username: "acme_real_bot"})
	f.SetWebhookStatus(telegramtest.WebhookStatus{
		PendingUpdateCount: 3,
		LastErrorDate:      time.Unix(1700000000, 0),
		LastErrorMessage:   "Wrong response from the webhook: 502 Bad Gateway",
	})
	return f
}

// setWebhookParams is what one setWebhook call asked for.
type setWebhookParams struct {
	URL            string
	SecretToken    string
	AllowedUpdates []string
	contentType    string
}

// telegramWebhooks returns the setWebhook calls made with the right token, in order.
func telegramWebhooks(t *testing.T, fake *telegramtest.Server) []setWebhookParams {
	t.Helper()
	var out []setWebhookParams
	for _, r := range fake.Requests() {
		if !r.Authorized || r.Endpoint != "setWebhook" {
			continue
		}
		p := setWebhookParams{URL: r.Params["url"], SecretToken: r.Params["secret_token"], contentType: r.ContentType}
		if err := json.Unmarshal([]byte(r.Params["allowed_updates"]), &p.AllowedUpdates); err != nil {
			t.Errorf("allowed_updates %q: %v", r.Params["allowed_updates"], err)
		}
		out = append(out, p)
	}
	return out
}

// telegramMethods returns the methods called with the right token, in order,
// as "POST getMe".
func telegramMethods(fake *telegramtest.Server) []string {
	var out []string
	for _, r := range fake.Requests() {
		if r.Authorized {
			out = append(out, r.HTTPMethod+" "+r.Endpoint)
		}
	}
	return out
}

// telegramServer is a test server whose Telegram provider calls fake.
func telegramServer(t *testing.T, fake *telegramtest.Server) *testServer {
	t.Helper()
	return newTestServer(t, func(c *server.Config) { c.TelegramAPIURL = fake.URL })
}

// createBot adds a Telegram account with token and returns it.
func createTelegramBot(t *testing.T, ts *testServer, name, token string) client.AccountFields {
	t.Helper()
	in := client.CreateIntegrationAccountInput{Name: name, Settings: client.IntegrationSettingsInput{
		Telegram: &client.TelegramSettingsInput{BotUsername: ptr("placeholder_bot"), BotToken: ptr(token)}}}
	a, err := client.CreateIntegrationAccount(context.Background(), ts.admin, in)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return a.CreateIntegrationAccount.AccountFields
}

// account fetches an account through node(id).
func fetchAccount(t *testing.T, ts *testServer, id string) *client.IntegrationAccountNodeIntegrationAccount {
	t.Helper()
	r, err := client.IntegrationAccount(context.Background(), ts.admin, id)
	if err != nil {
		t.Fatalf("node(%s): %v", id, err)
	}
	a := nodeAccount(r)
	if a == nil {
		t.Fatalf("node(%s) is not an account", id)
	}
	return a
}

func telegramBotUsername(t *testing.T, a client.AccountFields) string {
	t.Helper()
	s, ok := a.Settings.(*client.AccountFieldsSettingsTelegramSettings)
	if !ok {
		t.Fatalf("settings %T, want TelegramSettings", a.Settings)
	}
	return s.BotUsername
}

func resultDetails(r client.ResultFields) map[string]string {
	m := map[string]string{}
	for _, d := range r.Details {
		m[d.Key] = d.Value
	}
	return m
}

// mustNotContain fails when any of secrets appears in s.
func mustNotContain(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if secret != "" && strings.Contains(s, secret) {
			t.Errorf("%s contains a secret (%s...): %s", what, secret[:4], s)
		}
	}
}

func TestTelegramTestConnection(t *testing.T) {
	fake := newFakeTelegram(t)
	ts := telegramServer(t, fake)
	ctx := context.Background()
	cases := []struct {
		name         string
		token        string
		wantOK       bool
		wantMessage  []string
		wantDetails  map[string]string
		wantUsername string
	}{
		{
			name: "right token", token: fakeBotToken, wantOK: true,
			wantMessage: []string{"@acme_real_bot"},
			wantDetails: map[string]string{
				"botUsername": "acme_real_bot", "botId": "313534466", "firstName": "Acme",
				"pendingUpdateCount": "3", "lastErrorMessage": "Wrong response from the webhook: 502 Bad Gateway",
				"lastErrorDate": "2023-11-14T22:13:20Z",
			},
			// Learned from getMe, replacing what the admin typed.
			wantUsername: "acme_real_bot",
		},
		{
			name: "wrong token", token: fakeWrongBotToken, wantOK: false,
			wantMessage:  []string{"Telegram does not accept", "token", "Unauthorized"},
			wantDetails:  map[string]string{"errorCode": "401"},
			wantUsername: "placeholder_bot",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := createTelegramBot(t, ts, tc.name, tc.token)
			resp, err := client.TestConnection(ctx, ts.admin, a.Id)
			if err != nil {
				t.Fatalf("testConnection: %v", err)
			}
			res := resp.TestConnection.ResultFields
			if res.Ok != tc.wantOK {
				t.Fatalf("ok = %v, want %v: %s", res.Ok, tc.wantOK, res.Message)
			}
			for _, w := range tc.wantMessage {
				if !strings.Contains(res.Message, w) {
					t.Errorf("message %q lacks %q", res.Message, w)
				}
			}
			details := resultDetails(res)
			for k, v := range tc.wantDetails {
				if details[k] != v {
					t.Errorf("details[%s] = %q, want %q (all: %v)", k, details[k], v, details)
				}
			}
			js, _ := json.Marshal(resp)
			mustNotContain(t, "the result", string(js), fakeBotToken, fakeWrongBotToken)

			got := fetchAccount(t, ts, a.Id)
			if u := telegramBotUsername(t, got.AccountFields); u != tc.wantUsername {
				t.Errorf("botUsername = %q, want %q", u, tc.wantUsername)
			}
			last := got.LastTest
			if last == nil {
				t.Fatal("lastTest not recorded")
			}
			if last.Ok != res.Ok || last.Message != res.Message || !last.At.Equal(res.At) ||
				!maps.Equal(resultDetails(last.ResultFields), details) {
				t.Errorf("lastTest = %+v, want the result %+v", last.ResultFields, res)
			}
			mustNotContain(t, "the account", settingsJSON(t, got.AccountFields)+last.Message, fakeBotToken, fakeWrongBotToken)
			// Only a passing check verifies the account's settings.
			if verified := got.VerifiedAt != nil; verified != res.Ok || verified && !got.VerifiedAt.Equal(res.At) {
				t.Errorf("verifiedAt = %v after a check with ok %v at %v", got.VerifiedAt, res.Ok, res.At)
			}
		})
	}
	if m := telegramMethods(fake); !slices.Equal(m, []string{"POST getMe", "POST getWebhookInfo"}) {
		t.Errorf("Bot API calls with the right token = %v", m)
	}
	mustNotContain(t, "the logs", ts.logs.String(), fakeBotToken, fakeWrongBotToken)
}

func TestTelegramSetWebhook(t *testing.T) {
	fake := newFakeTelegram(t)
	ts := telegramServer(t, fake)
	ctx := context.Background()
	a := createTelegramBot(t, ts, "acme", fakeBotToken)

	resp, err := client.SetWebhook(ctx, ts.admin, a.Id)
	if err != nil {
		t.Fatalf("setWebhook: %v", err)
	}
	res := resp.SetWebhook.ResultFields
	if !res.Ok || !strings.Contains(res.Message, a.WebhookUrl) {
		t.Fatalf("setWebhook = %+v", res)
	}
	if d := resultDetails(res); d["webhookUrl"] != a.WebhookUrl || d["pendingUpdateCount"] != "3" {
		t.Errorf("details = %v, want the webhook info after setting it", d)
	}
	got := telegramWebhooks(t, fake)
	if len(got) != 1 {
		t.Fatalf("setWebhook calls = %d, want 1", len(got))
	}
	p := got[0]
	if want := "https://switchboard.example.com/webhooks/" + a.AccountId; p.URL != want || p.URL != a.WebhookUrl {
		t.Errorf("url = %q, want %q (the account's webhookUrl %q)", p.URL, want, a.WebhookUrl)
	}
	if !strings.HasPrefix(p.contentType, "application/json") {
		t.Errorf("Content-Type = %q", p.contentType)
	}
	// Telegram: 1-256 characters of A-Z a-z 0-9 _ -.
	if len(p.SecretToken) < 20 || len(p.SecretToken) > 256 || !regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(p.SecretToken) {
		t.Errorf("secret_token %q is not a long Telegram-safe random string", p.SecretToken)
	}
	for _, u := range []string{"message", "edited_message", "callback_query", "my_chat_member"} {
		if !slices.Contains(p.AllowedUpdates, u) {
			t.Errorf("allowed_updates %v lacks %s", p.AllowedUpdates, u)
		}
	}

	// Setting it again keeps the secret the webhook handler checks.
	if r, err := client.SetWebhook(ctx, ts.admin, a.Id); err != nil || !r.SetWebhook.Ok {
		t.Fatalf("second setWebhook: %v %+v", err, r)
	}
	if again := telegramWebhooks(t, fake); len(again) != 2 || again[1].SecretToken != p.SecretToken || again[1].URL != p.URL {
		t.Errorf("second setWebhook sent %+v, want the same url and secret", again[len(again)-1])
	}

	// The secret never leaves the server: not in any response about the account,
	// nor in an event, nor in the logs.
	responses := []any{resp}
	node, err := client.IntegrationAccount(ctx, ts.admin, a.Id)
	if err != nil {
		t.Fatal(err)
	}
	list, err := client.IntegrationAccounts(ctx, ts.admin, ptr(10), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tested, err := client.TestConnection(ctx, ts.admin, a.Id)
	if err != nil || !tested.TestConnection.Ok {
		t.Fatalf("testConnection: %v %+v", err, tested)
	}
	updated, err := client.UpdateIntegrationAccount(ctx, ts.admin, a.Id, client.UpdateIntegrationAccountInput{Name: ptr("renamed")})
	if err != nil {
		t.Fatal(err)
	}
	responses = append(responses, node, list, tested, updated, settingsJSON(t, nodeAccount(node).AccountFields))
	for _, r := range responses {
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		mustNotContain(t, "a GraphQL response", string(js), p.SecretToken, fakeBotToken)
	}
	// Raw: every field TelegramSettings has, so nothing the typed client skips.
	raw := ts.postQuery(t, ts.adminToken, `{ node(id:"`+a.Id+`") { ... on IntegrationAccount { settings { __typename ... on TelegramSettings { botUsername botToken { isSet last4 } } } lastTest { details { key value } } } } }`)
	if len(raw.Errors) > 0 {
		t.Fatalf("raw query: %s", raw.Body)
	}
	mustNotContain(t, "the raw response", raw.Body, p.SecretToken, fakeBotToken)
	mustNotContain(t, "the logs", ts.logs.String(), p.SecretToken, fakeBotToken)
}

func TestTelegramWithAccountsThatCannotConnect(t *testing.T) {
	ctx := context.Background()

	t.Run("unreachable API", func(t *testing.T) {
		fake := newFakeTelegram(t)
		ts := telegramServer(t, fake)
		a := createTelegramBot(t, ts, "acme", fakeBotToken)
		fake.Close()
		calls := []struct {
			name string
			call func() (client.ResultFields, error)
		}{
			{"testConnection", func() (client.ResultFields, error) {
				r, err := client.TestConnection(ctx, ts.admin, a.Id)
				return r.TestConnection.ResultFields, err
			}},
			{"setWebhook", func() (client.ResultFields, error) {
				r, err := client.SetWebhook(ctx, ts.admin, a.Id)
				return r.SetWebhook.ResultFields, err
			}},
		}
		for _, c := range calls {
			res, err := c.call()
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			t.Logf("%s: %s", c.name, res.Message)
			if res.Ok || !strings.HasPrefix(res.Message, "Could not reach the messenger: ") {
				t.Errorf("%s = %+v, want ok false and 'Could not reach the messenger: ...'", c.name, res)
			}
			js, _ := json.Marshal(res)
			mustNotContain(t, c.name+"'s result", string(js), fakeBotToken, strings.SplitN(fakeBotToken, ":", 2)[1])
		}
		if u := telegramBotUsername(t, fetchAccount(t, ts, a.Id).AccountFields); u != "placeholder_bot" {
			t.Errorf("a failed test changed botUsername to %q", u)
		}
		if last := fetchAccount(t, ts, a.Id).LastTest; last == nil || last.Ok {
			t.Errorf("lastTest = %+v, want a failure", last)
		}
		mustNotContain(t, "the logs", ts.logs.String(), fakeBotToken)
	})

	t.Run("answer of an unexpected shape", func(t *testing.T) {
		fake := newFakeTelegram(t)
		fake.SetHook(func(r telegramtest.Request) *telegramtest.Reply {
			if r.Endpoint == "getMe" {
				return &telegramtest.Reply{Body: `{"ok":true,"result":{"id":"313534466","is_bot":"yes","username":["acme_real_bot"]}}`}
			}
			return nil
		})
		ts := telegramServer(t, fake)
		a := createTelegramBot(t, ts, "acme", fakeBotToken)
		r, err := client.TestConnection(ctx, ts.admin, a.Id)
		if err != nil {
			t.Fatal(err)
		}
		res := r.TestConnection.ResultFields
		if res.Ok {
			t.Fatalf("an unreadable getMe answer passed: %+v", res)
		}
		mustNotContain(t, "the message", res.Message, fakeBotToken)
		if l := regexp.MustCompile(`Go struct|int64|botUser|json: `).FindString(res.Message); l != "" {
			t.Skipf("BUG: the result message shows Go internals (%q): %q. providers/telegram/client.go decodeError.Error "+
				"includes encoding/json's error text (Go struct and field types) and core/accounts/service.go providerCall "+
				"puts err.Error() into the user-facing message; it should say e.g. 'Telegram answered getMe in an "+
				"unexpected format' and log the detail instead", l, res.Message)
		}
	})

	t.Run("wrong token refused by setWebhook", func(t *testing.T) {
		fake := newFakeTelegram(t)
		ts := telegramServer(t, fake)
		a := createTelegramBot(t, ts, "acme", fakeWrongBotToken)
		r, err := client.SetWebhook(ctx, ts.admin, a.Id)
		if err != nil {
			t.Fatal(err)
		}
		if r.SetWebhook.Ok || !strings.Contains(r.SetWebhook.Message, "does not accept") {
			t.Errorf("setWebhook = %+v", r.SetWebhook.ResultFields)
		}
		js, _ := json.Marshal(r)
		mustNotContain(t, "the result", string(js), fakeWrongBotToken)
		if len(telegramWebhooks(t, fake)) != 0 || fake.Webhook().URL != "" {
			t.Error("the fake recorded a webhook for a refused token")
		}
	})
}
