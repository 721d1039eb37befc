package twitter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// TestConnection asks X who the access token belongs to (GET /2/users/me,
// signed with OAuth 1.0a in the user context). The signature uses all four
// credentials, so a wrong consumer key or secret fails it as surely as a
// wrong or revoked token; X answers 401 for both, and the result says to
// check them. The result names the account (id, username, name).
func (p Provider) TestConnection(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	creds := credentialsOf(acct)
	if m := creds.missing(); m != "" {
		return providers.Result{Message: "The account has no X " + m + ".", Details: map[string]string{}}, nil
	}
	me, err := p.me(ctx, env, creds)
	if err != nil {
		return failure(err)
	}
	res := providers.Result{
		OK:      true,
		Message: fmt.Sprintf("Connected to X account @%s (%s).", me.Username, me.Name),
		Details: map[string]string{"userId": me.ID, "username": me.Username, "name": me.Name},
	}
	if tu := TokenUserID(creds.accessToken); tu != "" && tu != me.ID {
		res.Details["tokenUserId"] = tu
	}
	return res, nil
}

// SetWebhook makes X deliver the account's activity to acct.WebhookURL with
// the Account Activity API, in four steps, and says what it did:
//
//  1. GET /2/users/me names the account (user context).
//  2. POST /oauth2/token gets the app-only token that webhook management
//     takes, and GET /2/webhooks lists the app's webhooks.
//  3. The webhook: one at this URL is used (and re-validated with
//     PUT /2/webhooks/:id, which runs a CRC, when X marked it invalid);
//     otherwise POST /2/webhooks creates it, X checking it with a CRC first.
//     A webhook of this same account at another address (same path, another
//     host: the server moved) is deleted and replaced. When X's limit of
//     webhooks per app is reached, webhooks X already marked invalid are
//     deleted to make room; valid ones elsewhere belong to someone else and
//     are only reported.
//  4. POST /2/account_activity/webhooks/:id/subscriptions/all subscribes the
//     account (user context); an existing subscription is fine.
//
// The result is OK only when the account is subscribed to a valid webhook at
// acct.WebhookURL. X's Account Activity API takes no environment label in v2
// (v1.1's env_name is gone), so none is needed.
func (p Provider) SetWebhook(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	creds := credentialsOf(acct)
	if m := creds.missing(); m != "" {
		return providers.Result{Message: "The account has no X " + m + ".", Details: map[string]string{}}, nil
	}
	if acct.WebhookURL == "" {
		return providers.Result{Message: "The account has no webhook URL.", Details: map[string]string{}}, nil
	}
	me, err := p.me(ctx, env, creds)
	if err != nil {
		return failure(err)
	}
	d := map[string]string{"userId": me.ID, "username": me.Username, "webhookUrl": acct.WebhookURL}
	bearer, err := p.appToken(ctx, env, creds)
	if err != nil {
		return explain(failure(err))("X did not give the app-only token that managing webhooks needs", d)
	}
	hook, action, res, err := p.ensureWebhook(ctx, env, creds, bearer, acct.WebhookURL, d)
	if hook == nil {
		return res, err
	}
	d["webhookId"], d["webhookValid"], d["webhook"] = hook.ID, strconv.FormatBool(hook.Valid), action
	already, err := p.subscribe(ctx, env, creds, hook.ID)
	if err != nil {
		return explain(failure(err))("The webhook is registered, but subscribing @"+me.Username+" failed", d)
	}
	d["subscription"] = "created"
	if already {
		d["subscription"] = "existing"
	}
	return providers.Result{
		OK: true,
		Message: fmt.Sprintf("X sends @%s's direct messages to %s (webhook %s, %s; subscription %s).",
			me.Username, acct.WebhookURL, hook.ID, action, d["subscription"]),
		Details: d,
	}, nil
}

// ensureWebhook finds, re-validates, replaces or creates the app's webhook at
// target (step 3 of SetWebhook). It returns the webhook and what was done
// ("existing", "revalidated", "created", "replaced"), or nil and the result
// to give.
func (p Provider) ensureWebhook(ctx context.Context, env providers.Env, creds credentials, bearer, target string, d map[string]string) (*webhookConfig, string, providers.Result, error) {
	fail := func(res providers.Result, err error) (*webhookConfig, string, providers.Result, error) {
		return nil, "", res, err
	}
	hooks, err := p.listWebhooks(ctx, env, creds, bearer)
	if err != nil {
		return fail(explain(failure(err))("X did not list the app's webhooks", d))
	}
	var found *webhookConfig
	var moved []string
	for i := range hooks {
		h := &hooks[i]
		switch {
		case h.URL == target:
			found = h
		case samePath(h.URL, target):
			// This account's webhook at the server's old address.
			if err := p.deleteWebhook(ctx, env, creds, bearer, h.ID); err != nil {
				return fail(explain(failure(err))("X did not delete this account's old webhook "+h.URL, d))
			}
			moved = append(moved, h.URL)
		}
	}
	if len(moved) > 0 {
		d["deletedWebhooks"] = strings.Join(moved, " ")
	}
	if found != nil {
		if found.Valid {
			return found, "existing", providers.Result{}, nil
		}
		valid, err := p.validateWebhook(ctx, env, creds, bearer, found.ID)
		if err != nil || !valid {
			if err == nil {
				err = &APIError{Status: http.StatusBadRequest, Errors: []ErrorItem{{Message: "CrcValidationFailed"}}, op: "validate webhook"}
			}
			return fail(explain(webhookFailure(err, target))("X's check of the existing webhook failed", d))
		}
		found.Valid = true
		return found, "revalidated", providers.Result{}, nil
	}
	action := "created"
	if len(moved) > 0 {
		action = "replaced"
	}
	w, err := p.createWebhook(ctx, env, creds, bearer, target)
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Has("DuplicateUrlFailed"):
		// Created meanwhile (another SetWebhook at the same time).
		hooks, lerr := p.listWebhooks(ctx, env, creds, bearer)
		if lerr != nil {
			return fail(explain(failure(lerr))("X did not list the app's webhooks", d))
		}
		for i := range hooks {
			if hooks[i].URL == target {
				return &hooks[i], "existing", providers.Result{}, nil
			}
		}
		return fail(explain(webhookFailure(err, target))("X did not register the webhook", d))
	case errors.As(err, &apiErr) && apiErr.Has("WebhookLimitExceeded"):
		var freed, others []string
		for _, h := range hooks {
			if h.URL == target || contains(moved, h.URL) {
				continue
			}
			if h.Valid {
				others = append(others, h.URL)
				continue
			}
			if derr := p.deleteWebhook(ctx, env, creds, bearer, h.ID); derr != nil {
				return fail(explain(failure(derr))("X did not delete the invalid webhook "+h.URL, d))
			}
			freed = append(freed, h.URL)
		}
		if len(freed) == 0 {
			d["otherWebhooks"] = strings.Join(others, " ")
			return fail(providers.Result{
				Message: "X allows this app no more webhooks, and the ones it has point elsewhere and work (" + strings.Join(others, ", ") +
					"). Delete one in the X developer portal, or use an app of its own for this account.",
				Details: d,
			}, nil)
		}
		d["deletedWebhooks"] = strings.TrimSpace(d["deletedWebhooks"] + " " + strings.Join(freed, " "))
		if w, err = p.createWebhook(ctx, env, creds, bearer, target); err != nil {
			return fail(explain(webhookFailure(err, target))("X did not register the webhook", d))
		}
		action = "replaced"
	case err != nil:
		return fail(explain(webhookFailure(err, target))("X did not register the webhook", d))
	}
	return &w, action, providers.Result{}, nil
}

// webhookFailure words X's reasons for refusing a webhook.
func webhookFailure(err error, target string) (providers.Result, error) {
	res, ferr := failure(err)
	var apiErr *APIError
	if ferr != nil || !errors.As(err, &apiErr) {
		return res, ferr
	}
	switch {
	case apiErr.Has("CrcValidationFailed"):
		res.Message = "X's challenge-response check (CRC) of " + target + " failed: Switchboard must be reachable there from the internet and the consumer secret must be the app's (" + apiErr.Reason() + ")."
	case apiErr.Has("UrlValidationFailed"):
		res.Message = "X refuses the webhook URL " + target + ": it must be https, public and without a port (" + apiErr.Reason() + ")."
	}
	return res, nil
}

// explain prefixes a failure's message with what was being done and adds the
// details gathered so far.
func explain(res providers.Result, err error) func(what string, d map[string]string) (providers.Result, error) {
	return func(what string, d map[string]string) (providers.Result, error) {
		if err != nil {
			return providers.Result{}, fmt.Errorf("twitter: %s: %w", strings.ToLower(what[:1])+what[1:], err)
		}
		if res.Details == nil {
			res.Details = map[string]string{}
		}
		for k, v := range d {
			if _, ok := res.Details[k]; !ok {
				res.Details[k] = v
			}
		}
		res.Message = what + ": " + res.Message
		return res, nil
	}
}

// failure turns a refusal into a result a person can act on; transport
// failures stay errors (the caller words them).
func failure(err error) (providers.Result, error) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		d := map[string]string{"status": strconv.Itoa(apiErr.Status)}
		msg := "X refused: " + apiErr.Reason() + "."
		switch apiErr.Status {
		case http.StatusUnauthorized:
			msg = "X does not accept these credentials: check the consumer key and secret and the access token and secret, and that the token was generated for this app (" + apiErr.Reason() + ")."
		case http.StatusForbidden:
			msg = "X refused: " + apiErr.Reason() + ". The app may lack the access level this needs (Account Activity and direct messages take a paid tier) or \"Read, write and Direct Messages\" permission."
		case http.StatusTooManyRequests:
			msg = "X's rate limit was reached; try again later (" + apiErr.Reason() + ")."
		}
		return providers.Result{Message: msg, Details: d}, nil
	}
	var decErr *decodeError
	if errors.As(err, &decErr) {
		return providers.Result{Message: "X answered " + decErr.op + " in an unexpected form.", Details: map[string]string{}}, nil
	}
	return providers.Result{}, err
}

// samePath reports whether a and b are the same non-root path on different
// hosts: the same account's webhook (its path holds the unguessable account
// ID) at another address.
func samePath(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil || ua.Host == "" || ub.Host == "" || strings.EqualFold(ua.Host, ub.Host) {
		return false
	}
	pa, pb := strings.TrimRight(ua.Path, "/"), strings.TrimRight(ub.Path, "/")
	return pa != "" && pa == pb
}

// contains reports whether ss has s.
func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
