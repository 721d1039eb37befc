package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/providers/custom"
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

// fakeServer is a loopback HTTP server owned by the bench; Close stops it and
// waits for its serving goroutine.
type fakeServer struct {
	URL  string
	hs   *http.Server
	done chan error
}

// startFake serves h on addr (127.0.0.1:0 for any free port).
func startFake(ctx context.Context, addr string, h http.Handler) (*fakeServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	f := &fakeServer{
		URL: "http://" + ln.Addr().String(),
		hs: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		},
		done: make(chan error, 1),
	}
	go func() { f.done <- f.hs.Serve(ln) }()
	return f, nil
}

// Close shuts the server down and waits for it.
func (f *fakeServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := f.hs.Shutdown(ctx)
	if serveErr := <-f.done; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	if err != nil {
		return fmt.Errorf("fake server %s: %w", f.URL, err)
	}
	return nil
}

// fakeCustom is a messenger speaking providers/custom/CONTRACT.md: it verifies
// Switchboard's signed replies and pings and answers them signed, deduplicating
// replies on Idempotency-Key.
type fakeCustom struct {
	secret string
	ledger *replyLedger

	mu     sync.Mutex
	byKey  map[string]string
	nextID int
	// refused counts requests whose signature did not verify.
	refused int
}

// ServeHTTP answers one signed request from Switchboard: a ping or a reply.
func (f *fakeCustom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 20<<20))
	if err != nil {
		http.Error(w, `{"error":"unreadable body"}`, http.StatusBadRequest)
		return
	}
	if err := custom.Verify(f.secret, r.Header, body, time.Now(), 0); err != nil {
		f.mu.Lock()
		f.refused++
		f.mu.Unlock()
		http.Error(w, `{"error":"bad signature"}`, http.StatusUnauthorized)
		return
	}
	var req struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		Recipient struct {
			ID string `json:"id"`
		} `json:"recipient"`
		Message struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, `{"error":"invalid JSON"}`, http.StatusBadRequest)
		return
	}
	var answer any
	switch req.Type {
	case "ping":
		answer = map[string]string{"challenge": req.Challenge}
	case "message":
		key := r.Header.Get("Idempotency-Key")
		f.mu.Lock()
		id, seen := f.byKey[key]
		if !seen {
			f.nextID++
			id = "out-" + strconv.Itoa(f.nextID)
			f.byKey[key] = id
		}
		f.mu.Unlock()
		if !seen {
			f.ledger.record("custom", req.Recipient.ID, req.Message.Text)
		}
		answer = map[string]string{"messageId": id}
	default:
		http.Error(w, `{"error":"unknown type"}`, http.StatusBadRequest)
		return
	}
	out, _ := json.Marshal(answer)
	now := time.Now()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(custom.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	w.Header().Set(custom.HeaderSignature, custom.Sign(f.secret, now, out))
	w.Write(out)
}
