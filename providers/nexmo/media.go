package nexmo

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/switchboard/switchboard/providers"
)

// maxMediaBytes bounds a download: WhatsApp media are at most 100 MB for
// documents, but Switchboard keeps files up to 20 MiB.
const maxMediaBytes = 20 << 20

// FetchMedia downloads an inbound attachment from its Vonage media URL (the
// FileID ParseWebhook sets, else the URL). By default Vonage's media URLs are
// unguessable and need no credentials for the time Vonage keeps them
// (https://developer.vonage.com/en/messages/concepts/secure-inbound-media), so
// the request carries none: the API key and secret are never sent to a URL a
// webhook named. An application with Secure Inbound Media on hands media out
// only for a JWT signed with its private key, which Switchboard has no setting
// for yet: Vonage's 401 then fails the download with a reason that says to
// turn the option off.
//
// Failures are *providers.SendError: a refusal (401/403, a Credentials
// failure: every download fails alike until an admin changes the application)
// and media Vonage no longer has (404/410) are permanent; 429 and 5xx are
// retryable. Transport
// errors are returned wrapped, for the caller to classify.
func (Provider) FetchMedia(ctx context.Context, env providers.Env, acct providers.Account, att providers.Attachment) (providers.Media, error) {
	raw := att.FileID
	if raw == "" {
		raw = att.URL
	}
	if raw == "" {
		return providers.Media{}, permanent("nexmo: the attachment has no media URL to download")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return providers.Media{}, permanent("nexmo: the attachment's media URL is not an absolute http(s) URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return providers.Media{}, permanent("nexmo: the attachment's media URL cannot be requested")
	}
	resp, err := client(env.HTTP).Do(req)
	if err != nil {
		return providers.Media{}, fmt.Errorf("nexmo: fetch media: %w", scrub(err, ""))
	}
	defer resp.Body.Close()
	if err := mediaStatus(resp.StatusCode); err != nil {
		return providers.Media{}, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxMediaBytes+1))
	if err != nil {
		return providers.Media{}, &providers.SendError{Retryable: true, Reason: "nexmo: the media download was interrupted", Err: scrub(err, "")}
	}
	if len(b) > maxMediaBytes {
		return providers.Media{}, permanent("nexmo: the media file is larger than 20 MiB")
	}
	mt := att.MimeType
	if mt == "" {
		if t, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
			mt = t
		}
	}
	return providers.Media{Data: b, MimeType: mt, FileName: att.FileName}, nil
}

// mediaStatus classifies a media download's answer; nil for 200.
func mediaStatus(code int) error {
	switch {
	case code == http.StatusOK:
		return nil
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return unusableCredentials(fmt.Sprintf("nexmo: Vonage refused the media download (HTTP %d): the application probably has Secure Inbound Media on, "+
			"whose downloads need a JWT signed with the application's private key, which Switchboard has no setting for yet; turn Secure Inbound Media off in the application's Messages settings", code))
	case code == http.StatusNotFound || code == http.StatusGone:
		return permanent(fmt.Sprintf("nexmo: Vonage no longer has this media (HTTP %d): its media URLs expire", code))
	case retryable(code):
		return &providers.SendError{Retryable: true, Reason: fmt.Sprintf("nexmo: the media download answered HTTP %d", code)}
	}
	return permanent(fmt.Sprintf("nexmo: the media download answered HTTP %d", code))
}
