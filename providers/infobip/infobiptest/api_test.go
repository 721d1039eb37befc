package infobiptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// call makes one request to the fake with "Authorization: <auth>" ("" for
// none) and decodes the JSON answer.
func call(t *testing.T, s *Server, method, path, auth string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
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

// exception is the serviceException of an error answer.
func exception(out map[string]any) map[string]any {
	re, _ := out["requestError"].(map[string]any)
	se, _ := re["serviceException"].(map[string]any)
	return se
}

var app = "App " + DefaultAPIKey

func text(to, s string) map[string]any {
	return map[string]any{"from": DefaultSender, "to": to, "content": map[string]any{"text": s}}
}

func TestAuthentication(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	for _, auth := range []string{"", "App wrong", "Basic " + DefaultAPIKey, "app " + DefaultAPIKey, "App  " + DefaultAPIKey} {
		st, out := call(t, s, http.MethodPost, "/whatsapp/1/message/text", auth, text("385919998888", "hi"))
		if se := exception(out); st != 401 || se["messageId"] != "UNAUTHORIZED" || se["text"] != "Invalid login details" {
			t.Errorf("%q: %d %v", auth, st, out)
		}
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages accepted without the key", n)
	}
	if st, out := call(t, s, http.MethodGet, "/sms/1/nope", app, nil); st != 404 || exception(out)["messageId"] != "NOT_FOUND" {
		t.Errorf("unknown path: %d %v", st, out)
	}
	if st, _ := call(t, s, http.MethodGet, "/whatsapp/1/message/text", app, nil); st != 405 {
		t.Errorf("GET a message: %d", st)
	}
}

func TestSendMessage(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	body := text("385919998888", "Hello <there> & 🙂")
	body["messageId"], body["notifyUrl"] = "sb-1", "https://sb.example/webhooks/a1"
	st, out := call(t, s, http.MethodPost, "/whatsapp/1/message/text", app, body)
	status, _ := out["status"].(map[string]any)
	if st != 200 || out["messageId"] != "sb-1" || out["to"] != "385919998888" || out["messageCount"] != 1.0 || status["groupName"] != "PENDING" || status["name"] != "PENDING_ENROUTE" {
		t.Fatalf("got %d %v", st, out)
	}
	st, out = call(t, s, http.MethodPost, "/whatsapp/1/message/document", app, map[string]any{"from": DefaultSender, "to": "385919998888",
		"content": map[string]any{"mediaUrl": "https://files.example/a.pdf", "caption": "Invoice", "filename": "a.pdf"}})
	if st != 200 || out["messageId"] != NewMessageID(1) {
		t.Fatalf("document: %d %v", st, out)
	}
	m := s.Messages()
	want := []Message{
		{MessageID: "sb-1", Kind: "text", From: DefaultSender, To: "385919998888", Text: "Hello <there> & 🙂", NotifyURL: "https://sb.example/webhooks/a1", Status: "PENDING"},
		{MessageID: NewMessageID(1), Kind: "document", From: DefaultSender, To: "385919998888", MediaURL: "https://files.example/a.pdf", Caption: "Invoice", Filename: "a.pdf", Status: "PENDING"},
	}
	for i := range m {
		m[i].At = time.Time{}
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("messages\n got %+v\nwant %+v", m, want)
	}
	if got, ok := s.Message("sb-1"); !ok || got.Text != "Hello <there> & 🙂" {
		t.Errorf("Message(sb-1) = %+v, %v", got, ok)
	}
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[0].Endpoint != EndpointText || !reqs[0].Authorized || reqs[0].Scheme != "App" || reqs[0].HTTPStatus != 200 || !bytes.Contains(reqs[0].Body, []byte(`"sb-1"`)) {
		t.Errorf("requests %+v", reqs)
	}
}

func TestSendRefusals(t *testing.T) {
	long := strings.Repeat("a", MaxTextLen-1) + "🙂"
	tests := []struct {
		name  string
		path  string
		body  map[string]any
		field string
	}{
		{"no content", "text", map[string]any{"from": DefaultSender, "to": "385919998888"}, "content"},
		{"blank text", "text", text("385919998888", " "), "content.text"},
		{"text over 4096", "text", text("385919998888", long), "content.text"},
		{"no to", "text", text("", "hi"), "to"},
		{"to not a number", "text", text("whatsapp:+385919998888", "hi"), "to"},
		{"no from", "text", map[string]any{"to": "385919998888", "content": map[string]any{"text": "hi"}}, "from"},
		{"messageId over 100", "text", func() map[string]any {
			b := text("385919998888", "hi")
			b["messageId"] = strings.Repeat("m", 101)
			return b
		}(), "messageId"},
		{"relative notifyUrl", "text", func() map[string]any { b := text("385919998888", "hi"); b["notifyUrl"] = "/cb"; return b }(), "notifyUrl"},
		{"no mediaUrl", "image", map[string]any{"from": DefaultSender, "to": "385919998888", "content": map[string]any{"caption": "x"}}, "content.mediaUrl"},
		{"relative mediaUrl", "video", map[string]any{"from": DefaultSender, "to": "385919998888", "content": map[string]any{"mediaUrl": "/a.mp4"}}, "content.mediaUrl"},
		{"caption over 3000", "image", map[string]any{"from": DefaultSender, "to": "385919998888",
			"content": map[string]any{"mediaUrl": "https://f.example/a.png", "caption": strings.Repeat("c", 3001)}}, "content.caption"},
	}
	s := NewServer("")
	defer s.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, out := call(t, s, http.MethodPost, "/whatsapp/1/message/"+tt.path, app, tt.body)
			se := exception(out)
			ve, _ := se["validationErrors"].(map[string]any)
			if st != 400 || se["messageId"] != "BAD_REQUEST" || se["text"] != "Bad request" || ve[tt.field] == nil {
				t.Errorf("got %d %v, want 400 about %s", st, out, tt.field)
			}
		})
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d refused messages recorded", n)
	}
	// Exactly 4096 UTF-16 units pass; a "+" before the number too.
	if st, out := call(t, s, http.MethodPost, "/whatsapp/1/message/text", app, text("+385919998888", strings.Repeat("a", MaxTextLen-2)+"🙂")); st != 200 {
		t.Errorf("4096 units: %d %v", st, out)
	}
	// Audio takes no caption: one is ignored, not refused.
	if st, _ := call(t, s, http.MethodPost, "/whatsapp/1/message/audio", app, map[string]any{"from": DefaultSender, "to": "1",
		"content": map[string]any{"mediaUrl": "https://f.example/a.ogg", "caption": strings.Repeat("c", 3001)}}); st != 200 {
		t.Errorf("audio with a caption: %d", st)
	}
}

func TestRejectedSender(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	b := text("385919998888", "hi")
	b["from"] = "15550001111"
	st, out := call(t, s, http.MethodPost, "/whatsapp/1/message/text", app, b)
	status, _ := out["status"].(map[string]any)
	if st != 200 || status["groupName"] != "REJECTED" || status["name"] != "REJECTED_SOURCE" {
		t.Errorf("got %d %v", st, out)
	}
	s.AddSender("15550001111")
	if _, out := call(t, s, http.MethodPost, "/whatsapp/1/message/text", app, b); out["status"].(map[string]any)["groupName"] != "PENDING" {
		t.Errorf("after AddSender: %v", out)
	}
}

func TestInjectedReplies(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	s.FailNext(EndpointText, TooManyRequests, BadGateway)
	st, out := call(t, s, http.MethodPost, "/whatsapp/1/message/text", "", text("1", "hi"))
	if st != 429 || exception(out)["messageId"] != "TOO_MANY_REQUESTS" {
		t.Errorf("first: %d %v", st, out)
	}
	resp, err := s.Client().Post(s.URL+"/whatsapp/1/message/text", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || !strings.Contains(string(b), "502 Bad Gateway") || resp.Header.Get("Content-Type") != "text/html" {
		t.Errorf("second: %d %s", resp.StatusCode, b)
	}
	if st, _ := call(t, s, http.MethodPost, "/whatsapp/1/message/text", app, text("1", "hi")); st != 200 {
		t.Errorf("third: %d", st)
	}
	s.SetHook(func(r Request) *Reply {
		if r.Endpoint == EndpointBalance {
			return &Forbidden
		}
		return nil
	})
	if st, out := call(t, s, http.MethodGet, "/account/1/balance", app, nil); st != 403 || exception(out)["messageId"] != "FORBIDDEN" {
		t.Errorf("hooked: %d %v", st, out)
	}
	s.SetHook(nil)
	s.SetBalance(-1.5, "USD")
	if st, out := call(t, s, http.MethodGet, "/account/1/balance", app, nil); st != 200 || out["balance"] != -1.5 || out["currency"] != "USD" {
		t.Errorf("balance: %d %v", st, out)
	}
	s.Reset()
	if len(s.Requests()) != 0 || len(s.Messages()) != 0 {
		t.Error("Reset kept records")
	}
}

func TestSubscriptions(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	sub := map[string]any{
		"subscriptionId": "sb-1", "name": "Switchboard", "events": []string{"INBOUND_MESSAGE", "DELIVERY"}, "resources": []string{DefaultSender},
		"profile": map[string]any{"profileId": "sb-1-p", "webhook": map[string]any{"notifyUrl": "https://sb.example/w/1"},
			"security": map[string]any{"authId": "sb-1-a", "type": "BASIC", "credentials": map[string]any{"username": "u", "password": "p"}}},
	}
	if st, out := call(t, s, http.MethodPost, "/subscriptions/1/subscription/WHATSAPP", app, sub); st != 201 || out["subscriptionId"] != "sb-1" {
		t.Fatalf("create: %d %v", st, out)
	}
	want := Subscription{ID: "sb-1", Channel: "WHATSAPP", Name: "Switchboard", Events: []string{"INBOUND_MESSAGE", "DELIVERY"}, Resources: []string{DefaultSender},
		ProfileID: "sb-1-p", NotifyURL: "https://sb.example/w/1", AuthID: "sb-1-a", AuthType: "BASIC", Username: "u", Password: "p"}
	if got := s.Subscriptions(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("subscriptions %+v", got)
	}
	if st, out := call(t, s, http.MethodPost, "/subscriptions/1/subscription/WHATSAPP", app, sub); st != 409 || out["errorCode"] != "E409" {
		t.Errorf("again: %d %v", st, out)
	}
	bad := map[string]any{"subscriptionId": "a/b", "events": []string{}, "profile": map[string]any{"profileId": "p", "webhook": map[string]any{"notifyUrl": "nope"}}}
	if st, out := call(t, s, http.MethodPost, "/subscriptions/1/subscription/WHATSAPP", app, bad); st != 400 || len(out["violations"].([]any)) != 2 {
		t.Errorf("bad: %d %v", st, out)
	}
	if st, _ := call(t, s, http.MethodPost, "/subscriptions/1/subscription/TELEX", app, sub); st != 400 {
		t.Errorf("unknown channel: %d", st)
	}
	for _, path := range []string{"/subscriptions/1/subscription/WHATSAPP/sb-1", "/subscriptions/1/profiles/sb-1-p", "/subscriptions/1/security/sb-1-a"} {
		if st, _ := call(t, s, http.MethodDelete, path, app, nil); st != 204 {
			t.Errorf("DELETE %s: %d", path, st)
		}
		if st, out := call(t, s, http.MethodDelete, path, app, nil); st != 404 || out["errorCode"] != "E404" {
			t.Errorf("DELETE %s again: %d %v", path, st, out)
		}
	}
	if len(s.Subscriptions()) != 0 {
		t.Errorf("subscriptions left: %+v", s.Subscriptions())
	}
}

func TestMedia(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	u := s.AddMedia("", []byte("JFIF"), "image/jpeg", "photo.jpg")
	if !strings.HasPrefix(u, s.URL+"/whatsapp/1/senders/"+DefaultSender+"/media/") {
		t.Fatalf("URL %s", u)
	}
	get := func(auth string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	if resp, _ := get(""); resp.StatusCode != 401 {
		t.Errorf("without the key: %d", resp.StatusCode)
	}
	resp, b := get(app)
	if resp.StatusCode != 200 || string(b) != "JFIF" || resp.Header.Get("Content-Type") != "image/jpeg" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename=photo.jpg` {
		t.Errorf("with the key: %d %q %v", resp.StatusCode, b, resp.Header)
	}
	other := strings.Replace(u, DefaultSender, "15550001111", 1)
	req, _ := http.NewRequest(http.MethodGet, other, nil)
	req.Header.Set("Authorization", app)
	if resp, err := s.Client().Do(req); err != nil || resp.StatusCode != 404 {
		t.Errorf("another sender's path: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

// TestWebhooks: the reports go where Infobip sends them, with the
// subscription's credentials only when a subscription posts them.
func TestWebhooks(t *testing.T) {
	ctx := context.Background()
	s := NewServer("")
	defer s.Close()
	s.ForwardWebhooks("https://sb.example", "http://127.0.0.1:9")
	r, err := s.Inbound(ctx, "https://sb.example/w/1?x=1", Inbound{From: "385919998888", ContactName: "Frank", Message: Location(45.8, 15.9, "Office", "")})
	if err != nil {
		t.Fatal(err)
	}
	if r.URL.String() != "http://127.0.0.1:9/w/1?x=1" || r.Header.Get("Authorization") != "" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("inbound %s %v", r.URL, r.Header)
	}
	var body struct {
		Results []map[string]any `json:"results"`
	}
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &body); err != nil || len(body.Results) != 1 {
		t.Fatalf("body %s: %v", b, err)
	}
	res := body.Results[0]
	msg, _ := res["message"].(map[string]any)
	if res["to"] != DefaultSender || res["from"] != "385919998888" || res["contact"].(map[string]any)["name"] != "Frank" ||
		msg["type"] != "LOCATION" || msg["latitude"] != 45.8 || !strings.HasPrefix(res["messageId"].(string), "ABEGOFl3VCQoAhB") {
		t.Errorf("result %v", res)
	}
	if _, err := time.Parse(TimeLayout, res["receivedAt"].(string)); err != nil {
		t.Errorf("receivedAt: %v", err)
	}

	// A reply with a notifyUrl: reports go there, without credentials.
	b1 := text("385919998888", "hi")
	b1["messageId"], b1["notifyUrl"] = "m1", "https://sb.example/w/1"
	call(t, s, http.MethodPost, "/whatsapp/1/message/text", app, b1)
	r, err = s.DeliveryReport(ctx, "m1", "DELIVERED")
	if err != nil || r.URL.Path != "/w/1" || r.Header.Get("Authorization") != "" {
		t.Fatalf("delivery %v %v", r, err)
	}
	b, _ = io.ReadAll(r.Body)
	if !bytes.Contains(b, []byte(`"groupName":"DELIVERED"`)) || !bytes.Contains(b, []byte(`"to":"385919998888"`)) {
		t.Errorf("delivery body %s", b)
	}
	r, err = s.SeenReport(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(r.Body)
	if !bytes.Contains(b, []byte(`"from":"385919998888"`)) || !bytes.Contains(b, []byte(`"seenAt"`)) {
		t.Errorf("seen body %s", b)
	}
	if m, _ := s.Message("m1"); m.Status != "SEEN" {
		t.Errorf("status %s", m.Status)
	}

	// Without a notifyUrl: the subscription's URL and credentials.
	b2 := text("385919998888", "hi")
	b2["messageId"] = "m2"
	call(t, s, http.MethodPost, "/whatsapp/1/message/text", app, b2)
	if _, err := s.DeliveryReport(ctx, "m2", "DELIVERED"); err == nil {
		t.Error("a report with nowhere to go")
	}
	call(t, s, http.MethodPost, "/subscriptions/1/subscription/WHATSAPP", app, map[string]any{
		"subscriptionId": "sb", "events": []string{"DELIVERY", "SEEN", "INBOUND_MESSAGE"},
		"profile": map[string]any{"profileId": "sb-p", "webhook": map[string]any{"notifyUrl": "https://sb.example/w/2"},
			"security": map[string]any{"authId": "sb-a", "type": "BASIC", "credentials": map[string]any{"username": "u", "password": "p"}}}})
	r, err = s.DeliveryReport(ctx, "m2", "UNDELIVERABLE")
	if user, pass, ok := r.BasicAuth(); err != nil || r.URL.Path != "/w/2" || !ok || user != "u" || pass != "p" {
		t.Errorf("subscribed delivery %v %v", r, err)
	}
	r, err = s.Inbound(ctx, "https://sb.example/w/2", Inbound{From: "1", Message: Text("x")})
	if _, _, ok := r.BasicAuth(); err != nil || !ok {
		t.Errorf("subscribed inbound %v %v", r.Header, err)
	}
	if _, err := s.SeenReport(ctx, "nope"); err == nil {
		t.Error("a report about no message")
	}
}

// TestConcurrentUse: the fake is safe for the parallel senders of the load
// tool (run with -race).
func TestConcurrentUse(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	var delivered sync.Map
	s.OnMessage(func(m Message) { delivered.Store(m.MessageID, true) })
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 5 {
				b := text("385919998888", "hi")
				b["messageId"] = fmt.Sprintf("m%d-%d", i, j)
				if st, _ := call(t, s, http.MethodPost, "/whatsapp/1/message/text", app, b); st != 200 {
					t.Errorf("status %d", st)
				}
				s.Requests()
				s.AddMedia("", []byte("x"), "image/png", "")
			}
		})
	}
	wg.Wait()
	n := 0
	delivered.Range(func(any, any) bool { n++; return true })
	if len(s.Messages()) != 40 || n != 40 {
		t.Errorf("%d messages, %d seen by OnMessage", len(s.Messages()), n)
	}
}
