package wechat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
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
// (HTTP 404) falls back to /cgi-bin/token; so does the International host when
// stable_token answers something that is not WeChat's JSON, or refuses the
// endpoint itself ("api unauthorized" 48001, "invalid url" 40066), as some
// accounts registered there have seen.
//
// A token WeChat refuses as invalid (40001) while stable_token's normal mode
// would hand the same one out again is replaced with force_refresh, which
// WeChat limits per day; Switchboard forces at most maxForcedPerHour
// refreshes per account an hour and otherwise asks in normal mode.
const (
	stableTokenPath = "/cgi-bin/stable_token"
	legacyTokenPath = "/cgi-bin/token"
	// renewMargin is how long before its expiry a token is renewed; a token
	// granted for less than twice that is renewed halfway.
	renewMargin = 5 * time.Minute
	// minTokenTTL is assumed when WeChat gives no lifetime: every token it
	// gives lasts at least this long.
	minTokenTTL = 5 * time.Minute
	// maxForcedPerHour bounds the force_refresh requests per account in any
	// hour: WeChat allows only a few a day, and a token refused again right
	// after a forced refresh is not the token's fault.
	maxForcedPerHour = 3
)

// Errcodes with which the International host's stable_token refuses the
// endpoint rather than the credentials: the legacy endpoint is tried instead.
const (
	codeInvalidURL = 40066
)

// tokenAnswer is the token endpoints' answer.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// token returns the account's access token from the cache, fetching one when
// there is none or it is due for renewal. rejected is a token WeChat just
// refused: it is replaced, unless another caller replaced it meanwhile, with
// force_refresh when force is set (WeChat called it invalid, 40001) and the
// account has forced fewer than maxForcedPerHour refreshes in the last hour.
func (c *client) token(ctx context.Context, rejected string, force bool) (string, error) {
	tok, err := c.tokens.get(ctx, c.tokenKey(), c.now, rejected, force, c.fetchToken)
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

// fetchToken asks WeChat for the account's token and how long it lasts;
// force asks stable_token for a new one even while the current one is valid.
func (c *client) fetchToken(ctx context.Context, force bool) (string, time.Duration, error) {
	const op = "get access token"
	b, err := jsonBody(map[string]any{"grant_type": "client_credential", "appid": c.acct.appID, "secret": c.acct.secret, "force_refresh": force})
	if err != nil {
		return "", 0, &tokenError{err: err}
	}
	var ans tokenAnswer
	err = c.do(ctx, op, http.MethodPost, stableTokenPath, nil, b, &ans, "")
	if c.useLegacyToken(err) {
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

// useLegacyToken reports whether stable_token's failure err means the host
// does not offer it to this account, so /cgi-bin/token is asked instead: a
// 404 anywhere; on the International host also an answer that is not
// WeChat's JSON, or a refusal of the endpoint (48001, 40066).
func (c *client) useLegacyToken(err error) bool {
	var st *statusError
	if errors.As(err, &st) && st.status == http.StatusNotFound {
		return true
	}
	if !strings.EqualFold(strings.TrimSpace(c.acct.typ), TypeInternational) || err == nil {
		return false
	}
	var apiErr *APIError
	var dec *decodeError
	switch {
	case errors.As(err, &st), errors.As(err, &dec):
		return true
	case errors.As(err, &apiErr):
		return apiErr.Code == codeNotAuthorized || apiErr.Code == codeInvalidURL
	}
	return false
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
	forced   []time.Time   // force_refresh requests in the last hour
}

// mayForce reports whether a forced refresh is allowed now, and if so
// counts it; sem is held.
func (e *tokenEntry) mayForce(now time.Time) bool {
	kept := e.forced[:0]
	for _, at := range e.forced {
		if now.Sub(at) < time.Hour {
			kept = append(kept, at)
		}
	}
	e.forced = kept
	if len(e.forced) >= maxForcedPerHour {
		return false
	}
	e.forced = append(e.forced, now)
	return true
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
func (tc *tokenCache) get(ctx context.Context, key string, now func() time.Time, rejected string, forceRejected bool, fetch tokenFetcher) (string, error) {
	mode := fetchNormal
	if rejected != "" && forceRejected {
		mode = fetchForceRejected
	}
	tok, _, err := tc.fetch(ctx, key, now, rejected, mode, fetch)
	return tok, err
}

// tokenFetcher gets a token from WeChat, with force_refresh when force.
type tokenFetcher func(ctx context.Context, force bool) (string, time.Duration, error)

// fetchMode is how tokenCache.fetch treats the cached token.
type fetchMode int

const (
	// fetchNormal uses a good cached token, else asks in normal mode.
	fetchNormal fetchMode = iota
	// fetchRenew always asks, in normal mode (a connection test).
	fetchRenew
	// fetchForceRejected replaces the rejected token with force_refresh,
	// within maxForcedPerHour.
	fetchForceRejected
)

// renew fetches key's token even when the cache has a good one, stores it,
// and returns it with its lifetime: a connection test proves the
// credentials and leaves the cache warm.
func (tc *tokenCache) renew(ctx context.Context, key string, now func() time.Time, fetch tokenFetcher) (string, time.Duration, error) {
	return tc.fetch(ctx, key, now, "", fetchRenew, fetch)
}

// fetch is get and renew; ttl is zero when the token came from the cache.
func (tc *tokenCache) fetch(ctx context.Context, key string, now func() time.Time, rejected string, mode fetchMode, fetch tokenFetcher) (string, time.Duration, error) {
	force := mode == fetchRenew
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
	forceRefresh := mode == fetchForceRejected && e.token == rejected && e.mayForce(now())
	tok, ttl, err := fetch(ctx, forceRefresh)
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
