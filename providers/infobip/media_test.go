package infobip

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/infobip/infobiptest"
)

// guardedEnv is the fake's env with the redirect policy of Switchboard's HTTP
// client (core/safeurl): a request carrying credentials is never redirected.
func guardedEnv(srv *infobiptest.Server) providers.Env {
	c := *srv.Client()
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if via[0].Header.Get("Authorization") != "" {
			return errors.New("redirect refused: a signed or authenticated request is never redirected")
		}
		return nil
	}
	return providers.Env{HTTP: &c, Now: time.Now}
}

// inboundAttachment is the attachment ParseWebhook gives for the media the
// fake posts in an inbound message.
func inboundAttachment(t *testing.T, srv *infobiptest.Server, typ, mediaURL string) providers.Attachment {
	t.Helper()
	r, err := srv.Inbound(context.Background(), testNotifyURL, infobiptest.Inbound{From: "385919998888", Message: infobiptest.Media(typ, mediaURL, "")})
	if err != nil {
		t.Fatal(err)
	}
	events, _, err := Provider{}.ParseWebhook(testAccount, fromHTTP(t, r))
	if err != nil || len(events) != 1 || len(events[0].Attachments) != 1 {
		t.Fatalf("events %+v, err %v", events, err)
	}
	return events[0].Attachments[0]
}

func TestFetchMedia(t *testing.T) {
	srv, acct, _ := newFake(t)
	att := inboundAttachment(t, srv, "VOICE", srv.AddMedia("", []byte("OggS voice"), "audio/ogg; codecs=opus", ""))
	if att.Type != providers.AttachmentVoice {
		t.Errorf("attachment %+v", att)
	}
	got, err := Provider{}.FetchMedia(context.Background(), guardedEnv(srv), acct, att)
	if err != nil {
		t.Fatalf("FetchMedia: %v", err)
	}
	if string(got.Data) != "OggS voice" || got.MimeType != "audio/ogg" || got.FileName != "" {
		t.Errorf("media %q %s %q", got.Data, got.MimeType, got.FileName)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Endpoint != infobiptest.EndpointMedia || !reqs[0].Authorized || reqs[0].HTTPStatus != http.StatusOK {
		t.Errorf("requests %+v", reqs)
	}
}

func TestFetchMediaNames(t *testing.T) {
	srv, acct, _ := newFake(t)
	u := srv.AddMedia("", []byte("%PDF"), "application/pdf", "Invoice 2024.pdf")
	got, err := Provider{}.FetchMedia(context.Background(), guardedEnv(srv), acct, providers.Attachment{URL: u})
	if err != nil || got.FileName != "Invoice 2024.pdf" || got.MimeType != "application/pdf" {
		t.Errorf("by URL: %+v, %v", got, err)
	}
	// The attachment's own type and name win.
	got, err = Provider{}.FetchMedia(context.Background(), guardedEnv(srv), acct, providers.Attachment{FileID: u, MimeType: "application/x-pdf", FileName: "a.pdf"})
	if err != nil || got.FileName != "a.pdf" || got.MimeType != "application/x-pdf" {
		t.Errorf("by FileID: %+v, %v", got, err)
	}
}

func TestFetchMediaFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(srv *infobiptest.Server, acct *providers.Account) providers.Attachment
		retryable bool
		reason    string
	}{
		{"wrong API key", func(srv *infobiptest.Server, acct *providers.Account) providers.Attachment {
			acct.Secrets["apiKey"] = strings.Repeat("0", 32)
			return providers.Attachment{FileID: srv.AddMedia("", []byte("x"), "image/jpeg", "")}
		}, false, "refused the API key"},
		{"no API key", func(srv *infobiptest.Server, acct *providers.Account) providers.Attachment {
			acct.Secrets = nil
			return providers.Attachment{FileID: srv.AddMedia("", []byte("x"), "image/jpeg", "")}
		}, false, "no Infobip API key"},
		{"expired", func(srv *infobiptest.Server, acct *providers.Account) providers.Attachment {
			return providers.Attachment{FileID: srv.URL + "/whatsapp/1/senders/" + infobiptest.DefaultSender + "/media/gone"}
		}, false, "no longer has this media"},
		{"Infobip unavailable", func(srv *infobiptest.Server, acct *providers.Account) providers.Attachment {
			srv.FailNext(infobiptest.EndpointMedia, infobiptest.ServiceUnavailable)
			return providers.Attachment{FileID: srv.AddMedia("", []byte("x"), "image/jpeg", "")}
		}, true, "HTTP 503"},
		{"redirect without Location", func(srv *infobiptest.Server, acct *providers.Account) providers.Attachment {
			srv.FailNext(infobiptest.EndpointMedia, infobiptest.Reply{HTTPStatus: 302, Body: " "})
			return providers.Attachment{FileID: srv.AddMedia("", []byte("x"), "image/jpeg", "")}
		}, false, "without a usable Location"},
		{"too large", func(srv *infobiptest.Server, acct *providers.Account) providers.Attachment {
			return providers.Attachment{FileID: srv.AddMedia("", make([]byte, maxMediaBytes+1), "video/mp4", "")}
		}, false, "larger than 20 MiB"},
		{"no URL", func(*infobiptest.Server, *providers.Account) providers.Attachment {
			return providers.Attachment{Type: providers.AttachmentImage}
		}, false, "no media URL"},
		{"not a URL", func(*infobiptest.Server, *providers.Account) providers.Attachment {
			return providers.Attachment{FileID: "20250_13_123"}
		}, false, "not an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, _ := newFake(t)
			att := tt.setup(srv, &acct)
			_, err := Provider{}.FetchMedia(context.Background(), guardedEnv(srv), acct, att)
			se := asSendError(t, err)
			if se.Retryable != tt.retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("SendError %+v, want retryable %v, %q", se, tt.retryable, tt.reason)
			}
		})
	}
	t.Run("server gone", func(t *testing.T) {
		srv, acct, _ := newFake(t)
		att := providers.Attachment{FileID: srv.AddMedia("", []byte("x"), "image/jpeg", "")}
		srv.Close()
		_, err := Provider{}.FetchMedia(context.Background(), guardedEnv(srv), acct, att)
		var se *providers.SendError
		if err == nil || errors.As(err, &se) || !strings.HasPrefix(err.Error(), "infobip: fetch media: ") {
			t.Errorf("err = %v: transport errors stay errors for the caller to classify", err)
		}
		checkNoKey(t, err)
	})
}

// TestFetchMediaCredentials checks that an API key Infobip refuses is told
// apart from media it no longer keeps.
func TestFetchMediaCredentials(t *testing.T) {
	for _, tt := range []struct {
		name        string
		wrongKey    bool
		credentials bool
	}{
		{"wrong API key", true, true},
		{"expired", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, _ := newFake(t)
			att := providers.Attachment{FileID: srv.URL + "/whatsapp/1/senders/" + infobiptest.DefaultSender + "/media/gone"}
			if tt.wrongKey {
				acct.Secrets["apiKey"] = strings.Repeat("0", 32)
				att.FileID = srv.AddMedia("", []byte("x"), "image/jpeg", "")
			}
			_, err := Provider{}.FetchMedia(context.Background(), guardedEnv(srv), acct, att)
			se := asSendError(t, err)
			if se.Retryable || se.Credentials != tt.credentials {
				t.Errorf("SendError %+v, want permanent with Credentials %v", se, tt.credentials)
			}
		})
	}
}

// TestFetchMediaRedirect: a redirect is followed once, without the key.
func TestFetchMediaRedirect(t *testing.T) {
	var (
		mu   sync.Mutex
		auth []string
	)
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("PNG"))
	}))
	defer cdn.Close()
	srv, acct, _ := newFake(t)
	srv.FailNext(infobiptest.EndpointMedia, infobiptest.Reply{HTTPStatus: http.StatusTemporaryRedirect, Body: " ", Header: http.Header{"Location": {cdn.URL + "/signed/1"}}})
	got, err := Provider{}.FetchMedia(context.Background(), guardedEnv(srv), acct, providers.Attachment{FileID: srv.AddMedia("", []byte("x"), "image/png", "")})
	if err != nil || string(got.Data) != "PNG" {
		t.Fatalf("media %+v, err %v", got, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(auth) != 1 || auth[0] != "" {
		t.Errorf("Authorization after the redirect: %q", auth)
	}
}

// TestFetchMediaElsewhere: a media URL that is not Infobip's is fetched
// without the API key.
func TestFetchMediaElsewhere(t *testing.T) {
	var (
		mu   sync.Mutex
		auth []string
	)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "image/gif")
		w.Write([]byte("GIF89a"))
	}))
	defer other.Close()
	srv, acct, _ := newFake(t)
	got, err := Provider{}.FetchMedia(context.Background(), guardedEnv(srv), acct, providers.Attachment{FileID: other.URL + "/pic.gif"})
	if err != nil || string(got.Data) != "GIF89a" || got.MimeType != "image/gif" {
		t.Fatalf("media %+v, err %v", got, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(auth) != 1 || auth[0] != "" {
		t.Errorf("Authorization sent to a host that is not Infobip's: %q", auth)
	}
}

func TestIsInfobip(t *testing.T) {
	tests := []struct {
		base, raw string
		want      bool
	}{
		{"https://xxxxx.api.infobip.com", "https://xxxxx.api.infobip.com/whatsapp/1/senders/4478/media/1", true},
		{"http://127.0.0.1:9000", "http://127.0.0.1:9000/whatsapp/1/senders/4478/media/1", true},
		{"http://127.0.0.1:9000", "https://api.infobip.com/whatsapp/1/senders/4478/media/1", true},
		{"http://127.0.0.1:9000", "https://yyyyy.api.infobip.com/x", true},
		{"https://proxy.example/infobip", "https://proxy.example/infobip/whatsapp/1/x", true},
		{"https://proxy.example/infobip", "https://proxy.example/other/x", false},
		{"http://127.0.0.1:9000", "http://127.0.0.1:90001/x", false},
		{"https://xxxxx.api.infobip.com", "http://yyyyy.api.infobip.com/x", false},
		{"https://xxxxx.api.infobip.com", "https://api.infobip.com.evil.example/x", false},
		{"https://xxxxx.api.infobip.com", "https://evilinfobip.com/x", false},
		{"https://xxxxx.api.infobip.com", "https://media.example/x", false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := (account{base: tt.base}).isInfobip(tt.raw, u); got != tt.want {
			t.Errorf("isInfobip(%s, %s) = %v", tt.base, tt.raw, got)
		}
	}
}
