package twitter

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/twitter/twittertest"
)

func TestFetchProfile(t *testing.T) {
	fake, p, env := newFake(t)
	pr, err := p.FetchProfile(context.Background(), env, testAccount, "", twittertest.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	if pr.DisplayName != twittertest.CustomerName || pr.PictureURL != twittertest.CustomerPicture {
		t.Errorf("profile %+v", pr)
	}
	r := fake.Requests()
	if len(r) != 1 || r[0].Path != "/2/users/"+twittertest.CustomerID || r[0].Query != "user.fields=profile_image_url" || r[0].Auth != "oauth1" {
		t.Errorf("requests %+v", r)
	}
}

func TestFetchProfileErrors(t *testing.T) {
	tests := []struct {
		name    string
		userID  string
		acct    providers.Account
		fault   *twittertest.Fault
		noProf  bool
		message string
	}{
		{name: "unknown user", userID: "44196397", noProf: true},
		{name: "X answers 404", userID: twittertest.CustomerID, fault: &twittertest.Fault{Status: 404, Body: `{"title":"Not Found Error","detail":"Not Found","type":"about:blank","status":404}`}, noProf: true},
		{name: "a username", userID: "furiouscamper", message: "not an X user ID"},
		{name: "bad credentials", userID: twittertest.CustomerID, acct: withSecret("consumerSecret", "nope"), message: "401"},
		{name: "rate limited", userID: twittertest.CustomerID, fault: &twittertest.RateLimited, message: "429"},
		{name: "no credentials", userID: twittertest.CustomerID, acct: providers.Account{Secrets: map[string]string{}}, message: "no consumer key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			if tt.fault != nil {
				fake.FailNext(twittertest.EndpointUser, *tt.fault)
			}
			acct := testAccount
			if tt.acct.Secrets != nil {
				acct = tt.acct
			}
			_, err := p.FetchProfile(context.Background(), env, acct, "", tt.userID)
			if errors.Is(err, providers.ErrNoProfile) != tt.noProf {
				t.Errorf("err = %v; ErrNoProfile %v", err, tt.noProf)
			}
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("err = %v, want %q", err, tt.message)
			}
			checkErrNoSecret(t, err)
		})
	}
}
