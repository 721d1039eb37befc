package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/providertest"
	"github.com/switchboard/switchboard/providers/wechat/wechattest"
)

// wechatpy's test vector (tests/test_crypto.py, test_decrypt_message): WeCom
// seals messages exactly as Official Accounts do, with the corp ID where an
// Official Account has its AppID. WeChat publishes no ciphertext example for
// Official Accounts.
const (
	wechatpyKey     = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
	wechatpyAppID   = "wx49f0ab532d5d035a"
	wechatpyEncrypt = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)

func TestDecryptKnownVector(t *testing.T) {
	plain, err := decrypt(wechatpyKey, wechatpyAppID, wechatpyEncrypt)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	var m inbound
	if err := xml.Unmarshal(plain, &m); err != nil {
		t.Fatalf("the plaintext is not XML: %v\n%s", err, plain)
	}
	if m.Content != "test" || m.FromUserName != "messense" || m.MsgType != "text" {
		t.Errorf("decrypted %+v", m)
	}
	if _, err := decrypt(wechatpyKey, "wx0000000000000000", wechatpyEncrypt); !errors.Is(err, errAppID) {
		t.Errorf("another AppID: err = %v, want errAppID", err)
	}
}

func TestEncryptRoundTrip(t *testing.T) {
	var bodies [][]byte
	for n := 0; n <= 70; n++ { // every padding length, and exact blocks
		bodies = append(bodies, bytes.Repeat([]byte("x"), n))
	}
	for _, b := range providertest.Fixtures(t, "*.xml") {
		bodies = append(bodies, b)
	}
	for _, body := range bodies {
		enc, err := wechattest.Encrypt(wechattest.AESKey, wechattest.AppID, body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decrypt(wechattest.AESKey, wechattest.AppID, enc)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%d bytes: got %q, %v", len(body), got, err)
		}
		again, _ := wechattest.Encrypt(wechattest.AESKey, wechattest.AppID, body)
		if again == enc {
			t.Errorf("two encryptions of %d bytes are equal: the random prefix is missing", len(body))
		}
	}
}

func TestDecryptRefuses(t *testing.T) {
	body := fixture(t, "text.xml")
	enc, err := wechattest.Encrypt(wechattest.AESKey, wechattest.AppID, body)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(enc)
	otherKey := strings.Repeat("A", 43)
	tests := []struct {
		name          string
		key, appID, s string
		want          error
	}{
		{"another key", otherKey, wechattest.AppID, enc, errCiphertext},
		{"another AppID", wechattest.AESKey, "wx1111111111111111", enc, errAppID},
		{"no AppID on the account", wechattest.AESKey, "", enc, errAppID},
		{"key too short", wechattest.AESKey[:42], wechattest.AppID, enc, errAESKey},
		{"key not Base64", "!" + wechattest.AESKey[1:], wechattest.AppID, enc, errAESKey},
		{"not Base64", wechattest.AESKey, wechattest.AppID, "%%%", errCiphertext},
		{"empty", wechattest.AESKey, wechattest.AppID, "", errCiphertext},
		{"not whole blocks", wechattest.AESKey, wechattest.AppID, base64.StdEncoding.EncodeToString(raw[:len(raw)-1]), errCiphertext},
		{"last block dropped", wechattest.AESKey, wechattest.AppID, base64.StdEncoding.EncodeToString(raw[:len(raw)-16]), errCiphertext},
		{"one block", wechattest.AESKey, wechattest.AppID, base64.StdEncoding.EncodeToString(raw[:16]), errCiphertext},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decrypt(tt.key, tt.appID, tt.s); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	key, err := aesKey(wechattest.AESKey)
	if err != nil {
		t.Fatal(err)
	}
	random := bytes.Repeat([]byte{7}, 16)
	crafted := []struct {
		name      string
		plaintext []byte
		pkcs7     bool // add valid padding; else the plaintext ends in its own
	}{
		{"length beyond the plaintext", append(append(random, 0, 0, 1, 0), "<xml/>"+wechattest.AppID...), true},
		{"shorter than its header", []byte("0123456789"), true},
		{"padding bytes differ", append(append(random, 0, 0, 0, 6), "<xml/>"+wechattest.AppID+"\x05\x05\x05\x04"...), false},
		{"padding of zero", append(append(random, 0, 0, 0, 6), "<xml/>"+wechattest.AppID+strings.Repeat("\x00", 4)...), false},
		{"padding longer than a block", append(append(random, 0, 0, 0, 6), "<xml/>"+wechattest.AppID+strings.Repeat("\x24", 36)...), false},
	}
	for _, tt := range crafted {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decrypt(wechattest.AESKey, wechattest.AppID, seal(t, key, tt.plaintext, tt.pkcs7)); !errors.Is(err, errCiphertext) {
				t.Errorf("err = %v, want errCiphertext", err)
			}
		})
	}
	// The same construction with a true length opens: the cases above fail
	// for the reason they name.
	good := append(append(bytes.Clone(random), 0, 0, 0, 6), "<xml/>"+wechattest.AppID...)
	if got, err := decrypt(wechattest.AESKey, wechattest.AppID, seal(t, key, good, true)); err != nil || string(got) != "<xml/>" {
		t.Errorf("crafted good plaintext: %q, %v", got, err)
	}
}

// seal encrypts plaintext as safe mode does, first padding it with PKCS#7
// to 32 bytes when pkcs7 is set; otherwise it must fill whole blocks.
func seal(t *testing.T, key, plaintext []byte, pkcs7 bool) string {
	t.Helper()
	pt := bytes.Clone(plaintext)
	if pkcs7 {
		n := 32 - len(pt)%32
		pt = append(pt, bytes.Repeat([]byte{byte(n)}, n)...)
	}
	if len(pt)%aes.BlockSize != 0 {
		t.Fatalf("%d bytes are not whole blocks", len(pt))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(ct, pt)
	return base64.StdEncoding.EncodeToString(ct)
}

func TestFixturesAreXML(t *testing.T) {
	names, _ := filepath.Glob("testdata/*")
	for _, name := range names {
		if filepath.Ext(name) != ".xml" {
			t.Errorf("%s: fixtures are WeChat's XML pushes", name)
		}
	}
}

// Tencent's own sample of safe mode (the WXBizMsgCrypt sample code WeChat
// publishes for Official Accounts, in every language, with the same values):
// the token, key, AppID, timestamp, nonce, msg_signature and Encrypt element
// of its decryption example.
const (
	tencentToken        = "spamtest"
	tencentKey          = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	tencentAppID        = "wx2c2769f8efd9abc2"
	tencentTimestamp    = "1409735669"
	tencentNonce        = "1320562132"
	tencentMsgSignature = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
	tencentEncrypt      = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)

// TestTencentSample: Tencent's published example passes msg_signature and
// decrypts for its AppID, and the whole push, as WeChat would post it in
// safe mode, passes VerifyWebhook and parses.
func TestTencentSample(t *testing.T) {
	if !validSignature(tencentMsgSignature, tencentToken, tencentTimestamp, tencentNonce, tencentEncrypt) {
		t.Fatal("Tencent's msg_signature does not verify")
	}
	plain, err := decrypt(tencentKey, tencentAppID, tencentEncrypt)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	var m inbound
	if err := xml.Unmarshal(plain, &m); err != nil {
		t.Fatalf("the plaintext is not XML: %v\n%s", err, plain)
	}
	if m.ToUserName != "gh_10f6c3c3ac5a" || m.MsgType == "" || m.FromUserName == "" {
		t.Errorf("decrypted %+v", m)
	}
	if _, err := decrypt(tencentKey, "wx0000000000000000", tencentEncrypt); !errors.Is(err, errAppID) {
		t.Errorf("another AppID: err = %v, want errAppID", err)
	}

	acct := providers.Account{ID: "tencent", Settings: map[string]string{"appId": tencentAppID, "wechatType": TypeChina},
		Secrets: map[string]string{"appSecret": "x", "serverToken": tencentToken, "encodingAesKey": tencentKey}}
	q := url.Values{"signature": {signature(tencentToken, tencentTimestamp, tencentNonce)}, "timestamp": {tencentTimestamp},
		"nonce": {tencentNonce}, "encrypt_type": {"aes"}, "msg_signature": {tencentMsgSignature}}
	body := []byte("<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[" + tencentEncrypt + "]]></Encrypt></xml>")
	req := request(http.MethodPost, q, body)
	if _, _, err := (Provider{}).VerifyWebhook(acct, req); err != nil {
		t.Fatalf("VerifyWebhook: %v", err)
	}
	events, _, err := Provider{}.ParseWebhook(acct, req)
	if err != nil {
		t.Fatalf("ParseWebhook: %v", err)
	}
	if len(events) != 1 || events[0].Kind != providers.EventMessage || events[0].MessageID != "6054768590064713728" ||
		events[0].SenderID != "oyORnuP8q7ou2gfYjqLzSIWZf0rs" || events[0].Text != "abcdteT" {
		t.Errorf("events %+v, want the text abcdteT from oyORnuP8q7ou2gfYjqLzSIWZf0rs", events)
	}
	wrong := request(http.MethodPost, set(q, "msg_signature", strings.Repeat("0", 40)), body)
	if _, _, err := (Provider{}).VerifyWebhook(acct, wrong); !errors.Is(err, providers.ErrUnauthorized) {
		t.Errorf("a wrong msg_signature: err = %v", err)
	}
}
