package wechat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Access tokens come from the stable_token endpoint, which WeChat recommends
// over /cgi-bin/token: in its normal mode asking again returns the same token
// while it is valid (WeChat renews it in its last five minutes, and any token
// it gives is good for at least five more), so neither concurrent Switchboard
// processes nor the account owner's own systems invalidate each other's
// tokens, as every call to /cgi-bin/token does. A host without stable_token
// (HTTP 404) falls back to /cgi-bin/token.
const (
	stableTokenPath = "/cgi-bin/stable_token"
	legacyTokenPath = "/cgi-bin/token"
	// renewMargin is how long before its expiry a token is renewed; a token
	// granted for less than twice that is renewed halfway.
	renewMargin = 5 * time.Minute
	// minTokenTTL is assumed when WeChat gives no lifetime: every token it
	// gives lasts at least this long.
	minTokenTTL = 5 * time.Minute
)

// tokenAnswer is the token endpoints' answer.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// token returns the account's access token from the cache, fetching one when
// there is none or it is due for renewal. rejected is a token WeChat just
// refused: it is replaced, unless another caller replaced it meanwhile.
func (c *client) token(ctx context.Context, rejected string) (string, error) {
	tok, err := c.tokens.get(ctx, c.tokenKey(), c.now, rejected, c.fetchToken)
	if err != nil {
		var te *tokenError
		if !errors.As(err, &te) && ctx.Err() == nil {
			err = &tokenError{err: err}
		}
		return "", err
	}
	return tok, nil
}

// tokenKey identifies an account's tokens: its host, AppID and a hash of its
// AppSecret, so a changed secret never uses a token of the old one.
func (c *client) tokenKey() string {
	sum := sha256.Sum256([]byte(c.acct.secret))
	return c.base + "\x00" + c.acct.appID + "\x00" + hex.EncodeToString(sum[:16])
}

// fetchToken asks WeChat for the account's token and how long it lasts.
func (c *client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	const op = "get access token"
	b, err := jsonBody(map[string]any{"grant_type": "client_credential", "appid": c.acct.appID, "secret": c.acct.secret, "force_refresh": false})
	if err != nil {
		return "", 0, &tokenError{err: err}
	}
	var ans tokenAnswer
	err = c.do(ctx, op, http.MethodPost, stableTokenPath, nil, b, &ans, "")
	var st *statusError
	if errors.As(err, &st) && st.status == http.StatusNotFound {
		q := url.Values{"grant_type": {"client_credential"}, "appid": {c.acct.appID}, "secret": {c.acct.secret}}
		err = c.do(ctx, op, http.MethodGet, legacyTokenPath, q, nil, &ans, "")
	}
	if err != nil {
		return "", 0, &tokenError{err: err}
	}
	if ans.AccessToken == "" {
		return "", 0, &tokenError{err: &decodeError{op: op, err: errors.New("no access_token")}}
	}
	ttl := time.Duration(ans.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = minTokenTTL
	}
	return ans.AccessToken, ttl, nil
}

// tokenCache keeps one access token per account and makes concurrent callers
// share one fetch: a caller holds its account's entry while fetching, and
// those who waited take the result (or the error) instead of fetching again.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]*tokenEntry
}

// tokenEntry is one account's token. sem, a one-slot channel, is held while
// the entry is read or changed, so a wait for it can end with the context.
type tokenEntry struct {
	sem      chan struct{}
	token    string
	renewAt  time.Time
	err      error         // the last fetch's failure
	attempts atomic.Uint64 // fetches so far
}

// maxIdleEntries is how many entries the cache keeps before dropping those
// past renewal (accounts deleted, secrets changed).
const maxIdleEntries = 1024

// entry returns key's entry, creating it.
func (tc *tokenCache) entry(key string, now time.Time) *tokenEntry {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if e, ok := tc.entries[key]; ok {
		return e
	}
	if tc.entries == nil {
		tc.entries = map[string]*tokenEntry{}
	}
	if len(tc.entries) >= maxIdleEntries {
		for k, e := range tc.entries {
			select {
			case e.sem <- struct{}{}:
				if !now.Before(e.renewAt) {
					delete(tc.entries, k)
				}
				<-e.sem
			default: // in use
			}
		}
	}
	e := &tokenEntry{sem: make(chan struct{}, 1)}
	tc.entries[key] = e
	return e
}

// get returns key's token; see client.token.
func (tc *tokenCache) get(ctx context.Context, key string, now func() time.Time, rejected string, fetch func(context.Context) (string, time.Duration, error)) (string, error) {
	tok, _, err := tc.fetch(ctx, key, now, rejected, false, fetch)
	return tok, err
}

// renew fetches key's token even when the cache has a good one, stores it,
// and returns it with its lifetime: a connection test proves the
// credentials and leaves the cache warm.
func (tc *tokenCache) renew(ctx context.Context, key string, now func() time.Time, fetch func(context.Context) (string, time.Duration, error)) (string, time.Duration, error) {
	return tc.fetch(ctx, key, now, "", true, fetch)
}

// fetch is get and renew; ttl is zero when the token came from the cache.
func (tc *tokenCache) fetch(ctx context.Context, key string, now func() time.Time, rejected string, force bool, fetch func(context.Context) (string, time.Duration, error)) (string, time.Duration, error) {
	e := tc.entry(key, now())
	seen := e.attempts.Load()
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return "", 0, ctx.Err()
	}
	defer func() { <-e.sem }()
	if !force && e.token != "" && e.token != rejected && now().Before(e.renewAt) {
		return e.token, 0, nil
	}
	if !force && e.attempts.Load() != seen {
		// Someone fetched while we waited: share their outcome.
		if e.err != nil {
			return "", 0, e.err
		}
		if e.token != "" {
			return e.token, 0, nil
		}
	}
	tok, ttl, err := fetch(ctx)
	e.attempts.Add(1)
	if err != nil {
		e.token, e.err = "", err
		if ctx.Err() != nil {
			e.err = nil // our own deadline: those waiting try for themselves
		}
		return "", 0, err
	}
	margin := renewMargin
	if ttl < 2*margin {
		margin = ttl / 2
	}
	e.token, e.renewAt, e.err = tok, now().Add(ttl-margin), nil
	return tok, ttl, nil
}
