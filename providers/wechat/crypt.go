package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
)

// Safe mode's scheme (WeChat's "message encryption technical plan"): the
// AES-256 key is the Base64 EncodingAESKey with "=" appended, the IV its first
// 16 bytes, CBC mode, PKCS#7 padding to 32-byte blocks; the plaintext is 16
// random bytes, the XML's length as 4 big-endian bytes, the XML, and the AppID
// of the account it is for.
const (
	aesKeyLen   = 43
	padBlock    = 32
	randomLen   = 16
	lengthBytes = 4
)

// Decryption failures. None shows key material.
var (
	errAESKey     = errors.New("the EncodingAESKey is not a WeChat key (43 characters of Base64 from the console)")
	errCiphertext = errors.New("the Encrypt element is not a ciphertext of this account's EncodingAESKey")
	errAppID      = errors.New("the encrypted message is for another AppID than this account's")
)

// aesKey decodes an EncodingAESKey into the 32-byte AES key. WeChat's keys
// are random Base64 characters, so the unused bits of the last one may be
// set: the decoding is not strict about them.
func aesKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != aesKeyLen {
		return nil, errAESKey
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errAESKey
	}
	return key, nil
}

// decrypt opens the Base64 Encrypt element of a safe-mode webhook and returns
// the XML inside, checking that it was sealed for appID.
func decrypt(encodingAESKey, appID, encrypted string) ([]byte, error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, errCiphertext
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errAESKey
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:aes.BlockSize]).CryptBlocks(pt, ct)
	pt, ok := unpad(pt)
	if !ok || len(pt) < randomLen+lengthBytes {
		return nil, errCiphertext
	}
	n := binary.BigEndian.Uint32(pt[randomLen : randomLen+lengthBytes])
	rest := pt[randomLen+lengthBytes:]
	if uint64(n) > uint64(len(rest)) {
		return nil, errCiphertext
	}
	xml, id := rest[:n], rest[n:]
	if subtle.ConstantTimeCompare(id, []byte(appID)) != 1 || appID == "" {
		return nil, errAppID
	}
	return bytes.Clone(xml), nil
}

// unpad removes PKCS#7 padding of up to one 32-byte block, checking every
// padding byte: a wrong key shows here.
func unpad(b []byte) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	n := int(b[len(b)-1])
	if n < 1 || n > padBlock || n > len(b) {
		return nil, false
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, false
		}
	}
	return b[:len(b)-n], true
}
