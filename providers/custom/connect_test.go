package custom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/custom/customtest"
)

func TestHandshakeRequest(t *testing.T) {
	f := newFakeMessenger(t, nil)
	acct := testAccount(f.URL)
	res, err := Provider{}.Handshake(context.Background(), f.env(), acct)
	if err != nil || !res.OK {
		t.Fatalf("Handshake = %+v, %v; want OK", res, err)
	}
	if !strings.Contains(res.Message, "holds the confirmation code") {
		t.Errorf("message = %q", res.Message)
	}
	if res.Details["statusCode"] != "200" || res.Details["latencyMs"] == "" || res.Details["webhookUrl"] != f.URL {
		t.Errorf("details = %v, want statusCode, latencyMs and webhookUrl", res.Details)
	}
	reqs := f.Requests()
	if len(reqs) != 1 || reqs[0].VerifyErr != nil || reqs[0].HTTPMethod != http.MethodPost {
		t.Fatalf("requests = %+v, want one signed POST", reqs)
	}
	var ping map[string]string
	if err := json.Unmarshal(reqs[0].Body, &ping); err != nil {
		t.Fatal(err)
	}
	if ping["type"] != "ping" || !strings.HasPrefix(ping["id"], "ping_") || ping["timestamp"] != "2026-05-01T12:00:00Z" ||
		ping["webhookUrl"] != acct.WebhookURL || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(ping["challenge"]) {
		t.Errorf("ping = %v", ping)
	}

	// A second ping must carry a fresh challenge, or an old answer would pass.
	if _, err := (Provider{}).TestConnection(context.Background(), f.env(), acct); err != nil {
		t.Fatal(err)
	}
	var again map[string]string
	_ = json.Unmarshal(f.Requests()[1].Body, &again)
	if again["challenge"] == ping["challenge"] || again["id"] == ping["id"] {
		t.Errorf("the second ping repeats the first: %v", again)
	}
}

func TestHandshakeAnswers(t *testing.T) {
	tests := []struct {
		name    string
		reply   func(customtest.Request) *customtest.Reply
		ok      bool
		message string
		status  string
	}{
		{name: "challenge echoed and signed", reply: nil, ok: true, message: "answered the signed ping", status: "200"},
		{name: "unsigned", reply: echoChallenge(customtest.Reply{Unsigned: true}), message: "The answer was not signed: it has no X-Switchboard-Timestamp and X-Switchboard-Signature headers.", status: "200"},
		{name: "signed with another code", reply: echoChallenge(customtest.Reply{SignWith: "someone-elses-code"}), message: "The answer was not signed with the confirmation code.", status: "200"},
		{name: "signed an hour ago", reply: echoChallenge(customtest.Reply{SignedAt: testNow.Add(-time.Hour)}),
			message: "is more than 5 minutes from Switchboard's clock; check the messenger's clock.", status: "200"},
		{name: "wrong challenge", reply: always(customtest.Reply{JSON: map[string]string{"challenge": "0123456789abcdef0123456789abcdef"}}),
			message: "The answer did not return the challenge", status: "200"},
		{name: "empty answer", reply: always(customtest.Reply{Status: http.StatusOK}), message: "The answer did not return the challenge", status: "200"},
		{name: "401", reply: always(customtest.Reply{Status: http.StatusUnauthorized, JSON: map[string]string{"error": "signature mismatch"}, Unsigned: true}),
			message: "The messenger answered 401: it does not accept Switchboard's signature; check that both sides have the same confirmation code and a correct clock (signature mismatch).", status: "401"},
		{name: "404", reply: always(customtest.Reply{Status: http.StatusNotFound, Body: "404 page not found\n", Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Unsigned: true}),
			message: "The messenger answered 404.", status: "404"},
		{name: "500 echoing the code", reply: always(customtest.Reply{Status: http.StatusInternalServerError, JSON: map[string]string{"error": "cannot use " + testSecret}, Unsigned: true}),
			message: "The messenger answered 500 (cannot use [redacted]).", status: "500"},
		{name: "201 is not the agreed answer", reply: always(customtest.Reply{Status: http.StatusCreated, Body: "null"}),
			message: "The messenger answered 201.", status: "201"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeMessenger(t, tc.reply)
			res, err := Provider{}.TestConnection(context.Background(), f.env(), testAccount(f.URL))
			if err != nil {
				t.Fatalf("TestConnection err = %v, want a result", err)
			}
			if res.OK != tc.ok || !strings.Contains(res.Message, tc.message) {
				t.Errorf("result = %+v\nwant ok %v and message containing %q", res, tc.ok, tc.message)
			}
			if res.Details["statusCode"] != tc.status || res.Details["latencyMs"] == "" {
				t.Errorf("details = %v, want statusCode %s and latencyMs", res.Details, tc.status)
			}
			mustNotLeak(t, "the result", fmt.Sprintf("%+v", res))
		})
	}
}

func TestHandshakeFailures(t *testing.T) {
	t.Run("timeout is an error", func(t *testing.T) {
		// The answer is held until Switchboard gives up.
		f := newFakeMessenger(t, always(customtest.Reply{Delay: time.Minute}))
		env := f.env()
		env.HTTP = &http.Client{Transport: f.Client().Transport, Timeout: 100 * time.Millisecond}
		res, err := Provider{}.Handshake(context.Background(), env, testAccount(f.URL))
		if err == nil || !strings.HasPrefix(err.Error(), "custom: ping: ") {
			t.Fatalf("Handshake = %+v, %v; want a custom: ping: error", res, err)
		}
		if strings.Contains(err.Error(), f.URL) {
			t.Errorf("err = %v, repeats the URL", err)
		}
		mustNotLeak(t, "the error", err.Error())
	})
	t.Run("cancelled context is an error", func(t *testing.T) {
		f := newFakeMessenger(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := (Provider{}).Handshake(ctx, f.env(), testAccount(f.URL)); err == nil {
			t.Fatal("Handshake succeeded with a cancelled context")
		}
	})
	for _, tc := range []struct {
		name string
		acct func(string) providers.Account
		want string
	}{
		{"no webhookUrl", func(string) providers.Account { return testAccount("") }, "Cannot ping the messenger: the account has no webhookUrl."},
		{"no confirmation code", func(u string) providers.Account {
			a := testAccount(u)
			a.Secrets = map[string]string{"confirmationCode": ""}
			return a
		}, "Cannot ping the messenger: the account has no confirmationCode."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeMessenger(t, nil)
			res, err := Provider{}.Handshake(context.Background(), f.env(), tc.acct(f.URL))
			if err != nil || res.OK || res.Message != tc.want {
				t.Errorf("Handshake = %+v, %v; want message %q", res, err, tc.want)
			}
			if n := len(f.Requests()); n != 0 {
				t.Errorf("the messenger got %d requests, want none", n)
			}
		})
	}
}
