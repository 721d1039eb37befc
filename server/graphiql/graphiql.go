// Package graphiql serves GraphiQL, the in-browser GraphQL IDE, from files
// embedded in the binary: the page works offline and loads no script or
// stylesheet from anywhere but this server, which its Content-Security-Policy
// enforces. The third-party files in static/ are the pinned npm releases that
// fetch.sh (`make graphiql`) downloads; index.html, init.js and page.css are ours.
package graphiql

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// AssetPrefix is the URL path under which the page's scripts and stylesheets
// are served; the page itself is served wherever Handler is mounted.
const AssetPrefix = "/graphiql/"

// ContentSecurityPolicy lets the page load scripts, styles and connections
// from its own origin only (websockets to the same host included), with no
// inline script or style: GraphiQL and its editor set styles through the DOM,
// which the policy allows. Fonts come as data: URLs inside the stylesheet.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

//go:embed static
var static embed.FS

// asset is one embedded file with the strong validator it is served with.
type asset struct {
	body []byte
	etag string
}

// Handler serves the GraphiQL page and, under AssetPrefix, its assets (an unknown
// asset is 404). Mount it at "/" (exactly) and at AssetPrefix: any path outside
// AssetPrefix gets the page. Everything is revalidated by ETag, so a new
// binary's files are picked up at once.
func Handler() http.Handler {
	assets := map[string]asset{}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		assets[strings.TrimPrefix(p, "static/")] = asset{body: b, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
		return nil
	})
	if err != nil {
		panic("graphiql: embedded assets: " + err.Error()) // cannot happen: the files are compiled in
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, isAsset := strings.CutPrefix(r.URL.Path, AssetPrefix)
		if !isAsset {
			name = "index.html"
		}
		a, ok := assets[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		// ServeContent picks the Content-Type from the extension and answers
		// If-None-Match with 304.
		http.ServeContent(w, r, path.Base(name), time.Time{}, bytes.NewReader(a.body))
	})
}
