package nexmo

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/nexmo/nexmotest"
)

// testClock is a clock tests move by hand, shared by the provider (env.Now)
// and the fake (SetClock) so both agree on when a JWT expires.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *testClock { return &testClock{t: t} }

// Now is the clock's time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock on by d.
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// otherKeyPair is a key pair that is not the fake application's, made once
// (generating one takes a while).
var otherKeyPair = sync.OnceValues(func() (string, string) { return nexmotest.GenerateKeyPair() })

// testCustomer is a recipient the fake takes.
const testCustomer = "+55 11 98765-4321"

// messageTokens are the Bearer JWTs of the /v1/messages calls the fake
// received, in order, each checked to have passed the fake's verification.
func messageTokens(t testing.TB, srv *nexmotest.Server) []string {
	t.Helper()
	var out []string
	for _, r := range srv.Requests() {
		if r.Endpoint != nexmotest.EndpointMessages {
			continue
		}
		if r.Token == "" || r.TokenError != "" || !r.Authorized || r.User != "" {
			t.Errorf("Messages call without a good JWT: token %v, error %q, authorized %v, Basic user %q", r.Token != "", r.TokenError, r.Authorized, r.User)
		}
		out = append(out, r.Token)
	}
	return out
}

// pemText is the base64 text of a PEM block, without its BEGIN and END lines
// and line breaks.
func pemText(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "-----") {
			b.WriteString(strings.TrimSpace(l))
		}
	}
	return b.String()
}

func TestParsePrivateKey(t *testing.T) {
	want, err := parsePrivateKey(testPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(want)}))
	body := pemText(testPrivateKey)
	for name, in := range map[string]string{
		"PKCS#8 as the Dashboard downloads it": testPrivateKey,
		"PKCS#1":                               pkcs1,
		"PKCS#1 labelled as PKCS#8":            strings.ReplaceAll(pkcs1, "RSA PRIVATE KEY", "PRIVATE KEY"),
		"CRLF line breaks":                     strings.ReplaceAll(testPrivateKey, "\n", "\r\n"),
		"line breaks written as \\n":           strings.ReplaceAll(testPrivateKey, "\n", `\n`),
		"line breaks flattened to spaces":      strings.ReplaceAll(strings.TrimSpace(testPrivateKey), "\n", " "),
		"on one line":                          "-----BEGIN PRIVATE KEY-----" + body + "-----END PRIVATE KEY-----",
		"the body alone":                       body,
		"with words around it":                 "Vonage private key:\n" + testPrivateKey + "\n(keep it safe)\n",
	} {
		t.Run(name, func(t *testing.T) {
			k, err := parsePrivateKey(in)
			if err != nil || !k.Equal(want) {
				t.Errorf("parsePrivateKey: %v", err)
			}
		})
	}

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec8, _ := x509.MarshalPKCS8PrivateKey(ec)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	pubBody := pemText(nexmotest.DefaultPublicKey)
	lines := strings.Split(strings.TrimSpace(testPrivateKey), "\n")
	for _, tt := range []struct {
		name string
		in   string
		want error
	}{
		{"empty", " \n ", ErrNoPrivateKey},
		{"the public key", nexmotest.DefaultPublicKey, errKeyPublic},
		{"the public key's body", pubBody, errKeyPublic},
		{"encrypted PKCS#8", "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + body + "\n-----END ENCRYPTED PRIVATE KEY-----\n", errKeyEncrypted},
		{"encrypted PKCS#1", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n" +
			body + "\n-----END RSA PRIVATE KEY-----\n", errKeyEncrypted},
		{"a line missing", strings.Join(append(append([]string{}, lines[:5]...), lines[6:]...), "\n"), errKeyDamaged},
		{"cut short", testPrivateKey[:700], errKeyDamaged},
		{"cut short, END line added", testPrivateKey[:701] + "\n-----END PRIVATE KEY-----\n", errKeyDamaged},
		{"a certificate", "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n", errKeyNotPEM},
		{"an EC key (PKCS#8)", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ec8})), errKeyNotRSA},
		{"an EC key (SEC 1)", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})), errKeyNotRSA},
		{"the API secret", testSecret, errKeyNotPEM},
		{"base64 of something else", base64.StdEncoding.EncodeToString([]byte("not a key at all, really")), errKeyNotPEM},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k, err := parsePrivateKey(tt.in)
			if !errors.Is(err, tt.want) || k != nil || !isKeyError(err) {
				t.Fatalf("parsePrivateKey = %v, %v; want %v", k != nil, err, tt.want)
			}
			for _, l := range append(keyLines(tt.in), testSecret) {
				if strings.Contains(err.Error(), l) {
					t.Errorf("error %q quotes the setting", err)
				}
			}
		})
	}
}

func TestSendJWT(t *testing.T) {
	srv, acct, env := newFake(t)
	start := time.Now()
	res, err := New().Send(context.Background(), env, withJWT(acct), providers.OutboundMessage{ID: "m1", To: testCustomer, Text: "Olá"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.MessageIDs) != 1 || len(srv.Messages()) != 1 || srv.Messages()[0].Text != "Olá" {
		t.Fatalf("result %+v, messages %+v", res, srv.Messages())
	}
	toks := messageTokens(t, srv)
	if len(toks) != 1 {
		t.Fatalf("%d tokens", len(toks))
	}
	// The fake checked the signature under the application's public key,
	// the application and the expiry; these are the claims Vonage's SDKs
	// write.
	claims, err := srv.VerifyToken(toks[0])
	if err != nil {
		t.Fatal(err)
	}
	iat, _ := claims["iat"].(float64)
	exp, _ := claims["exp"].(float64)
	jti, _ := claims["jti"].(string)
	if claims["application_id"] != testApp || len(jti) != 36 || exp-iat != 900 ||
		time.Unix(int64(iat), 0).Before(start.Add(-time.Second)) || time.Unix(int64(iat), 0).After(time.Now()) || len(claims) != 4 {
		t.Errorf("claims %v", claims)
	}
	header, _ := base64.RawURLEncoding.DecodeString(strings.Split(toks[0], ".")[0])
	var h map[string]any
	if err := json.Unmarshal(header, &h); err != nil || h["alg"] != "RS256" || h["typ"] != "JWT" || len(h) != 2 {
		t.Errorf("header %s", header)
	}
	sentBodies(t, srv)

	t.Run("without the API key and secret", func(t *testing.T) {
		// Sending under JWT needs only the application and its key.
		srv.Reset()
		a := withSettings(withJWT(acct), "apiKey", "", "apiSecret", "")
		if _, err := New().Send(context.Background(), env, a, providers.OutboundMessage{To: testCustomer, Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		if n := len(messageTokens(t, srv)); n != 1 {
			t.Errorf("%d sends", n)
		}
	})
}

// TestSendJWTReuse: an account's token is signed once and reused until 80%
// of its life has passed (by the injected clock), then replaced; another
// account, or the same account with another key setting, signs its own.
func TestSendJWTReuse(t *testing.T) {
	srv, acct, env := newFake(t)
	clock := newClock(time.Now())
	env.Now = clock.Now
	srv.SetClock(clock.Now)
	p := New()
	acct = withJWT(acct)
	send := func(a providers.Account) string {
		t.Helper()
		if _, err := p.Send(context.Background(), env, a, providers.OutboundMessage{To: testCustomer, Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		toks := messageTokens(t, srv)
		return toks[len(toks)-1]
	}
	first := send(acct)
	if again := send(acct); again != first {
		t.Error("a second send signed a new token")
	}
	clock.Add(tokenRenewAfter - time.Second)
	if late := send(acct); late != first {
		t.Error("a token was replaced before 80% of its life had passed")
	}
	clock.Add(time.Second)
	renewed := send(acct)
	if renewed == first {
		t.Fatal("the token was reused past its renewal point")
	}
	c1, _ := srv.VerifyToken(first)
	c2, err := srv.VerifyToken(renewed)
	if err != nil || c2["jti"] == c1["jti"] || int64(c2["iat"].(float64)) != clock.Now().Unix() {
		t.Errorf("renewed claims %v (%v), first %v", c2, err, c1)
	}
	if again := send(acct); again != renewed {
		t.Error("the renewed token was not reused")
	}

	other := acct
	other.ID = "acc2"
	if tok := send(other); tok == renewed {
		t.Error("another account used this account's token")
	}
	k, _ := parsePrivateKey(testPrivateKey)
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	if tok := send(withSettings(acct, "privateKey", pkcs1)); tok == renewed {
		t.Error("a changed privateKey used the old setting's token")
	}

	// A clock that went back (an injected one, or a corrected host)
	// never hands out a token issued in its future.
	clock.Add(-time.Hour)
	if tok := send(acct); tok == renewed {
		t.Error("a token issued in the clock's future was reused")
	}
}

// TestSendJWTDroppedOn401: a token Vonage refuses (HTTP 401) is not sent
// again: the next send signs a new one, and a refusal without a JWT (Basic)
// touches nothing.
func TestSendJWTDroppedOn401(t *testing.T) {
	srv, acct, env := newFake(t)
	p := New()
	acct = withJWT(acct)
	send := func() error {
		_, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: testCustomer, Text: "hi"})
		return err
	}
	if err := send(); err != nil {
		t.Fatal(err)
	}
	srv.FailNext(nexmotest.EndpointMessages, nexmotest.Unauthorized)
	var se *providers.SendError
	if err := send(); !errors.As(err, &se) || !se.Credentials || se.Retryable {
		t.Fatalf("err = %v, want a permanent Credentials failure", err)
	}
	if err := send(); err != nil {
		t.Fatal(err)
	}
	toks := messageTokens(t, srv)
	if len(toks) != 3 || toks[1] != toks[0] || toks[2] == toks[1] {
		t.Fatalf("tokens: the refused one reused after the 401 (%d calls, equal: %v %v)", len(toks), toks[1] == toks[0], len(toks) == 3 && toks[2] == toks[1])
	}
	if err := send(); err != nil {
		t.Fatal(err)
	}
	if toks := messageTokens(t, srv); toks[3] != toks[2] {
		t.Error("the token signed after the 401 was not reused")
	}
}

// TestSendJWTConcurrent: parallel sends of one account share one signing.
func TestSendJWTConcurrent(t *testing.T) {
	srv, acct, env := newFake(t)
	p := New()
	acct = withJWT(acct)
	const n = 16
	start := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: testCustomer, Text: fmt.Sprint("part ", i)})
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	toks := messageTokens(t, srv)
	distinct := map[string]bool{}
	for _, tok := range toks {
		distinct[tok] = true
	}
	if len(toks) != n || len(distinct) != 1 {
		t.Errorf("%d sends carried %d distinct tokens, want %d sends with one", len(toks), len(distinct), n)
	}
}

// TestSendJWTCredentials: a private key that cannot sign, or that Vonage
// refuses, fails the send as a Credentials failure that shows neither the
// key nor the token.
func TestSendJWTCredentials(t *testing.T) {
	_, otherPub := otherKeyPair()
	tests := []struct {
		name     string
		setup    func(srv *nexmotest.Server, env *providers.Env) providers.Account
		requests int
		reason   []string
		is       error
	}{
		{"no private key", func(_ *nexmotest.Server, _ *providers.Env) providers.Account {
			return withSettings(testAccount, "authentication", AuthJWT)
		}, 0, []string{"authentication JWT needs the Vonage application's private key", "privateKey is not set"}, ErrNoPrivateKey},
		{"not a PEM key", func(_ *nexmotest.Server, _ *providers.Env) providers.Account {
			return withSettings(withJWT(testAccount), "privateKey", "my private key")
		}, 0, []string{"privateKey is not a PEM private key"}, errKeyNotPEM},
		{"cut short", func(_ *nexmotest.Server, _ *providers.Env) providers.Account {
			return withSettings(withJWT(testAccount), "privateKey", testPrivateKey[:900])
		}, 0, []string{"damaged PEM private key"}, errKeyDamaged},
		{"the public key", func(_ *nexmotest.Server, _ *providers.Env) providers.Account {
			return withSettings(withJWT(testAccount), "privateKey", nexmotest.DefaultPublicKey)
		}, 0, []string{"holds a public key"}, errKeyPublic},
		{"no application", func(_ *nexmotest.Server, _ *providers.Env) providers.Account {
			return withSettings(withJWT(testAccount), "applicationId", "")
		}, 0, []string{"no Vonage application ID"}, errNoApp},
		{"the key of another application", func(srv *nexmotest.Server, _ *providers.Env) providers.Account {
			srv.SetPublicKey(otherPub)
			return withJWT(testAccount)
		}, 1, []string{"Invalid credentials supplied", "Vonage refused the JWT: check that privateKey is the private key of the Vonage application " + testApp}, nil},
		{"a clock 20 minutes slow", func(_ *nexmotest.Server, env *providers.Env) providers.Account {
			env.Now = func() time.Time { return time.Now().Add(-20 * time.Minute) }
			return withJWT(testAccount)
		}, 1, []string{"Invalid credentials supplied", "that this server's clock is right"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _, env := newFake(t)
			acct := tt.setup(srv, &env)
			acct = withSettings(acct, "apiUrl", srv.URL)
			_, err := New().Send(context.Background(), env, acct, providers.OutboundMessage{To: testCustomer, Text: "hi"})
			se := asSendError(t, err)
			if !se.Credentials || se.Retryable || (tt.requests == 0 && !strings.HasPrefix(err.Error(), "send: nexmo: send: ")) {
				t.Errorf("error %v (credentials %v, retryable %v), want a permanent Credentials failure", err, se.Credentials, se.Retryable)
			}
			for _, r := range tt.reason {
				if !strings.Contains(se.Reason, r) {
					t.Errorf("reason %q lacks %q", se.Reason, r)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			reqs := srv.Requests()
			if len(reqs) != tt.requests {
				t.Fatalf("%d requests, want %d", len(reqs), tt.requests)
			}
			if tt.requests > 0 && (reqs[0].Token == "" || reqs[0].TokenError == "" || reqs[0].Authorized || reqs[0].HTTPStatus != http.StatusUnauthorized) {
				t.Errorf("request %+v, want a JWT the fake refused with 401", reqs[0])
			}
			checkNoToken(t, srv, fmt.Sprintf("%v %+v %#v", err, se, se.Err))
		})
	}
}

func TestFetchMediaJWT(t *testing.T) {
	_, otherPub := otherKeyPair()
	data := []byte("\xff\xd8\xff\xe0 a JPEG")
	tests := []struct {
		name   string
		secure bool
		acct   func(providers.Account) providers.Account
		setup  func(srv *nexmotest.Server)
		token  bool     // the download carries the JWT
		fails  []string // the reason of a Credentials failure; nil when downloaded
	}{
		{name: "Secure Inbound Media, key set (BASIC)", secure: true,
			acct: func(a providers.Account) providers.Account { return withSettings(a, "privateKey", testPrivateKey) }, token: true},
		{name: "Secure Inbound Media, JWT", secure: true, acct: withJWT, token: true},
		{name: "no Secure Inbound Media, key set", acct: withJWT, token: true},
		{name: "Secure Inbound Media, no key", secure: true, acct: func(a providers.Account) providers.Account { return a },
			fails: []string{"Secure Inbound Media", "has no privateKey", "set the account's privateKey", "turn Secure Inbound Media off"}},
		{name: "Secure Inbound Media, the key of another application", secure: true, acct: withJWT,
			setup: func(srv *nexmotest.Server) { srv.SetPublicKey(otherPub) }, token: true,
			fails: []string{"refused the media download with the account's JWT (HTTP 401)", "private key of the Vonage application " + testApp}},
		{name: "Secure Inbound Media, a key that cannot sign", secure: true,
			acct:  func(a providers.Account) providers.Account { return withSettings(withJWT(a), "privateKey", "garbage") },
			fails: []string{"none was sent", "privateKey is not a PEM private key"}},
		{name: "no Secure Inbound Media, a key that cannot sign",
			acct: func(a providers.Account) providers.Account { return withSettings(withJWT(a), "privateKey", "garbage") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			srv.SetSecureInboundMedia(tt.secure)
			if tt.setup != nil {
				tt.setup(srv)
			}
			u := srv.AddMedia(data, "image/jpeg")
			m, err := New().FetchMedia(context.Background(), env, tt.acct(acct), providers.Attachment{Type: providers.AttachmentImage, FileID: u})
			reqs := srv.Requests()
			if len(reqs) != 1 || (reqs[0].Token != "") != tt.token || reqs[0].User != "" {
				t.Fatalf("requests %+v, want one with a JWT %v and no Basic authentication", reqs, tt.token)
			}
			if tt.fails == nil {
				if err != nil || string(m.Data) != string(data) {
					t.Fatalf("media %q, %v", m.Data, err)
				}
				if tt.token && (!reqs[0].Authorized || reqs[0].TokenError != "") {
					t.Errorf("the fake refused the JWT: %s", reqs[0].TokenError)
				}
				return
			}
			se := asSendError(t, err)
			if !se.Credentials || se.Retryable {
				t.Errorf("error %v, want a permanent Credentials failure", err)
			}
			for _, r := range tt.fails {
				if !strings.Contains(se.Reason, r) {
					t.Errorf("reason %q lacks %q", se.Reason, r)
				}
			}
			checkNoToken(t, srv, fmt.Sprintf("%v %+v", err, se))
		})
	}

	t.Run("the JWT goes only to Vonage", func(t *testing.T) {
		// A media URL on another host gets no JWT, even from an account
		// that has one.
		var auth []string
		var mu sync.Mutex
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			auth = append(auth, r.Header.Get("Authorization"))
			mu.Unlock()
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("png"))
		}))
		defer other.Close()
		_, acct, env := newFake(t)
		if _, err := New().FetchMedia(context.Background(), env, withJWT(acct), providers.Attachment{FileID: other.URL + "/v3/media/1"}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(auth) != 1 || auth[0] != "" {
			t.Errorf("Authorization headers %q, want none", auth)
		}
	})

	t.Run("media and messages share the token", func(t *testing.T) {
		srv, acct, env := newFake(t)
		srv.SetSecureInboundMedia(true)
		p := New()
		acct = withJWT(acct)
		if _, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: testCustomer, Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.FetchMedia(context.Background(), env, acct, providers.Attachment{FileID: srv.AddMedia(data, "image/jpeg")}); err != nil {
			t.Fatal(err)
		}
		reqs := srv.Requests()
		if len(reqs) != 2 || reqs[0].Token == "" || reqs[1].Token != reqs[0].Token {
			t.Errorf("requests %+v, want a send and a download with one token", reqs)
		}
	})
}

func TestJWTHost(t *testing.T) {
	a, _ := settings(withSettings(testAccount, "apiUrl", "http://127.0.0.1:8080"))
	for raw, want := range map[string]bool{
		"https://api-us.nexmo.com/v3/media/1":    true,
		"https://api.nexmo.com/v3/media/1":       true,
		"https://api-eu.vonage.com/v3/media/1":   true,
		"https://vonage.com/x":                   true,
		"http://api.nexmo.com/v3/media/1":        false,
		"https://nexmo.com.evil.example/v3/m":    false,
		"https://evilnexmo.com/v3/media/1":       false,
		"http://127.0.0.1:8080/v3/media/1":       true,
		"http://127.0.0.1:8081/v3/media/1":       false,
		"https://127.0.0.1:8080/v3/media/1":      false,
		"https://media.example.com/v3/media/abc": false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.jwtHost(u); got != want {
			t.Errorf("jwtHost(%s) = %v", raw, got)
		}
	}
}

// TestTokenCacheBound: a full cache drops the entries whose token expired
// (here: keys that never signed) before it grows.
func TestTokenCacheBound(t *testing.T) {
	var c tokenCache
	now := time.Now()
	a, _ := settings(withJWT(testAccount))
	a.privateKey = "not a key"
	for i := range maxTokenEntries {
		if _, err := c.token(fmt.Sprint("acc", i), a, now); !errors.Is(err, errKeyNotPEM) {
			t.Fatal(err)
		}
	}
	if len(c.entries) != maxTokenEntries {
		t.Fatalf("%d entries", len(c.entries))
	}
	good, _ := settings(withJWT(testAccount))
	if _, err := c.token("acc-good", good, now); err != nil {
		t.Fatal(err)
	}
	if len(c.entries) != 1 {
		t.Errorf("%d entries after a full cache took a new one, want only it", len(c.entries))
	}
}
