package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/bench/seed"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/supervision"
)

// noUpdates is a queue that never announces a change.
type noUpdates struct{}

func (noUpdates) QueueUpdates() <-chan struct{} { return nil }

// TestSupervisionQueriesUseIndexes: what a supervisor's wallboard reads
// several times a second (the queues through their partial index, the
// agents' loads) and the figures of a year read no large table whole, and
// only counting by messenger sorts (the rows of its range).
func TestSupervisionQueriesUseIndexes(t *testing.T) {
	e := newSQLiteEnv(t, t.TempDir(), true)
	ctx := context.Background()
	sum, err := seed.Seed(ctx, e.db, seed.Options{Messages: 500, Tenants: 1, Agents: 4})
	if err != nil {
		t.Fatal(err)
	}
	tn := sum.Tenants[0]
	sys := core.SystemContext(ctx)
	svc, err := e.client.ChatService.Create().SetTenantID(tn.ID).SetName("Billing").AddAgentIDs(tn.AgentIDs[0]).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.IntegrationAccount.UpdateOneID(tn.AccountIDs[0]).SetServiceID(svc.ID).Save(sys); err != nil {
		t.Fatal(err)
	}
	sup := supervision.New(e.client, noUpdates{}, supervision.Options{})
	viewer := asViewer(tn.ID, tn.AdminID, core.RoleSupervisor)
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"queue", func() error { _, err := sup.Queue(viewer); return err }},
		{"stats", func() error {
			_, err := sup.Stats(viewer, nil, time.Now().Add(-365*24*time.Hour), time.Now())
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.rec.take()
			if err := c.run(); err != nil {
				t.Fatal(err)
			}
			var stmts []statement
			for _, st := range e.rec.take() {
				// Counting by messenger groups the range's rows by account:
				// a sort of the rows the range read anyway.
				if strings.Contains(st.query, "GROUP BY `conversations`.`service_id`, `conversations`.`integration_account_id`") {
					p, err := plan(ctx, e.db, st)
					if err != nil {
						t.Fatal(err)
					}
					if !strings.Contains(p, "conversation_service_id_queued_at (service_id=? AND queued_at>? AND queued_at<?)") {
						t.Errorf("counting by messenger does not read a range of the service's arrivals:\n%s\n%s", st.query, p)
					}
					continue
				}
				stmts = append(stmts, st)
			}
			checkPlans(t, e, stmts)
		})
	}
}
