package auth

import (
	"sync"
	"time"

	"github.com/switchboard/switchboard/core"
)

// viewerCache remembers recent token lookups so that a busy client does not
// cost two database reads per request. Entries live for a short TTL, and any
// revocation, deactivation or role change in this process clears the cache at
// once, so a revoked token stops working immediately.
type viewerCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]cachedViewer
}

type cachedViewer struct {
	viewer  core.Viewer
	expires time.Time
}

// maxCachedViewers bounds memory; the cache starts over when full.
const maxCachedViewers = 10000

func (c *viewerCache) get(hash string, now time.Time) (core.Viewer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || now.After(e.expires) {
		return core.Viewer{}, false
	}
	return e.viewer, true
}

func (c *viewerCache) put(hash string, v core.Viewer, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedViewers {
		c.entries = make(map[string]cachedViewer)
	}
	c.entries[hash] = cachedViewer{viewer: v, expires: until}
}

// clear forgets everything; called on every change that can end a token.
func (c *viewerCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
