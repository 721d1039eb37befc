package twilio

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/switchboard/switchboard/providers/twilio/twiliotest"
)

func TestURLVariants(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"https://sb.example/webhooks/a?x=1", []string{"https://sb.example/webhooks/a?x=1", "https://sb.example:443/webhooks/a?x=1"}},
		{"http://sb.example", []string{"http://sb.example", "http://sb.example:80"}},
		{"https://sb.example:8443/w", []string{"https://sb.example:8443/w", "https://sb.example/w"}},
		{"https://sb.example:443/w#frag", []string{"https://sb.example:443/w#frag", "https://sb.example/w#frag"}},
		{"http://[::1]:8080/w", []string{"http://[::1]:8080/w", "http://[::1]/w"}},
		{"http://[::1]/w", []string{"http://[::1]/w", "http://[::1]:80/w"}},
		// The query stays byte for byte, escapes included.
		{"https://sb.example/w?a=%2F&b=c+d", []string{"https://sb.example/w?a=%2F&b=c+d", "https://sb.example:443/w?a=%2F&b=c+d"}},
		{"ftp://sb.example/w", []string{"ftp://sb.example/w"}},
		{"https://user:pw@sb.example/w", []string{"https://user:pw@sb.example/w"}},
		{"no scheme", []string{"no scheme"}},
	}
	for _, tt := range tests {
		if got := urlVariants(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("urlVariants(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSignatureMatchesTheFake: the provider's check and the fake's signer, two
// implementations of Twilio's scheme, agree, repeated parameters included.
func TestSignatureMatchesTheFake(t *testing.T) {
	forms := []url.Values{
		nil,
		{},
		{"Body": {""}},
		{"b": {"2"}, "a": {"1"}, "B": {"3"}},
		{"MediaUrl": {"https://x/2", "https://x/1", "https://x/2"}},
		{"Body": {"ünïcödé 🙂 & = + %"}, "To": {"whatsapp:+1"}},
	}
	for _, f := range forms {
		sig := twiliotest.Sign(testToken, testWebhookURL, f)
		if !validSignature(testToken, testWebhookURL, f, sig) {
			t.Errorf("form %v: signature %s not accepted", f, sig)
		}
		if validSignature("other", testWebhookURL, f, sig) {
			t.Errorf("form %v: accepted under another token", f)
		}
	}
}
