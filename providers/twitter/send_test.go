package twitter

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/twitter/twittertest"
)

func TestSend(t *testing.T) {
	tests := []struct {
		name  string
		msg   providers.OutboundMessage
		texts []string
	}{
		{"text", providers.OutboundMessage{To: twittertest.CustomerID, Text: "Hello & welcome <3"}, []string{"Hello & welcome <3"}},
		{"long text cut at the line break", providers.OutboundMessage{To: twittertest.CustomerID, Text: strings.Repeat("a", 7000) + "\n" + strings.Repeat("ü", 7000)},
			[]string{strings.Repeat("a", 7000), strings.Repeat("ü", 7000)}},
		{"attachments as links", providers.OutboundMessage{To: twittertest.CustomerID, Text: "Your invoice:", Attachments: []providers.OutboundAttachment{
			{Type: providers.AttachmentFile, URL: "https://files.example.com/i.pdf", FileName: "invoice.pdf"},
			{Type: providers.AttachmentImage, URL: "https://files.example.com/p.png"},
		}}, []string{"Your invoice:", "invoice.pdf\nhttps://files.example.com/i.pdf", "https://files.example.com/p.png"}},
		{"only an attachment", providers.OutboundMessage{To: twittertest.CustomerID, Attachments: []providers.OutboundAttachment{{URL: "https://files.example.com/p.png"}}}, []string{"https://files.example.com/p.png"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			res, err := p.Send(context.Background(), env, testAccount, tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			dms := fake.DMs()
			var texts, ids []string
			for _, dm := range dms {
				texts = append(texts, dm.Text)
				ids = append(ids, dm.EventID)
				if dm.RecipientID != twittertest.CustomerID || dm.SenderID != twittertest.UserID {
					t.Errorf("DM %+v", dm)
				}
				if n := utf8.RuneCountInString(dm.Text); n > maxTextLen {
					t.Errorf("a part of %d characters", n)
				}
			}
			if !reflect.DeepEqual(texts, tt.texts) {
				t.Errorf("sent %d parts %.60q, want %d: %.60q", len(texts), texts, len(tt.texts), tt.texts)
			}
			if !reflect.DeepEqual(res.MessageIDs, ids) {
				t.Errorf("MessageIDs %v, X gave %v", res.MessageIDs, ids)
			}
			for _, r := range fake.Requests() {
				if r.Auth != "oauth1" || r.Status != 201 || r.Path != "/2/dm_conversations/with/"+twittertest.CustomerID+"/messages" {
					t.Errorf("request %s %s auth %q status %d", r.Method, r.Path, r.Auth, r.Status)
				}
			}
		})
	}
}

// TestSendUploadsMedia: images, GIFs and videos whose bytes we hold go as
// direct message media, uploaded first with the v2 chunked upload under their
// dm_* category; a document goes as its name and link.
func TestSendUploadsMedia(t *testing.T) {
	fake, p, env := newFake(t)
	jpeg := append([]byte("\xff\xd8\xff\xe0"), bytes.Repeat([]byte("j"), 9<<20/2)...) // two segments
	mp4 := []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom a video")
	msg := providers.OutboundMessage{To: twittertest.CustomerID, Text: "your files", Attachments: []providers.OutboundAttachment{
		{Type: providers.AttachmentImage, Data: jpeg, FileName: "receipt.jpg", MimeType: "image/jpeg"},
		{Type: providers.AttachmentFile, Data: []byte("%PDF-1.7"), FileName: "invoice.pdf", MimeType: "application/pdf", URL: "https://switchboard.example.com/media/public/tok"},
		{Type: providers.AttachmentVideo, Data: mp4, FileName: "howto.mp4"},
	}}
	res, err := p.Send(context.Background(), env, testAccount, msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	dms := fake.DMs()
	if len(dms) != 4 || len(res.MessageIDs) != 4 {
		t.Fatalf("sent %+v, IDs %v", dms, res.MessageIDs)
	}
	if dms[0].Text != "your files" || dms[0].Media != nil || dms[2].Text != "invoice.pdf\nhttps://switchboard.example.com/media/public/tok" || dms[2].Media != nil {
		t.Errorf("text messages %+v %+v", dms[0], dms[2])
	}
	for i, want := range map[int]struct {
		category string
		data     []byte
	}{1: {"dm_image", jpeg}, 3: {"dm_video", mp4}} {
		m := dms[i].Media
		if m == nil || m.Category != want.category || !bytes.Equal(m.Data, want.data) || m.Owner != twittertest.UserID || dms[i].Text != "" {
			t.Errorf("message %d: %+v, want %s media", i+1, dms[i], want.category)
		}
	}
	// The uploads are done before the first message, and the image took two
	// segments.
	var appends int
	firstDM := -1
	for i, r := range fake.Requests() {
		if strings.HasSuffix(r.Path, "/append") {
			appends++
		}
		if strings.HasSuffix(r.Path, "/messages") && firstDM < 0 {
			firstDM = i
		}
		if strings.HasPrefix(r.Path, "/2/media/upload") && firstDM >= 0 {
			t.Errorf("%s %s after the first message", r.Method, r.Path)
		}
		if r.Auth != "oauth1" {
			t.Errorf("%s %s authenticated as %q", r.Method, r.Path, r.Auth)
		}
	}
	if appends != 3 {
		t.Errorf("%d APPEND segments, want 3", appends)
	}
}

func TestSendRefused(t *testing.T) {
	data := providers.OutboundAttachment{Type: providers.AttachmentFile, Data: []byte("%PDF-1.7"), FileName: "i.pdf", MimeType: "application/pdf"}
	tests := []struct {
		name   string
		acct   providers.Account
		msg    providers.OutboundMessage
		reason string
	}{
		{"no access token", providers.Account{Secrets: map[string]string{"consumerKey": "k", "consumerSecret": "s"}}, providers.OutboundMessage{To: twittertest.CustomerID, Text: "x"}, "no access token"},
		{"a username as recipient", testAccount, providers.OutboundMessage{To: "@furiouscamper", Text: "x"}, "not an X user ID"},
		{"no recipient", testAccount, providers.OutboundMessage{Text: "x"}, "not an X user ID"},
		{"nothing", testAccount, providers.OutboundMessage{To: twittertest.CustomerID, Text: " \n "}, "nothing to send"},
		{"bytes only", testAccount, providers.OutboundMessage{To: twittertest.CustomerID, Attachments: []providers.OutboundAttachment{data}}, "no link to send instead"},
		{"empty attachment", testAccount, providers.OutboundMessage{To: twittertest.CustomerID, Attachments: []providers.OutboundAttachment{{}}}, "neither a URL nor data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			_, err := p.Send(context.Background(), env, tt.acct, tt.msg)
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("err = %#v, want a permanent SendError with %q", err, tt.reason)
			}
			if want := tt.name == "no access token"; se != nil && se.Credentials != want {
				t.Errorf("Credentials = %v, want %v", se.Credentials, want)
			}
			if len(fake.Requests()) != 0 {
				t.Errorf("%d requests to X", len(fake.Requests()))
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		fault     *twittertest.Fault
		refuse    bool
		acct      providers.Account
		retryable bool
		reason    string
		delivered int // DMs X has afterwards
		// credentials: the refusal is about the account's credentials, so
		// its health turns failing; a recipient's is not.
		credentials bool
	}{
		{name: "rate limited", fault: &twittertest.RateLimited, retryable: true, reason: "rate limit"},
		{name: "X over capacity", fault: &twittertest.ServiceUnavailable, retryable: true, reason: "Service Unavailable"},
		{name: "internal error", fault: &twittertest.InternalError, retryable: true, reason: "Internal error (code 131)"},
		{name: "a proxy's 502", fault: &twittertest.BadGateway, retryable: true, reason: "HTTP 502 Bad Gateway"},
		{name: "connection dropped", fault: &twittertest.Dropped, retryable: true},
		{name: "done but answered 503", fault: &twittertest.Fault{Status: 503, Accept: true}, retryable: true, delivered: 1},
		{name: "credentials refused", fault: &twittertest.Unauthorized, reason: "does not accept the account's credentials", credentials: true},
		{name: "code 349", fault: &twittertest.CannotSendMessages, reason: "You cannot send messages to this user (code 349)"},
		{name: "app without access", fault: &twittertest.ClientNotEnrolled, reason: "Client Forbidden: When authenticating requests", credentials: true},
		{name: "invalid or expired token", fault: &twittertest.Fault{Status: 401, Body: `{"errors":[{"code":89,"message":"Invalid or expired token."}]}`},
			reason: "Invalid or expired token (code 89)", credentials: true},
		{name: "suspended account", fault: &twittertest.Fault{Status: 403, Body: `{"errors":[{"code":64,"message":"Your account is suspended and is not permitted to access this feature"}]}`},
			reason: "code 64", credentials: true},
		{name: "recipient does not accept DMs", refuse: true, reason: "You are not permitted to send Direct Messages to this user"},
		{name: "wrong consumer secret", acct: withSecret("consumerSecret", "x"+twittertest.ConsumerSecret[1:]), reason: "does not accept the account's credentials", credentials: true},
		{name: "wrong token secret", acct: withSecret("accessTokenSecret", "x"+twittertest.AccessTokenSecret[1:]), reason: "does not accept the account's credentials", credentials: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			if tt.fault != nil {
				fake.FailNext(twittertest.EndpointSendDM, *tt.fault)
			}
			if tt.refuse {
				fake.RefuseDMs(twittertest.CustomerID, "")
			}
			acct := testAccount
			if tt.acct.Secrets != nil {
				acct = tt.acct
			}
			res, err := p.Send(context.Background(), env, acct, providers.OutboundMessage{To: twittertest.CustomerID, Text: "Hello"})
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Retryable != tt.retryable || se.Credentials != tt.credentials || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("retryable %v, credentials %v, reason %q; want %v, %v with %q", se.Retryable, se.Credentials, se.Reason, tt.retryable, tt.credentials, tt.reason)
			}
			if len(res.MessageIDs) != 0 || len(fake.DMs()) != tt.delivered {
				t.Errorf("MessageIDs %v, %d DMs at X", res.MessageIDs, len(fake.DMs()))
			}
			checkErrNoSecret(t, err)
		})
	}
}

func TestSendRetryAfter(t *testing.T) {
	fake, p, env := newFake(t)
	fake.FailNext(twittertest.EndpointSendDM, twittertest.RateLimited)
	_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: twittertest.CustomerID, Text: "Hello"})
	var se *providers.SendError
	if !errors.As(err, &se) || !se.Retryable || se.RetryAfter < 58*time.Second || se.RetryAfter > 61*time.Second {
		t.Fatalf("err = %#v; want retryable after about a minute (x-rate-limit-reset)", err)
	}
	// The reset is a moment in time: a later clock waits less.
	env.Now = func() time.Time { return time.Now().Add(50 * time.Second) }
	fake.FailNext(twittertest.EndpointSendDM, twittertest.RateLimited)
	_, err = p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: twittertest.CustomerID, Text: "Hello"})
	if !errors.As(err, &se) || se.RetryAfter > 11*time.Second {
		t.Errorf("RetryAfter %v with the clock 50s ahead", se.RetryAfter)
	}
}

func TestSendPartialFailure(t *testing.T) {
	fake, p, env := newFake(t)
	fake.FailNext(twittertest.EndpointSendDM, twittertest.Pass, twittertest.ServiceUnavailable)
	msg := providers.OutboundMessage{To: twittertest.CustomerID, Text: "First", Attachments: []providers.OutboundAttachment{{URL: "https://files.example.com/a.pdf"}}}
	res, err := p.Send(context.Background(), env, testAccount, msg)
	var se *providers.SendError
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("err = %v", err)
	}
	dms := fake.DMs()
	if len(dms) != 1 || !reflect.DeepEqual(res.MessageIDs, []string{dms[0].EventID}) {
		t.Errorf("MessageIDs %v, X has %+v", res.MessageIDs, dms)
	}
}

func TestSendUnreachable(t *testing.T) {
	fake, p, env := newFake(t)
	fake.Close()
	_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: twittertest.CustomerID, Text: "Hello"})
	var se *providers.SendError
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("err = %v", err)
	}
	checkErrNoSecret(t, err)
	if strings.Contains(err.Error(), "/2/dm_conversations") {
		t.Errorf("the request URL shows: %v", err)
	}
}

func TestSendLongText(t *testing.T) {
	fake, p, env := newFake(t)
	text := strings.Repeat("word ", 2500) + strings.Repeat("😀", 6000) // 18,500 characters
	res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: twittertest.CustomerID, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	dms := fake.DMs()
	if len(dms) != 2 || len(res.MessageIDs) != 2 {
		t.Fatalf("%d DMs, %d IDs", len(dms), len(res.MessageIDs))
	}
	joined := ""
	for _, dm := range dms {
		if n := utf8.RuneCountInString(dm.Text); n > maxTextLen {
			t.Errorf("a part of %d characters", n)
		}
		joined += dm.Text
	}
	if strings.ReplaceAll(joined, " ", "") != strings.ReplaceAll(text, " ", "") {
		t.Error("the parts do not add up to the text")
	}
}

// withSecret is the test account with one credential changed.
func withSecret(name, value string) providers.Account {
	a := testAccount
	a.Secrets = map[string]string{}
	for k, v := range testAccount.Secrets {
		a.Secrets[k] = v
	}
	a.Secrets[name] = value
	return a
}
