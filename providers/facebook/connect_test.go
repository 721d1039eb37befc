package facebook

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/facebook/facebooktest"
	"github.com/switchboard/switchboard/providers/meta"
	"github.com/switchboard/switchboard/providers/meta/metatest"
)

func TestTestConnection(t *testing.T) {
	srv, p, env := newFake(t)
	res, err := p.TestConnection(context.Background(), env, testAccount)
	if err != nil {
		t.Fatalf("TestConnection: %v", err)
	}
	if !res.OK || res.Message != `Connected to the Facebook Page "Acme Support" (@acmesupport, ID 106728097004746).` {
		t.Errorf("result %+v", res)
	}
	if want := map[string]string{"id": testPage, "name": "Acme Support", "username": "acmesupport"}; !reflect.DeepEqual(res.Details, want) {
		t.Errorf("details %v", res.Details)
	}
	if !reflect.DeepEqual(res.Settings, map[string]string{"pageUsername": "acmesupport"}) {
		t.Errorf("settings %v", res.Settings)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Path != "me" || reqs[0].Query.Get("fields") != "id,name" ||
		reqs[1].Path != testPage || reqs[1].Query.Get("fields") != "id,name,username" || reqs[1].Version != meta.APIVersion || reqs[1].TokenVia != "header" {
		t.Errorf("requests %+v", reqs)
	}
	checkResultNoSecret(t, res)
}

func TestTestConnectionPageWithoutUsername(t *testing.T) {
	srv, p, env := newFake(t)
	srv.AddPage(facebooktest.Page{ID: testPage, Name: "Acme", Token: testToken})
	res, err := p.TestConnection(context.Background(), env, testAccount)
	if err != nil || !res.OK || res.Settings != nil || !strings.Contains(res.Message, "no username") {
		t.Errorf("%+v %v", res, err)
	}
}

func TestTestConnectionRefused(t *testing.T) {
	otherPage := facebooktest.Page{ID: "555000111222333", Name: "Someone Else's Page", Token: "EAAotherPAGEtoken"}
	tests := []struct {
		name    string
		acct    func() providers.Account
		reply   *metatest.Reply
		message string
	}{
		{"another Page's token", func() providers.Account {
			a := testAccount
			a.Secrets = map[string]string{"pageAccessToken": otherPage.Token}
			return a
		}, nil, `The access token belongs to "Someone Else's Page" (ID 555000111222333), not to the Page 106728097004746`},
		{"unknown token", func() providers.Account {
			a := testAccount
			a.Secrets = map[string]string{"pageAccessToken": "EAAnotAtoken"}
			return a
		}, nil, "Meta does not accept the Page access token (Invalid OAuth access token - Cannot parse access token)"},
		{"expired token", func() providers.Account { return testAccount }, &metatest.Reply{Error: &metatest.ErrExpiredToken},
			"Meta does not accept the Page access token (Error validating access token: Session has expired"},
		{"Page not visible", func() providers.Account {
			a := testAccount
			a.Settings = map[string]string{"pageId": "555000111222333"}
			return a
		}, nil, "The access token belongs to"},
		{"no permission", func() providers.Account { return testAccount }, &metatest.Reply{Error: &metatest.ErrPermission}, "lacks a permission"},
		{"outage", func() providers.Account { return testAccount }, &metatest.Reply{Error: &metatest.ErrTemporary}, "Meta refused: An unexpected error has occurred"},
		{"bad gateway", func() providers.Account { return testAccount }, &metatest.BadGateway, "HTTP 502"},
		{"no token", func() providers.Account { return providers.Account{Settings: testAccount.Settings} }, nil, "no Page access token"},
		{"no page", func() providers.Account { return providers.Account{Secrets: testAccount.Secrets} }, nil, "no Page ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			srv.AddPage(otherPage)
			if tt.reply != nil {
				srv.FailNext("me", *tt.reply)
			}
			res, err := p.TestConnection(context.Background(), env, tt.acct())
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

// TestTestConnectionPageRead: the Page read refused after the token check.
func TestTestConnectionPageRead(t *testing.T) {
	srv, p, env := newFake(t)
	e := metatest.NoObject("get", testPage)
	srv.FailNext("{id}", e.Reply())
	res, err := p.TestConnection(context.Background(), env, testAccount)
	if err != nil || res.OK || !strings.Contains(res.Message, "Meta has no Page 106728097004746 that this token may use") || res.Details["subcode"] != "33" {
		t.Errorf("%+v %v", res, err)
	}
}

func TestTestConnectionUnreachable(t *testing.T) {
	srv, p, env := newFake(t)
	srv.Close()
	_, err := p.TestConnection(context.Background(), env, testAccount)
	if err == nil || !strings.Contains(err.Error(), "facebook: test connection:") {
		t.Errorf("err = %v", err)
	}
	checkNoSecret(t, err)
}

func TestSetWebhook(t *testing.T) {
	srv, p, env := newFake(t)
	res, err := p.SetWebhook(context.Background(), env, testAccount)
	if err != nil || !res.OK {
		t.Fatalf("SetWebhook: %+v %v", res, err)
	}
	want := []string{"messages", "messaging_postbacks", "message_deliveries", "message_reads", "message_echoes", "message_edits"}
	if got := srv.Subscription(testPage); !reflect.DeepEqual(got, want) {
		t.Errorf("subscribed %v", got)
	}
	for _, s := range []string{testAccount.WebhookURL, `"` + testVerify + `"`, "App Dashboard", "Callback URL", "Verify Token"} {
		if !strings.Contains(res.Message, s) {
			t.Errorf("message does not say %q: %s", s, res.Message)
		}
	}
	if res.Details["callbackUrl"] != testAccount.WebhookURL || res.Details["verifyToken"] != testVerify ||
		res.Details["subscribedFields"] != strings.Join(want, ",") {
		t.Errorf("details %v", res.Details)
	}
	r := srv.Requests()[0]
	if r.Path != testPage+"/subscribed_apps" || r.ContentType != "application/x-www-form-urlencoded" || r.TokenVia != "header" {
		t.Errorf("request %+v", r)
	}
	checkResultNoSecret(t, res)
}

func TestSetWebhookNotHTTPS(t *testing.T) {
	_, p, env := newFake(t)
	acct := testAccount
	acct.WebhookURL = "http://localhost:8080/webhooks/acc1"
	res, err := p.SetWebhook(context.Background(), env, acct)
	if err != nil || !res.OK || !strings.Contains(res.Message, "only https callback URLs") {
		t.Errorf("%+v %v", res, err)
	}
}

func TestSetWebhookRefused(t *testing.T) {
	tests := []struct {
		name    string
		reply   metatest.Reply
		ok      bool
		message string
	}{
		{"missing permission", metatest.GraphError{HTTPStatus: 403, Message: "(#200) Requires pages_manage_metadata permission to manage the object", Code: 200}.Reply(),
			false, "pages_manage_metadata"},
		{"not confirmed", metatest.Reply{Body: `{"success":false}`}, false, "did not confirm"},
		{"bad gateway", metatest.BadGateway, false, "HTTP 502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			srv.FailNext("{page-id}/subscribed_apps", tt.reply)
			res, err := p.SetWebhook(context.Background(), env, testAccount)
			if err != nil || res.OK != tt.ok || !strings.Contains(res.Message, tt.message) {
				t.Errorf("%+v %v", res, err)
			}
			checkResultNoSecret(t, res)
		})
	}
}

func TestProfile(t *testing.T) {
	srv, p, env := newFake(t)
	srv.AddUser(facebooktest.User{PSID: testPSID, FirstName: "Peter", LastName: "Chang", ProfilePic: "https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=1"})
	got, err := p.Profile(context.Background(), env, testAccount, testPSID)
	if err != nil || got.Name() != "Peter Chang" || got.ProfilePic == "" || got.ID != testPSID {
		t.Errorf("%+v %v", got, err)
	}
	if r := srv.Requests()[0]; r.Query.Get("fields") != "first_name,last_name,profile_pic" {
		t.Errorf("fields %q", r.Query.Get("fields"))
	}
	_, err = p.Profile(context.Background(), env, testAccount, "1234")
	var ge *meta.Error
	if !errors.As(err, &ge) || ge.Code != meta.CodeInvalidParameter {
		t.Errorf("unknown person: %v", err)
	}
	if _, err := p.Profile(context.Background(), env, providers.Account{}, testPSID); err == nil {
		t.Errorf("no token: no error")
	}
}
