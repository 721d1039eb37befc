package nexmo

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/nexmo/nexmotest"
	"github.com/switchboard/switchboard/providers/providertest"
)

// FuzzParseWebhook: any body gives at most one event or a *ParseError, never
// a panic, and every event can be stored (DedupKey) and routed (Kind,
// SenderID, MessageID, RefMessageIDs), with attachments by their media URL
// and places on Earth.
func FuzzParseWebhook(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	f.Add([]byte(`{"channel":"whatsapp","message_uuid":"1","from":"1","message_type":"location","location":{"lat":1e400,"long":-0}}`))
	f.Add([]byte(`{"channel":"WhatsApp","message_uuid":" ","from":"1","message_type":"button","button":{"payload":{"a":[1,{"b":null}]}}}`))
	f.Add([]byte(`{"message_uuid":"1","to":"","status":"READ","timestamp":"0001-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"message_uuid":"1","to":{"number":"1"},"message_type":"text"}`))
	f.Add([]byte(`{"message_uuid":"u","from":"\u0000","message_type":"audio","audio":{"url":"http://x/a.ogg?","name":"../../v.opus"}}`))
	p := Provider{}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{}, Body: body, Received: received}
		events, resp, err := p.ParseWebhook(testAccount, req)
		providertest.CheckParsed(t, events, err, providertest.Knobs{})
		if resp != nil {
			t.Errorf("resp = %+v", resp)
		}
		if len(events) > 1 {
			t.Errorf("%d events from one webhook", len(events))
		}
		for _, ev := range events {
			switch ev.Kind {
			case providers.EventMessage, providers.EventPostback:
				if ev.DedupKey != "message:"+ev.MessageID {
					t.Errorf("DedupKey %q of message %q", ev.DedupKey, ev.MessageID)
				}
			case providers.EventDelivered, providers.EventRead, providers.EventFailed:
				if len(ev.RefMessageIDs) != 1 || ev.RefMessageIDs[0] == "" || !strings.HasPrefix(ev.DedupKey, "status:"+ev.RefMessageIDs[0]+":") {
					t.Errorf("%s about %v, DedupKey %q", ev.Kind, ev.RefMessageIDs, ev.DedupKey)
				}
			default:
				t.Errorf("kind %s", ev.Kind)
			}
			for _, a := range ev.Attachments {
				if a.URL == "" || a.FileID != a.URL || !absoluteURL(a.URL) {
					t.Errorf("attachment without its media URL: %+v", a)
				}
			}
			if l := ev.Location; l != nil && (math.IsNaN(l.Latitude) || math.IsNaN(l.Longitude) || math.Abs(l.Latitude) > 90 || math.Abs(l.Longitude) > 180) {
				t.Errorf("location %+v", l)
			}
		}
	})
}

// FuzzVerifyWebhook: any Authorization header and body are handled without
// panic, and a webhook passes only when an independent check agrees that its
// token is HS256 under the signature secret and covers this body and this
// account. An input "header\n\nbody" sends header as it is; any other input
// is a body sent with the token Vonage would sign for it, which must pass.
func FuzzVerifyWebhook(f *testing.F) {
	providertest.SeedCorpus(f, "*.json")
	body := fixture(f, "text.json")
	good := nexmotest.Sign(testSig, testKey, testApp, body, received)
	for _, h := range []string{"Bearer " + good, "bearer " + good, "Bearer " + good[:len(good)-1], "Bearer " + strings.ToUpper(good),
		"Bearer", "Bearer  ", "Basic " + good, "\x00", "Bearer a.b.c", "Bearer e30.e30.", "Bearer " + strings.Replace(good, ".", "..", 1)} {
		f.Add(append([]byte(h+"\n\n"), body...))
	}
	p := Provider{}
	f.Fuzz(func(t *testing.T, data []byte) {
		header, payload, explicit := bytes.Cut(data, []byte("\n\n"))
		var auth string
		if explicit {
			auth = string(header)
		} else {
			payload = data
			auth = "Bearer " + nexmotest.Sign(testSig, testKey, testApp, payload, received)
		}
		req := &providers.WebhookRequest{Method: http.MethodPost, Header: http.Header{"Authorization": {auth}}, Body: payload, Received: received}
		resp, hs, err := p.VerifyWebhook(testAccount, req)
		if resp != nil || hs {
			t.Errorf("resp %v, handshake %v", resp, hs)
		}
		switch {
		case err == nil:
			if !independentlyValid(auth, payload) {
				t.Errorf("header %q passed for body %q", auth, payload)
			}
		case !errors.Is(err, providers.ErrUnauthorized):
			t.Errorf("err = %v, want ErrUnauthorized", err)
		case !explicit:
			t.Errorf("Vonage's own signature failed: %v", err)
		}
	})
}

// independentlyValid checks a passed header by hand: a Bearer JWT whose header
// says HS256, whose signature is the HMAC-SHA256 of its first two parts under
// the signature secret, and whose claims name the account and the body's hash.
func independentlyValid(auth string, body []byte) bool {
	scheme, token, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return false
	}
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return false
	}
	dec := base64.RawURLEncoding
	hdr, err1 := dec.DecodeString(parts[0])
	payload, err2 := dec.DecodeString(parts[1])
	sig, err3 := dec.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	var c struct {
		PayloadHash string `json:"payload_hash"`
		APIKey      string `json:"api_key"`
	}
	if json.Unmarshal(hdr, &h) != nil || h.Alg != "HS256" || json.Unmarshal(payload, &c) != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(testSig))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	return hmac.Equal(sig, mac.Sum(nil)) && c.APIKey == testKey && strings.EqualFold(c.PayloadHash, nexmotest.PayloadHash(body))
}

// FuzzParsePrivateKey: any setting gives an RSA key or one of the fixed
// keyErrors, never a panic, so no error can quote the setting; a key that
// parses is a usable RSA key.
func FuzzParsePrivateKey(f *testing.F) {
	f.Add(testPrivateKey)
	f.Add(strings.ReplaceAll(testPrivateKey, "\n", `\n`))
	f.Add(strings.ReplaceAll(testPrivateKey, "\n", " "))
	f.Add(nexmotest.DefaultPublicKey)
	f.Add(testPrivateKey[:300])
	f.Add("-----BEGIN PRIVATE KEY-----")
	f.Add("-----BEGIN PRIVATE KEY----------END PRIVATE KEY-----")
	f.Add("-----BEGIN -----\n-----END -----")
	f.Add("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----")
	f.Add("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----")
	f.Add("MIIBOgIBAAJBAK")
	f.Add("====")
	f.Add(`\n\r\n`)
	f.Fuzz(func(t *testing.T, s string) {
		k, err := parsePrivateKey(s)
		switch {
		case err != nil && !isKeyError(err):
			t.Errorf("error %v is not one of the fixed key errors", err)
		case err != nil && k != nil:
			t.Errorf("a key and an error %v", err)
		case err == nil && (k == nil || k.Validate() != nil):
			t.Errorf("key %v without an error", k)
		}
	})
}
