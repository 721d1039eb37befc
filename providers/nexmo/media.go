package nexmo

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

// maxMediaBytes bounds a download: WhatsApp media are at most 100 MB for
// documents, but Switchboard keeps files up to 20 MiB.
const maxMediaBytes = 20 << 20

// FetchMedia downloads an inbound attachment from its Vonage media URL (the
// FileID ParseWebhook sets, else the URL). By default Vonage's media URLs are
// unguessable and need no credentials for the time Vonage keeps them
// (https://developer.vonage.com/en/messages/concepts/secure-inbound-media). An
// application with Secure Inbound Media on hands media out only for a JWT
// signed with its private key, so when the account has a privateKey the
// download carries the account's JWT ("Authorization: Bearer", the one Send
// uses, from the same cache), but only to Vonage's own hosts (nexmo.com,
// vonage.com, over https) and the account's apiUrl: a JWT is good for
// sending messages until it expires, and a webhook names the URL. The API key
// and secret are never sent. A private key that cannot sign does not stop a
// download that needs no JWT; it is reported when Vonage refuses one.
//
// Failures are *providers.SendError: a refusal (401/403, a Credentials
// failure: every download fails alike until an admin sets the right private
// key or changes the application) and media Vonage no longer has (404/410)
// are permanent; 429 and 5xx are retryable. Transport errors are returned
// wrapped, for the caller to classify. No error carries the key or the JWT.
func (p Provider) FetchMedia(ctx context.Context, env providers.Env, acct providers.Account, att providers.Attachment) (providers.Media, error) {
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
	// auth says how the download was authenticated, for the reason of a
	// refusal: the JWT, or why none was sent.
	a, aerr := settings(acct)
	var auth mediaAuth
	switch {
	case aerr != nil:
		auth.why = aerr
	case a.privateKey == "":
		auth.why = errNoMediaKey
	case !a.jwtHost(u):
		auth.why = errNotVonageHost
	default:
		a.auth = AuthJWT
		if err := p.authorize(&a, acct.ID, now(env)); err != nil {
			auth.why = err
		} else {
			auth.token, auth.appID = a.bearer, a.appID
			req.Header.Set("Authorization", "Bearer "+a.bearer)
		}
	}
	resp, err := client(env.HTTP).Do(req)
	if err != nil {
		return providers.Media{}, fmt.Errorf("nexmo: fetch media: %w", scrub(err, "", auth.token))
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized && auth.token != "" {
		p.cache().drop(acct.ID, a, auth.token)
	}
	if err := mediaStatus(resp.StatusCode, auth); err != nil {
		return providers.Media{}, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxMediaBytes+1))
	if err != nil {
		return providers.Media{}, &providers.SendError{Retryable: true, Reason: "nexmo: the media download was interrupted", Err: scrub(err, "", auth.token)}
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

// mediaAuth is how a download was authenticated: with the account's JWT for
// application appID, or without credentials for the reason why.
type mediaAuth struct {
	token, appID string
	why          error
}

// Why a download carried no JWT.
var (
	errNoMediaKey    = errors.New("the account has no privateKey to sign one with")
	errNotVonageHost = errors.New("the media URL is not on a Vonage host, which is the only place Switchboard sends the account's JWT")
)

// jwtHost reports whether u may receive the account's JWT: it is on the
// account's apiUrl host (a regional host, a proxy or a fake), or on Vonage's
// own domains over https.
func (a account) jwtHost(u *url.URL) bool {
	if base, err := url.Parse(a.base); err == nil && strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Host, base.Host) {
		return true
	}
	if u.Scheme != "https" {
		return false
	}
	h := strings.ToLower(u.Hostname())
	for _, d := range []string{"nexmo.com", "vonage.com"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// mediaStatus classifies a media download's answer; nil for 200.
func mediaStatus(code int, auth mediaAuth) error {
	switch {
	case code == http.StatusOK:
		return nil
	case (code == http.StatusUnauthorized || code == http.StatusForbidden) && auth.token != "":
		return unusableCredentials(fmt.Sprintf("nexmo: Vonage refused the media download with the account's JWT (HTTP %d): "+
			"check that privateKey is the private key of the Vonage application %s, the one whose webhook received the message", code, auth.appID))
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		reason := fmt.Sprintf("nexmo: Vonage refused the media download (HTTP %d): the application probably has Secure Inbound Media on, "+
			"whose downloads need a JWT signed with the application's private key, and none was sent: %v", code, auth.why)
		if errors.Is(auth.why, errNoMediaKey) {
			reason += "; set the account's privateKey to the application's private key, or turn Secure Inbound Media off in the application's Messages settings"
		}
		return unusableCredentials(reason)
	case code == http.StatusNotFound || code == http.StatusGone:
		return permanent(fmt.Sprintf("nexmo: Vonage no longer has this media (HTTP %d): its media URLs expire", code))
	case retryable(code):
		return &providers.SendError{Retryable: true, Reason: fmt.Sprintf("nexmo: the media download answered HTTP %d", code)}
	}
	return permanent(fmt.Sprintf("nexmo: the media download answered HTTP %d", code))
}
