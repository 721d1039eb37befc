package inbox

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/ent/contact"
	"github.com/switchboard/switchboard/providers"
)

// profileRefresh is how long a customer's name and picture are kept before
// their messenger is asked again.
const profileRefresh = 24 * time.Hour

// profileAsk is one customer to look up with their messenger.
type profileAsk struct {
	from      providers.ProfileFetcher
	accountID int
	account   providers.Account
	chatID    string
	userID    string
}

// askProfiles queues the senders of a stored webhook's events for a profile
// lookup, without making the webhook's answer wait for it.
func (s *Service) askProfiles(from providers.ProfileFetcher, accountID int, acct providers.Account, events []providers.Event) {
	seen := map[string]bool{}
	for _, ev := range events {
		switch ev.Kind {
		case providers.EventMessage, providers.EventPostback, providers.EventSubscribed:
		default:
			continue
		}
		if ev.SenderID == "" || seen[ev.SenderID] {
			continue
		}
		seen[ev.SenderID] = true
		key := contactKey{account: accountID, user: ev.SenderID}
		if !s.asked.due(key, s.now()) {
			continue // asked within profileRefresh: no lookup, not even in the database
		}
		select {
		case s.profiles <- profileAsk{from: from, accountID: accountID, account: acct, chatID: ev.ChatID, userID: ev.SenderID}:
		default:
			s.asked.forget(key) // full: the next message of this customer asks again
		}
	}
}

// runProfiles looks customers up until ctx ends: a contact whose profile is
// older than profileRefresh (or was never fetched) gets its messenger's
// display name and picture.
func (s *Service) runProfiles(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-s.profiles:
			s.refreshProfile(ctx, a)
		}
	}
}

func (s *Service) refreshProfile(ctx context.Context, a profileAsk) {
	sys := core.SystemContext(ctx)
	key := contactKey{account: a.accountID, user: a.userID}
	ct, err := s.client.Contact.Query().
		Where(contact.IntegrationAccountID(a.accountID), contact.ProviderUserID(a.userID)).Only(sys)
	if err != nil {
		s.asked.forget(key) // held for a disconnected account, or gone: asked again later
		return
	}
	now := s.now()
	if ct.ProfileCheckedAt != nil && now.Sub(*ct.ProfileCheckedAt) < profileRefresh {
		return
	}
	callCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	p, err := a.from.FetchProfile(callCtx, s.env(), a.account, a.chatID, a.userID)
	cancel()
	var found *providers.Profile
	switch {
	case errors.Is(err, providers.ErrNoProfile):
	case err != nil:
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "contacts: fetch profile", "account", a.accountID, "err", err)
		}
		s.asked.forget(key)
		return // asked again with the customer's next message
	default:
		found = &p
	}
	err = s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		up := c.Contact.UpdateOneID(ct.ID).SetProfileCheckedAt(now)
		if found != nil {
			if found.DisplayName != "" {
				up.SetDisplayName(found.DisplayName)
			}
			up.SetAvatarURL(found.PictureURL)
			if found.Language != "" && ct.Language == "" {
				up.SetLanguage(found.Language)
			}
		}
		s.contactChanged(rec, key)
		return up.Exec(ctx)
	})
	if err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "contacts: store profile", "contact", ct.ID, "err", err)
	}
}
