package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/media"
	"github.com/switchboard/switchboard/core/secrets"
	"github.com/switchboard/switchboard/ent/message"
)

// mediaLinks signs the public links to agents' uploads with keys derived from
// the secrets key (SWITCHBOARD_SECRET_KEY or the key file), so every instance
// of a cluster, which must share that key anyway, signs and checks alike, and
// a key rotation keeps the links made before it working. The derived key is
// not the key: a link never helps anyone decrypt a stored credential.
func mediaLinks(cfg Config) (*media.Links, error) {
	var raw []string
	if cfg.SecretKey != "" {
		raw = strings.Split(cfg.SecretKey, ",")
	} else {
		var err error
		if raw, err = secrets.ReadKeyFile(filepath.Join(cfg.DataDir, KeyFileName)); err != nil {
			return nil, fmt.Errorf("media links: %w", err)
		}
	}
	keys := make([][]byte, 0, len(raw))
	for _, r := range raw {
		k, err := secrets.ParseKey(r)
		if err != nil {
			return nil, fmt.Errorf("media links: %w", err)
		}
		h := hmac.New(sha256.New, k)
		h.Write([]byte("switchboard: public media links"))
		keys = append(keys, h.Sum(nil))
		clear(k)
	}
	return media.NewLinks(cfg.PublicURL, cfg.MediaLinkTTL, keys...)
}

// publicMedia serves an agent's uploaded file to whoever holds its signed
// link: the messengers that fetch media by URL (LINE, Viber) have no
// Switchboard credentials. The link opens that one file of a reply until it
// expires: a token Switchboard did not sign, or naming anything but an
// uploaded file of an outbound message, is 404; an expired one is 410.
func (s *Server) publicMedia() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, idx, err := s.links.Open(r.PathValue("token"), core.Now())
		if errors.Is(err, media.ErrLinkExpired) {
			http.Error(w, "this link has expired", http.StatusGone)
			return
		}
		if err != nil {
			http.NotFound(w, r)
			return
		}
		ctx := core.SystemContext(r.Context())
		m, err := s.client.Message.Get(ctx, id)
		if err != nil || m.Direction != message.DirectionOUTBOUND || idx >= len(m.Attachments) || idx >= len(m.Media) ||
			m.Attachments[idx].URL != "" || m.Media[idx].File == "" || m.Media[idx].Status != core.MediaReady {
			http.NotFound(w, r)
			return
		}
		st := m.Media[idx]
		f, err := s.media.Open(st.File)
		if err != nil {
			s.log.ErrorContext(r.Context(), "media: open upload for a public link", "message", id, "err", err)
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		ct := st.MimeType
		if ct == "" {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
		w.Header().Set("Cache-Control", "private, max-age=3600")
		w.Header().Set("Referrer-Policy", "no-referrer")
		if name := m.Attachments[idx].FileName; name != "" {
			w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name}))
		}
		http.ServeContent(w, r, "", m.CreatedAt, f)
	})
}
