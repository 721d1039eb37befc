package bench

import (
	"strings"
	"sync"
	"time"
)

// replyLedger is what the fake messengers saw of the agents' replies. Every reply
// text is "re <seq> <sender>", so the ledger can tell a reply delivered twice or
// to the wrong recipient.
type replyLedger struct {
	mu sync.Mutex
	// byText counts deliveries of each reply text.
	byText map[string]int
	// perChat counts deliveries per recipient, as the Bot API would see them.
	perChat map[string]int
	// telegram and custom count distinct replies delivered on each messenger.
	telegram, custom int
	// repeats counts deliveries of a reply already delivered.
	repeats int
	// misrouted counts replies whose recipient is not the sender they answer.
	misrouted int
	// foreign counts messages that were not bench replies.
	foreign int
	// last is when the latest distinct reply arrived.
	last time.Time
}

// newReplyLedger returns an empty ledger.
func newReplyLedger() *replyLedger {
	return &replyLedger{byText: map[string]int{}, perChat: map[string]int{}}
}

// record notes one delivery of text to recipient on messenger (telegram or custom).
func (l *replyLedger) record(messenger, recipient, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.perChat[recipient]++
	f := strings.Fields(text)
	if len(f) != 3 || f[0] != "re" {
		l.foreign++
		return
	}
	if f[2] != recipient {
		l.misrouted++
	}
	if l.byText[text]++; l.byText[text] > 1 {
		l.repeats++
		return
	}
	if messenger == "custom" {
		l.custom++
	} else {
		l.telegram++
	}
	l.last = time.Now()
}

// ledgerSnapshot is a copy of the ledger's counters.
type ledgerSnapshot struct {
	telegram, custom, repeats, misrouted, foreign, chats int
	last                                                 time.Time
}

// delivered is the number of distinct replies that reached a messenger.
func (s ledgerSnapshot) delivered() int { return s.telegram + s.custom }

// snapshot copies the counters.
func (l *replyLedger) snapshot() ledgerSnapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return ledgerSnapshot{
		telegram: l.telegram, custom: l.custom, repeats: l.repeats, misrouted: l.misrouted,
		foreign: l.foreign, chats: len(l.perChat), last: l.last,
	}
}
