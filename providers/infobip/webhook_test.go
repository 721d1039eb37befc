package infobip

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/providertest"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

const mediaBase = "https://xxxxx.api.infobip.com/whatsapp/1/senders/447860099299/media/20250_13_123e4567-e89b-12d3-a456-42665544000"

// message is the inbound MESSAGE of Frank with id at t, changed by mod.
func message(id, t string, mod func(ev *providers.Event)) providers.Event {
	ev := providers.Event{Kind: providers.EventMessage, DedupKey: "message:" + id, MessageID: id,
		SenderID: "385919998888", SenderName: "Frank", Timestamp: at(t)}
	if mod != nil {
		mod(&ev)
	}
	return ev
}

func TestParseFixtures(t *testing.T) {
	fixtures := providertest.Fixtures(t, "*.json")
	media := func(typ providers.AttachmentType, n, caption string) func(ev *providers.Event) {
		return func(ev *providers.Event) {
			ev.Attachments = []providers.Attachment{{Type: typ, FileID: mediaBase + n, URL: mediaBase + n}}
			ev.Text = caption
		}
	}
	const mediaAt = "2024-03-05T09:15:02.12Z"
	tests := map[string][]providers.Event{
		"text.json": {message("ABEGOFl3VCQoAhBalbc6rTQT6mgS29EmGZ7a", "2019-07-19T11:23:26.998Z",
			func(ev *providers.Event) { ev.Text = "Support hello" })},
		"text_no_contact.json": {message("ABEGOFl3VCQoAhAqnlmSd2FKPOaraEaS0rPQ", "2019-07-19T11:21:27.861Z",
			func(ev *providers.Event) { ev.Text, ev.SenderName = "Support hello", "" })},
		"text_sdk_offset.json": {message("ABEGOFl3VCQoAhBalbc6rTQT6mgS29EmGZ7b", "2019-07-19T11:23:26.998Z",
			func(ev *providers.Event) { ev.Text = "Support hello" })},
		"image.json":    {message("wamid.HBgLMzg1OTE5OTk4ODg4FQIAEhggQ0E1", mediaAt, media(providers.AttachmentImage, "1", "My broken parcel"))},
		"document.json": {message("wamid.HBgLMzg1OTE5OTk4ODg4FQIAEhggQ0E2", mediaAt, media(providers.AttachmentFile, "2", "Invoice 2024-031"))},
		"video.json":    {message("wamid.HBgLMzg1OTE5OTk4ODg4FQIAEhggQ0E3", mediaAt, media(providers.AttachmentVideo, "3", ""))},
		"audio.json":    {message("wamid.HBgLMzg1OTE5OTk4ODg4FQIAEhggQ0E4", mediaAt, media(providers.AttachmentAudio, "4", ""))},
		"voice.json":    {message("wamid.HBgLMzg1OTE5OTk4ODg4FQIAEhggQ0E5", mediaAt, media(providers.AttachmentVoice, "5", ""))},
		"sticker.json":  {message("wamid.HBgLMzg1OTE5OTk4ODg4FQIAEhggQ0E6", mediaAt, media(providers.AttachmentSticker, "6", ""))},
		"location.json": {message("wamid.HBgLMzg1OTE5OTk4ODg4FQIAEhggQ0E7", "2024-03-05T09:16:40Z", func(ev *providers.Event) {
			ev.Location = &providers.Location{Latitude: 45.815, Longitude: 15.9819, Title: "Infobip Zagreb, Ulica Grada Vukovara 23, Zagreb"}
		})},
		"contact.json": {message("wamid.HBgLMzg1OTE5OTk4ODg4FQIAEhggQ0E8", "2024-03-05T09:17:11.5Z", func(ev *providers.Event) {
			ev.Contact = &providers.ContactCard{Name: "Ana Horvat", Phone: "+385 91 234 5678"}
			ev.Text = "Ana Horvat +385 91 234 5678\nIvan Kovač 385998765432"
		})},
		"button.json": {message("wamid.HBgLMzg1OTE5OTk4ODg4FQIAEhggQ0E9", "2024-03-05T09:18:00Z", func(ev *providers.Event) {
			ev.Kind, ev.Text, ev.Payload = providers.EventPostback, "Track my order", "TRACK_ORDER"
		})},
		"button_reply.json": {message("wamid.HBgLMzg1OTE5OTk4ODg4FQIAEhggQ0E10", "2024-03-05T09:18:00Z", func(ev *providers.Event) {
			ev.Kind, ev.Text, ev.Payload = providers.EventPostback, "Yes, call me", "yes-callback"
		})},
		"list_reply.json": {message("wamid.HBgLMzg1OTE5OTk4ODg4FQIAEhggQ0E11", "2024-03-05T09:18:00Z", func(ev *providers.Event) {
			ev.Kind, ev.Text, ev.Payload = providers.EventPostback, "Tuesday 10:00", "slot-2"
		})},
		"unsupported.json": nil,
		"batch.json": {
			message("wamid.HBgLMzg1OTE5OTk4ODg4FQIAEhggQ0F1", "2024-03-05T09:20:00.1Z", func(ev *providers.Event) { ev.Text = "Hi, my parcel is late" }),
			message("wamid.HBgMNDkxNzAxMjM0NTY3FQIAEhggQ0F2", "2024-03-05T09:20:00.25Z", func(ev *providers.Event) {
				ev.Text, ev.SenderID, ev.SenderName = "Hallo", "491701234567", "Jonas"
			}),
		},
		"delivery_delivered.json": {{Kind: providers.EventDelivered, DedupKey: "status:fb469d73-d362-463f-b30f-1e959b53badc:DELIVERED",
			RefMessageIDs: []string{"fb469d73-d362-463f-b30f-1e959b53badc"}, SenderID: "385919998888", Timestamp: at("2019-04-09T19:01:56.494Z")}},
		"delivery_undeliverable.json": {{Kind: providers.EventFailed, DedupKey: "status:fb469d73-d362-463f-b30f-1e959b53badd:UNDELIVERABLE",
			RefMessageIDs: []string{"fb469d73-d362-463f-b30f-1e959b53badd"}, SenderID: "385919998888", Timestamp: time.Date(2024, 3, 5, 9, 30, 1, 0, time.UTC),
			Reason: "WhatsApp could not deliver it (Infobip: undeliverable: Message sent not delivered; EC_FREE_FORM_MESSAGE_NOT_ALLOWED: Free form message not allowed)"}},
		"seen.json": {{Kind: providers.EventRead, DedupKey: "status:1215f543ab19-345f-adbd-12ad31451ed25f35:SEEN",
			RefMessageIDs: []string{"1215f543ab19-345f-adbd-12ad31451ed25f35"}, SenderID: "385919998888", Timestamp: at("2018-12-12T11:21:58.251Z")}},
		"seen_recipient_only.json": {{Kind: providers.EventRead, DedupKey: "status:1215f543ab19-345f-adbd-12ad31451ed25f36:SEEN",
			RefMessageIDs: []string{"1215f543ab19-345f-adbd-12ad31451ed25f36"}, SenderID: "385919998888", Timestamp: at("2018-12-12T11:21:58.251Z")}},
		"identity_change.json": nil,
	}
	for name, body := range fixtures {
		t.Run(name, func(t *testing.T) {
			want, ok := tests[name]
			if !ok {
				t.Fatalf("no expectation for testdata/%s", name)
			}
			got, resp, err := Provider{}.ParseWebhook(testAccount, webhookRequest(body, ""))
			providertest.CheckParsed(t, got, err, providertest.Knobs{})
			if err != nil || resp != nil {
				t.Fatalf("err %v, resp %+v", err, resp)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("events\n got %+v\nwant %+v", got, want)
			}
		})
	}
	for name := range tests {
		if _, ok := fixtures[name]; !ok {
			t.Errorf("expectation for missing testdata/%s", name)
		}
	}
}

// TestParseSeenParties: a seen report's customer is whichever of from and to
// is not the account's number, however the number is spelled.
func TestParseSeenParties(t *testing.T) {
	tests := []struct {
		name, from, to, number, want string
	}{
		{"customer in from", "385919998888", "447860099299", "+44 7860 099299", "385919998888"},
		{"customer in to", "447860099299", "385919998888", "447860099299", "385919998888"},
		{"no from", "", "385919998888", "447860099299", "385919998888"},
		{"no to", "385919998888", "", "447860099299", "385919998888"},
		{"neither is ours", "111", "222", "447860099299", "222"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct := cloneAccount(testAccount)
			acct.Settings["whatsappNumber"] = tt.number
			body := `{"results":[{"messageId":"m1","from":"` + tt.from + `","to":"` + tt.to + `","seenAt":"2018-12-12T11:21:58.251+0000"}]}`
			events, _, err := Provider{}.ParseWebhook(acct, webhookRequest([]byte(body), ""))
			if err != nil || len(events) != 1 || events[0].SenderID != tt.want {
				t.Errorf("events %+v, err %v; want SenderID %s", events, err, tt.want)
			}
		})
	}
}

func TestParseTimes(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2019-07-19T11:23:26.998+0000", at("2019-07-19T11:23:26.998Z")},
		{"2019-04-09T16:01:56.494-0300", at("2019-04-09T19:01:56.494Z")},
		{"2019-07-19T11:23:26.998+00:00", at("2019-07-19T11:23:26.998Z")},
		{"2019-07-19T11:23:26Z", at("2019-07-19T11:23:26Z")},
		{"2019-07-19T11:23:26+0200", at("2019-07-19T09:23:26Z")},
		{"", received},
		{"yesterday", received},
		{"1563535406998", received},
	}
	for _, tt := range tests {
		if got := timeOr(tt.in, received); !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("timeOr(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseSkipsBlankAndUnknown(t *testing.T) {
	for _, msg := range []string{
		`{"type":"TEXT","text":"  "}`,
		`{"type":"REACTION","emoji":"👍","messageId":"x"}`,
		`{"type":"ORDER"}`,
		`{"type":"CONTACT","contacts":[]}`,
	} {
		body := `{"results":[{"messageId":"m1","from":"385919998888","receivedAt":"2024-03-05T09:18:00.000+0000","message":` + msg + `}]}`
		events, _, err := Provider{}.ParseWebhook(testAccount, webhookRequest([]byte(body), ""))
		if err != nil || len(events) != 0 {
			t.Errorf("%s: events %+v, err %v", msg, events, err)
		}
	}
	// A missing receivedAt is the time of receipt.
	body := `{"results":[{"messageId":"m1","from":"385919998888","message":{"type":"TEXT","text":"hi"}}]}`
	events, _, err := Provider{}.ParseWebhook(testAccount, webhookRequest([]byte(body), ""))
	if err != nil || len(events) != 1 || !events[0].Timestamp.Equal(received) {
		t.Errorf("events %+v, err %v", events, err)
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name, body, reason string
	}{
		{"empty", ``, "not a JSON object"},
		{"array", `[{"results":[]}]`, "not a JSON object"},
		{"form", `From=whatsapp%3A%2B1&Body=hi`, "not a JSON object"},
		{"broken JSON", `{"results":[`, "not an Infobip JSON webhook"},
		{"no results", `{"messages":[]}`, "without results"},
		{"results not an array", `{"results":{"messageId":"m1"}}`, "not an Infobip JSON webhook"},
		{"result not an object", `{"results":["m1"]}`, "result 0 is not an Infobip result"},
		{"no messageId", `{"results":[{"from":"1","message":{"type":"TEXT","text":"hi"}}]}`, "result 0 without messageId"},
		{"messageId not a string", `{"results":[{"messageId":7,"from":"1","message":{"type":"TEXT","text":"hi"}}]}`, "result 0 is not an Infobip result"},
		{"unknown shape", `{"results":[{"messageId":"m1","from":"1"}]}`, "neither a message nor"},
		{"no from", `{"results":[{"messageId":"m1","message":{"type":"TEXT","text":"hi"}}]}`, "message m1 without from"},
		{"no type", `{"results":[{"messageId":"m1","from":"1","message":{"text":"hi"}}]}`, "without a type"},
		{"media without url", `{"results":[{"messageId":"m1","from":"1","message":{"type":"IMAGE"}}]}`, "without an absolute http(s) url"},
		{"media with relative url", `{"results":[{"messageId":"m1","from":"1","message":{"type":"VOICE","url":"/media/1"}}]}`, "without an absolute"},
		{"location without longitude", `{"results":[{"messageId":"m1","from":"1","message":{"type":"LOCATION","latitude":1}}]}`, "invalid coordinates"},
		{"location out of range", `{"results":[{"messageId":"m1","from":"1","message":{"type":"LOCATION","latitude":91,"longitude":0}}]}`, "invalid coordinates"},
		{"delivered without to", `{"results":[{"messageId":"m1","status":{"groupName":"DELIVERED"}}]}`, "without to"},
		{"seen without parties", `{"results":[{"messageId":"m1","seenAt":"2018-12-12T11:21:58.251+0000"}]}`, "without from or to"},
		{"every result bad: the first one's problem", `{"results":[{"from":"2"},"m1"]}`, "result 0 without messageId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, _, err := Provider{}.ParseWebhook(testAccount, webhookRequest([]byte(tt.body), ""))
			providertest.CheckParsed(t, events, err, providertest.Knobs{})
			var pe *providers.ParseError
			if !errors.As(err, &pe) || !strings.Contains(pe.Reason, tt.reason) {
				t.Errorf("err = %v, want a ParseError with %q", err, tt.reason)
			}
		})
	}
	if _, _, err := (Provider{}).ParseWebhook(testAccount, nil); err == nil {
		t.Error("nil request parsed")
	}
}

// TestParseKeepsGoodResults: a result that cannot be mapped is skipped, and
// the others of its batch still become events, in order.
func TestParseKeepsGoodResults(t *testing.T) {
	body := `{"results":[
		{"messageId":"m1","from":"385919998888","receivedAt":"2024-03-05T09:20:00.000+0000","message":{"type":"TEXT","text":"first"}},
		{"from":"2","message":{"type":"TEXT","text":"no id"}},
		"not an object",
		{"messageId":"m2","from":"385919998888","message":{"type":"IMAGE"}},
		{"messageId":"d1","to":"385919998888","doneAt":"2024-03-05T09:30:01.000+0000",
		 "status":{"groupName":"UNDELIVERABLE","description":"Message sent not delivered"},
		 "error":{"id":7024,"name":"EC_FREE_FORM_MESSAGE_NOT_ALLOWED","description":"Free form message not allowed","permanent":true}},
		{"messageId":"d2","to":"385919998888","status":{"groupName":"DELIVERED"},"error":{"id":0,"name":"NO_ERROR","description":"No Error"}}
	]}`
	events, resp, err := Provider{}.ParseWebhook(testAccount, webhookRequest([]byte(body), ""))
	providertest.CheckParsed(t, events, err, providertest.Knobs{})
	if err != nil || resp != nil {
		t.Fatalf("err %v, resp %+v", err, resp)
	}
	var got []string
	for _, ev := range events {
		got = append(got, string(ev.Kind)+" "+ev.DedupKey+" "+ev.Text+ev.Reason)
	}
	want := []string{
		"MESSAGE message:m1 first",
		"FAILED status:d1:UNDELIVERABLE WhatsApp could not deliver it (Infobip: undeliverable: Message sent not delivered; EC_FREE_FORM_MESSAGE_NOT_ALLOWED: Free form message not allowed)",
		"DELIVERED status:d2:DELIVERED ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
}

// basic is an Authorization of HTTP Basic with user and password.
func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func TestVerifyWebhook(t *testing.T) {
	body := []byte(`{"results":[]}`)
	good := basic(WebhookUser, webhookPassword(testKey, testAccount.ID))
	other := cloneAccount(testAccount)
	other.ID = "acc2"
	tests := []struct {
		name   string
		acct   providers.Account
		method string
		auth   []string
		want   error
	}{
		{"no credentials and no token", testAccount, http.MethodPost, nil, providers.ErrUnauthorized},
		{"the subscription's credentials", testAccount, http.MethodPost, []string{good}, nil},
		{"scheme in lower case", testAccount, http.MethodPost, []string{"basic " + strings.TrimPrefix(good, "Basic ")}, nil},
		{"wrong password", testAccount, http.MethodPost, []string{basic(WebhookUser, "guess")}, providers.ErrUnauthorized},
		{"wrong user", testAccount, http.MethodPost, []string{basic("admin", webhookPassword(testKey, testAccount.ID))}, providers.ErrUnauthorized},
		{"another account's password", other, http.MethodPost, []string{good}, providers.ErrUnauthorized},
		{"the API key as a password", testAccount, http.MethodPost, []string{basic(WebhookUser, testKey)}, providers.ErrUnauthorized},
		{"the API key as App", testAccount, http.MethodPost, []string{"App " + testKey}, providers.ErrUnauthorized},
		{"bearer", testAccount, http.MethodPost, []string{"Bearer " + webhookPassword(testKey, testAccount.ID)}, providers.ErrUnauthorized},
		{"empty header", testAccount, http.MethodPost, []string{""}, providers.ErrUnauthorized},
		{"not base64", testAccount, http.MethodPost, []string{"Basic %%%"}, providers.ErrUnauthorized},
		{"no colon", testAccount, http.MethodPost, []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(WebhookUser))}, providers.ErrUnauthorized},
		{"two headers", testAccount, http.MethodPost, []string{good, good}, providers.ErrUnauthorized},
		{"no API key to check against", func() providers.Account {
			a := cloneAccount(testAccount)
			a.Secrets = nil
			return a
		}(), http.MethodPost, []string{good}, providers.ErrUnauthorized},
		{"the key changed since", func() providers.Account {
			a := cloneAccount(testAccount)
			a.Secrets["apiKey"] = "new-key"
			return a
		}(), http.MethodPost, []string{good}, providers.ErrUnauthorized},
		{"a key pasted with App", func() providers.Account {
			a := cloneAccount(testAccount)
			a.Secrets["apiKey"] = " App " + testKey + " "
			return a
		}(), http.MethodPost, []string{good}, nil},
		{"GET", testAccount, http.MethodGet, nil, providers.ErrNotAllowed},
		{"PUT with credentials", testAccount, http.MethodPut, []string{good}, providers.ErrNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := webhookRequest(body, "")
			req.Method = tt.method
			for _, a := range tt.auth {
				req.Header.Add("Authorization", a)
			}
			resp, handshake, err := Provider{}.VerifyWebhook(tt.acct, req)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) || resp != nil || handshake {
				t.Errorf("VerifyWebhook = %v, %v, %v; want %v", resp, handshake, err, tt.want)
			}
		})
	}
	if _, _, err := (Provider{}).VerifyWebhook(testAccount, nil); !errors.Is(err, providers.ErrNotAllowed) {
		t.Errorf("nil request: %v", err)
	}
}

// TestVerifyWebhookToken: a request without Authorization passes only with
// the account's token in its query, as NotifyURL spells it.
func TestVerifyWebhookToken(t *testing.T) {
	withSecret := cloneAccount(testAccount)
	withSecret.Secrets["webhookSecret"] = "generated-webhook-secret-123456"
	other := cloneAccount(withSecret)
	other.ID = "acc2"
	rotated := cloneAccount(withSecret)
	rotated.Secrets["apiKey"] = "a-new-key"
	query := func(acct providers.Account) string {
		u, err := url.Parse(NotifyURL(acct))
		if err != nil || u.RawQuery == "" {
			t.Fatalf("NotifyURL(%s) = %q", acct.ID, NotifyURL(acct))
		}
		return u.RawQuery
	}
	good := query(withSecret)
	tok := strings.TrimPrefix(good, TokenParam+"=")
	tests := []struct {
		name  string
		acct  providers.Account
		query string
		auth  string
		want  error
	}{
		{"the account's token", withSecret, good, "", nil},
		{"the token after the API key changed", rotated, good, "", nil},
		{"an account without webhookSecret: keyed by the API key", testAccount, query(testAccount), "", nil},
		{"no token", withSecret, "", "", providers.ErrUnauthorized},
		{"an empty token", withSecret, TokenParam + "=", "", providers.ErrUnauthorized},
		{"a wrong token", withSecret, TokenParam + "=" + tok[:len(tok)-1] + "x", "", providers.ErrUnauthorized},
		{"another account's token", other, good, "", providers.ErrUnauthorized},
		{"the token twice", withSecret, good + "&" + good, "", providers.ErrUnauthorized},
		{"the token under another name", withSecret, "t=" + tok, "", providers.ErrUnauthorized},
		{"the token with wrong Basic credentials", withSecret, good, basic(WebhookUser, "guess"), providers.ErrUnauthorized},
		{"the API key's token for an account with a secret", withSecret, query(testAccount), "", providers.ErrUnauthorized},
		{"no key at all", providers.Account{ID: "acc1"}, good, "", providers.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := webhookRequest([]byte(`{"results":[]}`), tt.auth)
			req.URL.RawQuery = tt.query
			_, _, err := Provider{}.VerifyWebhook(tt.acct, req)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("VerifyWebhook = %v, want %v", err, tt.want)
			}
		})
	}
	if NotifyURL(providers.Account{ID: "acc1", Secrets: withSecret.Secrets}) != "" {
		t.Error("a NotifyURL without a webhook URL")
	}
	q := cloneAccount(withSecret)
	q.WebhookURL += "?x=1"
	if got := NotifyURL(q); !strings.HasPrefix(got, q.WebhookURL+"&"+TokenParam+"=") {
		t.Errorf("NotifyURL of a URL with a query = %q", got)
	}
}

func TestWebhookPassword(t *testing.T) {
	p := webhookPassword(testKey, "acc1")
	if len(p) != 43 || strings.Contains(p, testKey) || strings.ContainsAny(p, "+/=:") {
		t.Errorf("password %q", p)
	}
	if p != webhookPassword(testKey, "acc1") {
		t.Error("not stable")
	}
	if p == webhookPassword(testKey, "acc2") || p == webhookPassword(testKey+"x", "acc1") {
		t.Error("the same for another account or key")
	}
	if webhookPassword("", "acc1") != "" {
		t.Error("a password without a key")
	}
}
