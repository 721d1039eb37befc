package twitter

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/twitter/twittertest"
)

func TestFetchMedia(t *testing.T) {
	fake, p, env := newFake(t)
	photo := fake.SetMedia("/1.1/ton/data/dm/1221092871941558276/1221092866912550912/OwIPMAFC.png", "image/png", []byte("\x89PNG"))
	video := fake.SetMedia("/dm_video/762671519986319360/vid/720x1280/cV.mp4", "application/octet-stream", []byte("MP4"))
	// The attachment as ParseWebhook makes it from the fake's body.
	body := twittertest.DMBody(twittertest.UserID, nil, twittertest.PhotoDM("1802", twittertest.CustomerID, twittertest.UserID, "", photo, received))
	events, _, err := p.ParseWebhook(testAccount, webhookRequest(t, body, twittertest.ConsumerSecret))
	if err != nil || len(events) != 1 || len(events[0].Attachments) != 1 {
		t.Fatalf("events %+v, err %v", events, err)
	}
	tests := []struct {
		name       string
		att        providers.Attachment
		data, mime string
		fileName   string
	}{
		{"photo from a webhook", events[0].Attachments[0], "\x89PNG", "image/png", "OwIPMAFC.png"},
		{"type by extension when X says nothing", providers.Attachment{Type: providers.AttachmentVideo, FileID: video}, "MP4", "video/mp4", "cV.mp4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := p.FetchMedia(context.Background(), env, testAccount, tt.att)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(m.Data, []byte(tt.data)) || m.MimeType != tt.mime || m.FileName != tt.fileName {
				t.Errorf("media %q %s %s", m.Data, m.MimeType, m.FileName)
			}
		})
	}
	for _, r := range fake.Requests() {
		if r.Auth != "oauth1" || r.Status != 200 {
			t.Errorf("%s %s: auth %q, status %d", r.Method, r.Path, r.Auth, r.Status)
		}
	}
}

func TestFetchMediaErrors(t *testing.T) {
	tests := []struct {
		name        string
		fileID      func(f *twittertest.Server) string
		fault       *twittertest.Fault
		acct        providers.Account
		retryable   bool
		reason      string
		credentials bool
	}{
		{name: "not X's host", fileID: func(*twittertest.Server) string { return "https://evil.example.com/1.1/ton/data/dm/1/2/a.jpg" }, reason: "not one of X's media hosts"},
		{name: "X's host over http", fileID: func(*twittertest.Server) string { return "http://ton.twitter.com/1.1/ton/data/dm/1/2/a.jpg" }, reason: "not one of X's media hosts"},
		{name: "no URL", fileID: func(*twittertest.Server) string { return "" }, reason: "not one of X's media hosts"},
		{name: "gone", fileID: func(f *twittertest.Server) string { return f.URL + "/1.1/ton/data/dm/1/2/none.jpg" }, reason: "no longer has this file"},
		{name: "rate limited", fileID: servedFile, fault: &twittertest.RateLimited, retryable: true},
		{name: "X failing", fileID: servedFile, fault: &twittertest.ServiceUnavailable, retryable: true},
		{name: "connection dropped", fileID: servedFile, fault: &twittertest.Dropped, retryable: true},
		{name: "bad credentials", fileID: servedFile, acct: withSecret("accessTokenSecret", "nope"), reason: "credentials", credentials: true},
		{name: "no credentials", fileID: servedFile, acct: providers.Account{Secrets: map[string]string{}}, reason: "no consumer key", credentials: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			if tt.fault != nil {
				fake.FailNext(twittertest.EndpointMedia, *tt.fault)
			}
			acct := testAccount
			if tt.acct.Secrets != nil {
				acct = tt.acct
			}
			_, err := p.FetchMedia(context.Background(), env, acct, providers.Attachment{Type: providers.AttachmentImage, FileID: tt.fileID(fake)})
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable != tt.retryable || se.Credentials != tt.credentials || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("err = %#v; want retryable %v, credentials %v with %q", err, tt.retryable, tt.credentials, tt.reason)
			}
			checkErrNoSecret(t, err)
			if tt.name == "not X's host" && len(fake.Requests()) != 0 {
				t.Error("a foreign host was asked")
			}
		})
	}
	t.Run("too big", func(t *testing.T) {
		fake, p, env := newFake(t)
		u := fake.SetMedia("/dm_video/1/big.mp4", "video/mp4", make([]byte, maxDownload+1))
		_, err := p.FetchMedia(context.Background(), env, testAccount, providers.Attachment{FileID: u})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "larger than 20 MiB") {
			t.Errorf("err = %v", err)
		}
	})
}

// servedFile is a file the fake serves.
func servedFile(f *twittertest.Server) string {
	return f.SetMedia("/1.1/ton/data/dm/1/2/a.jpg", "image/jpeg", []byte("JPEG"))
}

func TestMediaHosts(t *testing.T) {
	p := Provider{}
	tests := map[string]bool{
		"https://ton.twitter.com/1.1/ton/data/dm/1/2/a.jpg":  true,
		"https://video.twimg.com/dm_video/1/vid/1x1/a.mp4":   true,
		"https://pbs.twimg.com/dm_gif/1/a.mp4":               true,
		"https://TON.twitter.com/1.1/ton/data/dm/1/2/a.jpg":  true,
		"https://ton.twitter.com.evil.example/a.jpg":         false,
		"https://api.x.com/2/users/me":                       false,
		"http://video.twimg.com/dm_video/1/vid/1x1/a.mp4":    false,
		"https://ton.twitter.com:8443/1.1/ton/data/dm/a.jpg": false,
	}
	for raw, want := range tests {
		u, _ := url.Parse(raw)
		if got := p.mediaHostAllowed(u); got != want {
			t.Errorf("%s: allowed %v, want %v", raw, got, want)
		}
	}
}
