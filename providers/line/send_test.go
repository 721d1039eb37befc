package line

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/line/linetest"
)

// customer is a user ID in LINE's form (U + 32 hex digits).
const customer = "U3d3edab4f36c6292e6d8a8131f141b8b"

// uuidV5 is the form of our retry keys.
var uuidV5 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestSendText(t *testing.T) {
	fake, p, env := newFake(t)
	res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: customer, Text: "Hello, world", ID: "42"})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	pushes := fake.Pushes()
	if len(pushes) != 1 {
		t.Fatalf("%d pushes, want 1", len(pushes))
	}
	push := pushes[0]
	if push.To != customer || len(push.Messages) != 1 || push.Messages[0].Type != "text" || push.Messages[0].Text != "Hello, world" {
		t.Errorf("pushed %+v", push)
	}
	if !uuidV5.MatchString(push.RetryKey) {
		t.Errorf("retry key %q is not a version 5 UUID", push.RetryKey)
	}
	if !reflect.DeepEqual(res.MessageIDs, push.SentIDs) {
		t.Errorf("MessageIDs %v, LINE sent %v", res.MessageIDs, push.SentIDs)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 || reqs[0].Host != "api" || reqs[0].Method != http.MethodPost || reqs[0].Path != "/v2/bot/message/push" ||
		reqs[0].Header.Get("Authorization") != "Bearer "+linetest.Token || reqs[0].Header.Get("Content-Type") != "application/json" {
		t.Errorf("requests %+v", reqs)
	}
}

func TestSendToGroup(t *testing.T) {
	fake, p, env := newFake(t)
	group := "Ca56f94637c2c3d4e5f6a7b8c9d0e1f2a"
	if _, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: group, Text: "hi all", ID: "7"}); err != nil {
		t.Fatal(err)
	}
	if got := fake.Texts(group); !reflect.DeepEqual(got, []string{"hi all"}) {
		t.Errorf("group got %v", got)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	words := strings.Fields(strings.Repeat("ünïcödé wörds 🙂 ", 1500))
	tests := []struct {
		name     string
		text     string
		messages int // text messages in all
		pushes   int
	}{
		{"exactly 5000", strings.Repeat("a", 5000), 1, 1},
		{"5001", strings.Repeat("a", 5001), 2, 1},
		{"12000 without spaces", strings.Repeat("ж", 12000), 3, 1},
		{"emoji count twice", strings.Repeat("🙂", 2501), 2, 1},
		{"words", strings.Join(words, " "), 6, 2}, // 25,500 units
		{"lines", strings.Repeat(strings.Repeat("x", 99)+"\n", 120), 3, 1},
		{"more than five parts", strings.Repeat("b", 5000*6+1), 7, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: customer, Text: tt.text, ID: "99"})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			pushes := fake.Pushes()
			if len(pushes) != tt.pushes {
				t.Errorf("%d pushes, want %d", len(pushes), tt.pushes)
			}
			keys := map[string]bool{}
			var ids []string
			for _, p := range pushes {
				keys[p.RetryKey] = true
				ids = append(ids, p.SentIDs...)
				if len(p.Messages) > 5 {
					t.Errorf("a push of %d messages", len(p.Messages))
				}
			}
			if len(keys) != len(pushes) {
				t.Errorf("pushes share retry keys: %v", keys)
			}
			texts := fake.Texts(customer)
			if len(texts) != tt.messages || len(res.MessageIDs) != tt.messages || !reflect.DeepEqual(res.MessageIDs, ids) {
				t.Fatalf("%d texts, IDs %v (LINE sent %v); want %d", len(texts), res.MessageIDs, ids, tt.messages)
			}
			for i, part := range texts {
				if n := utf16Len(part); n > maxTextLen || n == 0 || !utf8.ValidString(part) {
					t.Errorf("part %d: %d UTF-16 units, valid %v", i, n, utf8.ValidString(part))
				}
			}
			// The parts, in order, are the text less the whitespace cut at.
			if strip(strings.Join(texts, "")) != strip(tt.text) {
				t.Errorf("parts do not add up to the text")
			}
		})
	}
}

func strip(s string) string { return strings.Join(strings.Fields(s), "") }

func TestSplitText(t *testing.T) {
	para := strings.Repeat("word ", 800) // 4000 units
	if parts := splitText(para+"\n"+para, 5000); len(parts) != 2 || parts[0] != para || parts[1] != para {
		t.Errorf("split at %d units, want at the line break", utf16Len(parts[0]))
	}
	if got := splitText("   \n  ", 5000); got != nil {
		t.Errorf("blank text gave parts %q", got)
	}
	// A surrogate pair is never cut in two.
	if parts := splitText("a"+strings.Repeat("🙂", 3), 2); !reflect.DeepEqual(parts, []string{"a", "🙂", "🙂", "🙂"}) {
		t.Errorf("parts %q", parts)
	}
	if got := utf16Len("a🙂ж"); got != 4 {
		t.Errorf("utf16Len = %d, want 4", got)
	}
}

func TestSendMedia(t *testing.T) {
	tests := []struct {
		name string
		msg  providers.OutboundMessage
		want []linetest.Message
	}{
		{
			name: "image with text: text first, then the image",
			msg: providers.OutboundMessage{To: customer, Text: "Your receipt", Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentImage, URL: "https://cdn.example.com/r.jpg"},
			}},
			want: []linetest.Message{
				{Type: "text", Text: "Your receipt"},
				{Type: "image", OriginalContentURL: "https://cdn.example.com/r.jpg", PreviewImageURL: "https://cdn.example.com/r.jpg"},
			},
		},
		{
			name: "other kinds go as links",
			msg: providers.OutboundMessage{To: customer, Attachments: []providers.OutboundAttachment{
				{Type: providers.AttachmentVideo, URL: "https://cdn.example.com/v.mp4"},
				{Type: providers.AttachmentAudio, URL: "https://cdn.example.com/a.m4a", FileName: "memo.m4a"},
				{Type: providers.AttachmentFile, URL: "https://cdn.example.com/f.pdf", FileName: "invoice.pdf"},
			}},
			want: []linetest.Message{
				{Type: "text", Text: "https://cdn.example.com/v.mp4"},
				{Type: "text", Text: "memo.m4a\nhttps://cdn.example.com/a.m4a"},
				{Type: "text", Text: "invoice.pdf\nhttps://cdn.example.com/f.pdf"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			tt.msg.ID = "m1"
			res, err := p.Send(context.Background(), env, testAccount, tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			pushes := fake.Pushes()
			if len(pushes) != 1 {
				t.Fatalf("%d pushes", len(pushes))
			}
			var got []linetest.Message
			for _, m := range pushes[0].Messages {
				m.Raw = nil
				got = append(got, m)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("messages\n got %+v\nwant %+v", got, tt.want)
			}
			if len(res.MessageIDs) != len(tt.want) {
				t.Errorf("MessageIDs %v", res.MessageIDs)
			}
		})
	}
}

func TestSendRefusesWhatLINECannotTake(t *testing.T) {
	tests := []struct {
		name   string
		acct   providers.Account
		msg    providers.OutboundMessage
		reason string
	}{
		{"upload", testAccount, providers.OutboundMessage{To: customer, Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentImage, Data: []byte("\xff\xd8\xff"), FileName: "photo.jpg", MimeType: "image/jpeg"}}}, "LINE needs"},
		{"http URL", testAccount, providers.OutboundMessage{To: customer, Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentImage, URL: "http://cdn.example.com/r.jpg"}}}, "https"},
		{"URL too long", testAccount, providers.OutboundMessage{To: customer, Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentImage, URL: "https://cdn.example.com/" + strings.Repeat("a", 2000)}}}, "2000"},
		{"attachment without URL or data", testAccount, providers.OutboundMessage{To: customer, Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentFile}}}, "neither"},
		{"nothing to send", testAccount, providers.OutboundMessage{To: customer, Text: " \n "}, "nothing to send"},
		{"no recipient", testAccount, providers.OutboundMessage{Text: "hi"}, "no recipient"},
		{"no token", providers.Account{Secrets: map[string]string{"channelSecret": linetest.Secret}}, providers.OutboundMessage{To: customer, Text: "hi"}, "no channel access token"},
		{"token LINE could not have", providers.Account{Secrets: map[string]string{"channelAccessToken": "abc\ndef"}}, providers.OutboundMessage{To: customer, Text: "hi"}, "characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			_, err := p.Send(context.Background(), env, tt.acct, tt.msg)
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable {
				t.Fatalf("err = %#v, want a permanent SendError", err)
			}
			if !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("reason %q, want it to mention %q", se.Reason, tt.reason)
			}
			if len(fake.Requests()) != 0 {
				t.Errorf("LINE was called: %+v", fake.Requests())
			}
			checkErrNoSecret(t, err)
		})
	}
	t.Run("the reason for an upload says LINE needs a URL", func(t *testing.T) {
		_, p, env := newFake(t)
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: customer, Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentFile, Data: []byte("%PDF")}}})
		if !errors.Is(err, errNeedsURL) || !strings.Contains(err.Error(), "URL") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestSendRetryKeyIsStable(t *testing.T) {
	msg := providers.OutboundMessage{To: customer, Text: "Your order shipped", ID: "1234"}
	k1, _ := retryKey(testAccount.ID, msg.ID, 0, pushRequest{To: msg.To, Messages: []message{{Type: "text", Text: msg.Text}}})
	k2, _ := retryKey(testAccount.ID, msg.ID, 0, pushRequest{To: msg.To, Messages: []message{{Type: "text", Text: msg.Text}}})
	if k1 != k2 || !uuidV5.MatchString(k1) {
		t.Fatalf("keys %s, %s", k1, k2)
	}
	others := map[string]string{}
	others["other message"], _ = retryKey(testAccount.ID, "1235", 0, pushRequest{To: msg.To, Messages: []message{{Type: "text", Text: msg.Text}}})
	others["other account"], _ = retryKey("acc_other", msg.ID, 0, pushRequest{To: msg.To, Messages: []message{{Type: "text", Text: msg.Text}}})
	others["other batch"], _ = retryKey(testAccount.ID, msg.ID, 1, pushRequest{To: msg.To, Messages: []message{{Type: "text", Text: msg.Text}}})
	others["other content"], _ = retryKey(testAccount.ID, msg.ID, 0, pushRequest{To: msg.To, Messages: []message{{Type: "text", Text: "other"}}})
	others["ambiguous join"], _ = retryKey(testAccount.ID+"1", "234", 0, pushRequest{To: msg.To, Messages: []message{{Type: "text", Text: msg.Text}}})
	for name, k := range others {
		if k == k1 {
			t.Errorf("%s has the same key", name)
		}
	}

	t.Run("a retry after an accepted 5xx is answered 409 and succeeds once", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.FailNext(linetest.EndpointPush, linetest.Fault{Status: 500, Body: `{"message":"Internal server error"}`, Accept: true})
		_, err := p.Send(context.Background(), env, testAccount, msg)
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable {
			t.Fatalf("first attempt: %v, want retryable", err)
		}
		res, err := p.Send(context.Background(), env, testAccount, msg)
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		pushes := fake.Pushes()
		if len(pushes) != 1 || !reflect.DeepEqual(res.MessageIDs, pushes[0].SentIDs) {
			t.Errorf("pushes %+v, MessageIDs %v: want one delivery and its IDs", pushes, res.MessageIDs)
		}
		reqs := fake.Requests()
		if len(reqs) != 2 || reqs[0].Header.Get(retryHeader) != reqs[1].Header.Get(retryHeader) || reqs[1].Status != http.StatusConflict {
			t.Errorf("requests %+v", reqs)
		}
	})
	t.Run("a retry after a dropped connection succeeds once", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.FailNext(linetest.EndpointPush, linetest.Fault{Drop: true, Accept: true})
		_, err := p.Send(context.Background(), env, testAccount, msg)
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable {
			t.Fatalf("first attempt: %v, want retryable", err)
		}
		res, err := p.Send(context.Background(), env, testAccount, msg)
		if err != nil || len(fake.Pushes()) != 1 || len(res.MessageIDs) != 1 {
			t.Errorf("retry: %v, %d pushes, IDs %v", err, len(fake.Pushes()), res.MessageIDs)
		}
	})
	t.Run("a retry of a long reply resends only what failed", func(t *testing.T) {
		fake, p, env := newFake(t)
		long := providers.OutboundMessage{To: customer, Text: strings.Repeat("c", 5000*7), ID: "77"}
		fake.FailNext(linetest.EndpointPush, linetest.Pass, linetest.InternalError)
		res, err := p.Send(context.Background(), env, testAccount, long)
		if err == nil || len(res.MessageIDs) != 5 {
			t.Fatalf("first attempt: %v, IDs %v; want the first push's 5 IDs and an error", err, res.MessageIDs)
		}
		again, err := p.Send(context.Background(), env, testAccount, long)
		if err != nil {
			t.Fatal(err)
		}
		if len(fake.Pushes()) != 2 || len(again.MessageIDs) != 7 || !reflect.DeepEqual(again.MessageIDs[:5], res.MessageIDs) {
			t.Errorf("%d pushes, IDs %v then %v", len(fake.Pushes()), res.MessageIDs, again.MessageIDs)
		}
	})
	t.Run("no Switchboard ID, no retry key", func(t *testing.T) {
		fake, p, env := newFake(t)
		if _, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: customer, Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		if k := fake.Requests()[0].Header.Get(retryHeader); k != "" {
			t.Errorf("retry key %q", k)
		}
	})
}

// TestSendCredentials checks which refusals are about the channel access token
// (the account's health turns failing) and which about one recipient or
// message: the fake's own answers to a revoked token and to a bad recipient,
// and LINE's documented refusals.
func TestSendCredentials(t *testing.T) {
	withToken := func(token string) providers.Account {
		a := testAccount
		a.Secrets = map[string]string{"channelAccessToken": token, "channelSecret": linetest.Secret}
		return a
	}
	tests := []struct {
		name        string
		acct        providers.Account
		to          string
		fault       *linetest.Fault
		credentials bool
	}{
		{"revoked token", withToken("revoked-token"), customer, nil, true},
		{"token with a line break", withToken("token\nX-Other: 1"), customer, nil, true},
		{"no token", withToken(""), customer, nil, true},
		{"API not available to the channel", testAccount, customer, &linetest.Forbidden, true},
		{"invalid recipient", testAccount, "nobody", nil, false},
		{"failed to send", testAccount, customer, &linetest.FailedToSend, false},
		{"monthly limit", testAccount, customer, &linetest.MonthlyLimit, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			if tt.fault != nil {
				fake.FailNext(linetest.EndpointPush, *tt.fault)
			}
			_, err := p.Send(context.Background(), env, tt.acct, providers.OutboundMessage{To: tt.to, Text: "hi", ID: "5"})
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Credentials != tt.credentials || se.Retryable {
				t.Errorf("credentials %v retryable %v (%s), want credentials %v, permanent", se.Credentials, se.Retryable, se.Reason, tt.credentials)
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		fault      linetest.Fault
		retryable  bool
		retryAfter time.Duration
		reason     string
	}{
		{"rate limit", linetest.RateLimited, true, 0, "The API rate limit has been exceeded"},
		{"rate limit with Retry-After", linetest.Fault{Status: 429, Body: `{"message":"The API rate limit has been exceeded. Try again later."}`, Header: http.Header{"Retry-After": {"7"}}}, true, 7 * time.Second, "rate limit"},
		{"monthly limit", linetest.MonthlyLimit, false, 0, "monthly"},
		{"internal error", linetest.InternalError, true, 0, "Internal server error"},
		{"proxy 502", linetest.BadGateway, true, 0, "502"},
		{"503 without body", linetest.Fault{Status: 503}, true, 0, "503"},
		{"failed to send", linetest.FailedToSend, false, 0, "Failed to send messages"},
		{"forbidden", linetest.Forbidden, false, 0, "Access to this API is not available"},
		{"details kept", linetest.Fault{Status: 400, Body: `{"message":"The request body has 2 error(s)","details":[{"message":"May not be empty","property":"messages[0].text"},{"message":"Must be one of the following values: [text, image, video, audio, location, sticker, template, imagemap]","property":"messages[1].type"}]}`}, false, 0,
			"The request body has 2 error(s) (messages[0].text: May not be empty; messages[1].type: Must be one of the following values"},
		{"404", linetest.Fault{Status: 404, Body: `{"message":"Not found"}`}, false, 0, "Not found"},
		{"409 without a retry key of ours", linetest.Fault{Status: 409, Body: `{"message":"Conflict"}`}, false, 0, "Conflict"},
		{"dropped before LINE got it", linetest.Dropped, true, 0, ""},
		{"200 we cannot read", linetest.Fault{Status: 200, Body: `{"sentMessages":"soon"}`}, true, 0, "decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			fake.FailNext(linetest.EndpointPush, tt.fault)
			msg := providers.OutboundMessage{To: customer, Text: "hi", ID: "5"}
			if tt.name == "409 without a retry key of ours" {
				msg.ID = ""
			}
			_, err := p.Send(context.Background(), env, testAccount, msg)
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Retryable != tt.retryable || se.RetryAfter != tt.retryAfter {
				t.Errorf("retryable %v after %v, want %v after %v (%s)", se.Retryable, se.RetryAfter, tt.retryable, tt.retryAfter, se.Reason)
			}
			if !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("reason %q, want it to contain %q", se.Reason, tt.reason)
			}
			checkErrNoSecret(t, err)
			checkNoSecret(t, se.Reason)
		})
	}
	t.Run("bad token", func(t *testing.T) {
		_, p, env := newFake(t)
		acct := providers.Account{ID: "a", Secrets: map[string]string{"channelAccessToken": "wrong" + linetest.Token, "channelSecret": linetest.Secret}}
		_, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: customer, Text: "hi", ID: "1"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "channel access token") || !strings.Contains(se.Reason, "invalid token") {
			t.Fatalf("err = %#v", err)
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized || apiErr.RequestID == "" {
			t.Errorf("APIError %+v", apiErr)
		}
		checkErrNoSecret(t, err)
	})
	t.Run("recipient LINE refuses", func(t *testing.T) {
		_, p, env := newFake(t)
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: "U123", Text: "hi", ID: "1"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "The property, to, in the request body is invalid") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("LINE unreachable", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.Close()
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: customer, Text: "hi", ID: "1"})
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable || strings.Contains(se.Reason, fake.URL) {
			t.Errorf("err = %v, reason %q: want retryable, without the URL", err, se.Reason)
		}
		checkErrNoSecret(t, err)
	})
}
