package whatsappcloud

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta/metatest"
	"github.com/switchboard/switchboard/providers/whatsappcloud/whatsappcloudtest"
)

func TestTestConnection(t *testing.T) {
	srv, p, env := newFake(t)
	res, err := p.TestConnection(context.Background(), env, testAccount)
	if err != nil {
		t.Fatalf("TestConnection: %v", err)
	}
	if !res.OK || res.Message != `Connected to the WhatsApp number +1 555-096-7852 ("Acme Support", quality GREEN).` {
		t.Errorf("result %+v", res)
	}
	want := map[string]string{"id": testNumber, "displayPhoneNumber": "+1 555-096-7852", "verifiedName": "Acme Support",
		"qualityRating": "GREEN", "codeVerificationStatus": "VERIFIED"}
	if !reflect.DeepEqual(res.Details, want) {
		t.Errorf("details %v", res.Details)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Path != testNumber || reqs[0].Query.Get("fields") != "display_phone_number,verified_name,quality_rating,code_verification_status" ||
		reqs[1].Path != testWABA+"/phone_numbers" || reqs[0].TokenVia != "header" {
		t.Errorf("requests %+v", reqs)
	}
	checkResultNoSecret(t, res)
}

func TestTestConnectionStates(t *testing.T) {
	tests := []struct {
		name    string
		number  whatsappcloudtest.Number
		acct    func() providers.Account
		ok      bool
		message string
	}{
		{"unverified", whatsappcloudtest.Number{ID: testNumber, WABAID: testWABA, DisplayPhoneNumber: "+1 555-096-7852", CodeVerificationStatus: "NOT_VERIFIED"},
			func() providers.Account { return testAccount }, true, "code verification status is NOT_VERIFIED"},
		{"red quality", whatsappcloudtest.Number{ID: testNumber, WABAID: testWABA, DisplayPhoneNumber: "+1 555-096-7852", QualityRating: "RED"},
			func() providers.Account { return testAccount }, true, "quality rating is RED"},
		{"number in its business account", whatsappcloudtest.Number{ID: testNumber, WABAID: "555", DisplayPhoneNumber: "+1 555-096-7852"},
			func() providers.Account {
				a := testAccount
				a.Settings = map[string]string{"phoneNumberId": testNumber, "businessAccountId": "555"}
				return a
			}, true, "Connected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			srv.AddNumber(tt.number)
			res, err := p.TestConnection(context.Background(), env, tt.acct())
			if err != nil || res.OK != tt.ok || !strings.Contains(res.Message, tt.message) {
				t.Errorf("%+v %v", res, err)
			}
		})
	}
}

func TestTestConnectionRefused(t *testing.T) {
	wrongWABA := testAccount
	wrongWABA.Settings = map[string]string{"phoneNumberId": testNumber, "businessAccountId": "555000"}
	otherWABA := testAccount
	otherWABA.Settings = map[string]string{"phoneNumberId": testNumber, "businessAccountId": "777"}
	wrongNumber := testAccount
	wrongNumber.Settings = map[string]string{"phoneNumberId": "999", "businessAccountId": testWABA}
	tests := []struct {
		name    string
		acct    providers.Account
		reply   *metatest.Reply
		message string
	}{
		{"unknown token", providers.Account{Settings: testAccount.Settings, Secrets: map[string]string{"accessToken": "EAAJB5znope"}}, nil,
			"Meta does not accept the access token (Invalid OAuth access token - Cannot parse access token)"},
		{"expired token", testAccount, &metatest.Reply{Error: &metatest.ErrExpiredToken}, "Meta does not accept the access token (Error validating access token"},
		{"unknown number", wrongNumber, nil, "Meta has no phone number 999 that this token may use"},
		{"unknown business account", wrongWABA, nil, "its business account did not: Meta has no WhatsApp Business Account 555000"},
		{"number not in the business account", otherWABA, nil, "is not in the WhatsApp Business Account 777"},
		{"no permission", testAccount, &metatest.Reply{Error: &metatest.ErrPermission}, "whatsapp_business_messaging"},
		{"bad gateway", testAccount, &metatest.BadGateway, "HTTP 502"},
		{"no token", providers.Account{Settings: testAccount.Settings}, nil, "no access token"},
		{"no number", providers.Account{Secrets: testAccount.Secrets}, nil, "no phone number ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			srv.AddNumber(whatsappcloudtest.Number{ID: "123", WABAID: "777"})
			if tt.reply != nil {
				srv.FailNext("{id}", *tt.reply)
			}
			res, err := p.TestConnection(context.Background(), env, tt.acct)
			if err != nil {
				t.Fatalf("err = %v: a refusal is a result", err)
			}
			if res.OK || !strings.Contains(res.Message, tt.message) {
				t.Errorf("result %+v, want a failure saying %q", res, tt.message)
			}
			checkResultNoSecret(t, res)
		})
	}
}

func TestTestConnectionUnreachable(t *testing.T) {
	srv, p, env := newFake(t)
	srv.Close()
	_, err := p.TestConnection(context.Background(), env, testAccount)
	if err == nil || !strings.Contains(err.Error(), "whatsappcloud: test connection:") {
		t.Errorf("err = %v", err)
	}
	checkNoSecret(t, err)
}

func TestSetWebhook(t *testing.T) {
	srv, p, env := newFake(t)
	res, err := p.SetWebhook(context.Background(), env, testAccount)
	if err != nil || !res.OK || !srv.Subscribed(testWABA) {
		t.Fatalf("SetWebhook: %+v %v", res, err)
	}
	for _, s := range []string{testAccount.WebhookURL, `"` + testVerify + `"`, "App Dashboard", "WhatsApp > Configuration", "messages field"} {
		if !strings.Contains(res.Message, s) {
			t.Errorf("message does not say %q: %s", s, res.Message)
		}
	}
	if res.Details["callbackUrl"] != testAccount.WebhookURL || res.Details["verifyToken"] != testVerify {
		t.Errorf("details %v", res.Details)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("requests %+v, want the subscription and the number's callback", reqs)
	}
	if r := reqs[0]; r.Path != testWABA+"/subscribed_apps" || r.Method != "POST" || r.TokenVia != "header" {
		t.Errorf("request %+v", r)
	}
	if r := reqs[1]; r.Path != testNumber || r.Method != "POST" || r.TokenVia != "header" {
		t.Errorf("request %+v", r)
	}
	// The number's alternate callback is the account's URL, checked with its
	// verify token; the business account keeps no override of its own.
	if cb, ok := srv.NumberCallback(testNumber); !ok || cb.URI != testAccount.WebhookURL || cb.VerifyToken != testVerify {
		t.Errorf("the number's callback %+v (%v), want %s with the verify token", cb, ok, testAccount.WebhookURL)
	}
	if res.Details["overrideCallbackUri"] != testAccount.WebhookURL {
		t.Errorf("details %v", res.Details)
	}
	checkResultNoSecret(t, res)
}

// TestSetWebhookNotHTTPS: Meta calls only https URLs, so the number is left
// as it is and the result says why.
func TestSetWebhookNotHTTPS(t *testing.T) {
	srv, p, env := newFake(t)
	acct := testAccount
	acct.WebhookURL = "http://switchboard.example.com/webhooks/acc_1"
	res, err := p.SetWebhook(context.Background(), env, acct)
	if err != nil || res.OK || !strings.Contains(res.Message, "only to https URLs") {
		t.Fatalf("SetWebhook: %+v %v", res, err)
	}
	if _, ok := srv.NumberCallback(testNumber); ok {
		t.Error("the number got a callback Meta would not call")
	}
}

func TestSetWebhookRefused(t *testing.T) {
	noWABA := testAccount
	noWABA.Settings = map[string]string{"phoneNumberId": testNumber}
	unknownWABA := testAccount
	unknownWABA.Settings = map[string]string{"phoneNumberId": testNumber, "businessAccountId": "404"}
	tests := []struct {
		name    string
		acct    providers.Account
		reply   *metatest.Reply
		message string
	}{
		{"no business account", noWABA, nil, "no WhatsApp Business Account ID"},
		{"unknown business account", unknownWABA, nil, "Meta has no WhatsApp Business Account 404"},
		{"not confirmed", testAccount, &metatest.Reply{Body: `{"success":false}`}, "did not confirm"},
		{"permission", testAccount, &metatest.Reply{Error: &metatest.GraphError{HTTPStatus: 403, Message: "(#200) Permissions error", Code: 200}}, "whatsapp_business_management"},
		{"number's callback refused", testAccount, nil, "did not take this account's URL as the number's callback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			if tt.reply != nil {
				srv.FailNext("{waba-id}/subscribed_apps", *tt.reply)
			}
			if tt.name == "number's callback refused" {
				srv.FailNext("{phone-number-id}", metatest.Reply{Error: &metatest.GraphError{HTTPStatus: 400, Message: "(#100) Invalid parameter", Code: 100}})
			}
			res, err := p.SetWebhook(context.Background(), env, tt.acct)
			if err != nil || res.OK || !strings.Contains(res.Message, tt.message) {
				t.Errorf("%+v %v", res, err)
			}
			checkResultNoSecret(t, res)
		})
	}
}
