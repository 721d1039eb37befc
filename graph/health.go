package graph

import (
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/graph/model"
)

// webhookModel is an account's webhook status as AccountHealth.webhook shows
// it: empty texts as null.
func webhookModel(st *core.WebhookStatus) *model.AccountWebhookStatus {
	if st == nil {
		return nil
	}
	return &model.AccountWebhookStatus{
		URL:            nonEmpty(st.URL),
		PointsHere:     st.PointsHere,
		Active:         st.Active,
		PendingUpdates: st.PendingUpdates,
		LastError:      nonEmpty(st.LastError),
		LastErrorAt:    st.LastErrorAt,
		ReadError:      nonEmpty(st.ReadError),
		CheckedAt:      st.CheckedAt,
	}
}
