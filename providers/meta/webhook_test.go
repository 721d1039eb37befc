package meta

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
)

func handshakeRequest(query string) *providers.WebhookRequest {
	return &providers.WebhookRequest{Method: http.MethodGet, URL: &url.URL{Path: "/webhooks/acc1", RawQuery: query}, Header: http.Header{}}
}

func TestVerifyWebhookHandshake(t *testing.T) {
	const token = "meatyhamhock"
	tests := []struct {
		name, query, token string
		want               error
		body               string
	}{
		{"Meta's example", "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock", token, nil, "1158201444"},
		{"stored token with blanks", "hub.mode=subscribe&hub.challenge=42&hub.verify_token=meatyhamhock", " meatyhamhock\n", nil, "42"},
		{"empty challenge", "hub.mode=subscribe&hub.verify_token=meatyhamhock", token, nil, ""},
		{"wrong token", "hub.mode=subscribe&hub.challenge=1&hub.verify_token=meatyhamhocks", token, ErrWrongVerifyToken, ""},
		{"token of another case", "hub.mode=subscribe&hub.challenge=1&hub.verify_token=MEATYHAMHOCK", token, ErrWrongVerifyToken, ""},
		{"missing token", "hub.mode=subscribe&hub.challenge=1", token, ErrWrongVerifyToken, ""},
		{"two tokens", "hub.mode=subscribe&hub.challenge=1&hub.verify_token=meatyhamhock&hub.verify_token=x", token, ErrWrongVerifyToken, ""},
		{"account without token", "hub.mode=subscribe&hub.challenge=1&hub.verify_token=", "", ErrWrongVerifyToken, ""},
		{"PHP-style underscores are not Meta's", "hub_mode=subscribe&hub_challenge=1&hub_verify_token=meatyhamhock", token, providers.ErrNotAllowed, ""},
		{"other mode", "hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=meatyhamhock", token, providers.ErrNotAllowed, ""},
		{"plain GET", "", token, providers.ErrNotAllowed, ""},
		{"control characters in challenge", "hub.mode=subscribe&hub.challenge=%0D%0ASet-Cookie:x&hub.verify_token=meatyhamhock", token, providers.ErrNotAllowed, ""},
		{"huge challenge", "hub.mode=subscribe&hub.challenge=" + strings.Repeat("9", 2000) + "&hub.verify_token=meatyhamhock", token, providers.ErrNotAllowed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, handshake, err := VerifyWebhook(handshakeRequest(tt.query), tt.token, testSecret)
			if tt.want != nil {
				if !errors.Is(err, tt.want) || handshake || resp != nil {
					t.Fatalf("got %v %v %v, want %v", resp, handshake, err, tt.want)
				}
				// A wrong verify token is 403 (ErrForbidden); anything else
				// that is not a handshake is 405 (ErrNotAllowed).
				if !errors.Is(err, providers.ErrNotAllowed) && !errors.Is(err, providers.ErrForbidden) {
					t.Errorf("%v wraps neither ErrNotAllowed nor ErrForbidden", err)
				}
				return
			}
			if err != nil || !handshake || resp == nil {
				t.Fatalf("got %v %v %v", resp, handshake, err)
			}
			if resp.Status != http.StatusOK || resp.ContentType != "text/plain; charset=utf-8" || string(resp.Body) != tt.body {
				t.Errorf("response %d %q %q", resp.Status, resp.ContentType, resp.Body)
			}
		})
	}
}

func TestVerifyWebhookPost(t *testing.T) {
	post := func(body string, sigs ...string) *providers.WebhookRequest {
		h := http.Header{}
		for _, s := range sigs {
			h.Add(SignatureHeader, s)
		}
		return &providers.WebhookRequest{Method: http.MethodPost, URL: &url.URL{Path: "/w"}, Header: h, Body: []byte(body)}
	}
	tests := []struct {
		name   string
		req    *providers.WebhookRequest
		secret string
		want   error
	}{
		{"signed", post(pageBody, pageSig), testSecret, nil},
		{"secret with blanks is the caller's to trim", post(pageBody, pageSig), testSecret + " ", providers.ErrUnauthorized},
		{"wrong signature", post(pageBody, decodedSig), testSecret, providers.ErrUnauthorized},
		{"signature of another body", post(decodedBody, pageSig), testSecret, providers.ErrUnauthorized},
		{"missing", post(pageBody), testSecret, providers.ErrUnauthorized},
		{"two signatures", post(pageBody, pageSig, pageSig), testSecret, providers.ErrUnauthorized},
		{"no app secret", post(pageBody, pageSig), "", providers.ErrUnauthorized},
		{"PUT", &providers.WebhookRequest{Method: http.MethodPut, Header: http.Header{}}, testSecret, providers.ErrNotAllowed},
		{"nil", nil, testSecret, providers.ErrNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, handshake, err := VerifyWebhook(tt.req, "token-123", tt.secret)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) || handshake || resp != nil {
				t.Errorf("got %v %v %v, want %v", resp, handshake, err, tt.want)
			}
		})
	}
}
