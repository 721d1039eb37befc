package facebooktest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// call makes a Graph API call to the fake as a client of the real API would.
func call(t *testing.T, s *Server, method, path, token, contentType, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+"/"+Version+"/"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return resp.StatusCode, out
}

func code(m map[string]any) (int, int) {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(float64)
	s, _ := e["error_subcode"].(float64)
	return int(c), int(s)
}

func TestSendAPIChecks(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.Unavailable("551551")
	s.CloseWindow("1010")
	const path = DefaultPageID + "/messages"
	long := strings.Repeat("🙂", MaxTextLen/2+1)
	tests := []struct {
		name, path, token, body string
		code, subcode           int
	}{
		{"text", path, DefaultToken, `{"recipient":{"id":"123"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 0, 0},
		{"me", "me/messages", DefaultToken, `{"recipient":{"id":"123"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 0, 0},
		{"attachment", path, DefaultToken, `{"recipient":{"id":"123"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"image","payload":{"url":"https://x.example/a.jpg","is_reusable":false}}}}`, 0, 0},
		{"typing", path, DefaultToken, `{"recipient":{"id":"123"},"sender_action":"typing_on"}`, 0, 0},
		{"no recipient", path, DefaultToken, `{"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 100, 0},
		{"unknown person", path, DefaultToken, `{"recipient":{"id":"not-a-psid"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 100, 2018001},
		{"no messaging_type", path, DefaultToken, `{"recipient":{"id":"123"},"message":{"text":"hi"}}`, 100, 0},
		{"tag without tag", path, DefaultToken, `{"recipient":{"id":"123"},"messaging_type":"MESSAGE_TAG","message":{"text":"hi"}}`, 100, 0},
		{"text too long", path, DefaultToken, `{"recipient":{"id":"123"},"messaging_type":"RESPONSE","message":{"text":"` + long + `"}}`, 100, 0},
		{"text and attachment", path, DefaultToken, `{"recipient":{"id":"123"},"messaging_type":"RESPONSE","message":{"text":"x","attachment":{"type":"image","payload":{"url":"https://x.example/a"}}}}`, 100, 0},
		{"unknown attachment type", path, DefaultToken, `{"recipient":{"id":"123"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"sticker","payload":{"url":"https://x.example/a"}}}}`, 100, 0},
		{"relative attachment URL", path, DefaultToken, `{"recipient":{"id":"123"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"file","payload":{"url":"/a.pdf"}}}}`, 100, 0},
		{"unavailable", path, DefaultToken, `{"recipient":{"id":"551551"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 551, 1545041},
		{"outside the window", path, DefaultToken, `{"recipient":{"id":"1010"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 10, 2018278},
		{"tagged outside the window", path, DefaultToken, `{"recipient":{"id":"1010"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","message":{"text":"hi"}}`, 0, 0},
		{"another Page", "999/messages", DefaultToken, `{"recipient":{"id":"123"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 100, 33},
		{"wrong token", path, "EAAwrong", `{}`, 190, 0},
		{"no token", path, "", `{}`, 104, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := call(t, s, http.MethodPost, tt.path, tt.token, "application/json", tt.body)
			c, sub := code(out)
			if c != tt.code || sub != tt.subcode {
				t.Errorf("answer %d %v, want code %d/%d", status, out, tt.code, tt.subcode)
			}
			if tt.code == 0 && (status != 200 || out["recipient_id"] != "123" && out["recipient_id"] != "1010") {
				t.Errorf("success %d %v", status, out)
			}
		})
	}
	msgs := s.Messages()
	if len(msgs) != 4 || msgs[0].Text != "hi" || msgs[2].AttachmentType != "image" || msgs[3].Tag != "HUMAN_AGENT" || msgs[0].ID == msgs[1].ID {
		t.Errorf("messages %+v", msgs)
	}
}

func TestFormEncodedSend(t *testing.T) {
	s := NewServer()
	defer s.Close()
	// Meta's documentation example: parameters as form values with JSON in
	// them, the token as access_token.
	form := url.Values{"recipient": {`{'id':'123'}`}, "messaging_type": {"RESPONSE"}, "message": {`{"text":"hello, world"}`}, "access_token": {DefaultToken}}
	status, out := call(t, s, http.MethodPost, DefaultPageID+"/messages", "", "application/x-www-form-urlencoded", form.Encode())
	// {'id':'123'} is not JSON: Graph would read it; the fake asks for JSON.
	if c, _ := code(out); status != 400 || c != 100 {
		t.Errorf("single-quoted JSON: %d %v", status, out)
	}
	form.Set("recipient", `{"id":"123"}`)
	status, out = call(t, s, http.MethodPost, DefaultPageID+"/messages", "", "application/x-www-form-urlencoded", form.Encode())
	if status != 200 || out["message_id"] == "" {
		t.Errorf("form: %d %v", status, out)
	}
	if r := s.Requests()[1]; r.TokenVia != "form" {
		t.Errorf("token via %q", r.TokenVia)
	}
}

func TestReadsAndSubscriptions(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddUser(User{PSID: "123", FirstName: "Peter", LastName: "Chang"})
	if _, out := call(t, s, http.MethodGet, "me?fields=id,name,username", DefaultToken, "", ""); out["id"] != DefaultPageID || out["username"] != DefaultPageUsername {
		t.Errorf("me: %v", out)
	}
	if _, out := call(t, s, http.MethodGet, "me", DefaultToken, "", ""); out["name"] != DefaultPageName || out["username"] != nil {
		t.Errorf("me default fields: %v", out)
	}
	if _, out := call(t, s, http.MethodGet, DefaultPageID+"?fields=username", DefaultToken, "", ""); out["username"] != DefaultPageUsername || out["id"] != DefaultPageID {
		t.Errorf("page: %v", out)
	}
	if _, out := call(t, s, http.MethodGet, "123?fields=first_name,last_name", DefaultToken, "", ""); out["first_name"] != "Peter" {
		t.Errorf("profile: %v", out)
	}
	if _, out := call(t, s, http.MethodGet, "777", DefaultToken, "", ""); func() bool { c, sub := code(out); return c != 100 || sub != 33 }() {
		t.Errorf("unknown node: %v", out)
	}
	if _, out := call(t, s, http.MethodGet, DefaultPageID+"/subscribed_apps", DefaultToken, "", ""); len(out["data"].([]any)) != 0 {
		t.Errorf("not subscribed: %v", out)
	}
	if _, out := call(t, s, http.MethodPost, DefaultPageID+"/subscribed_apps", DefaultToken, "application/x-www-form-urlencoded", "subscribed_fields=messages,nope"); func() bool { c, _ := code(out); return c != 100 }() {
		t.Errorf("bad field: %v", out)
	}
	if _, out := call(t, s, http.MethodPost, DefaultPageID+"/subscribed_apps", DefaultToken, "application/x-www-form-urlencoded", "subscribed_fields=messages,message_reads"); out["success"] != true {
		t.Errorf("subscribe: %v", out)
	}
	if got := s.Subscription(DefaultPageID); strings.Join(got, ",") != "messages,message_reads" {
		t.Errorf("subscription %v", got)
	}
	if _, out := call(t, s, http.MethodGet, DefaultPageID+"/subscribed_apps", DefaultToken, "", ""); len(out["data"].([]any)) != 1 {
		t.Errorf("subscribed: %v", out)
	}
	s.Reset()
	if len(s.Requests()) != 0 || s.Subscription(DefaultPageID) != nil {
		t.Errorf("Reset kept state")
	}
}

func TestConcurrentSends(t *testing.T) {
	s := NewServer()
	defer s.Close()
	var seen sync.Map
	s.OnMessage(func(m Message) { seen.Store(m.ID, m.Recipient) })
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			body := `{"recipient":{"id":"` + strconv.Itoa(1000+i) + `"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/"+Version+"/me/messages", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+DefaultToken)
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, m := range s.Messages() {
		ids[m.ID] = true
		if _, ok := seen.Load(m.ID); !ok {
			t.Errorf("OnMessage missed %s", m.ID)
		}
	}
	if len(ids) != 40 {
		t.Errorf("%d distinct messages, want 40", len(ids))
	}
}

func TestBodies(t *testing.T) {
	b := Body(Entry{PageID: "1", Events: []Event{{Sender: "2", Recipient: "1", Message: &InMessage{MID: "m", StickerID: 369239263222822,
		Attachments: []Attachment{{Type: "image", URL: "https://x/s.png", StickerID: 369239263222822}, {Type: "location", Lat: 1.5, Long: 2.5, Title: "Here"}}}}}})
	for _, s := range []string{`"object":"page"`, `"sticker_id":369239263222822`, `"coordinates":{"lat":1.5,"long":2.5}`, `"title":"Here"`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("body lacks %s: %s", s, b)
		}
	}
	req, err := NewWebhookRequest(t.Context(), "https://sb.example/w", DefaultAppSecret, b)
	if err != nil || req.Header.Get(SignatureHeader) != Sign(DefaultAppSecret, b) {
		t.Errorf("webhook request: %v", err)
	}
}
