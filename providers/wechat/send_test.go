package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/wechat/wechattest"
)

func TestSendText(t *testing.T) {
	fake, p, env := newFake(t)
	res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: wechattest.OpenID, Text: "Hello, world", ID: "42"})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !reflect.DeepEqual(res.MessageIDs, []string{"sb:42:0"}) {
		t.Errorf("MessageIDs %v", res.MessageIDs)
	}
	msgs := fake.Messages()
	if len(msgs) != 1 || msgs[0].ToUser != wechattest.OpenID || msgs[0].MsgType != "text" || msgs[0].Text != "Hello, world" {
		t.Fatalf("messages %+v", msgs)
	}
	if string(msgs[0].Raw) != `{"touser":"`+wechattest.OpenID+`","msgtype":"text","text":{"content":"Hello, world"}}` {
		t.Errorf("body %s", msgs[0].Raw)
	}
	sends := requestsTo(fake, customSendPath)
	if len(sends) != 1 || sends[0].Host != wechattest.HostChina || sends[0].Method != http.MethodPost || sends[0].Query.Get("access_token") == "" {
		t.Errorf("requests %+v", sends)
	}
}

func TestSendInternational(t *testing.T) {
	fake, p, env := newFake(t)
	if _, err := p.Send(context.Background(), env, intlAccount, providers.OutboundMessage{To: wechattest.OpenID, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range fake.Requests() {
		if r.Host != wechattest.HostInternational {
			t.Errorf("%s %s went to %s", r.Method, r.Path, r.Host)
		}
	}
	if _, err := p.Send(context.Background(), env, withSetting(testAccount, "wechatType", "MARS"), providers.OutboundMessage{To: wechattest.OpenID, Text: "hi"}); err == nil {
		t.Error("an unknown wechatType sent")
	}
}

func TestSendSplitsLongText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		parts int
	}{
		{"exactly 2048 bytes", strings.Repeat("a", 2048), 1},
		{"2049 bytes", strings.Repeat("a", 2049), 2},
		{"Chinese counts 3 bytes a character", strings.Repeat("汉", 683), 2}, // 2049 bytes
		{"emoji count 4", strings.Repeat("🙂", 1100), 3},
		{"words", strings.Repeat("hello world ", 500), 3},
		{"lines", strings.Repeat(strings.Repeat("x", 99)+"\n", 50), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: wechattest.OpenID, Text: tt.text, ID: "7"})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			texts := fake.Texts(wechattest.OpenID)
			if len(texts) != tt.parts || len(res.MessageIDs) != tt.parts {
				t.Fatalf("%d texts, IDs %v; want %d", len(texts), res.MessageIDs, tt.parts)
			}
			for i, s := range texts {
				if len(s) > maxTextBytes || !utf8.ValidString(s) || s == "" {
					t.Errorf("part %d: %d bytes, valid %v", i, len(s), utf8.ValidString(s))
				}
				if res.MessageIDs[i] != "sb:7:"+string(rune('0'+i)) {
					t.Errorf("ID %d = %s", i, res.MessageIDs[i])
				}
			}
			if strip(strings.Join(texts, "")) != strip(tt.text) {
				t.Error("parts do not add up to the text")
			}
		})
	}
}

func strip(s string) string { return strings.Join(strings.Fields(s), "") }

func TestSendTextWeChatCanRead(t *testing.T) {
	fake, p, env := newFake(t)
	text := "<b>Tom & Jerry</b>\u2028next\u2029para\r\nwindows\x00nul\x1besc\ttab \xff bad"
	if _, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: wechattest.OpenID, Text: text}); err != nil {
		t.Fatalf("Send: %v (WeChat refuses \\u escapes with 40033)", err)
	}
	got := fake.Texts(wechattest.OpenID)
	want := "<b>Tom & Jerry</b>\nnext\npara\nwindowsnulesc\ttab \uFFFD bad"
	if len(got) != 1 || got[0] != want {
		t.Errorf("texts %q, want %q", got, want)
	}
	if bytes.Contains(fake.Messages()[0].Raw, []byte(`\u`)) {
		t.Errorf("body has a \\u escape: %s", fake.Messages()[0].Raw)
	}
}

func TestSendIDWithoutMessageID(t *testing.T) {
	_, p, env := newFake(t)
	a, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: wechattest.OpenID, Text: "one"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: wechattest.OpenID, Text: "one"})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.MessageIDs) != 1 || len(b.MessageIDs) != 1 || a.MessageIDs[0] == b.MessageIDs[0] || !strings.HasPrefix(a.MessageIDs[0], "sb:x") {
		t.Errorf("IDs %v and %v: want distinct synthetic IDs", a.MessageIDs, b.MessageIDs)
	}
}

// pngImage is a small PNG.
func pngImage(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fileServer serves files by path with their types. A file without data
// whose type ends in "+huge" declares 11 MB and sends nothing.
func fileServer(t testing.TB, files map[string]struct {
	ct   string
	data []byte
}) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if ct, huge := strings.CutSuffix(f.ct, "+huge"); huge {
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Content-Length", strconv.Itoa(11<<20))
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Content-Type", f.ct)
		w.Write(f.data)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSendMedia(t *testing.T) {
	pngData := pngImage(t)
	amr := append([]byte("#!AMR\n"), bytes.Repeat([]byte{0x3c, 0x55}, 100)...)
	mp4 := append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2'}, bytes.Repeat([]byte{1}, 200)...)
	files := fileServer(t, map[string]struct {
		ct   string
		data []byte
	}{
		"/cat.png":   {"image/png", pngData},
		"/cat.webp":  {"image/webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 ")},
		"/clip.mp4":  {"video/mp4", mp4},
		"/big.png":   {"image/png+huge", nil},
		"/voice.bin": {"application/octet-stream", amr},
	})
	type sent struct{ msgType, text, uploadName, uploadType string }
	tests := []struct {
		name string
		atts []providers.OutboundAttachment
		want []sent
	}{
		{"image bytes", []providers.OutboundAttachment{{Type: providers.AttachmentImage, Data: pngData, FileName: "收据 receipt.png"}},
			[]sent{{"image", "", "receipt.png", "image"}}},
		{"image URL", []providers.OutboundAttachment{{Type: providers.AttachmentImage, URL: files.URL + "/cat.png"}},
			[]sent{{"image", "", "image.png", "image"}}},
		{"voice by its content", []providers.OutboundAttachment{{Type: providers.AttachmentVoice, URL: files.URL + "/voice.bin", FileName: "memo"}},
			[]sent{{"voice", "", "memo.amr", "voice"}}},
		{"video", []providers.OutboundAttachment{{Type: providers.AttachmentVideo, URL: files.URL + "/clip.mp4", FileName: "clip.mp4"}},
			[]sent{{"video", "", "clip.mp4", "video"}}},
		{"a file goes as its link", []providers.OutboundAttachment{{Type: providers.AttachmentFile, URL: "https://cdn.example.com/invoice.pdf", FileName: "invoice.pdf"}},
			[]sent{{"text", "invoice.pdf\nhttps://cdn.example.com/invoice.pdf", "", ""}}},
		{"WebP, which WeChat does not take, as its link", []providers.OutboundAttachment{{Type: providers.AttachmentImage, URL: files.URL + "/cat.webp"}},
			[]sent{{"text", files.URL + "/cat.webp", "", ""}}},
		{"an image over 10 MB as its link", []providers.OutboundAttachment{{Type: providers.AttachmentImage, URL: files.URL + "/big.png"}},
			[]sent{{"text", files.URL + "/big.png", "", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			env.HTTP = &http.Client{Timeout: 10 * time.Second}
			res, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: wechattest.OpenID, Text: "see", Attachments: tt.atts, ID: "m1"})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := fake.Messages()
			if len(msgs) != len(tt.want)+1 || msgs[0].Text != "see" || len(res.MessageIDs) != len(msgs) {
				t.Fatalf("messages %+v, IDs %v", msgs, res.MessageIDs)
			}
			for i, w := range tt.want {
				m := msgs[i+1]
				var gotUpload, gotType string
				if m.Media != nil {
					gotUpload, gotType = m.Media.FileName, m.Media.Type
				}
				got := sent{m.MsgType, m.Text, gotUpload, gotType}
				if got != w {
					t.Errorf("message %d = %+v, want %+v", i+1, got, w)
				}
			}
		})
	}
}

func TestSendMediaRefusals(t *testing.T) {
	tests := []struct {
		name   string
		att    providers.OutboundAttachment
		reason string
	}{
		{"file bytes without a URL", providers.OutboundAttachment{Type: providers.AttachmentFile, Data: []byte("%PDF-1.4")}, "cannot send files"},
		{"WebP bytes", providers.OutboundAttachment{Type: providers.AttachmentImage, Data: []byte("RIFF\x00\x00\x00\x00WEBPVP8 ")}, "does not take image of type image/webp"},
		{"voice over 2 MB", providers.OutboundAttachment{Type: providers.AttachmentVoice, Data: append([]byte("#!AMR\n"), make([]byte, 2<<20)...)}, "larger than WeChat takes"},
		{"neither URL nor data", providers.OutboundAttachment{Type: providers.AttachmentImage}, "neither a URL nor data"},
		{"a URL that is not http", providers.OutboundAttachment{Type: providers.AttachmentImage, URL: "file:///etc/passwd"}, "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: wechattest.OpenID, Attachments: []providers.OutboundAttachment{tt.att}})
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Fatalf("err = %v, want a permanent failure about %q", err, tt.reason)
			}
			if n := len(fake.Messages()); n != 0 {
				t.Errorf("%d messages sent", n)
			}
		})
	}
	t.Run("WeChat refuses the upload: the link goes instead", func(t *testing.T) {
		fake, p, env := newFake(t)
		files := fileServer(t, map[string]struct {
			ct   string
			data []byte
		}{"/a.png": {"image/png", pngImage(t)}})
		env.HTTP = &http.Client{}
		fake.FailNext(wechattest.EndpointMediaUpload, wechattest.Fault{Errcode: 40009, Errmsg: "invalid image size"})
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: wechattest.OpenID,
			Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentImage, URL: files.URL + "/a.png", FileName: "a.png"}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := fake.Texts(wechattest.OpenID); len(got) != 1 || got[0] != "a.png\n"+files.URL+"/a.png" {
			t.Errorf("texts %q", got)
		}
	})
	t.Run("the file's server fails: retryable", func(t *testing.T) {
		_, p, env := newFake(t)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
		defer srv.Close()
		env.HTTP = &http.Client{}
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: wechattest.OpenID,
			Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentImage, URL: srv.URL + "/a.png"}}})
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable || !strings.Contains(se.Reason, "503") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		fault      wechattest.Fault
		retryable  bool
		retryAfter time.Duration
		reason     string
	}{
		{"system busy", wechattest.SystemBusy, true, 0, "WeChat is busy"},
		{"per-minute quota", wechattest.MinuteQuota, true, time.Minute, "per-minute API quota"},
		{"daily quota", wechattest.DailyQuota, true, time.Hour, "daily API quota"},
		{"48-hour window", wechattest.ReplyWindowClosed, false, 0, "48 hours"},
		{"reply count", wechattest.ReplyLimit, false, 0, "limit of replies"},
		{"not authorized", wechattest.Unauthorized, false, 0, "not granted"},
		{"other refusal keeps errmsg", wechattest.Fault{Errcode: 40008, Errmsg: "invalid message type"}, false, 0, "invalid message type"},
		{"proxy 502", wechattest.BadGateway, true, 0, "HTTP 502"},
		{"5xx with WeChat's JSON", wechattest.Fault{Status: 503, Body: `{"errcode":-1,"errmsg":"system error"}`}, true, 0, "busy"},
		{"connection dropped", wechattest.Dropped, true, 0, ""},
		{"an answer that is not JSON", wechattest.Fault{Status: 200, Body: "<html>ok</html>"}, false, 0, "unexpected answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			fake.FailNext(wechattest.EndpointCustomSend, tt.fault)
			_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: wechattest.OpenID, Text: "hi"})
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) && tt.fault.Errcode != 0 && (!strings.Contains(se.Reason, tt.fault.Errmsg) || !strings.Contains(se.Reason, "errcode "+strconv.Itoa(tt.fault.Errcode))) {
				t.Errorf("reason %q lost WeChat's errmsg or errcode", se.Reason)
			}
			if se.Retryable != tt.retryable || se.RetryAfter != tt.retryAfter || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("retryable %v after %v, reason %q; want %v after %v, %q", se.Retryable, se.RetryAfter, se.Reason, tt.retryable, tt.retryAfter, tt.reason)
			}
			if !strings.HasPrefix(err.Error(), "send: ") || se.Err == nil {
				t.Errorf("error %q, cause %v", err, se.Err)
			}
			checkErrNoSecret(t, fake, err)
		})
	}
}

func TestSendRealRefusals(t *testing.T) {
	t.Run("out of the 48-hour window", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.Advance(49 * time.Hour)
		err := sendText(t, p, env, testAccount, "late")
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "48 hours") || !strings.Contains(se.Reason, "45015") {
			t.Errorf("err = %v", err)
		}
		fake.Interact(wechattest.OpenID) // the customer writes again
		if err := sendText(t, p, env, testAccount, "now"); err != nil {
			t.Errorf("after the customer wrote: %v", err)
		}
	})
	t.Run("unknown OpenID", func(t *testing.T) {
		_, p, env := newFake(t)
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: "oNobody", Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "40003") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("bad AppSecret", func(t *testing.T) {
		fake, p, env := newFake(t)
		err := sendText(t, p, env, withSecret(testAccount, "appSecret", "00000000000000000000000000000000"), "hi")
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "AppSecret") {
			t.Errorf("err = %v", err)
		}
		checkErrNoSecret(t, fake, err)
	})
	t.Run("IP not whitelisted", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.UpdateApp(wechattest.AppID, func(a *wechattest.App) { a.IPNotWhitelisted = true })
		err := sendText(t, p, env, testAccount, "hi")
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "whitelist") || !strings.Contains(se.Reason, "127.0.0.1") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("token endpoint busy: retryable", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.FailNext(wechattest.EndpointStableToken, wechattest.SystemBusy)
		err := sendText(t, p, env, testAccount, "hi")
		var se *providers.SendError
		if !errors.As(err, &se) || !se.Retryable {
			t.Errorf("err = %v", err)
		}
	})
}

// TestSendCredentials checks which refusals are about the account's AppID,
// AppSecret or access (its health turns failing, even for the fresh token
// WeChat refuses, which is still retried) and which about one customer: the
// fake's own answers, and WeChat's documented ones.
func TestSendCredentials(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(f *wechattest.Server) providers.Account
		retryable   bool
		credentials bool
	}{
		{"bad AppSecret", func(*wechattest.Server) providers.Account {
			return withSecret(testAccount, "appSecret", "00000000000000000000000000000000")
		}, false, true},
		{"unknown AppID", func(*wechattest.Server) providers.Account {
			return withSetting(testAccount, "appId", "wx0000000000000000")
		}, false, true},
		{"no AppSecret", func(*wechattest.Server) providers.Account { return withSecret(testAccount, "appSecret", "") }, false, true},
		{"IP not whitelisted", func(f *wechattest.Server) providers.Account {
			f.UpdateApp(wechattest.AppID, func(a *wechattest.App) { a.IPNotWhitelisted = true })
			return testAccount
		}, false, true},
		{"a fresh token refused again", func(f *wechattest.Server) providers.Account {
			f.SetFailing(wechattest.EndpointCustomSend, wechattest.Fault{Errcode: 40001, Errmsg: "invalid credential, access_token is invalid or not latest"})
			return testAccount
		}, true, true},
		{"API not granted", func(f *wechattest.Server) providers.Account {
			f.FailNext(wechattest.EndpointCustomSend, wechattest.Unauthorized)
			return testAccount
		}, false, true},
		{"out of the 48-hour window", func(f *wechattest.Server) providers.Account {
			f.Advance(49 * time.Hour)
			return testAccount
		}, false, false},
		{"reply count", func(f *wechattest.Server) providers.Account {
			f.FailNext(wechattest.EndpointCustomSend, wechattest.ReplyLimit)
			return testAccount
		}, false, false},
		{"token endpoint busy", func(f *wechattest.Server) providers.Account {
			f.FailNext(wechattest.EndpointStableToken, wechattest.SystemBusy)
			return testAccount
		}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			err := sendText(t, p, env, tt.setup(fake), "hi")
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Credentials != tt.credentials || se.Retryable != tt.retryable {
				t.Errorf("credentials %v retryable %v (%s), want credentials %v retryable %v", se.Credentials, se.Retryable, se.Reason, tt.credentials, tt.retryable)
			}
		})
	}
	t.Run("unknown OpenID", func(t *testing.T) {
		_, p, env := newFake(t)
		_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: "oNobody", Text: "hi"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Credentials || !strings.Contains(se.Reason, "40003") {
			t.Errorf("err = %#v, want a refusal about the customer", err)
		}
	})
}

func TestSendRefusesWhatCannotGo(t *testing.T) {
	tests := []struct {
		name   string
		acct   providers.Account
		msg    providers.OutboundMessage
		reason string
	}{
		{"no AppSecret", withSecret(testAccount, "appSecret", ""), providers.OutboundMessage{To: wechattest.OpenID, Text: "hi"}, "no AppID or AppSecret"},
		{"no AppID", withSetting(testAccount, "appId", ""), providers.OutboundMessage{To: wechattest.OpenID, Text: "hi"}, "no AppID or AppSecret"},
		{"no recipient", testAccount, providers.OutboundMessage{Text: "hi"}, "no recipient"},
		{"blank", testAccount, providers.OutboundMessage{To: wechattest.OpenID, Text: " \n\t"}, "nothing to send"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			_, err := p.Send(context.Background(), env, tt.acct, tt.msg)
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("err = %v, want a permanent failure about %q", err, tt.reason)
			}
			if n := len(fake.Requests()); n != 0 {
				t.Errorf("%d requests made", n)
			}
		})
	}
}

func TestSendResumesAfterPartialFailure(t *testing.T) {
	fake, p, env := newFake(t)
	text := strings.Repeat("a", 2000) + "\n" + strings.Repeat("b", 2000) + "\n" + strings.Repeat("c", 2000)
	msg := providers.OutboundMessage{To: wechattest.OpenID, Text: text, ID: "99"}
	fake.FailNext(wechattest.EndpointCustomSend, wechattest.Pass, wechattest.SystemBusy)
	_, err := p.Send(context.Background(), env, testAccount, msg)
	var se *providers.SendError
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("err = %v, want retryable", err)
	}
	if got := fake.Texts(wechattest.OpenID); len(got) != 1 {
		t.Fatalf("after the failure: %d texts", len(got))
	}
	res, err := p.Send(context.Background(), env, testAccount, msg)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	got := fake.Texts(wechattest.OpenID)
	if len(got) != 3 || got[0][0] != 'a' || got[1][0] != 'b' || got[2][0] != 'c' {
		t.Errorf("texts start %q: want each part once, in order", firstBytes(got))
	}
	if !reflect.DeepEqual(res.MessageIDs, []string{"sb:99:0", "sb:99:1", "sb:99:2"}) {
		t.Errorf("IDs %v", res.MessageIDs)
	}
	// Sent in full, the reply is forgotten: sending it again (an agent's
	// explicit resend) delivers it again.
	if _, err := p.Send(context.Background(), env, testAccount, msg); err != nil || len(fake.Texts(wechattest.OpenID)) != 6 {
		t.Errorf("resend: %v, %d texts", err, len(fake.Texts(wechattest.OpenID)))
	}
	// Other content under the same ID is not skipped.
	fake.FailNext(wechattest.EndpointCustomSend, wechattest.Pass, wechattest.SystemBusy)
	p.Send(context.Background(), env, testAccount, msg)
	changed := msg
	changed.Text = "x" + text[1:]
	before := len(fake.Texts(wechattest.OpenID))
	if _, err := p.Send(context.Background(), env, testAccount, changed); err != nil || len(fake.Texts(wechattest.OpenID))-before != 3 {
		t.Errorf("changed content: %v, %d texts", err, len(fake.Texts(wechattest.OpenID))-before)
	}
}

func firstBytes(ss []string) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s[:1])
	}
	return out
}

func TestSendWireFormat(t *testing.T) {
	fake, p, env := newFake(t)
	_, err := p.Send(context.Background(), env, testAccount, providers.OutboundMessage{To: wechattest.OpenID,
		Attachments: []providers.OutboundAttachment{{Type: providers.AttachmentImage, Data: pngImage(t), FileName: "x.png"}}})
	if err != nil {
		t.Fatal(err)
	}
	up := requestsTo(fake, uploadPath)
	if len(up) != 1 || up[0].Query.Get("type") != "image" || !strings.HasPrefix(up[0].Header.Get("Content-Type"), "multipart/form-data; boundary=") {
		t.Fatalf("upload %+v", up)
	}
	if !bytes.Contains(up[0].Body, []byte(`name="media"; filename="x.png"; filelength=`)) {
		t.Errorf("upload part header: %.200s", up[0].Body)
	}
	msgs := fake.Messages()
	var body map[string]any
	json.Unmarshal(msgs[0].Raw, &body)
	if body["msgtype"] != "image" || body["image"].(map[string]any)["media_id"] != fake.Uploads()[0].ID {
		t.Errorf("image message %s", msgs[0].Raw)
	}
}
