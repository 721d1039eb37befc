package whatsappcloud

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta/metatest"
	"github.com/switchboard/switchboard/providers/whatsappcloud/whatsappcloudtest"
)

func TestFetchMedia(t *testing.T) {
	srv, p, env := newFake(t)
	data := []byte("%PDF-1.7 customer's document")
	id := srv.AddMedia(data, "application/pdf", "")
	got, err := p.FetchMedia(context.Background(), env, testAccount, providers.Attachment{Type: providers.AttachmentFile, FileID: id, FileName: "Invoice March.pdf"})
	if err != nil {
		t.Fatalf("FetchMedia: %v", err)
	}
	if string(got.Data) != string(data) || got.MimeType != "application/pdf" || got.FileName != "Invoice March.pdf" {
		t.Errorf("media %q %s %s", got.Data, got.MimeType, got.FileName)
	}
	r := srv.Requests()[0]
	if r.Path != id || r.Query.Get("phone_number_id") != testNumber || r.TokenVia != "header" {
		t.Errorf("request %+v", r)
	}
	// The webhook's MIME type wins over the one Meta serves.
	got, err = p.FetchMedia(context.Background(), env, testAccount, providers.Attachment{FileID: id, MimeType: "application/x-pdf"})
	if err != nil || got.MimeType != "application/x-pdf" {
		t.Errorf("%v %v", got.MimeType, err)
	}
}

func TestFetchMediaFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(srv *whatsappcloudtest.Server) providers.Attachment
		acct      providers.Account
		retryable bool
		reason    string
	}{
		{"unknown media ID", func(s *whatsappcloudtest.Server) providers.Attachment { return providers.Attachment{FileID: "4242"} }, testAccount, false, "subcode 33"},
		{"no media ID", func(s *whatsappcloudtest.Server) providers.Attachment { return providers.Attachment{} }, testAccount, false, "no media ID"},
		{"no token", func(s *whatsappcloudtest.Server) providers.Attachment { return providers.Attachment{FileID: "1"} }, providers.Account{}, false, "no access token"},
		{"expired URL", func(s *whatsappcloudtest.Server) providers.Attachment {
			s.FailNextDownload(http.StatusUnauthorized)
			return providers.Attachment{FileID: s.AddMedia([]byte("x"), "image/jpeg", "")}
		}, testAccount, true, "refused or expired"},
		{"gone", func(s *whatsappcloudtest.Server) providers.Attachment {
			s.FailNextDownload(http.StatusNotFound)
			return providers.Attachment{FileID: s.AddMedia([]byte("x"), "image/jpeg", "")}
		}, testAccount, false, "no longer has this media"},
		{"media server down", func(s *whatsappcloudtest.Server) providers.Attachment {
			s.FailNextDownload(http.StatusServiceUnavailable)
			return providers.Attachment{FileID: s.AddMedia([]byte("x"), "image/jpeg", "")}
		}, testAccount, true, "HTTP 503"},
		{"metadata outage", func(s *whatsappcloudtest.Server) providers.Attachment {
			s.FailNext("{id}", metatest.ErrTemporary.Reply())
			return providers.Attachment{FileID: "1"}
		}, testAccount, true, "code 2"},
		{"too big", func(s *whatsappcloudtest.Server) providers.Attachment {
			s.FailNext("{id}", metatest.Reply{Body: `{"url":"https://lookaside.fbsbx.com/x","mime_type":"video/mp4","file_size":"209715200","id":"9"}`})
			return providers.Attachment{FileID: "9"}
		}, testAccount, false, "over WhatsApp's 100 MB"},
		{"URL elsewhere over http", func(s *whatsappcloudtest.Server) providers.Attachment {
			s.FailNext("{id}", metatest.Reply{Body: `{"url":"http://attacker.example/x","mime_type":"image/jpeg","id":"9"}`})
			return providers.Attachment{FileID: "9"}
		}, testAccount, false, "not https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			att := tt.setup(srv)
			_, err := p.FetchMedia(context.Background(), env, tt.acct, att)
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable != tt.retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Fatalf("err = %v, want retryable=%v about %q", err, tt.retryable, tt.reason)
			}
			if !strings.Contains(err.Error()+se.Err.Error(), "whatsappcloud: fetch media") && !strings.Contains(se.Reason, "whatsappcloud: fetch media") {
				t.Errorf("error without context: %v", err)
			}
			checkNoSecret(t, err)
		})
	}
}

// TestFetchMediaCredentials checks that a revoked token is told apart from a
// media ID Meta does not know.
func TestFetchMediaCredentials(t *testing.T) {
	for _, tt := range []struct {
		name        string
		revoke      bool
		credentials bool
	}{
		{"revoked token", true, true},
		{"unknown media ID", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			id := srv.AddMedia([]byte("x"), "image/jpeg", "")
			if tt.revoke {
				srv.RevokeToken(testToken)
			} else {
				id = "4242"
			}
			_, err := p.FetchMedia(context.Background(), env, testAccount, providers.Attachment{FileID: id})
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable || se.Credentials != tt.credentials {
				t.Fatalf("err = %#v, want a permanent SendError with Credentials %v", err, tt.credentials)
			}
		})
	}
}

// TestFetchMediaTokenStaysHome: the token goes to an https URL Meta names, or
// to the Graph API's own host, and nowhere else.
func TestFetchMediaTokenStaysHome(t *testing.T) {
	var gotAuth string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { gotAuth = r.Header.Get("Authorization") }))
	defer other.Close()
	srv, p, env := newFake(t)
	srv.FailNext("{id}", metatest.Reply{Body: `{"url":"` + other.URL + `/x","mime_type":"image/jpeg","id":"9"}`})
	if _, err := p.FetchMedia(context.Background(), env, testAccount, providers.Attachment{FileID: "9"}); err == nil || gotAuth != "" {
		t.Errorf("err = %v, the other host saw %q", err, gotAuth)
	}
}

func TestFetchMediaTimeout(t *testing.T) {
	srv, p, env := newFake(t)
	srv.FailNext("{id}", metatest.Reply{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.FetchMedia(ctx, env, testAccount, providers.Attachment{FileID: "1"})
	var se *providers.SendError
	if !errors.As(err, &se) || !se.Retryable || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
}
