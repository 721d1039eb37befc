package twitter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/switchboard/switchboard/providers"
)

// The X API calls behind SetWebhook and TestConnection: who the account is,
// the app-only token, the app's webhooks (V2 Webhooks API) and the account's
// Account Activity subscription.

// webhookConfig is one of the app's webhooks.
type webhookConfig struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	Valid     bool   `json:"valid"`
	CreatedAt string `json:"created_at"`
}

// me is GET /2/users/me: the account the access token belongs to.
func (p Provider) me(ctx context.Context, env providers.Env, creds credentials) (User, error) {
	var out struct {
		Data *User `json:"data"`
	}
	err := do(ctx, env.HTTP, env.Now, request{op: "get the account", method: http.MethodGet, url: p.api() + "/2/users/me", auth: authUser, creds: creds}, &out)
	if err != nil {
		return User{}, err
	}
	if out.Data == nil || out.Data.ID == "" {
		return User{}, &decodeError{op: "get the account", err: errors.New("no user")}
	}
	return *out.Data, nil
}

// appToken gets the app-only bearer token that webhook management requires
// (POST /oauth2/token, grant_type=client_credentials, with the consumer key
// and secret). X gives the same token until it is invalidated; it is used for
// one SetWebhook and never stored or shown.
func (p Provider) appToken(ctx context.Context, env providers.Env, creds credentials) (string, error) {
	var out struct {
		TokenType   string `json:"token_type"`
		AccessToken string `json:"access_token"`
	}
	err := do(ctx, env.HTTP, env.Now, request{
		op: "get an app-only token", method: http.MethodPost, url: p.api() + "/oauth2/token",
		auth: authBasic, creds: creds, form: url.Values{"grant_type": {"client_credentials"}},
	}, &out)
	if err != nil {
		return "", err
	}
	if out.AccessToken == "" {
		return "", &decodeError{op: "get an app-only token", err: errors.New("no access_token")}
	}
	return out.AccessToken, nil
}

// listWebhooks is GET /2/webhooks: the app's webhooks.
func (p Provider) listWebhooks(ctx context.Context, env providers.Env, creds credentials, bearer string) ([]webhookConfig, error) {
	var out struct {
		Data []webhookConfig `json:"data"`
	}
	err := do(ctx, env.HTTP, env.Now, request{op: "list webhooks", method: http.MethodGet, url: p.api() + "/2/webhooks", auth: authApp, creds: creds, bearer: bearer}, &out)
	return out.Data, err
}

// createWebhook is POST /2/webhooks {"url":...}; X checks the URL with a CRC
// before it answers. The reference documents the config at the top level of
// the answer and the guide inside "data": both are read.
func (p Provider) createWebhook(ctx context.Context, env providers.Env, creds credentials, bearer, target string) (webhookConfig, error) {
	var raw json.RawMessage
	err := do(ctx, env.HTTP, env.Now, request{
		op: "create webhook", method: http.MethodPost, url: p.api() + "/2/webhooks", auth: authApp, creds: creds, bearer: bearer,
		body: map[string]string{"url": target},
	}, &raw)
	if err != nil {
		return webhookConfig{}, err
	}
	var wrapped struct {
		Data *webhookConfig `json:"data"`
	}
	var w webhookConfig
	if json.Unmarshal(raw, &wrapped) == nil && wrapped.Data != nil {
		w = *wrapped.Data
	} else if err := json.Unmarshal(raw, &w); err != nil {
		return webhookConfig{}, &decodeError{op: "create webhook", err: err}
	}
	if w.ID == "" {
		return webhookConfig{}, &decodeError{op: "create webhook", err: errors.New("no webhook id")}
	}
	return w, nil
}

// deleteWebhook is DELETE /2/webhooks/:id; its subscriptions go with it.
func (p Provider) deleteWebhook(ctx context.Context, env providers.Env, creds credentials, bearer, id string) error {
	return do(ctx, env.HTTP, env.Now, request{op: "delete webhook", method: http.MethodDelete, url: p.api() + "/2/webhooks/" + url.PathEscape(id), auth: authApp, creds: creds, bearer: bearer}, nil)
}

// validateWebhook is PUT /2/webhooks/:id: X runs a CRC now and re-enables
// the webhook when it passes. X answers only {"data":{"attempted":true}}, so
// a 2xx means the check ran; whether the webhook is valid afterwards is read
// from GET /2/webhooks, where X reports each webhook's status.
func (p Provider) validateWebhook(ctx context.Context, env providers.Env, creds credentials, bearer, id string) (bool, error) {
	var out struct {
		Data struct {
			Attempted *bool `json:"attempted"`
		} `json:"data"`
	}
	err := do(ctx, env.HTTP, env.Now, request{op: "validate webhook", method: http.MethodPut, url: p.api() + "/2/webhooks/" + url.PathEscape(id), auth: authApp, creds: creds, bearer: bearer}, &out)
	if err != nil {
		return false, err
	}
	if out.Data.Attempted != nil && !*out.Data.Attempted {
		return false, &decodeError{op: "validate webhook", err: errors.New("X answered attempted: false")}
	}
	hooks, err := p.listWebhooks(ctx, env, creds, bearer)
	if err != nil {
		return false, err
	}
	for _, h := range hooks {
		if h.ID == id {
			return h.Valid, nil
		}
	}
	return false, &decodeError{op: "validate webhook", err: errors.New("the webhook is no longer listed")}
}

// subscribe is POST /2/account_activity/webhooks/:id/subscriptions/all in the
// account's user context: X then delivers the account's activity to the
// webhook. It reports true when the account was subscribed already (X's
// DuplicateSubscriptionFailed).
func (p Provider) subscribe(ctx context.Context, env providers.Env, creds credentials, id string) (already bool, err error) {
	var out struct {
		Data struct {
			Subscribed bool `json:"subscribed"`
		} `json:"data"`
	}
	err = do(ctx, env.HTTP, env.Now, request{
		op: "subscribe the account", method: http.MethodPost, auth: authUser, creds: creds,
		url:  p.api() + "/2/account_activity/webhooks/" + url.PathEscape(id) + "/subscriptions/all",
		body: struct{}{},
	}, &out)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Has("DuplicateSubscriptionFailed") {
		return true, nil
	}
	if err == nil && !out.Data.Subscribed {
		err = &decodeError{op: "subscribe the account", err: errors.New("X answered subscribed: false")}
	}
	return false, err
}
