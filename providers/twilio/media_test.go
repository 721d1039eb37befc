package twilio

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
	"github.com/switchboard/switchboard/providers/twilio/twiliotest"
)

// guardedEnv is the fake's env with the redirect policy of Switchboard's HTTP
// client (core/safeurl): a request carrying credentials is never redirected.
// A provider that let the client follow Twilio's media redirect would fail here
// as it would in production.
func guardedEnv(srv *twiliotest.Server) providers.Env {
	c := *srv.Client()
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if via[0].Header.Get("Authorization") != "" {
			return errors.New("redirect refused: a signed or authenticated request is never redirected")
		}
		return nil
	}
	return providers.Env{HTTP: &c, Now: time.Now}
}

// inboundAttachment is the attachment ParseWebhook gives for media the fake
// hosts at mediaURL.
func inboundAttachment(t *testing.T, mediaURL, contentType string) providers.Attachment {
	t.Helper()
	m := twiliotest.Inbound{MessageSID: twiliotest.NewSID("MM", 900), From: "+14155551234", To: twiliotest.SandboxNumber,
		Media: []twiliotest.Media{{URL: mediaURL, ContentType: contentType}}}
	events, _, err := Provider{}.ParseWebhook(testAccount, signed(t, []byte(m.Form().Encode())))
	if err != nil || len(events) != 1 || len(events[0].Attachments) != 1 {
		t.Fatalf("events %+v, err %v", events, err)
	}
	return events[0].Attachments[0]
}

func TestFetchMedia(t *testing.T) {
	for _, enforced := range []bool{true, false} {
		t.Run("auth enforced "+map[bool]string{true: "on", false: "off"}[enforced], func(t *testing.T) {
			srv, acct, _ := newFake(t)
			srv.SetMediaAuth(enforced)
			att := inboundAttachment(t, srv.AddMedia([]byte("OggS voice"), "audio/ogg"), "audio/ogg")
			got, err := Provider{}.FetchMedia(context.Background(), guardedEnv(srv), acct, att)
			if err != nil {
				t.Fatalf("FetchMedia: %v", err)
			}
			if string(got.Data) != "OggS voice" || got.MimeType != "audio/ogg" {
				t.Errorf("media %q %s", got.Data, got.MimeType)
			}
			reqs := srv.Requests()
			if len(reqs) != 2 || reqs[0].Endpoint != twiliotest.EndpointMedia || !reqs[0].Authorized ||
				reqs[1].Endpoint != twiliotest.EndpointCDN || reqs[1].User != "" || reqs[1].HTTPStatus != http.StatusOK {
				t.Errorf("requests %+v: credentials to Twilio only, never to the CDN", reqs)
			}
		})
	}
}

func TestFetchMediaTypeFromServer(t *testing.T) {
	srv, acct, _ := newFake(t)
	att := providers.Attachment{Type: providers.AttachmentImage, FileID: srv.AddMedia([]byte("PNG"), "image/png; q=1")}
	got, err := Provider{}.FetchMedia(context.Background(), guardedEnv(srv), acct, att)
	if err != nil || got.MimeType != "image/png" {
		t.Errorf("media %+v, err %v", got, err)
	}
	// URL alone (no FileID) works too.
	att = providers.Attachment{Type: providers.AttachmentImage, URL: srv.AddMedia([]byte("PNG"), "image/png"), FileName: "a.png"}
	if got, err := (Provider{}).FetchMedia(context.Background(), guardedEnv(srv), acct, att); err != nil || got.FileName != "a.png" {
		t.Errorf("by URL: %+v, %v", got, err)
	}
}

func TestFetchMediaFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(srv *twiliotest.Server, acct *providers.Account) providers.Attachment
		retryable bool
		reason    string
	}{
		{"wrong auth token", func(srv *twiliotest.Server, acct *providers.Account) providers.Attachment {
			acct.Secrets = map[string]string{"authToken": strings.Repeat("0", 32)}
			return providers.Attachment{FileID: srv.AddMedia([]byte("x"), "image/jpeg")}
		}, false, "refused the account's credentials"},
		{"no auth token", func(srv *twiliotest.Server, acct *providers.Account) providers.Attachment {
			acct.Secrets = nil
			return providers.Attachment{FileID: srv.AddMedia([]byte("x"), "image/jpeg")}
		}, false, "no Twilio Auth Token"},
		{"deleted", func(srv *twiliotest.Server, acct *providers.Account) providers.Attachment {
			return providers.Attachment{FileID: srv.URL + "/2010-04-01/Accounts/" + twiliotest.DefaultAccountSID + "/Messages/" +
				twiliotest.NewSID("MM", 1) + "/Media/" + twiliotest.NewSID("ME", 1)}
		}, false, "no longer has this media"},
		{"Twilio unavailable", func(srv *twiliotest.Server, acct *providers.Account) providers.Attachment {
			srv.FailNext(twiliotest.EndpointMedia, twiliotest.ServiceUnavailable)
			return providers.Attachment{FileID: srv.AddMedia([]byte("x"), "image/jpeg")}
		}, true, "HTTP 503"},
		{"CDN unavailable", func(srv *twiliotest.Server, acct *providers.Account) providers.Attachment {
			srv.FailNext(twiliotest.EndpointCDN, twiliotest.Reply{HTTPStatus: 500, Body: "oops"})
			return providers.Attachment{FileID: srv.AddMedia([]byte("x"), "image/jpeg")}
		}, true, "HTTP 500"},
		{"redirect without Location", func(srv *twiliotest.Server, acct *providers.Account) providers.Attachment {
			srv.FailNext(twiliotest.EndpointMedia, twiliotest.Reply{HTTPStatus: 302, Body: " "})
			return providers.Attachment{FileID: srv.AddMedia([]byte("x"), "image/jpeg")}
		}, false, "without a usable Location"},
		{"no URL", func(*twiliotest.Server, *providers.Account) providers.Attachment {
			return providers.Attachment{Type: providers.AttachmentImage}
		}, false, "no media URL"},
		{"not a URL", func(*twiliotest.Server, *providers.Account) providers.Attachment {
			return providers.Attachment{FileID: "ME123"}
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
		att := providers.Attachment{FileID: srv.AddMedia([]byte("x"), "image/jpeg")}
		srv.Close()
		_, err := Provider{}.FetchMedia(context.Background(), guardedEnv(srv), acct, att)
		var se *providers.SendError
		if err == nil || errors.As(err, &se) || !strings.HasPrefix(err.Error(), "twilio: fetch media: ") {
			t.Errorf("err = %v: transport errors stay errors for the caller to classify", err)
		}
		checkNoToken(t, err)
	})
}

// TestFetchMediaCredentials checks that an Auth Token Twilio refuses is told
// apart from media it deleted.
func TestFetchMediaCredentials(t *testing.T) {
	for _, tt := range []struct {
		name        string
		wrongToken  bool
		credentials bool
	}{
		{"wrong auth token", true, true},
		{"deleted", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, _ := newFake(t)
			att := providers.Attachment{FileID: srv.URL + "/2010-04-01/Accounts/" + twiliotest.DefaultAccountSID + "/Messages/" +
				twiliotest.NewSID("MM", 1) + "/Media/" + twiliotest.NewSID("ME", 1)}
			if tt.wrongToken {
				acct.Secrets = map[string]string{"authToken": strings.Repeat("0", 32)}
				att.FileID = srv.AddMedia([]byte("x"), "image/jpeg")
			}
			_, err := Provider{}.FetchMedia(context.Background(), guardedEnv(srv), acct, att)
			se := asSendError(t, err)
			if se.Retryable || se.Credentials != tt.credentials {
				t.Errorf("SendError %+v, want permanent with Credentials %v", se, tt.credentials)
			}
		})
	}
}

// TestFetchMediaElsewhere: a media URL that is not Twilio's is fetched without
// the account's credentials.
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
		t.Errorf("Authorization sent to a host that is not Twilio's: %q", auth)
	}
}

func TestIsTwilio(t *testing.T) {
	tests := []struct {
		base, raw string
		want      bool
	}{
		{DefaultAPIURL, "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", true},
		{"http://127.0.0.1:9000", "http://127.0.0.1:9000/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", true},
		{"http://127.0.0.1:9000", "https://api.twilio.com/2010-04-01/x", true},
		{"https://proxy.example/twilio", "https://proxy.example/twilio/2010-04-01/x", true},
		{"https://proxy.example/twilio", "https://proxy.example/other/x", false},
		{"http://127.0.0.1:9000", "http://127.0.0.1:90001/x", false},
		{DefaultAPIURL, "http://api.twilio.com/2010-04-01/x", false},
		{DefaultAPIURL, "https://api.twilio.com.evil.example/x", false},
		{DefaultAPIURL, "https://eviltwilio.com/x", false},
		{DefaultAPIURL, "https://mms.twiliocdn.com/x", false},
		{DefaultAPIURL, "https://media.example/x", false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := (account{base: tt.base}).isTwilio(tt.raw, u); got != tt.want {
			t.Errorf("isTwilio(%s, %s) = %v", tt.base, tt.raw, got)
		}
	}
}
