package telegram

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
)

func TestWebhookStatus(t *testing.T) {
	t.Run("getWebhookInfo as health shows it", func(t *testing.T) {
		fake := newFakeAPI(t)
		p := New(fake.URL)
		acct := testAccount
		acct.WebhookURL = "https://switchboard.example.com/webhooks/acc1"
		if res, err := p.SetWebhook(context.Background(), fake.env(), acct); err != nil || !res.OK {
			t.Fatalf("setWebhook: %+v %v", res, err)
		}
		failed := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
		fake.SetWebhookStatus(telegramtest.WebhookStatus{PendingUpdateCount: 42, LastErrorDate: failed,
			LastErrorMessage: "Connection timed out"})
		st, err := p.WebhookStatus(context.Background(), fake.env(), acct)
		if err != nil {
			t.Fatal(err)
		}
		if st.URL != acct.WebhookURL || !st.Active || st.PendingUpdates == nil || *st.PendingUpdates != 42 ||
			st.LastError != "Connection timed out" || !st.LastErrorAt.Equal(failed) || st.Refusal != "" {
			t.Errorf("status %+v", st)
		}
		reqs := fake.Requests()
		if last := reqs[len(reqs)-1]; last.Endpoint != "getWebhookInfo" || !last.Authorized {
			t.Errorf("last call %s (authorized %v), want getWebhookInfo with the token", last.Endpoint, last.Authorized)
		}
	})
	t.Run("no webhook", func(t *testing.T) {
		fake := newFakeAPI(t)
		st, err := New(fake.URL).WebhookStatus(context.Background(), fake.env(), testAccount)
		if err != nil || st.URL != "" || st.Active || st.LastError != "" || !st.LastErrorAt.IsZero() {
			t.Errorf("status %+v, err %v", st, err)
		}
	})
	t.Run("refused token", func(t *testing.T) {
		fake := newFakeAPI(t)
		fake.reply(telegramtest.Unauthorized)
		st, err := New(fake.URL).WebhookStatus(context.Background(), fake.env(), testAccount)
		if err != nil || !strings.Contains(st.Refusal, "does not accept this bot token") || st.PendingUpdates != nil {
			t.Errorf("status %+v, err %v", st, err)
		}
		if strings.Contains(st.Refusal, testToken) {
			t.Errorf("the refusal shows the token: %q", st.Refusal)
		}
	})
}
