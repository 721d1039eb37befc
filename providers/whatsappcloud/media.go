package whatsappcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta"
)

// maxDownload is the largest media WhatsApp carries (documents, 100 MB).
const maxDownload = 100 << 20

// mediaInfo is GET /{media-id}'s answer: a download URL valid for five minutes.
type mediaInfo struct {
	URL      string            `json:"url"`
	MimeType string            `json:"mime_type"`
	SHA256   string            `json:"sha256"`
	FileSize meta.StringNumber `json:"file_size"`
	ID       string            `json:"id"`
}

// errExpiredURL is a download refused because its short-lived URL expired (or
// was refused): asking for the media again gives a new one.
var errExpiredURL = errors.New("whatsappcloud: fetch media: the download URL was refused or expired")

// FetchMedia downloads a customer's media by its media ID (att.FileID): GET
// /{media-id} (with the account's phone_number_id, which Meta checks) names a
// short-lived URL, which is then downloaded with the access token as Bearer
// (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media).
// The token is sent only to an https URL or to the Graph API's own host. The
// type is att.MimeType, else Meta's, else the served Content-Type; the name is
// att.FileName (a document's).
//
// Failures are *providers.SendError: an unknown or expired media ID, a bad
// token, files over 100 MB and 404s are permanent; an expired download URL
// (401/403: the next try gets a new one), 429, 5xx and transport errors are
// retryable. Graph's refusals of the token are Credentials failures (see
// meta.SendError). No error carries the token or the signed URL.
func (p Provider) FetchMedia(ctx context.Context, env providers.Env, acct providers.Account, att providers.Attachment) (providers.Media, error) {
	token := accessToken(acct)
	switch {
	case token == "":
		return providers.Media{}, meta.NoToken("whatsappcloud: fetch media: the account has no access token")
	case att.FileID == "":
		return providers.Media{}, meta.Permanent("whatsappcloud: fetch media: the attachment has no media ID")
	}
	q := url.Values{}
	if n := phoneNumberID(acct); n != "" {
		q.Set("phone_number_id", n)
	}
	var info mediaInfo
	if err := p.graph.Do(ctx, env.HTTP, meta.Call{
		Op: "whatsappcloud: fetch media", Method: http.MethodGet, Path: []string{att.FileID}, Query: q, Token: token,
	}, &info); err != nil {
		return providers.Media{}, meta.SendError(err)
	}
	if size, ok := info.FileSize.Int64(); ok && size > maxDownload {
		return providers.Media{}, meta.Permanent(fmt.Sprintf("whatsappcloud: fetch media: the file is %d bytes, over WhatsApp's 100 MB", size))
	}
	if !p.trustedMediaURL(info.URL) {
		return providers.Media{}, meta.Permanent("whatsappcloud: fetch media: Meta named a download URL that is not https")
	}
	data, contentType, err := download(ctx, env.HTTP, info.URL, token)
	if err != nil {
		return providers.Media{}, err
	}
	m := providers.Media{Data: data, MimeType: att.MimeType, FileName: att.FileName}
	if m.MimeType == "" {
		m.MimeType = info.MimeType
	}
	if m.MimeType == "" {
		if mt, _, err := mime.ParseMediaType(contentType); err == nil {
			m.MimeType = mt
		}
	}
	return m, nil
}

// trustedMediaURL reports whether the token may be sent to raw: an https URL,
// or one on the Graph API's own scheme and host (a fake or sandbox).
func (p Provider) trustedMediaURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	base, err := url.Parse(p.graph.Base())
	return err == nil && u.Scheme == base.Scheme && u.Host == base.Host
}

// download GETs a media URL with the token and reads at most maxDownload bytes.
func download(ctx context.Context, hc *http.Client, raw, token string) ([]byte, string, error) {
	const op = "whatsappcloud: fetch media: download"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, "", meta.Permanent(op + ": bad URL")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := meta.Client(hc).Do(req)
	if err != nil {
		err = fmt.Errorf("%s: %w", op, meta.Scrub(err, token))
		return nil, "", &providers.SendError{Retryable: true, Reason: err.Error(), Err: err}
	}
	defer resp.Body.Close()
	switch code := resp.StatusCode; {
	case code == http.StatusOK:
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return nil, "", &providers.SendError{Retryable: true, Reason: errExpiredURL.Error() + " (HTTP " + strconv.Itoa(code) + ")", Err: errExpiredURL}
	case code == http.StatusTooManyRequests || code >= 500:
		reason := fmt.Sprintf("%s: WhatsApp's media server answered HTTP %d", op, code)
		return nil, "", &providers.SendError{Retryable: true, RetryAfter: meta.RetryAfter(resp.Header), Reason: reason, Err: errors.New(reason)}
	case code == http.StatusNotFound || code == http.StatusGone:
		return nil, "", meta.Permanent(fmt.Sprintf("%s: WhatsApp no longer has this media (HTTP %d)", op, code))
	default:
		return nil, "", meta.Permanent(fmt.Sprintf("%s: WhatsApp's media server answered HTTP %d", op, code))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		err = fmt.Errorf("%s: %w", op, meta.Scrub(err, token))
		return nil, "", &providers.SendError{Retryable: true, Reason: err.Error(), Err: err}
	}
	if len(data) > maxDownload {
		return nil, "", meta.Permanent(op + ": the file is over WhatsApp's 100 MB")
	}
	return data, resp.Header.Get("Content-Type"), nil
}
