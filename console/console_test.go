package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/console"
)

// TestHandlerServesTheBuiltConsole: the page at /console/ and at any route
// under it, its assets by name (long-cached, as their names change with
// their content), an unknown asset 404, and the security headers everywhere.
func TestHandlerServesTheBuiltConsole(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("GET "+console.Prefix, console.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, page := get("/console/")
	if resp.StatusCode != 200 || !strings.Contains(page, `<div id="root">`) || resp.Header.Get("Content-Security-Policy") != console.ContentSecurityPolicy {
		t.Fatalf("page: %d %v %q", resp.StatusCode, resp.Header, page)
	}
	if resp, again := get("/console/agent/anything"); resp.StatusCode != 200 || again != page {
		t.Fatalf("a route in the browser: %d", resp.StatusCode)
	}
	script := regexp.MustCompile(`/console/(assets/[^"]+\.js)`).FindStringSubmatch(page)
	if script == nil {
		t.Fatalf("no script in the page: %q", page)
	}
	resp, body := get("/console/" + script[1])
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || len(body) < 1000 {
		t.Fatalf("script: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := get("/console/assets/missing.js"); resp.StatusCode != 404 {
		t.Fatalf("unknown asset: %d", resp.StatusCode)
	}
}
