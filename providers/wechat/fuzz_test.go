package wechat

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/providertest"
	"github.com/switchboard/switchboard/providers/wechat/wechattest"
)

// FuzzParseWebhook: any body, plain or as the plaintext of a safe-mode push,
// gives events or a *ParseError (always with WeChat's "success"), never a
// panic, and every event can be stored (DedupKey), routed (Kind) and
// answered (SenderID).
func FuzzParseWebhook(f *testing.F) {
	providertest.SeedCorpus(f, "*.xml")
	f.Add([]byte(`<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>location</MsgType><MsgId>1</MsgId><Location_X>1e308</Location_X><Location_Y>-0</Location_Y></xml>`))
	f.Add([]byte(`<xml><FromUserName>o</FromUserName><CreateTime>9223372036854775807</CreateTime><MsgType>event</MsgType><Event>VIEW</Event></xml>`))
	f.Add([]byte(`<xml><FromUserName><![CDATA[]]]]><![CDATA[>]]></FromUserName><CreateTime> 7 </CreateTime><MsgType>image</MsgType><MsgId> </MsgId><PicUrl>http://</PicUrl></xml>`))
	f.Add([]byte(`<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Content>&a;&a;</Content></xml>`))
	p := Provider{}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, mode := range []struct {
			push wechattest.Push
			acct providers.Account
		}{{wechattest.DefaultPush, testAccount}, {wechattest.SafePush, safeAccount}} {
			q, b, err := wechattest.SignedWebhook(mode.push, body, received)
			if err != nil {
				t.Fatal(err)
			}
			events, resp, err := p.ParseWebhook(mode.acct, request(http.MethodPost, q, b))
			checkSuccess(t, resp)
			providertest.CheckParsed(t, events, err, providertest.Knobs{})
			for _, ev := range events {
				if ev.Kind == providers.EventMessage && ev.MessageID != ev.DedupKey {
					t.Errorf("message ID %q and dedup key %q differ", ev.MessageID, ev.DedupKey)
				}
			}
		}
	})
}

// FuzzVerifyWebhook: any query and body are handled without panic, and a
// request passes only with the query's signature under the account's token
// and, for encrypted pushes, msg_signature over the body's Encrypt.
func FuzzVerifyWebhook(f *testing.F) {
	for _, body := range providertest.Fixtures(f, "*.xml") {
		for _, push := range []wechattest.Push{wechattest.DefaultPush, wechattest.SafePush} {
			q, b, err := wechattest.SignedWebhook(push, body, received)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(false, q.Encode(), b)
		}
	}
	f.Add(true, wechattest.Handshake(wechattest.ServerToken, "echo", received).Encode(), []byte(nil))
	f.Add(true, "signature=&timestamp=&nonce=&echostr=x", []byte(nil))
	f.Add(false, "signature=da39a3ee5e6b4b0d3255bfef95601890afd80709&timestamp=&nonce=", []byte("<xml/>"))
	f.Add(false, "encrypt_type=aes&encrypt_type=aes&signature=x", []byte("<xml><Encrypt>x</Encrypt></xml>"))
	p := Provider{}
	f.Fuzz(func(t *testing.T, get bool, rawQuery string, body []byte) {
		method := http.MethodPost
		if get {
			method = http.MethodGet
		}
		req := &providers.WebhookRequest{Method: method, URL: &url.URL{Path: "/webhooks/x", RawQuery: rawQuery}, Header: http.Header{}, Body: body}
		q, _ := url.ParseQuery(rawQuery)
		for _, acct := range []providers.Account{testAccount, safeAccount} {
			resp, handshake, err := p.VerifyWebhook(acct, req)
			if err != nil {
				// A refused handshake is a wrong verify token (403), a
				// refused push not authentic (401).
				refused := providers.ErrUnauthorized
				if get {
					refused = providers.ErrForbidden
				}
				if !errors.Is(err, refused) && !errors.Is(err, providers.ErrNotAllowed) {
					t.Errorf("err = %v", err)
				}
				continue
			}
			signed := q["signature"]
			if len(signed) != 1 || signed[0] != wechattest.Sign(wechattest.ServerToken, q.Get("timestamp"), q.Get("nonce")) ||
				q.Get("timestamp") == "" || q.Get("nonce") == "" {
				t.Fatalf("passed without a valid signature: %q", rawQuery)
			}
			if get {
				if !handshake || resp == nil || string(resp.Body) != q.Get("echostr") {
					t.Errorf("handshake %v, resp %+v", handshake, resp)
				}
				continue
			}
			if handshake || resp != nil {
				t.Errorf("a push answered as a handshake")
			}
			if q.Get("encrypt_type") == "aes" {
				enc, ok := envelope(body)
				if !ok || q.Get("msg_signature") != wechattest.Sign(wechattest.ServerToken, q.Get("timestamp"), q.Get("nonce"), enc) {
					t.Fatalf("an encrypted push passed without its msg_signature: %q", rawQuery)
				}
			} else if acct.Secrets["encodingAesKey"] != "" {
				t.Fatalf("a plaintext push passed for an account with a key: %q", rawQuery)
			}
		}
	})
}

// FuzzDecrypt: any Encrypt element, under the fake's key or Tencent's
// sample key, is opened or refused with one of decrypt's own errors, never a
// panic; what opens was sealed for the AppID and is no longer than the
// ciphertext.
func FuzzDecrypt(f *testing.F) {
	f.Add(tencentEncrypt, false)
	f.Add(wechatpyEncrypt, false)
	for _, body := range providertest.Fixtures(f, "*.xml") {
		enc, err := wechattest.Encrypt(wechattest.AESKey, wechattest.AppID, body)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc, true)
	}
	f.Add("", true)
	f.Add("AAAAAAAAAAAAAAAAAAAAAA==", true)
	f.Add(strings.Repeat("A", 64), true)
	f.Fuzz(func(t *testing.T, encrypted string, fakeKey bool) {
		key, appID := tencentKey, tencentAppID
		if fakeKey {
			key, appID = wechattest.AESKey, wechattest.AppID
		}
		plain, err := decrypt(key, appID, encrypted)
		if err != nil {
			if !errors.Is(err, errCiphertext) && !errors.Is(err, errAppID) {
				t.Fatalf("err = %v, want errCiphertext or errAppID", err)
			}
			if plain != nil {
				t.Errorf("plaintext %q with an error", plain)
			}
			return
		}
		if len(plain) > len(encrypted) {
			t.Errorf("%d bytes of plaintext from %d of Base64", len(plain), len(encrypted))
		}
	})
}
