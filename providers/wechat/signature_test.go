package wechat

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/wechat/wechattest"
)

func TestSignature(t *testing.T) {
	tests := []struct {
		name  string
		parts []string
		want  string
	}{
		// WeChat's access guide (developers.weixin.qq.com, message push
		// encryption, plaintext mode): Token "AAAAA".
		{"WeChat's example", []string{"AAAAA", "1714037059", "486452656"}, "899cf89e464efb63f54ddac96b0a0a235f53aa78"},
		// wechatpy's tests/test_utils.py check_signature example.
		{"wechatpy's example", []string{"test", "1410685589", "test"}, "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"},
		// wechatpy's tests/test_crypto.py: msg_signature over an Encrypt.
		{"msg_signature", []string{"123456", "1411525903", "461056294", wechatpyEncrypt}, "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := signature(tt.parts...); got != tt.want {
				t.Errorf("signature = %s, want %s", got, tt.want)
			}
			if got := wechattest.Sign(tt.parts...); got != tt.want {
				t.Errorf("the fake signs %s, want %s", got, tt.want)
			}
			if !validSignature(tt.want, tt.parts...) {
				t.Error("validSignature refused it")
			}
		})
	}
	for _, bad := range []string{"", strings.ToUpper(tests[0].want), tests[0].want[:39], tests[0].want + "0"} {
		if validSignature(bad, tests[0].parts...) {
			t.Errorf("validSignature(%q) passed", bad)
		}
	}
	if validSignature(signature("", "1", "2"), "", "1", "2") {
		t.Error("an empty token signed its own signature")
	}
}

// TestVerifyWebhookHandshake: only a GET signed with the account's server
// token is echoed; any other signature is a wrong verify token, 403.
func TestVerifyWebhookHandshake(t *testing.T) {
	good := wechattest.Handshake(wechattest.ServerToken, "6487253912345678912", received)
	tests := []struct {
		name string
		q    url.Values
		acct providers.Account
		want error
	}{
		{"right token", good, testAccount, nil},
		{"right token in safe mode: the echostr is plain", good, safeAccount, nil},
		{"wrong token", wechattest.Handshake("another-token", "6487253912345678912", received), testAccount, providers.ErrForbidden},
		{"no signature", without(good, "signature"), testAccount, providers.ErrForbidden},
		{"no timestamp", without(good, "timestamp"), testAccount, providers.ErrForbidden},
		{"no nonce", without(good, "nonce"), testAccount, providers.ErrForbidden},
		{"signature twice", with(good, "signature", good.Get("signature")), testAccount, providers.ErrForbidden},
		{"other timestamp", set(good, "timestamp", "1"), testAccount, providers.ErrForbidden},
		{"account without a token", good, withSecret(testAccount, "serverToken", ""), providers.ErrForbidden},
		{"signed but no echostr", without(good, "echostr"), testAccount, providers.ErrNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, handshake, err := Provider{}.VerifyWebhook(tt.acct, request(http.MethodGet, tt.q, nil))
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want != nil {
				if resp != nil || handshake {
					t.Errorf("resp %+v, handshake %v on failure", resp, handshake)
				}
				return
			}
			if !handshake || resp == nil || resp.Status != http.StatusOK || string(resp.Body) != "6487253912345678912" || !strings.HasPrefix(resp.ContentType, "text/plain") {
				t.Errorf("resp %+v, handshake %v; want echostr as text/plain", resp, handshake)
			}
		})
	}
}

func TestVerifyWebhookPush(t *testing.T) {
	body := fixture(t, "text.xml")
	plain := webhookRequest(t, body, wechattest.DefaultPush)
	safe := webhookRequest(t, body, wechattest.SafePush)
	compat := webhookRequest(t, body, wechattest.Push{Token: wechattest.ServerToken, AESKey: wechattest.AESKey, AppID: wechattest.AppID, Compatible: true})
	tampered := *safe
	tampered.Body = []byte(strings.Replace(string(safe.Body), "<Encrypt><![CDATA[", "<Encrypt><![CDATA[A", 1))
	tests := []struct {
		name string
		req  *providers.WebhookRequest
		acct providers.Account
		want error
	}{
		{"plaintext", plain, testAccount, nil},
		{"plaintext, wrong token", webhookRequest(t, body, wechattest.Push{Token: "another-token"}), testAccount, providers.ErrUnauthorized},
		{"plaintext, no signature", reQuery(plain, without(plain.URL.Query(), "signature")), testAccount, providers.ErrUnauthorized},
		{"plaintext to an account with a key", plain, safeAccount, providers.ErrUnauthorized},
		{"plaintext declaring encrypt_type=raw", reQuery(plain, set(plain.URL.Query(), "encrypt_type", "raw")), testAccount, nil},
		{"unknown encrypt_type", reQuery(plain, set(plain.URL.Query(), "encrypt_type", "rsa")), testAccount, providers.ErrUnauthorized},
		{"safe mode", safe, safeAccount, nil},
		{"safe mode, account without the key (kept for replay)", safe, testAccount, nil},
		{"compatible mode", compat, safeAccount, nil},
		{"safe mode, no msg_signature", reQuery(safe, without(safe.URL.Query(), "msg_signature")), safeAccount, providers.ErrUnauthorized},
		{"safe mode, msg_signature of other content", reQuery(safe, set(safe.URL.Query(), "msg_signature", wechattest.Sign(wechattest.ServerToken, "1", "2", "3"))), safeAccount, providers.ErrUnauthorized},
		{"safe mode, ciphertext altered", &tampered, safeAccount, providers.ErrUnauthorized},
		{"safe mode, query signature wrong", reQuery(safe, set(safe.URL.Query(), "signature", strings.Repeat("0", 40))), safeAccount, providers.ErrUnauthorized},
		{"safe mode, body not XML", &providers.WebhookRequest{Method: http.MethodPost, URL: safe.URL, Body: []byte("Encrypt=x")}, safeAccount, providers.ErrUnauthorized},
		{"no URL", &providers.WebhookRequest{Method: http.MethodPost, Body: body}, testAccount, providers.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, handshake, err := Provider{}.VerifyWebhook(tt.acct, tt.req)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if resp != nil || handshake {
				t.Errorf("resp %+v, handshake %v for a push", resp, handshake)
			}
		})
	}
	for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodHead, ""} {
		req := *plain
		req.Method = method
		if _, _, err := (Provider{}).VerifyWebhook(testAccount, &req); !errors.Is(err, providers.ErrNotAllowed) {
			t.Errorf("%q: err = %v, want ErrNotAllowed", method, err)
		}
	}
	if _, _, err := (Provider{}).VerifyWebhook(testAccount, nil); !errors.Is(err, providers.ErrNotAllowed) {
		t.Errorf("nil request: err = %v", err)
	}
}

// without is q less a parameter.
func without(q url.Values, name string) url.Values {
	out := url.Values{}
	for k, v := range q {
		if k != name {
			out[k] = v
		}
	}
	return out
}

// set is q with a parameter replaced.
func set(q url.Values, name, v string) url.Values {
	out := without(q, name)
	out.Set(name, v)
	return out
}

// with is q with one more value of a parameter.
func with(q url.Values, name, v string) url.Values {
	out := without(q, "")
	out.Add(name, v)
	return out
}

// reQuery is req with another query.
func reQuery(req *providers.WebhookRequest, q url.Values) *providers.WebhookRequest {
	cp := *req
	u := *req.URL
	u.RawQuery = q.Encode()
	cp.URL = &u
	return &cp
}
