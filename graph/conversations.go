package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/graph/model"
)

func derefString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// conversationEvents maps the inbox's event stream to GraphQL. The events come
// loaded and filtered by the visibility rule; no goroutine runs per stream.
func (r *Resolver) conversationEvents(ctx context.Context, conversationID *int, after *string) (<-chan *model.ConversationEvent, error) {
	opts := inbox.StreamOptions{ConversationID: conversationID}
	if after != nil {
		n, err := inbox.ParseCursor(*after)
		if err != nil {
			return nil, err
		}
		opts.After = &n
	}
	ended := func(err error) { EndWithError(ctx, err) }
	if slot, ok := ctx.Value(streamSlotKey{}).(*streamSlot); ok {
		// SharedEvents takes the events and renders them once per audience.
		src, err := inbox.Stream(ctx, r.Inbox, opts, func(p *inbox.Published) *inbox.Published { return p }, ended)
		if err != nil {
			return nil, err
		}
		slot.src, slot.to = src, make(chan *model.ConversationEvent, 1)
		return slot.to, nil
	}
	return inbox.Stream(ctx, r.Inbox, opts, eventModel, ended)
}

// attachmentModels maps a message's attachments with their local copies' state.
func attachmentModels(publicURL string, m *ent.Message) []*model.Attachment {
	out := make([]*model.Attachment, len(m.Attachments))
	for i, a := range m.Attachments {
		att := &model.Attachment{
			Type:        a.Type,
			URL:         nonEmpty(a.URL),
			FileID:      nonEmpty(a.FileID),
			MimeType:    nonEmpty(a.MimeType),
			FileName:    nonEmpty(a.FileName),
			DownloadURL: fmt.Sprintf("%s/media/%d/%d", strings.TrimRight(publicURL, "/"), m.ID, i),
			Status:      model.MediaStatusPending,
		}
		if a.Size > 0 {
			size := int(a.Size)
			att.Size = &size
		}
		if i < len(m.Media) {
			st := m.Media[i]
			att.Status = model.MediaStatus(st.Status)
			att.Error = nonEmpty(st.Error)
			if st.MimeType != "" {
				att.MimeType = &st.MimeType
			}
			if st.Size > 0 {
				size := int(st.Size)
				att.Size = &size
			}
		}
		out[i] = att
	}
	return out
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
