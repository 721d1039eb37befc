package twitter

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/twitter/twittertest"
)

func TestSignature(t *testing.T) {
	// X publishes no signature with its inputs; RFC 4231 test case 2 is the
	// same computation (HMAC-SHA256), here in X's "sha256=" + Base64 form.
	if got, want := CRCResponseToken("Jefe", "what do ya want for nothing?"), "sha256=W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="; got != want {
		t.Errorf("CRC response token = %s, want %s", got, want)
	}
	body := fixture(t, "dm_text.json")
	if got, want := sign(twittertest.ConsumerSecret, body), twittertest.Sign(twittertest.ConsumerSecret, body); got != want {
		t.Errorf("signature %s, fake signs %s", got, want)
	}
}

func TestVerifyWebhook(t *testing.T) {
	body := fixture(t, "dm_text.json")
	good := twittertest.Sign(twittertest.ConsumerSecret, body)
	noSecret := providers.Account{Secrets: map[string]string{"consumerKey": twittertest.ConsumerKey}}
	tests := []struct {
		name    string
		method  string
		body    []byte
		headers []string // values of x-twitter-webhooks-signature
		acct    providers.Account
		want    error
	}{
		{"right signature", http.MethodPost, body, []string{good}, testAccount, nil},
		{"wrong secret", http.MethodPost, body, []string{twittertest.Sign("kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", body)}, testAccount, providers.ErrUnauthorized},
		{"other body", http.MethodPost, body, []string{twittertest.Sign(twittertest.ConsumerSecret, fixture(t, "follow.json"))}, testAccount, providers.ErrUnauthorized},
		{"missing", http.MethodPost, body, nil, testAccount, providers.ErrUnauthorized},
		{"empty", http.MethodPost, body, []string{""}, testAccount, providers.ErrUnauthorized},
		{"without sha256= prefix", http.MethodPost, body, []string{strings.TrimPrefix(good, "sha256=")}, testAccount, providers.ErrUnauthorized},
		{"prefix in upper case", http.MethodPost, body, []string{"SHA256=" + strings.TrimPrefix(good, "sha256=")}, testAccount, providers.ErrUnauthorized},
		{"truncated", http.MethodPost, body, []string{good[:len(good)-1]}, testAccount, providers.ErrUnauthorized},
		{"hex instead of base64", http.MethodPost, body, []string{"sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"}, testAccount, providers.ErrUnauthorized},
		{"two headers", http.MethodPost, body, []string{good, good}, testAccount, providers.ErrUnauthorized},
		{"account without secret", http.MethodPost, body, []string{twittertest.Sign("", body)}, noSecret, providers.ErrUnauthorized},
		{"signed body that is not an object", http.MethodPost, []byte(`null`), []string{twittertest.Sign(twittertest.ConsumerSecret, []byte(`null`))}, testAccount, providers.ErrUnauthorized},
		{"signed body that is a string", http.MethodPost, []byte(`"x"`), []string{twittertest.Sign(twittertest.ConsumerSecret, []byte(`"x"`))}, testAccount, providers.ErrUnauthorized},
		{"GET without crc_token", http.MethodGet, nil, nil, testAccount, providers.ErrNotAllowed},
		{"PUT", http.MethodPut, body, []string{good}, testAccount, providers.ErrNotAllowed},
	}
	p := Provider{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := webhookRequest(t, tt.body, "")
			req.Method = tt.method
			for _, v := range tt.headers {
				req.Header.Add(SignatureHeader, v)
			}
			resp, handshake, err := p.VerifyWebhook(tt.acct, req)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if resp != nil || handshake {
				t.Errorf("resp %v, handshake %v for a POST", resp, handshake)
			}
		})
	}
	t.Run("header name in lower case", func(t *testing.T) {
		req := webhookRequest(t, body, "")
		req.Header = http.Header{}
		req.Header.Set("x-twitter-webhooks-signature", good) // net/http canonicalizes
		if _, _, err := p.VerifyWebhook(testAccount, req); err != nil {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("nil request", func(t *testing.T) {
		if _, _, err := p.VerifyWebhook(testAccount, nil); !errors.Is(err, providers.ErrNotAllowed) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestVerifyWebhookCRC(t *testing.T) {
	p := Provider{}
	t.Run("answers the challenge", func(t *testing.T) {
		token := twittertest.NewCRCToken()
		resp, handshake, err := p.VerifyWebhook(testAccount, crcRequest(url.Values{"crc_token": {token}}))
		if err != nil || !handshake || resp == nil {
			t.Fatalf("resp %+v, handshake %v, err %v", resp, handshake, err)
		}
		if resp.Status != http.StatusOK || !strings.HasPrefix(resp.ContentType, "application/json") {
			t.Errorf("status %d, content type %q", resp.Status, resp.ContentType)
		}
		if err := twittertest.CheckCRCResponse(twittertest.ConsumerSecret, token, resp.Status, resp.Body); err != nil {
			t.Error(err)
		}
		var out map[string]string
		if json.Unmarshal(resp.Body, &out) != nil || len(out) != 1 {
			t.Errorf("body %s: want exactly {\"response_token\": ...}", resp.Body)
		}
		checkNoSecret(t, string(resp.Body))
	})
	t.Run("the fake's CRC request", func(t *testing.T) {
		httpReq, err := twittertest.NewCRCRequest(t.Context(), testAccount.WebhookURL+"?x=1", "challenge_string")
		if err != nil {
			t.Fatal(err)
		}
		req := &providers.WebhookRequest{Method: httpReq.Method, URL: httpReq.URL, Header: httpReq.Header}
		resp, handshake, err := p.VerifyWebhook(testAccount, req)
		if err != nil || !handshake {
			t.Fatalf("handshake %v, err %v", handshake, err)
		}
		if err := twittertest.CheckCRCResponse(twittertest.ConsumerSecret, "challenge_string", resp.Status, resp.Body); err != nil {
			t.Error(err)
		}
	})
	refused := []struct {
		name  string
		query url.Values
		acct  providers.Account
		want  error
	}{
		{"no consumer secret", url.Values{"crc_token": {"abc"}}, providers.Account{}, providers.ErrUnauthorized},
		{"empty token", url.Values{"crc_token": {""}}, testAccount, providers.ErrUnauthorized},
		{"two tokens", url.Values{"crc_token": {"abc", "def"}}, testAccount, providers.ErrUnauthorized},
		{"a JSON object to sign", url.Values{"crc_token": {`{"for_user_id":"1","direct_message_events":[]}`}}, testAccount, providers.ErrUnauthorized},
		{"a brace anywhere", url.Values{"crc_token": {"abc{"}}, testAccount, providers.ErrUnauthorized},
		{"too long", url.Values{"crc_token": {strings.Repeat("a", maxCRCToken+1)}}, testAccount, providers.ErrUnauthorized},
		{"no token at all", url.Values{"other": {"1"}}, testAccount, providers.ErrNotAllowed},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			resp, handshake, err := p.VerifyWebhook(tt.acct, crcRequest(tt.query))
			if !errors.Is(err, tt.want) || resp != nil || handshake {
				t.Errorf("resp %+v, handshake %v, err %v; want %v", resp, handshake, err, tt.want)
			}
		})
	}
	t.Run("the CRC answer cannot sign a body that passes", func(t *testing.T) {
		// Whatever token the CRC signs, a POST of that token with that
		// signature is refused: bodies must be objects, tokens cannot be.
		for _, token := range []string{"null", "123", "true", `"s"`, "[1]", " x"} {
			resp, _, err := p.VerifyWebhook(testAccount, crcRequest(url.Values{"crc_token": {token}}))
			if err != nil {
				continue
			}
			var out struct {
				ResponseToken string `json:"response_token"`
			}
			json.Unmarshal(resp.Body, &out)
			req := webhookRequest(t, []byte(token), "")
			req.Header.Set(SignatureHeader, out.ResponseToken)
			if _, _, err := p.VerifyWebhook(testAccount, req); !errors.Is(err, providers.ErrUnauthorized) {
				t.Errorf("token %q: a POST signed by the CRC answer got err %v", token, err)
			}
		}
	})
}

func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

func TestParseWebhook(t *testing.T) {
	tests := []struct {
		file string
		want []providers.Event
	}{
		{"dm_text.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "954491830116155396", MessageID: "954491830116155396",
			SenderID: "3001969357", SenderName: "Jordan Brinks", Timestamp: ms(1516403560557), Text: "Hello World!",
		}}},
		// The documentation's example nests "users" inside "apps" by mistake:
		// the message still maps, without a name.
		{"dm_docs_verbatim.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "954491830116155396", MessageID: "954491830116155396",
			SenderID: "3001969357", Timestamp: ms(1516403560557), Text: "Hello World!",
		}}},
		{"dm_escaped_link.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "958501034212564996", MessageID: "958501034212564996",
			SenderID: "835740314006511618", SenderName: "@nyaruka_tester", Timestamp: ms(1517359429301),
			Text: "Hello World & good wishes. Order 4 < 5: https://shop.example.com/orders/4",
		}}},
		{"dm_photo.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "1221092871941558276", MessageID: "1221092871941558276",
			SenderID: "425218332", SenderName: "Veracruz Centro", Timestamp: ms(1579966202136),
			Attachments: []providers.Attachment{{
				Type:     providers.AttachmentImage,
				FileID:   "https://ton.twitter.com/1.1/ton/data/dm/1221092871941558276/1221092866912550912/OwIPMAFC.png",
				FileName: "OwIPMAFC.png", MimeType: "image/png",
			}},
		}}},
		{"dm_video.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "762671565947494405", MessageID: "762671565947494405",
			SenderID: "1196840096", SenderName: "JD", Timestamp: ms(1470669645000), Text: "Party & Bullshit",
			Attachments: []providers.Attachment{{
				Type:     providers.AttachmentVideo,
				FileID:   "https://video.twimg.com/dm_video/762671519986319360/vid/720x1280/cVTnZqWOdFPmGS_h9AjvW3m4NqWPkQCDsXc9VOx3kIQ.mp4",
				FileName: "cVTnZqWOdFPmGS_h9AjvW3m4NqWPkQCDsXc9VOx3kIQ.mp4", MimeType: "video/mp4",
			}},
		}}},
		{"dm_gif.json", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "762712201660665860", MessageID: "762712201660665860",
			SenderID: "1196840096", Timestamp: ms(1470679734000),
			Attachments: []providers.Attachment{{
				Type:     providers.AttachmentVideo,
				FileID:   "https://pbs.twimg.com/dm_gif/762712152901836804/D48bbEKGhPr2F3kDOH2mhzlD3fBZuxcngHkBwcSfLvgLLUbCOS.mp4",
				FileName: "D48bbEKGhPr2F3kDOH2mhzlD3fBZuxcngHkBwcSfLvgLLUbCOS.mp4", MimeType: "video/mp4",
			}},
		}}},
		{"dm_quick_reply.json", []providers.Event{{
			Kind: providers.EventPostback, DedupKey: "1234858595", MessageID: "1234858595",
			SenderID: "3805104374", SenderName: "Furious Camper", Timestamp: ms(1392078023603),
			Text: "Blue Bird", Payload: "external_id_2",
		}}},
		{"dm_batch_with_echo.json", []providers.Event{
			{Kind: providers.EventMessage, DedupKey: "1221092859346083844", MessageID: "1221092859346083844",
				SenderID: "425218332", SenderName: "Veracruz Centro", Timestamp: ms(1579966199133),
				Text: "Nombre: Arraijan\nDirección: Plaza Xtra de Arraijan.\nHorarios: Lunes – Viernes 7:30am – 3:30pm.\nTeléfonos: 256-2691"},
			{Kind: providers.EventMessage, DedupKey: "1221092865423630340", MessageID: "1221092865423630340",
				SenderID: "425218332", SenderName: "Veracruz Centro", Timestamp: ms(1579966200582),
				Text: "Nombre: Veracruz\nDirección: Veracruz centro.\nHorarios: Lunes – Viernes 7:30am – 3:30pm.\nTeléfonos: 250-0340"},
		}},
		{"mark_read.json", []providers.Event{{
			Kind: providers.EventRead, DedupKey: "read:199566737:963085315333238788", RefMessageIDs: []string{"963085315333238788"},
			SenderID: "199566737", SenderName: "Le Braat", Timestamp: ms(1518452444662),
		}}},
		{"mark_read_docs_verbatim.json", []providers.Event{{
			Kind: providers.EventRead, DedupKey: "read:199566737:963085315333238788", RefMessageIDs: []string{"963085315333238788"},
			SenderID: "199566737", SenderName: "Le Braat", Timestamp: ms(1518452444662),
		}}},
		{"follow.json", []providers.Event{{
			Kind: providers.EventSubscribed, DedupKey: "follow:3001969357:1517588749178",
			SenderID: "3001969357", SenderName: "Jordan Brinks", Timestamp: ms(1517588749178),
		}}},
		{"unfollow.json", []providers.Event{{
			Kind: providers.EventUnsubscribe, DedupKey: "unfollow:3001969357:1517588749178",
			SenderID: "3001969357", SenderName: "Jordan Brinks", Timestamp: ms(1517588749178),
		}}},
		// The account's own activity, and activity with nothing for an agent.
		{"dm_echo.json", nil},
		{"mark_read_own.json", nil},
		{"follow_by_owner.json", nil},
		{"typing.json", nil},
		{"block.json", nil},
		{"tweet_delete.json", nil},
		{"user_event_revoke.json", nil},
	}
	p := Provider{}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			events, resp, err := p.ParseWebhook(docsAccount, webhookRequest(t, fixture(t, tt.file), twittertest.ConsumerSecret))
			if err != nil {
				t.Fatalf("ParseWebhook: %v", err)
			}
			if resp != nil {
				t.Errorf("resp = %+v, want nil", resp)
			}
			if !reflect.DeepEqual(events, tt.want) {
				t.Errorf("events\n got %+v\nwant %+v", events, tt.want)
			}
		})
	}
	// A fixture cannot be added without saying here what it means.
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("%s has no expectation in TestParseWebhook", f)
		}
	}
}

func TestParseWebhookFakeBodies(t *testing.T) {
	at := time.Date(2024, 3, 5, 9, 59, 0, 0, time.UTC)
	customer, owner := twittertest.Customer, twittertest.Owner
	people := []twittertest.Person{customer, owner}
	tests := []struct {
		name string
		body []byte
		want []providers.Event
	}{
		{"text", twittertest.DMBody(owner.ID, people, twittertest.TextDM("1801", customer.ID, owner.ID, "Fish & chips <3", at)), []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "1801", MessageID: "1801", SenderID: customer.ID, SenderName: customer.Name,
			Timestamp: at, Text: "Fish & chips <3",
		}}},
		{"photo with text", twittertest.DMBody(owner.ID, people, twittertest.PhotoDM("1802", customer.ID, owner.ID, "my receipt", "https://ton.twitter.com/1.1/ton/data/dm/1802/1/r.jpg", at)), []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "1802", MessageID: "1802", SenderID: customer.ID, SenderName: customer.Name,
			Timestamp: at, Text: "my receipt",
			Attachments: []providers.Attachment{{Type: providers.AttachmentImage, FileID: "https://ton.twitter.com/1.1/ton/data/dm/1802/1/r.jpg", FileName: "r.jpg", MimeType: "image/jpeg"}},
		}}},
		{"quick reply", twittertest.DMBody(owner.ID, people, twittertest.QuickReplyDM("1803", customer.ID, owner.ID, "Yes", "confirm:42", at)), []providers.Event{{
			Kind: providers.EventPostback, DedupKey: "1803", MessageID: "1803", SenderID: customer.ID, SenderName: customer.Name,
			Timestamp: at, Text: "Yes", Payload: "confirm:42",
		}}},
		{"read", twittertest.ReadBody(owner.ID, customer, owner, "1800000000000000001", at), []providers.Event{{
			Kind: providers.EventRead, DedupKey: "read:" + customer.ID + ":1800000000000000001", RefMessageIDs: []string{"1800000000000000001"},
			SenderID: customer.ID, SenderName: customer.Name, Timestamp: at,
		}}},
		{"follow", twittertest.FollowBody(owner.ID, "follow", customer, owner, at), []providers.Event{{
			Kind: providers.EventSubscribed, DedupKey: "follow:" + customer.ID + ":" + "1709632740000", SenderID: customer.ID, SenderName: customer.Name, Timestamp: at,
		}}},
		{"typing", twittertest.TypingBody(owner.ID, customer, owner, at), nil},
		{"echo of a reply", twittertest.EchoBody(twittertest.DM{EventID: "1804", SenderID: owner.ID, RecipientID: customer.ID, Text: "Hello", At: at}), nil},
	}
	p := Provider{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, _, err := p.ParseWebhook(testAccount, webhookRequest(t, tt.body, twittertest.ConsumerSecret))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(events, tt.want) {
				t.Errorf("events\n got %+v\nwant %+v", events, tt.want)
			}
			if _, _, err := p.VerifyWebhook(testAccount, webhookRequest(t, tt.body, twittertest.ConsumerSecret)); err != nil {
				t.Errorf("the fake's signed body does not verify: %v", err)
			}
		})
	}
}

func TestParseWebhookAccount(t *testing.T) {
	at := time.Date(2024, 3, 5, 9, 59, 0, 0, time.UTC)
	msg := twittertest.TextDM("1901", twittertest.CustomerID, twittertest.UserID, "hi", at)
	echo := twittertest.TextDM("1902", twittertest.UserID, twittertest.CustomerID, "hello", at)
	withoutFor := func(events ...json.RawMessage) []byte {
		b, _ := json.Marshal(map[string]any{"direct_message_events": events})
		return b
	}
	tests := []struct {
		name string
		acct providers.Account
		body []byte
		ids  []string
	}{
		{"this account's activity", testAccount, twittertest.DMBody(twittertest.UserID, nil, msg, echo), []string{"1901"}},
		{"another account of the same app", testAccount, twittertest.DMBody("44196397", nil, twittertest.TextDM("1903", twittertest.CustomerID, "44196397", "hi", at)), nil},
		{"no for_user_id: the token names the account", testAccount, withoutFor(msg, echo), []string{"1901"}},
		{"a token that names no one: for_user_id decides", docsAccount, twittertest.DMBody(twittertest.UserID, nil, msg, echo), []string{"1901"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, _, err := Provider{}.ParseWebhook(tt.acct, webhookRequest(t, tt.body, twittertest.ConsumerSecret))
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, ev := range events {
				ids = append(ids, ev.MessageID)
			}
			if !reflect.DeepEqual(ids, tt.ids) {
				t.Errorf("messages %v, want %v", ids, tt.ids)
			}
		})
	}
	t.Run("nobody to tell echoes by", func(t *testing.T) {
		_, _, err := Provider{}.ParseWebhook(docsAccount, webhookRequest(t, withoutFor(msg), twittertest.ConsumerSecret))
		var pe *providers.ParseError
		if !errors.As(err, &pe) {
			t.Errorf("err = %v, want *ParseError", err)
		}
	})
}

func TestParseWebhookIgnores(t *testing.T) {
	dm := func(fields string) string {
		return `{"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"9","created_timestamp":"1700000000000","message_create":{"target":{"recipient_id":"1"},"sender_id":"2",` + fields + `}}]}`
	}
	tests := []struct {
		name string
		body string
		n    int
	}{
		{"an event type X adds later", `{"for_user_id":"1","direct_message_events":[{"type":"message_delete","id":"9"}]}`, 0},
		{"a new type of its own shape", `{"for_user_id":"1","direct_message_events":[{"type":"reaction","id":9,"message_create":"x"},{"type":"message_create","id":"10","message_create":{"sender_id":"2","message_data":{"text":"hi"}}}]}`, 1},
		{"empty text, no media", dm(`"message_data":{"text":"  "}`), 0},
		{"media without a usable URL", dm(`"message_data":{"text":" https://t.co/x","attachment":{"type":"media","media":{"type":"photo","url":"https://t.co/x","media_url_https":"http://ton.twitter.com/a.jpg"}}}`), 0},
		{"a video without MP4 keeps its preview", dm(`"message_data":{"text":"","attachment":{"type":"media","media":{"type":"video","media_url_https":"https://pbs.twimg.com/p.jpg","video_info":{"variants":[]}}}}`), 1},
		{"a quick reply without metadata is a message", dm(`"message_data":{"text":"Yes","quick_reply_response":{"type":"options"}}`), 1},
		{"a follow of another kind", `{"for_user_id":"1","follow_events":[{"type":"mute","target":{"id":1},"source":{"id":2}}]}`, 0},
		{"user ids as strings", `{"for_user_id":"1","follow_events":[{"type":"follow","created_timestamp":"1","target":{"id":"1"},"source":{"id":"2"}}]}`, 1},
		{"no activity at all", `{}`, 0},
		{"a read receipt without last_read_event_id", `{"for_user_id":"1","direct_message_mark_read_events":[{"created_timestamp":"1700000000000","sender_id":"2"}]}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, _, err := Provider{}.ParseWebhook(docsAccount, webhookRequest(t, []byte(tt.body), twittertest.ConsumerSecret))
			if err != nil || len(events) != tt.n {
				t.Errorf("events %+v, err %v; want %d events", events, err, tt.n)
			}
		})
	}
}

func TestParseWebhookErrors(t *testing.T) {
	dm := func(event string) string { return `{"for_user_id":"1","direct_message_events":[` + event + `]}` }
	tests := []struct {
		name string
		body string
	}{
		{"not JSON", `foo`},
		{"empty body", ``},
		{"truncated", `{"for_user_id":"1","direct_message_events":[`},
		{"JSON array", `[{"for_user_id":"1"}]`},
		{"null", `null`},
		{"a number", `123`},
		{"events not an array", `{"for_user_id":"1","direct_message_events":{}}`},
		{"for_user_id a number", `{"for_user_id":1,"direct_message_events":[]}`},
		{"message without id", dm(`{"type":"message_create","message_create":{"sender_id":"2","message_data":{"text":"hi"}}}`)},
		{"message id a number", dm(`{"type":"message_create","id":9,"message_create":{"sender_id":"2","message_data":{"text":"hi"}}}`)},
		{"message without message_create", dm(`{"type":"message_create","id":"9"}`)},
		{"message without sender", dm(`{"type":"message_create","id":"9","message_create":{"message_data":{"text":"hi"}}}`)},
		{"timestamp not a number", dm(`{"type":"message_create","id":"9","created_timestamp":"soon","message_create":{"sender_id":"2","message_data":{"text":"hi"}}}`)},
		{"text not a string", dm(`{"type":"message_create","id":"9","message_create":{"sender_id":"2","message_data":{"text":5}}}`)},
		{"read without sender", `{"for_user_id":"1","direct_message_mark_read_events":[{"created_timestamp":"1","last_read_event_id":"5"}]}`},
		{"read with a bad time", `{"for_user_id":"1","direct_message_mark_read_events":[{"created_timestamp":"x","sender_id":"2"}]}`},
		{"follow without source", `{"for_user_id":"1","follow_events":[{"type":"follow","target":{"id":1}}]}`},
		{"follow with a fractional id", `{"for_user_id":"1","follow_events":[{"type":"follow","target":{"id":1},"source":{"id":2.5}}]}`},
		{"users not an object", `{"for_user_id":"1","users":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, resp, err := Provider{}.ParseWebhook(docsAccount, webhookRequest(t, []byte(tt.body), twittertest.ConsumerSecret))
			var pe *providers.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *providers.ParseError", err, err)
			}
			if events != nil || resp != nil {
				t.Errorf("events %+v, resp %+v alongside an error", events, resp)
			}
		})
	}
	t.Run("nil request", func(t *testing.T) {
		var pe *providers.ParseError
		if _, _, err := (Provider{}).ParseWebhook(testAccount, nil); !errors.As(err, &pe) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestParseWebhookTimestampFallsBackToReceipt(t *testing.T) {
	for _, ts := range []string{``, `"created_timestamp":"0",`, `"created_timestamp":"-5",`} {
		body := `{"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"9",` + ts + `"message_create":{"sender_id":"2","message_data":{"text":"hi"}}}]}`
		events, _, err := Provider{}.ParseWebhook(docsAccount, webhookRequest(t, []byte(body), twittertest.ConsumerSecret))
		if err != nil || len(events) != 1 || !events[0].Timestamp.Equal(received) {
			t.Errorf("%s: events %+v, err %v; want the time of receipt", ts, events, err)
		}
	}
}

func TestParseWebhookRedeliveryKeepsDedupKey(t *testing.T) {
	body := fixture(t, "dm_photo.json")
	a, _, err1 := Provider{}.ParseWebhook(docsAccount, webhookRequest(t, body, twittertest.ConsumerSecret))
	later := webhookRequest(t, body, twittertest.ConsumerSecret)
	later.Received = received.Add(4 * time.Minute) // X retries within five minutes
	b, _, err2 := Provider{}.ParseWebhook(docsAccount, later)
	if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("redelivery maps to %+v (%v), first delivery to %+v (%v)", b, err2, a, err1)
	}
}
