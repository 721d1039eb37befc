package inbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/media"
	"github.com/switchboard/switchboard/core/safeurl"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/conversation"
	"github.com/switchboard/switchboard/ent/message"
	"github.com/switchboard/switchboard/providers"
)

// MaxTextLength bounds a reply; providers split long texts as they need.
const MaxTextLength = 20000

// SendInput is an agent's reply.
type SendInput struct {
	ConversationID int
	Text           string
	// Attachments are given as URLs the provider fetches.
	Attachments []providers.Attachment
	// ClientMessageID makes a retried send idempotent: the same ID sends once.
	ClientMessageID string
	// Uploads are files the agent uploaded; they are kept in the media folder
	// and sent as bytes.
	Uploads []Upload
}

// Upload is one uploaded file.
type Upload struct {
	FileName string
	MimeType string
	Content  io.Reader
}

// attachmentType guesses how to present an uploaded file.
func attachmentType(mimeType string) providers.AttachmentType {
	switch {
	case strings.HasPrefix(mimeType, "image/"):
		return providers.AttachmentImage
	case strings.HasPrefix(mimeType, "video/"):
		return providers.AttachmentVideo
	case strings.HasPrefix(mimeType, "audio/"):
		return providers.AttachmentAudio
	}
	return providers.AttachmentFile
}

// Send stores the reply as QUEUED (it is its own outbox entry) and returns at once;
// the dispatcher delivers it. The same ClientMessageID returns the first message.
func (s *Service) Send(ctx context.Context, in SendInput) (*ent.Message, error) {
	v, _ := core.ViewerFrom(ctx)
	verr := &core.ValidationError{}
	text := strings.TrimSpace(in.Text)
	if text == "" && len(in.Attachments) == 0 && len(in.Uploads) == 0 {
		verr.Add("text", "a message needs text or an attachment")
	}
	if utf8.RuneCountInString(in.Text) > MaxTextLength {
		verr.Add("text", "must be at most %d characters", MaxTextLength)
	}
	for i, a := range in.Attachments {
		if err := safeurl.CheckURL(a.URL, false, false); err != nil {
			verr.Add(fmt.Sprintf("attachments[%d].url", i), "%s", err.Error())
		}
	}
	if len(in.ClientMessageID) > 200 {
		verr.Add("clientMessageId", "must be at most 200 characters")
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	attachments := append([]providers.Attachment(nil), in.Attachments...)
	states := make([]core.MediaState, len(attachments))
	for i, up := range in.Uploads {
		name, size, err := s.media.Save(up.Content)
		if errors.Is(err, media.ErrTooLarge) {
			return nil, core.Invalid(fmt.Sprintf("files[%d]", i), "must be at most 20 MiB")
		}
		if err != nil {
			return nil, fmt.Errorf("inbox: keep upload: %w", err)
		}
		attachments = append(attachments, providers.Attachment{Type: attachmentType(up.MimeType), FileName: up.FileName, MimeType: up.MimeType, Size: size})
		states = append(states, core.MediaState{Status: core.MediaReady, File: name, MimeType: up.MimeType, Size: size})
	}
	// Read as the viewer first: a conversation it may not see is NOT_FOUND.
	if _, err := s.client.Conversation.Get(ctx, in.ConversationID); err != nil {
		return nil, store.Wrap(err, "inbox: send: conversation")
	}
	var out *ent.Message
	err := s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		if in.ClientMessageID != "" {
			prev, err := c.Message.Query().Where(message.ClientMessageID(in.ClientMessageID)).Only(ctx)
			if err == nil {
				if prev.ConversationID == nil || *prev.ConversationID != in.ConversationID {
					return fmt.Errorf("inbox: clientMessageId used in another conversation: %w", core.ErrConflict)
				}
				out = prev
				return nil
			}
			if !ent.IsNotFound(err) {
				return fmt.Errorf("inbox: send: %w", err)
			}
		}
		conv, err := c.Conversation.Get(ctx, in.ConversationID)
		if err != nil {
			return store.Wrap(err, "inbox: send: conversation")
		}
		if conv.Status != conversation.StatusOPEN {
			return core.Invalid("conversationId", "the conversation is closed")
		}
		if v.Role == core.RoleAgent && (conv.AssigneeID == nil || *conv.AssigneeID != v.UserID) {
			return fmt.Errorf("inbox: send: take the conversation first: %w", core.ErrForbidden)
		}
		if err := s.checkReplyWindow(ctx, c, conv); err != nil {
			return err
		}
		create := c.Message.Create().
			SetTenantID(conv.TenantID).
			SetIntegrationAccountID(conv.IntegrationAccountID).
			SetContactID(conv.ContactID).
			SetConversationID(conv.ID).
			SetDirection(message.DirectionOUTBOUND).
			SetStatus(message.StatusQUEUED).
			SetText(in.Text).
			SetNextAttemptAt(s.now())
		if len(attachments) > 0 {
			create.SetAttachments(attachments).SetMedia(states)
		}
		if in.ClientMessageID != "" {
			create.SetClientMessageID(in.ClientMessageID)
		}
		if v.UserID != 0 {
			create.SetSenderID(v.UserID)
		}
		if out, err = create.Save(ctx); err != nil {
			return store.Wrap(err, "inbox: send")
		}
		up := c.Conversation.UpdateOne(conv).SetLastMessageAt(s.now()).SetLastMessageID(out.ID)
		if err := s.awaitCustomer(ctx, c, rec, conv, up); err != nil {
			return err
		}
		if conv, err = up.Save(ctx); err != nil {
			return fmt.Errorf("inbox: send: %w", err)
		}
		id := out.ID
		return rec.add(ctx, MessageCreated, conv, &id)
	})
	if err != nil {
		return nil, err
	}
	s.Wake()
	return out.Unwrap(), nil
}

// awaitCustomer starts the customer's inactivity clock with an agent's
// message in conv, when its service has one: the warning falls due after the
// service's inactivity time, unless the customer writes first.
func (s *Service) awaitCustomer(ctx context.Context, c *ent.Client, rec *recorder, conv *ent.Conversation, up *ent.ConversationUpdateOne) error {
	if conv.ServiceID == nil || conv.AssigneeID == nil {
		return nil
	}
	svc, err := c.ChatService.Get(ctx, *conv.ServiceID)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inbox: send: service: %w", err)
	}
	if svc.InactivityWarningSeconds == 0 {
		return nil
	}
	up.SetCustomerIdleAt(s.now().Add(time.Duration(svc.InactivityWarningSeconds) * time.Second)).SetIdleWarned(false)
	rec.after = append(rec.after, s.kickRouter) // it may now wake sooner
	return nil
}

// Retry queues a FAILED reply again, for real: the dispatcher delivers it anew.
func (s *Service) Retry(ctx context.Context, id int) (*ent.Message, error) {
	m, err := s.client.Message.Get(ctx, id)
	if err != nil {
		return nil, store.Wrap(err, "inbox: retry")
	}
	if m.Direction != message.DirectionOUTBOUND || m.Status != message.StatusFAILED {
		return nil, core.Invalid("id", "only failed replies can be retried")
	}
	var out *ent.Message
	err = s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		var err error
		out, err = c.Message.UpdateOneID(id).Where(message.StatusEQ(message.StatusFAILED)).
			SetStatus(message.StatusQUEUED).SetError("").SetAttempts(0).SetNextAttemptAt(s.now()).Save(ctx)
		if ent.IsNotFound(err) {
			return core.Invalid("id", "only failed replies can be retried")
		}
		if err != nil {
			return fmt.Errorf("inbox: retry: %w", err)
		}
		return messageUpdated(ctx, c, rec, out)
	})
	if err != nil {
		return nil, err
	}
	s.Wake()
	return out.Unwrap(), nil
}
