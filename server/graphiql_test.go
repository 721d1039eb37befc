package server_test

import (
	"net/http"
	"path"
	"regexp"
	"strings"
	"testing"
)

var (
	tagRe  = regexp.MustCompile(`(?is)<(script|link)\b([^>]*)>`)
	attrRe = regexp.MustCompile(`(?is)\b(src|href)\s*=\s*["']([^"']*)["']`)
	cssURL = regexp.MustCompile(`(?i)(?:url\(\s*["']?|@import\s+["'])([^"')]*)`)
)

// TestGraphiQLIsSelfContained: the page at / loads its scripts and stylesheets from
// this server only, each is served with its content type, and the page's
// Content-Security-Policy refuses scripts from elsewhere, so GraphiQL works offline.
func TestGraphiQLIsSelfContained(t *testing.T) {
	ts := newTestServer(t)
	page := ts.getPath(t, "/")
	if page.Status != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %q", page.Status, page.Header.Get("Content-Type"))
	}

	wantType := map[string]string{".js": "text/javascript", ".css": "text/css"}
	var scripts, styles int
	for _, tag := range tagRe.FindAllStringSubmatch(page.Body, -1) {
		kind, attrs := strings.ToLower(tag[1]), tag[2]
		if kind == "link" && !strings.Contains(strings.ToLower(attrs), "stylesheet") {
			continue
		}
		m := attrRe.FindStringSubmatch(attrs)
		if m == nil {
			if kind == "script" {
				t.Errorf("inline script %q; the CSP forbids them", tag[0])
			}
			continue
		}
		ref := m[2]
		if kind == "script" {
			scripts++
		} else {
			styles++
		}
		if !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") {
			t.Errorf("%s %q is not a path on this server", kind, ref)
			continue
		}
		asset := ts.getPath(t, ref)
		if asset.Status != http.StatusOK {
			t.Errorf("GET %s: %d", ref, asset.Status)
			continue
		}
		if ct, want := asset.Header.Get("Content-Type"), wantType[path.Ext(ref)]; want == "" || !strings.HasPrefix(ct, want) {
			t.Errorf("GET %s: Content-Type %q; want %q", ref, ct, want)
		}
		if len(asset.Body) == 0 {
			t.Errorf("GET %s: empty body", ref)
		}
		if kind == "link" {
			for _, u := range cssURL.FindAllStringSubmatch(asset.Body, -1) {
				if lu := strings.ToLower(u[1]); strings.HasPrefix(lu, "http:") || strings.HasPrefix(lu, "https:") || strings.HasPrefix(lu, "//") {
					t.Errorf("stylesheet %s loads %q from elsewhere", ref, u[1])
				}
			}
		}
	}
	if scripts == 0 || styles == 0 {
		t.Errorf("page references %d scripts and %d stylesheets; want GraphiQL's", scripts, styles)
	}

	csp := page.Header.Get("Content-Security-Policy")
	directives := map[string][]string{}
	for _, d := range strings.Split(csp, ";") {
		if f := strings.Fields(d); len(f) > 0 {
			directives[strings.ToLower(f[0])] = f[1:]
		}
	}
	scriptSrc, ok := directives["script-src"]
	if !ok {
		scriptSrc, ok = directives["default-src"]
	}
	if !ok || len(scriptSrc) == 0 {
		t.Fatalf("Content-Security-Policy %q does not restrict scripts", csp)
	}
	for _, src := range scriptSrc {
		if src != "'self'" {
			t.Errorf("Content-Security-Policy %q allows scripts from %s; want 'self' only", csp, src)
		}
	}

	if r := ts.getPath(t, "/console/assets/no-such-file.js"); r.Status != http.StatusNotFound {
		t.Errorf("unknown asset: %d; want 404", r.Status)
	}
}
