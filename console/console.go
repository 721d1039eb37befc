// Package console serves Switchboard's web console, the admin, agent and
// supervisor pages, and GraphiQL, from files embedded in the binary. Both are
// clients of the public GraphQL API like any other (console/src, built by
// `make console` into console/dist, which is committed), so `make run` needs
// nothing but Go, and what the console does an integrator can do too.
package console

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

// Prefix is where the console is mounted; its pages and assets live under it.
const Prefix = "/console/"

// ContentSecurityPolicy lets the console load scripts, styles, images and
// connections from its own origin only (its websockets included), with no
// inline script or style sheet; React sets styles through the DOM, which the
// policy allows, and images of messages arrive as blob: URLs.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// GraphiQLPolicy is ContentSecurityPolicy for GraphiQL, whose editor sets
// styles through the DOM as React does (allowed) and which runs no worker.
const GraphiQLPolicy = ContentSecurityPolicy

//go:embed all:dist
var dist embed.FS

// file is one embedded file with the strong validator it is served with.
type file struct {
	body []byte
	etag string
}

// GraphiQL serves the GraphiQL page (its assets are the console's, under
// Prefix). Mount it at "/" exactly.
func GraphiQL() http.Handler {
	page, err := dist.ReadFile("dist/graphiql.html")
	if err != nil {
		panic("console: embedded GraphiQL page: " + err.Error()) // cannot happen: the file is compiled in
	}
	sum := sha256.Sum256(page)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", GraphiQLPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "graphiql.html", time.Time{}, bytes.NewReader(page))
	})
}

// Handler serves the console under Prefix: a known asset as itself, any
// other path the page (the console routes in the browser), and revalidation
// by ETag, so a new binary's files are picked up at once. Mount it at Prefix.
func Handler() http.Handler {
	files := map[string]file{}
	err := fs.WalkDir(dist, "dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := dist.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		files[strings.TrimPrefix(p, "dist/")] = file{body: b, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
		return nil
	})
	if err != nil {
		panic("console: embedded files: " + err.Error()) // cannot happen: the files are compiled in
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, Prefix)
		f, ok := files[name]
		if !ok {
			if strings.HasPrefix(name, "assets/") {
				http.NotFound(w, r)
				return
			}
			name, f = "index.html", files["index.html"]
		}
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if strings.HasPrefix(name, "assets/") {
			// Vite names assets by their content: they never change.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, path.Base(name), time.Time{}, bytes.NewReader(f.body))
	})
}
