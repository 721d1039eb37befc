package line

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/line/linetest"
)

func TestFetchMedia(t *testing.T) {
	jpeg := []byte("\xff\xd8\xff\xe0 a jpeg")
	tests := []struct {
		name  string
		setup func(f *linetest.Server)
		att   providers.Attachment
		want  providers.Media
	}{
		{"image", func(f *linetest.Server) { f.SetContent("354718705033693859", "image/jpeg", jpeg) },
			providers.Attachment{Type: providers.AttachmentImage, FileID: "354718705033693859"},
			providers.Media{Data: jpeg, MimeType: "image/jpeg"}},
		{"file keeps its name; the served type wins", func(f *linetest.Server) { f.SetContent("325708", "text/plain; charset=utf-8", []byte("hello")) },
			providers.Attachment{Type: providers.AttachmentFile, FileID: "325708", FileName: "file.txt", MimeType: "application/octet-stream"},
			providers.Media{Data: []byte("hello"), MimeType: "text/plain", FileName: "file.txt"}},
		{"octet-stream falls back to the name", func(f *linetest.Server) { f.SetContent("325709", "application/octet-stream", []byte("%PDF")) },
			providers.Attachment{Type: providers.AttachmentFile, FileID: "325709", FileName: "Invoice.PDF"},
			providers.Media{Data: []byte("%PDF"), MimeType: "application/pdf", FileName: "Invoice.PDF"}},
		{"nothing says the type", func(f *linetest.Server) { f.SetContent("325710", "", []byte{1, 2}) },
			providers.Attachment{Type: providers.AttachmentFile, FileID: "325710"},
			providers.Media{Data: []byte{1, 2}, MimeType: "application/octet-stream"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			tt.setup(fake)
			got, err := p.FetchMedia(context.Background(), env, testAccount, tt.att)
			if err != nil {
				t.Fatalf("FetchMedia: %v", err)
			}
			if !bytes.Equal(got.Data, tt.want.Data) || got.MimeType != tt.want.MimeType || got.FileName != tt.want.FileName {
				t.Errorf("got %q %q %q, want %q %q %q", got.Data, got.MimeType, got.FileName, tt.want.Data, tt.want.MimeType, tt.want.FileName)
			}
			reqs := fake.Requests()
			if len(reqs) != 1 || reqs[0].Host != "api-data" || reqs[0].Path != "/v2/bot/message/"+tt.att.FileID+"/content" ||
				reqs[0].Header.Get("Authorization") != "Bearer "+linetest.Token {
				t.Errorf("requests %+v", reqs)
			}
		})
	}
}

func TestFetchMediaFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(f *linetest.Server)
		acct      providers.Account
		fileID    string
		retryable bool
		reason    string
	}{
		{"still preparing", func(f *linetest.Server) { f.SetPreparing("1") }, testAccount, "1", true, "still preparing"},
		{"unsent by the customer", func(f *linetest.Server) { f.SetGone("1") }, testAccount, "1", false, "unsent"},
		{"unknown", func(f *linetest.Server) {}, testAccount, "1", false, "does not have this file"},
		{"rate limited", func(f *linetest.Server) { f.FailNext(linetest.EndpointContent, linetest.RateLimited) }, testAccount, "1", true, "rate limit"},
		{"LINE down", func(f *linetest.Server) { f.FailNext(linetest.EndpointContent, linetest.BadGateway) }, testAccount, "1", true, "502"},
		{"bad token", func(f *linetest.Server) {}, providers.Account{Secrets: map[string]string{"channelAccessToken": "nope"}}, "1", false, "channel access token"},
		{"no token", func(f *linetest.Server) {}, providers.Account{}, "1", false, "no channel access token"},
		{"sticker", func(f *linetest.Server) {}, testAccount, "sticker:11537:52002738", false, "sticker"},
		{"no message ID", func(f *linetest.Server) {}, testAccount, "", false, "message ID"},
		{"an ID that leaves its path", func(f *linetest.Server) {}, testAccount, "../info", false, "message ID"},
		{"too big", func(f *linetest.Server) { f.SetContent("1", "video/mp4", make([]byte, maxDownload+1)) }, testAccount, "1", false, "larger than 20 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			tt.setup(fake)
			_, err := p.FetchMedia(context.Background(), env, tt.acct, providers.Attachment{Type: providers.AttachmentVideo, FileID: tt.fileID})
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Retryable != tt.retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("retryable %v, reason %q; want %v, %q", se.Retryable, se.Reason, tt.retryable, tt.reason)
			}
			checkErrNoSecret(t, err)
		})
	}
}

// TestFetchMediaCredentials checks that a revoked channel access token is told
// apart from content LINE no longer has.
func TestFetchMediaCredentials(t *testing.T) {
	fake, p, env := newFake(t)
	fake.SetGone("100")
	revoked := testAccount
	revoked.Secrets = map[string]string{"channelAccessToken": "revoked-token"}
	for _, tt := range []struct {
		name        string
		acct        providers.Account
		credentials bool
	}{
		{"revoked token", revoked, true},
		{"unsent by the customer", testAccount, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.FetchMedia(context.Background(), env, tt.acct, providers.Attachment{Type: providers.AttachmentImage, FileID: "100"})
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable || se.Credentials != tt.credentials {
				t.Fatalf("err = %#v, want a permanent SendError with Credentials %v", err, tt.credentials)
			}
		})
	}
}
