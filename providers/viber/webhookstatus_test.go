package viber

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers/viber/vibertest"
)

func TestWebhookStatus(t *testing.T) {
	t.Run("the webhook get_account_info names", func(t *testing.T) {
		srv, p, env := newFake(t)
		st, err := p.WebhookStatus(context.Background(), env, testAccount)
		if err != nil || st.URL != "" || st.Active || st.Refusal != "" {
			t.Fatalf("before set_webhook: %+v, %v", st, err)
		}
		if res, err := p.SetWebhook(context.Background(), env, testAccount); err != nil || !res.OK ||
			res.Webhook == nil || res.Webhook.URL != testAccount.WebhookURL || !res.Webhook.Active {
			t.Fatalf("setWebhook: %+v, %v", res, err)
		}
		st, err = p.WebhookStatus(context.Background(), env, testAccount)
		if err != nil || st.URL != testAccount.WebhookURL || !st.Active || st.PendingUpdates != nil {
			t.Errorf("after set_webhook: %+v, %v", st, err)
		}
		reqs := srv.Requests()
		if last := reqs[len(reqs)-1]; last.Endpoint != "get_account_info" || last.Token != testToken {
			t.Errorf("last request %+v, want get_account_info with the token", last)
		}
	})
	t.Run("refused token", func(t *testing.T) {
		srv, p, env := newFake(t)
		srv.FailNext("get_account_info", vibertest.StatusReply(statusInvalidAuthToken))
		st, err := p.WebhookStatus(context.Background(), env, testAccount)
		if err != nil || !strings.Contains(st.Refusal, "Viber does not accept this token") || st.URL != "" {
			t.Errorf("status %+v, err %v", st, err)
		}
	})
}
