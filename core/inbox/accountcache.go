package inbox

import (
	"context"
	"sync"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/accounts"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/integrationaccount"
)

// accountCache keeps accounts bound to their provider and opened secrets, so
// a webhook or a reply costs no account query and no decryption. The
// accounts service tells it of every committed change (OnChange); a lookup
// that raced with a change is not kept (the generation moved on).
type accountCache struct {
	mu    sync.Mutex
	gen   uint64
	byKey map[string]*cachedAccount
	byID  map[int]*cachedAccount
}

// cachedAccount is an account with its binding (or why it has none).
type cachedAccount struct {
	account *ent.IntegrationAccount
	bound   *accounts.Bound
	err     error
}

// forget drops an account after a change.
func (c *accountCache) forget(id int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if a := c.byID[id]; a != nil {
		delete(c.byKey, a.account.AccountID)
		delete(c.byID, id)
	}
}

// maxCachedAccounts bounds the cache; it starts over when full.
const maxCachedAccounts = 10000

func (c *accountCache) put(gen uint64, a *cachedAccount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.byID == nil || len(c.byID) >= maxCachedAccounts {
		c.byKey, c.byID = map[string]*cachedAccount{}, map[int]*cachedAccount{}
	}
	c.byKey[a.account.AccountID] = a
	c.byID[a.account.ID] = a
}

func (c *accountCache) lookup(key string, id int) (*cachedAccount, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key != "" {
		return c.byKey[key], c.gen
	}
	return c.byID[id], c.gen
}

// account returns the account of a webhook address (key) or of an ID, bound
// to its provider; ent's not-found error when there is none.
func (s *Service) account(ctx context.Context, key string, id int) (*cachedAccount, error) {
	a, gen := s.accountsCache.lookup(key, id)
	if a != nil {
		return a, nil
	}
	q := s.client.IntegrationAccount.Query()
	if key != "" {
		q.Where(integrationaccount.AccountID(key))
	} else {
		q.Where(integrationaccount.ID(id))
	}
	acct, err := q.Only(core.SystemContext(ctx))
	if err != nil {
		return nil, err
	}
	a = &cachedAccount{account: acct}
	a.bound, a.err = s.accounts.Bind(acct)
	s.accountsCache.put(gen, a)
	return a, nil
}
