package graphiql

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandler(t *testing.T) {
	h := Handler()
	tests := []struct {
		path     string
		status   int
		wantType string
	}{
		{"/", http.StatusOK, "text/html; charset=utf-8"},
		{AssetPrefix + "init.js", http.StatusOK, "text/javascript; charset=utf-8"},
		{AssetPrefix + "graphiql.min.js", http.StatusOK, "text/javascript; charset=utf-8"},
		{AssetPrefix + "graphiql.min.css", http.StatusOK, "text/css; charset=utf-8"},
		{AssetPrefix + "no-such-file.js", http.StatusNotFound, ""},
		{AssetPrefix + "../graphiql.go", http.StatusNotFound, ""},
		{AssetPrefix, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, h, tt.path, nil)
			if rec.Code != tt.status {
				t.Fatalf("status = %d; want %d", rec.Code, tt.status)
			}
			if tt.status != http.StatusOK {
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != tt.wantType {
				t.Errorf("Content-Type = %q; want %q", ct, tt.wantType)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); csp != ContentSecurityPolicy {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
			etag := rec.Header().Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if again := get(t, h, tt.path, http.Header{"If-None-Match": {etag}}); again.Code != http.StatusNotModified {
				t.Errorf("revalidation with the ETag: %d; want 304", again.Code)
			}
		})
	}
}

// TestEveryStaticFileIsUsed keeps static/ to what the page loads: each file
// but the page itself is referenced from index.html.
func TestEveryStaticFileIsUsed(t *testing.T) {
	page, err := static.ReadFile("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(static, "static/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimPrefix(f, "static/")
		if name != "index.html" && !strings.Contains(string(page), `"`+AssetPrefix+name+`"`) {
			t.Errorf("static/%s is embedded but index.html does not reference it", name)
		}
	}
}
