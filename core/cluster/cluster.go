// Package cluster carries news between the instances of a Switchboard cluster
// over NATS: each committed batch of events (so every instance's subscribers
// get every event), work for the instance that holds the lease of run-once
// work (a queue changed, replies wait), changes that make other
// instances' caches stale (a token revoked, an account changed), and
// account events for admins subscribed elsewhere. NATS is only
// the messenger: the database stays the source of truth and of order, and an
// instance that missed a message finds out by the log's cursors (events) or
// by the next change (caches). Without a NATS URL there is no cluster, and
// everything stays in the process.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Subjects. Every instance subscribes to all of them; a message says which
// instance sent it, and an instance ignores its own.
const (
	// SubjectEvents carries committed batches of the event log.
	SubjectEvents = "switchboard.events"
	// SubjectWork wakes the lease holder's run-once work (router, dispatcher,
	// media worker) and every instance's supervisors' views.
	SubjectWork = "switchboard.work"
	// SubjectStale names cache entries that changed.
	SubjectStale = "switchboard.stale"
	// SubjectPresence carries each instance's agents' connections.
	SubjectPresence = "switchboard.presence"
	// SubjectAccounts carries committed integration account events, for
	// admins subscribed on other instances.
	SubjectAccounts = "switchboard.accounts"
)

// Stale is a message on SubjectStale: what changed, by kind and ID.
type Stale struct {
	// Kind is "user" (a user or its tokens), "account" (an integration
	// account), "sysmsg-account" (an account's system messages) or
	// "sysmsg-tenant" (a tenant's default texts).
	Kind string `json:"kind"`
	ID   int    `json:"id"`
}

// Kinds of Stale.
const (
	StaleUser          = "user"
	StaleAccount       = "account"
	StaleSysMsgAccount = "sysmsg-account"
	StaleSysMsgTenant  = "sysmsg-tenant"
)

// Bus is this instance's connection to the cluster.
type Bus struct {
	nc     *nats.Conn
	origin string
	log    *slog.Logger
	// closed is closed once the connection is (after Close's drain).
	closed chan struct{}

	mu   sync.Mutex
	subs []*nats.Subscription
}

// Connect joins the cluster at url (nats://host:4222). The connection
// reconnects by itself while the process lives; messages published while it
// is down are lost, which the receivers detect (see the package comment).
func Connect(ctx context.Context, url string, log *slog.Logger) (*Bus, error) {
	origin := make([]byte, 8)
	rand.Read(origin)
	b := &Bus{origin: hex.EncodeToString(origin), log: log, closed: make(chan struct{})}
	nc, err := nats.Connect(url,
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
		nats.Name("switchboard-"+b.origin),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("cluster: NATS disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { log.Info("cluster: NATS reconnected") }),
	)
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to NATS: %w", err)
	}
	b.nc = nc
	return b, nil
}

// Origin names this instance in the messages it sends.
func (b *Bus) Origin() string { return b.origin }

// envelope is every message's shape: who sent it, and its data.
type envelope struct {
	Origin string          `json:"origin"`
	Data   json.RawMessage `json:"data"`
}

// Publish sends v (as JSON) to the other instances on subject. It does not
// wait for them; an error means the message was not sent (NATS unreachable).
func (b *Bus) Publish(subject string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cluster: encode %s: %w", subject, err)
	}
	msg, err := json.Marshal(envelope{Origin: b.origin, Data: data})
	if err != nil {
		return fmt.Errorf("cluster: encode %s: %w", subject, err)
	}
	if err := b.nc.Publish(subject, msg); err != nil {
		return fmt.Errorf("cluster: publish %s: %w", subject, err)
	}
	return nil
}

// Subscribe calls handle with the data of every message on subject from
// another instance, one at a time, in the order NATS delivers them, until
// the bus closes. handle must not block for long.
func (b *Bus) Subscribe(subject string, handle func(data json.RawMessage)) error {
	sub, err := b.nc.Subscribe(subject, func(m *nats.Msg) {
		var env envelope
		if err := json.Unmarshal(m.Data, &env); err != nil {
			b.log.Warn("cluster: a message that is not ours", "subject", subject, "err", err)
			return
		}
		if env.Origin == b.origin {
			return
		}
		handle(env.Data)
	})
	if err != nil {
		return fmt.Errorf("cluster: subscribe %s: %w", subject, err)
	}
	// A slow handler must not make NATS drop this instance's connection.
	sub.SetPendingLimits(-1, 256<<20)
	b.mu.Lock()
	b.subs = append(b.subs, sub)
	b.mu.Unlock()
	return nil
}

// Ready reports whether the instance is connected to NATS now.
func (b *Bus) Ready(ctx context.Context) error {
	if b.nc.Status() != nats.CONNECTED {
		return errors.New("cluster: NATS " + b.nc.Status().String())
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	return b.nc.FlushWithContext(ctx)
}

// Stats are the connection's figures for /metrics.
func (b *Bus) Stats() nats.Statistics { return b.nc.Stats() }

// Connected reports whether the connection is up, for /metrics.
func (b *Bus) Connected() bool { return b.nc.Status() == nats.CONNECTED }

// Close leaves the cluster: subscriptions end, what was published is sent.
func (b *Bus) Close() {
	if err := b.nc.Drain(); err == nil {
		select {
		case <-b.closed:
		case <-time.After(time.Second):
		}
	}
	b.nc.Close()
}
