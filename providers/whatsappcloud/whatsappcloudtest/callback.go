package whatsappcloudtest

import (
	"encoding/json"
	"net/url"
	"unicode/utf8"

	"github.com/switchboard/switchboard/providers/meta/metatest"
)

// MaxCallbackURILen is the longest alternate callback URL Meta takes.
const MaxCallbackURILen = 200

// Callback is a phone number's alternate callback: where Meta sends the
// number's messages webhooks instead of the app's callback URL, and the
// verify token of its handshake
// (https://developers.facebook.com/docs/whatsapp/embedded-signup/webhooks/override).
type Callback struct {
	URI         string
	VerifyToken string
}

// NumberCallback is the alternate callback set on a phone number, if any.
func (a *API) NumberCallback(phoneNumberID string) (Callback, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cb, ok := a.callbacks[phoneNumberID]
	return cb, ok
}

// configureNumber is POST /{phone-number-id} with
// webhook_configuration={"override_callback_uri":...,"verify_token":...}:
// the number's alternate callback. As Meta, it wants the app subscribed to
// the number's business account first, an https URL of at most 200
// characters and a verify token; an empty webhook_configuration removes the
// alternate.
func (a *API) configureNumber(c *metatest.Call) (any, *metatest.GraphError) {
	n, gerr := a.number(c)
	if gerr != nil {
		return nil, gerr
	}
	raw, ok := c.Params["webhook_configuration"]
	if !ok {
		return nil, invalid("The parameter webhook_configuration is required.")
	}
	var cfg struct {
		URI         *string `json:"override_callback_uri"`
		VerifyToken *string `json:"verify_token"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		// A form sends the object as text.
		var text string
		if json.Unmarshal(raw, &text) != nil || json.Unmarshal([]byte(text), &cfg) != nil {
			return nil, invalid("Param webhook_configuration must be a JSON object.")
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if cfg.URI == nil && cfg.VerifyToken == nil {
		delete(a.callbacks, n.ID)
		return map[string]bool{"success": true}, nil
	}
	u, err := url.Parse(deref(cfg.URI))
	switch {
	case !a.subscribed[n.WABAID]:
		return nil, invalid("The app is not subscribed to the WhatsApp Business Account " + n.WABAID + ": subscribe it (subscribed_apps) before setting an alternate callback.")
	case cfg.URI == nil || *cfg.URI == "":
		return nil, invalid("The parameter webhook_configuration[override_callback_uri] is required.")
	case utf8.RuneCountInString(*cfg.URI) > MaxCallbackURILen:
		return nil, invalid("Param webhook_configuration[override_callback_uri] must be at most 200 characters long.")
	case err != nil || u.Scheme != "https" || u.Host == "":
		return nil, invalid("Param webhook_configuration[override_callback_uri] must be a valid https URL.")
	case cfg.VerifyToken == nil || *cfg.VerifyToken == "":
		return nil, invalid("The parameter webhook_configuration[verify_token] is required.")
	}
	a.callbacks[n.ID] = Callback{URI: *cfg.URI, VerifyToken: *cfg.VerifyToken}
	return map[string]bool{"success": true}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
