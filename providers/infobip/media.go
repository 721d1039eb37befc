package infobip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// maxMediaBytes bounds a download: Switchboard keeps files up to 20 MiB.
const maxMediaBytes = 20 << 20

// FetchMedia downloads an inbound attachment from its Infobip media URL (the
// FileID ParseWebhook sets, else the URL), which is Infobip's "download inbound
// media" call (/whatsapp/1/senders/<sender>/media/<id>) and needs the API key.
// The key goes only to Infobip: below the account's apiUrl, or over https to an
// infobip.com host; any other URL is fetched without it. A redirect is followed
// once, without the key (never from https to plain http), and the client's own
// redirect policy is not asked to carry it.
//
// Failures are *providers.SendError: a key Infobip refuses (401/403, a
// Credentials failure) and media it no longer has (404/410: Infobip keeps
// inbound media for 7 days,
// https://www.infobip.com/docs/whatsapp/message-types-and-templates/inbound-messages) are
// permanent; 429 and 5xx are retryable. Transport errors are returned wrapped,
// for the caller to classify. No error carries the API key.
func (Provider) FetchMedia(ctx context.Context, env providers.Env, acct providers.Account, att providers.Attachment) (providers.Media, error) {
	raw := att.FileID
	if raw == "" {
		raw = att.URL
	}
	if raw == "" {
		return providers.Media{}, permanent("infobip: the attachment has no media URL to download")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return providers.Media{}, permanent("infobip: the attachment's media URL is not an absolute http(s) URL")
	}
	a, aerr := settings(acct)
	auth := a.isInfobip(raw, u)
	if auth && aerr != nil {
		return providers.Media{}, settingsError("fetch media", aerr)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return providers.Media{}, permanent("infobip: the attachment's media URL cannot be requested")
	}
	if auth {
		req.Header.Set("Authorization", "App "+a.key)
	}
	hc := client(env.HTTP)
	first := *hc
	first.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := first.Do(req)
	if err != nil {
		return providers.Media{}, fmt.Errorf("infobip: fetch media: %w", scrub(err, a.key))
	}
	if isRedirect(resp.StatusCode) {
		loc, lerr := resp.Location()
		resp.Body.Close()
		switch {
		case lerr != nil:
			return providers.Media{}, permanent(fmt.Sprintf("infobip: fetch media: Infobip answered %d without a usable Location", resp.StatusCode))
		case strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(loc.Scheme, "https"):
			return providers.Media{}, permanent("infobip: fetch media: Infobip redirected the download from https to plain http")
		}
		next, err := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
		if err != nil {
			return providers.Media{}, permanent("infobip: fetch media: Infobip redirected the download to an unusable URL")
		}
		if resp, err = hc.Do(next); err != nil {
			return providers.Media{}, fmt.Errorf("infobip: fetch media: %w", scrub(err, a.key))
		}
	}
	defer resp.Body.Close()
	if err := mediaStatus(resp.StatusCode, auth); err != nil {
		return providers.Media{}, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxMediaBytes+1))
	if err != nil {
		return providers.Media{}, &providers.SendError{Retryable: true, Reason: "infobip: the media download was interrupted", Err: scrub(err, a.key)}
	}
	if len(b) > maxMediaBytes {
		return providers.Media{}, permanent("infobip: the media file is larger than 20 MiB")
	}
	m := providers.Media{Data: b, MimeType: att.MimeType, FileName: att.FileName}
	if m.MimeType == "" {
		m.MimeType = mediaType(resp.Header.Get("Content-Type"))
	}
	if m.FileName == "" {
		if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
			m.FileName = strings.TrimSpace(params["filename"])
		}
	}
	return m, nil
}

// isInfobip reports whether u (raw as given) is Infobip's, and so may be sent
// the API key: below the account's API base URL, or https on an infobip.com
// host.
func (a account) isInfobip(raw string, u *url.URL) bool {
	if a.base != "" && strings.HasPrefix(raw, a.base+"/") {
		return true
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	return u.Scheme == "https" && (host == "infobip.com" || strings.HasSuffix(host, ".infobip.com"))
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// mediaStatus classifies the final answer of a media download; nil for 200.
func mediaStatus(code int, auth bool) error {
	switch {
	case code == http.StatusOK:
		return nil
	case (code == http.StatusUnauthorized || code == http.StatusForbidden) && auth:
		reason := fmt.Sprintf("infobip: Infobip refused the API key for the media (HTTP %d): check the account's apiKey", code)
		return &providers.SendError{Credentials: true, Reason: reason, Err: errors.New(reason)}
	case code == http.StatusNotFound || code == http.StatusGone:
		return permanent(fmt.Sprintf("infobip: Infobip no longer has this media (HTTP %d): it keeps inbound media for 7 days", code))
	case retryable(code):
		return &providers.SendError{Retryable: true, Reason: fmt.Sprintf("infobip: the media download answered HTTP %d", code)}
	}
	return permanent(fmt.Sprintf("infobip: the media download answered HTTP %d", code))
}

// mediaType is the media type of a content type without its parameters, ""
// when it is not one.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}
