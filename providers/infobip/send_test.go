package infobip

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/infobip/infobiptest"
)

// sent are the bodies of the message calls the fake received, each checked for
// Infobip's authentication, method and content type.
func sent(t testing.TB, srv *infobiptest.Server) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range srv.Requests() {
		if !strings.HasPrefix(r.Path, "/whatsapp/1/message/") {
			continue
		}
		if !r.Authorized || r.Scheme != "App" || r.Method != http.MethodPost || r.ContentType != "application/json" {
			t.Errorf("request %s %s scheme %q authorized %v, Content-Type %q", r.Method, r.Path, r.Scheme, r.Authorized, r.ContentType)
		}
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatalf("body %q: %v", r.Body, err)
		}
		m["_path"] = r.Path
		out = append(out, m)
	}
	return out
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		setting string
		want    string
		err     error
	}{
		{" https://xxxxx.api.infobip.com/ ", "https://xxxxx.api.infobip.com", nil},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080", nil},
		{"https://proxy.example/infobip", "https://proxy.example/infobip", nil},
		{"", "", errNoAPIURL},
		{"xxxxx.api.infobip.com", "", errBadAPI},
		{"ftp://xxxxx.api.infobip.com", "", errBadAPI},
		{"https://user:pass@xxxxx.api.infobip.com", "", errBadAPI},
		{"https://xxxxx.api.infobip.com?x=1", "", errBadAPI},
		{"https://xxxxx.api.infobip.com?", "", errBadAPI},
		{"https://xxxxx.api.infobip.com#f", "", errBadAPI},
	}
	for _, tt := range tests {
		got, err := apiBase(tt.setting)
		if got != tt.want || err != tt.err {
			t.Errorf("apiBase(%q) = %q, %v; want %q, %v", tt.setting, got, err, tt.want, tt.err)
		}
	}
}

func TestSettingsNormalize(t *testing.T) {
	acct := cloneAccount(testAccount)
	acct.Settings["whatsappNumber"] = " +44 (7860) 099-299 "
	acct.Secrets["apiKey"] = "  app " + testKey + "\n"
	a, err := settings(acct)
	if err != nil || a.number != "447860099299" || a.key != testKey || a.base != "https://xxxxx.api.infobip.com" {
		t.Errorf("settings = %+v, %v", a, err)
	}
}

func TestSendText(t *testing.T) {
	srv, acct, env := newFake(t)
	res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "385919998888", Text: "Hello <Frank> & co 🙂", ID: "42"})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !reflect.DeepEqual(res.MessageIDs, []string{"42"}) {
		t.Errorf("MessageIDs = %v, want Infobip's answer, our ID", res.MessageIDs)
	}
	want := map[string]any{
		"_path":     "/whatsapp/1/message/text",
		"from":      infobiptest.DefaultSender,
		"to":        "385919998888",
		"messageId": "42",
		"content":   map[string]any{"text": "Hello <Frank> & co 🙂"},
		"notifyUrl": testNotifyURL,
	}
	if got := sent(t, srv); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("bodies\n got %v\nwant %v", got, want)
	}
}

func TestSendAddresses(t *testing.T) {
	tests := []struct {
		name, number, to string
	}{
		{"as ParseWebhook gives it", "447860099299", "385919998888"},
		{"E.164", "+447860099299", "+385919998888"},
		{"with blanks", " +44 7860 099 299 ", " +385 (91) 999-8888 "},
		{"with a channel prefix", "whatsapp:+447860099299", "whatsapp:+385919998888"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			acct.Settings["whatsappNumber"] = tt.number
			if _, err := (Provider{}).Send(context.Background(), env, acct, providers.OutboundMessage{To: tt.to, Text: "hi"}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			m := srv.Messages()
			if len(m) != 1 || m[0].From != "447860099299" || m[0].To != "385919998888" || m[0].Status != "PENDING" {
				t.Errorf("messages %+v", m)
			}
		})
	}
}

func TestSendWithoutIDOrWebhookURL(t *testing.T) {
	srv, acct, env := newFake(t)
	acct.WebhookURL = ""
	res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "385919998888", Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	b := sent(t, srv)
	if len(b) != 1 || b[0]["notifyUrl"] != nil || b[0]["messageId"] != nil {
		t.Errorf("bodies %v: no notifyUrl without a webhook URL, no messageId without an ID", b)
	}
	if len(res.MessageIDs) != 1 || res.MessageIDs[0] != infobiptest.NewMessageID(1) {
		t.Errorf("MessageIDs %v: Infobip's own", res.MessageIDs)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	words := strings.Repeat("ünïcödé wörds 🙂 ", 800)
	lines := strings.Repeat(strings.Repeat("x", 99)+"\n", 100)
	tests := []struct {
		name      string
		text      string
		wantParts int
	}{
		{"exactly 4096", strings.Repeat("a", 4096), 1},
		{"4097", strings.Repeat("a", 4097), 2},
		{"emoji count twice", strings.Repeat("🙂", 2049), 2},
		{"words", words, 4},
		{"lines", lines, 3},
		{"blank tail", strings.Repeat("a", 4096) + "   \n ", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "385919998888", Text: tt.text, ID: "m7"})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != tt.wantParts || len(res.MessageIDs) != tt.wantParts {
				t.Fatalf("%d parts (%d IDs), want %d", len(msgs), len(res.MessageIDs), tt.wantParts)
			}
			var joined strings.Builder
			for i, m := range msgs {
				if utf16Len(m.Text) > maxTextLen || strings.TrimSpace(m.Text) == "" {
					t.Errorf("part %d has %d units", i, utf16Len(m.Text))
				}
				wantID := "m7"
				if tt.wantParts > 1 {
					wantID = "m7-" + string(rune('1'+i))
				}
				if m.MessageID != wantID || res.MessageIDs[i] != wantID {
					t.Errorf("part %d is %s, ID %s, want %s", i, m.MessageID, res.MessageIDs[i], wantID)
				}
				joined.WriteString(m.Text)
			}
			squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if squash(joined.String()) != squash(tt.text) {
				t.Errorf("the parts do not add up to the text")
			}
		})
	}
}

func TestSendMedia(t *testing.T) {
	tests := []struct {
		name   string
		msg    providers.OutboundMessage
		bodies []map[string]any
	}{
		{"text as the caption of the first", providers.OutboundMessage{To: "385919998888", Text: " Your invoice ", ID: "9", Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentFile, URL: "https://files.example/invoice.pdf", FileName: "invoice.pdf", MimeType: "application/pdf"},
			{Type: providers.AttachmentImage, URL: "https://files.example/photo.jpg", Data: []byte("also held locally")},
		}}, []map[string]any{
			{"_path": "/whatsapp/1/message/document", "messageId": "9-1", "content": map[string]any{"mediaUrl": "https://files.example/invoice.pdf", "caption": "Your invoice", "filename": "invoice.pdf"}},
			{"_path": "/whatsapp/1/message/image", "messageId": "9-2", "content": map[string]any{"mediaUrl": "https://files.example/photo.jpg"}},
		}},
		{"text first when the first takes no caption", providers.OutboundMessage{To: "385919998888", Text: "Listen", ID: "9", Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentVoice, URL: "https://files.example/note.ogg"},
			{Type: providers.AttachmentSticker, URL: "https://files.example/s.webp"},
			{Type: providers.AttachmentVideo, URL: "https://files.example/v.mp4"},
			{URL: "https://files.example/a.mp3", MimeType: "audio/mpeg"},
		}}, []map[string]any{
			{"_path": "/whatsapp/1/message/text", "messageId": "9-1", "content": map[string]any{"text": "Listen"}},
			{"_path": "/whatsapp/1/message/audio", "messageId": "9-2", "content": map[string]any{"mediaUrl": "https://files.example/note.ogg"}},
			{"_path": "/whatsapp/1/message/sticker", "messageId": "9-3", "content": map[string]any{"mediaUrl": "https://files.example/s.webp"}},
			{"_path": "/whatsapp/1/message/video", "messageId": "9-4", "content": map[string]any{"mediaUrl": "https://files.example/v.mp4"}},
			{"_path": "/whatsapp/1/message/audio", "messageId": "9-5", "content": map[string]any{"mediaUrl": "https://files.example/a.mp3"}},
		}},
		{"text too long for a caption", providers.OutboundMessage{To: "385919998888", Text: strings.Repeat("b", 3001), ID: "9", Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentImage, URL: "https://files.example/a.png"},
		}}, []map[string]any{
			{"_path": "/whatsapp/1/message/text", "messageId": "9-1", "content": map[string]any{"text": strings.Repeat("b", 3001)}},
			{"_path": "/whatsapp/1/message/image", "messageId": "9-2", "content": map[string]any{"mediaUrl": "https://files.example/a.png"}},
		}},
		{"media only", providers.OutboundMessage{To: "385919998888", Text: " \n", ID: "9", Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentImage, URL: "https://files.example/a.png"},
		}}, []map[string]any{
			{"_path": "/whatsapp/1/message/image", "messageId": "9", "content": map[string]any{"mediaUrl": "https://files.example/a.png"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			res, err := Provider{}.Send(context.Background(), env, acct, tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := sent(t, srv)
			if len(got) != len(tt.bodies) || len(res.MessageIDs) != len(tt.bodies) {
				t.Fatalf("%d messages, %d IDs; want %d", len(got), len(res.MessageIDs), len(tt.bodies))
			}
			for i, want := range tt.bodies {
				want["from"], want["to"], want["notifyUrl"] = infobiptest.DefaultSender, "385919998888", testNotifyURL
				if !reflect.DeepEqual(got[i], want) {
					t.Errorf("message %d\n got %v\nwant %v", i, got[i], want)
				}
				if res.MessageIDs[i] != want["messageId"] {
					t.Errorf("ID %d = %s", i, res.MessageIDs[i])
				}
			}
		})
	}
}

// TestSendRefusedBeforeSending: what Infobip cannot take fails the whole
// message permanently, before anything is sent.
func TestSendRefusedBeforeSending(t *testing.T) {
	good := providers.OutboundAttachment{Type: providers.AttachmentImage, URL: "https://files.example/a.png"}
	tests := []struct {
		name   string
		mod    func(a *providers.Account)
		msg    providers.OutboundMessage
		reason string
	}{
		{"upload only", nil, providers.OutboundMessage{To: "385919998888", Text: "x", Attachments: []providers.OutboundAttachment{
			good, {Type: providers.AttachmentFile, Data: []byte("%PDF"), FileName: "a.pdf"}}}, "attachment 2: Infobip takes WhatsApp media only from a public URL"},
		{"neither URL nor data", nil, providers.OutboundMessage{To: "385919998888", Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentFile}}},
			"attachment 1: the attachment has neither a URL nor data"},
		{"relative URL", nil, providers.OutboundMessage{To: "385919998888", Attachments: []providers.OutboundAttachment{{URL: "/files/a.png"}}},
			"not an absolute http(s) URL"},
		{"URL too long", nil, providers.OutboundMessage{To: "385919998888", Attachments: []providers.OutboundAttachment{{URL: "https://f.example/" + strings.Repeat("a", 2048)}}},
			"longer than the 2048"},
		{"nothing to send", nil, providers.OutboundMessage{To: "385919998888", Text: " \n"}, "nothing to send"},
		{"no recipient", nil, providers.OutboundMessage{Text: "hi"}, "no valid recipient"},
		{"recipient without digits", nil, providers.OutboundMessage{To: "whatsapp:", Text: "hi"}, "no valid recipient"},
		{"recipient too long", nil, providers.OutboundMessage{To: strings.Repeat("1", 25), Text: "hi"}, "no valid recipient"},
		{"no API key", func(a *providers.Account) { a.Secrets = nil }, providers.OutboundMessage{To: "1", Text: "hi"}, "no Infobip API key"},
		{"no number", func(a *providers.Account) { a.Settings["whatsappNumber"] = "" }, providers.OutboundMessage{To: "1", Text: "hi"}, "no WhatsApp number"},
		{"no apiUrl", func(a *providers.Account) { delete(a.Settings, "apiUrl") }, providers.OutboundMessage{To: "1", Text: "hi"}, "no Infobip API base URL"},
		{"bad apiUrl", func(a *providers.Account) { a.Settings["apiUrl"] = "xxxxx.api.infobip.com" }, providers.OutboundMessage{To: "1", Text: "hi"}, "apiUrl is not an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			if tt.mod != nil {
				tt.mod(&acct)
			}
			res, err := Provider{}.Send(context.Background(), env, acct, tt.msg)
			se := asSendError(t, err)
			if se.Retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("SendError %+v, want permanent %q", se, tt.reason)
			}
			if len(res.MessageIDs) != 0 || len(srv.Requests()) != 0 {
				t.Errorf("sent %v in %d requests", res.MessageIDs, len(srv.Requests()))
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		reply      infobiptest.Reply
		retryable  bool
		retryAfter time.Duration
		reason     string
	}{
		{"rate limit", infobiptest.TooManyRequests, true, 2 * time.Second, "Too many requests (TOO_MANY_REQUESTS)"},
		{"unavailable", infobiptest.ServiceUnavailable, true, 0, "Service unavailable (SERVICE_UNAVAILABLE)"},
		{"bad gateway page", infobiptest.BadGateway, true, 0, "Infobip answered HTTP 502"},
		{"429 without a body", infobiptest.Reply{HTTPStatus: 429, Header: http.Header{"Retry-After": {"7"}}}, true, 7 * time.Second, "HTTP 429"},
		{"bad API key", infobiptest.Unauthorized, false, 0, "Infobip does not accept the API key: Invalid login details (UNAUTHORIZED)"},
		{"401 without a body", infobiptest.Reply{HTTPStatus: 401}, false, 0, "Infobip does not accept the API key (HTTP 401)"},
		{"forbidden", infobiptest.Forbidden, false, 0, "Forbidden (FORBIDDEN)"},
		{"not found page", infobiptest.Reply{HTTPStatus: 404, Body: "<html>no</html>"}, false, 0, "HTTP 404: the apiUrl may not be"},
		{"validation", infobiptest.Reply{HTTPStatus: 400, Body: `{"requestError":{"serviceException":{"messageId":"BAD_REQUEST","text":"Bad request",` +
			`"validationErrors":{"to":["must be a valid phone number"],"content.text":["size must be between 1 and 4096","must not be blank"]}}}}`},
			false, 0, "Bad request (BAD_REQUEST): content.text: size must be between 1 and 4096, must not be blank; to: must be a valid phone number"},
		{"policy", infobiptest.Reply{HTTPStatus: 403, Body: `{"requestError":{"policyException":{"messageId":"POL2206","text":"User forbidden."}}}`},
			false, 0, "User forbidden. (POL2206)"},
		{"platform error shape", infobiptest.Reply{HTTPStatus: 400, Body: `{"errorCode":"E400","description":"Request cannot be processed.","violations":[{"property":"to","violation":"invalid"}]}`},
			false, 0, "Request cannot be processed. (E400): to: invalid"},
		{"an answer quoting the key", infobiptest.ErrorReply(400, "BAD_REQUEST", "Bad key App "+testKey), false, 0, "Bad key App <redacted> (BAD_REQUEST)"},
		{"answer not JSON", infobiptest.Reply{HTTPStatus: 200, Body: "<html>sent</html>"}, false, 0, "decode answer"},
		{"rejected at once", infobiptest.Reply{HTTPStatus: 200, Body: `{"to":"385919998888","messageCount":1,"messageId":"x",` +
			`"status":{"groupId":5,"groupName":"REJECTED","id":12,"name":"REJECTED_NOT_ENOUGH_CREDITS","description":"Not enough credits"}}`},
			false, 0, "Infobip rejected the message (REJECTED_NOT_ENOUGH_CREDITS: Not enough credits)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			srv.FailNext(infobiptest.EndpointText, tt.reply)
			_, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "385919998888", Text: "hi"})
			se := asSendError(t, err)
			if se.Retryable != tt.retryable || se.RetryAfter != tt.retryAfter || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("SendError{Retryable: %v, RetryAfter: %v, Reason: %q}, want %v %v %q", se.Retryable, se.RetryAfter, se.Reason, tt.retryable, tt.retryAfter, tt.reason)
			}
			var apiErr *APIError
			if tt.reply.Code != "" && (!errors.As(err, &apiErr) || apiErr.Code != tt.reply.Code || apiErr.HTTPStatus != tt.reply.HTTPStatus) {
				t.Errorf("err %v does not expose Infobip's code %s", err, tt.reply.Code)
			}
		})
	}
}

// TestSendFakeRefusals: the fake's own checks, as Infobip's, reach the agent
// as permanent failures with Infobip's words.
func TestSendFakeRefusals(t *testing.T) {
	t.Run("wrong API key", func(t *testing.T) {
		_, acct, env := newFake(t)
		acct.Secrets["apiKey"] = strings.Repeat("0", 32)
		_, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "385919998888", Text: "hi"})
		se := asSendError(t, err)
		if se.Retryable || !strings.Contains(se.Reason, "does not accept the API key") || strings.Contains(se.Reason, strings.Repeat("0", 32)) {
			t.Errorf("%+v", se)
		}
	})
	t.Run("not a sender of the account", func(t *testing.T) {
		srv, acct, env := newFake(t)
		acct.Settings["whatsappNumber"] = "15550001111"
		_, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "385919998888", Text: "hi"})
		se := asSendError(t, err)
		if se.Retryable || !strings.Contains(se.Reason, "REJECTED_SOURCE") {
			t.Errorf("%+v", se)
		}
		if m := srv.Messages(); len(m) != 1 || m[0].Status != "REJECTED" {
			t.Errorf("messages %+v", m)
		}
	})
	t.Run("a later part fails", func(t *testing.T) {
		srv, acct, env := newFake(t)
		srv.FailNext(infobiptest.EndpointImage, infobiptest.ServiceUnavailable)
		res, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "385919998888", Text: strings.Repeat("a", 3500), ID: "5",
			Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentImage, URL: "https://files.example/a.png"}}})
		if se := asSendError(t, err); !se.Retryable {
			t.Errorf("%+v", se)
		}
		if !reflect.DeepEqual(res.MessageIDs, []string{"5-1"}) {
			t.Errorf("MessageIDs %v: the accepted text part is still listed", res.MessageIDs)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv, acct, env := newFake(t)
		srv.Close()
		_, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "385919998888", Text: "hi"})
		se := asSendError(t, err)
		if !se.Retryable || strings.Contains(se.Reason, srv.URL) {
			t.Errorf("%+v", se)
		}
	})
}

// TestSendCredentials checks which refusals are about the API key (the
// account's health turns failing) and which about one message or recipient:
// the fake's own answers, and Infobip's documented ones.
func TestSendCredentials(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(srv *infobiptest.Server, acct *providers.Account)
		credentials bool
	}{
		{"wrong API key", func(_ *infobiptest.Server, acct *providers.Account) { acct.Secrets["apiKey"] = strings.Repeat("0", 32) }, true},
		{"no API key", func(_ *infobiptest.Server, acct *providers.Account) { acct.Secrets = nil }, true},
		{"key without the permission", func(srv *infobiptest.Server, _ *providers.Account) {
			srv.FailNext(infobiptest.EndpointText, infobiptest.Forbidden)
		}, true},
		{"invalid recipient", func(srv *infobiptest.Server, _ *providers.Account) {
			srv.FailNext(infobiptest.EndpointText, infobiptest.Reply{HTTPStatus: 400,
				Body: `{"requestError":{"serviceException":{"messageId":"BAD_REQUEST","text":"Bad request","validationErrors":{"to":["must be a valid phone number"]}}}}`})
		}, false},
		{"not a sender of the account", func(_ *infobiptest.Server, acct *providers.Account) { acct.Settings["whatsappNumber"] = "15550001111" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			tt.setup(srv, &acct)
			_, err := Provider{}.Send(context.Background(), env, acct, providers.OutboundMessage{To: "385919998888", Text: "hi"})
			se := asSendError(t, err)
			if se.Credentials != tt.credentials || se.Retryable {
				t.Errorf("credentials %v retryable %v (%s), want credentials %v, permanent", se.Credentials, se.Retryable, se.Reason, tt.credentials)
			}
		})
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct {
		id   string
		i, n int
		want string
	}{
		{"42", 0, 1, "42"},
		{"42", 1, 3, "42-2"},
		{" ", 0, 1, ""},
		{strings.Repeat("a", 100), 0, 1, strings.Repeat("a", 100)},
		{strings.Repeat("a", 99), 0, 2, ""},
	}
	for _, tt := range tests {
		if got := messageID(tt.id, tt.i, tt.n); got != tt.want {
			t.Errorf("messageID(%q, %d, %d) = %q", tt.id, tt.i, tt.n, got)
		}
	}
}
