package wechattest

import (
	"encoding/json"
	"net/http"
	"time"
)

// stableToken is POST /cgi-bin/stable_token: JSON in, and in normal mode the
// account's current token while it has more than five minutes left (with the
// seconds it has left), else a new one; force_refresh replaces it at once.
func (s *Server) stableToken(w responseWriter, r *http.Request, body []byte) {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		s.countToken()
		writeError(w, 47001, "data format error")
		return
	}
	app, ok := s.checkCredentials(w, r, req.GrantType, req.AppID, req.Secret, 40125, "invalid appsecret")
	if !ok {
		return
	}
	s.mu.Lock()
	now := s.now()
	cur, has := s.tokens[s.stable[app]]
	if req.ForceRefresh || !has || cur.revoked || cur.expires.Sub(now) <= stableRenewal {
		tok := newToken()
		s.tokens[tok] = &issued{app: app, expires: now.Add(s.ttl)}
		if req.ForceRefresh && has {
			cur.revoked = true
		}
		s.stable[app] = tok
		cur = s.tokens[tok]
	}
	tok, left := s.stable[app], cur.expires.Sub(now)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": int64(left / time.Second)})
}

// legacyToken is GET /cgi-bin/token: every call issues a new token, and the
// previous one stays valid for at most five more minutes.
func (s *Server) legacyToken(w responseWriter, r *http.Request) {
	q := r.URL.Query()
	app, ok := s.checkCredentials(w, r, q.Get("grant_type"), q.Get("appid"), q.Get("secret"), 40001, "invalid credential, access_token is invalid or not latest")
	if !ok {
		return
	}
	s.mu.Lock()
	now := s.now()
	if prev, has := s.tokens[s.legacy[app]]; has {
		if end := now.Add(stableRenewal); prev.expires.After(end) {
			prev.expires = end
		}
	}
	tok := newToken()
	s.tokens[tok] = &issued{app: app, expires: now.Add(s.ttl)}
	s.legacy[app] = tok
	ttl := s.ttl
	s.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": int64(ttl / time.Second)})
}

// countToken counts a token request.
func (s *Server) countToken() {
	s.mu.Lock()
	s.tokenCalls++
	s.mu.Unlock()
}

// checkCredentials checks a token request as WeChat does and returns the
// AppID; a wrong secret is answered badSecret (the endpoints differ).
func (s *Server) checkCredentials(w responseWriter, r *http.Request, grantType, appID, secret string, badSecret int, badSecretMsg string) (string, bool) {
	s.countToken()
	s.mu.Lock()
	app, found := s.apps[appID]
	var a App
	if found {
		a = *app
	}
	s.mu.Unlock()
	switch {
	case grantType != "client_credential":
		writeError(w, 40002, "invalid grant_type")
	case appID == "":
		writeError(w, 41002, "appid missing")
	case secret == "":
		writeError(w, 41004, "appsecret missing")
	case !found:
		writeError(w, 40013, "invalid appid")
	case a.IPNotWhitelisted:
		ip := callerIP(r)
		writeError(w, 40164, "invalid ip "+ip+" ipv6 ::ffff:"+ip+", not in whitelist")
	case a.NeedsIPConfirmation:
		writeError(w, 89503, "此次调用需要管理员确认，请耐心等候")
	case a.SecretFrozen:
		writeError(w, 40243, "AppSecret已被冻结，请登录MP解冻后再次调用")
	case secret != a.Secret:
		writeError(w, badSecret, badSecretMsg)
	default:
		return appID, true
	}
	return "", false
}
