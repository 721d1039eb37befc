package wechattest

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// call makes one request to the fake and decodes a JSON answer.
func call(t *testing.T, s *Server, method, target, contentType string, body []byte) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(b, &out)
	return resp, out
}

// token gets a stable token of the default account.
func token(t *testing.T, s *Server) (string, float64) {
	t.Helper()
	_, out := call(t, s, http.MethodPost, s.URL+"/cgi-bin/stable_token", "application/json",
		[]byte(`{"grant_type":"client_credential","appid":"`+AppID+`","secret":"`+AppSecret+`"}`))
	tok, _ := out["access_token"].(string)
	if tok == "" {
		t.Fatalf("no token: %v", out)
	}
	return tok, out["expires_in"].(float64)
}

// send posts a customer service message body.
func send(t *testing.T, s *Server, tok, body string) map[string]any {
	t.Helper()
	_, out := call(t, s, http.MethodPost, s.URL+"/cgi-bin/message/custom/send?access_token="+url.QueryEscape(tok), "application/json", []byte(body))
	return out
}

// errcode is an answer's errcode.
func errcode(out map[string]any) int {
	f, _ := out["errcode"].(float64)
	return int(f)
}

// text is a text message body as WeChat wants it: no \u escapes.
func text(to, content string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]any{"touser": to, "msgtype": "text", "text": map[string]string{"content": content}})
	return strings.TrimSpace(buf.String())
}

func TestTokens(t *testing.T) {
	s := New()
	defer s.Close()
	tok, ttl := token(t, s)
	if ttl != 7200 {
		t.Errorf("expires_in %v", ttl)
	}
	again, left := token(t, s)
	if again != tok || left > 7200 {
		t.Errorf("normal mode gave %s (%v s), want the same token", again, left)
	}
	s.Advance(6901 * time.Second) // into the last five minutes
	renewed, ttl := token(t, s)
	if renewed == tok || ttl != 7200 {
		t.Errorf("in the last five minutes: %s, %v s; want a new token", renewed, ttl)
	}
	if out := send(t, s, tok, text(OpenID, "old token still good")); errcode(out) != 45015 && errcode(out) != 0 {
		t.Errorf("the old token is refused before its expiry: %v", out)
	}
	s.Advance(300 * time.Second)
	if out := send(t, s, tok, text(OpenID, "x")); errcode(out) != 42001 {
		t.Errorf("expired token: %v", out)
	}
	tests := []struct {
		name, body string
		code       int
	}{
		{"bad JSON", `{`, 47001},
		{"grant type", `{"grant_type":"password","appid":"` + AppID + `","secret":"` + AppSecret + `"}`, 40002},
		{"no appid", `{"grant_type":"client_credential","secret":"x"}`, 41002},
		{"no secret", `{"grant_type":"client_credential","appid":"` + AppID + `"}`, 41004},
		{"unknown appid", `{"grant_type":"client_credential","appid":"wx0","secret":"x"}`, 40013},
		{"wrong secret", `{"grant_type":"client_credential","appid":"` + AppID + `","secret":"x"}`, 40125},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := call(t, s, http.MethodPost, s.URL+"/cgi-bin/stable_token", "application/json", []byte(tt.body))
			if resp.StatusCode != 200 || errcode(out) != tt.code || !strings.Contains(out["errmsg"].(string), " rid: ") {
				t.Errorf("%d %v, want errcode %d with a rid", resp.StatusCode, out, tt.code)
			}
		})
	}
}

func TestLegacyToken(t *testing.T) {
	s := New()
	defer s.Close()
	get := func() string {
		_, out := call(t, s, http.MethodGet, s.URL+"/cgi-bin/token?grant_type=client_credential&appid="+AppID+"&secret="+AppSecret, "", nil)
		return out["access_token"].(string)
	}
	first := get()
	second := get()
	if first == second {
		t.Fatal("every call issues a new token")
	}
	if out := send(t, s, first, text(OpenID, "hi")); errcode(out) != 0 {
		t.Errorf("the previous token within five minutes: %v", out)
	}
	s.Advance(301 * time.Second)
	if out := send(t, s, first, text(OpenID, "hi")); errcode(out) != 42001 {
		t.Errorf("the previous token after five minutes: %v", out)
	}
	if out := send(t, s, second, text(OpenID, "hi")); errcode(out) != 0 {
		t.Errorf("the current token: %v", out)
	}
	_, out := call(t, s, http.MethodGet, s.URL+"/cgi-bin/token?grant_type=client_credential&appid="+AppID+"&secret=nope", "", nil)
	if errcode(out) != 40001 {
		t.Errorf("wrong secret: %v", out)
	}
	if s.TokenRequests() != 3 {
		t.Errorf("%d token requests", s.TokenRequests())
	}
}

func TestCustomSendChecks(t *testing.T) {
	s := New()
	defer s.Close()
	tok, _ := token(t, s)
	s.AddUser(User{OpenID: "oGone", Unsubscribed: true, LastInteraction: s.Now()})
	s.AddUser(User{OpenID: "oQuiet", LastInteraction: s.Now().Add(-49 * time.Hour)})
	tests := []struct {
		name string
		tok  string
		body string
		code int
	}{
		{"ok", tok, text(OpenID, "<b>hi</b> & bye"), 0},
		{"no token", "", text(OpenID, "hi"), 41001},
		{"unknown token", "86_nope", text(OpenID, "hi"), 40001},
		{"not JSON", tok, `touser=x`, 47001},
		{"\\u escape", tok, `{"touser":"` + OpenID + `","msgtype":"text","text":{"content":"\u003cb\u003e"}}`, 40033},
		{"escaped backslash is fine", tok, `{"touser":"` + OpenID + `","msgtype":"text","text":{"content":"C:\\users"}}`, 0},
		{"unknown user", tok, text("oNobody", "hi"), 40003},
		{"unfollowed", tok, text("oGone", "hi"), 45015},
		{"out of the window", tok, text("oQuiet", "hi"), 45015},
		{"empty", tok, text(OpenID, ""), 44004},
		{"2048 bytes", tok, text(OpenID, strings.Repeat("a", 2048)), 0},
		{"2049 bytes", tok, text(OpenID, strings.Repeat("a", 2049)), 45002},
		{"unknown type", tok, `{"touser":"` + OpenID + `","msgtype":"sticker"}`, 40008},
		{"image without media", tok, `{"touser":"` + OpenID + `","msgtype":"image","image":{}}`, 40007},
		{"image with unknown media", tok, `{"touser":"` + OpenID + `","msgtype":"image","image":{"media_id":"x"}}`, 40007},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if out := send(t, s, tt.tok, tt.body); errcode(out) != tt.code {
				t.Errorf("answer %v, want errcode %d", out, tt.code)
			}
		})
	}
	if got := s.Texts(OpenID); len(got) != 3 || got[0] != "<b>hi</b> & bye" {
		t.Errorf("texts %q", got)
	}
	resp, out := call(t, s, http.MethodGet, s.URL+"/cgi-bin/message/custom/send?access_token="+tok, "", nil)
	if resp.StatusCode != 200 || errcode(out) != 43002 {
		t.Errorf("GET: %d %v", resp.StatusCode, out)
	}
	if resp, _ := call(t, s, http.MethodGet, s.URL+"/cgi-bin/nothing", "", nil); resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
}

// upload posts a file as temporary media.
func upload(t *testing.T, s *Server, tok, typ, name string, data []byte) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("media", name)
	fw.Write(data)
	w.Close()
	_, out := call(t, s, http.MethodPost, s.InternationalURL+"/cgi-bin/media/upload?type="+typ+"&access_token="+tok, w.FormDataContentType(), buf.Bytes())
	return out
}

func TestMedia(t *testing.T) {
	s := New()
	defer s.Close()
	tok, _ := token(t, s)
	tests := []struct {
		name, typ, file string
		size            int
		code            int
	}{
		{"image", "image", "a.jpg", 10, 0},
		{"voice", "voice", "a.amr", 10, 0},
		{"video", "video", "a.mp4", 10, 0},
		{"wrong type", "file", "a.pdf", 10, 40004},
		{"extension of another type", "image", "a.mp3", 10, 40005},
		{"no extension", "voice", "voice", 10, 40005},
		{"empty", "image", "a.png", 0, 44001},
		{"voice over 2 MB", "voice", "a.mp3", 2<<20 + 1, 40010},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := upload(t, s, tok, tt.typ, tt.file, bytes.Repeat([]byte{7}, tt.size))
			if errcode(out) != tt.code {
				t.Fatalf("answer %v, want errcode %d", out, tt.code)
			}
			if tt.code == 0 {
				if out["type"] != tt.typ || out["media_id"] == "" || out["created_at"] == nil {
					t.Errorf("answer %v", out)
				}
				ids[tt.typ] = out["media_id"].(string)
			}
		})
	}
	resp, err := s.Client().Get(s.URL + "/cgi-bin/media/get?access_token=" + tok + "&media_id=" + url.QueryEscape(ids["image"]))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(b, bytes.Repeat([]byte{7}, 10)) || !strings.Contains(resp.Header.Get("Content-Disposition"), `filename=a.jpg`) {
		t.Errorf("media/get: %q %v", b, resp.Header)
	}
	_, out := call(t, s, http.MethodGet, s.InternationalURL+"/cgi-bin/media/get?access_token="+tok+"&media_id="+url.QueryEscape(ids["video"]), "", nil)
	videoURL, _ := out["video_url"].(string)
	if !strings.HasPrefix(videoURL, s.InternationalURL+"/video/") {
		t.Fatalf("video answer %v", out)
	}
	if resp, _ := call(t, s, http.MethodGet, videoURL, "", nil); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Errorf("video download %d %v", resp.StatusCode, resp.Header)
	}
	if out := send(t, s, tok, `{"touser":"`+OpenID+`","msgtype":"voice","voice":{"media_id":"`+ids["image"]+`"}}`); errcode(out) != 40007 {
		t.Errorf("an image sent as voice: %v", out)
	}
	if out := send(t, s, tok, `{"touser":"`+OpenID+`","msgtype":"image","image":{"media_id":"`+ids["image"]+`"}}`); errcode(out) != 0 {
		t.Errorf("image: %v", out)
	}
	if m := s.Messages(); len(m) != 1 || m[0].Media == nil || m[0].Media.FileName != "a.jpg" {
		t.Errorf("messages %+v", m)
	}
	s.RemoveMedia(ids["image"])
	if _, out := call(t, s, http.MethodGet, s.URL+"/cgi-bin/media/get?access_token="+tok+"&media_id="+url.QueryEscape(ids["image"]), "", nil); errcode(out) != 40007 {
		t.Errorf("removed media: %v", out)
	}
	hosts := map[string]int{}
	for _, r := range s.Requests() {
		hosts[r.Host]++
	}
	if hosts[HostChina] == 0 || hosts[HostInternational] == 0 {
		t.Errorf("hosts %v", hosts)
	}
}

func TestUserInfo(t *testing.T) {
	s := New()
	defer s.Close()
	tok, _ := token(t, s)
	s.AddUser(User{OpenID: "oGone", Unsubscribed: true, UnionID: "u1"})
	for _, tt := range []struct {
		openid string
		check  func(map[string]any) bool
	}{
		{OpenID, func(o map[string]any) bool {
			return o["subscribe"] == float64(1) && o["nickname"] == "" && o["headimgurl"] == ""
		}},
		{"oGone", func(o map[string]any) bool {
			return o["subscribe"] == float64(0) && o["unionid"] == "u1" && o["nickname"] == nil
		}},
		{"oNobody", func(o map[string]any) bool { return errcode(o) == 40003 }},
		{"", func(o map[string]any) bool { return errcode(o) == 41009 }},
	} {
		_, out := call(t, s, http.MethodGet, s.URL+"/cgi-bin/user/info?lang=en&access_token="+tok+"&openid="+tt.openid, "", nil)
		if !tt.check(out) {
			t.Errorf("%s: %v", tt.openid, out)
		}
	}
}

func TestFaults(t *testing.T) {
	s := New()
	defer s.Close()
	tok, _ := token(t, s)
	s.FailNext(EndpointCustomSend, Pass, SystemBusy, Fault{Errcode: 45015, Errmsg: "response out of time limit or subscription is canceled", Accept: true})
	codes := []int{}
	for i := 0; i < 4; i++ {
		codes = append(codes, errcode(send(t, s, tok, text(OpenID, "m"))))
	}
	if want := []int{0, -1, 45015, 0}; !equal(codes, want) {
		t.Errorf("errcodes %v, want %v", codes, want)
	}
	if n := len(s.Messages()); n != 3 {
		t.Errorf("%d messages: the accepted fault's message counts", n)
	}
	s.SetFailing(EndpointAPIDomainIP, BadGateway)
	if resp, _ := call(t, s, http.MethodGet, s.URL+"/cgi-bin/get_api_domain_ip?access_token="+tok, "", nil); resp.StatusCode != 502 {
		t.Errorf("status %d", resp.StatusCode)
	}
	s.ClearFailing(EndpointAPIDomainIP)
	if _, out := call(t, s, http.MethodGet, s.URL+"/cgi-bin/get_api_domain_ip?access_token="+tok, "", nil); len(out["ip_list"].([]any)) == 0 {
		t.Errorf("answer %v", out)
	}
	s.FailNext(EndpointUserInfo, Dropped)
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // no transparent retry on a reused connection
	if _, err := fresh.Get(s.URL + "/cgi-bin/user/info?access_token=" + tok + "&openid=" + OpenID); err == nil {
		t.Error("a dropped connection answered")
	}
	s.DisableStableToken()
	if resp, _ := call(t, s, http.MethodPost, s.URL+"/cgi-bin/stable_token", "application/json", []byte(`{}`)); resp.StatusCode != 404 {
		t.Errorf("stable_token disabled: %d", resp.StatusCode)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// open decrypts an Encrypt element independently of Encrypt's code path.
func open(t *testing.T, aesKey, enc string) (msg []byte, appID string) {
	t.Helper()
	key, _ := base64.StdEncoding.DecodeString(aesKey + "=")
	ct, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(ct)%32 != 0 {
		t.Fatalf("ciphertext of %d bytes (%v): not 32-byte blocks", len(ct), err)
	}
	block, _ := aes.NewCipher(key)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(pt, ct)
	pt = pt[:len(pt)-int(pt[len(pt)-1])]
	n := binary.BigEndian.Uint32(pt[16:20])
	return pt[20 : 20+n], string(pt[20+n:])
}

func TestSignedWebhook(t *testing.T) {
	at := time.Unix(1709632800, 0)
	msg := TextXML(OriginalID, OpenID, at, 42, "hi ]]> there")
	q, body, err := SignedWebhook(DefaultPush, msg, at)
	if err != nil || !bytes.Equal(body, msg) || q.Get("signature") != Sign(ServerToken, "1709632800", q.Get("nonce")) || q.Get("openid") != OpenID || q.Has("encrypt_type") {
		t.Fatalf("plaintext: %v %s %v", q, body, err)
	}
	var parsed struct {
		Content string `xml:"Content"`
	}
	if err := xml.Unmarshal(msg, &parsed); err != nil || parsed.Content != "hi ]]> there" {
		t.Errorf("CDATA split: %q, %v", parsed.Content, err)
	}
	for _, compatible := range []bool{false, true} {
		p := SafePush
		p.Compatible = compatible
		q, body, err := SignedWebhook(p, msg, at)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			ToUserName string `xml:"ToUserName"`
			Content    string `xml:"Content"`
			Encrypt    string `xml:"Encrypt"`
		}
		if err := xml.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		if q.Get("encrypt_type") != "aes" || q.Get("msg_signature") != Sign(ServerToken, q.Get("timestamp"), q.Get("nonce"), env.Encrypt) || env.ToUserName != OriginalID {
			t.Errorf("compatible %v: query %v, envelope %+v", compatible, q, env)
		}
		if (env.Content != "") != compatible {
			t.Errorf("compatible %v: plaintext content %q", compatible, env.Content)
		}
		plain, appID := open(t, AESKey, env.Encrypt)
		if !bytes.Equal(plain, msg) || appID != AppID {
			t.Errorf("decrypted %q for %s", plain, appID)
		}
	}
	if _, err := Encrypt("short", AppID, msg); err == nil {
		t.Error("a short key encrypted")
	}
}

func TestDeliverAndHandshake(t *testing.T) {
	s := New()
	defer s.Close()
	var got []*http.Request
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
		io.WriteString(w, r.URL.Query().Get("echostr"))
	}))
	defer srv.Close()
	s.AddUser(User{OpenID: "oNew"})
	resp, err := s.Deliver(context.Background(), srv.Client(), srv.URL+"/hook?x=1", SafePush, TextXML(OriginalID, "oNew", s.Now(), 1, "hi"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("deliver: %v", err)
	}
	resp.Body.Close()
	if u := s.users[AppID+"/oNew"]; u.LastInteraction.IsZero() {
		t.Error("delivering did not open the reply window")
	}
	req, _ := NewHandshakeRequest(context.Background(), srv.URL, ServerToken, "12345", s.Now())
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "12345" {
		t.Errorf("echo %q", b)
	}
	if len(got) != 2 || got[0].Method != http.MethodPost || got[0].URL.Query().Get("x") != "1" || got[0].Header.Get("Content-Type") != "text/xml" || got[1].Method != http.MethodGet {
		t.Errorf("requests %+v", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := New()
	defer s.Close()
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, _ := token(t, s)
			send(t, s, tok, text(OpenID, "hi"))
			s.Interact(OpenID)
			s.Requests()
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if msgs, err := s.WaitMessages(ctx, 16); err != nil || len(msgs) != 16 {
		t.Errorf("%d messages, %v", len(msgs), err)
	}
}
