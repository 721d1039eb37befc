package inbox

import (
	"context"
	"errors"
	"fmt"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/switchboard/switchboard/ent"
)

// A contact has at most one OPEN conversation, and the database enforces it
// (the conversation_one_open index): on PostgreSQL the writers of several
// instances check for a contact's open conversation and open one at the same
// moment, and only the index sees both. The loser of that race undoes just
// the statement that opened its conversation and files into the winner's.

// errLostOpen says another writer opened the contact's conversation first
// (and committed): look for it again.
var errLostOpen = errors.New("inbox: another writer opened this contact's conversation first")

// openAttempts bounds how often a writer looks again after losing: each loss
// means a winner committed an open conversation, so the next look finds it
// unless that one was closed meanwhile.
const openAttempts = 3

// openOnce runs open, the one statement that makes a conversation of a
// contact OPEN (an insert, or the update that reopens one), in a savepoint of
// its own, so that when the one-open index refuses it only that statement is
// undone (PostgreSQL would otherwise fail the whole transaction, and with it
// every webhook of the batch) and errLostOpen is returned. On SQLite the one
// writer cannot lose that race, and open runs as it is.
func (s *Service) openOnce(ctx context.Context, c *ent.Client, open func() error) error {
	if s.opts.Dialect != dialect.Postgres {
		return open()
	}
	if _, err := c.ExecContext(ctx, "SAVEPOINT open_conversation"); err != nil {
		return fmt.Errorf("inbox: savepoint: %w", err)
	}
	err := open()
	if err != nil {
		if _, rerr := c.ExecContext(ctx, "ROLLBACK TO SAVEPOINT open_conversation"); rerr != nil {
			return fmt.Errorf("inbox: undo opening a conversation: %w", rerr)
		}
		if sqlgraph.IsUniqueConstraintError(err) {
			err = errLostOpen
		}
	}
	if _, rerr := c.ExecContext(ctx, "RELEASE SAVEPOINT open_conversation"); rerr != nil {
		return fmt.Errorf("inbox: release savepoint: %w", rerr)
	}
	return err
}
