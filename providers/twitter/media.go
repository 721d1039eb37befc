package twitter

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// maxDownload is the largest file Switchboard keeps (core/media's limit).
const maxDownload = 20 << 20

// mediaHosts are where X serves direct message media: ton.twitter.com
// (photos), video.twimg.com (videos) and pbs.twimg.com (GIFs, previews).
// Only these, and the API's own host, get a signed request: the signature
// carries the consumer key and access token.
var mediaHosts = map[string]bool{
	"ton.twitter.com": true, "ton.x.com": true, "video.twimg.com": true, "pbs.twimg.com": true,
}

// extMimeTypes names common types by extension, independent of the host's
// MIME tables, for files whose served type says nothing.
var extMimeTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp",
	".mp4": "video/mp4", ".mov": "video/quicktime",
}

// FetchMedia downloads what a customer sent by its URL (the attachment's
// FileID, as ParseWebhook sets it) with a GET signed by OAuth 1.0a in the
// account's user context, which X requires for direct message media. Only
// X's media hosts are asked. The type is the one X serves, else att.MimeType,
// else guessed from the name; at most 20 MiB are kept.
//
// Failures are *providers.SendError: 429, 5xx and transport errors are
// retryable; a URL that is not X's, missing credentials, 401, 403 and 404
// are permanent.
func (p Provider) FetchMedia(ctx context.Context, env providers.Env, acct providers.Account, att providers.Attachment) (providers.Media, error) {
	creds := credentialsOf(acct)
	if m := creds.missing(); m != "" {
		return providers.Media{}, noCredentials("twitter: get media: the account has no " + m)
	}
	raw := firstNonEmpty(att.FileID, att.URL)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || !p.mediaHostAllowed(u) {
		return providers.Media{}, permanent("twitter: get media: the attachment's address is not one of X's media hosts")
	}
	const op = "get media"
	resp, err := send(ctx, env.HTTP, request{op: op, method: http.MethodGet, url: u.String(), auth: authUser, creds: creds})
	if err != nil {
		return providers.Media{}, sendError(err, "")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
		return providers.Media{}, mediaError(answerError(op, resp, b, env.Now))
	}
	if resp.ContentLength > maxDownload {
		return providers.Media{}, tooBig()
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return providers.Media{}, sendError(fmt.Errorf("twitter: %s: %w", op, stripURL(err, creds.secrets()...)), "")
	}
	if len(data) > maxDownload {
		return providers.Media{}, tooBig()
	}
	name := att.FileName
	if name == "" {
		name = path.Base(u.Path)
	}
	m := providers.Media{Data: data, MimeType: servedType(resp.Header.Get("Content-Type")), FileName: name}
	if m.MimeType == "" {
		m.MimeType = att.MimeType
	}
	if m.MimeType == "" {
		m.MimeType = typeByExtension(name)
	}
	if m.MimeType == "" {
		m.MimeType = "application/octet-stream"
	}
	return m, nil
}

// mediaHostAllowed reports whether u may get a signed request: https on one
// of X's media hosts, or the configured API host (a fake or proxy).
func (p Provider) mediaHostAllowed(u *url.URL) bool {
	host := strings.ToLower(u.Host)
	if u.Scheme == "https" && mediaHosts[host] {
		return true
	}
	return p.apiURL != "" && host == p.apiHost()
}

// mediaError words X's refusals of a download for agents.
func mediaError(err error) error {
	if e, ok := err.(*APIError); ok && e.Status == http.StatusNotFound {
		return &providers.SendError{Reason: "X no longer has this file (" + e.Reason() + ")", Err: err}
	}
	return sendError(err, "")
}

// tooBig is a file over maxDownload.
func tooBig() error {
	return permanent(fmt.Sprintf("twitter: get media: the file is larger than %d MiB", maxDownload>>20))
}

// servedType is the media type of a Content-Type, or "" when it says nothing.
func servedType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "application/octet-stream" {
		return ""
	}
	return mt
}

// typeByExtension guesses a type from a file name, or "" when it cannot. X
// sometimes adds a size suffix to photo URLs ("x.jpg:large"); it is ignored.
func typeByExtension(name string) string {
	name, _, _ = strings.Cut(name, ":")
	ext := strings.ToLower(path.Ext(name))
	if ext == "" {
		return ""
	}
	if t, ok := extMimeTypes[ext]; ok {
		return t
	}
	return servedType(mime.TypeByExtension(ext))
}
