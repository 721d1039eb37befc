package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/wechat/wechattest"
)

// tokenCalls counts the requests to either token endpoint.
func tokenCalls(fake *wechattest.Server) int { return fake.TokenRequests() }

// sendText sends one text to the fake's follower.
func sendText(t testing.TB, p *Provider, env providers.Env, acct providers.Account, text string) error {
	t.Helper()
	_, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: wechattest.OpenID, Text: text})
	return err
}

func TestTokenSharedUnderConcurrency(t *testing.T) {
	fake, p, env := newFake(t)
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- sendText(t, p, env, testAccount, "hello")
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := tokenCalls(fake); got != 1 {
		t.Errorf("%d token requests for %d concurrent sends, want 1", got, n)
	}
	if got := len(fake.Messages()); got != n {
		t.Errorf("%d messages, want %d", got, n)
	}
	for _, r := range fake.Requests() {
		if r.Path == "/cgi-bin/stable_token" {
			if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json; charset=utf-8" ||
				string(r.Body) != `{"appid":"`+wechattest.AppID+`","force_refresh":false,"grant_type":"client_credential","secret":"`+wechattest.AppSecret+`"}` {
				t.Errorf("token request %s %s %s", r.Method, r.Header.Get("Content-Type"), r.Body)
			}
			if len(r.Query) != 0 {
				t.Errorf("the token request has a query %v: the secret belongs in the body", r.Query)
			}
		}
	}
}

func TestTokenRenewedBeforeExpiry(t *testing.T) {
	fake, p, env := newFake(t)
	if err := sendText(t, p, env, testAccount, "one"); err != nil {
		t.Fatal(err)
	}
	fake.Advance(6000 * time.Second) // still more than 5 minutes left
	if err := sendText(t, p, env, testAccount, "two"); err != nil {
		t.Fatal(err)
	}
	if got := tokenCalls(fake); got != 1 {
		t.Fatalf("%d token requests within the token's life, want 1", got)
	}
	fake.Advance(1000 * time.Second) // 7000 s: inside the last 5 minutes
	if err := sendText(t, p, env, testAccount, "three"); err != nil {
		t.Fatal(err)
	}
	if got := tokenCalls(fake); got != 2 {
		t.Fatalf("%d token requests, want a renewal before expiry", got)
	}
	tokens := map[string]bool{}
	for _, r := range fake.Requests() {
		if r.Path == customSendPath {
			tokens[r.Query.Get("access_token")] = true
			if r.Errcode != 0 {
				t.Errorf("a send was refused: errcode %d", r.Errcode)
			}
		}
	}
	if len(tokens) != 2 {
		t.Errorf("sends used %d tokens, want the first and its renewal", len(tokens))
	}
}

func TestTokenShortLifetime(t *testing.T) {
	fake, p, env := newFake(t)
	fake.SetTokenTTL(400 * time.Second) // renewed halfway
	if err := sendText(t, p, env, testAccount, "one"); err != nil {
		t.Fatal(err)
	}
	fake.Advance(150 * time.Second)
	if err := sendText(t, p, env, testAccount, "two"); err != nil {
		t.Fatal(err)
	}
	fake.Advance(100 * time.Second)
	if err := sendText(t, p, env, testAccount, "three"); err != nil {
		t.Fatal(err)
	}
	if got := tokenCalls(fake); got != 2 {
		t.Errorf("%d token requests, want one renewal at half of 400 s", got)
	}
}

func TestTokenRefusedIsReplacedOnce(t *testing.T) {
	tests := []struct {
		name    string
		refuse  func(f *wechattest.Server)
		errcode int
	}{
		{"expired (42001)", func(f *wechattest.Server) { f.ExpireTokens(wechattest.AppID) }, 42001},
		{"invalidated elsewhere (40001)", func(f *wechattest.Server) { f.RevokeTokens(wechattest.AppID) }, 40001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			if err := sendText(t, p, env, testAccount, "one"); err != nil {
				t.Fatal(err)
			}
			tt.refuse(fake)
			if err := sendText(t, p, env, testAccount, "two"); err != nil {
				t.Fatalf("send after the token was refused: %v", err)
			}
			var codes []int
			for _, r := range fake.Requests() {
				if r.Path == customSendPath {
					codes = append(codes, r.Errcode)
				}
			}
			if len(codes) != 3 || codes[1] != tt.errcode || codes[2] != 0 {
				t.Errorf("send errcodes %v, want [0 %d 0]", codes, tt.errcode)
			}
			if got := tokenCalls(fake); got != 2 {
				t.Errorf("%d token requests, want 2", got)
			}
			if got := fake.Texts(wechattest.OpenID); len(got) != 2 {
				t.Errorf("texts %q", got)
			}
		})
	}
	t.Run("refused again: retryable, no loop", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.SetFailing(wechattest.EndpointCustomSend, wechattest.Fault{Errcode: 40001, Errmsg: "invalid credential, access_token is invalid or not latest"})
		err := sendText(t, p, env, testAccount, "one")
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable {
			t.Fatalf("err = %v, want retryable", err)
		}
		if sends := len(requestsTo(fake, customSendPath)); sends != 2 {
			t.Errorf("%d sends, want the first and one retry", sends)
		}
	})
}

func TestTokenConcurrentRefusalRefreshesOnce(t *testing.T) {
	fake, p, env := newFake(t)
	if err := sendText(t, p, env, testAccount, "warm"); err != nil {
		t.Fatal(err)
	}
	fake.RevokeTokens(wechattest.AppID)
	const n = 16
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sendText(t, p, env, testAccount, "again"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := tokenCalls(fake); got != 2 {
		t.Errorf("%d token requests, want one refresh for %d refused sends", got, n)
	}
}

func TestTokenFallsBackWithoutStableToken(t *testing.T) {
	fake, p, env := newFake(t)
	fake.DisableStableToken()
	if err := sendText(t, p, env, testAccount, "hi"); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range fake.Requests() {
		paths = append(paths, r.Method+" "+r.Path)
	}
	want := []string{"POST /cgi-bin/stable_token", "GET /cgi-bin/token", "POST /cgi-bin/message/custom/send"}
	if len(paths) != 3 || paths[0] != want[0] || paths[1] != want[1] || paths[2] != want[2] {
		t.Errorf("requests %v, want %v", paths, want)
	}
}

func TestTokenErrorsShared(t *testing.T) {
	fake, p, env := newFake(t)
	fake.UpdateApp(wechattest.AppID, func(a *wechattest.App) { a.IPNotWhitelisted = true })
	const n = 8
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := sendText(t, p, env, testAccount, "hi")
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable {
				t.Errorf("err = %v, want permanent", err)
			}
		}()
	}
	wg.Wait()
	if got := tokenCalls(fake); got > n || got < 1 {
		t.Errorf("%d token requests", got)
	}
	// Waiters share the failure they waited for; with n callers at once,
	// far fewer than n fetches happen. The cache never keeps the failure:
	// once the address is allowed, the next call works.
	fake.UpdateApp(wechattest.AppID, func(a *wechattest.App) { a.IPNotWhitelisted = false })
	if err := sendText(t, p, env, testAccount, "hi"); err != nil {
		t.Errorf("after whitelisting: %v", err)
	}
}

func TestTokenPerAccountAndSecret(t *testing.T) {
	fake, p, env := newFake(t)
	other := wechattest.App{AppID: "wx2222222222222222", Secret: "0123456789abcdef0123456789abcdef"}
	fake.AddApp(other)
	fake.AddUser(wechattest.User{OpenID: wechattest.OpenID, AppID: other.AppID, LastInteraction: fake.Now()})
	otherAcct := withSecret(withSetting(testAccount, "appId", other.AppID), "appSecret", other.Secret)
	for _, a := range []providers.Account{testAccount, otherAcct, testAccount, otherAcct} {
		if err := sendText(t, p, env, a, "hi"); err != nil {
			t.Fatal(err)
		}
	}
	if got := tokenCalls(fake); got != 2 {
		t.Errorf("%d token requests for two accounts, want 2", got)
	}
	// A new secret for the same AppID is not served the old secret's token.
	fake.UpdateApp(wechattest.AppID, func(a *wechattest.App) { a.Secret = "ffffffffffffffffffffffffffffffff" })
	err := sendText(t, p, env, withSecret(testAccount, "appSecret", "ffffffffffffffffffffffffffffffff"), "hi")
	if err != nil || tokenCalls(fake) != 3 {
		t.Errorf("err %v, %d token requests; want a token for the new secret", err, tokenCalls(fake))
	}
}

func TestTokenCacheSharedByCopies(t *testing.T) {
	// The registry keeps the provider by value: copies share one cache.
	fake, p, env := newFake(t)
	copied := *p
	if err := sendText(t, p, env, testAccount, "one"); err != nil {
		t.Fatal(err)
	}
	if err := sendText(t, &copied, env, testAccount, "two"); err != nil {
		t.Fatal(err)
	}
	if got := tokenCalls(fake); got != 1 {
		t.Errorf("%d token requests from two copies of a provider, want 1", got)
	}
	if (Provider{}).state() != (Provider{}).state() || New("", "").state() == (Provider{}).state() {
		t.Error("zero values must share the process-wide cache; New gets its own")
	}
}

func TestTokenWaitEndsWithContext(t *testing.T) {
	var tc tokenCache
	hold := make(chan struct{})
	started := make(chan struct{})
	go tc.get(context.Background(), "k", time.Now, "", false, func(context.Context, bool) (string, time.Duration, error) {
		close(started)
		<-hold
		return "tok", time.Hour, nil
	})
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tc.get(ctx, "k", time.Now, "", false, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want the context's", err)
	}
	close(hold)
}

// forcedFlags are the force_refresh values of the stable_token requests the
// fake received, in order.
func forcedFlags(t *testing.T, fake *wechattest.Server) []bool {
	t.Helper()
	var out []bool
	for _, r := range requestsTo(fake, "/cgi-bin/stable_token") {
		var body struct {
			ForceRefresh bool `json:"force_refresh"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("stable_token body %q: %v", r.Body, err)
		}
		out = append(out, body.ForceRefresh)
	}
	return out
}

// TestTokenInvalidIsForceRefreshed: a token WeChat calls invalid (40001)
// while stable_token's normal mode would give it out again is replaced with
// force_refresh, at most maxForcedPerHour times an hour per account.
func TestTokenInvalidIsForceRefreshed(t *testing.T) {
	invalid := wechattest.Fault{Errcode: 40001, Errmsg: "invalid credential, access_token is invalid or not latest"}
	t.Run("once", func(t *testing.T) {
		fake, p, env := newFake(t)
		if err := sendText(t, p, env, testAccount, "one"); err != nil {
			t.Fatal(err)
		}
		fake.FailNext(wechattest.EndpointCustomSend, invalid)
		if err := sendText(t, p, env, testAccount, "two"); err != nil {
			t.Fatalf("send after 40001: %v", err)
		}
		if got := forcedFlags(t, fake); !reflect.DeepEqual(got, []bool{false, true}) {
			t.Errorf("force_refresh of the token requests %v, want [false true]", got)
		}
		sends := requestsTo(fake, customSendPath)
		if len(sends) != 3 || sends[1].Query.Get("access_token") == sends[2].Query.Get("access_token") {
			t.Errorf("the retry after 40001 did not use a new token")
		}
	})
	t.Run("a few times an hour", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.SetFailing(wechattest.EndpointCustomSend, invalid)
		for range maxForcedPerHour + 2 {
			if err := sendText(t, p, env, testAccount, "again"); err == nil {
				t.Fatal("a send passed although every token is refused")
			}
		}
		count := func(flags []bool) (n int) {
			for _, f := range flags {
				if f {
					n++
				}
			}
			return n
		}
		if got := count(forcedFlags(t, fake)); got != maxForcedPerHour {
			t.Errorf("%d forced refreshes in an hour (%v), want %d", got, forcedFlags(t, fake), maxForcedPerHour)
		}
		fake.Advance(time.Hour + time.Second)
		if err := sendText(t, p, env, testAccount, "later"); err == nil {
			t.Fatal("a send passed although every token is refused")
		}
		if got := count(forcedFlags(t, fake)); got != maxForcedPerHour+1 {
			t.Errorf("%d forced refreshes after an hour, want one more", got)
		}
	})
}

// TestTokenInternationalFallsBack: on the International host, stable_token
// answering something other than WeChat's JSON, or refusing the endpoint
// (48001, 40066), makes the provider ask /cgi-bin/token; on the China host
// such an answer is the failure it is.
func TestTokenInternationalFallsBack(t *testing.T) {
	faults := map[string]wechattest.Fault{
		"not JSON":         {Status: http.StatusOK, Body: "<html>gateway</html>", Header: http.Header{"Content-Type": {"text/html"}}},
		"bad gateway":      wechattest.BadGateway,
		"api unauthorized": wechattest.Unauthorized,
		"invalid url":      {Errcode: 40066, Errmsg: "invalid url"},
	}
	for name, fault := range faults {
		t.Run(name, func(t *testing.T) {
			fake, p, env := newFake(t)
			fake.FailNext(wechattest.EndpointStableToken, fault)
			if err := sendText(t, p, env, intlAccount, "hi"); err != nil {
				t.Fatalf("send: %v", err)
			}
			var paths []string
			for _, r := range fake.Requests() {
				paths = append(paths, r.Host+" "+r.Method+" "+r.Path)
			}
			want := []string{
				wechattest.HostInternational + " POST /cgi-bin/stable_token",
				wechattest.HostInternational + " GET /cgi-bin/token",
				wechattest.HostInternational + " POST " + customSendPath,
			}
			if !reflect.DeepEqual(paths, want) {
				t.Errorf("requests %v, want %v", paths, want)
			}

			china, p, env := newFake(t)
			china.FailNext(wechattest.EndpointStableToken, fault)
			if err := sendText(t, p, env, testAccount, "hi"); err == nil {
				t.Error("the China host fell back too")
			}
			if n := len(requestsTo(china, "/cgi-bin/token")); n != 0 {
				t.Errorf("the China host asked /cgi-bin/token %d times", n)
			}
		})
	}
}

// requestsTo returns the fake's requests to a path.
func requestsTo(fake *wechattest.Server, path string) []wechattest.Request {
	var out []wechattest.Request
	for _, r := range fake.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}
