package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"path/filepath"
	"strings"
	"testing"

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
