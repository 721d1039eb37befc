package wechat

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/wechat/wechattest"
)

func TestFetchMedia(t *testing.T) {
	pngData := pngImage(t)
	amr := append([]byte("#!AMR\n"), 1, 2, 3)
	mp4 := []byte("\x00\x00\x00\x18ftypmp42 video bytes")
	tests := []struct {
		name string
		add  wechattest.Media
		att  providers.Attachment
		want providers.Media
	}{
		{"image", wechattest.Media{Type: "image", FileName: "photo.png", ContentType: "image/png", Data: pngData},
			providers.Attachment{Type: providers.AttachmentImage}, providers.Media{Data: pngData, MimeType: "image/png", FileName: "photo.png"}},
		{"voice", wechattest.Media{Type: "voice", FileName: "voice.amr", ContentType: "audio/amr", Data: amr},
			providers.Attachment{Type: providers.AttachmentVoice, MimeType: "audio/amr"}, providers.Media{Data: amr, MimeType: "audio/amr", FileName: "voice.amr"}},
		{"video by its video_url", wechattest.Media{Type: "video", FileName: "v.mp4", ContentType: "video/mp4", Data: mp4},
			providers.Attachment{Type: providers.AttachmentVideo, MimeType: "video/mp4"}, providers.Media{Data: mp4, MimeType: "video/mp4"}},
		{"served without a type: the attachment's", wechattest.Media{Type: "voice", FileName: "x", ContentType: "application/octet-stream", Data: amr},
			providers.Attachment{Type: providers.AttachmentVoice, MimeType: "audio/amr"}, providers.Media{Data: amr, MimeType: "audio/amr", FileName: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			tt.att.FileID = fake.AddMedia(tt.add)
			got, err := p.FetchMedia(context.Background(), env, testAccount, tt.att)
			if err != nil {
				t.Fatalf("FetchMedia: %v", err)
			}
			if !bytes.Equal(got.Data, tt.want.Data) || got.MimeType != tt.want.MimeType || got.FileName != tt.want.FileName {
				t.Errorf("got %q %s %q, want %q %s %q", got.Data, got.MimeType, got.FileName, tt.want.Data, tt.want.MimeType, tt.want.FileName)
			}
			gets := requestsTo(fake, mediaGetPath)
			if len(gets) != 1 || gets[0].Query.Get("media_id") != tt.att.FileID || gets[0].Query.Get("access_token") == "" {
				t.Errorf("media/get requests %+v", gets)
			}
		})
	}
}

func TestFetchMediaExpired(t *testing.T) {
	pngData := pngImage(t)
	t.Run("PicUrl stands in", func(t *testing.T) {
		fake, p, env := newFake(t)
		files := fileServer(t, map[string]struct {
			ct   string
			data []byte
		}{"/mmbiz_jpg/0": {"image/png", pngData}})
		env.HTTP = &http.Client{}
		got, err := p.FetchMedia(context.Background(), env, testAccount, providers.Attachment{Type: providers.AttachmentImage, FileID: "gone", URL: files.URL + "/mmbiz_jpg/0"})
		if err != nil || !bytes.Equal(got.Data, pngData) || got.MimeType != "image/png" {
			t.Errorf("got %d bytes %s, %v", len(got.Data), got.MimeType, err)
		}
		if gets := requestsTo(fake, mediaGetPath); len(gets) != 1 || gets[0].Errcode != 40007 {
			t.Errorf("media/get %+v", gets)
		}
	})
	t.Run("nothing else: permanent", func(t *testing.T) {
		_, p, env := newFake(t)
		_, err := p.FetchMedia(context.Background(), env, testAccount, providers.Attachment{Type: providers.AttachmentVoice, FileID: "gone"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "three days") || !strings.Contains(se.Reason, "40007") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestFetchMediaErrors(t *testing.T) {
	tests := []struct {
		name      string
		prepare   func(f *wechattest.Server)
		retryable bool
		reason    string
	}{
		{"busy", func(f *wechattest.Server) { f.FailNext(wechattest.EndpointMediaGet, wechattest.SystemBusy) }, true, "busy"},
		{"502", func(f *wechattest.Server) { f.FailNext(wechattest.EndpointMediaGet, wechattest.BadGateway) }, true, "502"},
		{"token expired: renewed and fetched", func(f *wechattest.Server) { f.ExpireTokens(wechattest.AppID) }, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			id := fake.AddMedia(wechattest.Media{Type: "image", FileName: "a.png", ContentType: "image/png", Data: []byte("png")})
			if _, err := p.FetchMedia(context.Background(), env, testAccount, providers.Attachment{FileID: id}); err != nil {
				t.Fatal(err) // a token in the cache
			}
			tt.prepare(fake)
			_, err := p.FetchMedia(context.Background(), env, testAccount, providers.Attachment{FileID: id})
			if tt.reason == "" {
				if err != nil {
					t.Errorf("err = %v", err)
				}
				return
			}
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable != tt.retryable || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("err = %v", err)
			}
			checkErrNoSecret(t, fake, err)
		})
	}
	t.Run("no file ID or URL", func(t *testing.T) {
		_, p, env := newFake(t)
		if _, err := p.FetchMedia(context.Background(), env, testAccount, providers.Attachment{}); err == nil {
			t.Error("no error")
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		_, p, env := newFake(t)
		_, err := p.FetchMedia(context.Background(), env, withSecret(testAccount, "appSecret", ""), providers.Attachment{FileID: "x"})
		var se *providers.SendError
		if !errors.As(err, &se) || se.Retryable {
			t.Errorf("err = %v", err)
		}
	})
}

// TestFetchMediaCredentials checks that a refused AppSecret is told apart
// from a file WeChat no longer keeps.
func TestFetchMediaCredentials(t *testing.T) {
	for _, tt := range []struct {
		name        string
		acct        providers.Account
		credentials bool
	}{
		{"bad AppSecret", withSecret(testAccount, "appSecret", "00000000000000000000000000000000"), true},
		{"no AppSecret", withSecret(testAccount, "appSecret", ""), true},
		{"expired file", testAccount, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			id := fake.AddMedia(wechattest.Media{Type: "image", FileName: "a.png", ContentType: "image/png", Data: []byte("png")})
			fake.RemoveMedia(id)
			_, err := p.FetchMedia(context.Background(), env, tt.acct, providers.Attachment{FileID: id})
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable || se.Credentials != tt.credentials {
				t.Fatalf("err = %#v, want a permanent SendError with Credentials %v", err, tt.credentials)
			}
		})
	}
}

func TestDispositionName(t *testing.T) {
	for cd, want := range map[string]string{
		`attachment; filename="photo.jpg"`:       "photo.jpg",
		`attachment; filename="../../etc/x.jpg"`: "x.jpg",
		`attachment; filename="a\b.jpg"`:         "b.jpg",
		`attachment`:                             "",
		`attachment; filename=".."`:              "",
		`%%%`:                                    "",
	} {
		if got := dispositionName(cd); got != want {
			t.Errorf("dispositionName(%q) = %q, want %q", cd, got, want)
		}
	}
}
