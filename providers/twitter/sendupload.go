package twitter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// X's limits on direct message media (https://docs.x.com/x-api/media): images
// 5 MB, GIFs 15 MB, videos 512 MB; one APPEND segment at most 5 MB.
const (
	maxDMImage  = 5 << 20
	maxDMGIF    = 15 << 20
	maxDMVideo  = 512 << 20
	segmentSize = 4 << 20
	// maxProcessing bounds how long a send waits for X to process a video.
	maxProcessing = 45 * time.Second
)

// dmMedia says how X takes an attachment in a direct message: its
// media_category and media_type, and false when X has no such media
// (documents, audio) or the file is over X's limit.
func dmMedia(att providers.OutboundAttachment) (category, mediaType string, ok bool) {
	mt, _, err := mime.ParseMediaType(att.MimeType)
	if err != nil || mt == "" || mt == "application/octet-stream" {
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(att.Data))
	}
	n := len(att.Data)
	switch {
	case mt == "image/gif":
		return "dm_gif", mt, n <= maxDMGIF
	case mt == "image/jpeg" || mt == "image/png" || mt == "image/webp" || mt == "image/bmp":
		return "dm_image", mt, n <= maxDMImage
	case mt == "video/mp4" || mt == "video/quicktime":
		return "dm_video", mt, n <= maxDMVideo
	}
	return "", "", false
}

// uploadInit is the body of POST /2/media/upload/initialize.
type uploadInit struct {
	MediaType     string `json:"media_type"`
	TotalBytes    int    `json:"total_bytes"`
	MediaCategory string `json:"media_category"`
}

// uploadAnswer is the answer to initialize, finalize and the status check.
type uploadAnswer struct {
	Data struct {
		ID             string `json:"id"`
		MediaKey       string `json:"media_key"`
		ProcessingInfo *struct {
			State          string `json:"state"`
			CheckAfterSecs int    `json:"check_after_secs"`
			Error          *struct {
				Message string `json:"message"`
			} `json:"error"`
		} `json:"processing_info"`
	} `json:"data"`
}

// upload sends att's bytes to X with the v2 chunked media upload, as the
// account's user (a DM's media must be the sender's own): initialize with the
// dm_* category, append the bytes in segments of at most 4 MB, finalize, and,
// when X processes the file (videos), check its status until it is done. It
// returns the media ID a direct message names; the ID is for one message
// (shared is false) and X keeps it for 24 hours.
func (p Provider) upload(ctx context.Context, env providers.Env, creds credentials, att providers.OutboundAttachment, category, mediaType string) (string, error) {
	base := p.api() + "/2/media/upload"
	var ans uploadAnswer
	err := do(ctx, env.HTTP, env.Now, request{
		op: "upload media", method: http.MethodPost, auth: authUser, creds: creds, url: base + "/initialize",
		body: uploadInit{MediaType: mediaType, TotalBytes: len(att.Data), MediaCategory: category},
	}, &ans)
	if err == nil && !isUserID(ans.Data.ID) {
		err = &decodeError{op: "upload media", err: errors.New("no media id")}
	}
	if err != nil {
		return "", sendError(err, "")
	}
	id := ans.Data.ID
	for i := 0; i*segmentSize < len(att.Data); i++ {
		seg := att.Data[i*segmentSize : min((i+1)*segmentSize, len(att.Data))]
		if err := p.appendSegment(ctx, env, creds, base+"/"+id+"/append", i, seg); err != nil {
			return "", sendError(err, "")
		}
	}
	ans = uploadAnswer{}
	err = do(ctx, env.HTTP, env.Now, request{
		op: "finish media upload", method: http.MethodPost, auth: authUser, creds: creds, url: base + "/" + id + "/finalize",
	}, &ans)
	if err != nil {
		return "", sendError(err, "")
	}
	deadline := env.Now().Add(maxProcessing)
	for pi := ans.Data.ProcessingInfo; pi != nil; pi = ans.Data.ProcessingInfo {
		switch pi.State {
		case "succeeded", "":
			return id, nil
		case "failed":
			reason := "X could not process the file"
			if pi.Error != nil && pi.Error.Message != "" {
				reason += ": " + pi.Error.Message
			}
			return "", permanent(reason)
		}
		wait := time.Duration(max(pi.CheckAfterSecs, 1)) * time.Second
		if env.Now().Add(wait).After(deadline) {
			return "", &providers.SendError{Retryable: true, Reason: "X is still processing the file", Err: errors.New("twitter: upload media: still processing")}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", &providers.SendError{Retryable: true, Reason: "gave up waiting for X to process the file", Err: ctx.Err()}
		case <-t.C:
		}
		ans = uploadAnswer{}
		q := url.Values{"command": {"STATUS"}, "media_id": {id}}
		err := do(ctx, env.HTTP, env.Now, request{
			op: "check media upload", method: http.MethodGet, auth: authUser, creds: creds, url: base + "?" + q.Encode(),
		}, &ans)
		if err != nil {
			return "", sendError(err, "")
		}
	}
	return id, nil
}

// appendSegment is POST /2/media/upload/{id}/append: the segment's bytes as
// the multipart field media, with its segment_index. The OAuth signature
// covers no multipart field, as OAuth 1.0a signs only form-encoded bodies.
func (p Provider) appendSegment(ctx context.Context, env providers.Env, creds credentials, target string, index int, seg []byte) error {
	const op = "upload media segment"
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("segment_index", strconv.Itoa(index))
	fw, err := mw.CreateFormFile("media", "media")
	if err == nil {
		_, err = fw.Write(seg)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return fmt.Errorf("twitter: %s: encode: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, &buf)
	if err != nil {
		return fmt.Errorf("twitter: %s: bad API URL", op)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := userClient(env.HTTP, creds).Do(req)
	if err != nil {
		return fmt.Errorf("twitter: %s: %w", op, stripURL(err, creds.secrets()...))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("twitter: %s: read answer: %w", op, stripURL(err, creds.secrets()...))
	}
	if resp.StatusCode/100 != 2 {
		return answerError(op, resp, b, env.Now)
	}
	if len(bytes.TrimSpace(b)) > 0 && !json.Valid(b) {
		return &decodeError{op: op, err: errors.New("the answer is not JSON")}
	}
	return nil
}

// mediaName is how an attachment is named in reasons a person reads.
func mediaName(att providers.OutboundAttachment) string {
	if name := strings.TrimSpace(att.FileName); name != "" {
		return name
	}
	return strings.ToLower(string(att.Type))
}
