package twittertest

import (
	"bytes"
	"encoding/json"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// The media upload endpoints (X API v2 chunked upload).
const (
	EndpointMediaInit     Endpoint = "POST /2/media/upload/initialize"
	EndpointMediaAppend   Endpoint = "POST /2/media/upload/{id}/append"
	EndpointMediaFinalize Endpoint = "POST /2/media/upload/{id}/finalize"
	EndpointMediaStatus   Endpoint = "GET /2/media/upload"
)

// firstMediaID numbers the media the fake accepts.
const firstMediaID = 1880028106020515840

// maxSegment is the largest APPEND segment X takes (5 MB).
const maxSegment = 5 << 20

// Upload is a file uploaded with the chunked media upload.
type Upload struct {
	ID        string
	Owner     string // the user ID of the account that uploaded it
	Category  string // media_category: dm_image, dm_gif, dm_video...
	MediaType string
	Total     int
	Data      []byte
	Finalized bool
	// Used is set when a direct message carried it: media not shared is for
	// one message.
	Used bool

	segments map[int][]byte
	checks   int // status checks before a video is processed
}

// uploads is the fake's media upload state. The zero value is ready to use.
type uploads struct {
	mu   sync.Mutex
	next int64
	byID map[string]*Upload
}

// categoryLimits are X's size limits per media_category, and the types each
// takes.
var categoryLimits = map[string]struct {
	max   int
	types []string
}{
	"dm_image":    {5 << 20, []string{"image/jpeg", "image/png", "image/webp", "image/bmp"}},
	"dm_gif":      {15 << 20, []string{"image/gif"}},
	"dm_video":    {512 << 20, []string{"video/mp4", "video/quicktime"}},
	"tweet_image": {5 << 20, []string{"image/jpeg", "image/png", "image/webp", "image/bmp"}},
	"tweet_gif":   {15 << 20, []string{"image/gif"}},
	"tweet_video": {512 << 20, []string{"video/mp4", "video/quicktime"}},
}

// Uploads returns every upload so far, finished or not.
func (s *Server) Uploads() []Upload {
	s.uploads.mu.Lock()
	defer s.uploads.mu.Unlock()
	out := make([]Upload, 0, len(s.uploads.byID))
	for _, u := range s.uploads.byID {
		c := *u
		c.Data, c.segments = append([]byte(nil), u.Data...), nil
		out = append(out, c)
	}
	return out
}

// mediaInit is POST /2/media/upload/initialize: a JSON body with media_type,
// total_bytes and media_category, answered with the media ID.
func (s *Server) mediaInit(c caller, w responseWriter, r *http.Request, body []byte) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeProblem(w, http.StatusUnsupportedMediaType, "Unsupported Media Type", "Content-Type must be application/json", "about:blank")
		return
	}
	var req struct {
		MediaType     string `json:"media_type"`
		TotalBytes    int    `json:"total_bytes"`
		MediaCategory string `json:"media_category"`
		Shared        bool   `json:"shared"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeInvalid(w, "Request body is not valid JSON")
		return
	}
	lim, known := categoryLimits[req.MediaCategory]
	switch {
	case req.MediaType == "":
		writeInvalid(w, "$.media_type: is missing but it is required")
		return
	case !known:
		writeInvalid(w, "$.media_category: does not have a value in the enumeration [tweet_image, tweet_video, tweet_gif, dm_image, dm_video, dm_gif, subtitles]")
		return
	case !contains(lim.types, req.MediaType):
		writeInvalid(w, "$.media_type: "+req.MediaType+" is not a type "+req.MediaCategory+" takes")
		return
	case req.TotalBytes <= 0 || req.TotalBytes > lim.max:
		writeInvalid(w, "$.total_bytes: must be between 1 and "+strconv.Itoa(lim.max)+" for "+req.MediaCategory)
		return
	}
	u := &Upload{Owner: c.account.User.ID, Category: req.MediaCategory, MediaType: req.MediaType, Total: req.TotalBytes, segments: map[int][]byte{}}
	s.uploads.mu.Lock()
	if s.uploads.byID == nil {
		s.uploads.byID, s.uploads.next = map[string]*Upload{}, firstMediaID
	}
	u.ID = strconv.FormatInt(s.uploads.next, 10)
	s.uploads.next++
	s.uploads.byID[u.ID] = u
	s.uploads.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"id": u.ID, "media_key": mediaKey(u), "expires_after_secs": 86400}})
}

// mediaAppend is POST /2/media/upload/{id}/append: a multipart body with the
// segment's bytes as media and its segment_index.
func (s *Server) mediaAppend(c caller, w responseWriter, r *http.Request, id string, body []byte) {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		writeInvalid(w, "The request must be multipart/form-data")
		return
	}
	form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(maxSegment * 2)
	if err != nil {
		writeInvalid(w, "The multipart body cannot be read")
		return
	}
	idx, err := strconv.Atoi(first(form.Value["segment_index"]))
	files := form.File["media"]
	switch {
	case err != nil || idx < 0 || idx > 999:
		writeInvalid(w, "$.segment_index: must be an integer between 0 and 999")
		return
	case len(files) != 1 || len(form.File) != 1:
		writeInvalid(w, "$.media: is missing but it is required")
		return
	case files[0].Size > maxSegment:
		writeInvalid(w, "$.media: a segment must be at most 5 MB")
		return
	}
	f, err := files[0].Open()
	if err != nil {
		writeInvalid(w, "$.media: cannot be read")
		return
	}
	defer f.Close()
	var seg bytes.Buffer
	seg.ReadFrom(f)
	s.uploads.mu.Lock()
	defer s.uploads.mu.Unlock()
	u := s.uploads.byID[id]
	if u == nil || u.Owner != c.account.User.ID || u.Finalized {
		writeInvalid(w, "$.media_id: "+id+" is not an upload in progress of this user")
		return
	}
	u.segments[idx] = seg.Bytes()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"expires_at": s.clock().Unix() + 86400}})
}

// mediaFinalize is POST /2/media/upload/{id}/finalize: the segments must add
// up to total_bytes. Videos are then processed, which a status check reports.
func (s *Server) mediaFinalize(c caller, w responseWriter, id string) {
	s.uploads.mu.Lock()
	defer s.uploads.mu.Unlock()
	u := s.uploads.byID[id]
	if u == nil || u.Owner != c.account.User.ID || u.Finalized {
		writeInvalid(w, "$.media_id: "+id+" is not an upload in progress of this user")
		return
	}
	var data []byte
	for i := 0; i < len(u.segments); i++ {
		seg, ok := u.segments[i]
		if !ok {
			writeInvalid(w, "Segments are missing: segment "+strconv.Itoa(i)+" was not uploaded")
			return
		}
		data = append(data, seg...)
	}
	if len(data) != u.Total {
		writeInvalid(w, "File size "+strconv.Itoa(len(data))+" does not match total_bytes "+strconv.Itoa(u.Total))
		return
	}
	u.Data, u.Finalized, u.segments = data, true, nil
	ans := map[string]any{"id": u.ID, "media_key": mediaKey(u), "size": u.Total, "expires_after_secs": 86400}
	if u.Category == "dm_video" || u.Category == "tweet_video" {
		u.checks = 1
		ans["processing_info"] = map[string]any{"state": "pending", "check_after_secs": 1}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": ans})
}

// mediaStatus is GET /2/media/upload?command=STATUS&media_id=...: a video is
// processed after one check.
func (s *Server) mediaStatus(c caller, w responseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("command") != "STATUS" {
		writeInvalid(w, "$.command: must be STATUS")
		return
	}
	s.uploads.mu.Lock()
	defer s.uploads.mu.Unlock()
	u := s.uploads.byID[q.Get("media_id")]
	if u == nil || u.Owner != c.account.User.ID || !u.Finalized {
		writeInvalid(w, "$.media_id: not a finished upload of this user")
		return
	}
	state := "succeeded"
	if u.checks > 0 {
		u.checks--
		state = "in_progress"
	}
	info := map[string]any{"state": state}
	if state != "succeeded" {
		info["check_after_secs"] = 1
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"id": u.ID, "media_key": mediaKey(u), "processing_info": info}})
}

// useMedia takes an upload for one direct message of the account's user: it
// must be theirs, finished, processed, a dm_* category and not used before.
// It returns X's reason when it cannot.
func (s *Server) useMedia(owner, id string) (*Upload, string) {
	s.uploads.mu.Lock()
	defer s.uploads.mu.Unlock()
	u := s.uploads.byID[id]
	switch {
	case u == nil || u.Owner != owner:
		return nil, "$.attachments[0].media_id: " + id + " is not media of this user"
	case !u.Finalized || u.checks > 0:
		return nil, "$.attachments[0].media_id: " + id + " is not processed yet"
	case !strings.HasPrefix(u.Category, "dm_"):
		return nil, "$.attachments[0].media_id: media for direct messages must be uploaded with a dm_* media_category"
	case u.Used:
		return nil, "$.attachments[0].media_id: " + id + " was already used in a direct message"
	}
	u.Used = true
	c := *u
	c.Data, c.segments = append([]byte(nil), u.Data...), nil
	return &c, ""
}

// mediaKey is X's media_key: a type prefix and the ID.
func mediaKey(u *Upload) string {
	switch {
	case strings.HasSuffix(u.Category, "_video"):
		return "7_" + u.ID
	case strings.HasSuffix(u.Category, "_gif"):
		return "16_" + u.ID
	}
	return "3_" + u.ID
}

// first is the first of vs, "" when there is none.
func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
