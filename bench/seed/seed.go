// Package seed fills a migrated Switchboard database with a realistic volume of
// tenants, agents, contacts, conversations, messages and their event log, fast
// (bulk multi-row INSERTs in one transaction, not the write path), so queries can
// be measured at the sizes production reaches: a million messages take seconds.
//
// The data has the shapes the hot queries meet: many contacts, some with several
// conversations (history); conversations spread over agents and left
// unassigned; the recent ones OPEN, older ones CLOSED; 10–30 messages each,
// inbound and outbound; one event per change, as the inbox logs them. The same
// Options and random seed give the same data.
package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"

	"github.com/switchboard/switchboard/ent/migrate"
)

// Options shape the data. Only Messages is required.
type Options struct {
	// Messages is how many messages to write in all.
	Messages int
	// Tenants share the messages evenly (default 1).
	Tenants int
	// TenantPrefix names the tenants Prefix-1, Prefix-2… (default "seed"). The
	// names must not exist yet.
	TenantPrefix string
	// Agents per tenant (default 20). Each tenant also gets a user "admin"
	// (ADMIN) and "supervisor" (SUPERVISOR); agents are "agent-1"….
	Agents int
	// Accounts are messenger accounts per tenant (default 2).
	Accounts int
	// MinMessages and MaxMessages bound the messages of one conversation
	// (default 10 and 30); the last conversation may have fewer.
	MinMessages, MaxMessages int
	// MaxConversationsPerContact: each contact has 1..this many (default 3).
	MaxConversationsPerContact int
	// Unassigned is the share of conversations without an agent (default 0.1).
	Unassigned float64
	// Span is how far back the conversations go (default 90 days).
	Span time.Duration
	// OpenFor: a contact's latest conversation with a message in this window
	// before Now is OPEN; every other one is CLOSED (default 72 hours).
	OpenFor time.Duration
	// Now is the time of the newest data (default time.Now()).
	Now time.Time
	// Seed makes the data reproducible (default 1).
	Seed uint64
	// Dialect is db's (entgo.io/ent/dialect): SQLite (default) or Postgres,
	// so the same data can be laid in either engine.
	Dialect string
	// NoEvents leaves the event log empty.
	NoEvents bool
	// PendingMedia is how many inbound messages carry an image the media
	// worker has yet to fetch (default 0: a seeded server would try to fetch them).
	PendingMedia int
}

// Summary tells what was written.
type Summary struct {
	Tenants       []Tenant
	Contacts      int
	Conversations int
	Messages      int
	Events        int
	Elapsed       time.Duration
}

// Tenant is one seeded tenant and the IDs of its people and accounts.
type Tenant struct {
	ID           int
	Name         string
	AdminID      int
	SupervisorID int
	AgentIDs     []int
	AccountIDs   []int
	// Conversations and Messages are the tenant's counts.
	Conversations, Messages int
}

// ErrNoMessages is returned when Options.Messages is not positive.
var ErrNoMessages = errors.New("seed: Options.Messages must be positive")

func (o *Options) defaults() error {
	if o.Messages <= 0 {
		return ErrNoMessages
	}
	if o.Tenants <= 0 {
		o.Tenants = 1
	}
	if o.TenantPrefix == "" {
		o.TenantPrefix = "seed"
	}
	if o.Agents <= 0 {
		o.Agents = 20
	}
	if o.Accounts <= 0 {
		o.Accounts = 2
	}
	if o.MinMessages <= 0 {
		o.MinMessages = 10
	}
	if o.MaxMessages < o.MinMessages {
		o.MaxMessages = max(30, o.MinMessages)
	}
	if o.MaxConversationsPerContact <= 0 {
		o.MaxConversationsPerContact = 3
	}
	if o.Unassigned <= 0 {
		o.Unassigned = 0.1
	}
	if o.Span <= 0 {
		o.Span = 90 * 24 * time.Hour
	}
	if o.OpenFor <= 0 {
		o.OpenFor = 72 * time.Hour
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return nil
}

// Seed writes the data in one transaction on db, which must hold Switchboard's
// migrated schema (store.Open migrates it), SQLite or PostgreSQL as
// opts.Dialect says. Existing rows stay; new IDs follow them.
func Seed(ctx context.Context, db *sql.DB, opts Options) (Summary, error) {
	if err := opts.defaults(); err != nil {
		return Summary{}, err
	}
	start := time.Now()
	// One connection with a large page cache for the load: the transaction's
	// pages stay in memory instead of spilling to the log before the commit.
	conn, err := db.Conn(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("seed: connection: %w", err)
	}
	defer conn.Close()
	if opts.Dialect != dialect.Postgres {
		var cacheSize int
		if err := conn.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cacheSize); err != nil {
			return Summary{}, fmt.Errorf("seed: cache size: %w", err)
		}
		if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
			return Summary{}, fmt.Errorf("seed: cache size: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = %d", cacheSize))
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return Summary{}, fmt.Errorf("seed: begin: %w", err)
	}
	defer tx.Rollback()
	s := &seeder{ctx: ctx, tx: tx, o: opts, rnd: rand.New(rand.NewPCG(opts.Seed, 0x5eed))}
	if err := s.run(); err != nil {
		return Summary{}, err
	}
	if err := tx.Commit(); err != nil {
		return Summary{}, fmt.Errorf("seed: commit: %w", err)
	}
	s.sum.Elapsed = time.Since(start)
	return s.sum, nil
}

// seeder holds the transaction, the next free ID of each table, and the plan.
type seeder struct {
	ctx context.Context
	tx  *sql.Tx
	o   Options
	rnd *rand.Rand
	sum Summary
	// next ID per table.
	next map[string]int
}

// conv is one planned conversation.
type conv struct {
	id, tenant, account, contact int
	// assignee is 0 when unassigned.
	assignee int
	start    time.Time
	gap      time.Duration
	messages int
	open     bool
}

func (s *seeder) run() error {
	s.next = map[string]int{}
	for _, t := range []*schema.Table{
		migrate.TenantsTable, migrate.UsersTable, migrate.IntegrationAccountsTable,
		migrate.ContactsTable, migrate.ConversationsTable, migrate.MessagesTable, migrate.EventsTable,
	} {
		var top sql.NullInt64
		if err := s.tx.QueryRowContext(s.ctx, "SELECT MAX(id) FROM "+t.Name).Scan(&top); err != nil {
			return fmt.Errorf("seed: %s: %w", t.Name, err)
		}
		// Each table's IDs live in their own range (ent's global IDs).
		first := 0
		if t.Annotation != nil && t.Annotation.IncrementStart != nil {
			first = *t.Annotation.IncrementStart
		}
		s.next[t.Name] = max(int(top.Int64), first) + 1
	}
	if err := s.people(); err != nil {
		return err
	}
	if err := s.conversations(s.plan()); err != nil {
		return err
	}
	return s.advanceSequences()
}

// advanceSequences moves PostgreSQL's ID sequences past the IDs the seed
// chose itself, so rows the server inserts next do not collide with them.
// (SQLite takes the next rowid from the table's largest.)
func (s *seeder) advanceSequences() error {
	if s.o.Dialect != dialect.Postgres {
		return nil
	}
	for _, t := range []string{"tenants", "users", "integration_accounts", "contacts", "conversations", "messages", "events"} {
		q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), MAX(id)) FROM %s", t, t)
		if _, err := s.tx.ExecContext(s.ctx, q); err != nil {
			return fmt.Errorf("seed: %s sequence: %w", t, err)
		}
	}
	return nil
}

// sql is query with its '?' placeholders as the database wants them
// (PostgreSQL numbers them).
func (s *seeder) sql(query string) string {
	if s.o.Dialect != dialect.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// id takes the next ID of table.
func (s *seeder) id(table string) int {
	id := s.next[table]
	s.next[table]++
	return id
}

// people writes the tenants, their users and their messenger accounts.
func (s *seeder) people() error {
	now := s.o.Now
	for i := range s.o.Tenants {
		t := Tenant{ID: s.id("tenants"), Name: fmt.Sprintf("%s-%d", s.o.TenantPrefix, i+1)}
		if _, err := s.tx.ExecContext(s.ctx, s.sql("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)"), t.ID, t.Name, now); err != nil {
			return fmt.Errorf("seed: tenant %s: %w", t.Name, err)
		}
		addUser := func(name, role string) (int, error) {
			id := s.id("users")
			_, err := s.tx.ExecContext(s.ctx,
				s.sql("INSERT INTO users (id, created_at, updated_at, name, role, active, tenant_id) VALUES (?, ?, ?, ?, ?, true, ?)"),
				id, now, now, name, role, t.ID)
			if err != nil {
				return 0, fmt.Errorf("seed: user %s: %w", name, err)
			}
			return id, nil
		}
		var err error
		if t.AdminID, err = addUser("admin", "ADMIN"); err != nil {
			return err
		}
		if t.SupervisorID, err = addUser("supervisor", "SUPERVISOR"); err != nil {
			return err
		}
		for a := range s.o.Agents {
			id, err := addUser(fmt.Sprintf("agent-%d", a+1), "AGENT")
			if err != nil {
				return err
			}
			t.AgentIDs = append(t.AgentIDs, id)
		}
		for a := range s.o.Accounts {
			id := s.id("integration_accounts")
			_, err := s.tx.ExecContext(s.ctx,
				s.sql("INSERT INTO integration_accounts (id, created_at, updated_at, account_id, name, type, status, settings, last_send_error, tenant_id) "+
					"VALUES (?, ?, ?, ?, ?, 'TELEGRAM', 'ACTIVE', '{}', '', ?)"),
				id, now, now, fmt.Sprintf("%s-%d-%016x", s.o.TenantPrefix, id, s.rnd.Uint64()), fmt.Sprintf("Seeded bot %d", a+1), t.ID)
			if err != nil {
				return fmt.Errorf("seed: account: %w", err)
			}
			t.AccountIDs = append(t.AccountIDs, id)
		}
		s.sum.Tenants = append(s.sum.Tenants, t)
	}
	return nil
}

// plan draws the contacts and conversations of every tenant, then numbers the
// conversations in the order they started, as a live system would.
func (s *seeder) plan() []conv {
	var convs []conv
	for ti := range s.sum.Tenants {
		t := &s.sum.Tenants[ti]
		quota := s.o.Messages / s.o.Tenants
		if ti == 0 {
			quota += s.o.Messages % s.o.Tenants
		}
		t.Messages = quota
		for quota > 0 {
			contact := -1 - len(convs) // a placeholder, numbered below
			account := t.AccountIDs[s.rnd.IntN(len(t.AccountIDs))]
			k := 1 + s.rnd.IntN(s.o.MaxConversationsPerContact)
			first := len(convs)
			for range k {
				if quota == 0 {
					break
				}
				n := min(quota, s.o.MinMessages+s.rnd.IntN(s.o.MaxMessages-s.o.MinMessages+1))
				quota -= n
				c := conv{tenant: t.ID, account: account, contact: contact, messages: n,
					gap: time.Duration(30+s.rnd.IntN(570)) * time.Second}
				length := time.Duration(n) * c.gap
				c.start = s.o.Now.Add(-length - time.Duration(s.rnd.Int64N(int64(s.o.Span-length))))
				if s.rnd.Float64() >= s.o.Unassigned {
					c.assignee = t.AgentIDs[s.rnd.IntN(len(t.AgentIDs))]
				}
				convs = append(convs, c)
			}
			// Only a contact's latest conversation can still be open.
			mine := convs[first:]
			sort.Slice(mine, func(i, j int) bool { return mine[i].start.Before(mine[j].start) })
			last := &mine[len(mine)-1]
			last.open = last.end().After(s.o.Now.Add(-s.o.OpenFor))
			t.Conversations += len(mine)
		}
	}
	sort.SliceStable(convs, func(i, j int) bool { return convs[i].start.Before(convs[j].start) })
	contacts := map[int]int{}
	for i := range convs {
		c := &convs[i]
		c.id = s.id("conversations")
		id, ok := contacts[c.contact]
		if !ok {
			id = s.id("contacts")
			contacts[c.contact] = id
		}
		c.contact = id
	}
	s.sum.Contacts = len(contacts)
	return convs
}

// end is when the conversation's last message was written.
func (c conv) end() time.Time { return c.start.Add(time.Duration(c.messages-1) * c.gap) }

// inbound tells whether message i is the customer's: the first one is, and
// all are while nobody is assigned; otherwise about half, drawn from the IDs so
// that the conversation row and its messages agree.
func (c conv) inbound(i int) bool {
	return i == 0 || c.assignee == 0 || (uint64(c.id)*31+uint64(i))*2654435761%100 < 55
}

// closedAt is when a closed conversation was closed.
func (c conv) closedAt() time.Time { return c.end().Add(10 * time.Minute) }

var phrases = []string{
	"Hi, I have a question about my order", "Thanks, that helps", "When will it arrive?",
	"Could you check the tracking number please", "Sure, one moment while I look it up",
	"It shows as delivered but I have nothing", "I'm sorry about that, let me open a claim",
	"Can I change the delivery address?", "Yes, send me the new address", "Great, thank you!",
	"Is there a discount for a second item?", "Your refund has been issued",
}

// conversations writes the contacts, conversations, messages and events.
func (s *seeder) conversations(convs []conv) error {
	contacts, err := s.inserter("contacts", []string{"id", "created_at", "updated_at", "provider_user_id", "display_name", "tenant_id", "integration_account_id"},
		"chat_id", "''", "avatar_url", "''", "blocked", "false")
	if err != nil {
		return err
	}
	conversations, err := s.inserter("conversations", []string{"id", "created_at", "updated_at", "status", "last_message_at", "closed_at", "last_inbound_at", "tenant_id", "integration_account_id", "contact_id", "assignee_id"})
	if err != nil {
		return err
	}
	seen := map[int]bool{}
	for _, c := range convs {
		if seen[c.contact] {
			continue
		}
		seen[c.contact] = true
		if err := contacts.add(c.contact, c.start, c.start, fmt.Sprintf("seed-user-%d", c.contact), fmt.Sprintf("Customer %d", c.contact), c.tenant, c.account); err != nil {
			return err
		}
	}
	if err := contacts.flush(); err != nil {
		return err
	}
	for _, c := range convs {
		status, closed := "OPEN", any(nil)
		if !c.open {
			status, closed = "CLOSED", c.closedAt()
		}
		var assignee any
		if c.assignee != 0 {
			assignee = c.assignee
		}
		var lastInbound time.Time
		for i := range c.messages {
			if c.inbound(i) {
				lastInbound = c.start.Add(time.Duration(i) * c.gap)
			}
		}
		if err := conversations.add(c.id, c.start, c.end(), status, c.end(), closed, lastInbound, c.tenant, c.account, c.contact, assignee); err != nil {
			return err
		}
	}
	if err := conversations.flush(); err != nil {
		return err
	}
	return s.messages(convs)
}

// messages writes every conversation's messages and, unless NoEvents, the
// events the inbox logs for them.
func (s *seeder) messages(convs []conv) error {
	msgs, err := s.inserter("messages", []string{"id", "integration_account_id", "contact_id", "direction", "status", "text",
		"dedup_key", "provider_message_id", "created_at", "tenant_id", "conversation_id", "sender_id"},
		"kind", "'MESSAGE'", "media_pending", "false", "payload", "''", "edited", "false", "held", "false",
		"error", "''", "attempts", "0")
	if err != nil {
		return err
	}
	events, err := s.inserter("events", []string{"id", "kind", "conversation_id", "message_id", "assignee_id", "created_at", "tenant_id"})
	if err != nil {
		return err
	}
	event := func(kind string, c conv, msg any, assignee any, at time.Time) error {
		if s.o.NoEvents {
			return nil
		}
		s.sum.Events++
		return events.add(s.id("events"), kind, c.id, msg, assignee, at, c.tenant)
	}
	var inbound []int
	for _, c := range convs {
		if err := event("CONVERSATION_CREATED", c, nil, nil, c.start); err != nil {
			return err
		}
		at := c.start
		var assignee any
		for i := range c.messages {
			id := s.id("messages")
			text := phrases[s.rnd.IntN(len(phrases))]
			if c.inbound(i) {
				inbound = append(inbound, id)
				key := fmt.Sprintf("seed-%012d", id)
				err = msgs.add(id, c.account, c.contact, "INBOUND", "RECEIVED", text, key, key, at, c.tenant, c.id, nil)
			} else {
				status := [...]string{"SENT", "DELIVERED", "READ"}[s.rnd.IntN(3)]
				err = msgs.add(id, c.account, c.contact, "OUTBOUND", status, text, nil, fmt.Sprintf("seed-out-%012d", id), at, c.tenant, c.id, c.assignee)
			}
			if err != nil {
				return err
			}
			if err := event("MESSAGE_CREATED", c, id, assignee, at); err != nil {
				return err
			}
			if i == 0 && c.assignee != 0 {
				assignee = c.assignee
				if err := event("CONVERSATION_ASSIGNED", c, nil, assignee, at.Add(c.gap/2)); err != nil {
					return err
				}
			}
			at = at.Add(c.gap)
		}
		if !c.open {
			if err := event("CONVERSATION_CLOSED", c, nil, assignee, c.closedAt()); err != nil {
				return err
			}
		}
		s.sum.Conversations++
		s.sum.Messages += c.messages
	}
	if err := msgs.flush(); err != nil {
		return err
	}
	if err := events.flush(); err != nil {
		return err
	}
	if len(convs) > 0 {
		// As the inbox keeps it: each conversation points at its newest message.
		_, err := s.tx.ExecContext(s.ctx, s.sql("UPDATE conversations SET last_message_id = "+
			"(SELECT MAX(m.id) FROM messages AS m WHERE m.conversation_id = conversations.id) WHERE id BETWEEN ? AND ?"),
			convs[0].id, convs[len(convs)-1].id)
		if err != nil {
			return fmt.Errorf("seed: last messages: %w", err)
		}
	}
	return s.pendingMedia(inbound)
}

// pendingMedia gives some inbound messages an image still to be fetched.
func (s *seeder) pendingMedia(inbound []int) error {
	for i := range min(s.o.PendingMedia, len(inbound)) {
		id := inbound[len(inbound)-1-i]
		_, err := s.tx.ExecContext(s.ctx,
			s.sql("UPDATE messages SET attachments = ?, media = ?, media_pending = true WHERE id = ?"),
			`[{"type":"IMAGE","url":"https://media.invalid/seed.jpg","mimeType":"image/jpeg"}]`,
			`[{"status":"PENDING","mimeType":"image/jpeg"}]`, id)
		if err != nil {
			return fmt.Errorf("seed: pending media: %w", err)
		}
	}
	return nil
}

// maxParams keeps every statement within SQLite's smallest host parameter limit.
const maxParams = 999

// inserter writes rows of one table in multi-row INSERTs of one prepared
// statement, so a million rows cost thousands of statements, not a million.
type inserter struct {
	s     *seeder
	head  string // INSERT INTO t (cols) VALUES
	tuple string // (?, ?, 'literal')
	cols  int
	per   int
	full  *sql.Stmt
	args  []any
	rows  int
}

// inserter prepares inserts into table of the columns cols (one value each per
// row) and of constant columns given as name, SQL literal pairs.
func (s *seeder) inserter(table string, cols []string, constants ...string) (*inserter, error) {
	names := append([]string(nil), cols...)
	vals := make([]string, 0, len(cols)+len(constants)/2)
	for range cols {
		vals = append(vals, "?")
	}
	for i := 0; i+1 < len(constants); i += 2 {
		names = append(names, constants[i])
		vals = append(vals, constants[i+1])
	}
	in := &inserter{
		s:     s,
		head:  "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES ",
		tuple: "(" + strings.Join(vals, ", ") + ")",
		cols:  len(cols),
		per:   max(1, min(500, maxParams/len(cols))),
	}
	stmt, err := s.tx.PrepareContext(s.ctx, in.statement(in.per))
	if err != nil {
		return nil, fmt.Errorf("seed: prepare %s: %w", table, err)
	}
	in.full = stmt
	in.args = make([]any, 0, in.per*in.cols)
	return in, nil
}

func (in *inserter) statement(rows int) string {
	return in.s.sql(in.rawStatement(rows))
}

func (in *inserter) rawStatement(rows int) string {
	var b strings.Builder
	b.WriteString(in.head)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(in.tuple)
	}
	return b.String()
}

// add queues one row, writing a full statement's worth when there is one.
func (in *inserter) add(vals ...any) error {
	in.args = append(in.args, vals...)
	in.rows++
	if in.rows < in.per {
		return nil
	}
	if _, err := in.full.ExecContext(in.s.ctx, in.args...); err != nil {
		return fmt.Errorf("seed: %s: %w", in.head, err)
	}
	in.args, in.rows = in.args[:0], 0
	return nil
}

// flush writes the rows still queued and releases the statement.
func (in *inserter) flush() error {
	defer in.full.Close()
	if in.rows == 0 {
		return nil
	}
	if _, err := in.s.tx.ExecContext(in.s.ctx, in.statement(in.rows), in.args...); err != nil {
		return fmt.Errorf("seed: %s: %w", in.head, err)
	}
	in.args, in.rows = in.args[:0], 0
	return nil
}
