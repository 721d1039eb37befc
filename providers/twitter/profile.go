package twitter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/switchboard/switchboard/providers"
)

// User is an X user as GET /2/users/me and /2/users/:id answer.
type User struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Username        string `json:"username"`
	ProfileImageURL string `json:"profile_image_url"`
}

// userResponse is the answer of a user lookup: the user, or (with 200) the
// partial errors X gives for a user it does not have.
type userResponse struct {
	Data   *User       `json:"data"`
	Errors []ErrorItem `json:"errors"`
}

// ErrNoProfile means X has no profile to give: the user does not exist, was
// suspended or deactivated. It is final for that user until that changes.
var ErrNoProfile = fmt.Errorf("twitter: X has no profile of this user: %w", providers.ErrNoProfile)

// FetchProfile gets a customer's name and picture
// (GET /2/users/:id?user.fields=profile_image_url, OAuth 1.0a user context).
// Webhooks name their senders already, but follows and read receipts may
// not, and names change. An unknown or suspended user (which X reports as
// partial errors with 200, or 404) is ErrNoProfile; other failures are
// *APIError or transport errors, none of which show a credential. chatID is
// unused: X direct messages here are one-to-one.
func (p Provider) FetchProfile(ctx context.Context, env providers.Env, acct providers.Account, chatID, userID string) (providers.Profile, error) {
	creds := credentialsOf(acct)
	if m := creds.missing(); m != "" {
		return providers.Profile{}, errors.New("twitter: get profile: the account has no " + m)
	}
	if !isUserID(userID) {
		return providers.Profile{}, errors.New("twitter: get profile: not an X user ID")
	}
	var out userResponse
	err := do(ctx, env.HTTP, env.Now, request{
		op: "get profile", method: http.MethodGet, auth: authUser, creds: creds,
		url: p.api() + "/2/users/" + url.PathEscape(userID) + "?user.fields=profile_image_url",
	}, &out)
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
		return providers.Profile{}, ErrNoProfile
	case err != nil:
		return providers.Profile{}, err
	case out.Data == nil && len(out.Errors) > 0:
		return providers.Profile{}, ErrNoProfile
	case out.Data == nil:
		return providers.Profile{}, &decodeError{op: "get profile", err: errors.New("no data")}
	}
	return providers.Profile{DisplayName: firstNonEmpty(out.Data.Name, out.Data.Username), PictureURL: out.Data.ProfileImageURL}, nil
}
