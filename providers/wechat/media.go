package wechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// The media API: temporary media (kept three days by WeChat) are uploaded
// for sending and downloaded by the MediaId a webhook carries.
const (
	uploadPath   = "/cgi-bin/media/upload"
	mediaGetPath = "/cgi-bin/media/get"
	// maxDownload is the largest file Switchboard keeps (core/media's limit).
	maxDownload = 20 << 20
)

// uploadLimits are WeChat's sizes for temporary media: images 10 MB (one
// place in its docs says 2 MB: WeChat's refusal then falls back to a link),
// voice 2 MB, video 10 MB.
var uploadLimits = map[string]int{"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20}

// uploadTypes are the media types WeChat takes per kind, with the file
// extension it checks the upload's file name for.
var uploadTypes = map[string]map[string]string{
	"image": {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/bmp": ".bmp"},
	"voice": {"audio/amr": ".amr", "audio/mpeg": ".mp3", "audio/mp3": ".mp3"},
	"video": {"video/mp4": ".mp4"},
}

// errTooLarge is an attachment over WeChat's size for its kind.
var errTooLarge = errors.New("wechat: the file is larger than WeChat takes")

// file is an attachment ready to upload.
type file struct {
	data     []byte
	mimeType string
	ext      string // WeChat's extension for the type; "" when WeChat does not take it
	name     string
}

// attachmentData gets an attachment's bytes (fetching its URL with the
// guarded client when it has no bytes) and what they are.
func (c *client) attachmentData(ctx context.Context, att providers.OutboundAttachment, kind string) (file, error) {
	limit := uploadLimits[kind]
	f := file{data: att.Data}
	served := ""
	if len(f.data) == 0 {
		if att.URL == "" {
			return file{}, permanent("wechat: send: an attachment has neither a URL nor data")
		}
		data, ct, err := download(ctx, c.hc, att.URL, limit)
		if err != nil {
			return file{}, err
		}
		f.data, served = data, ct
	}
	if len(f.data) > limit {
		return file{}, errTooLarge
	}
	f.mimeType = detectType(f.data, att.MimeType, served, att.FileName)
	f.ext = uploadTypes[kind][f.mimeType]
	f.name = uploadName(att.FileName, kind, f.ext)
	return f, nil
}

// download GETs a file of at most limit bytes (a larger one is errTooLarge)
// and returns it with its served type. Failures are *providers.SendError.
func download(ctx context.Context, hc *http.Client, rawURL string, limit int) ([]byte, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", permanent("wechat: the attachment's URL is not an http(s) URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", permanent("wechat: the attachment's URL is not usable")
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, "", &providers.SendError{Retryable: true, Reason: "could not download the file: " + err.Error(), Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return nil, "", &providers.SendError{Retryable: retry, Reason: fmt.Sprintf("could not download the file: its server answered HTTP %d", resp.StatusCode)}
	}
	if resp.ContentLength > int64(limit) {
		return nil, "", errTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, "", &providers.SendError{Retryable: true, Reason: "the download of the file was interrupted", Err: err}
	}
	if len(data) > limit {
		return nil, "", errTooLarge
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// detectType decides what a file is: the type the attachment or its server
// declares, else its content (with AMR, which net/http does not know), else
// its file name.
func detectType(data []byte, declared, served, name string) string {
	for _, t := range []string{declared, served} {
		if mt := mediaType(t); mt != "" {
			return mt
		}
	}
	if bytes.HasPrefix(data, []byte("#!AMR")) {
		return "audio/amr"
	}
	if mt := mediaType(http.DetectContentType(data)); mt != "" {
		return mt
	}
	return typeByExtension(name)
}

// mediaType is the bare, lower-case media type of a Content-Type, or ""
// when it says nothing (empty, unparsable, octet-stream).
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt == "application/octet-stream" {
		return ""
	}
	if mt == "image/jpg" {
		mt = "image/jpeg"
	}
	return mt
}

// extTypes names types by extension, independent of the host's MIME tables.
var extTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".bmp": "image/bmp",
	".amr": "audio/amr", ".mp3": "audio/mpeg", ".mp4": "video/mp4", ".speex": "audio/speex",
}

// typeByExtension guesses a type from a file name, or "".
func typeByExtension(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := extTypes[ext]; ok {
		return t
	}
	if ext == "" {
		return ""
	}
	return mediaType(mime.TypeByExtension(ext))
}

// uploadName is an ASCII file name with the extension WeChat expects for
// the type: WeChat checks uploads by their name.
func uploadName(name, kind, ext string) string {
	base := strings.TrimSuffix(path.Base(strings.ReplaceAll(name, `\`, "/")), path.Ext(name))
	base = strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return r
		}
		return -1
	}, base)
	if base == "" || base == "." || base == ".." {
		base = kind
	}
	if len(base) > 64 {
		base = base[:64]
	}
	return base + ext
}

// uploadAnswer is media/upload's answer.
type uploadAnswer struct {
	Type      string `json:"type"`
	MediaID   string `json:"media_id"`
	CreatedAt int64  `json:"created_at"`
}

// upload posts a file as temporary media of kind and returns its media_id.
func (c *client) upload(ctx context.Context, kind string, f file) (string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename="%s"; filelength=%d`, f.name, len(f.data)))
	h.Set("Content-Type", f.mimeType)
	pw, err := w.CreatePart(h)
	if err == nil {
		_, err = pw.Write(f.data)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return "", permanent("wechat: upload media: %v", err)
	}
	var ans uploadAnswer
	b := &body{contentType: w.FormDataContentType(), data: buf.Bytes()}
	if err := c.call(ctx, "upload media", http.MethodPost, uploadPath, url.Values{"type": {kind}}, b, &ans); err != nil {
		return "", err
	}
	if ans.MediaID == "" {
		return "", &decodeError{op: "upload media", err: errors.New("no media_id")}
	}
	return ans.MediaID, nil
}

// refusedFile reports whether WeChat refused an upload for its type or size.
func refusedFile(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.Code {
	case codeInvalidMediaType, codeInvalidFileType, codeInvalidFileSize, codeInvalidImageSize,
		codeInvalidVoiceSize, codeInvalidVideoSize, codeMediaSize:
		return true
	}
	return false
}

// mediaAnswer is media/get's JSON answer: an error, or for a video the URL
// to download it from.
type mediaAnswer struct {
	ErrCode  int    `json:"errcode"`
	ErrMsg   string `json:"errmsg"`
	VideoURL string `json:"video_url"`
}

// FetchMedia downloads what a customer sent by its MediaId (GET
// /cgi-bin/media/get with the access token); a video's answer is a URL, which
// is downloaded in turn. WeChat keeps such media three days: when it no
// longer has the file (40007) and the attachment has a URL (an image's
// PicUrl), that is downloaded instead. The type is the one served, else the
// attachment's; the name comes from Content-Disposition. At most 20 MiB are
// kept.
//
// Failures are *providers.SendError, classified as for Send.
func (p Provider) FetchMedia(ctx context.Context, env providers.Env, acct providers.Account, att providers.Attachment) (providers.Media, error) {
	c, err := p.client(env, acct)
	if err != nil {
		return providers.Media{}, clientError("get media", err)
	}
	id := strings.TrimSpace(att.FileID)
	if id == "" {
		if att.URL == "" {
			return providers.Media{}, permanent("wechat: get media: the attachment has no MediaId or URL")
		}
		return c.fetchURL(ctx, att)
	}
	var m providers.Media
	err = c.withToken(ctx, func(token string) error {
		var err error
		m, err = c.getMedia(ctx, token, id)
		return err
	})
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == codeInvalidMediaID && att.URL != "":
		return c.fetchURL(ctx, att)
	case errors.As(err, &apiErr) && apiErr.Code == codeInvalidMediaID:
		return providers.Media{}, &providers.SendError{Reason: "WeChat no longer has this file (it keeps media three days): " + apiErr.Reason(), Err: err}
	case err != nil:
		return providers.Media{}, sendError(err)
	}
	if m.MimeType == "" {
		m.MimeType = att.MimeType
	}
	if m.MimeType == "" {
		m.MimeType = "application/octet-stream"
	}
	if m.FileName == "" {
		m.FileName = att.FileName
	}
	return m, nil
}

// getMedia is one media/get call.
func (c *client) getMedia(ctx context.Context, token, mediaID string) (providers.Media, error) {
	const op = "get media"
	q := url.Values{"access_token": {token}, "media_id": {mediaID}}
	resp, err := c.send(ctx, op, http.MethodGet, mediaGetPath, q, nil, token)
	if err != nil {
		return providers.Media{}, err
	}
	defer resp.Body.Close()
	if resp.ContentLength > maxDownload {
		return providers.Media{}, tooBig()
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return providers.Media{}, fmt.Errorf("wechat: %s: %w", op, c.strip(err, token))
	}
	if len(data) > maxDownload {
		return providers.Media{}, tooBig()
	}
	ct := mediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode/100 != 2 || ct == "application/json" || ct == "text/plain" || ct == "" && bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		var ans mediaAnswer
		if err := c.answer(op, resp.StatusCode, data, &ans, token); err != nil {
			return providers.Media{}, err
		}
		if ans.VideoURL == "" {
			return providers.Media{}, &decodeError{op: op, err: errors.New("neither a file nor a video_url")}
		}
		video, vct, err := download(ctx, c.hc, ans.VideoURL, maxDownload)
		if errors.Is(err, errTooLarge) {
			return providers.Media{}, tooBig()
		}
		if err != nil {
			return providers.Media{}, err
		}
		mt := mediaType(vct)
		if mt == "" {
			mt = "video/mp4"
		}
		return providers.Media{Data: video, MimeType: mt}, nil
	}
	return providers.Media{Data: data, MimeType: ct, FileName: dispositionName(resp.Header.Get("Content-Disposition"))}, nil
}

// fetchURL downloads an attachment by its URL (an image's PicUrl).
func (c *client) fetchURL(ctx context.Context, att providers.Attachment) (providers.Media, error) {
	data, ct, err := download(ctx, c.hc, att.URL, maxDownload)
	if errors.Is(err, errTooLarge) {
		return providers.Media{}, tooBig()
	}
	if err != nil {
		return providers.Media{}, err
	}
	m := providers.Media{Data: data, MimeType: detectType(data, mediaType(ct), att.MimeType, att.FileName), FileName: att.FileName}
	if m.MimeType == "" {
		m.MimeType = "application/octet-stream"
	}
	return m, nil
}

// dispositionName is the file name of a Content-Disposition, or "".
func dispositionName(cd string) string {
	_, params, err := mime.ParseMediaType(cd)
	if err != nil || params["filename"] == "" {
		return ""
	}
	name := path.Base(strings.ReplaceAll(params["filename"], `\`, "/"))
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	return name
}

// tooBig is a file over maxDownload.
func tooBig() error {
	return permanent("wechat: get media: the file is larger than %s MiB", strconv.Itoa(maxDownload>>20))
}
