package wechat

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// state is what a provider remembers between calls.
type state struct {
	tokens   tokenCache
	progress progress
}

func newState() *state { return &state{} }

// WeChat's customer service API takes no idempotency key, so the delivery
// queue's retry of a reply would repeat the parts WeChat already took. The
// provider remembers, for a reply that failed part-way, which parts went out
// (by place and content), and a retry of the same reply resumes after them.
// The memory is per process and forgotten once the reply is fully sent or
// after WeChat's 48-hour reply window; a reply retried by another process, or
// a part whose answer was lost in transit, can still arrive twice.
const progressTTL = 48 * time.Hour

// maxProgress bounds the replies remembered; the oldest go first.
const maxProgress = 10000

// progress remembers the delivered parts of replies, by reply key.
type progress struct {
	mu      sync.Mutex
	replies map[string]*replyProgress
}

// replyProgress is one reply's delivered parts: part index to content hash.
type replyProgress struct {
	parts map[int]string
	at    time.Time
}

// progressKey names a reply: the account's host and AppID, the recipient and
// Switchboard's message ID. A reply without an ID is not remembered.
func progressKey(c *client, to, messageID string) string {
	if messageID == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(c.base + "\x00" + c.acct.appID + "\x00" + to + "\x00" + messageID))
	return hex.EncodeToString(sum[:])
}

// sent reports whether part i with content hash h of the reply went out.
func (p *progress) sent(key string, i int, h string, now time.Time) bool {
	if key == "" {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.replies[key]
	if !ok || now.Sub(r.at) > progressTTL {
		return false
	}
	return r.parts[i] == h
}

// record notes that part i with content hash h went out.
func (p *progress) record(key string, i int, h string, now time.Time) {
	if key == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.replies == nil {
		p.replies = map[string]*replyProgress{}
	}
	r, ok := p.replies[key]
	if !ok {
		if len(p.replies) >= maxProgress {
			p.evict(now)
		}
		r = &replyProgress{parts: map[int]string{}}
		p.replies[key] = r
	}
	r.parts[i], r.at = h, now
}

// forget drops a reply that went out in full.
func (p *progress) forget(key string) {
	if key == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.replies, key)
}

// evict drops expired replies, or the oldest one when none expired; p.mu
// is held.
func (p *progress) evict(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for k, r := range p.replies {
		if now.Sub(r.at) > progressTTL {
			delete(p.replies, k)
			continue
		}
		if oldest == "" || r.at.Before(oldestAt) {
			oldest, oldestAt = k, r.at
		}
	}
	if len(p.replies) >= maxProgress && oldest != "" {
		delete(p.replies, oldest)
	}
}
