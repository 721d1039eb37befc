package sysmsg

import (
	"sync"
)

// accountEntry is what Text needs of one account: its tenant (whose defaults
// apply) and the events it set.
type accountEntry struct {
	tenantID int
	own      map[Event]ownSetting
}

// ownSetting is an account's row for one event.
type ownSetting struct {
	mode Mode
	text string
}

// cache keeps accounts' settings and tenants' default texts, so a message costs
// no query. Every committed change forgets what it touched; a load that raced
// with a change is not kept (the generation moved on), so a change takes effect
// for the next message. It lives in one process, as the database does.
type cache struct {
	mu       sync.Mutex
	gen      uint64
	accounts map[int]*accountEntry
	// tenants hold each tenant's own default texts (events it changed).
	tenants map[int]map[Event]string
}

// maxCached bounds each map; a full map starts over.
const maxCached = 10000

func (c *cache) account(id int) (*accountEntry, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.accounts[id], c.gen
}

func (c *cache) tenant(id int) (map[Event]string, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tenants[id], c.gen
}

func (c *cache) putAccount(gen uint64, id int, e *accountEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.accounts == nil || len(c.accounts) >= maxCached {
		c.accounts = map[int]*accountEntry{}
	}
	c.accounts[id] = e
}

func (c *cache) putTenant(gen uint64, id int, texts map[Event]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.tenants == nil || len(c.tenants) >= maxCached {
		c.tenants = map[int]map[Event]string{}
	}
	c.tenants[id] = texts
}

func (c *cache) forgetAccount(id int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.accounts, id)
}

func (c *cache) forgetTenant(id int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.tenants, id)
}
