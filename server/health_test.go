package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/line/linetest"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
	"github.com/switchboard/switchboard/providers/viber/vibertest"
)

// accountWebhook is an account's health.webhook as an admin reads it.
func accountWebhook(t *testing.T, ts *testServer, id string) *client.AccountFieldsHealthAccountHealthWebhookAccountWebhookStatus {
	t.Helper()
	return fetchAccount(t, ts, id).Health.Webhook
}

// recent fails t unless at is within the last minute: the status was read
// by the call just made.
func recent(t *testing.T, what string, at time.Time) {
	t.Helper()
	if d := time.Since(at); d < -time.Second || d > time.Minute {
		t.Errorf("%s checkedAt = %v, want just now", what, at)
	}
}

// TestTelegramHealthShowsWebhookStatus: what getWebhookInfo reports (where
// updates go, how many wait, the last delivery error) shows in the account's
// health after Set Webhook and again, refreshed, after Test Connection; a
// token Telegram refuses shows as why the status could not be read.
func TestTelegramHealthShowsWebhookStatus(t *testing.T) {
	fake := newFakeTelegram(t)
	ts := telegramServer(t, fake)
	ctx := context.Background()
	a := createTelegramBot(t, ts, "acme", fakeBotToken)
	if w := accountWebhook(t, ts, a.Id); w != nil {
		t.Fatalf("webhook before any check = %+v, want null", w)
	}

	errorAt := time.Date(2026, 11, 30, 8, 15, 0, 0, time.UTC)
	fake.SetWebhookStatus(telegramtest.WebhookStatus{
		PendingUpdateCount: 17, LastErrorDate: errorAt,
		LastErrorMessage: "Wrong response from the webhook: 502 Bad Gateway",
	})
	if _, err := client.SetWebhook(ctx, ts.admin, a.Id); err != nil {
		t.Fatalf("setWebhook: %v", err)
	}
	w := accountWebhook(t, ts, a.Id)
	if w == nil || deref(w.Url) != a.WebhookUrl || !w.PointsHere || !w.Active || w.ReadError != nil {
		t.Fatalf("webhook after Set Webhook = %+v, want the account's URL, active", w)
	}
	if w.PendingUpdates == nil || *w.PendingUpdates != 17 {
		t.Errorf("pendingUpdates = %v, want 17", w.PendingUpdates)
	}
	if deref(w.LastError) != "Wrong response from the webhook: 502 Bad Gateway" || w.LastErrorAt == nil || !w.LastErrorAt.Equal(errorAt) {
		t.Errorf("last error = %q at %v, want Telegram's at %v", deref(w.LastError), w.LastErrorAt, errorAt)
	}
	recent(t, "after Set Webhook", w.CheckedAt)

	// Telegram delivered the backlog: Test Connection reads the status anew.
	fake.SetWebhookStatus(telegramtest.WebhookStatus{})
	if _, err := client.TestConnection(ctx, ts.admin, a.Id); err != nil {
		t.Fatalf("testConnection: %v", err)
	}
	w2 := accountWebhook(t, ts, a.Id)
	if w2 == nil || !w2.PointsHere || w2.PendingUpdates == nil || *w2.PendingUpdates != 0 || w2.LastError != nil || w2.LastErrorAt != nil {
		t.Errorf("webhook after Test Connection = %+v, want no backlog and no error", w2)
	}
	if w2 != nil && w2.CheckedAt.Before(w.CheckedAt) {
		t.Errorf("checkedAt went back from %v to %v", w.CheckedAt, w2.CheckedAt)
	}

	bad := createTelegramBot(t, ts, "revoked", fakeWrongBotToken)
	if _, err := client.TestConnection(ctx, ts.admin, bad.Id); err != nil {
		t.Fatalf("testConnection: %v", err)
	}
	wb := accountWebhook(t, ts, bad.Id)
	if wb == nil || !strings.Contains(deref(wb.ReadError), "does not accept this bot token") || wb.Url != nil || wb.PointsHere {
		t.Fatalf("webhook of a refused token = %+v, want why it could not be read", wb)
	}
	mustNotContain(t, "the read error", deref(wb.ReadError), fakeBotToken, fakeWrongBotToken)
}

// TestLineHealthShowsWebhookEndpoint: the account's health shows LINE's
// webhook endpoint: whether it is this account's URL and whether LINE sends
// webhooks at all (the console's "Use webhook", which Switchboard cannot
// turn on), and no URL when none is set.
func TestLineHealthShowsWebhookEndpoint(t *testing.T) {
	fake := newLineFake(t)
	ts, _ := lineServer(t, fake)
	ctx := context.Background()
	a := createLine(t, ts, "line support", linetest.Token, linetest.Secret)

	for _, tc := range []struct {
		name             string
		endpoint         string
		active           bool
		wantURL          string
		wantHere, wantOn bool
		refused          bool // LINE refuses to tell
	}{
		{name: "ours but inactive", endpoint: a.WebhookUrl, active: false, wantURL: a.WebhookUrl, wantHere: true},
		{name: "elsewhere", endpoint: "https://old-helpdesk.example.com/line", active: true, wantURL: "https://old-helpdesk.example.com/line", wantOn: true},
		{name: "none set", endpoint: "", active: true, wantURL: "<nil>"},
		{name: "not told", endpoint: a.WebhookUrl, active: true, wantURL: "<nil>", refused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake.UpdateChannel(linetest.Token, func(c *linetest.Channel) { c.WebhookEndpoint, c.WebhookActive = tc.endpoint, tc.active })
			if tc.refused {
				fake.FailNext(linetest.EndpointGetWebhook, linetest.Forbidden)
			}
			if _, err := client.TestConnection(ctx, ts.admin, a.Id); err != nil {
				t.Fatalf("testConnection: %v", err)
			}
			w := accountWebhook(t, ts, a.Id)
			if w == nil {
				t.Fatal("no webhook status after Test Connection")
			}
			if deref(w.Url) != tc.wantURL || w.PointsHere != tc.wantHere || w.Active != tc.wantOn {
				t.Errorf("webhook = url %q pointsHere %v active %v, want %q %v %v", deref(w.Url), w.PointsHere, w.Active, tc.wantURL, tc.wantHere, tc.wantOn)
			}
			if w.PendingUpdates != nil || w.LastError != nil {
				t.Errorf("webhook = %+v: LINE reports no backlog or delivery errors", w)
			}
			if tc.refused != strings.Contains(deref(w.ReadError), "Access to this API is not available") {
				t.Errorf("readError = %q, want LINE's refusal only when it refused", deref(w.ReadError))
			}
			recent(t, tc.name, w.CheckedAt)
		})
	}
}

// TestViberHealthShowsWebhook: the account's health shows the webhook Viber's
// get_account_info names: none before Set Webhook, this account's after it.
func TestViberHealthShowsWebhook(t *testing.T) {
	fake := newViberFake(t)
	ts, _ := viberServer(t, fake)
	ctx := context.Background()
	a := createViber(t, ts, "viber support", vibertest.DefaultToken)

	if _, err := client.TestConnection(ctx, ts.admin, a.Id); err != nil {
		t.Fatalf("testConnection: %v", err)
	}
	if w := accountWebhook(t, ts, a.Id); w == nil || w.Url != nil || w.PointsHere || w.Active {
		t.Fatalf("webhook before Set Webhook = %+v, want none", w)
	}
	if r, err := client.SetWebhook(ctx, ts.admin, a.Id); err != nil || !r.SetWebhook.Ok {
		t.Fatalf("setWebhook: %v %+v", err, r)
	}
	if _, err := client.TestConnection(ctx, ts.admin, a.Id); err != nil {
		t.Fatalf("testConnection: %v", err)
	}
	w := accountWebhook(t, ts, a.Id)
	if w == nil || deref(w.Url) != a.WebhookUrl || !w.PointsHere || !w.Active || w.PendingUpdates != nil || w.ReadError != nil {
		t.Fatalf("webhook after Set Webhook = %+v, want the account's URL", w)
	}
	recent(t, "after Test Connection", w.CheckedAt)
}
