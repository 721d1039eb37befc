package whatsappcloudtest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

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

func code(m map[string]any) int {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(float64)
	return int(c)
}

func TestMessagesChecks(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	s.CloseWindow("15551230000")
	s.Undeliverable("15559990000")
	media := s.AddMedia([]byte("\x89PNG"), "image/png", "")
	const path = DefaultPhoneNumberID + "/messages"
	long := strings.Repeat("🙂", MaxTextLen/2+1)
	longCaption := strings.Repeat("c", MaxCaptionLen+1)
	tests := []struct {
		name, path, body string
		code             int
	}{
		{"text", path, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"15551234567","type":"text","text":{"body":"hi","preview_url":true}}`, 0},
		{"type defaults to text", path, `{"messaging_product":"whatsapp","to":"15551234567","text":{"body":"hi"}}`, 0},
		{"image by link with caption", path, `{"messaging_product":"whatsapp","to":"15551234567","type":"image","image":{"link":"https://x.example/a.jpg","caption":"look"}}`, 0},
		{"image by uploaded id", path, `{"messaging_product":"whatsapp","to":"15551234567","type":"image","image":{"id":"` + media + `"}}`, 0},
		{"document with filename", path, `{"messaging_product":"whatsapp","to":"15551234567","type":"document","document":{"link":"https://x.example/f.pdf","filename":"f.pdf"}}`, 0},
		{"BSUID recipient", path, `{"messaging_product":"whatsapp","recipient":"US.13491208655302741918","type":"text","text":{"body":"hi"}}`, 0},
		{"no messaging_product", path, `{"to":"15551234567","type":"text","text":{"body":"hi"}}`, 100},
		{"other product", path, `{"messaging_product":"sms","to":"15551234567","type":"text","text":{"body":"hi"}}`, 100},
		{"no recipient", path, `{"messaging_product":"whatsapp","type":"text","text":{"body":"hi"}}`, 100},
		{"empty text", path, `{"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":""}}`, 100},
		{"text too long", path, `{"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":"` + long + `"}}`, 100},
		{"caption too long", path, `{"messaging_product":"whatsapp","to":"1","type":"image","image":{"link":"https://x.example/a.jpg","caption":"` + longCaption + `"}}`, 100},
		{"caption on audio", path, `{"messaging_product":"whatsapp","to":"1","type":"audio","audio":{"link":"https://x.example/a.ogg","caption":"no"}}`, 100},
		{"id and link", path, `{"messaging_product":"whatsapp","to":"1","type":"video","video":{"id":"` + media + `","link":"https://x.example/v.mp4"}}`, 100},
		{"unknown media id", path, `{"messaging_product":"whatsapp","to":"1","type":"image","image":{"id":"42"}}`, 131053},
		{"relative link", path, `{"messaging_product":"whatsapp","to":"1","type":"image","image":{"link":"/a.jpg"}}`, 100},
		{"unknown type", path, `{"messaging_product":"whatsapp","to":"1","type":"hologram"}`, 100},
		{"outside the window", path, `{"messaging_product":"whatsapp","to":"15551230000","type":"text","text":{"body":"hi"}}`, 131047},
		{"undeliverable", path, `{"messaging_product":"whatsapp","to":"15559990000","type":"text","text":{"body":"hi"}}`, 131026},
		{"unknown number", "999/messages", `{"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":"hi"}}`, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := call(t, s, http.MethodPost, tt.path, DefaultToken, "application/json", tt.body)
			if code(out) != tt.code {
				t.Fatalf("answer %d %v, want code %d", status, out, tt.code)
			}
			if tt.code == 0 {
				msgs, _ := out["messages"].([]any)
				if status != 200 || out["messaging_product"] != "whatsapp" || len(msgs) != 1 {
					t.Errorf("success %d %v", status, out)
				}
			}
			if tt.code == 131047 {
				details := out["error"].(map[string]any)["error_data"].(map[string]any)["details"].(string)
				if !strings.Contains(details, "more than 24 hours") {
					t.Errorf("details %q", details)
				}
			}
		})
	}
	msgs := s.Messages()
	if len(msgs) != 6 || !msgs[0].PreviewURL || msgs[2].Caption != "look" || msgs[3].MediaID != media || msgs[4].Filename != "f.pdf" ||
		msgs[5].Recipient != "US.13491208655302741918" || !strings.HasPrefix(msgs[0].ID, "wamid.") {
		t.Errorf("messages %+v", msgs)
	}
	if status, out := call(t, s, http.MethodPost, path, "EAAwrong", "application/json", `{}`); status != 400 || code(out) != 190 {
		t.Errorf("wrong token: %d %v", status, out)
	}
}

func TestUploadAndDownload(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("messaging_product", "whatsapp")
	mw.WriteField("type", "application/pdf")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="invoice.pdf"`)
	h.Set("Content-Type", "application/pdf")
	fw, _ := mw.CreatePart(h)
	fw.Write([]byte("%PDF-1.7 fake"))
	mw.Close()
	status, out := call(t, s, http.MethodPost, DefaultPhoneNumberID+"/media", DefaultToken, mw.FormDataContentType(), buf.String())
	id, _ := out["id"].(string)
	if status != 200 || id == "" {
		t.Fatalf("upload: %d %v", status, out)
	}
	if m, ok := s.Media(id); !ok || m.FileName != "invoice.pdf" || m.MimeType != "application/pdf" {
		t.Errorf("held %+v", m)
	}
	_, info := call(t, s, http.MethodGet, id+"?phone_number_id="+DefaultPhoneNumberID, DefaultToken, "", "")
	if info["mime_type"] != "application/pdf" || info["file_size"].(float64) != 13 || !strings.Contains(info["url"].(string), MediaPath+id) {
		t.Fatalf("info %v", info)
	}
	if _, out := call(t, s, http.MethodGet, id+"?phone_number_id=1", DefaultToken, "", ""); code(out) != 100 {
		t.Errorf("other number: %v", out)
	}
	get := func(token string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, info["url"].(string), nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if status, b := get(DefaultToken); status != 200 || string(b) != "%PDF-1.7 fake" {
		t.Errorf("download: %d %q", status, b)
	}
	if status, _ := get(""); status != 401 {
		t.Errorf("download without token: %d", status)
	}
	s.FailNextDownload(http.StatusNotFound)
	if status, _ := get(DefaultToken); status != 404 {
		t.Errorf("queued failure: %d", status)
	}
	var bad bytes.Buffer
	mw = multipart.NewWriter(&bad)
	mw.WriteField("type", "image/png")
	mw.Close()
	if _, out := call(t, s, http.MethodPost, DefaultPhoneNumberID+"/media", DefaultToken, mw.FormDataContentType(), bad.String()); code(out) != 100 {
		t.Errorf("upload without product and file: %v", out)
	}
}

func TestNumberAndSubscriptions(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	_, out := call(t, s, http.MethodGet, DefaultPhoneNumberID+"?fields=display_phone_number,verified_name,quality_rating,code_verification_status", DefaultToken, "", "")
	if out["display_phone_number"] != DefaultDisplayPhoneNumber || out["verified_name"] != DefaultVerifiedName || out["quality_rating"] != "GREEN" ||
		out["code_verification_status"] != "VERIFIED" || out["platform_type"] != nil {
		t.Errorf("number %v", out)
	}
	if _, out := call(t, s, http.MethodGet, DefaultWABAID+"/phone_numbers", DefaultToken, "", ""); len(out["data"].([]any)) != 1 {
		t.Errorf("phone numbers %v", out)
	}
	if _, out := call(t, s, http.MethodPost, DefaultWABAID+"/subscribed_apps", DefaultToken, "", ""); out["success"] != true || !s.Subscribed(DefaultWABAID) {
		t.Errorf("subscribe %v", out)
	}
	if _, out := call(t, s, http.MethodGet, DefaultWABAID+"/subscribed_apps", DefaultToken, "", ""); len(out["data"].([]any)) != 1 {
		t.Errorf("subscribed apps %v", out)
	}
	if _, out := call(t, s, http.MethodDelete, DefaultWABAID+"/subscribed_apps", DefaultToken, "", ""); out["success"] != true || s.Subscribed(DefaultWABAID) {
		t.Errorf("unsubscribe %v", out)
	}
	if _, out := call(t, s, http.MethodPost, "777/subscribed_apps", DefaultToken, "", ""); code(out) != 100 {
		t.Errorf("unknown WABA %v", out)
	}
}

func TestConcurrentSends(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	var seen sync.Map
	s.OnMessage(func(m Message) { seen.Store(m.ID, m.To) })
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			body := `{"messaging_product":"whatsapp","to":"` + strconv.Itoa(15550000000+i) + `","type":"text","text":{"body":"hi"}}`
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/"+Version+"/"+DefaultPhoneNumberID+"/messages", strings.NewReader(body))
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
	at := time.Unix(1697043223, 0)
	b := TextMessage(DefaultPhoneNumberID, "972987654321", "Test Name", "wamid.xyz", "hi", at)
	for _, s := range []string{`"object":"whatsapp_business_account"`, `"phone_number_id":"` + DefaultPhoneNumberID + `"`, `"timestamp":"1697043223"`, `"profile":{"name":"Test Name"}`, `"field":"messages"`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("body lacks %s: %s", s, b)
		}
	}
	f := FailedStatus(DefaultPhoneNumberID, "wamid.out", "972987654321", 131047, "Re-engagement message", "more than 24 hours", at)
	if !strings.Contains(string(f), `"code":131047`) || !strings.Contains(string(f), `"status":"failed"`) {
		t.Errorf("failed status %s", f)
	}
	req, err := NewWebhookRequest(t.Context(), "https://sb.example/w", DefaultAppSecret, b)
	if err != nil || req.Header.Get(SignatureHeader) != Sign(DefaultAppSecret, b) {
		t.Errorf("webhook request: %v", err)
	}
}
