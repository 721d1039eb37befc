package infobiptest

import (
	"bytes"
	"mime"
	"net/http"
	"strconv"
)

// mediaFile is one inbound media the fake hosts.
type mediaFile struct {
	sender      string
	data        []byte
	contentType string
	fileName    string
}

// AddMedia hosts data as the media of an inbound message to sender (""
// for DefaultSender) and returns its URL, as the url of the webhook's message
// carries it: <base>/whatsapp/1/senders/<sender>/media/<id>. Like Infobip's
// "download inbound media", the URL answers a GET only with the API key.
// fileName, when set, comes back in Content-Disposition.
func (a *API) AddMedia(sender string, data []byte, contentType, fileName string) string {
	if sender == "" {
		sender = DefaultSender
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	id := strconv.FormatInt(a.nextID(), 10) + "_13_" + NewMessageID(a.nextID())
	a.media[id] = mediaFile{sender: sender, data: bytes.Clone(data), contentType: contentType, fileName: fileName}
	return a.baseURL + "/whatsapp/1/senders/" + sender + "/media/" + id
}

// serveMedia answers a media download.
func (a *API) serveMedia(w http.ResponseWriter, r *http.Request, req *Request, sender, id string) {
	a.mu.Lock()
	f, ok := a.media[id]
	a.mu.Unlock()
	if !ok || f.sender != sender {
		a.writeError(w, req, http.StatusNotFound, "NOT_FOUND", "Media not found")
		return
	}
	req.HTTPStatus = http.StatusOK
	a.record(req)
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	if f.fileName != "" {
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.fileName}))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(f.data)
	}
}
