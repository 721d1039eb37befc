package telegramtest

import (
	"fmt"
	"net/http"
	"strconv"
)

// File is a file the fake holds: one a user sent the bot (AddFile), or one
// the bot sent. getFile names its path; the file server serves its bytes.
type File struct {
	// ID is the file_id; AddFile makes one up when it is empty.
	ID string
	// UniqueID is the file_unique_id; made up when empty.
	UniqueID string
	// Path is the file_path below /file/bot<token>/ ("photos/file_7.jpg");
	// made up from the kind of file when empty.
	Path string
	Data []byte
	// MimeType is the Content-Type the file server answers
	// (application/octet-stream, as Telegram's mostly does, when empty).
	MimeType string
	FileName string
}

// AddFile makes f known to getFile and the file server, as a file a user sent
// the bot, and returns it with its made-up fields filled in.
func (a *API) AddFile(f File) File {
	return a.store(f, "documents")
}

// store fills f's made-up fields (kind names the folder of its path) and keeps it.
func (a *API) store(f File, kind string) File {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fileSeq++
	n := a.fileSeq
	if f.ID == "" {
		f.ID = fmt.Sprintf("BQACAgIAAxkBAAI%06dZlQm4AAAQbR8q0Vj5c", n)
	}
	if f.UniqueID == "" {
		f.UniqueID = "AgAD" + strconv.FormatInt(n, 36)
	}
	if f.Path == "" {
		folder := kind
		switch kind {
		case "photo", "video", "voice", "audio", "document", "animation", "sticker":
			folder = kind + "s"
		case "video_note":
			folder = "video_notes"
		}
		f.Path = folder + "/file_" + strconv.FormatInt(n, 10)
	}
	if f.MimeType == "" {
		f.MimeType = "application/octet-stream"
	}
	a.files[f.ID] = f
	a.paths[f.Path] = f.ID
	return f
}

// file is the file whose file_id is id.
func (a *API) file(id string) (File, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f, ok := a.files[id]
	return f, ok
}

// fileObject is the Bot API's File object.
type fileObject struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileSize     int    `json:"file_size,omitempty"`
	FilePath     string `json:"file_path,omitempty"`
}

// getFile is https://core.telegram.org/bots/api#getfile: files over the
// download limit are refused, as Telegram refuses them.
func (a *API) getFile(req *Request) (any, *apiError) {
	id := req.Params["file_id"]
	if id == "" {
		return nil, &apiError{400, "Bad Request: file_id is empty"}
	}
	f, ok := a.file(id)
	switch {
	case !ok:
		return nil, &apiError{400, "Bad Request: wrong file_id or the file is temporarily unavailable"}
	case len(f.Data) > MaxDownloadBytes:
		return nil, &apiError{400, "Bad Request: file is too big"}
	}
	return fileObject{FileID: f.ID, FileUniqueID: f.UniqueID, FileSize: len(f.Data), FilePath: f.Path}, nil
}

// serveDownload answers GET /file/bot<token>/<file_path>.
func (a *API) serveDownload(w http.ResponseWriter, r *http.Request, req *Request) {
	if rep := a.faults.Injected(Download, *req); rep != nil {
		if !a.hold(r, req, *rep) {
			return
		}
		if !delayOnly(*rep) {
			a.writeReply(w, req, *rep)
			return
		}
	}
	a.mu.Lock()
	f, ok := a.files[a.paths[req.FilePath]]
	a.mu.Unlock()
	switch {
	case !req.Authorized || !ok:
		// The file server says the same for a wrong token and a missing file.
		a.writeError(w, req, &apiError{404, "Not Found"})
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		a.writeError(w, req, &apiError{405, "Method Not Allowed"})
		return
	}
	req.Status = http.StatusOK
	a.record(req)
	w.Header().Set("Content-Type", f.MimeType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(f.Data)
	}
}
