package nexmo

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/nexmo/nexmotest"
)

// claimsFor are the claims Vonage signs for body, issued at iat, with changes:
// a nil value removes a claim.
func claimsFor(body []byte, iat time.Time, changes map[string]any) map[string]any {
	c := nexmotest.Claims(testKey, testApp, body, iat)
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// libToken signs claims with golang-jwt and method, for the algorithms the
// fake does not write.
func libToken(t *testing.T, method jwt.SigningMethod, key any, claims map[string]any) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, jwt.MapClaims(claims)).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyWebhook(t *testing.T) {
	body := fixture(t, "text.json")
	iat := received.Add(-time.Minute)
	good := nexmotest.Sign(testSig, testKey, testApp, body, iat)
	with := func(changes map[string]any) string { return nexmotest.Token(testSig, claimsFor(body, iat, changes)) }
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		auth []string // Authorization values
		body []byte
		acct providers.Account
		want error
	}{
		{"signed", []string{"Bearer " + good}, body, testAccount, nil},
		{"scheme in lower case", []string{"bearer " + good}, body, testAccount, nil},
		{"surrounding blanks", []string{"  Bearer   " + good + " "}, body, testAccount, nil},
		{"hash in upper case", []string{"Bearer " + with(map[string]any{"payload_hash": strings.ToUpper(nexmotest.PayloadHash(body))})}, body, testAccount, nil},
		{"no application_id (not an application's message)", []string{"Bearer " + with(map[string]any{"application_id": nil})}, body, testAccount, nil},
		{"a day old (a retry may keep its token)", []string{"Bearer " + with(map[string]any{"iat": received.Add(-24 * time.Hour).Unix()})}, body, testAccount, nil},
		{"a little ahead (clock skew)", []string{"Bearer " + with(map[string]any{"iat": received.Add(2 * time.Minute).Unix()})}, body, testAccount, nil},
		{"secret pasted with blanks", []string{"Bearer " + good}, body, withSettings(testAccount, "signatureSecret", " "+testSig+"\n"), nil},

		{"wrong secret", []string{"Bearer " + nexmotest.Sign("another-signature-secret-of-32-ch", testKey, testApp, body, iat)}, body, testAccount, providers.ErrUnauthorized},
		{"body tampered", []string{"Bearer " + good}, []byte(strings.Replace(string(body), "order #123", "order #124", 1)), testAccount, providers.ErrUnauthorized},
		{"body re-encoded", []string{"Bearer " + good}, []byte(strings.ReplaceAll(string(body), "\n", "")), testAccount, providers.ErrUnauthorized},
		{"token of another body", []string{"Bearer " + good}, fixture(t, "image.json"), testAccount, providers.ErrUnauthorized},
		{"alg none", []string{"Bearer " + libToken(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsFor(body, iat, nil))}, body, testAccount, providers.ErrUnauthorized},
		{"RS256", []string{"Bearer " + libToken(t, jwt.SigningMethodRS256, rsaKey, claimsFor(body, iat, nil))}, body, testAccount, providers.ErrUnauthorized},
		{"HS512 under the right secret", []string{"Bearer " + libToken(t, jwt.SigningMethodHS512, []byte(testSig), claimsFor(body, iat, nil))}, body, testAccount, providers.ErrUnauthorized},
		{"expired", []string{"Bearer " + with(map[string]any{"exp": received.Add(-10 * time.Minute).Unix()})}, body, testAccount, providers.ErrUnauthorized},
		{"issued too long ago", []string{"Bearer " + with(map[string]any{"iat": received.Add(-26 * time.Hour).Unix()})}, body, testAccount, providers.ErrUnauthorized},
		{"issued in the future", []string{"Bearer " + with(map[string]any{"iat": received.Add(10 * time.Minute).Unix()})}, body, testAccount, providers.ErrUnauthorized},
		{"no iat", []string{"Bearer " + with(map[string]any{"iat": nil})}, body, testAccount, providers.ErrUnauthorized},
		{"another API key", []string{"Bearer " + with(map[string]any{"api_key": "ffffffff"})}, body, testAccount, providers.ErrUnauthorized},
		{"no api_key", []string{"Bearer " + with(map[string]any{"api_key": nil})}, body, testAccount, providers.ErrUnauthorized},
		{"another application", []string{"Bearer " + with(map[string]any{"application_id": "bbbbbbbb-bbbb-4ccc-8ddd-0123456789ab"})}, body, testAccount, providers.ErrUnauthorized},
		{"no payload_hash", []string{"Bearer " + with(map[string]any{"payload_hash": nil})}, body, testAccount, providers.ErrUnauthorized},
		{"payload_hash in base64", []string{"Bearer " + with(map[string]any{"payload_hash": "1sDnS1hX3yDjt+UbMMDCpA7HOneHm28HTdx6IxfdAxs="})}, body, testAccount, providers.ErrUnauthorized},
		{"payload_hash a number", []string{"Bearer " + with(map[string]any{"payload_hash": 12})}, body, testAccount, providers.ErrUnauthorized},
		{"truncated token", []string{"Bearer " + good[:len(good)-3]}, body, testAccount, providers.ErrUnauthorized},
		{"not a JWT", []string{"Bearer not-a-jwt"}, body, testAccount, providers.ErrUnauthorized},
		{"two headers", []string{"Bearer " + good, "Bearer " + good}, body, testAccount, providers.ErrUnauthorized},
		{"account without signature secret", []string{"Bearer " + nexmotest.Sign("", testKey, testApp, body, iat)}, body,
			withSettings(testAccount, "signatureSecret", ""), providers.ErrUnauthorized},
		{"account without API key", []string{"Bearer " + good}, body, withSettings(testAccount, "apiKey", ""), providers.ErrUnauthorized},
		{"no header", nil, body, testAccount, ErrUnsigned},
		{"empty header", []string{""}, body, testAccount, ErrUnsigned},
		{"Basic instead of Bearer", []string{"Basic YTFiMmMzZDQ6c2VjcmV0"}, body, testAccount, ErrUnsigned},
		{"Bearer without token", []string{"Bearer "}, body, testAccount, ErrUnsigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, handshake, err := Provider{}.VerifyWebhook(tt.acct, webhookRequest(tt.body, tt.auth...))
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want != nil && !errors.Is(err, providers.ErrUnauthorized) {
				t.Errorf("err = %v does not wrap providers.ErrUnauthorized", err)
			}
			if resp != nil || handshake {
				t.Errorf("resp %v, handshake %v: Vonage has no handshake", resp, handshake)
			}
			checkNoSecret(t, err)
		})
	}
	t.Run("other methods", func(t *testing.T) {
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodHead} {
			req := signed(t, body)
			req.Method = m
			if _, _, err := (Provider{}).VerifyWebhook(testAccount, req); !errors.Is(err, providers.ErrNotAllowed) {
				t.Errorf("%s: err = %v", m, err)
			}
		}
		if _, _, err := (Provider{}).VerifyWebhook(testAccount, nil); !errors.Is(err, providers.ErrNotAllowed) {
			t.Errorf("nil request: err = %v", err)
		}
	})
	t.Run("no time of receipt: now", func(t *testing.T) {
		req := webhookRequest(body, "Bearer "+nexmotest.Sign(testSig, testKey, testApp, body, time.Now()))
		req.Received = time.Time{}
		if _, _, err := (Provider{}).VerifyWebhook(testAccount, req); err != nil {
			t.Errorf("err = %v", err)
		}
	})
}

// TestVerifyJavaSDKVector checks the HS256 check against the vector of
// Vonage's Java SDK (MessagesClientTest.testVerifySignature): its token
// verifies under its secret and not with a changed signature; having no
// payload_hash or api_key, it is no webhook signature.
func TestVerifyJavaSDKVector(t *testing.T) {
	const secret = "XsA09z2MhUxYcdbXaUX3aTT7TzGmnCLfkdILf0NIyC9hN9criTEUdlI3OZ5hRjR"
	const header, payload = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", "eyJzdWIiOiJTaW5hIiwibmFtZSI6IkphdmFfU0RLIiwiaWF0IjoxNjk4NjgwMzkyfQ"
	token := header + "." + payload + ".4qJpi46NSYURiLI1xoLIfGRygA8IUI2QSG9P2Kus1Oo"
	issued := time.Unix(1698680392, 0)
	c, err := parseToken(token, secret, issued.Add(time.Hour))
	if err != nil {
		t.Fatalf("the SDK's token: %v", err)
	}
	if c.PayloadHash != "" || c.APIKey != "" || c.IssuedAt == nil || !c.IssuedAt.Time.Equal(issued) {
		t.Errorf("claims %+v", c)
	}
	if _, err := parseToken(header+"."+payload+".XsaXHXqxe2kfIbPy-JH2J6hfbHnEv8jdWsOhEuvzU98", secret, issued); err == nil {
		t.Error("the SDK's bad token verified")
	}
	acct := withSettings(testAccount, "signatureSecret", secret)
	req := webhookRequest([]byte(`{}`), "Bearer "+token)
	req.Received = issued.Add(time.Hour)
	if _, _, err := (Provider{}).VerifyWebhook(acct, req); !errors.Is(err, providers.ErrUnauthorized) {
		t.Errorf("a token without payload_hash passed: %v", err)
	}
}

// TestSignatureMatchesTheFake: the provider's check and the fake's signer, two
// implementations of Vonage's scheme, agree on any body.
func TestSignatureMatchesTheFake(t *testing.T) {
	for _, body := range [][]byte{nil, {}, []byte(`{}`), []byte("{\"text\":\"ünïcödé 🙂 \\u00e9\"}\n"), fixture(t, "status_read.json")} {
		req := webhookRequest(body, "Bearer "+nexmotest.Sign(testSig, testKey, testApp, body, received))
		if _, _, err := (Provider{}).VerifyWebhook(testAccount, req); err != nil {
			t.Errorf("body %q: %v", body, err)
		}
	}
}
