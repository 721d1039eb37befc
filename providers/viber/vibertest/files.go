package vibertest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// FileServer hosts the media an outbound message links to. Viber only takes
// media by URL, and the provider asks the file's server for the size Viber
// requires of videos and files, so tests need a host that answers HEAD and GET.
type FileServer struct {
	*httptest.Server

	mu    sync.Mutex
	files map[string]file
	heads int
}

type file struct {
	data        []byte
	contentType string
	// noLength serves the file chunked, without a Content-Length.
	noLength bool
}

// NewFileServer starts an empty file host. Close it when done.
func NewFileServer() *FileServer {
	f := &FileServer{files: map[string]file{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Add serves data at /<name> with contentType and returns its URL, escaped.
func (f *FileServer) Add(name string, data []byte, contentType string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[name] = file{data: data, contentType: contentType}
	return f.url(name)
}

func (f *FileServer) url(name string) string {
	return f.URL + (&url.URL{Path: "/" + name}).EscapedPath()
}

// AddWithoutLength serves data at /<name> without a Content-Length, as some
// dynamic servers do, and returns its URL.
func (f *FileServer) AddWithoutLength(name string, data []byte, contentType string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[name] = file{data: data, contentType: contentType, noLength: true}
	return f.url(name)
}

// Heads counts the HEAD requests answered.
func (f *FileServer) Heads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.heads
}

func (f *FileServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fl, ok := f.files[strings.TrimPrefix(r.URL.Path, "/")]
	if r.Method == http.MethodHead {
		f.heads++
	}
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", fl.contentType)
	if !fl.noLength {
		w.Header().Set("Content-Length", strconv.Itoa(len(fl.data)))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(fl.data)
	}
}
