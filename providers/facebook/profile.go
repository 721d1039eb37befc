package facebook

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta"
)

// Profile is what Messenger's User Profile API tells about a person: webhooks
// carry only the PSID, so a contact's name and picture come from here.
type Profile struct {
	ID        string `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	// ProfilePic is a URL that expires.
	ProfilePic string `json:"profile_pic"`
}

// Name is the person's display name: first and last name.
func (p Profile) Name() string {
	return strings.TrimSpace(strings.TrimSpace(p.FirstName) + " " + strings.TrimSpace(p.LastName))
}

// Profile gets a person's name and picture by PSID
// (GET /{psid}?fields=first_name,last_name,profile_pic,
// https://developers.facebook.com/docs/messenger-platform/identity/user-profile).
// Meta allows it once the person has messaged the Page; Business apps also need
// the Business Asset User Profile Access feature. Failures are *meta.Error,
// *meta.HTTPError or transport errors, none of which show the token.
func (p Provider) Profile(ctx context.Context, env providers.Env, acct providers.Account, psid string) (Profile, error) {
	token := pageToken(acct)
	psid = strings.TrimSpace(psid)
	switch {
	case token == "":
		return Profile{}, errors.New("facebook: profile: the account has no Page access token")
	case psid == "":
		return Profile{}, errors.New("facebook: profile: no PSID")
	}
	var out Profile
	err := p.graph.Do(ctx, env.HTTP, meta.Call{
		Op: "facebook: profile", Method: http.MethodGet, Path: []string{psid},
		Query: url.Values{"fields": {"first_name,last_name,profile_pic"}}, Token: token,
	}, &out)
	if err != nil {
		return Profile{}, err
	}
	return out, nil
}

var _ providers.ProfileFetcher = Provider{}

// FetchProfile is Profile in the form the core asks for: Messenger's webhooks
// carry only the page-scoped ID, so this is how agents learn the name.
func (p Provider) FetchProfile(ctx context.Context, env providers.Env, acct providers.Account, _, userID string) (providers.Profile, error) {
	pr, err := p.Profile(ctx, env, acct, userID)
	if err != nil {
		return providers.Profile{}, err
	}
	return providers.Profile{DisplayName: pr.Name(), PictureURL: pr.ProfilePic}, nil
}
