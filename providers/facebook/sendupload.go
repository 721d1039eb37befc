package facebook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// maxUpload is the largest file the Send API takes as filedata (25 MB,
// https://developers.facebook.com/docs/messenger-platform/send-messages/saving-assets).
const maxUpload = 25 << 20

// uploadForm is the multipart body of a Send API call that uploads att with
// message m: recipient, messaging_type and message as JSON fields and the file
// as filedata, with its name and type (Messenger plays audio only when the
// part says audio/*).
func uploadForm(to string, m outMessage, att providers.OutboundAttachment) ([]byte, string, error) {
	rcpt, err1 := json.Marshal(recipient{ID: to})
	msg, err2 := json.Marshal(m)
	if err1 != nil || err2 != nil {
		return nil, "", permanent(fmt.Sprintf("cannot encode the upload: %v", errOr(err1, err2)))
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("recipient", string(rcpt))
	mw.WriteField("messaging_type", "RESPONSE")
	mw.WriteField("message", string(msg))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "filedata", "filename": uploadName(att)}))
	h.Set("Content-Type", uploadType(att, m.Attachment.Type))
	fw, err := mw.CreatePart(h)
	if err == nil {
		_, err = fw.Write(att.Data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return nil, "", permanent(fmt.Sprintf("cannot encode the upload: %v", err))
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// uploadName is the file's name as the customer sees it.
func uploadName(att providers.OutboundAttachment) string {
	if name := strings.TrimSpace(att.FileName); name != "" {
		return path.Base(strings.ReplaceAll(name, `\`, "/"))
	}
	if ext, _ := mime.ExtensionsByType(att.MimeType); len(ext) > 0 {
		return "file" + ext[0]
	}
	return "file"
}

// uploadType is the file's MIME type: the attachment's, else sniffed from its
// bytes; Messenger requires audio/* of audio, so Ogg is sent as audio/ogg and
// anything else not typed as audio as audio/mpeg.
func uploadType(att providers.OutboundAttachment, kind string) string {
	mt, _, err := mime.ParseMediaType(att.MimeType)
	if err != nil || mt == "" {
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(att.Data))
	}
	switch {
	case kind != "audio" || strings.HasPrefix(mt, "audio/"):
	case mt == "application/ogg":
		mt = "audio/ogg"
	default:
		mt = "audio/mpeg"
	}
	return mt
}

// errOr is the first non-nil error.
func errOr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
