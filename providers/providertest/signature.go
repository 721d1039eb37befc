package providertest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/switchboard/switchboard/providers"
)

// Verifier is the part of a provider CheckSignature exercises.
type Verifier interface {
	VerifyWebhook(acct providers.Account, req *providers.WebhookRequest) (*providers.WebhookResponse, bool, error)
}

// Signing is a messenger's webhook signature scheme as CheckSignature tries
// it: every messenger must accept exactly what its secret signed, so the same
// five refusals are asked of each instead of each package writing its own.
type Signing struct {
	// Provider verifies; Account holds the secret the messenger signs with.
	Provider Verifier
	Account  providers.Account
	// Request is the webhook carrying body as the messenger sends it,
	// signed with secret, or with no signature at all when secret is "".
	Request func(body []byte, secret string) *providers.WebhookRequest
	// Secret is the account's signing secret (an app secret, a channel
	// secret, a token); Other is any other secret of the same shape.
	Secret, Other string
}

// CheckSignature checks, for every body of fixtures (a messenger's
// documented webhooks), that a request signed with the account's secret is
// accepted and that one unsigned, signed with another secret, signed for
// another body, or whose body changed by one byte after signing is refused
// with providers.ErrUnauthorized.
func CheckSignature(t *testing.T, s Signing, fixtures map[string][]byte) {
	t.Helper()
	if len(fixtures) == 0 {
		t.Fatal("providertest: no fixtures to sign")
	}
	for name, body := range fixtures {
		t.Run(name, func(t *testing.T) {
			if _, _, err := s.Provider.VerifyWebhook(s.Account, s.Request(body, s.Secret)); err != nil {
				t.Fatalf("signed with the account's secret: %v", err)
			}
			tampered := s.Request(body, s.Secret)
			tampered.Body = append(bytes.Clone(body), ' ')
			other := s.Request(append(bytes.Clone(body), ' '), s.Secret)
			other.Body = body
			for what, req := range map[string]*providers.WebhookRequest{
				"unsigned":                   s.Request(body, ""),
				"signed with another secret": s.Request(body, s.Other),
				"a byte added after signing": tampered,
				"signed for another body":    other,
			} {
				if _, _, err := s.Provider.VerifyWebhook(s.Account, req); !errors.Is(err, providers.ErrUnauthorized) {
					t.Errorf("%s: %v, want ErrUnauthorized", what, err)
				}
			}
		})
	}
}
