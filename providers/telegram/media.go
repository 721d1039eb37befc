package telegram

import (
	"context"
	"mime"
	"path"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// maxDownload is the largest file the Bot API lets a bot download (getFile).
const maxDownload = 20 << 20

// extMimeTypes names the types of files Telegram stores, by the extension of
// their file_path, independent of the host's MIME tables.
var extMimeTypes = map[string]string{
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".gif":  "image/gif",
	".webp": "image/webp",
	".mp4":  "video/mp4",
	".mov":  "video/quicktime",
	".webm": "video/webm",
	".oga":  "audio/ogg",
	".ogg":  "audio/ogg",
	".opus": "audio/ogg",
	".mp3":  "audio/mpeg",
	".m4a":  "audio/mp4",
	".pdf":  "application/pdf",
	".tgs":  "application/x-tgsticker",
}

// mimeExtensions is the file extension an upload without a name gets.
var mimeExtensions = map[string]string{
	"image/jpeg":      ".jpg",
	"image/png":       ".png",
	"image/gif":       ".gif",
	"image/webp":      ".webp",
	"video/mp4":       ".mp4",
	"video/quicktime": ".mov",
	"video/webm":      ".webm",
	"audio/ogg":       ".ogg",
	"audio/mpeg":      ".mp3",
	"audio/mp4":       ".m4a",
	"application/pdf": ".pdf",
}

// FetchMedia downloads an inbound file by its file_id: getFile names its path,
// then the file endpoint serves it (at most 20 MiB, the Bot API's limit). The
// type is att.MimeType, else the served Content-Type, else guessed from the
// path's extension; the name is att.FileName, else the path's base name.
//
// Failures are *providers.SendError: refusals such as an unknown or expired
// file_id and files over the limit are permanent, 429, 5xx and transport
// errors retryable; a refused token is a Credentials failure, as for Send. No
// error carries the bot token.
func (p Provider) FetchMedia(ctx context.Context, env providers.Env, acct providers.Account, att providers.Attachment) (providers.Media, error) {
	token := acct.Secrets["botToken"]
	switch {
	case token == "":
		return providers.Media{}, noToken("telegram: getFile: the account has no bot token")
	case att.FileID == "":
		return providers.Media{}, permanent("telegram: getFile: the attachment has no file_id")
	}
	var f struct {
		FilePath string `json:"file_path"`
		FileSize int64  `json:"file_size"`
	}
	if err := p.call(ctx, env.HTTP, token, "getFile", map[string]string{"file_id": att.FileID}, &f); err != nil {
		return providers.Media{}, sendError(err)
	}
	if f.FileSize > maxDownload || (f.FilePath == "" && att.Size > maxDownload) {
		return providers.Media{}, sendError(errFileTooBig)
	}
	if f.FilePath == "" {
		return providers.Media{}, sendError(errBadFilePath)
	}
	data, contentType, err := p.download(ctx, env.HTTP, token, f.FilePath, maxDownload)
	if err != nil {
		return providers.Media{}, sendError(err)
	}
	m := providers.Media{Data: data, MimeType: att.MimeType, FileName: att.FileName}
	if m.MimeType == "" {
		m.MimeType = servedType(contentType)
	}
	if m.MimeType == "" {
		m.MimeType = typeByExtension(f.FilePath)
	}
	if m.FileName == "" {
		m.FileName = path.Base(f.FilePath)
	}
	return m, nil
}

// servedType is the media type of a Content-Type, or "" when it says nothing
// (Telegram's file server answers application/octet-stream for most files).
func servedType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "application/octet-stream" {
		return ""
	}
	return mt
}

// typeByExtension guesses a type from a file path, else application/octet-stream.
func typeByExtension(p string) string {
	ext := strings.ToLower(path.Ext(p))
	if t, ok := extMimeTypes[ext]; ok {
		return t
	}
	if t := servedType(mime.TypeByExtension(ext)); t != "" {
		return t
	}
	return "application/octet-stream"
}
