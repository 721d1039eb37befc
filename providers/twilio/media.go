package twilio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// maxMediaBytes bounds a download: WhatsApp media are at most 16 MB through
// Twilio, and Switchboard keeps files up to 20 MiB.
const maxMediaBytes = 20 << 20

// FetchMedia downloads an inbound attachment from its Twilio media URL (the
// FileID ParseWebhook sets, else the URL). Twilio's media URLs need the
// account's credentials when "Enforce HTTP Auth on Media URLs" is on, so the
// request carries HTTP Basic authentication, but only to Twilio: to the
// account's apiUrl, or over https to a twilio.com host. Twilio answers with a
// redirect to a short-lived URL on its CDN, which is fetched without
// credentials (the CDN's URL is signed, and the credentials must never follow a
// redirect to another host); the client's own redirect policy is not asked to
// carry them.
//
// Failures are *providers.SendError: credentials Twilio refuses (401/403, a
// Credentials failure) and media it no longer has (404) are permanent; 429 and
// 5xx are retryable.
// Transport errors are returned wrapped, for the caller to classify. No error
// carries the Auth Token or the CDN's signed URL.
func (Provider) FetchMedia(ctx context.Context, env providers.Env, acct providers.Account, att providers.Attachment) (providers.Media, error) {
	raw := att.FileID
	if raw == "" {
		raw = att.URL
	}
	if raw == "" {
		return providers.Media{}, permanent("twilio: the attachment has no media URL to download")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return providers.Media{}, permanent("twilio: the attachment's media URL is not an absolute http(s) URL")
	}
	a, aerr := settings(acct)
	auth := a.isTwilio(raw, u)
	if auth && aerr != nil {
		return providers.Media{}, settingsError("fetch media", aerr)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return providers.Media{}, permanent("twilio: the attachment's media URL cannot be requested")
	}
	if auth {
		req.SetBasicAuth(a.sid, a.token)
	}
	hc := client(env.HTTP)
	first := *hc
	first.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := first.Do(req)
	if err != nil {
		return providers.Media{}, fmt.Errorf("twilio: fetch media: %w", scrub(err, a.token))
	}
	if isRedirect(resp.StatusCode) {
		loc, lerr := resp.Location()
		resp.Body.Close()
		switch {
		case lerr != nil:
			return providers.Media{}, permanent(fmt.Sprintf("twilio: fetch media: Twilio answered %d without a usable Location", resp.StatusCode))
		case strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(loc.Scheme, "https"):
			return providers.Media{}, permanent("twilio: fetch media: Twilio redirected the download from https to plain http")
		}
		next, err := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
		if err != nil {
			return providers.Media{}, permanent("twilio: fetch media: Twilio redirected the download to an unusable URL")
		}
		if resp, err = hc.Do(next); err != nil {
			return providers.Media{}, fmt.Errorf("twilio: fetch media: %w", scrub(err, a.token))
		}
	}
	defer resp.Body.Close()
	if err := mediaStatus(resp.StatusCode, auth); err != nil {
		return providers.Media{}, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxMediaBytes+1))
	if err != nil {
		err = scrub(err, a.token)
		return providers.Media{}, &providers.SendError{Retryable: true, Reason: "twilio: the media download was interrupted", Err: err}
	}
	if len(b) > maxMediaBytes {
		return providers.Media{}, permanent("twilio: the media file is larger than 20 MiB")
	}
	mt := att.MimeType
	if mt == "" {
		mt = mediaType(resp.Header.Get("Content-Type"))
	}
	return providers.Media{Data: b, MimeType: mt, FileName: att.FileName}, nil
}

// isTwilio reports whether u (raw as given) is Twilio's, and so may be sent the
// account's credentials: below the account's API base URL, or https on a
// twilio.com host.
func (a account) isTwilio(raw string, u *url.URL) bool {
	if a.base != "" && strings.HasPrefix(raw, a.base+"/") {
		return true
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	return u.Scheme == "https" && (host == "twilio.com" || strings.HasSuffix(host, ".twilio.com"))
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
		reason := fmt.Sprintf("twilio: Twilio refused the account's credentials for the media (HTTP %d): check the Account SID and Auth Token", code)
		return &providers.SendError{Credentials: true, Reason: reason, Err: errors.New(reason)}
	case code == http.StatusNotFound || code == http.StatusGone:
		return permanent(fmt.Sprintf("twilio: Twilio no longer has this media (HTTP %d): it was deleted", code))
	case retryable(code, 0):
		return &providers.SendError{Retryable: true, Reason: fmt.Sprintf("twilio: the media download answered HTTP %d", code)}
	}
	return permanent(fmt.Sprintf("twilio: the media download answered HTTP %d", code))
}
