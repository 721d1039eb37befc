package wechat

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/providertest"
	"github.com/switchboard/switchboard/providers/wechat/wechattest"
)

// modes are the console's three message encryption modes, with the account
// each goes with.
var modes = []struct {
	name string
	push wechattest.Push
	acct providers.Account
}{
	{"plaintext", wechattest.DefaultPush, testAccount},
	{"safe", wechattest.SafePush, safeAccount},
	{"compatible", wechattest.Push{Token: wechattest.ServerToken, AESKey: wechattest.AESKey, AppID: wechattest.AppID, Compatible: true}, safeAccount},
}

func TestParseWebhook(t *testing.T) {
	unix := func(s int64) time.Time { return time.Unix(s, 0).UTC() }
	const msgID = "1234567890123456"
	msg := func(from string, at int64) providers.Event {
		return providers.Event{Kind: providers.EventMessage, DedupKey: msgID, MessageID: msgID, SenderID: from, Timestamp: unix(at)}
	}
	tests := []struct {
		file string
		want []providers.Event
	}{
		{"text.xml", []providers.Event{func() providers.Event { e := msg("fromUser", 1348831860); e.Text = "this is a test"; return e }()}},
		{"text_article.xml", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "24476438916187653", MessageID: "24476438916187653",
			SenderID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", Timestamp: unix(1709632800),
			Text: `你好 👋 <order> #A-1024 & "refund" ]]> please`,
		}}},
		// PicUrl "this is a url" (WeChat's placeholder) is no URL: the media ID alone.
		{"image.xml", []providers.Event{func() providers.Event {
			e := msg("fromUser", 1348831860)
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentImage, FileID: "media_id"}}
			return e
		}()}},
		{"image_real.xml", []providers.Event{{
			Kind: providers.EventMessage, DedupKey: "24476439821734982", MessageID: "24476439821734982",
			SenderID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", Timestamp: unix(1709632861),
			Attachments: []providers.Attachment{{
				Type: providers.AttachmentImage, FileID: "Kq3n0xVd2H1lLrT8cFZpYbW6m9uE4sG7aJ5iQoN1kMvXhRzDyPtCfUgBeA2Ow8Sj",
				URL: "http://mmbiz.qpic.cn/mmbiz_jpg/W0GqhYibias7v5ST7Rdg7cwq9yXXVzicl9cfKBad08ufUdxSNF2VfJ900lP0qjb78nLbxZSStKHiaXaEou0WicOGUhQ/0",
			}},
		}}},
		{"voice.xml", []providers.Event{func() providers.Event {
			e := msg("fromUser", 1357290913)
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentVoice, FileID: "media_id"}}
			return e
		}()}},
		{"voice_recognition.xml", []providers.Event{func() providers.Event {
			e := msg("fromUser", 1357290913)
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentVoice, FileID: "media_id", MimeType: "audio/amr"}}
			e.Text = "腾讯微信团队"
			return e
		}()}},
		{"video.xml", []providers.Event{func() providers.Event {
			e := msg("fromUser", 1357290913)
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentVideo, FileID: "media_id", MimeType: "video/mp4"}}
			return e
		}()}},
		{"shortvideo.xml", []providers.Event{func() providers.Event {
			e := msg("fromUser", 1357290913)
			e.Attachments = []providers.Attachment{{Type: providers.AttachmentVideo, FileID: "media_id", MimeType: "video/mp4"}}
			return e
		}()}},
		{"location.xml", []providers.Event{func() providers.Event {
			e := msg("fromUser", 1351776360)
			e.Location = &providers.Location{Latitude: 23.134521, Longitude: 113.358803, Title: "位置信息"}
			return e
		}()}},
		{"link.xml", []providers.Event{func() providers.Event {
			e := msg("fromUser", 1351776360)
			e.Text = "公众平台官网链接\n公众平台官网链接\nurl"
			return e
		}()}},
		{"subscribe.xml", []providers.Event{{Kind: providers.EventSubscribed, DedupKey: "event:FromUser:123456789:subscribe", SenderID: "FromUser", Timestamp: unix(123456789)}}},
		{"subscribe_qrscene.xml", []providers.Event{{Kind: providers.EventSubscribed, DedupKey: "event:FromUser:123456789:subscribe", SenderID: "FromUser", Timestamp: unix(123456789)}}},
		{"unsubscribe.xml", []providers.Event{{Kind: providers.EventUnsubscribe, DedupKey: "event:FromUser:123456789:unsubscribe", SenderID: "FromUser", Timestamp: unix(123456789)}}},
		{"click.xml", []providers.Event{{
			Kind: providers.EventPostback, DedupKey: "event:FromUser:123456789:CLICK:EVENTKEY", MessageID: "event:FromUser:123456789:CLICK:EVENTKEY",
			SenderID: "FromUser", Timestamp: unix(123456789), Payload: "EVENTKEY", Text: "EVENTKEY",
		}}},
		{"view.xml", []providers.Event{{
			Kind: providers.EventPostback, DedupKey: "event:FromUser:123456789:VIEW:www.qq.com", MessageID: "event:FromUser:123456789:VIEW:www.qq.com",
			SenderID: "FromUser", Timestamp: unix(123456789), Payload: "www.qq.com", Text: "www.qq.com",
		}}},
		// Understood, but nothing for an agent.
		{"scan.xml", nil},
		{"location_event.xml", nil},
		{"template_finish.xml", nil},
		{"device_text.xml", nil},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		for _, mode := range modes {
			t.Run(mode.name+"/"+tt.file, func(t *testing.T) {
				req := webhookRequest(t, fixture(t, tt.file), mode.push)
				if _, _, err := (Provider{}).VerifyWebhook(mode.acct, req); err != nil {
					t.Fatalf("VerifyWebhook: %v", err)
				}
				events, resp, err := Provider{}.ParseWebhook(mode.acct, req)
				if err != nil {
					t.Fatalf("ParseWebhook: %v", err)
				}
				checkSuccess(t, resp)
				if !reflect.DeepEqual(events, tt.want) {
					t.Errorf("events\n got %+v\nwant %+v", events, tt.want)
				}
				providertest.CheckParsed(t, events, err, providertest.Knobs{})
			})
		}
	}
	// A fixture cannot be added without saying here what it means.
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("%s has no expectation in TestParseWebhook", f)
		}
	}
}

// checkSuccess checks WeChat's "received" answer.
func checkSuccess(t testing.TB, resp *providers.WebhookResponse) {
	t.Helper()
	if resp == nil || resp.Status != http.StatusOK || string(resp.Body) != "success" || !strings.HasPrefix(resp.ContentType, "text/plain") {
		t.Errorf("resp = %+v, want 200 \"success\" as text/plain", resp)
	}
}

func TestParseWebhookDedupKeys(t *testing.T) {
	at := time.Unix(1709632800, 0)
	p := Provider{}
	key := func(body []byte) string {
		t.Helper()
		events, _, err := p.ParseWebhook(testAccount, webhookRequest(t, body, wechattest.DefaultPush))
		if err != nil || len(events) != 1 {
			t.Fatalf("events %+v, err %v", events, err)
		}
		return events[0].DedupKey
	}
	from := wechattest.OpenID
	// WeChat's retries repeat the body: same key. Two clicks of different
	// menu items in one second are two events.
	if a, b := key(wechattest.TextXML(wechattest.OriginalID, from, at, 42, "hi")), key(wechattest.TextXML(wechattest.OriginalID, from, at, 42, "hi")); a != b {
		t.Errorf("a retried message has keys %s and %s", a, b)
	}
	if a, b := key(wechattest.EventXML(wechattest.OriginalID, from, at, "CLICK", "A")), key(wechattest.EventXML(wechattest.OriginalID, from, at, "CLICK", "B")); a == b {
		t.Errorf("two menu items share the key %s", a)
	}
	if a, b := key(wechattest.EventXML(wechattest.OriginalID, from, at, "subscribe", "")), key(wechattest.EventXML(wechattest.OriginalID, "oOther", at, "subscribe", "")); a == b {
		t.Errorf("two users share the key %s", a)
	}
}

func TestParseWebhookErrors(t *testing.T) {
	text := fixture(t, "text.xml")
	replace := func(old, new string) []byte { return bytes.Replace(text, []byte(old), []byte(new), 1) }
	plain := func(body []byte) *providers.WebhookRequest {
		return webhookRequest(t, body, wechattest.DefaultPush)
	}
	safe := webhookRequest(t, text, wechattest.SafePush)
	otherApp := webhookRequest(t, text, wechattest.Push{Token: wechattest.ServerToken, AESKey: wechattest.AESKey, AppID: "wx1111111111111111"})
	otherKey := webhookRequest(t, text, wechattest.Push{Token: wechattest.ServerToken, AESKey: strings.Repeat("B", 43), AppID: wechattest.AppID})
	tests := []struct {
		name   string
		acct   providers.Account
		req    *providers.WebhookRequest
		reason string
	}{
		{"not XML", testAccount, plain([]byte(`{"MsgType":"text"}`)), "invalid webhook XML"},
		{"empty body", testAccount, plain(nil), "invalid webhook XML"},
		{"another root element", testAccount, plain(bytes.ReplaceAll(text, []byte("xml>"), []byte("msg>"))), "invalid webhook XML"},
		{"unclosed", testAccount, plain(text[:len(text)-8]), "invalid webhook XML"},
		{"no sender", testAccount, plain(replace("<![CDATA[fromUser]]>", "")), "no FromUserName"},
		{"bad CreateTime", testAccount, plain(replace("1348831860", "yesterday")), "bad CreateTime"},
		{"negative CreateTime", testAccount, plain(replace("1348831860", "-5")), "bad CreateTime"},
		{"huge CreateTime", testAccount, plain(replace("1348831860", "99999999999999999")), "bad CreateTime"},
		{"CreateTime after year 9999", testAccount, plain(replace("1348831860", "253402300800")), "bad CreateTime"},
		{"no MsgId", testAccount, plain(replace("<MsgId>1234567890123456</MsgId>", "")), "without MsgId"},
		{"unknown MsgType", testAccount, plain(replace("<![CDATA[text]]>", "<![CDATA[miniprogrampage]]>")), `unsupported MsgType "miniprogrampage"`},
		{"no MsgType", testAccount, plain(replace("<MsgType><![CDATA[text]]></MsgType>", "")), `unsupported MsgType ""`},
		{"image without media", testAccount, plain(bytes.Replace(fixture(t, "image.xml"), []byte("<![CDATA[media_id]]>"), nil, 1)), "without MediaId or PicUrl"},
		{"voice without media", testAccount, plain(bytes.Replace(fixture(t, "voice.xml"), []byte("<![CDATA[media_id]]>"), nil, 1)), "without MediaId"},
		{"location off the globe", testAccount, plain(bytes.Replace(fixture(t, "location.xml"), []byte("23.134521"), []byte("95"), 1)), "bad coordinates"},
		{"location not a number", testAccount, plain(bytes.Replace(fixture(t, "location.xml"), []byte("113.358803"), []byte("NaN"), 1)), "bad coordinates"},
		{"encrypted, account without a key", testAccount, safe, "no EncodingAESKey"},
		{"encrypted for another AppID", safeAccount, otherApp, "for another AppID"},
		{"encrypted with another key", safeAccount, otherKey, "not a ciphertext of this account"},
		{"encrypted, key unusable", withSecret(testAccount, "encodingAesKey", "short"), safe, "not a WeChat key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, resp, err := Provider{}.ParseWebhook(tt.acct, tt.req)
			var pe *providers.ParseError
			if !errors.As(err, &pe) || !strings.Contains(pe.Reason, tt.reason) {
				t.Fatalf("err = %v, want a ParseError about %q", err, tt.reason)
			}
			if events != nil {
				t.Errorf("events %+v alongside an error", events)
			}
			checkSuccess(t, resp) // no retries of a body that cannot be read
			checkNoSecret(t, nil, pe.Reason)
		})
	}
	t.Run("nil request", func(t *testing.T) {
		_, _, err := Provider{}.ParseWebhook(testAccount, nil)
		var pe *providers.ParseError
		if !errors.As(err, &pe) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestParseWebhookReplay(t *testing.T) {
	// A safe-mode push stored FAILED while the account had no key parses
	// once the key is set: the replay has the original query and body.
	req := webhookRequest(t, fixture(t, "text.xml"), wechattest.SafePush)
	if _, _, err := (Provider{}).ParseWebhook(testAccount, req); err == nil {
		t.Fatal("parsed without the key")
	}
	replay := &providers.WebhookRequest{Method: http.MethodPost, URL: &url.URL{RawQuery: req.URL.RawQuery}, Body: req.Body}
	events, _, err := Provider{}.ParseWebhook(safeAccount, replay)
	if err != nil || len(events) != 1 || events[0].Text != "this is a test" {
		t.Errorf("replay: %+v, %v", events, err)
	}
	// Without a query (a replay that lost it) the envelope is no message.
	if _, _, err := (Provider{}).ParseWebhook(safeAccount, &providers.WebhookRequest{Method: http.MethodPost, Body: req.Body}); err == nil {
		t.Error("an envelope without encrypt_type parsed")
	}
}
