package twitter

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/providertest"
	"github.com/switchboard/switchboard/providers/twitter/twittertest"
)

// FuzzParseWebhook: any body gives events or a *ParseError, never a panic;
// every event can be stored (DedupKey), routed (Kind) and answered
// (SenderID); the account's own messages never come out as a customer's.
func FuzzParseWebhook(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	f.Add([]byte(`{"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"9","created_timestamp":"-9223372036854775808","message_create":{"sender_id":"2","message_data":{"text":"&amp;&#0;&lt","attachment":{"type":"media","media":{"type":"video","url":"","video_info":{"variants":[{"bitrate":-1,"content_type":"video/mp4","url":"https://video.twimg.com/:x"}]}}}}}}]}`))
	f.Add([]byte(`{"for_user_id":"1","follow_events":[{"type":"unfollow","target":{"id":1e3},"source":{"id":18446744073709551615}}]}`))
	f.Add([]byte(`{"for_user_id":"1","direct_message_mark_read_events":[{"sender_id":"1"},{"sender_id":"2","created_timestamp":"9223372036854775807"}]}`))
	p := Provider{}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, acct := range []providers.Account{docsAccount, testAccount} {
			events, resp, err := p.ParseWebhook(acct, &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{}, Body: body, Received: received})
			if resp != nil {
				t.Errorf("resp = %+v", resp)
			}
			providertest.CheckParsed(t, events, err, providertest.Knobs{})
			var a struct {
				ForUserID string `json:"for_user_id"`
			}
			json.Unmarshal(body, &a)
			own := firstNonEmpty(a.ForUserID, TokenUserID(acct.Secrets["accessToken"]))
			for _, ev := range events {
				if ev.SenderID == own {
					t.Errorf("the account's own activity as a customer's: %+v", ev)
				}
				for _, at := range ev.Attachments {
					if at.FileID == "" || at.URL != "" {
						t.Errorf("attachment %+v: want its URL as FileID", at)
					}
				}
			}
		}
	})
}

// FuzzVerifyWebhook: for any body, only its own signature passes, and only
// for a JSON object; for any crc_token, the CRC either refuses or answers
// the right token, and its answer never signs a body that passes.
func FuzzVerifyWebhook(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	for _, s := range []string{"", "null", "abc", "{", " {}", "\x00", "ä", strings.Repeat("a", maxCRCToken+1)} {
		f.Add([]byte(s))
	}
	p := Provider{}
	f.Fuzz(func(t *testing.T, body []byte) {
		good := twittertest.Sign(twittertest.ConsumerSecret, body)
		for _, sig := range []string{good, twittertest.Sign("another secret", body), strings.ToUpper(good), good + " ", ""} {
			req := &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{SignatureHeader: {sig}}, Body: body}
			resp, handshake, err := p.VerifyWebhook(testAccount, req)
			if resp != nil || handshake {
				t.Errorf("resp %v, handshake %v for a POST", resp, handshake)
			}
			wantOK := sig == good && isObject(body)
			if wantOK && err != nil {
				t.Errorf("the right signature of an object failed: %v", err)
			}
			if !wantOK && !errors.Is(err, providers.ErrUnauthorized) {
				t.Errorf("signature %q: err = %v, want ErrUnauthorized", sig, err)
			}
		}
		// The body as a crc_token.
		token := string(body)
		req := &providers.WebhookRequest{Method: http.MethodGet, URL: &url.URL{RawQuery: url.Values{"crc_token": {token}}.Encode()}, Header: http.Header{}}
		resp, handshake, err := p.VerifyWebhook(testAccount, req)
		if err != nil {
			if !errors.Is(err, providers.ErrUnauthorized) || handshake || resp != nil {
				t.Errorf("CRC refused with err %v, handshake %v, resp %v", err, handshake, resp)
			}
			return
		}
		if !handshake || twittertest.CheckCRCResponse(twittertest.ConsumerSecret, token, resp.Status, resp.Body) != nil {
			t.Fatalf("CRC of %q answered %s", token, resp.Body)
		}
		var out struct {
			ResponseToken string `json:"response_token"`
		}
		json.Unmarshal(resp.Body, &out)
		forged := &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{SignatureHeader: {out.ResponseToken}}, Body: []byte(token)}
		if _, _, err := p.VerifyWebhook(testAccount, forged); err == nil {
			t.Errorf("the CRC answer for %q signs a body that passes", token)
		}
		if bytes.ContainsRune(body, '{') {
			t.Errorf("a token with { was answered")
		}
	})
}
