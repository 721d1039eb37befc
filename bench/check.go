package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	_ "github.com/jackc/pgx/v5/stdlib" // checks a PostgreSQL-backed run
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core/store"
)

// The checks hold the server to its promise under load: every webhook it
// accepted (answered 200) reaches the agent that owns its conversation exactly
// once, filed with the right customer on the right account type, and is
// stored once. A failure of any of them fails the run, however fast it was.

// seqSeen is what the owning agents saw of one load message.
type seqSeen struct {
	// msgIDs are the distinct message IDs carrying this sequence number: more
	// than one means it was stored twice.
	msgIDs []string
	// misrouted is set when a copy arrived in a conversation of another
	// customer or account type, or one held by another agent.
	misrouted bool
}

// observations collects every load message its owning agent saw live.
type observations struct {
	mu   sync.Mutex
	seqs map[int64]*seqSeen
	// delivered are the message IDs delivered to their owners, to spot an
	// event delivered twice.
	delivered map[string]deliverySource
	// e2e are webhook-to-owner latencies, one per message, counted from the
	// time the webhook was (scheduled to be) sent.
	e2e []time.Duration
	// redelivered counts events an owner received twice.
	redelivered int
	// last is when the latest load message reached its owner.
	last time.Time
	// timedFrom is the first sequence number whose latency counts: the
	// warm-up's messages are checked but not timed.
	timedFrom int64
}

// newObservations returns empty observations.
func newObservations() *observations {
	return &observations{seqs: map[int64]*seqSeen{}, delivered: map[string]deliverySource{}}
}

// record notes that the owning agent received message msgID with sequence
// number seq, sent at sent by sender, in a conversation of contact contactUser
// on an account of accountType; heldByOther is set when the conversation is
// assigned to another agent.
func (o *observations) record(seq int64, sent time.Time, sender, msgID, contactUser string, accountType client.IntegrationAccountType, heldByOther bool, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, dup := o.delivered[msgID]; dup {
		o.redelivered++
		return
	}
	o.delivered[msgID] = seenLive
	o.recordLocked(seq, sent, sender, msgID, contactUser, accountType, heldByOther, now)
}

// deliverySource says how an agent met a message: live, as an event, and/or
// in the messages read on accepting its conversation.
type deliverySource uint8

const (
	seenLive deliverySource = 1 << iota
	seenOnAccept
)

// recordLocked notes a first delivery of msgID; o.mu is held.
func (o *observations) recordLocked(seq int64, sent time.Time, sender, msgID, contactUser string, accountType client.IntegrationAccountType, heldByOther bool, now time.Time) {
	wantType := client.IntegrationAccountTypeTelegram
	if strings.HasPrefix(sender, customSenderPrefix) {
		wantType = client.IntegrationAccountTypeCustom
	}
	if seq >= o.timedFrom {
		o.e2e = append(o.e2e, now.Sub(sent))
	}
	o.last = now
	s := o.seqs[seq]
	if s == nil {
		s = &seqSeen{}
		o.seqs[seq] = s
	}
	s.msgIDs = append(s.msgIDs, msgID)
	if contactUser != sender || accountType != wantType || heldByOther {
		s.misrouted = true
	}
}

// recordVia is record for the service mode, where an agent may meet a
// message twice by design: live, and in the messages it reads on accepting
// the conversation (how says which). Only a second live event is a
// redelivery.
func (o *observations) recordVia(how deliverySource, seq int64, sent time.Time, sender, msgID, contactUser string, accountType client.IntegrationAccountType, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	seen, ok := o.delivered[msgID]
	o.delivered[msgID] = seen | how
	if !ok {
		o.recordLocked(seq, sent, sender, msgID, contactUser, accountType, false, now)
	} else if how == seenLive && seen&seenLive != 0 {
		o.redelivered++
	}
}

// timeFrom makes only messages from sequence number seq on count in the
// latencies.
func (o *observations) timeFrom(seq int64) {
	o.mu.Lock()
	o.timedFrom = seq
	o.mu.Unlock()
}

// unseen returns the sequence numbers of want that no owner has seen.
func (o *observations) unseen(want []int64) []int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []int64
	for _, seq := range want {
		if o.seqs[seq] == nil {
			out = append(out, seq)
		}
	}
	return out
}

// counts returns, as the owners saw them, the extra copies (messages stored
// more than once, and events delivered twice) and the misrouted messages.
func (o *observations) counts() (dup, misrouted int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range o.seqs {
		dup += len(s.msgIDs) - 1
		if s.misrouted {
			misrouted++
		}
	}
	return dup + o.redelivered, misrouted
}

// latencies returns the sorted webhook-to-owner latencies and the count of
// events delivered twice.
func (o *observations) latencies() ([]time.Duration, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	e2e := make([]time.Duration, len(o.e2e))
	copy(e2e, o.e2e)
	slices.Sort(e2e)
	return e2e, o.redelivered
}

// dbCheck is what the database holds of the load's messages.
type dbCheck struct {
	stored, dup, misrouted, notStored int
	// lostDetails describe, for the first lost messages, where they were filed
	// and the cursors of their events, to tell a storage loss from a stream's.
	lostDetails []string
}

// maxLostDetails bounds the lost messages described in the report.
const maxLostDetails = 5

// describeLost explains what happened to the first lost sequence numbers.
func describeLost(ctx context.Context, db *sql.DB, lost []int64) ([]string, error) {
	var out []string
	for _, seq := range lost[:min(len(lost), maxLostDetails)] {
		var (
			msgID, convID, eventCursor, eventAssignee int64
			holder, assigned                          string
		)
		err := db.QueryRowContext(ctx, `
			SELECT m.id, COALESCE(m.conversation_id, 0), COALESCE(u.name, '(nobody)'),
				COALESCE((SELECT e.id FROM events e WHERE e.message_id = m.id AND e.kind = 'MESSAGE_CREATED'), 0),
				COALESCE((SELECT e.assignee_id FROM events e WHERE e.message_id = m.id AND e.kind = 'MESSAGE_CREATED'), 0),
				COALESCE((SELECT GROUP_CONCAT(e.id) FROM events e WHERE e.conversation_id = m.conversation_id AND e.kind = 'CONVERSATION_ASSIGNED'), '')
			FROM messages m
			LEFT JOIN conversations v ON v.id = m.conversation_id
			LEFT JOIN users u ON u.id = v.assignee_id
			WHERE m.direction = 'INBOUND' AND m.text LIKE ?`, "bench "+strconv.FormatInt(seq, 10)+" %").
			Scan(&msgID, &convID, &holder, &eventCursor, &eventAssignee, &assigned)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			out = append(out, fmt.Sprintf("seq %d: not stored", seq))
		case err != nil:
			return out, fmt.Errorf("bench: describe lost message %d: %w", seq, err)
		default:
			out = append(out, fmt.Sprintf("seq %d: message %d in conversation %d held by %s; its MESSAGE_CREATED cursor %d (assignee id %d at the time); CONVERSATION_ASSIGNED cursors [%s]",
				seq, msgID, convID, holder, eventCursor, eventAssignee, assigned))
		}
	}
	return out, nil
}

// checkDatabase reads every inbound message of the bench accounts from the
// closed server's database: a sequence number stored twice is a duplicate, a
// message filed in a conversation of another contact (or on the wrong account
// type, or not filed at all) is misrouted, and an accepted one not stored is lost.
func checkDatabase(ctx context.Context, dataDir, synchronous, databaseURL string, acc benchAccounts, accepted, lost []int64) (dbCheck, error) {
	var out dbCheck
	driver, dsn := "sqlite3", store.DSN(store.Options{DataDir: dataDir, Synchronous: synchronous})
	if databaseURL != "" {
		driver, dsn = "pgx", databaseURL
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return out, fmt.Errorf("bench: open database: %w", err)
	}
	defer db.Close()
	// $1 and $2: PostgreSQL's placeholders, which SQLite reads too.
	rows, err := db.QueryContext(ctx, `
		SELECT m.text, m.contact_id, v.contact_id, c.provider_user_id, a.type
		FROM messages m
		JOIN integration_accounts a ON a.id = m.integration_account_id
		LEFT JOIN conversations v ON v.id = m.conversation_id
		LEFT JOIN contacts c ON c.id = v.contact_id
		WHERE m.direction = 'INBOUND' AND a.account_id IN ($1, $2)`, acc.telegramID, acc.customID)
	if err != nil {
		return out, fmt.Errorf("bench: query messages: %w", err)
	}
	defer rows.Close()
	count := map[int64]int{}
	for rows.Next() {
		var (
			text, typ    string
			msgContact   int64
			convContact  sql.NullInt64
			providerUser sql.NullString
		)
		if err := rows.Scan(&text, &msgContact, &convContact, &providerUser, &typ); err != nil {
			return out, fmt.Errorf("bench: read messages: %w", err)
		}
		seq, _, sender, ok := parseBenchText(text)
		if !ok {
			continue
		}
		out.stored++
		if count[seq]++; count[seq] > 1 {
			out.dup++
		}
		wantType := "TELEGRAM"
		if strings.HasPrefix(sender, customSenderPrefix) {
			wantType = "CUSTOM"
		}
		if !convContact.Valid || convContact.Int64 != msgContact || providerUser.String != sender || typ != wantType {
			out.misrouted++
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("bench: read messages: %w", err)
	}
	for _, seq := range accepted {
		if count[seq] == 0 {
			out.notStored++
		}
	}
	out.lostDetails, err = describeLost(ctx, db, lost)
	return out, err
}
