package line

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers/line/linetest"
)

func TestWebhookStatus(t *testing.T) {
	for _, tc := range []struct {
		name       string
		endpoint   string
		active     bool
		fault      *linetest.Fault
		wantURL    string
		wantActive bool
		wantRefuse string
	}{
		{name: "set and in use", endpoint: testAccount.WebhookURL, active: true, wantURL: testAccount.WebhookURL, wantActive: true},
		{name: "set but Use webhook off", endpoint: testAccount.WebhookURL, wantURL: testAccount.WebhookURL},
		{name: "none set (404)", active: true},
		{name: "refused", endpoint: testAccount.WebhookURL, fault: &linetest.Forbidden, wantRefuse: "Access to this API is not available"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			fake.UpdateChannel(linetest.Token, func(c *linetest.Channel) { c.WebhookEndpoint, c.WebhookActive = tc.endpoint, tc.active })
			if tc.fault != nil {
				fake.FailNext(linetest.EndpointGetWebhook, *tc.fault)
			}
			st, err := p.WebhookStatus(context.Background(), env, testAccount)
			if err != nil {
				t.Fatal(err)
			}
			if st.URL != tc.wantURL || st.Active != tc.wantActive || st.PendingUpdates != nil || st.LastError != "" {
				t.Errorf("status %+v, want url %q active %v", st, tc.wantURL, tc.wantActive)
			}
			if tc.wantRefuse == "" && st.Refusal != "" || !strings.Contains(st.Refusal, tc.wantRefuse) {
				t.Errorf("refusal %q, want %q", st.Refusal, tc.wantRefuse)
			}
			reqs := fake.Requests()
			if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/v2/bot/channel/webhook/endpoint" {
				t.Errorf("requests %+v, want one GET of the endpoint", reqs)
			}
		})
	}
}
