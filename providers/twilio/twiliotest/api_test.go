package twiliotest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSignPublishedExample checks the signer against the worked example of
// Twilio's security documentation (and of its SDKs' tests): auth token 12345,
// URL https://mycompany.com/myapp.php?foo=1&bar=2 and five POST parameters.
func TestSignPublishedExample(t *testing.T) {
	const exampleURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
	tests := []struct {
		name   string
		caller string
		want   string
	}{
		{"current docs", "+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"older docs", "+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {tt.caller}, "Digits": {"1234"},
				"From": {tt.caller}, "To": {"+18005551212"}}
			if got := Sign("12345", exampleURL, form); got != tt.want {
				t.Errorf("Sign = %s, want %s", got, tt.want)
			}
		})
	}
	// The JSON variant: the URL carries the body's hash and is signed alone
	// (twilio-go's request validator test).
	body := []byte(`{"property": "value", "boolean": true}`)
	if h := BodySHA256(body); h != "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620" {
		t.Errorf("BodySHA256 = %s", h)
	}
	if got := Sign("12345", exampleURL+"&bodySHA256="+BodySHA256(body), nil); got != "a9nBmqA0ju/hNViExpshrM61xv4=" {
		t.Errorf("JSON signature = %s", got)
	}
}

// call makes one request to the fake with Basic auth (user "" for none) and
// decodes the JSON answer.
func call(t *testing.T, s *Server, method, path, user, pass string, form url.Values) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("answer %q: %v", b, err)
		}
	}
	return resp.StatusCode, out
}

func code(out map[string]any) int {
	c, _ := out["code"].(float64)
	return int(c)
}

const messagesPath = "/2010-04-01/Accounts/" + DefaultAccountSID + "/Messages.json"

func sendForm(to, body string) url.Values {
	return url.Values{"From": {"whatsapp:" + SandboxNumber}, "To": {"whatsapp:" + to}, "Body": {body}}
}

func TestAuthentication(t *testing.T) {
	s := NewServer("", "")
	defer s.Close()
	other := "AC" + strings.Repeat("0", 32)
	tests := []struct {
		name, path, user, pass string
	}{
		{"no credentials", messagesPath, "", ""},
		{"wrong token", messagesPath, DefaultAccountSID, "wrong"},
		{"wrong user", messagesPath, other, DefaultAuthToken},
		{"another account's path", "/2010-04-01/Accounts/" + other + "/Messages.json", DefaultAccountSID, DefaultAuthToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, out := call(t, s, http.MethodPost, tt.path, tt.user, tt.pass, sendForm("+14155551234", "hi"))
			if st != 401 || code(out) != 20003 || out["message"] != "Authenticate" || out["more_info"] != "https://www.twilio.com/docs/errors/20003" || out["status"] != 401.0 {
				t.Errorf("got %d %v", st, out)
			}
		})
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages accepted without credentials", n)
	}
	if st, out := call(t, s, http.MethodGet, "/2010-04-01/Nope.json", DefaultAccountSID, DefaultAuthToken, nil); st != 404 || code(out) != 20404 {
		t.Errorf("unknown path: %d %v", st, out)
	}
}

func TestCreateMessage(t *testing.T) {
	s := NewServer("", "")
	defer s.Close()
	f := sendForm("+14155551234", "Hello <there> & 🙂")
	f.Set("StatusCallback", "https://sb.example/webhooks/a1")
	st, out := call(t, s, http.MethodPost, messagesPath, DefaultAccountSID, DefaultAuthToken, f)
	if st != 201 || out["sid"] != NewSID("SM", 1) || out["status"] != "queued" || out["to"] != "whatsapp:+14155551234" ||
		out["from"] != "whatsapp:"+SandboxNumber || out["body"] != "Hello <there> & 🙂" || out["direction"] != "outbound-api" ||
		out["uri"] != "/2010-04-01/Accounts/"+DefaultAccountSID+"/Messages/"+NewSID("SM", 1)+".json" {
		t.Fatalf("got %d %v", st, out)
	}
	m := s.Messages()
	if len(m) != 1 || m[0].StatusCallback != "https://sb.example/webhooks/a1" || m[0].Status != "queued" || m[0].ErrorCode != 0 {
		t.Errorf("messages %+v", m)
	}
	f = url.Values{"From": {"whatsapp:" + SandboxNumber}, "To": {"whatsapp:+14155551234"}, "MediaUrl": {"https://files.example/a.jpg"}}
	if st, out := call(t, s, http.MethodPost, messagesPath, DefaultAccountSID, DefaultAuthToken, f); st != 201 || out["sid"] != NewSID("MM", 2) || out["num_media"] != "1" {
		t.Errorf("media: %d %v", st, out)
	}
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[0].Endpoint != EndpointMessages || !reqs[0].Authorized || reqs[0].User != DefaultAccountSID ||
		reqs[0].HTTPStatus != 201 || reqs[0].Form.Get("Body") != "Hello <there> & 🙂" {
		t.Errorf("requests %+v", reqs)
	}
}

func TestCreateMessageRefusals(t *testing.T) {
	long := strings.Repeat("a", MaxBodyLen-1) + "🙂"
	tests := []struct {
		name   string
		form   url.Values
		status int
		code   int
	}{
		{"no To", url.Values{"From": {"whatsapp:" + SandboxNumber}, "Body": {"x"}}, 400, 21604},
		{"no From", url.Values{"To": {"whatsapp:+14155551234"}, "Body": {"x"}}, 400, 21603},
		{"no Body or media", url.Values{"From": {"whatsapp:" + SandboxNumber}, "To": {"whatsapp:+14155551234"}}, 400, 21602},
		{"body over 1600", sendForm("+14155551234", long), 400, 21617},
		{"SMS From", url.Values{"From": {SandboxNumber}, "To": {"whatsapp:+14155551234"}, "Body": {"x"}}, 400, 21606},
		{"SMS To", url.Values{"From": {"whatsapp:" + SandboxNumber}, "To": {"+14155551234"}, "Body": {"x"}}, 400, 21910},
		{"not a sender", url.Values{"From": {"whatsapp:+15550001111"}, "To": {"whatsapp:+14155551234"}, "Body": {"x"}}, 400, 63007},
		{"invalid To", sendForm("+12", "x"), 400, 21211},
		{"two media", url.Values{"From": {"whatsapp:" + SandboxNumber}, "To": {"whatsapp:+14155551234"},
			"MediaUrl": {"https://f.example/1.jpg", "https://f.example/2.jpg"}}, 400, 21623},
		{"relative media", url.Values{"From": {"whatsapp:" + SandboxNumber}, "To": {"whatsapp:+14155551234"}, "MediaUrl": {"/a.jpg"}}, 400, 21620},
		{"bad callback", url.Values{"From": {"whatsapp:" + SandboxNumber}, "To": {"whatsapp:+14155551234"}, "Body": {"x"},
			"StatusCallback": {"callback"}}, 400, 21609},
	}
	s := NewServer("", "")
	defer s.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, out := call(t, s, http.MethodPost, messagesPath, DefaultAccountSID, DefaultAuthToken, tt.form)
			if st != tt.status || code(out) != tt.code || out["message"] == "" {
				t.Errorf("got %d %v, want %d code %d", st, out, tt.status, tt.code)
			}
		})
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d refused messages recorded", n)
	}
	// Exactly 1600 UTF-16 units pass.
	if st, out := call(t, s, http.MethodPost, messagesPath, DefaultAccountSID, DefaultAuthToken, sendForm("+14155551234", strings.Repeat("a", 1598)+"🙂")); st != 201 {
		t.Errorf("1600 units: %d %v", st, out)
	}
}

func TestInjectedReplies(t *testing.T) {
	s := NewServer("", "")
	defer s.Close()
	s.FailNext(EndpointMessages, TooManyRequests, OutsideWindow, BadGateway)
	f := sendForm("+14155551234", "hi")
	if st, out := call(t, s, http.MethodPost, messagesPath, DefaultAccountSID, DefaultAuthToken, f); st != 429 || code(out) != 20429 {
		t.Errorf("first: %d %v", st, out)
	}
	if st, out := call(t, s, http.MethodPost, messagesPath, DefaultAccountSID, DefaultAuthToken, f); st != 400 || code(out) != 63016 {
		t.Errorf("second: %d %v", st, out)
	}
	resp, err := s.Client().Post(s.URL+messagesPath, "application/x-www-form-urlencoded", strings.NewReader(f.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || !strings.Contains(string(b), "Bad Gateway") {
		t.Errorf("third: %d %q", resp.StatusCode, b)
	}
	calls := 0
	s.SetHook(func(r Request) *Reply {
		calls++
		if r.Endpoint == EndpointAccount {
			return &ServiceUnavailable
		}
		return nil
	})
	if st, out := call(t, s, http.MethodGet, "/2010-04-01/Accounts/"+DefaultAccountSID+".json", DefaultAccountSID, DefaultAuthToken, nil); st != 503 || code(out) != 20503 {
		t.Errorf("hooked: %d %v", st, out)
	}
	if st, _ := call(t, s, http.MethodPost, messagesPath, DefaultAccountSID, DefaultAuthToken, f); st != 201 || calls != 2 {
		t.Errorf("unhooked: %d after %d hook calls", st, calls)
	}

	s.FailNext(EndpointMessages, Reply{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+messagesPath, strings.NewReader(f.Encode()))
	if _, err := s.Client().Do(req); err == nil {
		t.Errorf("a delayed answer arrived before the client's deadline")
	}
}

func TestFetchAccount(t *testing.T) {
	s := NewServer("", "")
	defer s.Close()
	s.SetAccount(Account{FriendlyName: "Acme Support", Status: "suspended", Type: "Trial"})
	st, out := call(t, s, http.MethodGet, "/2010-04-01/Accounts/"+DefaultAccountSID+".json", DefaultAccountSID, DefaultAuthToken, nil)
	// Like Twilio's, the answer carries the auth token: clients must not show it.
	if st != 200 || out["sid"] != DefaultAccountSID || out["friendly_name"] != "Acme Support" || out["status"] != "suspended" ||
		out["type"] != "Trial" || out["auth_token"] != DefaultAuthToken {
		t.Errorf("got %d %v", st, out)
	}
	if st, out := call(t, s, http.MethodPost, "/2010-04-01/Accounts/"+DefaultAccountSID+".json", DefaultAccountSID, DefaultAuthToken, url.Values{}); st != 405 || code(out) != 20004 {
		t.Errorf("POST: %d %v", st, out)
	}
}

// get fetches u from the fake without following redirects.
func get(t *testing.T, s *Server, u, user, pass string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	c := *s.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestMedia(t *testing.T) {
	s := NewServer("", "")
	defer s.Close()
	u := s.AddMedia([]byte("JPEGDATA"), "image/jpeg")
	if !strings.HasPrefix(u, s.URL+"/2010-04-01/Accounts/"+DefaultAccountSID+"/Messages/MM") || !strings.Contains(u, "/Media/ME") {
		t.Fatalf("media URL %s", u)
	}
	if resp := get(t, s, u, "", ""); resp.StatusCode != 401 {
		t.Errorf("without credentials: %d", resp.StatusCode)
	}
	if resp := get(t, s, u, DefaultAccountSID, "wrong"); resp.StatusCode != 401 {
		t.Errorf("wrong credentials: %d", resp.StatusCode)
	}
	resp := get(t, s, u, DefaultAccountSID, DefaultAuthToken)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 307 || !strings.HasPrefix(loc, s.URL+"/cdn/") {
		t.Fatalf("with credentials: %d to %q", resp.StatusCode, loc)
	}
	if resp := get(t, s, loc, DefaultAccountSID, DefaultAuthToken); resp.StatusCode != 400 {
		t.Errorf("CDN with forwarded credentials: %d", resp.StatusCode)
	}
	resp = get(t, s, loc, "", "")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "JPEGDATA" || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("CDN: %d %q %s", resp.StatusCode, b, resp.Header.Get("Content-Type"))
	}
	if resp := get(t, s, s.URL+"/cdn/nope", "", ""); resp.StatusCode != 403 {
		t.Errorf("unknown CDN URL: %d", resp.StatusCode)
	}
	missing := s.URL + "/2010-04-01/Accounts/" + DefaultAccountSID + "/Messages/" + NewSID("MM", 99) + "/Media/" + NewSID("ME", 99)
	if resp := get(t, s, missing, DefaultAccountSID, DefaultAuthToken); resp.StatusCode != 404 {
		t.Errorf("unknown media: %d", resp.StatusCode)
	}
	s.SetMediaAuth(false)
	if resp := get(t, s, u, "", ""); resp.StatusCode != 307 {
		t.Errorf("public media: %d", resp.StatusCode)
	}
}

func TestStatusCallback(t *testing.T) {
	s := NewServer("", "")
	defer s.Close()
	var (
		mu   sync.Mutex
		got  []url.Values
		sigs []string
	)
	hook := http.NewServeMux()
	hook.HandleFunc("POST /webhooks/a1", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		got, sigs = append(got, r.PostForm), append(sigs, r.Header.Get(SignatureHeader))
		mu.Unlock()
	})
	receiver := httptest.NewServer(hook)
	defer receiver.Close()
	cb := receiver.URL + "/webhooks/a1"

	s.CloseWindow("+14155550000")
	f := sendForm("+14155551234", "hi")
	f.Set("StatusCallback", cb)
	_, ok := call(t, s, http.MethodPost, messagesPath, DefaultAccountSID, DefaultAuthToken, f)
	f = sendForm("+14155550000", "late")
	f.Set("StatusCallback", cb)
	_, late := call(t, s, http.MethodPost, messagesPath, DefaultAccountSID, DefaultAuthToken, f)
	if late["status"] != "queued" {
		t.Fatalf("a closed window is reported later, not at once: %v", late)
	}
	for _, c := range []struct{ sid, status string }{{ok["sid"].(string), "delivered"}, {ok["sid"].(string), "read"}, {late["sid"].(string), "failed"}} {
		req, err := s.StatusCallback(context.Background(), c.sid, c.status)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := receiver.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("%d callbacks", len(got))
	}
	for i, f := range got {
		if sigs[i] != Sign(DefaultAuthToken, cb, f) || f.Get("AccountSid") != DefaultAccountSID || f.Get("ChannelPrefix") != "whatsapp" {
			t.Errorf("callback %d: %v signed %s", i, f, sigs[i])
		}
	}
	if got[0].Get("MessageStatus") != "delivered" || got[0].Get("EventType") != "DELIVERED" || got[0].Get("To") != "whatsapp:+14155551234" ||
		got[1].Get("MessageStatus") != "read" || got[2].Get("MessageStatus") != "failed" || got[2].Get("ErrorCode") != "63016" {
		t.Errorf("callbacks %v", got)
	}
	if m, _ := s.Message(late["sid"].(string)); m.Status != "failed" || m.ErrorCode != 63016 {
		t.Errorf("recorded %+v", m)
	}
	if _, err := s.StatusCallback(context.Background(), NewSID("SM", 77), "read"); err == nil {
		t.Errorf("a callback about an unknown message")
	}
}

func TestInboundForm(t *testing.T) {
	lat, lon := 37.7879277, -122.3937508
	tests := []struct {
		name string
		m    Inbound
		want map[string]string
	}{
		{"text", Inbound{MessageSID: "SM1", From: "+14155551234", To: SandboxNumber, Body: "hi", ProfileName: "Jane"},
			map[string]string{"MessageType": "text", "From": "whatsapp:+14155551234", "WaId": "14155551234", "NumMedia": "0", "ProfileName": "Jane"}},
		{"media", Inbound{MessageSID: "MM1", From: "+1", Media: []Media{{URL: "https://m.example/1", ContentType: "application/pdf"}}},
			map[string]string{"MessageType": "document", "NumMedia": "1", "MediaUrl0": "https://m.example/1", "MediaContentType0": "application/pdf"}},
		{"location", Inbound{MessageSID: "SM2", From: "+1", Latitude: &lat, Longitude: &lon, Label: "Twilio"},
			map[string]string{"MessageType": "location", "Latitude": "37.7879277", "Longitude": "-122.3937508", "Label": "Twilio"}},
		{"button", Inbound{MessageSID: "SM3", From: "+1", ButtonText: "Yes", ButtonPayload: "yes"},
			map[string]string{"MessageType": "button", "ButtonText": "Yes", "ButtonPayload": "yes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.m.Form()
			for k, v := range tt.want {
				if f.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, f.Get(k), v)
				}
			}
			if f.Get("MessageSid") != tt.m.MessageSID || f.Get("SmsStatus") != "received" || f.Get("ApiVersion") != APIVersion {
				t.Errorf("form %v", f)
			}
		})
	}
}

func TestConcurrentSends(t *testing.T) {
	s := NewServer("", "")
	defer s.Close()
	var seen sync.Map
	s.OnMessage(func(m Message) { seen.Store(m.SID, m.To) })
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			f := sendForm(fmt.Sprintf("+1415555%04d", i), "hi")
			req, _ := http.NewRequest(http.MethodPost, s.URL+messagesPath, strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(DefaultAccountSID, DefaultAuthToken)
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	n := 0
	seen.Range(func(_, _ any) bool { n++; return true })
	if n != 40 || len(s.Messages()) != 40 || len(s.Requests()) != 40 {
		t.Errorf("%d distinct SIDs, %d messages, %d requests", n, len(s.Messages()), len(s.Requests()))
	}
}

// TestForwardedWebhooks: webhooks for the public URL reach a local server,
// signed over the public URL, as through a reverse proxy.
func TestForwardedWebhooks(t *testing.T) {
	type got struct {
		path, sig string
		form      url.Values
	}
	ch := make(chan got, 2)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		ch <- got{r.URL.RequestURI(), r.Header.Get(SignatureHeader), r.PostForm}
	}))
	defer receiver.Close()
	s := NewServer("", "")
	defer s.Close()
	const public = "https://switchboard.example.com/webhooks/a1"
	s.ForwardWebhooks("https://switchboard.example.com/", receiver.URL)

	req, err := s.Inbound(context.Background(), public, Inbound{From: "+14155551234", Body: "hi",
		Media: []Media{{URL: s.AddMedia([]byte("x"), "image/png"), ContentType: "image/png"}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := receiver.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	g := <-ch
	if g.path != "/webhooks/a1" || g.sig != Sign(DefaultAuthToken, public, g.form) ||
		g.form.Get("AccountSid") != DefaultAccountSID || g.form.Get("To") != "whatsapp:"+SandboxNumber ||
		!strings.HasPrefix(g.form.Get("MessageSid"), "MM") || g.form.Get("NumMedia") != "1" {
		t.Errorf("inbound %+v", g)
	}

	f := sendForm("+14155551234", "hi")
	f.Set("StatusCallback", public+"?x=1")
	_, out := call(t, s, http.MethodPost, messagesPath, DefaultAccountSID, DefaultAuthToken, f)
	req, err = s.StatusCallback(context.Background(), out["sid"].(string), "delivered")
	if err != nil {
		t.Fatal(err)
	}
	if resp, err = receiver.Client().Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	g = <-ch
	if g.path != "/webhooks/a1?x=1" || g.sig != Sign(DefaultAuthToken, public+"?x=1", g.form) || g.form.Get("MessageStatus") != "delivered" {
		t.Errorf("status %+v", g)
	}
	// Another host that merely starts with the same name is not forwarded.
	s.ForwardWebhooks("https://switchboard.example.com", receiver.URL)
	if req, _ := s.Inbound(context.Background(), "https://switchboard.example.com.evil/webhooks/a1", Inbound{From: "+1"}); req.URL.Host != "switchboard.example.com.evil" {
		t.Errorf("forwarded to %s", req.URL.Host)
	}
}
