package twittertest

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

	"github.com/dghubble/oauth1"
)

// The published examples of OAuth 1.0a signatures: X's "Creating a
// signature" (for /1/ and, on the current page, /1.1/statuses/update.json)
// and RFC 5849 section 1.2.
func TestSignatureBaseExamples(t *testing.T) {
	twitter := url.Values{
		"include_entities": {"true"}, "status": {"Hello Ladies + Gentlemen, a signed OAuth request!"},
		"oauth_consumer_key": {"xvz1evFS4wEEPTGEFPHBog"}, "oauth_nonce": {"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"},
		"oauth_signature_method": {"HMAC-SHA1"}, "oauth_timestamp": {"1318622958"},
		"oauth_token": {"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"}, "oauth_version": {"1.0"},
	}
	rfc := url.Values{
		"file": {"vacation.jpg"}, "size": {"original"}, "oauth_consumer_key": {"dpf43f3p2l4k3l03"}, "oauth_token": {"nnch734d00sl2jdk"},
		"oauth_signature_method": {"HMAC-SHA1"}, "oauth_timestamp": {"1191242096"}, "oauth_nonce": {"kllo9940pd9333jh"}, "oauth_version": {"1.0"},
	}
	tests := []struct {
		name, method, uri          string
		params                     url.Values
		consumerSecret, tokenSecet string
		base, signature            string
	}{
		{"X, /1/", "POST", "https://api.twitter.com/1/statuses/update.json", twitter,
			"kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
			"POST&https%3A%2F%2Fapi.twitter.com%2F1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521",
			"tnnArxj06cWHq44gCs1OSKk/jLY="},
		{"X, /1.1/", "POST", "https://api.twitter.com/1.1/statuses/update.json", twitter,
			"kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE", "", "hCtSmYh+iHYCEqBWrE7C7hYmtUk="},
		{"RFC 5849 1.2", "GET", "http://photos.example.net/photos", rfc, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00", "", "tR3+Ty81lMeYAr/Fid0kMTYa/WM="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := signatureBase(tt.method, tt.uri, tt.params)
			if tt.base != "" && base != tt.base {
				t.Errorf("base string\n got %s\nwant %s", base, tt.base)
			}
			if got := HMACSHA1(tt.consumerSecret, tt.tokenSecet, base); got != tt.signature {
				t.Errorf("signature %s, want %s", got, tt.signature)
			}
		})
	}
}

// TestVerifyOAuthPublishedRequest checks the whole verification on X's
// published request: header parsing, form body, base URI of what arrived.
func TestVerifyOAuthPublishedRequest(t *testing.T) {
	s := New()
	defer s.Close()
	s.AddApp(App{ConsumerKey: "xvz1evFS4wEEPTGEFPHBog", ConsumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"})
	s.AddAccount(Account{ConsumerKey: "xvz1evFS4wEEPTGEFPHBog", Token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", TokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE", User: User{ID: "370773112"}})
	s.SetClock(func() time.Time { return time.Unix(1318622958, 0) })
	body := "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21"
	newReq := func() *http.Request {
		r := httptest.NewRequest("POST", "https://api.twitter.com/1.1/statuses/update.json?include_entities=true", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Authorization", `OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1318622958", oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", oauth_version="1.0"`)
		return r
	}
	if acct, why := s.verifyOAuth(newReq(), []byte(body)); acct == nil {
		t.Fatalf("X's published request refused: %s", why)
	}
	if acct, why := s.verifyOAuth(newReq(), []byte(body)); acct != nil || why != "nonce used before" {
		t.Errorf("replay accepted (%v)", why)
	}
	s.SetClock(func() time.Time { return time.Unix(1318622958, 0).Add(6 * time.Minute) })
	r := newReq()
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "kYjz", "aYjz", 1))
	if acct, why := s.verifyOAuth(r, []byte(body)); acct != nil || why != "oauth_timestamp out of bounds" {
		t.Errorf("stale timestamp: %v", why)
	}
}

// signedClient signs like the provider does, with the library.
func signedClient(s *Server, consumerKey, consumerSecret, token, tokenSecret string) *http.Client {
	ctx := context.WithValue(context.Background(), oauth1.HTTPClient, s.Client())
	return oauth1.NewConfig(consumerKey, consumerSecret).Client(ctx, oauth1.NewToken(token, tokenSecret))
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAuthentication(t *testing.T) {
	s := New()
	defer s.Close()
	good := signedClient(s, ConsumerKey, ConsumerSecret, AccessToken, AccessTokenSecret)
	bearer := func(token string) *http.Client {
		return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context())
			r.Header.Set("Authorization", "Bearer "+token)
			return s.Client().Transport.RoundTrip(r)
		})}
	}
	tests := []struct {
		name   string
		c      *http.Client
		path   string
		status int
		has    string
	}{
		{"signed", good, "/2/users/me", 200, `"username":"` + Username + `"`},
		{"signed with a query", good, "/2/users/" + CustomerID + "?user.fields=profile_image_url,created_at", 200, CustomerPicture},
		{"wrong consumer secret", signedClient(s, ConsumerKey, "x"+ConsumerSecret[1:], AccessToken, AccessTokenSecret), "/2/users/me", 401, "Unauthorized"},
		{"wrong token secret", signedClient(s, ConsumerKey, ConsumerSecret, AccessToken, "x"+AccessTokenSecret[1:]), "/2/users/me", 401, "Unauthorized"},
		{"unknown token", signedClient(s, ConsumerKey, ConsumerSecret, UserID+"-nope", AccessTokenSecret), "/2/users/me", 401, "Unauthorized"},
		{"unsigned", s.Client(), "/2/users/me", 401, "Unauthorized"},
		{"bearer where user context is needed", bearer(BearerToken), "/2/users/me", 403, "Unsupported Authentication"},
		{"user context where bearer is needed", good, "/2/webhooks", 403, "OAuth 2.0 Application-Only"},
		{"bearer", bearer(BearerToken), "/2/webhooks", 200, `"result_count":0`},
		{"wrong bearer", bearer("AAAA"), "/2/webhooks", 401, "Unauthorized"},
		{"unknown path", good, "/2/nothing", 404, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, tt.c, s.URL+tt.path)
			if status != tt.status || !strings.Contains(body, tt.has) {
				t.Errorf("%d %s; want %d with %q", status, body, tt.status, tt.has)
			}
		})
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAppToken(t *testing.T) {
	s := New()
	defer s.Close()
	post := func(key, secret, body string) (int, string) {
		req, _ := http.NewRequest("POST", s.URL+"/oauth2/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
		req.SetBasicAuth(url.QueryEscape(key), url.QueryEscape(secret))
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := post(ConsumerKey, ConsumerSecret, "grant_type=client_credentials"); status != 200 || !strings.Contains(body, `"token_type":"bearer"`) || !strings.Contains(body, BearerToken) {
		t.Errorf("%d %s", status, body)
	}
	if status, body := post(ConsumerKey, "wrong", "grant_type=client_credentials"); status != 403 || !strings.Contains(body, `"code":99`) {
		t.Errorf("%d %s", status, body)
	}
	if status, _ := post(ConsumerKey, ConsumerSecret, "grant_type=password"); status != 403 {
		t.Errorf("grant_type=password: %d", status)
	}
}

func TestSendDMs(t *testing.T) {
	s := New()
	defer s.Close()
	c := signedClient(s, ConsumerKey, ConsumerSecret, AccessToken, AccessTokenSecret)
	send := func(to, body string) (int, string) {
		resp, err := c.Post(s.URL+"/2/dm_conversations/with/"+to+"/messages", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	s.RefuseDMs("44196397", "")
	tests := []struct {
		name, to, body string
		status         int
		has            string
	}{
		{"text", CustomerID, `{"text":"Hello"}`, 201, `"dm_event_id":"1800000000000000001"`},
		{"conversation id", CustomerID, `{"text":"Again"}`, 201, `"dm_conversation_id":"` + CustomerID + "-" + UserID + `"`},
		{"no text", CustomerID, `{}`, 400, "$.text"},
		{"too long", CustomerID, `{"text":"` + strings.Repeat("é", maxDMText+1) + `"}`, 400, "at most 10000"},
		{"at the limit", CustomerID, `{"text":"` + strings.Repeat("é", maxDMText) + `"}`, 201, "dm_event_id"},
		{"bad participant", "furiouscamper", `{"text":"x"}`, 400, "participant_id"},
		{"refused", "44196397", `{"text":"x"}`, 403, "not permitted"},
		{"not JSON", CustomerID, `text=x`, 400, "Invalid Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send(tt.to, tt.body)
			if status != tt.status || !strings.Contains(body, tt.has) {
				t.Errorf("%d %s; want %d with %q", status, body, tt.status, tt.has)
			}
		})
	}
	if dms := s.DMs(); len(dms) != 3 || dms[0].Text != "Hello" || dms[0].RecipientID != CustomerID || dms[0].SenderID != UserID {
		t.Errorf("recorded %+v", dms)
	}
}

func TestConcurrentDMs(t *testing.T) {
	s := New()
	defer s.Close()
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := signedClient(s, ConsumerKey, ConsumerSecret, AccessToken, AccessTokenSecret)
			resp, err := c.Post(s.URL+"/2/dm_conversations/with/"+CustomerID+"/messages", "application/json", strings.NewReader(fmt.Sprintf(`{"text":"m%d"}`, i)))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 201 {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dms, err := s.WaitDMs(ctx, n)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, dm := range dms {
		if seen[dm.EventID] {
			t.Errorf("event id %s given twice", dm.EventID)
		}
		seen[dm.EventID] = true
	}
}

func TestWebhooksAndSubscriptions(t *testing.T) {
	s := New()
	defer s.Close()
	user := signedClient(s, ConsumerKey, ConsumerSecret, AccessToken, AccessTokenSecret)
	do := func(c *http.Client, method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const target = "https://switchboard.example.com/webhooks/acc_1"
	status, body := do(user, "POST", "/2/webhooks", `{"url":"`+target+`"}`)
	if status != 200 {
		t.Fatalf("create: %d %s", status, body)
	}
	var created struct {
		Data struct {
			ID    string `json:"id"`
			Valid bool   `json:"valid"`
		} `json:"data"`
	}
	json.Unmarshal([]byte(body), &created)
	id := created.Data.ID
	steps := []struct {
		name, method, path, body string
		status                   int
		has                      string
	}{
		{"duplicate", "POST", "/2/webhooks", `{"url":"` + target + `"}`, 400, "DuplicateUrlFailed"},
		{"over the limit", "POST", "/2/webhooks", `{"url":"https://other.example.com/h"}`, 400, "WebhookLimitExceeded"},
		{"http", "POST", "/2/webhooks", `{"url":"http://switchboard.example.com/h"}`, 400, "UrlValidationFailed"},
		{"port", "POST", "/2/webhooks", `{"url":"https://switchboard.example.com:8443/h"}`, 400, "UrlValidationFailed"},
		{"subscribe", "POST", "/2/account_activity/webhooks/" + id + "/subscriptions/all", `{}`, 200, `"subscribed":true`},
		{"subscribe again", "POST", "/2/account_activity/webhooks/" + id + "/subscriptions/all", `{}`, 400, "DuplicateSubscriptionFailed"},
		{"subscription", "GET", "/2/account_activity/webhooks/" + id + "/subscriptions/all", ``, 200, `"subscribed":true`},
		{"subscribe to an unknown webhook", "POST", "/2/account_activity/webhooks/1/subscriptions/all", `{}`, 400, "WebhookIdInvalid"},
		{"validate", "PUT", "/2/webhooks/" + id, ``, 200, `{"data":{"attempted":true}}`},
		{"delete", "DELETE", "/2/webhooks/" + id, ``, 200, `"deleted":true`},
		{"delete again", "DELETE", "/2/webhooks/" + id, ``, 400, "WebhookIdInvalid"},
	}
	for _, st := range steps {
		status, body := do(user, st.method, st.path, st.body)
		if status != st.status || !strings.Contains(body, st.has) {
			t.Errorf("%s: %d %s; want %d with %q", st.name, status, body, st.status, st.has)
		}
	}
	s.SetCRC(func(string) bool { return false })
	if status, body := do(user, "POST", "/2/webhooks", `{"url":"`+target+`"}`); status != 400 || !strings.Contains(body, "CrcValidationFailed") {
		t.Errorf("failing CRC: %d %s", status, body)
	}
	if len(s.Webhooks(ConsumerKey)) != 0 {
		t.Errorf("webhooks left: %+v", s.Webhooks(ConsumerKey))
	}
}

func TestDeliverCRC(t *testing.T) {
	// A webhook that answers CRCs right, and one that answers them wrong.
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"response_token": CRCResponseToken(ConsumerSecret, r.URL.Query().Get("crc_token"))})
	}))
	defer good.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"response_token": CRCResponseToken("other", r.URL.Query().Get("crc_token"))})
	}))
	defer bad.Close()
	crc := DeliverCRC(http.DefaultClient, ConsumerSecret)
	if !crc(good.URL + "/webhooks/a?x=1") {
		t.Error("a right answer failed")
	}
	if crc(bad.URL) {
		t.Error("a wrong answer passed")
	}
}

func TestFaults(t *testing.T) {
	s := New()
	defer s.Close()
	c := signedClient(s, ConsumerKey, ConsumerSecret, AccessToken, AccessTokenSecret)
	s.FailNext(EndpointMe, Pass, RateLimited)
	if status, _ := get(t, c, s.URL+"/2/users/me"); status != 200 {
		t.Errorf("Pass: %d", status)
	}
	resp, err := c.Get(s.URL + "/2/users/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reset := resp.Header.Get("X-Rate-Limit-Reset")
	if resp.StatusCode != 429 || reset == "" || resp.Header.Get("X-Rate-Limit-Remaining") != "0" {
		t.Errorf("rate limited: %d, reset %q", resp.StatusCode, reset)
	}
	s.FailNext(EndpointSendDM, Fault{Status: 503, Accept: true})
	r2, err := c.Post(s.URL+"/2/dm_conversations/with/"+CustomerID+"/messages", "application/json", strings.NewReader(`{"text":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != 503 || len(s.DMs()) != 1 {
		t.Errorf("accepted fault: %d, %d DMs", r2.StatusCode, len(s.DMs()))
	}
	s.SetFailing(EndpointMe, Dropped)
	if _, err := c.Get(s.URL + "/2/users/me"); err == nil {
		t.Error("dropped connection answered")
	}
	s.ClearFailing(EndpointMe)
	if status, _ := get(t, c, s.URL+"/2/users/me"); status != 200 {
		t.Errorf("after ClearFailing: %d", status)
	}
}

func TestMedia(t *testing.T) {
	s := New()
	defer s.Close()
	u := s.SetMedia("/1.1/ton/data/dm/1/2/a.jpg", "image/jpeg", []byte("JPEG"))
	c := signedClient(s, ConsumerKey, ConsumerSecret, AccessToken, AccessTokenSecret)
	if status, body := get(t, c, u); status != 200 || body != "JPEG" {
		t.Errorf("%d %q", status, body)
	}
	if status, _ := get(t, s.Client(), u); status != 401 {
		t.Errorf("unsigned: %d", status)
	}
	if status, _ := get(t, c, s.URL+"/1.1/ton/data/dm/1/2/none.jpg"); status != 404 {
		t.Errorf("unknown: %d", status)
	}
}
