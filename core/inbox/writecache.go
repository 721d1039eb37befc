package inbox

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
)

// writeCache spares the writer two reads per message: the sender's contact and
// the contact's open conversation. Only the writer goroutine uses it. Entries
// made inside a transaction become visible to later transactions only after it
// commits, and the cache is dropped whenever a commit fails, so it never points
// at a row that does not exist. A cached conversation is only a guess, checked
// by the conditional UPDATE that touches it (see touchOpen).
type writeCache struct {
	contacts        map[contactKey]*ent.Contact
	convs           map[int]int // contact ID -> open conversation ID
	pendingContacts map[contactKey]*ent.Contact
	pendingConvs    map[int]int
	// jobContacts and jobConvs are the keys the running job wrote, forgotten
	// entirely when the job is undone to its savepoint.
	jobContacts []contactKey
	jobConvs    []int
}

type contactKey struct {
	account int
	user    string
}

// maxCached bounds each map; the cache starts over when full.
const maxCached = 50000

func (w *writeCache) begin() {
	w.pendingContacts = map[contactKey]*ent.Contact{}
	w.pendingConvs = map[int]int{}
}

// beginJob starts remembering what the next job caches.
func (w *writeCache) beginJob() { w.jobContacts, w.jobConvs = w.jobContacts[:0], w.jobConvs[:0] }

// abortJob forgets what an undone job cached: its rows were rolled back, and
// what earlier jobs cached under the same keys may be stale now.
func (w *writeCache) abortJob() {
	for _, k := range w.jobContacts {
		w.dropContact(k)
	}
	for _, id := range w.jobConvs {
		delete(w.pendingConvs, id)
		delete(w.convs, id)
	}
}

func (w *writeCache) commit() {
	if w.contacts == nil || len(w.contacts) > maxCached {
		w.contacts = map[contactKey]*ent.Contact{}
	}
	if w.convs == nil || len(w.convs) > maxCached {
		w.convs = map[int]int{}
	}
	for k, v := range w.pendingContacts {
		w.contacts[k] = v
	}
	for k, v := range w.pendingConvs {
		w.convs[k] = v
	}
	w.begin()
}

func (w *writeCache) reset() {
	w.contacts, w.convs = nil, nil
	w.begin()
}

func (w *writeCache) contact(k contactKey) *ent.Contact {
	if c, ok := w.pendingContacts[k]; ok {
		return c
	}
	return w.contacts[k]
}

func (w *writeCache) putContact(c *ent.Contact) {
	k := contactKey{c.IntegrationAccountID, c.ProviderUserID}
	w.pendingContacts[k] = c
	w.jobContacts = append(w.jobContacts, k)
}

// dropContact forgets a contact changed outside contactFor (blocked/unblocked).
func (w *writeCache) dropContact(k contactKey) {
	delete(w.pendingContacts, k)
	delete(w.contacts, k)
}

func (w *writeCache) conv(contactID int) (int, bool) {
	if id, ok := w.pendingConvs[contactID]; ok {
		return id, true
	}
	id, ok := w.convs[contactID]
	return id, ok
}

func (w *writeCache) putConv(contactID, convID int) {
	w.pendingConvs[contactID] = convID
	w.jobConvs = append(w.jobConvs, contactID)
}

// touchOpen marks message, which the customer wrote at wrote (see wroteAt),
// as the conversation's latest if it is still OPEN, in one statement, and
// returns it with its current assignee; nil when it is not open.
func (s *Service) touchOpen(ctx context.Context, c *ent.Client, convID, messageID int, wrote time.Time) (*ent.Conversation, error) {
	now := s.now()
	query, args := entsql.Dialect(s.opts.Dialect).Update(conversation.Table).
		Set(conversation.FieldLastMessageAt, now).
		Set(conversation.FieldLastInboundAt, wrote).
		Set(conversation.FieldUpdatedAt, now).
		Set(conversation.FieldLastMessageID, messageID).
		SetNull(conversation.FieldCustomerIdleAt). // the customer answered
		Set(conversation.FieldIdleWarned, false).
		Where(entsql.And(entsql.EQ(conversation.FieldID, convID), entsql.EQ(conversation.FieldStatus, conversation.StatusOPEN.String()))).
		Returning(conversation.FieldTenantID, conversation.FieldIntegrationAccountID, conversation.FieldContactID, conversation.FieldAssigneeID,
			conversation.FieldQueued, conversation.FieldOfferedToID, conversation.FieldServiceID, conversation.FieldScenarioState).
		Query()
	rows, err := c.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("inbox: touch conversation: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	conv := &ent.Conversation{ID: convID, Status: conversation.StatusOPEN, LastMessageAt: now, LastInboundAt: &wrote, UpdatedAt: now, LastMessageID: &messageID}
	var assignee, offered, service sql.NullInt64
	if err := rows.Scan(&conv.TenantID, &conv.IntegrationAccountID, &conv.ContactID, &assignee, &conv.Queued, &offered, &service, &conv.ScenarioState); err != nil {
		return nil, fmt.Errorf("inbox: touch conversation: %w", err)
	}
	conv.AssigneeID, conv.OfferedToID, conv.ServiceID = nullInt(assignee), nullInt(offered), nullInt(service)
	return conv, rows.Close()
}

// nullInt is n as a nillable int.
func nullInt(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}
