package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
)

// getFileAnswer is the Bot API's File object for a file_path.
func getFileAnswer(path string, size int) telegramtest.Reply {
	return telegramtest.Reply{Body: `{"ok":true,"result":{"file_id":"AwACAgIAAxkBAAIBZ2ZQm4AAAQbR8q0Vj5c2H1uJtV0TAAJ9SgACqXeASqZ0hXrq7x3kNAQ","file_unique_id":"AgADfUoAAql3gEo","file_size":` + itoa(size) + `,"file_path":"` + path + `"}}`}
}

// served is a file as the file server serves it.
type served struct {
	body, contentType string
}

func TestFetchMedia(t *testing.T) {
	oggData := []byte("OggS\x00\x02 voice")
	tests := []struct {
		name   string
		att    providers.Attachment
		path   string
		served served
		want   providers.Media
	}{
		{
			name:   "type and name from the attachment",
			att:    providers.Attachment{Type: providers.AttachmentFile, FileID: "BQAC", MimeType: "application/vnd.ms-excel", FileName: "TabFig2015prel.xls"},
			path:   "documents/file_12.xls",
			served: served{body: "xls bytes", contentType: "application/octet-stream"},
			want:   providers.Media{Data: []byte("xls bytes"), MimeType: "application/vnd.ms-excel", FileName: "TabFig2015prel.xls"},
		},
		{
			name:   "type from the response",
			att:    providers.Attachment{Type: providers.AttachmentImage, FileID: "AgAC"},
			path:   "photos/file_0.jpg",
			served: served{body: "jpeg bytes", contentType: "image/png; charset=binary"},
			want:   providers.Media{Data: []byte("jpeg bytes"), MimeType: "image/png", FileName: "file_0.jpg"},
		},
		{
			name:   "type from the extension",
			att:    providers.Attachment{Type: providers.AttachmentVoice, FileID: "AwAC"},
			path:   "voice/file_3.oga",
			served: served{body: string(oggData), contentType: "application/octet-stream"},
			want:   providers.Media{Data: oggData, MimeType: "audio/ogg", FileName: "file_3.oga"},
		},
		{
			name:   "unknown type",
			att:    providers.Attachment{Type: providers.AttachmentFile, FileID: "BQAC"},
			path:   "documents/file_4",
			served: served{body: "?", contentType: "application/octet-stream"},
			want:   providers.Media{Data: []byte("?"), MimeType: "application/octet-stream", FileName: "file_4"},
		},
		{
			name:   "path is escaped",
			att:    providers.Attachment{Type: providers.AttachmentFile, FileID: "BQAC"},
			path:   "documents/file 5?.pdf",
			served: served{body: "%PDF", contentType: "application/octet-stream"},
			want:   providers.Media{Data: []byte("%PDF"), MimeType: "application/pdf", FileName: "file 5?.pdf"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			fake.AddFile(telegramtest.File{ID: tt.att.FileID, Path: tt.path, Data: []byte(tt.served.body), MimeType: tt.served.contentType})
			got, err := New(fake.URL).FetchMedia(context.Background(), fake.env(), testAccount, tt.att)
			if err != nil {
				t.Fatalf("FetchMedia: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			want := []apiCall{{Method: "getFile", ContentType: "application/json", Params: map[string]string{"file_id": tt.att.FileID}}}
			if calls := fake.Calls(); !reflect.DeepEqual(calls, want) {
				t.Errorf("calls %+v, want %+v", calls, want)
			}
		})
	}
}

func TestFetchMediaErrors(t *testing.T) {
	voice := providers.Attachment{Type: providers.AttachmentVoice, FileID: "AwAC", MimeType: "audio/ogg"}
	tests := []struct {
		name    string
		att     providers.Attachment
		acct    providers.Account
		getFile telegramtest.Reply
		// file is served at the getFile answer's path; download, when
		// set, answers the download instead.
		file      []byte
		download  *telegramtest.Reply
		retryable bool
		reason    string
	}{
		{name: "unknown file_id", att: voice, acct: testAccount,
			getFile: telegramtest.ErrorReply(400, "Bad Request: invalid file_id"),
			reason:  "Bad Request: invalid file_id"},
		{name: "file too big for getFile", att: voice, acct: testAccount,
			getFile: telegramtest.ErrorReply(400, "Bad Request: file is too big"),
			reason:  "Bad Request: file is too big"},
		{name: "bad token", att: voice, acct: testAccount, getFile: telegramtest.Unauthorized, reason: "Unauthorized"},
		{name: "getFile flood limit", att: voice, acct: testAccount, getFile: telegramtest.TooManyRequests, retryable: true, reason: "Too Many Requests: retry after 5"},
		{name: "getFile 500", att: voice, acct: testAccount, getFile: telegramtest.InternalError, retryable: true, reason: "Internal Server Error"},
		{name: "getFile 502 page", att: voice, acct: testAccount, getFile: telegramtest.BadGateway, retryable: true, reason: "telegram: getFile: HTTP 502 with an unreadable body"},
		{name: "download 404", att: voice, acct: testAccount, getFile: getFileAnswer("voice/file_3.oga", 10),
			reason: "telegram: download: HTTP 404 with an unreadable body"},
		{name: "download 502", att: voice, acct: testAccount, getFile: getFileAnswer("voice/file_3.oga", 10),
			download: &telegramtest.BadGateway, retryable: true,
			reason: "telegram: download: HTTP 502 with an unreadable body"},
		{name: "file_size over the limit", att: voice, acct: testAccount, getFile: getFileAnswer("voice/file_3.oga", maxDownload+1),
			reason: errFileTooBig.Error()},
		{name: "body over the limit", att: voice, acct: testAccount, getFile: getFileAnswer("videos/file_9.mp4", 100),
			file:   bytes.Repeat([]byte{'v'}, maxDownload+1),
			reason: errFileTooBig.Error()},
		{name: "no file_path", att: voice, acct: testAccount,
			getFile: telegramtest.Reply{Body: `{"ok":true,"result":{"file_id":"AwAC","file_unique_id":"AgAD","file_size":10}}`},
			reason:  errBadFilePath.Error()},
		{name: "absolute file_path of a local server", att: voice, acct: testAccount, getFile: getFileAnswer("/var/lib/telegram-bot-api/x/voice/file_3.oga", 10),
			reason: errBadFilePath.Error()},
		{name: "file_path climbing out", att: voice, acct: testAccount, getFile: getFileAnswer("voice/../../getMe", 10),
			reason: errBadFilePath.Error()},
		{name: "no file_id", att: providers.Attachment{Type: providers.AttachmentImage, URL: "https://x"}, acct: testAccount,
			reason: "telegram: getFile: the attachment has no file_id"},
		{name: "no token", att: voice, acct: providers.Account{}, reason: "telegram: getFile: the account has no bot token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeAPI(t)
			fake.reply(tt.getFile)
			if tt.file != nil {
				var path struct {
					Result struct {
						FilePath string `json:"file_path"`
					} `json:"result"`
				}
				if err := json.Unmarshal([]byte(tt.getFile.Body), &path); err != nil {
					t.Fatal(err)
				}
				fake.AddFile(telegramtest.File{Path: path.Result.FilePath, Data: tt.file})
			}
			if tt.download != nil {
				fake.FailNext(telegramtest.Download, *tt.download)
			}
			_, err := New(fake.URL).FetchMedia(context.Background(), fake.env(), tt.acct, tt.att)
			var se *providers.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *providers.SendError", err, err)
			}
			if se.Retryable != tt.retryable || se.Reason != tt.reason {
				t.Errorf("retryable %v reason %q, want %v %q", se.Retryable, se.Reason, tt.retryable, tt.reason)
			}
			checkNoToken(t, err)
		})
	}
}

// TestFetchMediaCredentials checks that a refused bot token is told apart from
// a file Telegram no longer has.
func TestFetchMediaCredentials(t *testing.T) {
	fake := telegramtest.NewServer(testToken)
	t.Cleanup(fake.Close)
	p, env := New(fake.URL), providers.Env{HTTP: fake.Client()}
	revoked := providers.Account{Secrets: map[string]string{"botToken": "123456:AAHrevokedRevokedRevokedRevoked"}}
	for _, tt := range []struct {
		name        string
		acct        providers.Account
		credentials bool
	}{
		{"revoked token", revoked, true},
		{"unknown file", testAccount, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.FetchMedia(context.Background(), env, tt.acct, providers.Attachment{FileID: "AwACgone"})
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable || se.Credentials != tt.credentials {
				t.Fatalf("err = %#v, want a permanent SendError with Credentials %v", err, tt.credentials)
			}
		})
	}
}

func TestFetchMediaTransportError(t *testing.T) {
	fake := newFakeAPI(t)
	p, env := New(fake.URL), fake.env()
	fake.Close()
	_, err := p.FetchMedia(context.Background(), env, testAccount, providers.Attachment{FileID: "AwAC"})
	var se *providers.SendError
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("err = %v, want a retryable SendError", err)
	}
	checkNoToken(t, err)
}

func TestFetchMediaDownloadTransportError(t *testing.T) {
	// getFile answers, then the file server hangs up mid-body.
	fake := newFakeAPI(t)
	fake.reply(getFileAnswer("voice/file_3.oga", 10))
	fake.FailNext(telegramtest.Download, telegramtest.Reply{Header: http.Header{"Content-Length": {"1000"}}, Body: "short"})
	_, err := New(fake.URL).FetchMedia(context.Background(), fake.env(), testAccount, providers.Attachment{FileID: "AwAC"})
	var se *providers.SendError
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("err = %v, want a retryable SendError", err)
	}
	checkNoToken(t, err)
}
