package inbox

import (
	"context"
	"fmt"
	"net/http"

	"entgo.io/ent/dialect"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/providers"
)

// The writer is the one path by which the message path writes: webhooks,
// replies, takes and transfers, delivery outcomes, media results and profile
// updates are all jobs that it commits in batches, many jobs to one
// transaction and one fsync (group commit). Each write runs inside a savepoint,
// so one that fails (a lost race, a refusal) is undone alone while the rest
// of its batch commits. Nothing is answered before its commit.

// writeFunc is a job's work inside the batch transaction. c is the
// transaction's client acting as the system (the caller checked the viewer's
// access before submitting); rec records the events published once the batch
// commits. A writeFunc may run twice (alone, after its batch failed to
// commit), so it changes nothing outside the transaction.
type writeFunc func(ctx context.Context, c *ent.Client, rec *recorder) error

// job is one unit of work for the writer: a webhook to store, a failed one to
// replay, an account's held messages to release, or a write (fn).
type job struct {
	account     *ent.IntegrationAccount
	body        []byte
	contentType string
	// query and headers are the rest of the request, kept with a body that
	// cannot be parsed so that a replay sees what arrived.
	query   string
	headers http.Header
	events  []providers.Event
	// failure is set when the body could not be parsed; it is stored FAILED.
	failure string
	// replay is the FAILED webhook event being replayed.
	replay *ent.WebhookEvent
	// release asks to move the account's held messages into conversations.
	release bool
	// fn is a write of the rest of the core (see writeFunc).
	fn writeFunc

	done chan error
	// err is the job's own failure; its batch may still have committed.
	err error
	// first and count place the job's events in its batch's recorder.
	first, count int
	out          []Event
}

// write runs fn as a job of the writer and returns once it is committed, with
// fn's error when fn failed (nothing of it is then stored).
func (s *Service) write(ctx context.Context, fn writeFunc) error {
	return s.submit(ctx, &job{fn: fn})
}

// submit hands j to the writer and waits until it is committed or failed.
func (s *Service) submit(ctx context.Context, j *job) error {
	j.done = make(chan error, 1)
	select {
	case s.jobs <- j:
	case <-s.stopped:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	// The writer always answers a job it took, so wait for it even if ctx ends:
	// answering 200 before the commit would break the durability promise.
	return <-j.done
}

// runWriter commits jobs in batches: every job waiting when a transaction starts
// shares it (group commit), and each is answered after the commit.
func (s *Service) runWriter(ctx context.Context) {
	for {
		var first *job
		select {
		case <-ctx.Done():
			return
		case first = <-s.jobs:
		}
		batch := []*job{first}
	fill:
		for len(batch) < s.opts.MaxBatch {
			select {
			case j := <-s.jobs:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		s.commitBatch(ctx, batch)
	}
}

// commitBatch stores a batch in one transaction; if that fails, each job is tried
// alone so one bad job cannot fail the others.
func (s *Service) commitBatch(ctx context.Context, batch []*job) {
	// The batch must be stored even if the server is shutting down.
	ctx = core.SystemContext(context.WithoutCancel(ctx))
	if err := s.commitRetrying(ctx, batch); err == nil {
		s.publish(batch)
		for _, j := range batch {
			if store.Retryable(j.err) {
				// Undone to its savepoint so that another instance's writer
				// could go on: run alone, again.
				if err := s.commitRetrying(ctx, []*job{j}); err != nil {
					j.err = err
				} else {
					s.publish([]*job{j})
				}
			}
			j.done <- j.err
		}
		return
	} else if len(batch) == 1 {
		batch[0].done <- err
		return
	}
	for _, j := range batch {
		err := s.commitRetrying(ctx, []*job{j})
		if err == nil {
			s.publish([]*job{j})
			err = j.err
		}
		j.done <- err
	}
}

// commitAttempts bounds how often a transaction PostgreSQL undid to break a
// deadlock with another instance's writer is run again.
const commitAttempts = 5

// commitRetrying is commit, run again while PostgreSQL undoes it (or a lone
// job's write) to let another instance's writer go on (store.Retryable).
func (s *Service) commitRetrying(ctx context.Context, batch []*job) error {
	for attempt := 1; ; attempt++ {
		err := s.commit(ctx, batch)
		retry := store.Retryable(err) || (err == nil && len(batch) == 1 && store.Retryable(batch[0].err))
		if !retry || attempt == commitAttempts {
			return err
		}
	}
}

// commit runs a batch in one transaction. It fails when the transaction does
// or a webhook could not be stored; a write's own failure is in its err,
// undone to its savepoint.
func (s *Service) commit(ctx context.Context, batch []*job) error {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("inbox: begin: %w", err)
	}
	fail := func(err error) error {
		tx.Rollback()
		s.cache.reset()
		return err
	}
	c := tx.Client()
	s.forgetStaleContacts()
	s.cache.begin()
	rec := &recorder{c: c, postgres: s.opts.Dialect == dialect.Postgres}
	for _, j := range batch {
		j.err, j.out = nil, nil
		j.first = len(rec.pending)
		// A write of the rest of the core may fail as its answer (a lost
		// race, a refusal): it runs in a savepoint, so it is undone alone. A
		// webhook fails only when storing fails; the batch is then retried
		// job by job (commitBatch), which spares every webhook a savepoint.
		isolate := j.fn != nil && len(batch) > 1
		if isolate {
			if _, err := c.ExecContext(ctx, "SAVEPOINT job"); err != nil {
				return fail(fmt.Errorf("inbox: savepoint: %w", err))
			}
		}
		s.cache.beginJob()
		if err := s.apply(ctx, c, rec, j); err != nil {
			if len(batch) == 1 {
				j.err = err
				s.cache.reset()
				if rerr := tx.Rollback(); rerr != nil {
					return fmt.Errorf("inbox: rollback: %w", rerr)
				}
				return nil
			}
			if !isolate {
				return fail(err)
			}
			j.err = err
			s.cache.abortJob()
			rec.pending = rec.pending[:j.first]
			if _, err := c.ExecContext(ctx, "ROLLBACK TO SAVEPOINT job"); err != nil {
				return fail(fmt.Errorf("inbox: undo job: %w", err))
			}
		}
		if isolate {
			if _, err := c.ExecContext(ctx, "RELEASE SAVEPOINT job"); err != nil {
				return fail(fmt.Errorf("inbox: release savepoint: %w", err))
			}
		}
		j.count = len(rec.pending) - j.first
	}
	if err := rec.flush(ctx); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		s.cache.reset()
		return fmt.Errorf("inbox: commit: %w", err)
	}
	s.cache.commit()
	for _, f := range rec.after {
		f()
	}
	for _, j := range batch {
		j.out = rec.out[j.first : j.first+j.count]
	}
	return nil
}

// publish hands a committed batch's events, in cursor order, to the fan-out,
// and wakes the media worker when a message arrived.
func (s *Service) publish(batch []*job) {
	var evs []Event
	for _, j := range batch {
		evs = append(evs, j.out...)
	}
	if len(evs) == 0 {
		return
	}
	for _, e := range evs {
		if e.Kind == MessageCreated {
			s.wakeMediaHere()
			s.tellLeader(workMedia)
			break
		}
	}
	s.fanout.publish(evs)
	s.shareEvents(evs)
}
