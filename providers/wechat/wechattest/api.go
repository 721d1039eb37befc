package wechattest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"
)

// MaxTextBytes is the longest text message the fake accepts: WeChat does not
// document its limit and refuses longer ones with 45002; 2048 bytes is what
// its developers measured.
const MaxTextBytes = 2048

// customSend is POST /cgi-bin/message/custom/send.
func (s *Server) customSend(app string, w responseWriter, body []byte) {
	var req struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
		Text    *struct {
			Content *string `json:"content"`
		} `json:"text"`
		Image *mediaRef `json:"image"`
		Voice *mediaRef `json:"voice"`
		Video *mediaRef `json:"video"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, 47001, "data format error")
		return
	}
	if hasUnicodeEscape(body) {
		writeError(w, 40033, `invalid charset. please check your request, if include \uxxxx will create fail!`)
		return
	}
	s.mu.Lock()
	u, known := s.users[app+"/"+req.ToUser]
	var user User
	if known {
		user = *u
	}
	now := s.now()
	s.mu.Unlock()
	switch {
	case req.ToUser == "" || !known:
		writeError(w, 40003, "invalid openid")
		return
	case user.Unsubscribed || user.LastInteraction.IsZero() || now.Sub(user.LastInteraction) > ReplyWindow:
		writeError(w, 45015, "response out of time limit or subscription is canceled")
		return
	}
	msg := Message{AppID: app, ToUser: req.ToUser, MsgType: req.MsgType, Raw: bytes.Clone(body), At: now}
	var ref *mediaRef
	switch req.MsgType {
	case "text":
		if req.Text == nil || req.Text.Content == nil || *req.Text.Content == "" {
			writeError(w, 44004, "empty content")
			return
		}
		if len(*req.Text.Content) > MaxTextBytes {
			writeError(w, 45002, "content size out of limit")
			return
		}
		msg.Text = *req.Text.Content
	case "image":
		ref = req.Image
	case "voice":
		ref = req.Voice
	case "video":
		ref = req.Video
	default:
		writeError(w, 40008, "invalid message type")
		return
	}
	if req.MsgType != "text" {
		if ref == nil || ref.MediaID == "" {
			writeError(w, 40007, "invalid media_id")
			return
		}
		s.mu.Lock()
		m, ok := s.media[ref.MediaID]
		s.mu.Unlock()
		if !ok || m.AppID != app || m.Type != req.MsgType {
			writeError(w, 40007, "invalid media_id")
			return
		}
		cp := *m
		msg.MediaID, msg.Media = ref.MediaID, &cp
	}
	s.mu.Lock()
	s.messages = append(s.messages, msg)
	s.notify()
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// mediaRef names uploaded media in a message.
type mediaRef struct {
	MediaID      string `json:"media_id"`
	ThumbMediaID string `json:"thumb_media_id"`
	Title        string `json:"title"`
	Description  string `json:"description"`
}

// hasUnicodeEscape reports whether a JSON text has a \u escape, which
// WeChat refuses (40033).
func hasUnicodeEscape(b []byte) bool {
	for i := 0; i < len(b)-1; i++ {
		if b[i] == '\\' {
			if b[i+1] == 'u' {
				return true
			}
			i++ // skip the escaped character
		}
	}
	return false
}

// uploadRules are WeChat's temporary media limits: the extensions it takes
// and the largest size, with the errcode for a larger file.
var uploadRules = map[string]struct {
	exts    []string
	max     int
	tooBig  int
	tooBigM string
}{
	"image": {[]string{".jpg", ".jpeg", ".png", ".gif", ".bmp"}, 10 << 20, 40009, "invalid image size"},
	"voice": {[]string{".amr", ".mp3"}, 2 << 20, 40010, "invalid voice size"},
	"video": {[]string{".mp4"}, 10 << 20, 40011, "invalid video size"},
	"thumb": {[]string{".jpg", ".jpeg"}, 64 << 10, 40006, "invalid meida size"},
}

// upload is POST /cgi-bin/media/upload?type=: a multipart form whose "media"
// part is the file, checked by its name's extension and size.
func (s *Server) upload(app string, w responseWriter, r *http.Request) {
	typ := r.URL.Query().Get("type")
	rule, ok := uploadRules[typ]
	if !ok {
		writeError(w, 40004, "invalid media type")
		return
	}
	f, hdr, err := r.FormFile("media")
	if err != nil {
		writeError(w, 41005, "media data missing")
		return
	}
	defer f.Close()
	data, _ := io.ReadAll(f)
	ext := strings.ToLower(path.Ext(hdr.Filename))
	switch {
	case !contains(rule.exts, ext):
		writeError(w, 40005, "invalid file type")
		return
	case len(data) == 0:
		writeError(w, 44001, "empty media data")
		return
	case len(data) > rule.max:
		writeError(w, rule.tooBig, rule.tooBigM)
		return
	}
	ct := hdr.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		ct = mt
	}
	s.mu.Lock()
	m := Media{ID: newMediaID(), AppID: app, Type: typ, FileName: hdr.Filename, ContentType: ct, Data: data, CreatedAt: s.now()}
	s.media[m.ID] = &m
	s.uploads = append(s.uploads, m)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"type": typ, "media_id": m.ID, "created_at": m.CreatedAt.Unix()})
}

// contains reports whether list has s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mediaGet is GET /cgi-bin/media/get: the file with its type and name, or
// for a video a JSON video_url to download it from.
func (s *Server) mediaGet(app, host string, w responseWriter, r *http.Request) {
	id := r.URL.Query().Get("media_id")
	if id == "" {
		writeError(w, 41006, "media_id missing")
		return
	}
	s.mu.Lock()
	m, ok := s.media[id]
	var cp Media
	if ok {
		cp = *m
	}
	s.mu.Unlock()
	if !ok || cp.AppID != app {
		writeError(w, 40007, "invalid media_id")
		return
	}
	if cp.Type == "video" {
		base := s.URL
		if host == HostInternational {
			base = s.InternationalURL
		}
		writeJSON(w, map[string]any{"video_url": base + "/video/" + id})
		return
	}
	w.Header().Set("Content-Type", cp.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": cp.FileName}))
	w.Header().Set("Content-Length", fmt.Sprint(len(cp.Data)))
	w.WriteHeader(http.StatusOK)
	w.Write(cp.Data)
}

// userInfo is GET /cgi-bin/user/info, in the shape WeChat has answered since
// 2021: no nickname, picture, sex or region unless a test sets them.
func (s *Server) userInfo(app string, w responseWriter, r *http.Request) {
	q := r.URL.Query()
	openID := q.Get("openid")
	if openID == "" {
		writeError(w, 41009, "missing openid")
		return
	}
	if lang := q.Get("lang"); lang != "" && lang != "zh_CN" && lang != "zh_TW" && lang != "en" {
		writeError(w, 40005, "invalid lang")
		return
	}
	s.mu.Lock()
	u, ok := s.users[app+"/"+openID]
	var cp User
	if ok {
		cp = *u
	}
	s.mu.Unlock()
	switch {
	case !ok || !utf8.ValidString(openID):
		writeError(w, 40003, "invalid openid")
	case cp.Unsubscribed:
		out := map[string]any{"subscribe": 0, "openid": cp.OpenID}
		if cp.UnionID != "" {
			out["unionid"] = cp.UnionID
		}
		writeJSON(w, out)
	default:
		out := map[string]any{
			"subscribe": 1, "openid": cp.OpenID, "nickname": cp.Nickname, "sex": 0, "language": "zh_CN",
			"city": "", "province": "", "country": "", "headimgurl": cp.HeadImgURL,
			"subscribe_time": cp.SubscribeTime.Unix(), "remark": cp.Remark, "groupid": 0, "tagid_list": []int{},
			"subscribe_scene": "ADD_SCENE_SEARCH", "qr_scene": 0, "qr_scene_str": "",
		}
		if cp.UnionID != "" {
			out["unionid"] = cp.UnionID
		}
		writeJSON(w, out)
	}
}
