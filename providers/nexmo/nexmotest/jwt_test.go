package nexmotest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// apiToken is a JWT a Vonage SDK would send: claims signed RS256 with the
// PEM private key priv, by a JWT library (not the fake's code).
func apiToken(t *testing.T, priv string, claims jwt.MapClaims) string {
	t.Helper()
	block, _ := pem.Decode([]byte(priv))
	if block == nil {
		t.Fatal("no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(k.(*rsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// sdkClaims are the claims Vonage's SDKs write, issued at iat for 15 minutes.
func sdkClaims(iat time.Time) jwt.MapClaims {
	return jwt.MapClaims{"application_id": DefaultApplicationID, "iat": iat.Unix(), "exp": iat.Add(15 * time.Minute).Unix(),
		"jti": "0ff70d3f-037a-4f80-886c-b72c72d21cf2"}
}

// TestDefaultKeyPair: the default keys are one RSA pair.
func TestDefaultKeyPair(t *testing.T) {
	pub, err := publicKey(DefaultPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(DefaultPrivateKey))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil || !k.(*rsa.PrivateKey).PublicKey.Equal(pub) || pub.N.BitLen() != 2048 {
		t.Fatalf("the default keys are not one 2048-bit pair: %v", err)
	}
}

func TestVerifyToken(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	now := time.Now()
	otherPriv, otherPub := GenerateKeyPair()
	claims := func(kv ...any) jwt.MapClaims {
		c := sdkClaims(now)
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
			} else {
				c[kv[i].(string)] = kv[i+1]
			}
		}
		return c
	}
	hs256, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, sdkClaims(now)).SignedString([]byte(DefaultPublicKey))
	good := apiToken(t, DefaultPrivateKey, sdkClaims(now))
	for _, tt := range []struct {
		name, token, err string
	}{
		{"as an SDK signs it", good, ""},
		{"with nbf", apiToken(t, DefaultPrivateKey, claims("nbf", now.Add(-time.Minute).Unix())), ""},
		{"another application's key", apiToken(t, otherPriv, sdkClaims(now)), "does not verify"},
		{"HS256 keyed by the public key", hs256, "not RS256"},
		{"another application", apiToken(t, DefaultPrivateKey, claims("application_id", "bbbbbbbb-bbbb-4ccc-8ddd-0123456789ab")), "is for application"},
		{"no application", apiToken(t, DefaultPrivateKey, claims("application_id", nil)), "is for application"},
		{"expired", apiToken(t, DefaultPrivateKey, claims("exp", now.Add(-time.Second).Unix())), "expired"},
		{"no exp", apiToken(t, DefaultPrivateKey, claims("exp", nil)), "no exp"},
		{"no iat", apiToken(t, DefaultPrivateKey, claims("iat", nil)), "no iat"},
		{"no jti", apiToken(t, DefaultPrivateKey, claims("jti", nil)), "no jti"},
		{"not valid yet", apiToken(t, DefaultPrivateKey, claims("nbf", now.Add(time.Hour).Unix())), "not valid yet"},
		{"signature of another token", good[:strings.LastIndex(good, ".")] + hs256[strings.LastIndex(hs256, "."):], "does not verify"},
		{"two parts", "a.b", "three"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.VerifyToken(tt.token)
			if (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
				t.Errorf("VerifyToken = %v, want %q", err, tt.err)
			}
		})
	}

	t.Run("a new public key", func(t *testing.T) {
		s.SetPublicKey(otherPub)
		defer s.SetPublicKey(DefaultPublicKey)
		if _, err := s.VerifyToken(good); err == nil {
			t.Error("a token of the old key passed")
		}
		if _, err := s.VerifyToken(apiToken(t, otherPriv, sdkClaims(now))); err != nil {
			t.Error(err)
		}
	})
	t.Run("the fake's clock", func(t *testing.T) {
		s.SetClock(func() time.Time { return now.Add(15 * time.Minute) })
		defer s.SetClock(time.Now)
		if _, err := s.VerifyToken(good); err == nil || !strings.Contains(err.Error(), "expired") {
			t.Errorf("err = %v at exp", err)
		}
	})
}

// TestBearerAuthentication: the Messages API takes a good JWT like the API
// key and secret, answers a bad one as it answers bad credentials, and the
// Application API takes only the key and secret.
func TestBearerAuthentication(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	good := apiToken(t, DefaultPrivateKey, sdkClaims(time.Now()))
	expired := apiToken(t, DefaultPrivateKey, sdkClaims(time.Now().Add(-time.Hour)))
	call := func(method, path, token, body string) int {
		t.Helper()
		req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized && !strings.Contains(string(b), `"title":"Invalid credentials supplied"`) {
			t.Errorf("401 answer %s", b)
		}
		return resp.StatusCode
	}
	msg := `{"message_type":"text","channel":"whatsapp","to":"5511987654321","from":"` + DefaultNumber + `","text":"hi"}`
	if code := call(http.MethodPost, "/v1/messages", good, msg); code != http.StatusAccepted {
		t.Errorf("good JWT: %d", code)
	}
	if code := call(http.MethodPost, "/v1/messages", expired, msg); code != http.StatusUnauthorized {
		t.Errorf("expired JWT: %d", code)
	}
	if code := call(http.MethodGet, "/v2/applications/"+DefaultApplicationID, good, ""); code != http.StatusUnauthorized {
		t.Errorf("JWT on the Application API: %d", code)
	}
	reqs := s.Requests()
	if len(reqs) != 3 || reqs[0].Token != good || !reqs[0].Authorized || reqs[0].TokenError != "" ||
		reqs[1].Authorized || !strings.Contains(reqs[1].TokenError, "expired") || reqs[2].Authorized || reqs[2].TokenError != "" {
		t.Errorf("requests %+v", reqs)
	}

	s.SetSecureInboundMedia(true)
	u := strings.TrimPrefix(s.AddMedia([]byte("OggS"), "audio/ogg"), s.URL)
	if code := call(http.MethodGet, u, good, ""); code != http.StatusOK {
		t.Errorf("secure media with a good JWT: %d", code)
	}
	if code := call(http.MethodGet, u, expired, ""); code != http.StatusUnauthorized {
		t.Errorf("secure media with an expired JWT: %d", code)
	}
	if code, _ := do(t, s, http.MethodGet, u, DefaultAPIKey, DefaultAPISecret, "", nil); code != http.StatusUnauthorized {
		t.Errorf("secure media with the API key and secret: %d", code)
	}
}
