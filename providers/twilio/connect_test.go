package twilio

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/twilio/twiliotest"
)

// checkResultNoToken fails when a result shows the Auth Token anywhere.
func checkResultNoToken(t testing.TB, res providers.Result) {
	t.Helper()
	if s := fmt.Sprintf("%+v", res); strings.Contains(s, testToken) {
		t.Errorf("result shows the auth token: %s", s)
	}
}

func TestTestConnection(t *testing.T) {
	srv, acct, env := newFake(t)
	res, err := Provider{}.TestConnection(context.Background(), env, acct)
	if err != nil {
		t.Fatalf("TestConnection: %v", err)
	}
	if !res.OK || !strings.Contains(res.Message, `"My first Twilio account" (`+twiliotest.DefaultAccountSID+")") ||
		!strings.Contains(res.Message, "whatsapp:"+twiliotest.SandboxNumber) {
		t.Errorf("result %+v", res)
	}
	want := map[string]string{"accountSid": twiliotest.DefaultAccountSID, "friendlyName": "My first Twilio account",
		"status": "active", "type": "Full", "whatsappNumber": "whatsapp:" + twiliotest.SandboxNumber, "numberCheck": "the WhatsApp Sandbox"}
	if !reflect.DeepEqual(res.Details, want) {
		t.Errorf("details\n got %v\nwant %v", res.Details, want)
	}
	if res.Settings != nil || !strings.Contains(res.Message, "WhatsApp Sandbox") {
		t.Errorf("settings %v, message %q", res.Settings, res.Message)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Endpoint != twiliotest.EndpointAccount || reqs[0].Method != http.MethodGet || !reqs[0].Authorized ||
		reqs[1].Endpoint != twiliotest.EndpointPhoneNumbers || reqs[1].Method != http.MethodGet || !reqs[1].Authorized ||
		reqs[1].Form.Get("PhoneNumber") != twiliotest.SandboxNumber {
		t.Errorf("requests %+v", reqs)
	}
	// Twilio's answer carries the auth token; the result must not.
	checkResultNoToken(t, res)
}

// TestTestConnectionNumber: the WhatsApp number is looked up among the
// account's phone numbers; found, Twilio's spelling of it is the identity
// stored on the account; not found or not looked up, the test still passes
// and says so.
func TestTestConnectionNumber(t *testing.T) {
	const own = "+14155550100"
	tests := []struct {
		name     string
		number   string
		prepare  func(srv *twiliotest.Server)
		check    string
		message  string
		settings map[string]string
	}{
		{"a number of the account", "+1 (415) 555-0100", func(srv *twiliotest.Server) { srv.AddPhoneNumber(own, "(415) 555-0100") },
			"a phone number of this account", `+14155550100 is a phone number of this account ("(415) 555-0100")`, map[string]string{"whatsappNumber": own}},
		{"a number hosted elsewhere", "+447700900123", nil,
			"not a phone number of this account", "error 63007", nil},
		{"the lookup refused", own, func(srv *twiliotest.Server) {
			srv.FailNext(twiliotest.EndpointPhoneNumbers, twiliotest.ErrorReply(http.StatusForbidden, 20403, "Forbidden"))
		}, "failed: Forbidden (Twilio error 20403)", "could not look the number up", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			acct.Settings["whatsappNumber"] = tt.number
			if tt.prepare != nil {
				tt.prepare(srv)
			}
			res, err := Provider{}.TestConnection(context.Background(), env, acct)
			if err != nil || !res.OK {
				t.Fatalf("res %+v, err %v; want OK", res, err)
			}
			if res.Details["numberCheck"] != tt.check || !strings.Contains(res.Message, tt.message) || !reflect.DeepEqual(res.Settings, tt.settings) {
				t.Errorf("res %+v; want numberCheck %q, a message with %q and settings %v", res, tt.check, tt.message, tt.settings)
			}
			checkResultNoToken(t, res)
		})
	}
}

func TestTestConnectionAccountStates(t *testing.T) {
	tests := []struct {
		name    string
		account twiliotest.Account
		ok      bool
		message string
	}{
		{"trial", twiliotest.Account{FriendlyName: "Acme", Status: "active", Type: "Trial"}, true, "trial account"},
		{"suspended", twiliotest.Account{FriendlyName: "Acme", Status: "suspended", Type: "Full"}, false, `"Acme" is suspended`},
		{"closed", twiliotest.Account{FriendlyName: "Acme", Status: "closed", Type: "Full"}, false, `"Acme" is closed`},
		{"unknown status", twiliotest.Account{FriendlyName: "Acme", Status: "frozen", Type: "Full"}, false, `status "frozen"`},
		{"no name", twiliotest.Account{Status: "active", Type: "Full"}, true, `"` + twiliotest.DefaultAccountSID + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			srv.SetAccount(tt.account)
			res, err := Provider{}.TestConnection(context.Background(), env, acct)
			if err != nil || res.OK != tt.ok || !strings.Contains(res.Message, tt.message) {
				t.Errorf("result %+v, err %v", res, err)
			}
			checkResultNoToken(t, res)
		})
	}
}

func TestTestConnectionRefused(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(srv *twiliotest.Server, acct *providers.Account)
		message string
		code    string
	}{
		{"wrong auth token", func(_ *twiliotest.Server, acct *providers.Account) {
			acct.Secrets = map[string]string{"authToken": strings.Repeat("0", 32)}
		}, "does not accept this Account SID and Auth Token (error 20003)", "20003"},
		{"another account's SID", func(_ *twiliotest.Server, acct *providers.Account) {
			acct.Settings["accountSid"] = "AC" + strings.Repeat("1", 32)
		}, "does not accept this Account SID and Auth Token", "20003"},
		{"unknown account", func(srv *twiliotest.Server, _ *providers.Account) {
			srv.FailNext(twiliotest.EndpointAccount, twiliotest.ErrorReply(404, 20404, "The requested resource was not found"))
		}, "knows no account " + twiliotest.DefaultAccountSID, "20404"},
		{"rate limited", func(srv *twiliotest.Server, _ *providers.Account) {
			srv.FailNext(twiliotest.EndpointAccount, twiliotest.TooManyRequests)
		}, "could not answer now: Too Many Requests", "20429"},
		{"other refusal", func(srv *twiliotest.Server, _ *providers.Account) {
			srv.FailNext(twiliotest.EndpointAccount, twiliotest.ErrorReply(403, 20005, "Account not active"))
		}, "Twilio refused: Account not active (Twilio error 20005: the Twilio account is not active)", "20005"},
		{"not Twilio's answer", func(srv *twiliotest.Server, _ *providers.Account) {
			srv.FailNext(twiliotest.EndpointAccount, twiliotest.BadGateway)
		}, "answered HTTP 502", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			tt.setup(srv, &acct)
			res, err := Provider{}.TestConnection(context.Background(), env, acct)
			if err != nil || res.OK || !strings.Contains(res.Message, tt.message) || res.Details["code"] != tt.code {
				t.Errorf("result %+v, err %v", res, err)
			}
			checkResultNoToken(t, res)
		})
	}
}

func TestTestConnectionSettings(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(a *providers.Account)
		message string
	}{
		{"no SID", func(a *providers.Account) { a.Settings["accountSid"] = " " }, "no Twilio Account SID"},
		{"API key SID", func(a *providers.Account) { a.Settings["accountSid"] = "SK" + strings.Repeat("a", 32) }, `starting with "AC"`},
		{"no token", func(a *providers.Account) { a.Secrets = map[string]string{} }, "no Twilio Auth Token"},
		{"no number", func(a *providers.Account) { delete(a.Settings, "whatsappNumber") }, "no WhatsApp number"},
		{"bad apiUrl", func(a *providers.Account) { a.Settings["apiUrl"] = "mailto:x@example.com" }, "apiUrl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			tt.mod(&acct)
			res, err := Provider{}.TestConnection(context.Background(), env, acct)
			if err != nil || res.OK || !strings.Contains(res.Message, tt.message) {
				t.Errorf("result %+v, err %v", res, err)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests with unusable settings", n)
			}
		})
	}
}

func TestTestConnectionUnreachable(t *testing.T) {
	srv, acct, env := newFake(t)
	srv.Close()
	_, err := Provider{}.TestConnection(context.Background(), env, acct)
	if err == nil || !strings.HasPrefix(err.Error(), "twilio: test connection: ") || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("err = %v", err)
	}
	checkNoToken(t, err)
}

func TestSetWebhook(t *testing.T) {
	tests := []struct {
		name   string
		number string
		where  []string
	}{
		{"registered sender", "+15557654321", []string{"Messaging > Senders > WhatsApp senders", "select whatsapp:+15557654321", "HTTP POST", "Messaging Service"}},
		{"sandbox", twiliotest.SandboxNumber, []string{"WhatsApp Sandbox settings", `"When a message comes in"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			acct.Settings["whatsappNumber"] = tt.number
			res, err := Provider{}.SetWebhook(context.Background(), env, acct)
			if err != nil {
				t.Fatal(err)
			}
			// Nothing was registered: the result says so, and where to paste.
			if res.OK || !strings.Contains(res.Message, testWebhookURL) || !strings.Contains(res.Message, "no generally available API") {
				t.Errorf("result %+v", res)
			}
			for _, w := range tt.where {
				if !strings.Contains(res.Message, w) {
					t.Errorf("message %q lacks %q", res.Message, w)
				}
			}
			if !reflect.DeepEqual(res.Details, map[string]string{"webhookUrl": testWebhookURL, "webhookMethod": "POST"}) {
				t.Errorf("details %v", res.Details)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests: nothing of the account may change (its SMS webhook least of all)", n)
			}
			checkResultNoToken(t, res)
		})
	}
	t.Run("no webhook URL", func(t *testing.T) {
		_, acct, env := newFake(t)
		acct.WebhookURL = ""
		if res, err := (Provider{}).SetWebhook(context.Background(), env, acct); err != nil || res.OK || !strings.Contains(res.Message, "public URL") {
			t.Errorf("result %+v, err %v", res, err)
		}
	})
}
