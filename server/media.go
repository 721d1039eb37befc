package server

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/core"
)

// mediaFile serves a message's attachment from the copy in the data folder, to a
// viewer who may see the message; a copy still pending is fetched on the spot.
func (s *Server) mediaFile() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := core.ViewerFrom(r.Context()); !ok {
			writeGraphQLError(w, http.StatusUnauthorized, "authentication required", "UNAUTHENTICATED")
			return
		}
		id, err1 := strconv.Atoi(r.PathValue("messageId"))
		idx, err2 := strconv.Atoi(r.PathValue("index"))
		if err1 != nil || err2 != nil || idx < 0 {
			http.NotFound(w, r)
			return
		}
		m, err := s.client.Message.Get(r.Context(), id)
		if err != nil || idx >= len(m.Attachments) {
			http.NotFound(w, r) // also for messages the viewer may not see
			return
		}
		if idx >= len(m.Media) || m.Media[idx].Status == core.MediaPending {
			m = s.Inbox.FetchNow(r.Context(), m)
		}
		if idx >= len(m.Media) || m.Media[idx].Status != core.MediaReady {
			reason := "the file is not available yet"
			if idx < len(m.Media) && m.Media[idx].Error != "" {
				reason = m.Media[idx].Error
			}
			writeGraphQLError(w, http.StatusBadGateway, "could not get the file from the messenger: "+reason, "PROVIDER_ERROR")
			return
		}
		st := m.Media[idx]
		f, err := s.media.Open(st.File)
		if err != nil {
			s.log.ErrorContext(r.Context(), "media: open copy", "message", id, "err", err)
			writeGraphQLError(w, http.StatusInternalServerError, "internal error", "INTERNAL")
			return
		}
		defer f.Close()
		ct := st.MimeType
		if ct == "" {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "private, max-age=86400")
		name := m.Attachments[idx].FileName
		if name == "" {
			name = fmt.Sprintf("attachment-%d-%d", id, idx)
		}
		// The type comes from outside: only media opens inline, and nothing the
		// file says can run on Switchboard's origin.
		disposition := "attachment"
		if strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "video/") || strings.HasPrefix(ct, "audio/") {
			disposition = "inline"
		}
		w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
		w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
		http.ServeContent(w, r, "", m.CreatedAt, f)
	})
}
