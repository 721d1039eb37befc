package twiliotest

import (
	"net/http"
	"strconv"
)

// mediaFile is one inbound media the fake hosts.
type mediaFile struct {
	data        []byte
	contentType string
}

// AddMedia hosts data as the media of an inbound message and returns its URL,
// as MediaUrl0 of the webhook carries it:
// <base>/2010-04-01/Accounts/<sid>/Messages/<MM...>/Media/<ME...>. Like
// Twilio's, the URL answers a GET (with the account's credentials, unless
// SetMediaAuth(false)) with a 307 redirect to a short-lived URL on another path
// that needs none.
func (a *API) AddMedia(data []byte, contentType string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	msg, me := a.nextSID("MM"), a.nextSID("ME")
	a.media[me] = mediaFile{data: append([]byte(nil), data...), contentType: contentType}
	return a.baseURL + "/" + APIVersion + "/Accounts/" + a.sid + "/Messages/" + msg + "/Media/" + me
}

// SetMediaAuth says whether media URLs need the account's credentials, as
// Twilio's "Enforce HTTP Auth on Media URLs" setting does (on by default here,
// as Twilio recommends). Off, a GET without credentials is redirected too; wrong
// credentials are refused either way.
func (a *API) SetMediaAuth(required bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.mediaAuth = required
}

func (a *API) mediaNeedsAuth() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mediaAuth
}

// serveMedia redirects to the media's short-lived CDN URL.
func (a *API) serveMedia(w http.ResponseWriter, r *http.Request, req *Request, sid, me string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.writeError(w, req, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		return
	}
	a.mu.Lock()
	_, ok := a.media[me]
	var tok string
	if ok && sid == a.sid {
		tok = a.nextSID("CD")
		a.cdn[tok] = me
	}
	base := a.baseURL
	a.mu.Unlock()
	if tok == "" {
		a.writeError(w, req, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	req.HTTPStatus = http.StatusTemporaryRedirect
	a.record(req)
	w.Header().Set("Location", base+"/cdn/"+tok)
	w.WriteHeader(http.StatusTemporaryRedirect)
}

// serveCDN serves the media behind a redirect, to anyone holding the URL.
func (a *API) serveCDN(w http.ResponseWriter, r *http.Request, req *Request) {
	_, _, tok := route(r.URL.Path)
	a.mu.Lock()
	f, ok := a.media[a.cdn[tok]]
	a.mu.Unlock()
	req.Authorized = false
	switch {
	case !ok:
		req.HTTPStatus = http.StatusForbidden
		a.record(req)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`))
		return
	case r.Header.Get("Authorization") != "":
		// The CDN's URL is signed: it refuses a request that carries other
		// credentials, so a client must not forward the account's.
		req.HTTPStatus = http.StatusBadRequest
		a.record(req)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>`))
		return
	}
	req.HTTPStatus = http.StatusOK
	a.record(req)
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(f.data)
	}
}
