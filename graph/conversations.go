package graph

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/core/events"
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

// conversationEvents maps the inbox's event stream to GraphQL, loading each
// event's conversation and message as the subscriber (so visibility holds).
func (r *Resolver) conversationEvents(ctx context.Context, conversationID *int, after *string) (<-chan *model.ConversationEvent, error) {
	var from *int
	if after != nil {
		n, err := inbox.ParseCursor(*after)
		if err != nil {
			return nil, err
		}
		from = &n
	}
	sub, err := r.Inbox.Subscribe(ctx, conversationID, from)
	if err != nil {
		return nil, err
	}
	out := make(chan *model.ConversationEvent)
	go func() {
		defer close(out)
		for e := range sub.C {
			conv, msg, ok := r.Inbox.Resolve(ctx, e)
			if !ok {
				continue // deleted, or not visible to this viewer
			}
			ev := &model.ConversationEvent{Cursor: strconv.Itoa(e.Cursor), Kind: model.ConversationEventKind(e.Kind), Conversation: conv, Message: msg}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
		if err := sub.Err(); errors.Is(err, events.ErrSlowSubscriber) {
			EndWithError(ctx, err)
		}
	}()
	return out, nil
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
