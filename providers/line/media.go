package line

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// maxDownload is the largest file Switchboard keeps (core/media's limit).
const maxDownload = 20 << 20

// extMimeTypes names common types by extension, independent of the host's
// MIME tables, for files whose served type says nothing.
var extMimeTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp",
	".mp4": "video/mp4", ".mov": "video/quicktime", ".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".aac": "audio/aac",
	".pdf": "application/pdf", ".txt": "text/plain", ".csv": "text/csv", ".zip": "application/zip",
	".doc": "application/msword", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xls": "application/vnd.ms-excel", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// errStickerImage refuses a sticker download: LINE gives bots the package
// and sticker IDs but not the image.
var errStickerImage = errors.New("line: LINE does not let bots download sticker images")

// FetchMedia downloads what a customer sent (image, video, audio, file) by its
// message ID from the content host (GET api-data.line.me/v2/bot/message/{id}/content)
// with the channel access token. The type is the one LINE serves, else
// att.MimeType, else guessed from the file name; at most 20 MiB are kept.
//
// Failures are *providers.SendError. A large video or audio is not ready at
// first: LINE answers 202 and the fetch is retryable, as are 429, 5xx and
// transport errors. A message unsent by the customer (410), unknown or expired
// (404), a bad token and stickers are permanent; a refused token is a
// Credentials failure, as for Send.
func (p Provider) FetchMedia(ctx context.Context, env providers.Env, acct providers.Account, att providers.Attachment) (providers.Media, error) {
	token := acct.Secrets["channelAccessToken"]
	switch {
	case token == "":
		return providers.Media{}, noToken("line: get content: the account has no channel access token")
	case strings.HasPrefix(att.FileID, StickerFileIDPrefix):
		return providers.Media{}, &providers.SendError{Reason: errStickerImage.Error(), Err: errStickerImage}
	}
	id, ok := pathID(att.FileID)
	if !ok {
		return providers.Media{}, permanent("line: get content: the attachment has no usable message ID")
	}
	const op = "get content"
	resp, err := send(ctx, env.HTTP, request{op: op, method: http.MethodGet, url: p.data() + "/v2/bot/message/" + id + "/content", token: token})
	if err != nil {
		return providers.Media{}, sendError(err, false)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusAccepted:
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
		return providers.Media{}, &providers.SendError{
			Retryable: true, RetryAfter: retryAfterHeader(resp.Header),
			Reason: "LINE is still preparing the file; it can be fetched later",
			Err:    &statusError{op: op, status: resp.StatusCode},
		}
	case resp.StatusCode != http.StatusOK:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
		return providers.Media{}, contentError(answerError(op, resp, b))
	case resp.ContentLength > maxDownload:
		return providers.Media{}, tooBig()
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return providers.Media{}, sendError(fmt.Errorf("line: %s: %w", op, stripURL(err, token)), false)
	}
	if len(data) > maxDownload {
		return providers.Media{}, tooBig()
	}
	m := providers.Media{Data: data, MimeType: servedType(resp.Header.Get("Content-Type")), FileName: att.FileName}
	if m.MimeType == "" {
		m.MimeType = att.MimeType
	}
	if m.MimeType == "" {
		m.MimeType = typeByExtension(att.FileName)
	}
	if m.MimeType == "" {
		m.MimeType = "application/octet-stream"
	}
	return m, nil
}

// contentError words the content host's refusals for agents.
func contentError(err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Status {
		case http.StatusGone:
			return &providers.SendError{Reason: "the customer unsent this message, so LINE no longer has the file (" + apiErr.Reason() + ")", Err: err}
		case http.StatusNotFound:
			return &providers.SendError{Reason: "LINE does not have this file, or no longer keeps it (" + apiErr.Reason() + ")", Err: err}
		}
	}
	return sendError(err, false)
}

// tooBig is a file over maxDownload.
func tooBig() error {
	return permanent(fmt.Sprintf("line: get content: the file is larger than %d MiB", maxDownload>>20))
}

// servedType is the media type of a Content-Type, or "" when it says nothing.
func servedType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "application/octet-stream" {
		return ""
	}
	return mt
}

// typeByExtension guesses a type from a file name, or "" when it cannot.
func typeByExtension(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if ext == "" {
		return ""
	}
	if t, ok := extMimeTypes[ext]; ok {
		return t
	}
	return servedType(mime.TypeByExtension(ext))
}
