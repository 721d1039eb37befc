package nexmotest

import (
	"net/http"
	"strconv"
)

// mediaFile is one inbound medium the fake hosts.
type mediaFile struct {
	data        []byte
	contentType string
}

// AddMedia hosts data as the medium of an inbound message and returns its URL,
// as the webhook's image.url (or audio.url...) carries it:
// <base>/v3/media/<uuid>. Like Vonage's, the URL needs no credentials unless
// SetSecureInboundMedia(true).
func (a *API) AddMedia(data []byte, contentType string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	id := a.nextUUID()
	a.media[id] = mediaFile{data: append([]byte(nil), data...), contentType: contentType}
	return a.baseURL + "/v3/media/" + id
}

// SetSecureInboundMedia turns the application's Secure Inbound Media on or
// off (authenticate_inbound_media): on, Vonage hands media out only for a
// Bearer JWT signed with the application's private key (see VerifyToken), and
// refuses any other download with 401; off, media need no credentials.
func (a *API) SetSecureInboundMedia(on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.secureMed = on
	if caps, ok := a.app["capabilities"].(map[string]any); ok {
		if msgs, ok := caps["messages"].(map[string]any); ok {
			msgs["authenticate_inbound_media"] = on
		}
	}
}

// serveMedia serves a hosted medium.
func (a *API) serveMedia(w http.ResponseWriter, r *http.Request, req *Request, id string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.writeProblem(w, req, Problem(http.StatusMethodNotAllowed, "https://developer.nexmo.com/api-errors#wrong-verb",
			"Request method not allowed", "Request method '"+r.Method+"' not supported"))
		return
	}
	a.mu.Lock()
	f, ok := a.media[id]
	secure := a.secureMed
	a.mu.Unlock()
	switch {
	case secure && (req.Token == "" || !req.Authorized):
		a.writeProblem(w, req, Unauthorized)
		return
	case !ok:
		a.writeProblem(w, req, Problem(http.StatusNotFound, "https://developer.nexmo.com/api-errors#not-found", "Not Found",
			"The requested resource does not exist, or you do not have access to it"))
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
