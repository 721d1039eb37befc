package meta

import (
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers/meta/metatest"
)

const testSecret = metatest.DefaultAppSecret

// Signatures computed independently (openssl dgst -sha256 -hmac) of bodies as
// Meta sends them.
const (
	pageBody = `{"object":"page","entry":[{"id":"1234567890","time":1458692752478,"messaging":[]}]}`
	pageSig  = "sha256=3c95f5db7838f97d87c69f6caad2543ecc6f4d437d2764c8adeb597ca5ce3489"
	// Meta signs its escaped encoding of non-ASCII text
	// ("äöå" is sent as \u00e4\u00f6\u00e5).
	escapedBody = `{"text":"\u00e4\u00f6\u00e5"}`
	escapedSig  = "sha256=3eb79e3dba29de3aa70e792fcb9b99aad46ae8fd04cbb09eb192e70c6f873bc5"
	decodedBody = `{"text":"äöå"}`
	decodedSig  = "sha256=a8bd865b78e13f1c0bacf610c2253bc4601f1556f48c5c2e032e9364fc9a85ad"
)

func TestValidSignature(t *testing.T) {
	tests := []struct {
		name, secret, body, header string
		want                       bool
	}{
		{"known vector", testSecret, pageBody, pageSig, true},
		{"escaped unicode as sent", testSecret, escapedBody, escapedSig, true},
		{"decoded unicode is another body", testSecret, escapedBody, decodedSig, false},
		{"decoded body signed as decoded", testSecret, decodedBody, decodedSig, true},
		{"uppercase hex", testSecret, pageBody, "sha256=" + strings.ToUpper(pageSig[7:]), true},
		{"uppercase prefix", testSecret, pageBody, "SHA256=" + pageSig[7:], true},
		{"surrounding blanks", testSecret, pageBody, " " + pageSig + " ", true},
		{"other secret", "another-secret", pageBody, pageSig, false},
		{"other body", testSecret, pageBody + " ", pageSig, false},
		{"no prefix", testSecret, pageBody, pageSig[7:], false},
		{"sha1 prefix", testSecret, pageBody, "sha1=" + pageSig[7:], false},
		{"truncated", testSecret, pageBody, pageSig[:len(pageSig)-2], false},
		{"extra digits", testSecret, pageBody, pageSig + "00", false},
		{"not hex", testSecret, pageBody, "sha256=" + strings.Repeat("zz", 32), false},
		{"empty", testSecret, pageBody, "", false},
		{"prefix only", testSecret, pageBody, "sha256=", false},
		{"no secret", "", pageBody, metatest.Sign("", []byte(pageBody)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidSignature(tt.secret, []byte(tt.body), tt.header); got != tt.want {
				t.Errorf("ValidSignature = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSignerMatchesVectors: the fake's signer agrees with the independent
// vectors, so tests signing with it test the real scheme.
func TestSignerMatchesVectors(t *testing.T) {
	if got := metatest.Sign(testSecret, []byte(pageBody)); got != pageSig {
		t.Errorf("Sign = %s, want %s", got, pageSig)
	}
	if got := metatest.Sign(testSecret, []byte(escapedBody)); got != escapedSig {
		t.Errorf("Sign = %s, want %s", got, escapedSig)
	}
}
