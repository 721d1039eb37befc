package nexmo

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/nexmo/nexmotest"
)

func TestFetchMedia(t *testing.T) {
	srv, acct, env := newFake(t)
	data := []byte("\xff\xd8\xff\xe0 a JPEG")
	u := srv.AddMedia(data, "image/jpeg")
	tests := []struct {
		name string
		att  providers.Attachment
		mime string
	}{
		{"by FileID", providers.Attachment{Type: providers.AttachmentImage, FileID: u, URL: u, FileName: "damage.jpg"}, "image/jpeg"},
		{"by URL", providers.Attachment{Type: providers.AttachmentImage, URL: u}, "image/jpeg"},
		{"the attachment's type wins", providers.Attachment{Type: providers.AttachmentImage, FileID: u, MimeType: "image/pjpeg"}, "image/pjpeg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Reset()
			m, err := Provider{}.FetchMedia(context.Background(), env, acct, tt.att)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(m.Data, data) || m.MimeType != tt.mime || m.FileName != tt.att.FileName {
				t.Errorf("media %+v", m)
			}
			// No credentials go to a URL a webhook named.
			if r := srv.Requests(); len(r) != 1 || r[0].Authorization || r[0].Endpoint != nexmotest.EndpointMedia {
				t.Errorf("requests %+v", r)
			}
		})
	}
}

func TestFetchMediaFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(srv *nexmotest.Server) string // the media URL
		retryable bool
		reason    string
	}{
		{"Secure Inbound Media", func(srv *nexmotest.Server) string {
			srv.SetSecureInboundMedia(true)
			return srv.AddMedia([]byte("x"), "image/png")
		}, false, "Secure Inbound Media"},
		{"expired", func(srv *nexmotest.Server) string { return srv.URL + "/v3/media/" + nexmotest.NewUUID(99) }, false, "no longer has this media (HTTP 404)"},
		{"Vonage's failure", func(srv *nexmotest.Server) string {
			srv.FailNext(nexmotest.EndpointMedia, nexmotest.InternalError)
			return srv.AddMedia([]byte("x"), "image/png")
		}, true, "HTTP 500"},
		{"rate limited", func(srv *nexmotest.Server) string {
			srv.FailNext(nexmotest.EndpointMedia, nexmotest.TooManyRequests)
			return srv.AddMedia([]byte("x"), "image/png")
		}, true, "HTTP 429"},
		{"other status", func(srv *nexmotest.Server) string {
			srv.FailNext(nexmotest.EndpointMedia, nexmotest.Reply{HTTPStatus: http.StatusTeapot, Body: "no"})
			return srv.AddMedia([]byte("x"), "image/png")
		}, false, "HTTP 418"},
		{"no URL", func(*nexmotest.Server) string { return "" }, false, "no media URL"},
		{"not a URL", func(*nexmotest.Server) string { return "file:///etc/passwd" }, false, "not an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			u := tt.setup(srv)
			_, err := Provider{}.FetchMedia(context.Background(), env, acct, providers.Attachment{Type: providers.AttachmentImage, FileID: u})
			se := asSendError(t, err)
			if se.Retryable != tt.retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("err %v (retryable %v)", err, se.Retryable)
			}
		})
	}
}

// TestFetchMediaCredentials checks that Secure Inbound Media, which refuses
// every download without the application's JWT, is told apart from a media
// URL that expired.
func TestFetchMediaCredentials(t *testing.T) {
	for _, tt := range []struct {
		name        string
		secure      bool
		credentials bool
	}{
		{"Secure Inbound Media", true, true},
		{"expired", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			u := srv.URL + "/v3/media/" + nexmotest.NewUUID(99)
			if tt.secure {
				srv.SetSecureInboundMedia(true)
				u = srv.AddMedia([]byte("x"), "image/png")
			}
			_, err := Provider{}.FetchMedia(context.Background(), env, acct, providers.Attachment{Type: providers.AttachmentImage, FileID: u})
			se := asSendError(t, err)
			if se.Retryable || se.Credentials != tt.credentials {
				t.Errorf("SendError %+v, want permanent with Credentials %v", se, tt.credentials)
			}
		})
	}
}

func TestFetchMediaTooLarge(t *testing.T) {
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		chunk := make([]byte, 1<<20)
		for range maxMediaBytes/len(chunk) + 1 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer big.Close()
	_, err := Provider{}.FetchMedia(context.Background(), providers.Env{HTTP: big.Client()}, testAccount, providers.Attachment{FileID: big.URL + "/v3/media/1"})
	if se := asSendError(t, err); se.Retryable || !strings.Contains(se.Reason, "larger than 20 MiB") {
		t.Errorf("err = %v", err)
	}
}

func TestFetchMediaUnreachable(t *testing.T) {
	srv, acct, env := newFake(t)
	u := srv.AddMedia([]byte("x"), "image/png")
	srv.Close()
	_, err := Provider{}.FetchMedia(context.Background(), env, acct, providers.Attachment{FileID: u})
	if err == nil || !strings.HasPrefix(err.Error(), "nexmo: fetch media: ") || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("err = %v", err)
	}
}
