package viber

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// UserDetails is what get_user_details tells about a Viber user: callbacks
// name the user only when the webhook asked for names (send_name), and never
// keep the picture current, so a contact's name and picture come from here.
type UserDetails struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Avatar   string `json:"avatar"`
	Country  string `json:"country"`
	Language string `json:"language"`
}

// ErrNoProfile means Viber gives no details of this user now: the user is not
// subscribed to the bot or left Viber (status 5, 6), or the bot has asked
// about them too often (status 12: Viber allows about two lookups per user in
// twelve hours; an HTTP 429 says the same). Asking again before the core's
// next refresh would not help, so the core waits for it instead of asking
// with every message.
var ErrNoProfile = fmt.Errorf("viber: Viber gives no details of this user now: %w", providers.ErrNoProfile)

// UserDetails calls get_user_details ({"id": userID}). The refusals listed at
// ErrNoProfile are ErrNoProfile; others are *APIError or transport errors,
// none of which show the token.
func (p Provider) UserDetails(ctx context.Context, env providers.Env, acct providers.Account, userID string) (UserDetails, error) {
	token := authToken(acct)
	if token == "" {
		return UserDetails{}, errors.New("viber: get_user_details: the account has no token")
	}
	if strings.TrimSpace(userID) == "" {
		return UserDetails{}, errors.New("viber: get_user_details: no user ID")
	}
	var out struct {
		User *UserDetails `json:"user"`
	}
	err := p.call(ctx, env.HTTP, token, "get_user_details", map[string]string{"id": userID}, &out)
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Status {
		case statusReceiverNotRegistered, statusReceiverNotSubscribed, statusTooManyRequests:
			return UserDetails{}, ErrNoProfile
		}
	}
	var httpErr *statusError
	if errors.As(err, &httpErr) && httpErr.code == http.StatusTooManyRequests {
		return UserDetails{}, ErrNoProfile // the limit, said by a proxy in front of Viber
	}
	if err != nil {
		return UserDetails{}, err
	}
	if out.User == nil {
		return UserDetails{}, &decodeError{endpoint: "get_user_details", err: errors.New("answer without user")}
	}
	return *out.User, nil
}

// FetchProfile is UserDetails in the form the core asks for. The core asks
// for a new contact and then once a day at most, within Viber's limit on
// get_user_details.
func (p Provider) FetchProfile(ctx context.Context, env providers.Env, acct providers.Account, _, userID string) (providers.Profile, error) {
	u, err := p.UserDetails(ctx, env, acct, userID)
	if err != nil {
		return providers.Profile{}, err
	}
	return providers.Profile{DisplayName: strings.TrimSpace(u.Name), PictureURL: u.Avatar, Language: providers.LanguageTag(u.Language)}, nil
}
