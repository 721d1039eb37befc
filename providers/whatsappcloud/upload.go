package whatsappcloud

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strings"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta"
)

// upload sends an attachment's bytes to POST /{phone-number-id}/media
// (multipart: messaging_product, type and file) and returns the media ID a
// message can name. WhatsApp keeps uploads for 30 days.
func (p Provider) upload(ctx context.Context, hc *http.Client, token, number string, att providers.OutboundAttachment) (string, error) {
	mt := mediaType(att)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("messaging_product", "whatsapp")
	mw.WriteField("type", mt)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": fileName(att)}))
	h.Set("Content-Type", mt)
	fw, err := mw.CreatePart(h)
	if err != nil {
		return "", fmt.Errorf("whatsappcloud: upload media: %w", err)
	}
	fw.Write(att.Data)
	if err := mw.Close(); err != nil {
		return "", fmt.Errorf("whatsappcloud: upload media: %w", err)
	}
	var ans struct {
		ID string `json:"id"`
	}
	err = p.graph.Do(ctx, hc, meta.Call{
		Op: "whatsappcloud: upload media", Method: http.MethodPost, Path: []string{number, "media"}, Token: token,
		Body: buf.Bytes(), ContentType: mw.FormDataContentType(),
	}, &ans)
	if err != nil {
		return "", meta.AccountSendError(err)
	}
	if ans.ID == "" {
		return "", meta.Permanent("WhatsApp accepted the upload but gave no media ID")
	}
	return ans.ID, nil
}

// mediaType is the attachment's MIME type, else sniffed from its bytes, else
// guessed from its name.
func mediaType(att providers.OutboundAttachment) string {
	if mt, _, err := mime.ParseMediaType(att.MimeType); err == nil && mt != "" {
		return mt
	}
	if len(att.Data) > 0 {
		if mt, _, err := mime.ParseMediaType(http.DetectContentType(att.Data)); err == nil && mt != "application/octet-stream" {
			return mt
		}
	}
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(fileName(att)))); t != "" {
		if mt, _, err := mime.ParseMediaType(t); err == nil {
			return mt
		}
	}
	return "application/octet-stream"
}

// fileName is the name a document is shown with: the attachment's, else the
// last segment of its URL, else "file".
func fileName(att providers.OutboundAttachment) string {
	if name := strings.TrimSpace(att.FileName); name != "" {
		return name
	}
	if u, err := url.Parse(att.URL); err == nil && att.URL != "" {
		if base := path.Base(u.Path); base != "." && base != "/" {
			return base
		}
	}
	return "file"
}
